//! GET /api/withdrawals: the owner's withdrawals, newest first, with state and failure reason.

use gpet::paging::{Page, PageRequest};
use gpet::withdrawals::{self, Withdrawal};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth, merchant);

#[utoipa::path(
    get,
    path = "/api/withdrawals",
    tag = "h5",
    params(
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Withdrawal>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<Withdrawal>> {
    let me = http::owner(ctx, &req).await?;
    withdrawals::mine(ctx, me.user_id, PageRequest::parse(&http::query(&req))?).await
}

//! GET /api/account/flows: the flows of the owner's balance in the last 15 days, newest first, paged, each with its kind and source.

use gpet::account::{self, Flow};
use gpet::paging::{Page, PageRequest};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/account/flows",
    tag = "h5",
    params(
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Flow>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<Flow>> {
    let me = http::owner(ctx, &req).await?;
    account::flows(ctx, me.user_id, PageRequest::parse(&http::query(&req))?).await
}

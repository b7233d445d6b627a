//! GET /api/withdrawals: the owner's withdrawals, newest first, with state and failure reason.

use gpet::paging::{Page, PageRequest};
use gpet::withdrawals::{self, Withdrawal};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, merchant: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/withdrawals", tag = "h5", params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Page<Withdrawal>>), (status = 400, description = "1403 with what was wrong"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            withdrawals::mine(ctx, me.user_id, PageRequest::parse(&http::query(&req))?).await
        }
        .await,
    )
}

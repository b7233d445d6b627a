//! GET /api/account/flows: the flows of the owner's balance in the last 15 days, newest first, paged, each with its kind and source.

use gpet::account::{self, Flow};
use gpet::paging::{Page, PageRequest};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/account/flows", tag = "h5", params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Page<Flow>>), (status = 400, description = "1403 with what was wrong"), (status = 503, description = "1503 under maintenance")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let me = http::owner(ctx, &req).await?;
            account::flows(ctx, me.user_id, PageRequest::parse(&http::query(&req))?).await
        }
        .await,
    )
}

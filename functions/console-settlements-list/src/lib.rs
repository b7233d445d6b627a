//! GET /api/console/settlements: settlement runs by day, newest first.

use gpet::paging::{Page, PageRequest};
use gpet::settlement::{self, SettlementRun};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/console/settlements", tag = "console", params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = Envelope<Page<SettlementRun>>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            by.require(gpet::operators::FINANCE)?;
            settlement::list(ctx, PageRequest::parse(&http::query(&req))?).await
        }
        .await,
    )
}

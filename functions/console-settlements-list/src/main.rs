//! GET /api/console/settlements: settlement runs by day, newest first.

use gpet::paging::{Page, PageRequest};
use gpet::settlement::{self, SettlementRun};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/settlements",
    tag = "console",
    params(
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<SettlementRun>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<SettlementRun>> {
    let by = http::operator(ctx, &req).await?;
    settlement::list(ctx, &by, PageRequest::parse(&http::query(&req))?).await
}

//! GET /api/console/campaigns: ad campaigns with their targets' outcomes.

use gpet::campaigns::{self, Campaign};
use gpet::paging::{Page, PageRequest};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/campaigns",
    tag = "console",
    params(
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Campaign>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<Campaign>> {
    http::operator(ctx, &req).await?;
    campaigns::list(ctx, PageRequest::parse(&http::query(&req))?).await
}

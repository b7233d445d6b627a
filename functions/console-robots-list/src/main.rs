//! GET /api/console/robots: robots with their use today (snapshot, distributed, displayed, activated).

use gpet::paging::{self, Page, PageRequest};
use gpet::robots::{self, Robot};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/console/robots",
    tag = "console",
    params(
        ("q" = Option<String>, Query, description = "At most 100 characters once trimmed; blank is none.", pattern = r"^\s*(?:\S(?:[\s\S]{0,98}\S)?)?\s*$"),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Robot>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<Robot>> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    robots::list(ctx, paging::search_term(&query, "q")?.as_deref(), PageRequest::parse(&query)?).await
}

//! GET /api/console/short-links: short links with their visits.

use gpet::paging::{self, Page, PageRequest};
use gpet::short_links::{self, ShortLink};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/console/short-links",
    tag = "console",
    params(
        ("q" = Option<String>, Query, description = "At most 100 characters once trimmed; blank is none.", pattern = r"^\s*(?:\S(?:[\s\S]{0,98}\S)?)?\s*$"),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<ShortLink>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<ShortLink>> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    let q = paging::search_term(&query, "q")?;
    short_links::list(ctx, q.as_deref(), PageRequest::parse(&query)?).await
}

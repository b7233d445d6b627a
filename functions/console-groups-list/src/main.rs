//! GET /api/console/groups: searches groups by name or id, state, robot and owner.

use gpet::groups::{self, Group};
use gpet::paging::{Page, PageRequest};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/groups",
    tag = "console",
    params(
        ("q" = Option<String>, Query, description = "At most 100 characters once trimmed; blank is none.", pattern = r"^\s*(?:\S(?:[\s\S]{0,98}\S)?)?\s*$"),
        ("state" = Option<String>, Query),
        ("robot_id" = Option<i64>, Query),
        ("owner_id" = Option<i64>, Query),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Group>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<Group>> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    groups::search(ctx, groups::Search::parse(&query)?, PageRequest::parse(&query)?).await
}

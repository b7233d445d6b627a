//! GET /api/keywords: the owner's keyword replies (`?group_id=`: that group's and those for all
//! groups), newest first, paged (`?page=&page_size=`, at most 100 a page).

use gpet::keywords::{self, Keyword};
use gpet::paging::{Page, PageRequest};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth);

#[utoipa::path(
    get,
    path = "/api/keywords",
    tag = "h5",
    params(
        ("group_id" = Option<i64>, Query),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<Keyword>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<Keyword>> {
    let me = http::owner(ctx, &req).await?;
    let query = http::query(&req);
    let group_id = query.get("group_id").filter(|v| !v.is_empty()).map(|v| v.parse::<gpet::GroupId>()).transpose();
    let group_id = group_id.map_err(|_| gpet::Error::bad_request("group_id 须为整数"))?;
    keywords::list(ctx, me.user_id, group_id, PageRequest::parse(&query)?).await
}

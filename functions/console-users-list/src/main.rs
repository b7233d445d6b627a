//! GET /api/console/users: search users by id, phone, invite code or nickname.

use gpet::paging::{self, Page, PageRequest};
use gpet::users::{self, UserRow};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/users",
    tag = "console",
    params(
        ("q" = Option<String>, Query, description = "At most 100 characters once trimmed; blank is none.", pattern = r"^\s*(?:\S(?:[\s\S]{0,98}\S)?)?\s*$"),
        ("frozen" = Option<bool>, Query),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<Page<UserRow>>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Page<UserRow>> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    let frozen = match query.get("frozen").map(String::as_str) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(gpet::Error::bad_request("frozen 须为 true 或 false")),
    };
    let q = paging::search_term(&query, "q")?;
    users::search(&ctx.db()?.client().await?, q.as_deref(), frozen, PageRequest::parse(&query)?).await
}

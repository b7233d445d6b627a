//! GET /api/console/sensitive-words: the word list; `?text=` also answers the words a text holds.

use gpet::paging::{self, PageRequest};
use gpet::sensitive_words::{self, WordList};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    get,
    path = "/api/console/sensitive-words",
    tag = "console",
    params(
        ("q" = Option<String>, Query, description = "At most 100 characters once trimmed; blank is none.", pattern = r"^\s*(?:\S(?:[\s\S]{0,98}\S)?)?\s*$"),
        ("text" = Option<String>, Query, description = "a text to try"),
        ("page" = Option<i64>, Query),
        ("page_size" = Option<i64>, Query),
    ),
    responses(
        (status = 200, body = Envelope<WordList>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<WordList> {
    http::operator(ctx, &req).await?;
    let query = http::query(&req);
    let q = paging::search_term(&query, "q")?;
    let text = query.get("text").map(String::as_str).filter(|t| !t.trim().is_empty());
    sensitive_words::list(ctx, q.as_deref(), text, PageRequest::parse(&query)?).await
}

//! POST /api/console/sensitive-words: adds words (1–1,000 at once).

use gpet::sensitive_words::{self, NewWords, WordsAdded};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/sensitive-words",
    tag = "console",
    request_body(content = NewWords, example = json!({"words": ["代开发票", "刷单"]})),
    responses(
        (status = 200, body = Envelope<WordsAdded>),
        (status = 400, description = "1403 with what was wrong"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 403, description = "1401: this role may not"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<WordsAdded> {
    let by = http::operator(ctx, &req).await?;
    sensitive_words::add(ctx, &by, http::json_body(&req, 128 * 1024)?).await
}

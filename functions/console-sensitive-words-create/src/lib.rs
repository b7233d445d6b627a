//! POST /api/console/sensitive-words: adds words (1–1,000 at once).

use gpet::sensitive_words::{self, NewWords, WordsAdded};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/console/sensitive-words", tag = "console",
    request_body = NewWords, responses((status = 200, body = Envelope<WordsAdded>), (status = 400, description = "1403 with what was wrong"), (status = 401, description = "1401 not logged in, 1406 token expired"), (status = 403, description = "1401: this role may not")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    http::reply(
        async {
            let by = http::operator(ctx, &req).await?;
            sensitive_words::add(ctx, &by, http::json_body(&req, 128 * 1024)?).await
        }
        .await,
    )
}

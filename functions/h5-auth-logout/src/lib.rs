//! POST /api/auth/logout: ends the session (and every token of it) and clears the cookie.

use gpet::{Ctx, Needs, Uses, sessions};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "h5 auth",
    responses((status = 200, description = "1200, also when there was no session")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    let outcome = async {
        let token = http::token(ctx, &req, sessions::COOKIE)?;
        sessions::end(ctx, token.as_deref()).await?;
        Ok::<_, gpet::Error>(http::with_cookie(http::ok(()), sessions::clear_cookie(ctx)?))
    };
    outcome.await.unwrap_or_else(|e| http::error(&e))
}

//! POST /api/auth/refresh: a fresh one-hour token while the session lives.

use gpet::auth::IssuedToken;
use gpet::{Ctx, Envelope, Needs, Uses, sessions};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/auth/refresh", tag = "h5 auth",
    responses((status = 200, body = Envelope<IssuedToken>), (status = 401, description = "1401: no live session")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    let outcome = async {
        let token = http::token(ctx, &req, sessions::COOKIE)?;
        let (issued, session) = sessions::refresh(ctx, token.as_deref()).await?;
        let cookie = sessions::session_cookie(ctx, &issued, &session)?;
        Ok::<_, gpet::Error>(http::with_cookie(http::ok(issued), cookie))
    };
    outcome.await.unwrap_or_else(|e| http::error(&e))
}

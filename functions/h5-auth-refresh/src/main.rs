//! POST /api/auth/refresh: a fresh one-hour token while the session lives.

use gpet::auth::IssuedToken;
use gpet::{Ctx, Envelope, sessions};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    tag = "h5 auth",
    responses(
        (status = 200, body = Envelope<IssuedToken>),
        (status = 401, description = "1401: no live session"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let token = http::token(ctx, &req, sessions::COOKIE)?;
    let (issued, session) = sessions::refresh(ctx, token.as_deref()).await?;
    let cookie = sessions::session_cookie(ctx, &issued, &session)?;
    Ok(http::with_cookie(http::ok(issued), cookie))
}

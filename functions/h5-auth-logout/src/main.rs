//! POST /api/auth/logout: ends the session (and every token of it) and clears the cookie.

use gpet::{Ctx, sessions};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; db, auth);

#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "h5 auth",
    responses(
        (status = 200, description = "1200, also when there was no session"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let token = http::token(ctx, &req, sessions::COOKIE)?;
    sessions::end(ctx, token.as_deref()).await?;
    Ok(http::with_cookie(http::ok(()), sessions::clear_cookie(ctx)?))
}

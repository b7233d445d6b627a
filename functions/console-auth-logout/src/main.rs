//! POST /api/console/auth/logout: ends the operator's session and clears the cookie.

use gpet::{Ctx, operators};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; db, auth);

#[utoipa::path(
    post,
    path = "/api/console/auth/logout",
    tag = "console",
    responses(
        (status = 200, description = "1200, also when there was no session"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    operators::logout(ctx, http::token(ctx, &req, operators::COOKIE)?.as_deref()).await?;
    Ok(http::with_cookie(http::ok(()), operators::clear_cookie(ctx)?))
}

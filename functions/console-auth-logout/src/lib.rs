//! POST /api/console/auth/logout: ends the operator's session and clears the cookie.

use gpet::{Ctx, Needs, Uses, operators};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/console/auth/logout", tag = "console",
    responses((status = 200, description = "1200, also when there was no session")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    let outcome = async {
        operators::logout(ctx, http::token(ctx, &req, operators::COOKIE)?.as_deref()).await?;
        Ok::<_, gpet::Error>(http::with_cookie(http::ok(()), operators::clear_cookie(ctx)?))
    };
    outcome.await.unwrap_or_else(|e| http::error(&e))
}

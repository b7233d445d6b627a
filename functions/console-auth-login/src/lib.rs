//! POST /api/console/auth/login: username + password; the token in `data.token` and the cookie.

use gpet::operators::{self, ConsoleLogin, Credentials};
use gpet::{Ctx, Envelope, Needs, Uses};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
}

#[utoipa::path(post, path = "/api/console/auth/login", tag = "console", request_body = Credentials,
    responses((status = 200, body = Envelope<ConsoleLogin>), (status = 401, description = "1401 用户名或密码错误"),
        (status = 429, description = "1403 paused: too many tries for this name from this IP, from this IP, or in all")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    let outcome = async {
        let login = operators::login(ctx, http::json_body(&req, 4096)?, http::client_ip(&req)).await?;
        let cookie = operators::session_cookie(ctx, &login)?;
        Ok::<_, gpet::Error>(http::with_cookie(http::ok(login), cookie))
    };
    outcome.await.unwrap_or_else(|e| http::error(&e))
}

//! POST /api/console/auth/login: username + password; the token in `data.token` and the cookie.

use gpet::operators::{self, ConsoleLogin, Credentials};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; db, cache, auth);

#[utoipa::path(
    post,
    path = "/api/console/auth/login",
    tag = "console",
    request_body(content = Credentials, example = json!({"username": "admin", "password": "gpet-admin-2024"})),
    responses(
        (status = 200, body = Envelope<ConsoleLogin>),
        (status = 401, description = "1401 用户名或密码错误"),
        (status = 429, description = "1403 paused: too many tries for this name from this IP, from this IP, or in all"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let login = operators::login(ctx, http::json_body(&req, 4096)?, http::client_ip(&req)).await?;
    let cookie = operators::session_cookie(ctx, &login)?;
    Ok(http::with_cookie(http::ok(login), cookie))
}

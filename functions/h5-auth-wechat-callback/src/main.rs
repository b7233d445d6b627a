//! GET /api/auth/wechat/callback: log in, set the session cookie, 302 back to the H5 app.
//! A browser lands here, so a failure is a 302 to the H5 login page with the code and message.

use gpet::{Ctx, sessions};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; db, auth, wechat);

#[utoipa::path(
    get,
    path = "/api/auth/wechat/callback",
    tag = "h5 auth",
    params(
        ("code" = Option<String>, Query, description = "WeChat's one-time code"),
        ("state" = Option<String>, Query, description = "the state of the authorize that started the login; without it, or not this browser's, the answer is still a 302 to the login page with the error"),
    ),
    responses(
        (status = 302, description = "to the H5 page asked for, logged in; or to /login?error=<code>&msg=<message>"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let query = http::query(&req);
    let get = |name: &str| query.get(name).map(String::as_str);
    let outcome = async {
        let login = gpet::login::callback(ctx, get("code"), get("state"), http::header(&req, "cookie")).await?;
        let cookie = sessions::session_cookie(ctx, &login.token, &login.session)?;
        Ok::<_, gpet::Error>(http::with_cookie(http::redirect(&login.redirect), cookie))
    };
    Ok(match outcome.await {
        Ok(response) => response,
        Err(e) => {
            gpet_lambda::log_failure(&e);
            http::redirect(&gpet::login::failed_location(&e))
        }
    })
}

//! GET /api/auth/wechat/callback: log in, set the session cookie, 302 back to the H5 app.
//! A browser lands here, so a failure is a 302 to the H5 login page with the code and message.

use gpet::{Ctx, Needs, Uses, sessions};
use gpet_lambda::{Body, Request, Response, http};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, auth: true, wechat: true, ..Needs::NONE };
}

#[utoipa::path(get, path = "/api/auth/wechat/callback", tag = "h5 auth",
    params(("code" = Option<String>, Query, description = "WeChat's one-time code"), ("state" = Option<String>, Query, description = "the state of the authorize that started the login; without it, or not this browser's, the answer is still a 302 to the login page with the error")),
    responses((status = 302, description = "to the H5 page asked for, logged in; or to /login?error=<code>&msg=<message>")))]
pub async fn handle(ctx: &Ctx, req: Request) -> Response<Body> {
    let query = http::query(&req);
    let get = |name: &str| query.get(name).map(String::as_str);
    let outcome = async {
        let login = gpet::login::callback(ctx, get("code"), get("state"), http::header(&req, "cookie")).await?;
        let cookie = sessions::session_cookie(ctx, &login.token, &login.session)?;
        Ok::<_, gpet::Error>(http::with_cookie(http::redirect(&login.redirect), cookie))
    };
    match outcome.await {
        Ok(response) => response,
        Err(e) => {
            gpet_lambda::log_failure(&e);
            let to: String = url::form_urlencoded::Serializer::for_suffix(String::from("/login?"), "/login?".len())
                .append_pair("error", &e.code().as_u16().to_string())
                .append_pair("msg", &e.client_message())
                .finish();
            http::redirect(&to)
        }
    }
}

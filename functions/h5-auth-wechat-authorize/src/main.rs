//! GET /api/auth/wechat/authorize: 302 to WeChat's authorize page.

use gpet::Ctx;
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; auth, wechat);

#[utoipa::path(
    get,
    path = "/api/auth/wechat/authorize",
    tag = "h5 auth",
    params(
        ("redirect" = Option<String>, Query, description = "H5 path to come back to (default /)"),
        ("invite" = Option<String>, Query, description = "invite code carried through the login"),
    ),
    responses(
        (status = 302, description = "to WeChat's authorize page, with the state cookie set"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let query = http::query(&req);
    let get = |name: &str| query.get(name).map(String::as_str);
    let to = gpet::login::authorize(ctx, get("redirect"), get("invite"))?;
    Ok(http::with_cookie(http::redirect(&to.location), to.set_cookie))
}

//! GET /api/wechat/js-config?url=: what the H5 passes to the JS-SDK's `wx.config` for the page
//! at `url` (a page of the site only), signed with the shared jsapi_ticket.

use gpet::wechat_js::{self, JsConfig};
use gpet::{Ctx, Envelope};
use gpet_lambda::{Request, http};

gpet_lambda::function!(http; db, cache, auth, wechat, jssdk);

#[utoipa::path(
    get,
    path = "/api/wechat/js-config",
    tag = "h5",
    params(
        ("url" = String, Query, description = "the page's URL without its fragment (location.href.split('#')[0]), of the site's own origin"),
    ),
    responses(
        (status = 200, body = Envelope<JsConfig>),
        (status = 400, description = "1403 not a page of the site"),
        (status = 401, description = "1401 not logged in, 1406 token expired"),
        (status = 502, description = "1101 WeChat unavailable"),
        (status = 503, description = "1503 under maintenance"),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<JsConfig> {
    http::owner(ctx, &req).await?;
    let url = http::query(&req).remove("url").unwrap_or_default();
    wechat_js::js_config(ctx, &url).await
}

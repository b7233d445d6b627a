//! GET /s/{code}: a short link. 302 to its long URL with the visit counted; an unknown or
//! disabled code gets a page that says so (people follow these links from chats, not scripts).

use gpet::{Ctx, short_links};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response; db, cache);

const GONE_PAGE: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>链接不存在 - 群宠</title>
<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#333}
main{max-width:420px;margin:18vh auto 0;padding:32px 24px;text-align:center}h1{font-size:20px;margin:16px 0 8px}
p{color:#888;font-size:14px;line-height:1.6}a{display:inline-block;margin-top:20px;color:#fff;background:#07c160;
padding:10px 28px;border-radius:20px;text-decoration:none}</style></head>
<body><main><div style="font-size:48px">🔗</div><h1>链接不存在或已失效</h1>
<p>这个短链接可能输入有误，或已被停用。</p><a href="/">打开群宠</a></main></body></html>"#;

#[utoipa::path(
    get,
    path = "/s/{code}",
    tag = "h5",
    params(
        ("code" = String, Path, example = "1001"),
    ),
    responses(
        (status = 302, description = "to the long URL, visit counted"),
        (status = 404, description = "an HTML page: unknown or disabled", content_type = "text/html", body = String),
    ),
)]
pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let code = http::path_param(&req, "code").unwrap_or_default();
    Ok(match short_links::resolve(ctx, &code).await {
        Ok(Some(url)) => http::redirect(&url),
        Ok(None) => html(404, GONE_PAGE),
        Err(e) => {
            gpet_lambda::log_failure(&e);
            html(500, "<!doctype html><meta charset=utf-8><title>群宠</title><p>服务暂时不可用，请稍后再试。</p>")
        }
    })
}

fn html(status: u16, body: &'static str) -> Response<Body> {
    http::respond(status, "text/html; charset=utf-8", "no-store", Body::Text(body.to_owned()))
}

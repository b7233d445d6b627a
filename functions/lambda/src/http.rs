//! HTTP functions: reading a request and answering the envelope `{code, msg, data}`.

use std::collections::HashMap;

use gpet::{Ctx, Envelope, Error};
use lambda_http::{Body, Request, RequestExt as _, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The default limit of a JSON body; a function may allow more.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Whether a function is a partner's callback (`callback-*` in template.yaml and the registry):
/// called server to server, signed, in the partner's own format (form-encoded, say) — not by a
/// browser, so not held to the browser rules of `guard`.
pub fn is_partner_callback(function: &str) -> bool {
    function.starts_with("callback-")
}

/// What every HTTP request goes through before its handler, deployed (`http_main`) and locally
/// (the host), so that what is tested is what runs:
/// - no query parameter or path parameter of any route carries a refused character (see
///   `gpet::text::is_refused`; bodies are checked where they are read: `json_body`,
///   `form_params`): 1403;
/// - a write (POST, PUT, PATCH, DELETE) to our own API — not a partner's callback — comes from
///   our own site: `Sec-Fetch-Site` `cross-site` or `same-site`, or an `Origin` other than the
///   public base URL's, is refused (1403, HTTP 403); and a body, when there is one, is
///   `application/json` (1403, HTTP 415), which a cross-site form cannot send without CORS's
///   preflight, which we never grant. A write without a body (logout, a delete) needs no
///   content type: the origin check is what protects it, as a form can POST an empty body.
///
/// Answers the refusal to send, or None to go on to the handler.
pub fn guard(ctx: &Ctx, function: &str, req: &Request) -> Option<Response<Body>> {
    check(ctx, function, req).err().map(|e| error(&e))
}

fn check(ctx: &Ctx, function: &str, req: &Request) -> gpet::Result<()> {
    use gpet::text::is_clean;
    let query = url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes());
    if !query.into_iter().all(|(k, v)| is_clean(&k) && is_clean(&v)) {
        return Err(Error::bad_request("查询参数含有不允许的控制字符"));
    }
    if let Some(params) = req.path_parameters_ref()
        && !params.iter().all(|(k, v)| is_clean(k) && is_clean(v))
    {
        return Err(Error::bad_request("路径参数含有不允许的控制字符"));
    }
    let writes = matches!(req.method().as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
    if !writes || is_partner_callback(function) {
        return Ok(());
    }
    if let Some(site) = header(req, "sec-fetch-site")
        && matches!(site.trim().to_ascii_lowercase().as_str(), "cross-site" | "same-site")
    {
        return Err(Error::bad_request("不接受来自其他站点的请求").with_status(403));
    }
    if let Some(origin) = req.headers().get("origin") {
        let ours = ctx.auth().ok().map(|auth| auth.public_base_url.origin());
        let theirs = origin.to_str().ok().and_then(|o| url::Url::parse(o.trim()).ok()).map(|u| u.origin());
        if ours.is_none() || ours != theirs {
            return Err(Error::bad_request("不接受来自其他站点的请求").with_status(403));
        }
    }
    let body: &[u8] = req.body().as_ref();
    if !body.is_empty() {
        let media_type = header(req, "content-type").and_then(|t| t.split(';').next()).map(str::trim);
        if !media_type.is_some_and(|t| t.eq_ignore_ascii_case("application/json")) {
            return Err(Error::bad_request("请求体须为 JSON（Content-Type: application/json）").with_status(415));
        }
    }
    Ok(())
}

/// An answer of `status` with its content type and caching.
pub fn respond(status: u16, content_type: &str, cache_control: &str, body: Body) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("cache-control", cache_control)
        .body(body)
        .expect("a response with valid parts builds")
}

fn json_response(status: u16, body: String) -> Response<Body> {
    respond(status, "application/json; charset=utf-8", "no-store", Body::Text(body))
}

pub fn ok<T: Serialize>(data: T) -> Response<Body> {
    match serde_json::to_string(&Envelope::ok(data)) {
        Ok(body) => json_response(200, body),
        Err(e) => error(&Error::Unexpected(anyhow::Error::new(e).context("failed to serialize an answer"))),
    }
}

pub fn error(e: &Error) -> Response<Body> {
    crate::log_failure(e);
    let body = serde_json::to_string(&Envelope::error(e)).expect("an error envelope serializes");
    json_response(e.http_status(), body)
}

pub fn reply<T: Serialize>(result: gpet::Result<T>) -> Response<Body> {
    match result {
        Ok(data) => ok(data),
        Err(e) => error(&e),
    }
}

pub fn redirect(location: &str) -> Response<Body> {
    Response::builder()
        .status(302)
        .header("location", location)
        .header("cache-control", "no-store")
        .body(Body::Empty)
        .expect("a redirect with valid parts builds")
}

pub fn with_cookie(mut response: Response<Body>, set_cookie: String) -> Response<Body> {
    if let Ok(value) = set_cookie.parse() {
        response.headers_mut().append("set-cookie", value);
    }
    response
}

/// The address the request came from. In AWS every request reaches API Gateway through
/// CloudFront, so `requestContext.http.sourceIp` is a CloudFront edge's address, shared by
/// everyone behind that edge: the distribution forwards the viewer's own address as
/// `CloudFront-Viewer-Address` (`ip:port`, template.yaml's ApiOriginRequestPolicy), read first.
/// A client calling the API's regional endpoint directly can write that header: the limits keyed
/// by address are a brake on one address, the per-user, per-phone and global ones the bound.
/// Locally the host fills `sourceIp` with the TCP peer.
pub fn client_ip(req: &Request) -> Option<std::net::IpAddr> {
    if let Some(viewer) = header(req, "cloudfront-viewer-address") {
        return viewer_ip(viewer);
    }
    match req.request_context_ref()? {
        lambda_http::request::RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref()?.parse().ok(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The address of `CloudFront-Viewer-Address`: `198.51.100.10:46532` or `2001:db8::1:46532`
/// (IPv6 unbracketed, the port after the last colon).
fn viewer_ip(value: &str) -> Option<std::net::IpAddr> {
    let (ip, port) = value.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The query string parameters, decoded; a repeated name keeps its first value. (`guard` has
/// refused a query carrying a control character before any handler runs.)
pub fn query(req: &Request) -> HashMap<String, String> {
    let mut params = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes()) {
        params.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    params
}

pub fn path_param(req: &Request, name: &str) -> Option<String> {
    req.path_parameters_ref().and_then(|p| p.first(name)).map(str::to_owned)
}

/// The token of the request (Bearer header first, then the encrypted cookie `cookie`).
pub fn token(ctx: &Ctx, req: &Request, cookie: &str) -> gpet::Result<Option<String>> {
    Ok(gpet::auth::request_token(ctx.auth()?, header(req, "authorization"), header(req, "cookie"), cookie))
}

/// Reads a JSON body: too large → 1403 with HTTP 413; a refused character anywhere in it (see
/// `gpet::text::is_refused`), malformed, a missing field or a wrong type → 1403 naming the field
/// and what was wrong — never the value, nor a key of the request that is not shaped like one of
/// our field names: the message is logged.
pub fn json_body<T: DeserializeOwned>(req: &Request, limit: usize) -> gpet::Result<T> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > limit {
        return Err(Error::bad_request(format!("请求体过大：{} 字节，上限 {limit} 字节", bytes.len())).with_status(413));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::bad_request("请求体为空，应为 JSON"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Error::bad_request("请求体应为 UTF-8 编码的 JSON"))?;
    if !gpet::text::json_is_clean(text) {
        let at = serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| unclean_at(&v, ".".to_owned()));
        return Err(Error::bad_request(format!(
            "请求参数错误：{} 含有不允许的控制字符",
            at.as_deref().unwrap_or("请求体")
        )));
    }
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        // Name the field that was wrong ("role: 不是可选的值…"), not only the line.
        let path = field_path(e.path());
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let what = gpet::text::data_error_for_message(&gpet::text::serde_json_message(&inner));
                if path == "." {
                    Error::bad_request(format!("请求参数错误：{what}"))
                } else {
                    Error::bad_request(format!("请求参数错误：{path}: {what}"))
                }
            }
            // serde_json's syntax messages are its own fixed texts, with a line and a column.
            _ => Error::bad_request(format!("请求体不是合法的 JSON：{inner}")),
        }
    })?;
    reader.end().map_err(|e| Error::bad_request(format!("请求体不是合法的 JSON：{e}")))?;
    Ok(value)
}

/// A field path as a refusal may show it: indexes, and keys shaped like our field names.
fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut shown = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => shown.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !shown.is_empty() {
                    shown.push('.');
                }
                shown.push_str(gpet::text::key_for_message(key));
            }
            Segment::Unknown => {
                if !shown.is_empty() {
                    shown.push('.');
                }
                shown.push('?');
            }
        }
    }
    if shown.is_empty() { ".".to_owned() } else { shown }
}

/// Where in a JSON value the first refused character is, as `field_path` shows it.
fn unclean_at(value: &serde_json::Value, at: String) -> Option<String> {
    let join = |key: &str| {
        let key = gpet::text::key_for_message(key);
        if at == "." { key.to_owned() } else { format!("{at}.{key}") }
    };
    match value {
        serde_json::Value::String(s) => (!gpet::text::is_clean(s)).then_some(at),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| unclean_at(v, format!("{}[{i}]", at.trim_end_matches('.'))))
        }
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            if gpet::text::is_clean(k) {
                unclean_at(v, join(k))
            } else if at == "." {
                Some("顶层的字段名".to_owned())
            } else {
                Some(format!("{at} 的字段名"))
            }
        }),
        _ => None,
    }
}

/// The owner making an H5 request (and the H5 gate: maintenance, daily activity).
pub async fn owner(ctx: &Ctx, req: &Request) -> gpet::Result<gpet::sessions::Principal> {
    gpet::sessions::authenticate(ctx, token(ctx, req, gpet::sessions::COOKIE)?.as_deref()).await
}

/// The operator making a console request (refused while they must choose a new password).
pub async fn operator(ctx: &Ctx, req: &Request) -> gpet::Result<gpet::operators::ConsolePrincipal> {
    gpet::operators::authenticate(ctx, token(ctx, req, gpet::operators::COOKIE)?.as_deref()).await
}

/// The operator making a console request, who may still have to choose a new password (`me` and
/// the password change).
pub async fn operator_before_password_change(
    ctx: &Ctx,
    req: &Request,
) -> gpet::Result<gpet::operators::ConsolePrincipal> {
    gpet::operators::authenticate_before_password_change(ctx, token(ctx, req, gpet::operators::COOKIE)?.as_deref())
        .await
}

/// A numeric id from the path: anything else is a 404, as no such thing exists.
pub fn path_id<T: From<i64>>(req: &Request, name: &str) -> gpet::Result<T> {
    path_param(req, name)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .map(T::from)
        .ok_or_else(|| Error::not_found("不存在"))
}

/// A JSON body that may also be absent (an empty body reads as `T::default()`).
pub fn optional_json_body<T: DeserializeOwned + Default>(req: &Request, limit: usize) -> gpet::Result<T> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { json_body(req, limit) }
}

/// A day from the path (`YYYY-MM-DD`, a business day); anything else is 1403.
pub fn path_day(req: &Request, name: &str) -> gpet::Result<gpet::clock::BusinessDay> {
    let value = path_param(req, name).unwrap_or_default();
    gpet::clock::BusinessDay::parse(&value)
        .map_err(|_| Error::bad_request(format!("{name} 应为 YYYY-MM-DD 格式的日期")))
}

/// A partner's parameters, form-encoded in the body or in the query string (the body wins),
/// decoded, in key order.
pub fn form_params(req: &Request) -> gpet::Result<std::collections::BTreeMap<String, String>> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > BODY_LIMIT {
        return Err(Error::bad_request("请求体过大").with_status(413));
    }
    let mut params: std::collections::BTreeMap<String, String> = query(req).into_iter().collect();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        if !gpet::text::is_clean(&k) || !gpet::text::is_clean(&v) {
            return Err(Error::bad_request("请求参数含有不允许的控制字符"));
        }
        params.insert(k.into_owned(), v.into_owned());
    }
    Ok(params)
}

/// A CSV download (UTF-8).
pub fn csv(body: String, filename: &str) -> Response<Body> {
    let mut response = respond(200, "text/csv; charset=utf-8", "no-store", Body::Text(body));
    if let Ok(disposition) = format!("attachment; filename=\"{filename}\"").parse() {
        response.headers_mut().insert("content-disposition", disposition);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_address_is_read_from_cloudfronts_header() {
        assert_eq!(viewer_ip("198.51.100.10:46532"), "198.51.100.10".parse().ok());
        assert_eq!(viewer_ip("2001:db8::1:46532"), "2001:db8::1".parse().ok());
        assert_eq!(viewer_ip("[2001:db8::1]:46532"), "2001:db8::1".parse().ok());
        for bad in ["198.51.100.10", "nonsense:1", "198.51.100.10:port", ""] {
            assert_eq!(viewer_ip(bad), None, "{bad}");
        }
    }
}

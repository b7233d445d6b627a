//! HTTP functions: reading a request and answering the envelope `{code, msg, data}`.

use std::collections::HashMap;

use gpet::{Ctx, Envelope, Error};
use lambda_http::{Body, Request, RequestExt as _, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The default limit of a JSON body; a function may allow more.
pub const BODY_LIMIT: usize = 64 * 1024;

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

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The query string parameters, decoded; a repeated name keeps its first value.
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

/// Reads a JSON body: too large → 1403 with HTTP 413; malformed, a missing field or a wrong
/// type → 1403 with serde's account of what was wrong.
pub fn json_body<T: DeserializeOwned>(req: &Request, limit: usize) -> gpet::Result<T> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > limit {
        return Err(Error::bad_request(format!("请求体过大：{} 字节，上限 {limit} 字节", bytes.len())).with_status(413));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::bad_request("请求体为空，应为 JSON"));
    }
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        // Name the field that was wrong ("role: unknown variant `boss`…"), not only the line.
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data if path != "." => {
                Error::bad_request(format!("请求参数错误：{path}: {inner}"))
            }
            serde_json::error::Category::Data => Error::bad_request(format!("请求参数错误：{inner}")),
            _ => Error::bad_request(format!("请求体不是合法的 JSON：{inner}")),
        }
    })?;
    reader.end().map_err(|e| Error::bad_request(format!("请求体不是合法的 JSON：{e}")))?;
    Ok(value)
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
pub fn path_id(req: &Request, name: &str) -> gpet::Result<i64> {
    path_param(req, name)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|id| *id > 0)
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
    gpet::clock::BusinessDay::parse(&value).map_err(Error::bad_request)
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
        params.insert(k.into_owned(), v.into_owned());
    }
    Ok(params)
}

/// A CSV download (UTF-8), or the envelope when it failed.
pub fn csv(result: gpet::Result<String>, filename: &str) -> Response<Body> {
    match result {
        Ok(body) => Response::builder()
            .status(200)
            .header("content-type", "text/csv; charset=utf-8")
            .header("content-disposition", format!("attachment; filename=\"{filename}\""))
            .header("cache-control", "no-store")
            .body(Body::Text(body))
            .expect("a CSV response with valid parts builds"),
        Err(e) => error(&e),
    }
}

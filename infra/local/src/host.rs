//! The local host: every HTTP function in-process on one port with the routes of template.yaml,
//! the schedules on the business clock, the local controls, and the two web apps.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use gpet::{Clock, Ctx, Envelope, Error};
use lambda_http::RequestExt as _;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::registry::{self, Handler, HttpFn, JobFn};
use crate::schedule::Schedule;
use crate::template::{Template, Trigger};

/// API Gateway's payload limit.
const BODY_LIMIT: usize = 6 * 1024 * 1024;

struct Route {
    method: String,
    segments: Vec<String>,
    binary: String,
    handler: HttpFn,
}

struct Job {
    binary: String,
    schedule: Schedule,
    run: JobFn,
    /// Its function's parts only (`Ctx::only`), as its binary would build them.
    ctx: Arc<Ctx>,
    /// Its Timeout in template.yaml: each run gets that deadline, and is cut there as in Lambda.
    timeout: Duration,
    /// One run of a job at a time, as one scheduled invocation at a time.
    running: Mutex<()>,
}

pub struct Host {
    pub ctx: Arc<Ctx>,
    /// Each function's parts only (`Ctx::only`), by binary, as its binary would build them.
    contexts: HashMap<String, Arc<Ctx>>,
    routes: Vec<Route>,
    jobs: HashMap<String, Job>,
    web_root: Option<PathBuf>,
    openapi: String,
}

/// What template.yaml and the registry disagree on; empty when they agree.
pub fn registry_problems(template: &Template) -> Vec<String> {
    let entries = registry::entries();
    let mut problems = Vec::new();
    for f in &template.functions {
        let expected_id = format!("{}Function", camel(&f.binary));
        if f.logical_id != expected_id {
            problems.push(format!("{}: logical id should be {expected_id}", f.logical_id));
        }
        match entries.iter().find(|e| e.binary == f.binary) {
            None => problems.push(format!("{} ({}) has no handler in the registry", f.logical_id, f.binary)),
            Some(entry) => {
                for trigger in &f.triggers {
                    let fits = matches!(
                        (trigger, entry.handler),
                        (Trigger::Http { .. }, Handler::Http(_))
                            | (Trigger::Schedule { .. }, Handler::Job(_))
                            | (Trigger::Sqs { .. }, Handler::Sqs(_))
                    );
                    if !fits {
                        problems.push(format!("{}: trigger {trigger:?} does not fit its handler", f.binary));
                    }
                }
            }
        }
    }
    for e in &entries {
        if !template.functions.iter().any(|f| f.binary == e.binary) {
            problems.push(format!("handler {} has no function in template.yaml", e.binary));
        }
    }
    problems
}

pub fn camel(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

impl Host {
    pub fn new(ctx: Arc<Ctx>, template: &Template, web_root: Option<PathBuf>) -> anyhow::Result<Self> {
        let problems = registry_problems(template);
        if !problems.is_empty() {
            anyhow::bail!("template.yaml and the handler registry disagree:\n  {}", problems.join("\n  "));
        }
        let mut routes = Vec::new();
        let mut jobs = HashMap::new();
        let mut contexts = HashMap::new();
        for f in &template.functions {
            let entry = registry::find(&f.binary).expect("checked above");
            let function_ctx = Arc::new(ctx.only(&entry.needs));
            contexts.insert(f.binary.clone(), function_ctx.clone());
            for trigger in &f.triggers {
                match (trigger, entry.handler) {
                    (Trigger::Http { method, path }, Handler::Http(handler)) => routes.push(Route {
                        method: method.clone(),
                        segments: path.trim_matches('/').split('/').map(str::to_owned).collect(),
                        binary: f.binary.clone(),
                        handler,
                    }),
                    (Trigger::Schedule { expression }, Handler::Job(run)) => {
                        let name = f.binary.trim_start_matches("job-").to_owned();
                        let schedule =
                            Schedule::parse(expression).map_err(|e| anyhow::anyhow!("{}: {e:#}", f.binary))?;
                        jobs.insert(
                            name,
                            Job {
                                binary: f.binary.clone(),
                                schedule,
                                run,
                                ctx: function_ctx.clone(),
                                timeout: f.timeout,
                                running: Mutex::new(()),
                            },
                        );
                    }
                    _ => {}
                }
            }
        }
        let openapi = serde_json::to_string(&registry::openapi())?;
        Ok(Host { ctx, contexts, routes, jobs, web_root, openapi })
    }

    pub fn router(self: Arc<Self>) -> axum::Router {
        axum::Router::new()
            .route("/_local/clock", get(clock_get).put(clock_put))
            .route("/_local/jobs/{name}", post(job_run))
            .route("/api/openapi.json", get(openapi))
            .fallback(dispatch)
            .with_state(self)
    }

    pub fn job_names(&self) -> Vec<&str> {
        self.jobs.keys().map(String::as_str).collect()
    }

    /// Runs a job now, as its schedule would; None for an unknown job.
    pub async fn run_job(&self, name: &str) -> Option<gpet::Result<serde_json::Value>> {
        let job = self.jobs.get(name)?;
        let _one_at_a_time = job.running.lock().await;
        Some(self.invoke_job(job).await)
    }

    async fn invoke_job(&self, job: &Job) -> gpet::Result<serde_json::Value> {
        self.invoke_job_with(job, &job.ctx).await
    }

    async fn invoke_job_with(&self, job: &Job, ctx: &Ctx) -> gpet::Result<serde_json::Value> {
        let span = gpet_lambda::invocation_span(&job.binary, &uuid::Uuid::new_v4().to_string());
        run_until(job.timeout, |deadline| tracing::Instrument::instrument((job.run)(ctx, deadline), span)).await
    }

    /// Runs every job whose schedule fires, minute by minute of the business clock; when the
    /// clock jumps ahead, each job that fired in the skipped minutes runs once, as of the last
    /// minute it was due (a settlement due at 02:00 settles the day before that 02:00, whatever
    /// day the clock jumped to), as EventBridge would have run it.
    pub fn spawn_schedules(self: Arc<Self>) {
        tokio::spawn(async move {
            let mut last = minute(self.ctx.clock.now());
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let now = minute(self.ctx.clock.now());
                if now <= last {
                    last = now;
                    continue;
                }
                let from = last.max(now - chrono::Duration::days(3));
                let due: Vec<(String, DateTime<Utc>)> = self
                    .jobs
                    .iter()
                    .filter_map(|(name, job)| job.schedule.last_fire(from, now).map(|at| (name.clone(), at)))
                    .collect();
                last = now;
                for (name, at) in due {
                    let host = self.clone();
                    tokio::spawn(async move {
                        let Some(job) = host.jobs.get(&name) else { return };
                        // A run still going when the next one is due: the next one is skipped.
                        let Ok(_one_at_a_time) = job.running.try_lock() else { return };
                        let late = at < now;
                        let outcome = if late {
                            let clock = Clock::default();
                            clock.set_now(at);
                            host.invoke_job_with(job, &job.ctx.with_clock(clock)).await
                        } else {
                            host.invoke_job(job).await
                        };
                        if let Err(e) = outcome {
                            tracing::warn!(job = name, %at, late, error = %e, "scheduled job failed");
                        }
                    });
                }
            }
        });
    }

    fn route(&self, method: &str, path: &str) -> Result<(&Route, HashMap<String, String>), Option<String>> {
        pick_route(&self.routes, method, path)
    }
}

/// The route for `method` and `path`. As API Gateway does, the path picks its route before the
/// method does: a literal segment wins over a parameter, left to right (`/broadcasts/preview` is
/// never `/broadcasts/{id}`), and a method that path does not take is a 405 with the methods it
/// does (`Err(Some(allow))`); `Err(None)` is a path nothing takes.
fn pick_route<'r>(
    routes: &'r [Route],
    method: &str,
    path: &str,
) -> Result<(&'r Route, HashMap<String, String>), Option<String>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let best = routes
        .iter()
        .filter(|r| match_segments(&r.segments, &segments).is_some())
        .max_by_key(|r| specificity(&r.segments));
    let Some(best) = best else { return Err(None) };
    let mut same_path = routes.iter().filter(|r| r.segments == best.segments);
    if let Some(route) = same_path.clone().find(|r| r.method == method) {
        let params = match_segments(&route.segments, &segments).expect("the same pattern matches");
        return Ok((route, params));
    }
    let mut allow: Vec<&str> = same_path.by_ref().map(|r| r.method.as_str()).collect();
    allow.sort_unstable();
    allow.dedup();
    Err(Some(allow.join(", ")))
}

/// How literal a route's path is: per segment, left to right, a literal before a parameter.
fn specificity(pattern: &[String]) -> Vec<bool> {
    pattern.iter().map(|s| !s.starts_with('{')).collect()
}

/// Runs a job as Lambda would: given the deadline `timeout` from now, and stopped there (Lambda
/// kills an invocation at its timeout; whatever the job had not committed is undone).
pub async fn run_until<F>(timeout: Duration, job: impl FnOnce(gpet::Deadline) -> F) -> gpet::Result<serde_json::Value>
where
    F: std::future::Future<Output = gpet::Result<serde_json::Value>>,
{
    match tokio::time::timeout(timeout, job(gpet::Deadline::after(timeout))).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Error::Unexpected(anyhow::anyhow!("the job timed out after {} s", timeout.as_secs()))),
    }
}

fn minute(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp() - t.timestamp().rem_euclid(60), 0).expect("a minute is a valid time")
}

fn match_segments(pattern: &[String], path: &[&str]) -> Option<HashMap<String, String>> {
    if pattern.len() != path.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (p, s) in pattern.iter().zip(path) {
        match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !s.is_empty() => {
                let value =
                    url::form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
                params.insert(name.to_owned(), value.unwrap_or_default());
            }
            Some(_) => return None,
            None if p == s => {}
            None => return None,
        }
    }
    Some(params)
}

fn envelope_response(error: &Error) -> Response {
    let status =
        axum::http::StatusCode::from_u16(error.http_status()).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(Envelope::error(error))).into_response()
}

async fn dispatch(State(host): State<Arc<Host>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/api/") || path.starts_with("/s/") || path == "/api" {
        return invoke(host, req).await;
    }
    serve_static(host.web_root.as_deref(), &path).await
}

async fn invoke(host: Arc<Host>, req: Request) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let (route, params) = match host.route(&method, &path) {
        Ok(found) => found,
        Err(Some(allow)) => {
            let mut response =
                envelope_response(&Error::not_found(format!("接口不支持 {method} 方法：{path}")).with_status(405));
            if let Ok(allow) = allow.parse() {
                response.headers_mut().insert(axum::http::header::ALLOW, allow);
            }
            return response;
        }
        Err(None) => return envelope_response(&Error::not_found(format!("接口不存在：{method} {path}"))),
    };
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let (parts, body) = req.into_parts();
    let context = api_gateway_context(&parts, peer);
    let bytes: Bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return envelope_response(&Error::bad_request("请求体超过 6 MB 上限").with_status(413)),
    };
    let body = if bytes.is_empty() {
        lambda_http::Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => lambda_http::Body::Text(text),
            Err(e) => lambda_http::Body::Binary(e.into_bytes()),
        }
    };
    let request =
        lambda_http::Request::from_parts(parts, body).with_path_parameters(params).with_request_context(context);
    let span = gpet_lambda::invocation_span(&route.binary, &uuid::Uuid::new_v4().to_string());
    // The guard `http_main` applies deployed, before the handler, with the route's kind known
    // from its function's name.
    let handled = async {
        let ctx = &host.contexts[&route.binary];
        match gpet_lambda::http::guard(ctx, &route.binary, &request) {
            Some(refused) => refused,
            None => (route.handler)(ctx, request).await,
        }
    };
    let response = tracing::Instrument::instrument(handled, span).await;
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, axum::body::Body::from(body.to_vec()))
}

/// What API Gateway (HTTP API, payload 2.0) tells a function of the request: here the method,
/// the path and the TCP peer as `sourceIp` (the router is served with its connect info).
fn api_gateway_context(
    parts: &axum::http::request::Parts,
    peer: Option<std::net::IpAddr>,
) -> lambda_http::request::RequestContext {
    let mut context = aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
    context.http.method = parts.method.clone();
    context.http.path = Some(parts.uri.path().to_owned());
    context.http.protocol = Some(format!("{:?}", parts.version));
    context.http.source_ip = peer.map(|ip| ip.to_canonical().to_string());
    context.time_epoch = Utc::now().timestamp_millis();
    lambda_http::request::RequestContext::ApiGatewayV2(context)
}

async fn openapi(State(host): State<Arc<Host>>) -> Response {
    ([("content-type", "application/json")], host.openapi.clone()).into_response()
}

fn clock_view(ctx: &Ctx) -> serde_json::Value {
    serde_json::json!({
        "now": ctx.clock.now_shanghai().to_rfc3339(),
        "offset_seconds": ctx.clock.offset().num_seconds(),
        "business_day": ctx.clock.today(),
    })
}

async fn clock_get(State(host): State<Arc<Host>>) -> Response {
    axum::Json(Envelope::ok(clock_view(&host.ctx))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    now: Option<DateTime<chrono::FixedOffset>>,
    offset_seconds: Option<i64>,
}

async fn clock_put(State(host): State<Arc<Host>>, body: Bytes) -> Response {
    match serde_json::from_slice::<ClockChange>(&body) {
        Ok(ClockChange { now: Some(now), offset_seconds: None }) => host.ctx.clock.set_now(now.with_timezone(&Utc)),
        Ok(ClockChange { now: None, offset_seconds: Some(s) }) => {
            host.ctx.clock.set_offset(chrono::Duration::seconds(s))
        }
        Ok(_) => return envelope_response(&Error::bad_request("需要 now（RFC 3339）或 offset_seconds 其中之一")),
        // serde's message would repeat what was sent.
        Err(_) => return envelope_response(&Error::bad_request("请求参数错误：需要 now（RFC 3339）或 offset_seconds")),
    }
    tracing::info!(offset = host.ctx.clock.offset().num_seconds(), "business clock moved");
    axum::Json(Envelope::ok(clock_view(&host.ctx))).into_response()
}

async fn job_run(State(host): State<Arc<Host>>, axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match host.run_job(&name).await {
        Some(Ok(report)) => axum::Json(Envelope::ok(report)).into_response(),
        Some(Err(e)) => envelope_response(&e),
        None => {
            let mut known = host.job_names();
            known.sort();
            envelope_response(&Error::not_found(format!("没有名为 {name} 的任务；可用：{}", known.join(", "))))
        }
    }
}

/// The web apps from web/{h5,console}/dist by `gpet::web::address`: a file of the app, or one
/// of its pages (its index.html), as CloudFront and the shell function serve them deployed.
async fn serve_static(web_root: Option<&Path>, path: &str) -> Response {
    use gpet::web::{Address, App};
    let Some(root) = web_root else {
        return (axum::http::StatusCode::NOT_FOUND, "web apps not served").into_response();
    };
    let dist = |app: App| root.join(if app == App::Console { "console/dist" } else { "h5/dist" });
    let (file, cache) = match gpet::web::address(path) {
        Address::Redirect(to) => return (axum::http::StatusCode::FOUND, [("location", to)]).into_response(),
        Address::Invalid => return (axum::http::StatusCode::BAD_REQUEST, "bad path").into_response(),
        Address::File { app, file } => {
            let immutable = file.starts_with("assets/");
            (dist(app).join(file), if immutable { "public, max-age=31536000, immutable" } else { "no-cache" })
        }
        Address::Page(app) => (dist(app).join("index.html"), "no-cache"),
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([("content-type", content_type(&file)), ("cache-control", cache)], bytes).into_response(),
        Err(_) if file.ends_with("index.html") => {
            (axum::http::StatusCode::NOT_FOUND, "web app not built: run `npm --prefix web run build`").into_response()
        }
        Err(_) => (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_match_one_segment() {
        let pattern: Vec<String> = ["api", "groups", "{id}"].iter().map(|s| s.to_string()).collect();
        assert_eq!(match_segments(&pattern, &["api", "groups", "42"]).unwrap()["id"], "42");
        assert!(match_segments(&pattern, &["api", "groups", ""]).is_none());
        assert!(match_segments(&pattern, &["api", "groups", "42", "x"]).is_none());
        assert_eq!(match_segments(&pattern, &["api", "groups", "a%20b"]).unwrap()["id"], "a b");
    }

    fn routes(list: &[(&str, &str)]) -> Vec<Route> {
        list.iter()
            .map(|(method, path)| Route {
                method: method.to_string(),
                segments: path.trim_matches('/').split('/').map(str::to_owned).collect(),
                binary: format!("{method} {path}"),
                handler: |_, _| Box::pin(async { unreachable!("routing only") }),
            })
            .collect()
    }

    #[test]
    fn literal_segments_win_over_parameters_and_other_methods_answer_405_with_allow() {
        let routes = routes(&[
            ("DELETE", "/api/broadcasts/{id}"),
            ("GET", "/api/broadcasts"),
            ("POST", "/api/broadcasts"),
            ("POST", "/api/broadcasts/preview"),
            ("GET", "/api/console/users/{id}"),
            ("POST", "/api/console/users/{id}/freeze"),
        ]);
        let picked = |method, path| pick_route(&routes, method, path).map(|(r, p)| (r.binary.clone(), p));
        assert_eq!(picked("POST", "/api/broadcasts/preview").unwrap().0, "POST /api/broadcasts/preview");
        assert_eq!(picked("DELETE", "/api/broadcasts/preview"), Err(Some("POST".to_owned())));
        let (binary, params) = picked("DELETE", "/api/broadcasts/42").unwrap();
        assert_eq!((binary.as_str(), params["id"].as_str()), ("DELETE /api/broadcasts/{id}", "42"));
        assert_eq!(picked("GET", "/api/broadcasts/42"), Err(Some("DELETE".to_owned())));
        assert_eq!(picked("PUT", "/api/broadcasts"), Err(Some("GET, POST".to_owned())));
        assert_eq!(picked("GET", "/api/console/users/7/freeze"), Err(Some("POST".to_owned())));
        assert_eq!(picked("GET", "/api/nothing"), Err(None));
    }

    #[test]
    fn names_turn_camel() {
        assert_eq!(camel("job-outbox-relay"), "JobOutboxRelay");
        assert_eq!(camel("h5-me"), "H5Me");
    }
}

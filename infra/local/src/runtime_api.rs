//! A Lambda Runtime API emulator: the real function binaries run against it as they run in
//! AWS (`AWS_LAMBDA_RUNTIME_API`), fed recorded events, their answers collected.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{Notify, oneshot};

#[derive(Debug)]
pub enum Outcome {
    Response(serde_json::Value),
    Error(serde_json::Value),
}

#[derive(Default)]
struct Inner {
    queue: Mutex<VecDeque<(String, Bytes)>>,
    arrived: Notify,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<String>>,
}

pub struct RuntimeApi {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    _server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    pub async fn start() -> anyhow::Result<Self> {
        let inner = Arc::new(Inner::default());
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RuntimeApi { addr, inner, _server: server })
    }

    /// Hands `event` to the function and waits for its answer.
    pub async fn invoke(&self, event: &serde_json::Value, timeout: Duration) -> anyhow::Result<Outcome> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.inner.waiting.lock().expect("not poisoned").insert(id.clone(), tx);
        self.inner.queue.lock().expect("not poisoned").push_back((id, Bytes::from(event.to_string())));
        self.inner.arrived.notify_one();
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(outcome)) => Ok(outcome),
            _ => {
                let init = self.inner.init_error.lock().expect("not poisoned").clone();
                anyhow::bail!(
                    "no answer within {timeout:?}{}",
                    init.map(|e| format!("; init error: {e}")).unwrap_or_default()
                )
            }
        }
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    loop {
        let notified = inner.arrived.notified();
        if let Some((id, body)) = inner.queue.lock().expect("not poisoned").pop_front() {
            let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
            return (
                [
                    ("lambda-runtime-aws-request-id", id),
                    ("lambda-runtime-deadline-ms", deadline.to_string()),
                    (
                        "lambda-runtime-invoked-function-arn",
                        "arn:aws:lambda:us-east-1:000000000000:function:local".to_owned(),
                    ),
                    ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned()),
                    ("content-type", "application/json".to_owned()),
                ],
                body,
            )
                .into_response();
        }
        notified.await;
    }
}

fn settle(inner: &Inner, id: &str, outcome: Outcome) -> Response {
    if let Some(tx) = inner.waiting.lock().expect("not poisoned").remove(id) {
        let _ = tx.send(outcome);
    }
    (axum::http::StatusCode::ACCEPTED, axum::Json(serde_json::json!({"status": "OK"}))).into_response()
}

fn json(body: &Bytes) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into_owned()))
}

async fn response(State(inner): State<Arc<Inner>>, UrlPath(id): UrlPath<String>, body: Bytes) -> Response {
    settle(&inner, &id, Outcome::Response(json(&body)))
}

async fn error(State(inner): State<Arc<Inner>>, UrlPath(id): UrlPath<String>, body: Bytes) -> Response {
    settle(&inner, &id, Outcome::Error(json(&body)))
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    *inner.init_error.lock().expect("not poisoned") = Some(String::from_utf8_lossy(&body).into_owned());
    (axum::http::StatusCode::ACCEPTED, "").into_response()
}

/// A function binary running against its own emulator, as one Lambda instance.
pub struct LambdaProcess {
    pub api: RuntimeApi,
    child: tokio::process::Child,
    pub started: Instant,
}

impl LambdaProcess {
    pub async fn spawn<'a>(binary: &Path, vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> anyhow::Result<Self> {
        let api = RuntimeApi::start().await?;
        let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function").to_owned();
        let started = Instant::now();
        let child = tokio::process::Command::new(binary)
            .env_clear()
            .envs(vars)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_REGION", "us-east-1")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(LambdaProcess { api, child, started })
    }

    pub async fn invoke(&self, event: &serde_json::Value) -> anyhow::Result<Outcome> {
        self.api.invoke(event, Duration::from_secs(20)).await
    }

    /// Peak resident memory so far, in KiB (VmHWM).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

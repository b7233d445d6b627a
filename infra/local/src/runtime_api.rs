//! A Lambda Runtime API emulator: the real function binaries run against it as they run in
//! AWS (`AWS_LAMBDA_RUNTIME_API`), fed recorded events, their answers collected.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::io::AsyncReadExt as _;
use tokio::sync::{Notify, oneshot, watch};

/// Lambda's synchronous payload limit, both ways (axum's default body limit is 2 MB).
const PAYLOAD_LIMIT: usize = 6 * 1024 * 1024;
/// What is kept of a function's stdout and stderr (its logs); the rest is dropped.
const OUTPUT_LIMIT: usize = 1024 * 1024;
/// An invocation's deadline: generous, since a cold start under qemu (an arm64 binary on x86)
/// runs several times slower than natively.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);

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
    /// When the runtime first asked for an event: its init was over.
    first_poll: Mutex<Option<Instant>>,
}

pub struct RuntimeApi {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    // A dropped JoinHandle does not stop its task: without this every emulator ever started
    // kept listening until its runtime ended.
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RuntimeApi {
    pub async fn start() -> anyhow::Result<Self> {
        let inner = Arc::new(Inner::default());
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .layer(DefaultBodyLimit::max(PAYLOAD_LIMIT))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RuntimeApi { addr, inner, server })
    }

    /// Hands `event` to the function and waits for its answer.
    pub async fn invoke(&self, event: &serde_json::Value, timeout: Duration) -> anyhow::Result<Outcome> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.inner.waiting.lock().expect("not poisoned").insert(id.clone(), tx);
        self.inner.queue.lock().expect("not poisoned").push_back((id.clone(), Bytes::from(event.to_string())));
        self.inner.arrived.notify_one();
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(outcome)) => Ok(outcome),
            _ => {
                self.inner.waiting.lock().expect("not poisoned").remove(&id);
                self.inner.queue.lock().expect("not poisoned").retain(|(queued, _)| *queued != id);
                let init = self.init_error();
                anyhow::bail!(
                    "no answer within {timeout:?}{}",
                    init.map(|e| format!("; init error: {e}")).unwrap_or_default()
                )
            }
        }
    }

    /// When the runtime first asked for an event (the end of its init), if it has.
    pub fn first_poll(&self) -> Option<Instant> {
        *self.inner.first_poll.lock().expect("not poisoned")
    }

    /// What the runtime posted to /runtime/init/error, if anything.
    pub fn init_error(&self) -> Option<String> {
        self.inner.init_error.lock().expect("not poisoned").clone()
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    inner.first_poll.lock().expect("not poisoned").get_or_insert_with(Instant::now);
    loop {
        let notified = inner.arrived.notified();
        if let Some((id, body)) = inner.queue.lock().expect("not poisoned").pop_front() {
            let deadline = chrono::Utc::now().timestamp_millis() + INVOKE_TIMEOUT.as_millis() as i64;
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

/// A function binary running against its own emulator, as one Lambda instance. Its stdout and
/// stderr (its logs, as CloudWatch would get them) are kept for [`LambdaProcess::output`]; the
/// process is killed when this is dropped (or [`LambdaProcess::stop`]ped).
pub struct LambdaProcess {
    pub api: RuntimeApi,
    pub started: Instant,
    name: String,
    pid: Option<u32>,
    output: Arc<Mutex<Vec<u8>>>,
    exit: watch::Receiver<Option<ExitStatus>>,
    /// Dropping it (with the LambdaProcess) kills the process.
    kill: Option<oneshot::Sender<()>>,
}

impl LambdaProcess {
    pub async fn spawn<'a>(binary: &Path, vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> anyhow::Result<Self> {
        Self::spawn_through(None, binary, vars).await
    }

    /// Runs `binary` through `wrapper` (for an arm64 binary, `qemu-aarch64-static -L <sysroot>`).
    pub async fn spawn_through<'a>(
        wrapper: Option<&[String]>,
        binary: &Path,
        vars: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> anyhow::Result<Self> {
        let api = RuntimeApi::start().await?;
        let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function").to_owned();
        let started = Instant::now();
        let mut command = match wrapper {
            Some([program, args @ ..]) => {
                let mut command = tokio::process::Command::new(program);
                command.args(args).arg(binary);
                command
            }
            _ => tokio::process::Command::new(binary),
        };
        // What the Lambda runtime sets, then the function's own variables (the caller's region wins).
        let mut child = command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_REGION", "us-east-1")
            .envs(vars)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let output = Arc::new(Mutex::new(Vec::new()));
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(collect(stdout, output.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(collect(stderr, output.clone()));
        }
        let pid = child.id();
        let (exited, exit) = watch::channel(None);
        let (kill, killed) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                // Asked to stop, or the LambdaProcess was dropped.
                _ = killed => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            if let Ok(status) = status {
                let _ = exited.send(Some(status));
            }
        });
        Ok(LambdaProcess { api, started, name, pid, output, exit, kill: Some(kill) })
    }

    /// Hands `event` to the instance and waits for its answer; fails at once when the process
    /// exits first (a failed cold start), with its exit status and output.
    pub async fn invoke(&self, event: &serde_json::Value) -> anyhow::Result<Outcome> {
        let mut exit = self.exit.clone();
        tokio::select! {
            biased;
            outcome = self.api.invoke(event, INVOKE_TIMEOUT) => {
                outcome.with_context(|| format!("{} did not answer; its output:\n{}", self.name, self.output()))
            }
            status = exit.wait_for(Option::is_some) => {
                let status = status.ok().and_then(|s| *s).map_or("unknown status".to_owned(), |s| s.to_string());
                let init = self.api.init_error().map(|e| format!(" (init error: {e})")).unwrap_or_default();
                anyhow::bail!("{} exited ({status}) before answering{init}; its output:\n{}", self.name, self.output())
            }
        }
    }

    /// How the process ended, if it has.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        *self.exit.borrow()
    }

    /// Waits up to `timeout` for the process to end.
    pub async fn wait_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let mut exit = self.exit.clone();
        tokio::time::timeout(timeout, exit.wait_for(Option::is_some)).await.ok()?.ok().and_then(|s| *s)
    }

    /// Kills the process and waits until it is gone.
    pub async fn stop(mut self) -> Option<ExitStatus> {
        drop(self.kill.take());
        self.wait_exit(Duration::from_secs(10)).await
    }

    /// Its stdout and stderr so far, interleaved as they came.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("not poisoned")).into_owned()
    }

    /// Peak resident memory so far, in KiB (VmHWM).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

async fn collect(mut from: impl tokio::io::AsyncRead + Unpin, into: Arc<Mutex<Vec<u8>>>) {
    let mut buf = vec![0u8; 8192];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let mut out = into.lock().expect("not poisoned");
        if out.len() < OUTPUT_LIMIT {
            out.extend_from_slice(&buf[..n]);
        }
    }
}

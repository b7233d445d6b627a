//! `gpet-bench` (`make bench`, through infra/scripts/bench.sh): figures of the foundation, each
//! beside the anchor it is judged against, measured in the same run. Prints, never asserts.
//!
//!   a. cold start (spawn → first answer through the Runtime API emulator) of the release
//!      binaries of h5-me, job-outbox-relay and consume-tracking-events, against lambda-hello;
//!   b. their peak RSS (VmHWM) after a few invocations, against lambda-hello's;
//!   c. the release size of every function binary, against lambda-hello's;
//!   d. GET /api/me latency through the in-process local host at a steady open-loop rate,
//!      against a static route of the same host (GET /_local/clock).
//!
//! A table goes to stdout and the same figures, as JSON, to <target>/bench/foundation.json.
//! Everything it talks to is on 127.0.0.1; its database, queues and Redis keys are removed at
//! the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use gpet::Clock;
use gpet_local::host::Host;
use gpet_local::runtime_api::{LambdaProcess, Outcome};
use gpet_local::setup::{self, Local};
use gpet_local::template::Template;
use serde_json::{Value, json};

const HELLO: &str = "lambda-hello";
const FUNCTIONS: [&str; 3] = ["h5-me", "job-outbox-relay", "consume-tracking-events"];
const COLD_RUNS: usize = 20;
/// Invocations of one instance before its peak RSS is read.
const WARM_INVOCATIONS: usize = 10;
const RATE_PER_SECOND: u32 = 200;
const LOAD_SECONDS: u32 = 10;
const WARMUP_SECONDS: u32 = 1;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const DEMO_OPENID: &str = "o_demo_lina";

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .with_context(|| format!("{name} is not set: run through infra/scripts/bench.sh (`make bench`)"))
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory of the binaries built with this one (target/release when run by bench.sh).
fn binaries_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find gpet-bench's own path")?;
    Ok(exe.parent().context("gpet-bench lives in a directory")?.to_owned())
}

fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let path = binaries_dir()?.join(name);
    anyhow::ensure!(path.is_file(), "{} is not built: run infra/scripts/bench.sh (`make bench`)", path.display());
    Ok(path)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let stack = Stack::start().await.context("cannot set up the bench's database, queues, sandbox and host")?;
    let figures = measure(&stack).await;
    stack.clean_up().await;
    let figures = figures?;
    print_table(&figures);
    let out = binaries_dir()?.parent().context("the binaries are in <target>/<profile>")?.join("bench");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let file = out.join("foundation.json");
    std::fs::write(&file, serde_json::to_string_pretty(&figures)? + "\n")
        .with_context(|| format!("cannot write {}", file.display()))?;
    println!("\nJSON: {}   (bench took {:.0} s)", file.display(), started.elapsed().as_secs_f64());
    Ok(())
}

// --- the stack under test ----------------------------------------------------------------------

/// A database of its own (migrated), its own queues and Redis prefix, a sandbox, the local host
/// on a port of its own, and one logged-in demo user.
struct Stack {
    admin_url: String,
    database: String,
    local: Local,
    env: gpet::Env,
    queue_urls: Vec<String>,
    sqs: aws_sdk_sqs::Client,
    base_url: String,
    /// `gpet_h5=…`: the demo user's session, as the browser sends it.
    session_cookie: String,
    _sandbox: gpet_sandbox::Sandbox,
    server: tokio::task::JoinHandle<()>,
}

impl Stack {
    async fn start() -> anyhow::Result<Stack> {
        let admin_url = var("GPET_PG_ADMIN_URL")?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let database = format!("gpet_bench_{id}");
        let (base, _) = admin_url.rsplit_once('/').context("GPET_PG_ADMIN_URL has no database path")?;
        let database_url = format!("{base}/{database}");
        setup::prepare_database(&admin_url, &database_url).await?;

        let sandbox = gpet_sandbox::spawn(gpet_sandbox::SandboxConfig {
            app_id: setup::SANDBOX_APP_ID.into(),
            app_secret: setup::SANDBOX_APP_SECRET.into(),
            public_base_url: None,
            sms_key: setup::SANDBOX_SMS_KEY.into(),
        })
        .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let local = Local {
            database_url,
            redis_url: var("GPET_REDIS_URL")?,
            redis_prefix: format!("bench:{id}:"),
            sqs_endpoint: var("GPET_SQS_ENDPOINT")?,
            queue_prefix: format!("bench{id}-"),
            sandbox_url: sandbox.base_url.clone(),
            public_base_url: base_url.clone(),
        };
        let template = Template::load(&project_root().join("template.yaml"))?;
        let (ctx, queue_urls, env) = local.start(&template, Clock::system(), 16).await?;
        let host = Arc::new(Host::new(ctx, &template, None)?);
        let router = host.router();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let sqs = gpet::queue::client(Some(&url::Url::parse(&local.sqs_endpoint)?)).await;
        let mut stack = Stack {
            admin_url,
            database,
            local,
            env,
            queue_urls: queue_urls.values().cloned().collect(),
            sqs,
            base_url,
            session_cookie: String::new(),
            _sandbox: sandbox,
            server,
        };
        stack.session_cookie = stack.log_in(DEMO_OPENID).await.context("the demo user cannot log in")?;
        Ok(stack)
    }

    /// The WeChat login through the sandbox, as a browser does it; answers the session cookie.
    async fn log_in(&self, openid: &str) -> anyhow::Result<String> {
        let http = client()?;
        let authorize = http.get(format!("{}/api/auth/wechat/authorize?redirect=/", self.base_url)).send().await?;
        let mut cookies = set_cookies(&authorize);
        let to_wechat = location(&authorize).context("authorize did not redirect")?;
        let page = to_wechat.split('#').next().unwrap_or_default();
        let wechat = http.get(format!("{page}&sandbox_openid={openid}")).send().await?;
        let callback = location(&wechat).context("the sandbox did not redirect back")?;
        let back = http.get(&callback).header("cookie", cookies.join("; ")).send().await?;
        cookies = set_cookies(&back);
        let session = cookies
            .into_iter()
            .find(|c| c.starts_with(&format!("{}=", gpet::sessions::COOKIE)))
            .context("the callback set no session cookie")?;
        let me = http.get(format!("{}/api/me", self.base_url)).header("cookie", &session).send().await?;
        anyhow::ensure!(me.status() == 200, "GET /api/me with the new session answered {}", me.status());
        Ok(session)
    }

    async fn clean_up(self) {
        self.server.abort();
        if let Ok(admin) = gpet::db::connect_once(&self.admin_url).await {
            let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database);
            if let Err(e) = admin.batch_execute(&drop).await {
                eprintln!("warning: {} not dropped: {e}", self.database);
            }
        }
        for url in &self.queue_urls {
            let _ = self.sqs.delete_queue().queue_url(url).send().await;
        }
        if let Ok(client) = redis::Client::open(self.local.redis_url.as_str())
            && let Ok(mut conn) = client.get_multiplexed_async_connection().await
        {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", self.local.redis_prefix))
                .query_async(&mut conn)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
            }
        }
    }
}

fn client() -> anyhow::Result<reqwest::Client> {
    // No proxy: the bench talks to 127.0.0.1 only.
    Ok(reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build()?)
}

fn location(response: &reqwest::Response) -> Option<String> {
    response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `name=value` of each Set-Cookie.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned())
        .collect()
}

// --- events --------------------------------------------------------------------------------------

fn recorded(file: &str) -> anyhow::Result<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events").join(file);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// The events each function gets: the recorded ones, with the demo user's session cookie for
/// /api/me and a new event id per SQS delivery (so every run stores and forwards, not dedupes).
struct Events {
    get_me: Value,
    schedule: Value,
    sqs: Value,
}

impl Events {
    fn load(stack: &Stack) -> anyhow::Result<Events> {
        let mut get_me = recorded("apigw-http-get-me.json")?;
        get_me["cookies"].as_array_mut().context("the recorded event has cookies")?.push(json!(stack.session_cookie));
        Ok(Events {
            get_me,
            schedule: recorded("scheduler-outbox-relay.json")?,
            sqs: recorded("sqs-tracking-events.json")?,
        })
    }

    fn for_function(&self, name: &str) -> anyhow::Result<Value> {
        Ok(match name {
            HELLO => json!({}),
            "h5-me" => self.get_me.clone(),
            "job-outbox-relay" => self.schedule.clone(),
            "consume-tracking-events" => {
                let mut event = self.sqs.clone();
                let record = &mut event["Records"][0];
                let mut body: Value = serde_json::from_str(record["body"].as_str().context("a body")?)?;
                body["event_id"] = json!(uuid::Uuid::new_v4());
                record["body"] = json!(body.to_string());
                record["messageId"] = json!(uuid::Uuid::new_v4());
                event
            }
            other => anyhow::bail!("no event for {other}"),
        })
    }
}

/// Fails unless the function answered what it answers when it works: the figures of a broken
/// function would mean nothing.
fn check_answer(name: &str, outcome: Outcome) -> anyhow::Result<()> {
    let ok = match (&outcome, name) {
        (Outcome::Response(r), "h5-me") => r["statusCode"] == 200,
        (Outcome::Response(r), "consume-tracking-events") => {
            // The recorded garbage record fails, the valid one does not.
            r["batchItemFailures"].as_array().is_some_and(|f| f.len() == 1)
        }
        (Outcome::Response(r), "job-outbox-relay") => r["failed"] == 0,
        (Outcome::Response(r), HELLO) => r["hello"] == "world",
        _ => false,
    };
    anyhow::ensure!(ok, "{name} answered {outcome:?}");
    Ok(())
}

// --- measurements --------------------------------------------------------------------------------

async fn measure(stack: &Stack) -> anyhow::Result<Value> {
    let events = Events::load(stack)?;
    let names: Vec<&str> = std::iter::once(HELLO).chain(FUNCTIONS).collect();
    let cold = cold_starts(stack, &events, &names).await?;
    let rss = peak_rss(stack, &events, &names).await?;
    let sizes = binary_sizes()?;
    let http = http_latency(stack).await?;
    Ok(json!({
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) },
        "cold_start": cold,
        "peak_rss": rss,
        "binary_size": sizes,
        "http": http,
    }))
}

/// a. Spawn → first answered invocation, COLD_RUNS times each, the functions taking turns so
///    that any drift of the machine falls on all of them alike.
async fn cold_starts(stack: &Stack, events: &Events, names: &[&str]) -> anyhow::Result<Value> {
    eprintln!("cold starts: {COLD_RUNS} runs of {}", names.join(", "));
    // Per function: spawn → first answer, and the part of it before the runtime's first
    // /next (Lambda's "Init Duration"; the rest is the first invocation's own work).
    let mut samples: Vec<(Vec<Duration>, Vec<Duration>)> = vec![(Vec::new(), Vec::new()); names.len()];
    for _ in 0..COLD_RUNS {
        for (i, name) in names.iter().enumerate() {
            let event = events.for_function(name)?;
            let function = LambdaProcess::spawn(&binary(name)?, stack.env.vars()).await?;
            let outcome = function.invoke(&event).await?;
            samples[i].0.push(function.started.elapsed());
            let polled = function.api.first_poll().context("answered without polling")?;
            samples[i].1.push(polled.saturating_duration_since(function.started));
            check_answer(name, outcome).with_context(|| function.output())?;
            function.stop().await;
        }
    }
    let hello_median = percentile(&samples[0].0, 0.5);
    let rows: Vec<Value> = names
        .iter()
        .zip(&samples)
        .map(|(name, (total, init))| {
            let median = percentile(total, 0.5);
            json!({
                "function": name,
                "runs": total.len(),
                "median_ms": ms(median),
                "p90_ms": ms(percentile(total, 0.9)),
                "ratio_to_hello": ratio(ms(median), ms(hello_median)),
                "init_median_ms": ms(percentile(init, 0.5)),
                "init_p90_ms": ms(percentile(init, 0.9)),
            })
        })
        .collect();
    Ok(json!({ "anchor": HELLO, "functions": rows }))
}

/// b. VmHWM of one instance after WARM_INVOCATIONS invocations.
async fn peak_rss(stack: &Stack, events: &Events, names: &[&str]) -> anyhow::Result<Value> {
    eprintln!("peak RSS after {WARM_INVOCATIONS} invocations");
    let mut peaks = Vec::new();
    for name in names {
        let function = LambdaProcess::spawn(&binary(name)?, stack.env.vars()).await?;
        for _ in 0..WARM_INVOCATIONS {
            let outcome = function.invoke(&events.for_function(name)?).await?;
            check_answer(name, outcome).with_context(|| function.output())?;
        }
        let kib = function.peak_rss_kib().with_context(|| format!("no VmHWM for {name}"))?;
        function.stop().await;
        peaks.push((name, kib));
    }
    let hello = peaks[0].1;
    let rows: Vec<Value> = peaks
        .iter()
        .map(|(name, kib)| json!({ "function": name, "kib": kib, "ratio_to_hello": ratio(*kib as f64, hello as f64) }))
        .collect();
    Ok(json!({ "anchor": HELLO, "invocations": WARM_INVOCATIONS, "lambda_memory_mb": 128, "functions": rows }))
}

/// c. Every function crate's release binary (the package name, which names its binary).
fn binary_sizes() -> anyhow::Result<Value> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(project_root().join("functions"))? {
        let dir = entry?.path();
        let manifest = dir.join("Cargo.toml");
        if !dir.join("src/main.rs").is_file() || !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)?;
        let name = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')))
            .with_context(|| format!("no package name in {}", manifest.display()))?;
        names.push(name.to_owned());
    }
    names.sort();
    let size = |name: &str| std::fs::metadata(binaries_dir()?.join(name)).map(|m| m.len()).map_err(anyhow::Error::from);
    let hello = size(HELLO).with_context(|| format!("{HELLO} is not built"))?;
    let mut rows = vec![json!({ "binary": HELLO, "bytes": hello, "ratio_to_hello": 1.0 })];
    for name in names {
        rows.push(match size(&name) {
            Ok(bytes) => json!({ "binary": name, "bytes": bytes, "ratio_to_hello": ratio(bytes as f64, hello as f64) }),
            Err(_) => json!({ "binary": name, "bytes": null, "ratio_to_hello": null }),
        });
    }
    Ok(json!({ "anchor": HELLO, "binaries": rows }))
}

/// d. GET /api/me and GET /_local/clock at RATE_PER_SECOND for LOAD_SECONDS each, after a
///    warm-up of each.
async fn http_latency(stack: &Stack) -> anyhow::Result<Value> {
    eprintln!("HTTP: {RATE_PER_SECOND} requests/s for {LOAD_SECONDS} s per route (open loop)");
    let http = client()?;
    let me = format!("{}/api/me", stack.base_url);
    let clock = format!("{}/_local/clock", stack.base_url);
    for url in [&clock, &me] {
        open_loop(&http, url, &stack.session_cookie, WARMUP_SECONDS).await;
    }
    let anchor = open_loop(&http, &clock, &stack.session_cookie, LOAD_SECONDS).await;
    let measured = open_loop(&http, &me, &stack.session_cookie, LOAD_SECONDS).await;
    Ok(json!({
        "rate_per_s": RATE_PER_SECOND,
        "seconds": LOAD_SECONDS,
        "anchor": "GET /_local/clock",
        "routes": [measured.to_json("GET /api/me"), anchor.to_json("GET /_local/clock")],
        "ratio_p50": ratio(measured.p(0.5), anchor.p(0.5)),
        "ratio_p99": ratio(measured.p(0.99), anchor.p(0.99)),
    }))
}

struct Load {
    sent: usize,
    /// From each request's scheduled send time, so that a stall of the host shows in full
    /// rather than delaying the requests behind it (no coordinated omission).
    latencies: Vec<Duration>,
    errors: usize,
}

impl Load {
    fn p(&self, q: f64) -> f64 {
        ms(percentile(&self.latencies, q))
    }

    fn to_json(&self, route: &str) -> Value {
        json!({
            "route": route,
            "sent": self.sent,
            "ok": self.latencies.len(),
            "errors": self.errors,
            "p50_ms": self.p(0.5),
            "p99_ms": self.p(0.99),
            "max_ms": self.p(1.0),
        })
    }
}

/// Sends on schedule, whether or not earlier requests have answered.
async fn open_loop(http: &reqwest::Client, url: &str, cookie: &str, seconds: u32) -> Load {
    let total = (RATE_PER_SECOND * seconds) as usize;
    let interval = Duration::from_secs(1) / RATE_PER_SECOND;
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..total {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled).await;
        let request = http.get(url).header("cookie", cookie).timeout(REQUEST_TIMEOUT).send();
        requests.spawn(async move {
            let ok = match request.await {
                Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            ok.then(|| scheduled.elapsed())
        });
    }
    let mut load = Load { sent: total, latencies: Vec::with_capacity(total), errors: 0 };
    while let Some(done) = requests.join_next().await {
        match done {
            Ok(Some(latency)) => load.latencies.push(latency),
            _ => load.errors += 1,
        }
    }
    load
}

// --- figures ---------------------------------------------------------------------------------------

/// Nearest-rank percentile; zero for no samples.
fn percentile(samples: &[Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 1e2
}

fn ratio(value: f64, anchor: f64) -> Option<f64> {
    (anchor > 0.0).then(|| (value / anchor * 100.0).round() / 100.0)
}

fn print_table(figures: &Value) {
    let num = |v: &Value| v.as_f64().map_or("-".to_owned(), |n| format!("{n:.2}"));
    let times = |v: &Value| v.as_f64().map_or("-".to_owned(), |n| format!("{n:.2}x"));
    println!("\n== a. Cold start: spawn → first answer via the Runtime API emulator (release, ms)");
    println!(
        "{:<26} {:>5} {:>9} {:>9} {:>9} {:>12} {:>9}",
        "function", "runs", "median", "p90", "vs hello", "init median", "init p90"
    );
    for f in figures["cold_start"]["functions"].as_array().into_iter().flatten() {
        println!(
            "{:<26} {:>5} {:>9} {:>9} {:>9} {:>12} {:>9}",
            f["function"].as_str().unwrap_or_default(),
            f["runs"].to_string(),
            num(&f["median_ms"]),
            num(&f["p90_ms"]),
            times(&f["ratio_to_hello"]),
            num(&f["init_median_ms"]),
            num(&f["init_p90_ms"])
        );
    }
    println!("(init: spawn → the runtime's first /next; the rest is the first invocation's own work)");
    println!("\n== b. Peak RSS (VmHWM) after {WARM_INVOCATIONS} invocations (Lambda memory 128 MB; aim ≤ 2x hello)");
    println!("{:<26} {:>10} {:>9}", "function", "MiB", "vs hello");
    for f in figures["peak_rss"]["functions"].as_array().into_iter().flatten() {
        println!(
            "{:<26} {:>10.1} {:>9}",
            f["function"].as_str().unwrap_or_default(),
            f["kib"].as_f64().unwrap_or_default() / 1024.0,
            times(&f["ratio_to_hello"])
        );
    }
    println!("\n== c. Release binary size (stripped, thin LTO)");
    println!("{:<26} {:>10} {:>9}", "binary", "MiB", "vs hello");
    for b in figures["binary_size"]["binaries"].as_array().into_iter().flatten() {
        let size = b["bytes"].as_f64().map_or("not built".to_owned(), |n| format!("{:.2}", n / 1024.0 / 1024.0));
        println!("{:<26} {:>10} {:>9}", b["binary"].as_str().unwrap_or_default(), size, times(&b["ratio_to_hello"]));
    }
    let http = &figures["http"];
    println!(
        "\n== d. Local host latency, {} requests/s for {} s each, open loop (ms, from scheduled send)",
        http["rate_per_s"], http["seconds"]
    );
    println!("{:<20} {:>6} {:>6} {:>7} {:>9} {:>9} {:>9}", "route", "sent", "ok", "errors", "p50", "p99", "max");
    for r in http["routes"].as_array().into_iter().flatten() {
        println!(
            "{:<20} {:>6} {:>6} {:>7} {:>9} {:>9} {:>9}",
            r["route"].as_str().unwrap_or_default(),
            r["sent"].to_string(),
            r["ok"].to_string(),
            r["errors"].to_string(),
            num(&r["p50_ms"]),
            num(&r["p99_ms"]),
            num(&r["max_ms"])
        );
    }
    println!("/api/me vs /_local/clock: p50 {}  p99 {}", times(&http["ratio_p50"]), times(&http["ratio_p99"]));
}

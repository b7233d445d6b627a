//! `gpet-bench` (`make bench`, through infra/scripts/bench.sh): figures of the foundation, each
//! beside the anchor it is judged against, measured in the same run. Prints, never asserts.
//!
//!   a. cold start (spawn → first answer through the Runtime API emulator) of the release
//!      binaries of h5-me, job-outbox-relay and consume-tracking-events, against lambda-hello;
//!   b. their peak RSS (VmHWM) after a few invocations, against lambda-hello's;
//!   c. the release size of every function binary, against lambda-hello's;
//!   d. GET /api/me latency through the in-process local host at a steady open-loop rate,
//!      against a static route of the same host (GET /_local/clock);
//!   e. short-link redirects (GET /s/{code}, 302) through the local host, closed loop at a fixed
//!      concurrency, against GET /_local/clock at the same concurrency and Redis's own GET rate
//!      (redis-benchmark); the visits counted are checked against the redirects answered;
//!   f. the sensitive-word matcher (10,000 generated words) over a ~4 MB text, against
//!      `contains` word by word on a slice of the same text.
//!
//! A table goes to stdout and the same figures, as JSON, to <target>/bench/figures.json.
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
/// e. Requests in flight at once (closed loop), for how long, and redis-benchmark's GETs.
const CONCURRENCY: usize = 32;
const CLOSED_LOOP_SECONDS: u64 = 10;
const REDIS_BENCH_REQUESTS: u32 = 200_000;
const BENCH_OPERATOR: &str = "bench";
const BENCH_OPERATOR_PASSWORD: &str = "bench-only-password-9";
const LONG_URL: &str = "https://example.com/landing?from=gpet-bench";
/// f. The word list, the text, the hits planted in it, and the runs of each measurement.
const WORDS: usize = 10_000;
const TEXT_BYTES: usize = 4_000_000;
const PLANTED_HITS: usize = 300;
const MATCH_RUNS: usize = 5;
/// About how long the naive scan runs: its slice of the text is sized for it.
const NAIVE_TARGET: Duration = Duration::from_secs(2);
const NAIVE_PROBE_BYTES: usize = 32 * 1024;

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
    let file = out.join("figures.json");
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
    /// The host's context: the bench's operator is made through the domain.
    ctx: Arc<gpet::Ctx>,
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

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let sandbox = gpet_sandbox::spawn(gpet_sandbox::SandboxConfig {
            app_id: setup::SANDBOX_APP_ID.into(),
            app_secret: setup::SANDBOX_APP_SECRET.into(),
            public_base_url: None,
            sms_key: setup::SANDBOX_SMS_KEY.into(),
            robot_secret: setup::SANDBOX_ROBOT_SECRET.into(),
            gpet_base_url: Some(base_url.clone()),
            chatter: false,
        })
        .await?;
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
        let host = Arc::new(Host::new(ctx.clone(), &template, None)?);
        let router = host.router();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let sqs = gpet::queue::client(Some(&url::Url::parse(&local.sqs_endpoint)?)).await;
        let mut stack = Stack {
            admin_url,
            database,
            local,
            ctx,
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

    /// An operator made through the domain and logged in through the console's route: the
    /// Bearer token.
    async fn operator_token(&self) -> anyhow::Result<String> {
        let db = self.ctx.db()?.client().await?;
        gpet::operators::create(&db, BENCH_OPERATOR, BENCH_OPERATOR_PASSWORD, gpet::operators::Role::Operator).await?;
        let credentials = json!({ "username": BENCH_OPERATOR, "password": BENCH_OPERATOR_PASSWORD });
        let response =
            client()?.post(format!("{}/api/console/auth/login", self.base_url)).json(&credentials).send().await?;
        let status = response.status();
        let answer: Value = response.json().await?;
        anyhow::ensure!(status == 200, "POST /api/console/auth/login answered {status}: {answer}");
        answer["data"]["token"].as_str().map(str::to_owned).context("the console login gave no token")
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
    let short_links = short_link_redirects(stack).await?;
    eprintln!("sensitive words: {WORDS} words over ~{} MB of text", TEXT_BYTES / 1_000_000);
    let words = tokio::task::spawn_blocking(sensitive_words).await.context("the sensitive-word bench panicked")?;
    Ok(json!({
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) },
        "cold_start": cold,
        "peak_rss": rss,
        "binary_size": sizes,
        "http": http,
        "short_links": short_links,
        "sensitive_words": words,
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

/// e. GET /s/{code} through the local host (the redirect not followed), CONCURRENCY requests in
///    flight for CLOSED_LOOP_SECONDS after a warm-up; against GET /_local/clock the same way and
///    redis-benchmark's GET at the same concurrency. Then the visits the console lists for the
///    code, beside the redirects answered (every 302 counts one, the warm-up's too).
async fn short_link_redirects(stack: &Stack) -> anyhow::Result<Value> {
    eprintln!(
        "short links: {CONCURRENCY} requests in flight for {CLOSED_LOOP_SECONDS} s per route (closed loop), then redis-benchmark"
    );
    let http = client()?;
    let token = stack.operator_token().await.context("the bench's operator cannot log in")?;
    let created = http
        .post(format!("{}/api/console/short-links", stack.base_url))
        .bearer_auth(&token)
        .json(&json!({ "url": LONG_URL }))
        .send()
        .await?;
    let status = created.status();
    let answer: Value = created.json().await?;
    anyhow::ensure!(status == 200, "POST /api/console/short-links answered {status}: {answer}");
    let code = answer["data"]["code"].as_str().context("the new short link has no code")?.to_owned();

    let redirect = Target { url: format!("{}/s/{code}", stack.base_url), status: 302, location: Some(LONG_URL.into()) };
    let anchor = Target { url: format!("{}/_local/clock", stack.base_url), status: 200, location: None };
    let warm_up = Duration::from_secs(WARMUP_SECONDS.into());
    closed_loop(&http, &anchor, warm_up).await;
    let warm_redirects = closed_loop(&http, &redirect, warm_up).await;
    let length = Duration::from_secs(CLOSED_LOOP_SECONDS);
    let anchor_load = closed_loop(&http, &anchor, length).await;
    let redirects = closed_loop(&http, &redirect, length).await;
    let (redis_command, redis_get) = redis_get_rate(&stack.local.redis_url).await;

    let listed = http
        .get(format!("{}/api/console/short-links", stack.base_url))
        .query(&[("q", code.as_str())])
        .bearer_auth(&token)
        .send()
        .await?;
    let listed: Value = listed.json().await?;
    let visits = listed["data"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|link| link["code"] == code.as_str())
        .and_then(|link| link["visits"].as_i64());
    let (redis_per_s, redis_skipped) = match redis_get {
        Ok(per_s) => (Some(per_s), None),
        Err(why) => (None, Some(why)),
    };
    Ok(json!({
        "concurrency": CONCURRENCY,
        "seconds": CLOSED_LOOP_SECONDS,
        "warmup_seconds": WARMUP_SECONDS,
        "anchor": "GET /_local/clock",
        "routes": [redirects.to_json(&format!("GET /s/{code}")), anchor_load.to_json("GET /_local/clock")],
        "redis_benchmark": { "command": redis_command, "get_per_s": redis_per_s, "skipped": redis_skipped },
        "ratio_to_static": ratio(redirects.per_second(), anchor_load.per_second()),
        "ratio_to_redis_get": redis_per_s.and_then(|r| fine_ratio(redirects.per_second(), r)),
        "visits_counted": visits,
        "redirects_answered": warm_redirects.ok() + redirects.ok(),
        "redirect_errors": warm_redirects.errors + redirects.errors,
    }))
}

/// A request of a closed loop and what it must answer to count.
#[derive(Clone)]
struct Target {
    url: String,
    status: u16,
    location: Option<String>,
}

impl Target {
    async fn answered(&self, http: &reqwest::Client) -> bool {
        let Ok(response) = http.get(&self.url).timeout(REQUEST_TIMEOUT).send().await else { return false };
        let fits = response.status() == self.status
            && self.location.as_deref().is_none_or(|expected| location(&response).as_deref() == Some(expected));
        fits && response.bytes().await.is_ok()
    }
}

struct ClosedLoad {
    /// From each request's send to its whole answer.
    latencies: Vec<Duration>,
    errors: usize,
    /// From the first send to the last answer.
    elapsed: Duration,
}

impl ClosedLoad {
    fn ok(&self) -> usize {
        self.latencies.len()
    }

    fn per_second(&self) -> f64 {
        self.ok() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    fn to_json(&self, route: &str) -> Value {
        json!({
            "route": route,
            "ok": self.ok(),
            "errors": self.errors,
            "seconds": (self.elapsed.as_secs_f64() * 100.0).round() / 100.0,
            "per_s": self.per_second().round(),
            "p50_ms": ms(percentile(&self.latencies, 0.5)),
            "p99_ms": ms(percentile(&self.latencies, 0.99)),
            "max_ms": ms(percentile(&self.latencies, 1.0)),
        })
    }
}

/// CONCURRENCY workers, each sending its next request as soon as its last one has answered,
/// until `length` has passed.
async fn closed_loop(http: &reqwest::Client, target: &Target, length: Duration) -> ClosedLoad {
    let started = Instant::now();
    let end = started + length;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (http, target) = (http.clone(), target.clone());
        workers.spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0);
            while Instant::now() < end {
                let sent = Instant::now();
                if target.answered(&http).await {
                    latencies.push(sent.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        });
    }
    let mut load = ClosedLoad { latencies: Vec::new(), errors: 0, elapsed: Duration::ZERO };
    while let Some(done) = workers.join_next().await {
        match done {
            Ok((latencies, errors)) => {
                load.latencies.extend(latencies);
                load.errors += errors;
            }
            Err(_) => load.errors += 1,
        }
    }
    load.elapsed = started.elapsed();
    load
}

/// Redis's own GET rate at the same concurrency, from redis-benchmark (keys it never set: GET
/// answers nil, writes nothing). The command line, and the rate or why there is none.
async fn redis_get_rate(redis_url: &str) -> (String, Result<f64, String>) {
    let (host, port) = match url::Url::parse(redis_url) {
        Ok(url) => (url.host_str().unwrap_or("127.0.0.1").to_owned(), url.port().unwrap_or(6379)),
        Err(_) => return (String::new(), Err("GPET_REDIS_URL is not a URL".into())),
    };
    let args = [
        "-h".to_owned(),
        host,
        "-p".to_owned(),
        port.to_string(),
        "-t".to_owned(),
        "get".to_owned(),
        "-n".to_owned(),
        REDIS_BENCH_REQUESTS.to_string(),
        "-c".to_owned(),
        CONCURRENCY.to_string(),
        "-q".to_owned(),
    ];
    let command = format!("redis-benchmark {}", args.join(" "));
    let output = match tokio::process::Command::new("redis-benchmark").args(&args).output().await {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (command, Err("redis-benchmark is not installed".into()));
        }
        Err(e) => return (command, Err(format!("redis-benchmark did not run: {e}"))),
    };
    // With -q it ends with `GET: 123456.79 requests per second, p50=…` (progress lines before
    // it, separated by carriage returns, say `GET: rps=…`).
    let stdout = String::from_utf8_lossy(&output.stdout);
    let per_s = stdout
        .split(['\r', '\n'])
        .filter(|line| line.contains("requests per second"))
        .filter_map(|line| line.trim().strip_prefix("GET:")?.split_whitespace().next()?.parse::<f64>().ok())
        .next_back();
    let answer = match per_s {
        Some(per_s) if output.status.success() => Ok(per_s),
        _ => Err(format!(
            "no GET rate from redis-benchmark ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    };
    (command, answer)
}

/// f. Matcher::new over WORDS generated words, Matcher::find over the whole text (median of
///    MATCH_RUNS); against, on a slice of the same text sized to take about NAIVE_TARGET, the
///    slice normalized once and then `contains` for every word of the list.
fn sensitive_words() -> Value {
    use gpet::sensitive_words::{Matcher, normalize};
    use std::hint::black_box;

    let mut rng = Rng::new(0x6770_6574_6265_6e63);
    let words = generate_words(&mut rng);
    let (text, filler, planted_distinct) = generate_text(&mut rng, &words);

    let mut builds = Vec::new();
    let mut matcher = Matcher::new::<&str>(&[]);
    for _ in 0..MATCH_RUNS {
        let started = Instant::now();
        matcher = black_box(Matcher::new(black_box(&words)));
        builds.push(started.elapsed());
    }
    let mut runs = Vec::new();
    let mut found = Vec::new();
    for _ in 0..MATCH_RUNS {
        let started = Instant::now();
        found = black_box(matcher.find(black_box(&text)));
        runs.push(started.elapsed());
    }
    let find_median = percentile(&runs, 0.5);
    // The part of find that is normalizing the text (a copy, lower case, half width).
    let mut normalizing = Vec::new();
    for _ in 0..MATCH_RUNS {
        let started = Instant::now();
        black_box(normalize(black_box(&text)));
        normalizing.push(started.elapsed());
    }
    // Words in the text without its planted words: none by construction (every Chinese word
    // holds a character the filler never uses), so that the hits are the planted ones.
    let filler_hits = matcher.find(&filler).len();

    // The list as the matcher holds it: normalized, without blanks and repeats.
    let mut list: Vec<String> = words.iter().map(|w| normalize(w.trim())).filter(|w| !w.is_empty()).collect();
    list.sort();
    list.dedup();
    let naive = |slice: &str| {
        let started = Instant::now();
        let normalized = normalize(black_box(slice));
        let found: Vec<&str> = list.iter().filter(|w| normalized.contains(w.as_str())).map(String::as_str).collect();
        (started.elapsed(), black_box(found))
    };
    let (probe, _) = naive(prefix(&text, NAIVE_PROBE_BYTES));
    let wanted = NAIVE_PROBE_BYTES as f64 * NAIVE_TARGET.as_secs_f64() / probe.as_secs_f64().max(1e-6);
    let slice = prefix(&text, (wanted as usize).clamp(NAIVE_PROBE_BYTES, text.len()));
    let (naive_time, naive_found) = naive(slice);
    let mut on_slice = matcher.find(slice);
    let mut naive_sorted: Vec<String> = naive_found.iter().map(|w| (*w).to_owned()).collect();
    naive_sorted.sort();
    on_slice.sort();

    let mb_per_s = |bytes: usize, time: Duration| bytes as f64 / 1e6 / time.as_secs_f64().max(f64::EPSILON);
    let matcher_rate = mb_per_s(text.len(), find_median);
    let naive_rate = mb_per_s(slice.len(), naive_time);
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    json!({
        "words": words.len(),
        "words_in_matcher": matcher.len(),
        "text_bytes": text.len(),
        "text_chars": text.chars().count(),
        "planted_hits": PLANTED_HITS,
        "planted_distinct_words": planted_distinct,
        "filler_hits": filler_hits,
        "runs": MATCH_RUNS,
        "build_median_ms": ms(percentile(&builds, 0.5)),
        "normalize_median_ms": ms(percentile(&normalizing, 0.5)),
        "matcher": {
            "median_ms": ms(find_median),
            "mb_per_s": round1(matcher_rate),
            "found_distinct_words": found.len(),
        },
        "naive": {
            "slice_bytes": slice.len(),
            "seconds": (naive_time.as_secs_f64() * 100.0).round() / 100.0,
            "mb_per_s": round1(naive_rate),
            "found_distinct_words": naive_sorted.len(),
            "matcher_found_on_slice": on_slice.len(),
            "same_words": naive_sorted == on_slice,
        },
        "ratio_to_naive": ratio(matcher_rate, naive_rate),
    })
}

/// The longest start of `text` of at most `bytes` bytes that ends on a character.
fn prefix(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A small deterministic generator (SplitMix64): every run matches the same words in the same
/// text.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In 0..n.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// In lo..=hi.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Common characters: the filler text is made of these only.
const PLAIN_CHARS: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主年动同工也能\
    下过子说种面而方后多定行学所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体机当使点从业本去把性好应\
    开它合还因由其些然前外天四日那社事平形相全表间样与关各重新线内数正心你明看原又么比或但质气第向道此变条只没结问意月公\
    无系很情者最立想已通并提直题程展五果料象员位入常文总次品式活设及管特件长求老头基边流路级少图山统接知较将组见计别她手\
    角期根论运指几九区强放决西被干做必先回则任取据处南给色光门即保北造百规热领七海口东导器压志世金增争济阶油思术极交受联\
    什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报完类八离华名确才科张信马节话米\
    整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近千周委素技备半青\
    省列习响约支般史感劳便团往历市克何除消构府称太准精值号率族维划选标写存候毛亲快效院查江型眼王按格养易置派层片始却专状\
    育厂京识适属圆包火住调满县局照参红细引听该铁价严";
/// Characters of the words only, each Chinese word holding one at least: the filler holds no
/// word by itself, so its hits are the planted ones (and words inside them).
const MARKED_CHARS: &str = "赌博彩票枪毒贷款刷返裸聊假币黑卡套骗诈洗钱迷幻窃监翻墙孕私售卖禁仿冒办销";
/// The ASCII of the filler: what chats hold besides Chinese.
const ASCII_WORDS: [&str; 24] = [
    "the",
    "group",
    "owner",
    "order",
    "price",
    "WeChat",
    "OK",
    "hello",
    "free",
    "today",
    "link",
    "click",
    "share",
    "red",
    "packet",
    "iPhone",
    "APP",
    "VIP",
    "QQ",
    "2024",
    "100",
    "888",
    "https://example.com/item?id=42",
    "#tag",
];

fn chars_of(s: &str) -> Vec<char> {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// WORDS distinct words (by normal form): about 70% Chinese of 2–6 characters, 22% Latin of
/// 5–10 letters in mixed case, 8% Latin in full-width letters.
fn generate_words(rng: &mut Rng) -> Vec<String> {
    let marked = chars_of(MARKED_CHARS);
    let plain: Vec<char> = chars_of(PLAIN_CHARS).into_iter().filter(|c| !marked.contains(c)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::with_capacity(WORDS);
    while words.len() < WORDS {
        let kind = rng.below(100);
        let word: String = if kind < 70 {
            let mut chars: Vec<char> = (0..rng.between(2, 6))
                .map(|_| if rng.below(3) == 0 { *rng.pick(&marked) } else { *rng.pick(&plain) })
                .collect();
            if !chars.iter().any(|c| marked.contains(c)) {
                let at = rng.below(chars.len());
                chars[at] = *rng.pick(&marked);
            }
            chars.into_iter().collect()
        } else {
            let latin: String = (0..rng.between(5, 10))
                .map(|_| {
                    let c = (b'a' + rng.below(26) as u8) as char;
                    if rng.below(3) == 0 { c.to_ascii_uppercase() } else { c }
                })
                .collect();
            if kind < 92 {
                latin
            } else {
                latin.chars().map(|c| char::from_u32(c as u32 + 0xfee0).unwrap_or(c)).collect()
            }
        };
        if seen.insert(gpet::sensitive_words::normalize(&word)) {
            words.push(word);
        }
    }
    words
}

/// About TEXT_BYTES of chat-like text (sentences of common characters with punctuation, one in
/// five an ASCII one) with PLANTED_HITS words of the list put in as written (mixed case, full
/// width). Answers the text, the same text without the planted words, and how many distinct
/// words were planted.
fn generate_text(rng: &mut Rng, words: &[String]) -> (String, String, usize) {
    let marked = chars_of(MARKED_CHARS);
    let plain: Vec<char> = chars_of(PLAIN_CHARS).into_iter().filter(|c| !marked.contains(c)).collect();
    let punctuation = ['，', '。', '！', '？', '、', '：', ' '];
    let mut sentences = Vec::new();
    let mut bytes = 0;
    while bytes < TEXT_BYTES {
        let mut sentence = String::new();
        if rng.below(5) == 0 {
            for _ in 0..rng.between(3, 12) {
                sentence.push_str(ASCII_WORDS[rng.below(ASCII_WORDS.len())]);
                sentence.push(' ');
            }
        } else {
            for _ in 0..rng.between(8, 40) {
                sentence.push(*rng.pick(&plain));
            }
            sentence.push(*rng.pick(&punctuation));
        }
        bytes += sentence.len();
        sentences.push(sentence);
    }
    let filler = sentences.concat();
    let mut planted = std::collections::HashSet::new();
    for _ in 0..PLANTED_HITS {
        let at = rng.below(sentences.len());
        let word = rng.pick(words);
        sentences[at].push_str(word);
        planted.insert(gpet::sensitive_words::normalize(word));
    }
    (sentences.concat(), filler, planted.len())
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

/// A ratio well below one, to three decimals.
fn fine_ratio(value: f64, anchor: f64) -> Option<f64> {
    (anchor > 0.0).then(|| (value / anchor * 1000.0).round() / 1000.0)
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

    let links = &figures["short_links"];
    println!(
        "\n== e. Short-link redirects, closed loop: {} requests in flight for {} s per route after {} s of warm-up",
        links["concurrency"], links["seconds"], links["warmup_seconds"]
    );
    println!(
        "{:<24} {:>8} {:>7} {:>10} {:>9} {:>9} {:>9}",
        "route", "ok", "errors", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    for r in links["routes"].as_array().into_iter().flatten() {
        println!(
            "{:<24} {:>8} {:>7} {:>10} {:>9} {:>9} {:>9}",
            r["route"].as_str().unwrap_or_default(),
            r["ok"].to_string(),
            r["errors"].to_string(),
            r["per_s"].to_string(),
            num(&r["p50_ms"]),
            num(&r["p99_ms"]),
            num(&r["max_ms"])
        );
    }
    let redis = &links["redis_benchmark"];
    match redis["get_per_s"].as_f64() {
        Some(per_s) => println!(
            "{:<24} {:>8} {:>7} {:>10.0}   ({})",
            "Redis GET (anchor)",
            "",
            "",
            per_s,
            redis["command"].as_str().unwrap_or_default()
        ),
        None => println!("Redis GET (anchor): skipped, {}", redis["skipped"].as_str().unwrap_or("no figure")),
    }
    println!(
        "redirects/s vs /_local/clock/s: {}   redirects/s vs Redis GET/s: {}",
        times(&links["ratio_to_static"]),
        links["ratio_to_redis_get"].as_f64().map_or("- (no Redis figure)".to_owned(), |r| format!("{r:.3}x"))
    );
    println!(
        "(the static anchor is GET /_local/clock: the bench's host serves no web build, and that route touches neither PostgreSQL nor Redis; client, host and Redis share the machine's {} cores)",
        figures["machine"]["cpus"]
    );
    let visits = links["visits_counted"].as_i64();
    let answered = links["redirects_answered"].as_i64().unwrap_or_default();
    println!(
        "cross-check: visits counted (GET /api/console/short-links) {}, 302s answered (warm-up + measured) {}: {}{}",
        visits.map_or("-".to_owned(), |v| v.to_string()),
        answered,
        if visits == Some(answered) { "equal" } else { "DIFFERENT" },
        match links["redirect_errors"].as_i64() {
            Some(0) | None => String::new(),
            Some(n) => format!(" ({n} redirect requests failed or timed out; those may have been counted)"),
        }
    );

    let words = &figures["sensitive_words"];
    let naive = &words["naive"];
    let matcher = &words["matcher"];
    println!(
        "\n== f. Sensitive words: {} words ({} distinct normalized), {:.2} MB of text ({} chars), {} planted hits of {} distinct words",
        words["words"],
        words["words_in_matcher"],
        words["text_bytes"].as_f64().unwrap_or_default() / 1e6,
        words["text_chars"],
        words["planted_hits"],
        words["planted_distinct_words"]
    );
    println!("{:<44} {:>10} {:>10} {:>8}", "", "MB/s", "ms", "found");
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        format!("Matcher::new, {} words (median of {})", words["words"], words["runs"]),
        "",
        num(&words["build_median_ms"]),
        ""
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        format!("Matcher::find, whole text (median of {})", words["runs"]),
        num(&matcher["mb_per_s"]),
        num(&matcher["median_ms"]),
        matcher["found_distinct_words"].to_string()
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "  of which normalize(text) (median)",
        "",
        num(&words["normalize_median_ms"]),
        ""
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        format!(
            "naive contains x list, {:.0} KB slice (anchor)",
            naive["slice_bytes"].as_f64().unwrap_or_default() / 1e3
        ),
        num(&naive["mb_per_s"]),
        num(&(naive["seconds"].as_f64().map(|s| s * 1000.0).into())),
        naive["found_distinct_words"].to_string()
    );
    println!(
        "matcher vs naive: {}   on the slice the matcher found {} words, the naive scan {}: {}",
        times(&words["ratio_to_naive"]),
        naive["matcher_found_on_slice"],
        naive["found_distinct_words"],
        if naive["same_words"] == true { "the same words" } else { "DIFFERENT words" }
    );
    println!(
        "(MB = 10^6 bytes of the text as written; both times include normalizing the text once; the text without its \
         planted words holds {} words, so what is found is the planted words and the words inside them)",
        words["filler_hits"]
    );
}

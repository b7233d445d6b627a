//! e. GET /s/{code} through the local host (the redirect not followed), CONCURRENCY requests in
//!    flight for CLOSED_LOOP_SECONDS after a warm-up; against GET /_local/clock the same way and
//!    redis-benchmark's GET at the same concurrency. Then the visits the console lists for the
//!    code, beside the redirects answered (every 302 counts one, the warm-up's too).

use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use serde_json::{Value, json};

use crate::Machine;
use crate::figures::{Table, fine_ratio, fine_times, ratio, times};
use crate::load::{ClosedRoute, Target, closed_loop};
use crate::stack::Stack;

/// Requests in flight at once (closed loop), for how long, and redis-benchmark's GETs.
const CONCURRENCY: usize = 32;
const CLOSED_LOOP_SECONDS: u64 = 10;
const WARMUP_SECONDS: u64 = 1;
const REDIS_BENCH_REQUESTS: u32 = 200_000;
const LONG_URL: &str = "https://example.com/landing?from=gpet-bench";

#[derive(Serialize)]
pub struct ShortLinks {
    concurrency: usize,
    seconds: u64,
    warmup_seconds: u64,
    anchor: &'static str,
    routes: [ClosedRoute; 2],
    redis_benchmark: RedisBenchmark,
    ratio_to_static: Option<f64>,
    ratio_to_redis_get: Option<f64>,
    visits_counted: Option<i64>,
    redirects_answered: usize,
    redirect_errors: usize,
}

#[derive(Serialize)]
struct RedisBenchmark {
    command: String,
    get_per_s: Option<f64>,
    /// Why there is no figure.
    skipped: Option<String>,
}

pub async fn measure(stack: &Stack) -> anyhow::Result<ShortLinks> {
    eprintln!(
        "short links: {CONCURRENCY} requests in flight for {CLOSED_LOOP_SECONDS} s per route (closed loop), then redis-benchmark"
    );
    let http = &stack.http;
    let token = stack.operator_token().await?;
    let created =
        stack.console(&token, reqwest::Method::POST, "/api/console/short-links", &json!({ "url": LONG_URL })).await?;
    let code = created["data"]["code"].as_str().context("the new short link has no code")?.to_owned();

    let redirect = Target::new(stack.url(&format!("/s/{code}")), 302, Some(LONG_URL.into()));
    let anchor = Target::clock(stack);
    let warm_up = Duration::from_secs(WARMUP_SECONDS);
    closed_loop(CONCURRENCY, warm_up, anchor.request(http)).await;
    let warm_redirects = closed_loop(CONCURRENCY, warm_up, redirect.request(http)).await;
    let length = Duration::from_secs(CLOSED_LOOP_SECONDS);
    let anchor_load = closed_loop(CONCURRENCY, length, anchor.request(http)).await;
    let redirects = closed_loop(CONCURRENCY, length, redirect.request(http)).await;
    let redis_benchmark = redis_get_rate(&stack.local.services).await;

    let listed: Value = http
        .get(stack.url("/api/console/short-links"))
        .query(&[("q", code.as_str())])
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let visits_counted = listed["data"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|link| link["code"] == code.as_str())
        .and_then(|link| link["visits"].as_i64());
    Ok(ShortLinks {
        concurrency: CONCURRENCY,
        seconds: CLOSED_LOOP_SECONDS,
        warmup_seconds: WARMUP_SECONDS,
        anchor: "GET /_local/clock",
        ratio_to_static: ratio(redirects.per_second(), anchor_load.per_second()),
        ratio_to_redis_get: redis_benchmark.get_per_s.and_then(|r| fine_ratio(redirects.per_second(), r)),
        routes: [redirects.figures(&format!("GET /s/{code}")), anchor_load.figures("GET /_local/clock")],
        redis_benchmark,
        visits_counted,
        redirects_answered: warm_redirects.ok() + redirects.ok(),
        redirect_errors: warm_redirects.errors() + redirects.errors(),
    })
}

/// Redis's own GET rate at the same concurrency, from redis-benchmark (keys it never set: GET
/// answers nil, writes nothing): the command line, and the rate or why there is none.
async fn redis_get_rate(services: &gpet_local::setup::Services) -> RedisBenchmark {
    let skipped = |command: String, why: String| RedisBenchmark { command, get_per_s: None, skipped: Some(why) };
    let (host, port) = match url::Url::parse(&services.redis_url) {
        Ok(url) => (url.host_str().unwrap_or("127.0.0.1").to_owned(), url.port().unwrap_or(6379)),
        Err(_) => return skipped(String::new(), "GPET_REDIS_URL is not a URL".into()),
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
        // Over TLS as the application's ACL user, as gpet reaches it.
        "--tls".to_owned(),
        "--cacert".to_owned(),
        std::env::var("GPET_TLS_CA_FILE").unwrap_or_default(),
        "--user".to_owned(),
        services.redis_user.clone(),
    ];
    let command = format!("redis-benchmark {}", args.join(" "));
    let output = match tokio::process::Command::new("redis-benchmark")
        .args(&args)
        .env("REDISCLI_AUTH", &services.redis_password)
        .output()
        .await
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return skipped(command, "redis-benchmark is not installed".into());
        }
        Err(e) => return skipped(command, format!("redis-benchmark did not run: {e}")),
    };
    // With -q it ends with `GET: 123456.79 requests per second, p50=…` (progress lines before
    // it, separated by carriage returns, say `GET: rps=…`).
    let stdout = String::from_utf8_lossy(&output.stdout);
    let per_s = stdout
        .split(['\r', '\n'])
        .filter(|line| line.contains("requests per second"))
        .filter_map(|line| line.trim().strip_prefix("GET:")?.split_whitespace().next()?.parse::<f64>().ok())
        .next_back();
    match per_s {
        Some(per_s) if output.status.success() => RedisBenchmark { command, get_per_s: Some(per_s), skipped: None },
        _ => {
            let why = format!(
                "no GET rate from redis-benchmark ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
            skipped(command, why)
        }
    }
}

impl ShortLinks {
    pub fn table(&self, machine: &Machine) -> Table {
        let mut table = ClosedRoute::table(
            format!(
                "e. Short-link redirects, closed loop: {} requests in flight for {} s per route after {} s of warm-up",
                self.concurrency, self.seconds, self.warmup_seconds
            ),
            24,
            "errors",
        );
        for r in &self.routes {
            table.row(r.cells());
        }
        let redis = &self.redis_benchmark;
        match redis.get_per_s {
            Some(per_s) => table.row([
                "Redis GET (anchor)".to_owned(),
                String::new(),
                String::new(),
                format!("{per_s:.0}"),
                format!("  ({})", redis.command),
            ]),
            None => {
                table.note(format!("Redis GET (anchor): skipped, {}", redis.skipped.as_deref().unwrap_or("no figure")))
            }
        }
        table.note(format!(
            "redirects/s vs /_local/clock/s: {}   redirects/s vs Redis GET/s: {}",
            times(self.ratio_to_static),
            self.ratio_to_redis_get.map_or("- (no Redis figure)".to_owned(), |r| fine_times(Some(r)))
        ));
        table.note(format!(
            "(the static anchor is GET /_local/clock: the bench's host serves no web build, and that route touches neither PostgreSQL nor Redis; client, host and Redis share the machine's {} cores)",
            machine.cpus
        ));
        let answered = self.redirects_answered as i64;
        table.note(format!(
            "cross-check: visits counted (GET /api/console/short-links) {}, 302s answered (warm-up + measured) {}: {}{}",
            self.visits_counted.map_or("-".to_owned(), |v| v.to_string()),
            answered,
            crate::figures::same(self.visits_counted == Some(answered)),
            match self.redirect_errors {
                0 => String::new(),
                n => format!(" ({n} redirect requests failed or timed out; those may have been counted)"),
            }
        ));
        table
    }
}

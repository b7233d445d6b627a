//! a. Spawn → first answered invocation, COLD_RUNS times each, in the production shape (the
//!    template's variables, secrets from the local Secrets Manager API, TLS to PostgreSQL and
//!    Redis), the functions taking turns so that any drift of the machine falls on all alike.
//!    Split into its parts — runtime ready (spawn → the context starts loading), secrets,
//!    PostgreSQL and Redis handshakes (concurrent), first handler (first /next → answer) — each
//!    beside the same thing measured alone (bare handshakes, one secrets fetch) and lambda-hello.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use gpet::config::Secret;
use gpet_local::registry;
use serde::Serialize;
use serde_json::Value;

use crate::figures::{Table, ms, num, percentile, ratio, times};
use crate::functions::{self, Events, HELLO, check_answer};
use crate::stack::Stack;

const COLD_RUNS: usize = 20;

#[derive(Serialize)]
pub struct ColdStarts {
    anchor: &'static str,
    anchors: Handshakes,
    functions: Vec<ColdStart>,
}

/// The cold start's parts measured alone (medians, ms).
#[derive(Serialize)]
struct Handshakes {
    postgres_ms: f64,
    redis_ms: f64,
    secrets_ms: f64,
}

/// One function's cold starts (medians, ms, unless said otherwise).
#[derive(Serialize)]
struct ColdStart {
    function: &'static str,
    runs: usize,
    median_ms: f64,
    p90_ms: f64,
    ratio_to_hello: Option<f64>,
    init_median_ms: f64,
    runtime_ready_ms: f64,
    secrets_ms: f64,
    postgres_ms: f64,
    redis_ms: f64,
    context_ms: f64,
    first_handler_ms: f64,
    secrets_read: Option<usize>,
    /// The aim: within 1.5x of hello's start plus the slowest bare handshake.
    ratio_to_aim_base: Option<f64>,
}

#[derive(Clone, Default)]
struct Samples {
    total: Vec<Duration>,
    init: Vec<Duration>,
    /// secrets, postgres, redis, the whole context load (ms), from the function's own log.
    parts: Vec<[f64; 4]>,
}

pub async fn measure(stack: &Stack, events: &Events) -> anyhow::Result<ColdStarts> {
    let names = functions::names();
    eprintln!("cold starts: {COLD_RUNS} runs of {}", names.join(", "));
    let mut samples: Vec<Samples> = vec![Samples::default(); names.len()];
    for _ in 0..COLD_RUNS {
        for (i, name) in names.iter().enumerate() {
            let event = events.for_function(name)?;
            let function = functions::spawn(stack, name).await?;
            let outcome = function.invoke(&event).await?;
            samples[i].total.push(function.started.elapsed());
            let polled = function.api.first_poll().context("answered without polling")?;
            samples[i].init.push(polled.saturating_duration_since(function.started));
            check_answer(name, outcome).with_context(|| function.output())?;
            if *name != HELLO {
                let parts = logged_parts(&function.output()).with_context(|| format!("{name} logged no cold start"))?;
                samples[i].parts.push(parts);
            }
            function.stop().await;
        }
    }
    let anchors = bare_handshakes(stack).await?;
    let hello_median = ms(percentile(&samples[0].total, 0.5));
    let slowest_handshake = anchors.postgres_ms.max(anchors.redis_ms);
    let median_of = |values: Vec<f64>| -> f64 {
        let mut v = values;
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let functions = names
        .iter()
        .zip(&samples)
        .map(|(name, s)| {
            let total = ms(percentile(&s.total, 0.5));
            let init = ms(percentile(&s.init, 0.5));
            let part = |k: usize| median_of(s.parts.iter().map(|p| p[k]).collect());
            let loading = part(3);
            ColdStart {
                function: name,
                runs: s.total.len(),
                median_ms: total,
                p90_ms: ms(percentile(&s.total, 0.9)),
                ratio_to_hello: ratio(total, hello_median),
                init_median_ms: init,
                runtime_ready_ms: ((init - loading).max(0.0) * 100.0).round() / 100.0,
                secrets_ms: part(0),
                postgres_ms: part(1),
                redis_ms: part(2),
                context_ms: loading,
                first_handler_ms: ((total - init) * 100.0).round() / 100.0,
                secrets_read: registry::find(name).map(|e| e.needs.secrets().len()),
                ratio_to_aim_base: ratio(total, hello_median + slowest_handshake),
            }
        })
        .collect();
    Ok(ColdStarts { anchor: HELLO, anchors, functions })
}

/// The parts of a cold start as the function logs them (`cold start` line of gpet-lambda).
fn logged_parts(output: &str) -> Option<[f64; 4]> {
    output.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).find_map(|line| {
        let f = &line["fields"];
        (f["message"] == "cold start").then(|| {
            let get = |k: &str| f[k].as_f64().unwrap_or_default();
            [get("secrets_ms"), get("postgres_ms"), get("redis_ms"), get("init_ms")]
        })
    })
}

/// The cold start's parts measured alone, the median of COLD_RUNS each: a TLS connection to
/// PostgreSQL with SCRAM authentication, a TLS connection to Redis with AUTH, and fetching
/// h5-me's three secrets at once from the local Secrets Manager API (a fresh SDK client each
/// time, as a cold start has).
async fn bare_handshakes(stack: &Stack) -> anyhow::Result<Handshakes> {
    let services = &stack.local.services;
    let (mut pg, mut redis, mut secrets) = (Vec::new(), Vec::new(), Vec::new());
    let arns: Vec<(Secret, String)> = [Secret::Database, Secret::Redis, Secret::Auth]
        .into_iter()
        .map(|s| (s, stack.started.secret_arns[&s].clone()))
        .collect();
    for _ in 0..COLD_RUNS {
        let started = Instant::now();
        let client = stack.connect().await?;
        pg.push(started.elapsed());
        drop(client);
        let started = Instant::now();
        let conn = services.redis().await?;
        redis.push(started.elapsed());
        drop(conn);
        let started = Instant::now();
        let sdk = services.aws().await;
        gpet::aws::fetch_secrets(&sdk, &arns).await?;
        secrets.push(started.elapsed());
    }
    Ok(Handshakes {
        postgres_ms: ms(percentile(&pg, 0.5)),
        redis_ms: ms(percentile(&redis, 0.5)),
        secrets_ms: ms(percentile(&secrets, 0.5)),
    })
}

impl ColdStarts {
    pub fn table(&self) -> Table {
        let mut table = Table::new(
            "a. Cold start in the production shape: spawn → first answer via the Runtime API emulator (release, ms, medians)",
        )
        .intro("   (the template's variables; secrets from the local Secrets Manager API; TLS to PostgreSQL and Redis)")
        .left("function", 24)
        .right("runs", 5);
        for header in ["total", "p90", "vs hello", "runtime", "secrets", "pg", "redis", "handler", "vs aim"] {
            table = table.right(header, 8);
        }
        for f in &self.functions {
            table.row([
                f.function.to_owned(),
                f.runs.to_string(),
                num(f.median_ms),
                num(f.p90_ms),
                times(f.ratio_to_hello),
                num(f.runtime_ready_ms),
                num(f.secrets_ms),
                num(f.postgres_ms),
                num(f.redis_ms),
                num(f.first_handler_ms),
                times(f.ratio_to_aim_base),
            ]);
        }
        let a = &self.anchors;
        table.note(format!(
            "alone, medians: PostgreSQL TLS handshake + SCRAM {} ms, Redis TLS handshake + AUTH {} ms, 3 secrets fetched {} ms",
            num(a.postgres_ms),
            num(a.redis_ms),
            num(a.secrets_ms)
        ));
        table.note(
            "(runtime: spawn → the context starts loading; pg and redis run at once; handler: first /next → answer; \
             vs aim: total / (hello + the slowest bare handshake), aim ≤ 1.5x)",
        );
        table
    }
}

//! d. GET /api/me and GET /_local/clock through the in-process local host at RATE_PER_SECOND
//!    for LOAD_SECONDS each, open loop, after a warm-up of each.

use serde::Serialize;

use crate::figures::{Table, num, ratio, times};
use crate::load::{OpenRoute, open_loop};
use crate::stack::Stack;

const RATE_PER_SECOND: u32 = 200;
const LOAD_SECONDS: u32 = 10;
const WARMUP_SECONDS: u32 = 1;

#[derive(Serialize)]
pub struct HttpLatency {
    rate_per_s: u32,
    seconds: u32,
    anchor: &'static str,
    routes: [OpenRoute; 2],
    ratio_p50: Option<f64>,
    ratio_p99: Option<f64>,
}

pub async fn measure(stack: &Stack) -> anyhow::Result<HttpLatency> {
    eprintln!("HTTP: {RATE_PER_SECOND} requests/s for {LOAD_SECONDS} s per route (open loop)");
    let (http, cookie) = (&stack.http, &stack.session_cookie);
    let me = stack.url("/api/me");
    let clock = stack.url("/_local/clock");
    for url in [&clock, &me] {
        open_loop(http, url, cookie, RATE_PER_SECOND, WARMUP_SECONDS).await;
    }
    let anchor = open_loop(http, &clock, cookie, RATE_PER_SECOND, LOAD_SECONDS).await;
    let measured = open_loop(http, &me, cookie, RATE_PER_SECOND, LOAD_SECONDS).await;
    Ok(HttpLatency {
        rate_per_s: RATE_PER_SECOND,
        seconds: LOAD_SECONDS,
        anchor: "GET /_local/clock",
        ratio_p50: ratio(measured.p(0.5), anchor.p(0.5)),
        ratio_p99: ratio(measured.p(0.99), anchor.p(0.99)),
        routes: [measured.figures("GET /api/me"), anchor.figures("GET /_local/clock")],
    })
}

impl HttpLatency {
    pub fn table(&self) -> Table {
        let mut table = Table::new(format!(
            "d. Local host latency, {} requests/s for {} s each, open loop (ms, from scheduled send)",
            self.rate_per_s, self.seconds
        ))
        .left("route", 20)
        .right("sent", 6)
        .right("ok", 6)
        .right("errors", 7)
        .right("p50", 9)
        .right("p99", 9)
        .right("max", 9);
        for r in &self.routes {
            table.row([
                r.route.clone(),
                r.sent.to_string(),
                r.ok.to_string(),
                r.errors.to_string(),
                num(r.p50_ms),
                num(r.p99_ms),
                num(r.max_ms),
            ]);
        }
        table.note(format!("/api/me vs /_local/clock: p50 {}  p99 {}", times(self.ratio_p50), times(self.ratio_p99)));
        table
    }
}

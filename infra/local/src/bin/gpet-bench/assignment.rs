//! h. ASSIGN_ROBOTS robots of ASSIGN_CAPACITY made through the console, the strategy saved to
//!    release everything at 00:00 with the highest display rate, ASSIGN_CONCURRENCY owners with
//!    a phone, each asking POST /api/robots/assign again as soon as answered, for
//!    ASSIGN_SECONDS after a warm-up; against GET /_local/clock the same way. Then the displays
//!    Redis counted beside the robots offered.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use crate::figures::{Table, ratio, same, times};
use crate::load::{ClosedRoute, REQUEST_TIMEOUT, Request, Target, closed_loop, failures};
use crate::stack::Stack;

/// Owners in flight (one each), robots and their capacity, and how long.
const ASSIGN_CONCURRENCY: usize = 50;
const ASSIGN_ROBOTS: usize = 20;
const ASSIGN_CAPACITY: u32 = 10_000;
const ASSIGN_SECONDS: u64 = 10;
const WARMUP_SECONDS: u64 = 1;

#[derive(Serialize)]
pub struct Assignment {
    concurrency: usize,
    seconds: u64,
    warmup_seconds: u64,
    robots: usize,
    capacity: u32,
    strategy: Value,
    anchor: &'static str,
    routes: [ClosedRoute; 2],
    answers_1200: usize,
    answers_other: usize,
    ratio_to_static: Option<f64>,
    ratio_p50: Option<f64>,
    displays_counted: i64,
    robots_offered: i64,
}

pub async fn measure(stack: &Stack) -> anyhow::Result<Assignment> {
    eprintln!("robot assignment: {ASSIGN_CONCURRENCY} owners in flight for {ASSIGN_SECONDS} s (closed loop)");
    let http = &stack.http;
    let admin = stack.operator_token().await?;
    let strategy = json!({"releases": [{"at": "00:00", "share_pct": 100}], "amount": 1, "display_rate": 20});
    stack.console(&admin, reqwest::Method::PUT, "/api/console/distribution", &strategy).await?;
    for i in 0..ASSIGN_ROBOTS {
        let wxid = format!("wxid_bench_robot_{i}");
        let robot = json!({"platform_id": format!("bench-{i}"), "wxid": wxid, "nickname": format!("小宠 {i}"),
                           "qr_code_url": format!("https://qr.example.cn/{wxid}.png"), "capacity": ASSIGN_CAPACITY});
        stack.console(&admin, reqwest::Method::POST, "/api/console/robots", &robot).await?;
    }
    let db = stack.ctx().db()?.client().await?;
    let mut tokens = Vec::with_capacity(ASSIGN_CONCURRENCY);
    for i in 0..ASSIGN_CONCURRENCY {
        let id: i64 = db
            .query_one(
                "INSERT INTO users (openid, nickname, invite_code, phone) VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    &format!("o_bench_owner_{i}"),
                    &format!("群主 {i}"),
                    &format!("BENCH{i:04}"),
                    &format!("1995000{i:04}"),
                ],
            )
            .await?
            .get("id");
        tokens.push(stack.session_token(&db, id).await?);
    }
    drop(db);

    let url = Arc::new(stack.url("/api/robots/assign"));
    let tokens = Arc::new(tokens);
    let assign = {
        let http = http.clone();
        move |worker: usize| -> Request {
            let request = http.post(url.as_str()).bearer_auth(&tokens[worker]).timeout(REQUEST_TIMEOUT).send();
            Box::pin(async move {
                let response =
                    request.await.map_err(|e| if e.is_timeout() { "timed out" } else { "no answer" }.to_owned())?;
                let status = response.status().as_u16();
                let answer: Value = response.json().await.map_err(|_| format!("HTTP {status}, not JSON"))?;
                let offered = answer["data"]["robots"].as_array().map_or(0, Vec::len);
                match answer["code"].as_i64() {
                    Some(1200) if offered == 1 => Ok(()),
                    Some(1200) => Err(format!("1200 with {offered} robots")),
                    Some(code) => Err(format!("HTTP {status}, code {code}")),
                    None => Err(format!("HTTP {status}, no code")),
                }
            })
        }
    };
    let clock = Target::clock(stack);
    let warm_up = Duration::from_secs(WARMUP_SECONDS);
    let length = Duration::from_secs(ASSIGN_SECONDS);
    closed_loop(ASSIGN_CONCURRENCY, warm_up, clock.request(http)).await;
    let warm_assigned = closed_loop(ASSIGN_CONCURRENCY, warm_up, assign.clone()).await;
    let anchor = closed_loop(ASSIGN_CONCURRENCY, length, clock.request(http)).await;
    let assigned = closed_loop(ASSIGN_CONCURRENCY, length, assign).await;

    let today = stack.ctx().clock.today();
    let displayed = gpet::robots::use_by_day(stack.ctx(), today, today).await?.get(&today).map_or(0, |u| u.displayed);
    let offered = (warm_assigned.ok() + assigned.ok()) as i64;
    let failures = failures([&warm_assigned, &assigned]);
    anyhow::ensure!(
        failures.is_empty(),
        "POST /api/robots/assign did not always answer 1200 with a robot ({offered} did): {failures:?}"
    );
    anyhow::ensure!(displayed == offered, "Redis counted {displayed} displays for {offered} robots offered");
    Ok(Assignment {
        concurrency: ASSIGN_CONCURRENCY,
        seconds: ASSIGN_SECONDS,
        warmup_seconds: WARMUP_SECONDS,
        robots: ASSIGN_ROBOTS,
        capacity: ASSIGN_CAPACITY,
        strategy,
        anchor: "GET /_local/clock",
        answers_1200: assigned.ok(),
        answers_other: assigned.errors(),
        ratio_to_static: ratio(assigned.per_second(), anchor.per_second()),
        ratio_p50: ratio(assigned.p50(), anchor.p50()),
        routes: [assigned.figures("POST /api/robots/assign"), anchor.figures("GET /_local/clock")],
        displays_counted: displayed,
        robots_offered: offered,
    })
}

impl Assignment {
    pub fn table(&self) -> Table {
        let mut table = ClosedRoute::table(
            format!(
                "h. Robot assignment, closed loop: {} owners in flight (one each) for {} s after {} s of warm-up; {} robots of capacity {}, strategy {}",
                self.concurrency, self.seconds, self.warmup_seconds, self.robots, self.capacity, self.strategy
            ),
            26,
            "other",
        );
        for r in &self.routes {
            table.row(r.cells());
        }
        table.note(format!(
            "assignments/s vs /_local/clock/s: {}   p50 vs /_local/clock p50: {}   answers: {} × 1200 with a robot, {} other",
            times(self.ratio_to_static),
            times(self.ratio_p50),
            self.answers_1200,
            self.answers_other
        ));
        table.note(format!(
            "cross-check: displays counted in Redis today {}, robots offered (warm-up + measured) {}: {}",
            self.displays_counted,
            self.robots_offered,
            same(self.displays_counted == self.robots_offered)
        ));
        table
    }
}

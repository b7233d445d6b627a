//! k. The dispatcher under the send governor: DISPATCH_ROBOTS robots with DISPATCH_GROUPS
//!    groups between them (made by SQL), DISPATCH_CAMPAIGNS ad campaigns made through the console
//!    for every group (DISPATCH_ROBOTS × … = 10,000 deliveries), sent by `deliveries::dispatch`
//!    runs of the campaign-dispatch job's deadline until none waits. Checked from the sandbox's
//!    record of what the platform received: every delivery exactly once, no gap of a robot below
//!    the minimum, no robot over its cap per minute or per day, no group over its daily cap.
//!    Runs start a minute apart and work for 90 s, as EventBridge and template.yaml run the job.
//!    Against the rate the caps allow: each robot one send per mean gap (the gaps are drawn
//!    uniformly in the range, and run from the previous send's answer), at most its cap a minute:
//!    the rate until every delivery is out (the robot with the longest random gaps finishes last)
//!    and the robots' own rates added up (each from its first send to its last).
//!    GPET_BENCH_GAP_MS=min-max (default 500-1000) sets the range: 3000-8000, the product's
//!    default, takes about 9 minutes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::DateTime;
use gpet::deliveries::{self, TaskKind};
use gpet::settings::RobotSettings;
use serde::Serialize;
use serde_json::json;

use crate::figures::{Table, num, ratio, same, secs, times};
use crate::stack::Stack;

const DISPATCH_ROBOTS: usize = 100;
const DISPATCH_GROUPS: usize = 2_000;
const DISPATCH_CAMPAIGNS: usize = 5;
/// What a run of campaign-dispatch may take (its Lambda timeout in template.yaml), and how often
/// one starts (its schedule).
const RUN_TIMEOUT: Duration = Duration::from_secs(90);
const RUN_EVERY: Duration = Duration::from_secs(60);

#[derive(Serialize)]
pub struct Dispatch {
    robots: usize,
    groups: usize,
    campaigns: usize,
    deliveries: usize,
    settings: RobotSettings,
    runs: usize,
    seconds: f64,
    sent_per_s: f64,
    /// The rate the governor's settings allow, all robots together.
    allowed_per_s: f64,
    ratio_to_allowed: Option<f64>,
    /// The robots' own rates added up, each from its first send to its last (without the wait
    /// for the last robot to finish its share).
    robots_own_per_s: f64,
    robots_own_ratio: Option<f64>,
    /// From the sandbox's record.
    recorded: usize,
    duplicates: usize,
    min_gap_ms: i64,
    gaps_below_min: usize,
    max_per_minute: usize,
    max_per_day: usize,
    max_per_group: usize,
}

fn gap_range() -> anyhow::Result<(u32, u32)> {
    let Some(v) = std::env::var("GPET_BENCH_GAP_MS").ok().filter(|v| !v.is_empty()) else { return Ok((500, 1_000)) };
    let (min, max) = v.split_once('-').context("GPET_BENCH_GAP_MS is min-max, e.g. 3000-8000")?;
    Ok((min.trim().parse()?, max.trim().parse()?))
}

pub async fn measure(stack: &Stack) -> anyhow::Result<Dispatch> {
    let (min, max) = gap_range()?;
    let settings = RobotSettings {
        send_gap_min_ms: min,
        send_gap_max_ms: max,
        per_minute: 100,
        per_day: 10_000,
        group_daily_cap: DISPATCH_CAMPAIGNS as u32,
        ..RobotSettings::default()
    };
    let deliveries = DISPATCH_GROUPS * DISPATCH_CAMPAIGNS;
    eprintln!(
        "dispatch: {deliveries} deliveries over {DISPATCH_ROBOTS} robots and {DISPATCH_GROUPS} groups, gaps {min}–{max} ms"
    );
    let db = stack.ctx().db()?.client().await?;
    db.execute(
        "INSERT INTO settings (key, value) VALUES ('robots', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&serde_json::to_value(&settings)?],
    )
    .await?;
    let owner: i64 = db
        .query_one(
            "INSERT INTO users (openid, nickname, invite_code) VALUES ('o_bench_dispatch', '群发群主', 'BENCHDSP') RETURNING id",
            &[],
        )
        .await?
        .get("id");
    db.execute(
        "INSERT INTO robots (platform_id, wxid, nickname, qr_code_url, capacity)
         SELECT 'dispatch-' || i, 'wxid_dispatch_' || i, '发送 ' || i, 'https://qr.example.cn/d' || i || '.png', 100
         FROM generate_series(1, $1::int) AS i",
        &[&(DISPATCH_ROBOTS as i32)],
    )
    .await?;
    db.execute(
        "INSERT INTO groups (group_wxid, name, robot_id, owner_id, state, state_at, member_count, member_count_at, joined_at, stars)
         SELECT 'g_dispatch_' || i || '@chatroom', '群 ' || i, r.id, $2, 'active', now(), 40, now(), now() - interval '2 days', 1
         FROM generate_series(1, $1::int) AS i
         JOIN robots r ON r.wxid = 'wxid_dispatch_' || (1 + (i - 1) % $3::int)",
        &[&(DISPATCH_GROUPS as i32), &owner, &(DISPATCH_ROBOTS as i32)],
    )
    .await?;
    drop(db);
    let admin = stack.operator_token().await?;
    let now = stack.ctx().clock.now_shanghai().to_rfc3339();
    for c in 0..DISPATCH_CAMPAIGNS {
        let campaign = json!({"name": format!("压测 {c}"), "content": {"kind": "text", "text": format!("压测广告 {c}")},
                              "min_stars": 1, "starts_at": now});
        stack.console(&admin, reqwest::Method::POST, "/api/console/campaigns", &campaign).await?;
    }

    // As EventBridge starts campaign-dispatch: a run every minute, each working for its 90 s
    // (the runs overlap: each robot's governor and each delivery's claim are shared).
    let started = Instant::now();
    let mut runs = 0;
    let mut in_flight = Vec::new();
    let left = || async {
        anyhow::Ok(
            stack
                .ctx()
                .db()?
                .client()
                .await?
                // Before the first run starts the campaigns, they have no deliveries yet.
                .query_one(
                    "SELECT (SELECT count(*) FROM deliveries WHERE state IN ('pending', 'sending'))
                          + (SELECT count(*) FROM campaigns WHERE state = 'scheduled') * $1 AS left",
                    &[&(DISPATCH_GROUPS as i64)],
                )
                .await?
                .get::<_, i64>("left"),
        )
    };
    loop {
        runs += 1;
        let ctx = stack.ctx().clone();
        in_flight.push(tokio::spawn(async move {
            deliveries::dispatch(&ctx, TaskKind::Campaign, gpet::Deadline::after(RUN_TIMEOUT)).await
        }));
        let next = started + RUN_EVERY * runs as u32;
        while Instant::now() < next && left().await? > 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let left = left().await?;
        eprintln!("  {runs} run(s) started, {left} deliveries left ({:.0} s)", started.elapsed().as_secs_f64());
        if left == 0 {
            break;
        }
        anyhow::ensure!(runs < 100, "the dispatch never finished");
    }
    let elapsed = started.elapsed();
    for run in in_flight {
        let report = run.await??;
        anyhow::ensure!(report.failed == 0, "deliveries failed: {report:?}");
    }

    // What the platform received, from its own record.
    let (status, sent) = {
        let response = stack.http.get(format!("{}/sandbox/robot/sent", stack.sandbox.base_url)).send().await?;
        (response.status(), response.json::<serde_json::Value>().await?)
    };
    anyhow::ensure!(status == 200, "the sandbox's record answered {status}");
    let items = sent["items"].as_array().context("the record lists items")?;
    let mut by_robot: HashMap<&str, Vec<i64>> = HashMap::new();
    let mut by_group: HashMap<&str, usize> = HashMap::new();
    let mut copies: HashMap<(&str, &str), usize> = HashMap::new();
    let mut recorded = 0;
    for item in items {
        let (Some(robot), Some(group), Some(text)) =
            (item["robot_wxid"].as_str(), item["to_group"].as_str(), item["content"]["text"].as_str())
        else {
            continue;
        };
        if !text.starts_with("压测广告") {
            continue;
        }
        recorded += 1;
        let at = DateTime::parse_from_rfc3339(item["at"].as_str().context("a sent message has its time")?)?;
        by_robot.entry(robot).or_default().push(at.timestamp_millis());
        *by_group.entry(group).or_default() += 1;
        *copies.entry((group, text)).or_default() += 1;
    }
    let duplicates = copies.values().filter(|n| **n > 1).count();
    let (mut min_gap, mut below, mut per_minute, mut per_day) = (i64::MAX, 0, 0, 0);
    // Each robot's own rate, from its first send to its last.
    let mut robot_rates: Vec<f64> = Vec::new();
    for times in by_robot.values_mut() {
        times.sort();
        per_day = per_day.max(times.len());
        if let (Some(first), Some(last)) = (times.first(), times.last())
            && last > first
        {
            robot_rates.push((times.len() - 1) as f64 * 1000.0 / (last - first) as f64);
        }
        for w in times.windows(2) {
            let gap = w[1] - w[0];
            min_gap = min_gap.min(gap);
            if gap < i64::from(min) {
                below += 1;
            }
        }
        let mut minutes: HashMap<i64, usize> = HashMap::new();
        for t in times.iter() {
            *minutes.entry(t / 60_000).or_default() += 1;
        }
        per_minute = per_minute.max(minutes.values().copied().max().unwrap_or(0));
    }
    let mean_gap_s = f64::from(min + max) / 2.0 / 1000.0;
    let per_robot_per_s = (1.0 / mean_gap_s).min(f64::from(settings.per_minute) / 60.0);
    let allowed = per_robot_per_s * DISPATCH_ROBOTS as f64;
    let achieved = recorded as f64 / elapsed.as_secs_f64();
    let steady = robot_rates.iter().sum::<f64>();
    anyhow::ensure!(recorded == deliveries, "the platform recorded {recorded} sends of {deliveries} deliveries");
    Ok(Dispatch {
        robots: DISPATCH_ROBOTS,
        groups: DISPATCH_GROUPS,
        campaigns: DISPATCH_CAMPAIGNS,
        deliveries,
        settings,
        runs,
        seconds: secs(elapsed),
        sent_per_s: (achieved * 100.0).round() / 100.0,
        allowed_per_s: (allowed * 100.0).round() / 100.0,
        ratio_to_allowed: ratio(achieved, allowed),
        robots_own_per_s: (steady * 100.0).round() / 100.0,
        robots_own_ratio: ratio(steady, allowed),
        recorded,
        duplicates,
        min_gap_ms: if min_gap == i64::MAX { 0 } else { min_gap },
        gaps_below_min: below,
        max_per_minute: per_minute,
        max_per_day: per_day,
        max_per_group: by_group.values().copied().max().unwrap_or(0),
    })
}

impl Dispatch {
    pub fn table(&self) -> Table {
        let s = &self.settings;
        let mut table = Table::new(format!(
            "k. Dispatch under the send governor: {} deliveries ({} campaigns × {} groups) over {} robots; gaps {}–{} ms, caps {}/min, {}/day, {} a group a day",
            self.deliveries,
            self.campaigns,
            self.groups,
            self.robots,
            s.send_gap_min_ms,
            s.send_gap_max_ms,
            s.per_minute,
            s.per_day,
            s.group_daily_cap
        ))
        .left("figure", 34)
        .right("value", 12);
        table.row(["runs of campaign-dispatch (a minute apart)".to_owned(), self.runs.to_string()]);
        table.row(["time, all delivered (s)".to_owned(), num(self.seconds)]);
        table.row(["sends/s the governor allows".to_owned(), num(self.allowed_per_s)]);
        table.row(["sends/s, all delivered".to_owned(), num(self.sent_per_s)]);
        table.row(["  / allowed".to_owned(), times(self.ratio_to_allowed)]);
        table.row(["sends/s, robots' own rates".to_owned(), num(self.robots_own_per_s)]);
        table.row(["  / allowed".to_owned(), times(self.robots_own_ratio)]);
        table.row(["shortest gap of a robot (ms)".to_owned(), self.min_gap_ms.to_string()]);
        table.row(["most sends of a robot in a minute".to_owned(), self.max_per_minute.to_string()]);
        table.row(["most sends of a robot in the day".to_owned(), self.max_per_day.to_string()]);
        table.row(["most messages of a group".to_owned(), self.max_per_group.to_string()]);
        table.note(format!(
            "checked from the platform's record: {} sends recorded of {} deliveries ({}), {} duplicated, {} gaps below {} ms, \
             per minute {} ≤ {}, per group {} ≤ {}",
            self.recorded,
            self.deliveries,
            same(self.recorded == self.deliveries),
            self.duplicates,
            self.gaps_below_min,
            s.send_gap_min_ms,
            self.max_per_minute,
            s.per_minute,
            self.max_per_group,
            s.group_daily_cap
        ));
        table
    }
}

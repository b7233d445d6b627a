//! Issue 16: robots that survive bans. Through the sandbox's faults (a robot banned, logged out,
//! silenced or rate-limited by the platform): a ban in the middle of a mass message, the
//! platform's risk control and the cool-down, a silent robot and its alert, the send governor's
//! gaps and caps, distribution of online robots only, quarantine, and an owner replacing a banned
//! robot — the group moved with its history, the outage protected and never counted toward a
//! cancellation, the protected income credited once.

use std::time::{Duration, Instant};

use chrono::DateTime;
use gpet::BusinessDay;
use gpet::operators::Role;
use gpet::queue::Queue;
use gpet::settings::RobotSettings;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::robot_event::{chat, joined};
use crate::helpers::{Cookies, TestApp};

async fn events(app: &TestApp, events: Value) {
    app.robot_events(events).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
}

/// Sets a robot's fault at the sandbox (`ban`, `logout`, `silence`, `rate_limit`, `none`) and
/// applies the events it made the platform send.
async fn fault(app: &TestApp, robot: &str, fault: &str) {
    let (status, answer) = app
        .sandbox_call(Method::POST, "/sandbox/robot/faults", Some(json!({"robot_wxid": robot, "fault": fault})))
        .await;
    assert_eq!(status, 200, "{answer}");
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
}

/// The platform's heartbeats of every robot it knows and that is not banned, logged out or
/// silenced, applied.
async fn heartbeats(app: &TestApp) -> Vec<String> {
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/robot/heartbeats", None).await;
    assert_eq!(status, 200, "{answer}");
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    answer["robots"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect()
}

/// What the sandbox's platform recorded as sent by `robot` (oldest first): (group, text, at).
async fn sent_by(app: &TestApp, robot: &str) -> Vec<(String, String, DateTime<chrono::FixedOffset>)> {
    let (_, sent) = app.sandbox_call(Method::GET, &format!("/sandbox/robot/sent?robot={robot}"), None).await;
    sent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["to_group"].as_str().unwrap_or_default().to_owned(),
                m["content"]["text"].as_str().unwrap_or_default().to_owned(),
                DateTime::parse_from_rfc3339(m["at"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// An owner paired with `robot`, with `n` active groups `{prefix}{i}` (30 members, joined a
/// minute ago): cookies, user id and the groups' ids.
async fn owner_with_groups(app: &TestApp, tag: &str, robot: &str, prefix: &str, n: usize) -> (Cookies, i64, Vec<i64>) {
    let wxid = format!("wxid_{tag}_owner");
    let (cookies, owner) = app.paired_owner(&format!("o_{tag}"), "13790000001", &wxid, robot, None).await;
    let at = (app.ctx.clock.now_shanghai() - chrono::Duration::minutes(1)).to_rfc3339();
    let joins: Vec<Value> = (0..n).map(|i| joined(robot, &format!("{prefix}{i}"), &wxid, 30, &at)).collect();
    events(app, json!(joins)).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let mut ids: Vec<i64> =
        groups["data"]["items"].as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids.len(), n, "{groups}");
    (cookies, owner, ids)
}

/// Quick gaps, so that a test's sends take seconds, not minutes.
fn quick() -> RobotSettings {
    RobotSettings { send_gap_min_ms: 200, send_gap_max_ms: 400, ..RobotSettings::default() }
}

#[tokio::test]
async fn a_ban_in_the_middle_of_a_mass_message_sends_nothing_twice_and_fails_the_rest_with_a_reason() {
    let app = TestApp::spawn().await;
    app.robot_settings(&quick()).await;
    let ops = app.console_token("ops_ban", Role::Admin).await;
    const ROBOT: &str = "wxid_robot_ban";
    app.register_robot(&ops, ROBOT, 20).await;
    let (cookies, _, ids) = owner_with_groups(&app, "ban", ROBOT, "g_ban_", 6).await;
    let text = "周六领养日，欢迎参加";
    let (status, task) = app
        .h5_post("/api/broadcasts", &cookies, json!({"content": {"kind": "text", "text": text}, "group_ids": ids}))
        .await;
    assert_eq!(status, 200, "{task}");

    // WeChat bans the robot after its second send of the message.
    let ban_after_two = async {
        for _ in 0..400 {
            if sent_by(&app, ROBOT).await.iter().filter(|(_, t, _)| t == text).count() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (status, answer) = app
            .sandbox_call(Method::POST, "/sandbox/robot/faults", Some(json!({"robot_wxid": ROBOT, "fault": "ban"})))
            .await;
        assert_eq!(status, 200, "{answer}");
    };
    let (report, _) = tokio::join!(app.run_job("broadcast-dispatch"), ban_after_two);
    let sent_before = report["sent"].as_u64().unwrap();
    assert!((2..=3).contains(&sent_before), "{report}");
    assert_eq!(report["deferred"], 1, "the send the platform refused waits: {report}");

    // The platform's robot_offline event arrives: the robot is banned, its owner reads why, and
    // the next run fails what waits with the reason (nothing sent again).
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    let (_, group) = app.get(&format!("/api/groups/{}", ids[5]), &cookies).await;
    assert_eq!(
        (group["data"]["robot_health"].as_str(), group["data"]["robot_issue"].as_str()),
        (Some("banned"), Some("机器人已被微信封禁")),
        "{group}"
    );
    let report = app.run_job("broadcast-dispatch").await;
    assert_eq!((report["sent"].as_u64(), report["banned"].as_u64()), (Some(0), Some(6 - sent_before)), "{report}");
    let sent = sent_by(&app, ROBOT).await;
    let copies: Vec<usize> = (0..6)
        .map(|i| {
            let group = format!("g_ban_{i}");
            sent.iter().filter(|(g, t, _)| *g == group && t == text).count()
        })
        .collect();
    assert!(copies.iter().all(|n| *n <= 1), "a group got the message twice: {copies:?}");
    assert_eq!(copies.iter().sum::<usize>() as u64, sent_before);
    let (_, list) = app.get("/api/broadcasts", &cookies).await;
    let task = &list["data"]["items"][0];
    assert_eq!(task["state"], "done", "{task}");
    let targets = task["targets"].as_array().unwrap();
    let failed: Vec<&Value> = targets.iter().filter(|t| t["state"] == "failed").collect();
    assert_eq!(failed.len() as u64, 6 - sent_before, "{task}");
    assert!(failed.iter().all(|t| t["reason"] == gpet::deliveries::REASON_BANNED), "{task}");
    assert_eq!(targets.iter().filter(|t| t["state"] == "sent").count() as u64, sent_before);
}

#[tokio::test]
async fn a_risk_control_refusal_pauses_the_robot_and_its_sends_resume_after_the_cool_down() {
    let app = TestApp::spawn().await;
    app.robot_settings(&RobotSettings { cooldown_base_secs: 2, cooldown_max_secs: 8, ..quick() }).await;
    let ops = app.console_token("ops_rl", Role::Admin).await;
    const ROBOT: &str = "wxid_robot_rl";
    app.register_robot(&ops, ROBOT, 20).await;
    let (cookies, _, ids) = owner_with_groups(&app, "rl", ROBOT, "g_rl_", 3).await;
    let text = "本周驱虫提醒";
    let (status, task) = app
        .h5_post("/api/broadcasts", &cookies, json!({"content": {"kind": "text", "text": text}, "group_ids": ids}))
        .await;
    assert_eq!(status, 200, "{task}");

    fault(&app, ROBOT, "rate_limit").await;
    let report = app.run_job("broadcast-dispatch").await;
    let refused_at = Instant::now();
    assert_eq!((report["sent"].as_u64(), report["deferred"].as_u64()), (Some(0), Some(1)), "{report}");
    assert_eq!(app.count("SELECT count(*) FROM deliveries WHERE state = 'pending'").await, 3, "all wait");
    let (_, robots) = app.console(Method::GET, "/api/console/robots", &ops, None).await;
    let robot = &robots["data"]["items"][0];
    assert!(robot["paused_until"].is_string(), "the console shows the pause: {robot}");
    assert_eq!(robot["risk_events"][0]["kind"], "rate_limited", "{robot}");
    assert_eq!(robot["risk_events"][0]["detail"], "平台风控拒绝发送，暂停 2 秒", "{robot}");

    // A second refusal in a row doubles the pause.
    let report = app.run_job("broadcast-dispatch").await;
    assert_eq!((report["sent"].as_u64(), report["deferred"].as_u64()), (Some(0), Some(1)), "{report}");
    let (_, robots) = app.console(Method::GET, "/api/console/robots", &ops, None).await;
    assert_eq!(robots["data"]["items"][0]["risk_events"][0]["detail"], "平台风控拒绝发送，暂停 4 秒");
    let second_refusal = Instant::now();

    // The platform lifts it: the robot waits out its cool-down, then sends each group once.
    fault(&app, ROBOT, "none").await;
    let report = app.run_job("broadcast-dispatch").await;
    assert_eq!(report["sent"], 3, "{report}");
    assert!(second_refusal.elapsed() >= Duration::from_secs(4), "the run waited out the cool-down");
    assert!(refused_at.elapsed() >= Duration::from_secs(4));
    let sent = sent_by(&app, ROBOT).await;
    for i in 0..3 {
        let group = format!("g_rl_{i}");
        assert_eq!(sent.iter().filter(|(g, t, _)| *g == group && t == text).count(), 1, "{group}: {sent:?}");
    }
    // The accepted send ended the cool-down: the next refusal pauses 2 s again.
    let (_, robots) = app.console(Method::GET, "/api/console/robots", &ops, None).await;
    assert!(robots["data"]["items"][0]["paused_until"].is_null(), "{robots}");
}

#[tokio::test]
async fn a_silent_robot_is_not_offered_its_offer_is_replaced_and_the_alerts_go_out_once() {
    let app = TestApp::spawn().await;
    app.robot_settings(&RobotSettings { silent_after_secs: 5, ..quick() }).await;
    let ops = app.console_token("ops_silent", Role::Admin).await;
    app.register_robot(&ops, "wxid_robot_quiet", 10).await;
    app.register_robot(&ops, "wxid_robot_lively", 5).await;
    // The platform knows both robots (a fault of none says so) and hears their heartbeats.
    fault(&app, "wxid_robot_quiet", "none").await;
    fault(&app, "wxid_robot_lively", "none").await;
    let beating = heartbeats(&app).await;
    assert!(beating.contains(&"wxid_robot_quiet".to_owned()) && beating.contains(&"wxid_robot_lively".to_owned()));

    // An owner is offered the quiet robot (the first registered, nothing displayed yet).
    let cookies = app.logged_in("o_silent").await;
    app.bind_phone(&cookies, "13790000002").await;
    let (status, offer) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    assert_eq!(status, 200, "{offer}");
    assert_eq!(offer["data"]["robots"][0]["robot_wxid"], "wxid_robot_quiet");

    // It falls silent: heartbeats stop for it, not for the other.
    fault(&app, "wxid_robot_quiet", "silence").await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(heartbeats(&app).await, ["wxid_robot_lively"]);
    let report = app.run_job("robot-health").await;
    assert_eq!(report["changed"], 1, "{report}");
    // Its alert, and the healthy capacity's (5 free places of 15 is under the 50% of the setting).
    assert_eq!(report["alerts"], 2, "{report}");
    let report = app.run_job("robot-health").await;
    assert_eq!((report["changed"].as_u64(), report["alerts"].as_u64()), (Some(0), Some(0)), "once: {report}");
    let subjects = app.mail_subjects().await;
    assert_eq!(subjects.iter().filter(|s| s.starts_with("[gpet] 机器人无心跳：")).count(), 1, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| *s == "[gpet] 可用机器人容量不足").count(), 1, "{subjects:?}");
    let (_, robots) = app.console(Method::GET, "/api/console/robots", &ops, None).await;
    let health: Vec<(&str, &str)> = robots["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["wxid"].as_str().unwrap(), r["health"].as_str().unwrap()))
        .collect();
    assert_eq!(health, [("wxid_robot_quiet", "silent"), ("wxid_robot_lively", "online")]);
    assert_eq!(robots["data"]["items"][0]["risk_events"][0]["kind"], "silent");

    // The owner's page takes the offer back and offers the lively robot instead.
    let (_, offers) = app.get("/api/robots/offers", &cookies).await;
    assert_eq!(offers["data"]["withdrawn"][0]["nickname"], "小宠 wxid_robot_quiet", "{offers}");
    assert_eq!(offers["data"]["withdrawn"][0]["reason"], "机器人暂无响应，可能已掉线");
    let offered: Vec<&str> =
        offers["data"]["robots"].as_array().unwrap().iter().map(|r| r["robot_wxid"].as_str().unwrap()).collect();
    assert_eq!(offered, ["wxid_robot_lively"], "{offers}");
    // Its old code pairs no more.
    let old_code = offer["data"]["robots"][0]["pairing_code"].as_str().unwrap();
    events(&app, json!([{"type": "friend_added", "robot_wxid": "wxid_robot_quiet", "user_wxid": "wxid_o_silent", "text": old_code}]))
        .await;
    assert_eq!(app.count("SELECT count(*) FROM owner_wxids WHERE wxid = 'wxid_o_silent'").await, 0);

    // Back: heartbeats again, online, no new alert.
    fault(&app, "wxid_robot_quiet", "none").await;
    heartbeats(&app).await;
    let report = app.run_job("robot-health").await;
    assert_eq!((report["changed"].as_u64(), report["alerts"].as_u64()), (Some(1), Some(0)), "{report}");
}

#[tokio::test]
async fn the_governor_gives_one_turn_at_a_time_after_a_random_gap_keeps_its_caps_and_cools_down_exponentially() {
    use gpet::governor::{self, Answered, Turn};
    let app = TestApp::spawn().await;
    let ctx = &app.ctx;
    let settings = RobotSettings {
        send_gap_min_ms: 1_000,
        send_gap_max_ms: 2_000,
        cooldown_base_secs: 10,
        cooldown_max_secs: 25,
        ..RobotSettings::default()
    };
    let none = Duration::ZERO;
    // One send at a time: while a turn is out, no other sender gets one.
    assert_eq!(governor::turn(ctx, &settings, 77, none).await.unwrap(), Turn::Now);
    assert_eq!(governor::turn(ctx, &settings, 77, Duration::from_millis(300)).await.unwrap(), Turn::NotInTime);
    // Answered: the next turn is a random 1–2 s after the answer.
    governor::finished(ctx, &settings, 77, Answered::Accepted).await.unwrap();
    let wait = governor::wait_for(ctx, &settings, 77).await.unwrap().unwrap();
    assert!((Duration::from_millis(950)..=Duration::from_millis(2_000)).contains(&wait), "{wait:?}");
    let asked = Instant::now();
    assert_eq!(governor::turn(ctx, &settings, 77, Duration::from_secs(3)).await.unwrap(), Turn::Now);
    assert!(asked.elapsed() + Duration::from_millis(60) >= wait, "the turn came after the gap");
    // A turn given back unused is not counted, and the robot's time is as it was.
    governor::give_back(ctx, 77).await.unwrap();
    assert_eq!(governor::state(ctx, &[77]).await.unwrap()[&77].sends_today, 1);
    assert_eq!(governor::turn(ctx, &settings, 77, none).await.unwrap(), Turn::Now, "the given-back turn is free");
    // Gaps drawn over many sends are spread over the range, not fixed.
    let draws: std::collections::BTreeSet<u128> = (0..50).map(|_| governor::draw_gap(&settings).as_millis()).collect();
    assert!(draws.len() > 10 && draws.iter().all(|g| (1_000..=2_000).contains(g)), "{draws:?}");

    // Caps: 3 a minute, then nothing until the next minute; 2 a day, then the day is spent.
    let quick = RobotSettings { send_gap_min_ms: 100, send_gap_max_ms: 101, per_minute: 3, ..settings.clone() };
    let minute = || chrono::Utc::now().timestamp() / 60;
    let mut tries = 0;
    loop {
        tries += 1;
        let robot = 100 + tries;
        let first = minute();
        for _ in 0..3 {
            assert_eq!(governor::turn(ctx, &quick, robot, Duration::from_secs(1)).await.unwrap(), Turn::Now);
            governor::finished(ctx, &quick, robot, Answered::Accepted).await.unwrap();
        }
        let fourth = governor::turn(ctx, &quick, robot, Duration::from_secs(1)).await.unwrap();
        if minute() != first && tries < 3 {
            continue; // the minute turned during the try: try again in the new one
        }
        assert_eq!(fourth, Turn::NotInTime, "the fourth send of a minute waits for the next minute");
        break;
    }
    let daily = RobotSettings { per_day: 2, ..quick.clone() };
    for _ in 0..2 {
        assert_eq!(governor::turn(ctx, &daily, 90, Duration::from_secs(1)).await.unwrap(), Turn::Now);
        governor::finished(ctx, &daily, 90, Answered::Accepted).await.unwrap();
    }
    assert_eq!(governor::turn(ctx, &daily, 90, Duration::from_secs(1)).await.unwrap(), Turn::DaySpent);
    assert_eq!(governor::wait_for(ctx, &daily, 90).await.unwrap(), None);

    // Risk control: 10 s, 20 s, then the 25 s cap; an accepted send resets it.
    let mut pauses = Vec::new();
    for _ in 0..3 {
        pauses.push(governor::finished(ctx, &settings, 78, Answered::RiskRefused).await.unwrap().as_secs());
    }
    assert_eq!(pauses, [10, 20, 25]);
    let paused = governor::wait_for(ctx, &settings, 78).await.unwrap().unwrap();
    assert!(paused > Duration::from_secs(24), "{paused:?}");
    governor::finished(ctx, &settings, 78, Answered::Accepted).await.unwrap();
    assert_eq!(governor::finished(ctx, &settings, 78, Answered::RiskRefused).await.unwrap().as_secs(), 10);
    assert!(governor::state(ctx, &[78]).await.unwrap()[&78].paused_until.is_some());
}

#[tokio::test]
async fn a_group_receives_at_most_its_daily_cap_of_mass_messages_and_the_rest_go_the_next_day() {
    let app = TestApp::spawn().await;
    app.robot_settings(&RobotSettings { group_daily_cap: 1, ..quick() }).await;
    let ops = app.console_token("ops_cap", Role::Admin).await;
    const ROBOT: &str = "wxid_robot_cap";
    app.register_robot(&ops, ROBOT, 20).await;
    let (cookies, _, ids) = owner_with_groups(&app, "cap", ROBOT, "g_cap_", 1).await;
    for text in ["第一条", "第二条"] {
        let (status, task) = app
            .h5_post("/api/broadcasts", &cookies, json!({"content": {"kind": "text", "text": text}, "group_ids": ids}))
            .await;
        assert_eq!(status, 200, "{task}");
        app.ctx.clock.set_offset(app.ctx.clock.offset() + chrono::Duration::minutes(1));
    }
    let report = app.run_job("broadcast-dispatch").await;
    assert_eq!(report["sent"], 1, "{report}");
    assert_eq!(app.count("SELECT count(*) FROM deliveries WHERE state = 'pending'").await, 1, "the second waits");
    app.ctx.clock.set_offset(app.ctx.clock.offset() + chrono::Duration::days(1));
    let report = app.run_job("broadcast-dispatch").await;
    assert_eq!(report["sent"], 1, "the next day: {report}");
    let texts: Vec<String> =
        sent_by(&app, ROBOT).await.into_iter().map(|(_, t, _)| t).filter(|t| t.starts_with("第")).collect();
    assert_eq!(texts, ["第一条", "第二条"]);
}

#[tokio::test]
async fn a_quarantined_robot_is_kept_out_of_use_and_its_owners_see_why_until_it_is_released() {
    let app = TestApp::spawn().await;
    let ops = app.console_token("ops_q", Role::Admin).await;
    const ROBOT: &str = "wxid_robot_q";
    app.register_robot(&ops, ROBOT, 20).await;
    let (cookies, _, ids) = owner_with_groups(&app, "q", ROBOT, "g_q_", 1).await;
    let robot_id = app.count("SELECT id FROM robots WHERE wxid = 'wxid_robot_q'").await;
    let finance = app.console_token("caiwu_q", Role::Finance).await;
    let path = format!("/api/console/robots/{robot_id}/quarantine");
    let (status, _) = app.console(Method::POST, &path, &finance, Some(json!({"reason": "检查"}))).await;
    assert_eq!(status, 403, "finance does not run robots");
    let (status, bad) = app.console(Method::POST, &path, &ops, Some(json!({"reason": "  "}))).await;
    assert_eq!((status, bad["code"].as_i64()), (400, Some(1403)), "{bad}");
    let (status, robot) = app.console(Method::POST, &path, &ops, Some(json!({"reason": "疑似被限制，人工检查"}))).await;
    assert_eq!(status, 200, "{robot}");
    assert_eq!(
        (robot["data"]["health"].as_str(), robot["data"]["health_reason"].as_str()),
        (Some("quarantined"), Some("疑似被限制，人工检查"))
    );
    assert_eq!(robot["data"]["risk_events"][0]["kind"], "quarantined");
    let (status, again) = app.console(Method::POST, &path, &ops, Some(json!({"reason": "再来"}))).await;
    assert_eq!(status, 400, "{again}");
    let (_, group) = app.get(&format!("/api/groups/{}", ids[0]), &cookies).await;
    assert_eq!(group["data"]["robot_issue"], "机器人维护中", "{group}");
    assert!(group["data"]["outage_since"].is_string(), "{group}");
    let (status, refused) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    assert_eq!((status, refused["code"].as_i64()), (422, Some(1600)), "not offered: {refused}");
    // A page past the last one is empty, not an error (the governor has no robot to read).
    let (status, beyond) = app.console(Method::GET, "/api/console/robots?page=99&page_size=1", &ops, None).await;
    assert_eq!((status, beyond["data"]["items"].as_array().map(Vec::len)), (200, Some(0)), "{beyond}");
    let (_, audit) = app.console(Method::GET, "/api/console/audit-log", &ops, None).await;
    assert_eq!(audit["data"]["items"][0]["action"], "robot.quarantine", "{audit}");

    let (status, robot) =
        app.console(Method::POST, &format!("/api/console/robots/{robot_id}/release"), &ops, None).await;
    assert_eq!((status, robot["data"]["health"].as_str()), (200, Some("online")), "{robot}");
    let (_, group) = app.get(&format!("/api/groups/{}", ids[0]), &cookies).await;
    assert!(group["data"]["robot_issue"].is_null() && group["data"]["outage_since"].is_null(), "{group}");
    assert_eq!(app.count("SELECT count(*) FROM group_outages WHERE ended_at IS NOT NULL").await, 1);
}

fn at(day: BusinessDay, time: &str) -> String {
    format!("{day}T{time}+08:00")
}

/// Sets the business clock to `time` (Beijing) of `day`.
fn clock(app: &TestApp, day: BusinessDay, time: &str) {
    app.ctx.clock.set_now(DateTime::parse_from_rfc3339(&at(day, time)).unwrap().with_timezone(&chrono::Utc));
}

#[tokio::test]
async fn an_owner_replaces_a_banned_robot_and_the_group_keeps_its_history_stars_and_protected_income() {
    let app = TestApp::spawn().await;
    let ops = app.console_token("ops_swap", Role::Admin).await;
    const OLD: &str = "wxid_robot_old";
    const NEW: &str = "wxid_robot_new";
    app.register_robot(&ops, OLD, 20).await;
    app.register_robot(&ops, NEW, 20).await;
    let owner_wxid = "wxid_swap_owner";
    let (cookies, owner) = app.paired_owner("o_swap", "13790000003", owner_wxid, OLD, None).await;
    let d0 = app.ctx.clock.today();
    let (d1, d2, d3, d4) = (d0.succ(), d0.succ().succ(), d0.succ().succ().succ(), d0.succ().succ().succ().succ());
    // g_swap chats its way to 3★ on D0; g_still (same robot) and g_quiet (the healthy robot) never chat.
    events(
        &app,
        json!([
            joined(OLD, "g_swap", owner_wxid, 30, &at(d0, "00:05:00")),
            joined(OLD, "g_still", owner_wxid, 30, &at(d0, "00:05:00")),
            joined(NEW, "g_quiet", owner_wxid, 30, &at(d0, "00:05:00")),
        ]),
    )
    .await;
    events(&app, json!(chat(OLD, "g_swap", 60, &at(d0, "00:10:00")))).await;
    clock(&app, d1, "00:30:00");
    app.run_job("group-rating").await;
    let group_id = app.count("SELECT id FROM groups WHERE group_wxid = 'g_swap'").await;
    let (_, group) = app.get(&format!("/api/groups/{group_id}"), &cookies).await;
    assert_eq!(group["data"]["stars"], 3, "{group}");

    // D1: five sessions in the morning, then WeChat bans the robot at 10:00.
    events(&app, json!(chat(OLD, "g_swap", 5, &at(d1, "09:00:00")))).await;
    clock(&app, d1, "10:00:00");
    fault(&app, OLD, "ban").await;
    let (_, group) = app.get(&format!("/api/groups/{group_id}"), &cookies).await;
    assert_eq!(
        (
            group["data"]["robot_health"].as_str(),
            group["data"]["robot_issue"].as_str(),
            group["data"]["protected_stars"].as_i64()
        ),
        (Some("banned"), Some("机器人已被微信封禁"), Some(3)),
        "{group}"
    );
    // Since the platform's word, stamped with the stack's business clock.
    let since = DateTime::parse_from_rfc3339(group["data"]["outage_since"].as_str().unwrap()).unwrap();
    let ban = DateTime::parse_from_rfc3339(&at(d1, "10:00:00")).unwrap();
    assert!((since - ban).num_seconds().abs() <= 5, "the outage began at the ban, business time: {since}");

    // The owner taps 更换机器人 at 10:30: the healthy robot with a pairing code.
    clock(&app, d1, "10:30:00");
    let (status, replaced) = app.h5_post(&format!("/api/groups/{group_id}/replace-robot"), &cookies, json!(null)).await;
    assert_eq!(status, 200, "{replaced}");
    let replacement = &replaced["data"]["replacement"];
    assert_eq!((replacement["robot_wxid"].as_str(), replacement["by_operators"].as_bool()), (Some(NEW), Some(false)));
    let code = replacement["pairing_code"].as_str().unwrap().to_owned();
    // Tapped again, the same replacement.
    let (_, again) = app.h5_post(&format!("/api/groups/{group_id}/replace-robot"), &cookies, json!(null)).await;
    assert_eq!(again["data"]["replacement"]["pairing_code"], code.as_str());
    // Operators prepare replacements for every group of the banned robot: g_still gets one.
    let old_id = app.count("SELECT id FROM robots WHERE wxid = 'wxid_robot_old'").await;
    let (status, bulk) =
        app.console(Method::POST, &format!("/api/console/robots/{old_id}/replacements"), &ops, None).await;
    assert_eq!(status, 200, "{bulk}");
    assert_eq!((bulk["data"]["groups"].as_u64(), bulk["data"]["prepared"].as_u64()), (Some(2), Some(2)), "{bulk}");
    let still_id = app.count("SELECT id FROM groups WHERE group_wxid = 'g_still'").await;
    let (_, still) = app.get(&format!("/api/groups/{still_id}"), &cookies).await;
    assert_eq!(still["data"]["replacement"]["by_operators"], true, "{still}");

    // 20:00: the owner adds the new robot with the code and pulls it into the group.
    clock(&app, d1, "20:00:00");
    events(
        &app,
        json!([{"type": "friend_added", "robot_wxid": NEW, "user_wxid": owner_wxid, "text": code,
                         "at": at(d1, "20:00:00")}]),
    )
    .await;
    events(&app, json!([joined(NEW, "g_swap", owner_wxid, 31, &at(d1, "20:01:00"))])).await;
    let (_, group) = app.get(&format!("/api/groups/{group_id}"), &cookies).await;
    let g = &group["data"];
    assert_eq!(
        (
            g["id"].as_i64(),
            g["robot_wxid"].as_str(),
            g["state"].as_str(),
            g["stars"].as_i64(),
            g["robot_health"].as_str()
        ),
        (Some(group_id), Some(NEW), Some("active"), Some(3), Some("online")),
        "the same group, moved with its stars: {group}"
    );
    assert!(g["replacement"].is_null() && g["outage_since"].is_null(), "{group}");
    let history: Vec<i64> = g["history"].as_array().unwrap().iter().map(|d| d["sessions"].as_i64().unwrap()).collect();
    assert_eq!(history[history.len() - 2..], [60, 5], "its history: {history:?}");
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE group_wxid = 'g_swap'").await, 1);
    // The new robot greets the group; the banned one could not be asked to leave.
    assert!(sent_by(&app, NEW).await.iter().any(|(g, t, _)| g == "g_swap" && t.contains("新机器人已接替本群")));
    // A left_group of the old robot no longer touches the moved group.
    events(&app, json!([crate::helpers::robot_event::left(OLD, "g_swap", &at(d1, "20:05:00"))])).await;
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE group_wxid = 'g_swap' AND state = 'active'").await, 1);

    // D2 00:30: D1 is rated 2★ (5 sessions) with 10 h out: protected at 3★. D2 and D3 pass.
    clock(&app, d2, "00:30:00");
    app.run_job("group-rating").await;
    let row = app
        .db()
        .await
        .query_one(
            "SELECT stars, outage_secs, protected_stars FROM group_daily WHERE group_id = $1 AND day = $2",
            &[&group_id, &d1.date()],
        )
        .await
        .unwrap();
    // Out from the ban (about 10:00) to the move (20:01).
    let outage: i32 = row.get("outage_secs");
    assert!((36_050..=36_065).contains(&outage), "{outage}");
    assert_eq!((row.get::<_, Option<i16>>("stars"), row.get::<_, Option<i16>>("protected_stars")), (Some(2), Some(3)));
    let day1 = format!("/api/console/settlements/{d1}/run");
    for _ in 0..2 {
        let (status, run) = app.console(Method::POST, &day1, &ops, None).await;
        assert_eq!((status, run["data"]["state"].as_str()), (200, Some("done")), "{run}");
        assert_eq!(
            (run["data"]["group_income_fen"].as_i64(), run["data"]["protected_income_fen"].as_i64()),
            (Some(10), Some(20)),
            "{run}"
        );
    }
    // 保障收益: once, to the owner, beside the 2★ income: together the 3★ income.
    let credited: Vec<(String, i64)> = app
        .db()
        .await
        .query(
            "SELECT e.kind, e.amount_fen FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
             WHERE a.user_id = $1 AND e.group_id = $2 AND e.day = $3 ORDER BY e.kind",
            &[&owner, &group_id, &d1.date()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("kind"), r.get("amount_fen")))
        .collect();
    assert_eq!(credited, [("group_income".to_owned(), 10), ("protected_income".to_owned(), 20)]);
    let (_, flows) = app.get("/api/account/flows", &cookies).await;
    assert!(
        flows["data"]["items"].as_array().unwrap().iter().any(|f| f["title"] == "保障收益" && f["amount_fen"] == 20),
        "{flows}"
    );

    for day in [d3, d4] {
        clock(&app, day, "00:30:00");
        app.run_job("group-rating").await;
    }
    // D1–D3: g_still's robot was out every day, which never counts toward 会话不足; g_quiet, on a
    // healthy robot, had three whole days without a session and is cancelled.
    let states: Vec<(String, String)> = app
        .db()
        .await
        .query(
            "SELECT group_wxid, state FROM groups WHERE group_wxid IN ('g_still', 'g_quiet') ORDER BY group_wxid",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("group_wxid"), r.get("state")))
        .collect();
    assert_eq!(states, [("g_quiet".to_owned(), "cancelled".to_owned()), ("g_still".to_owned(), "active".to_owned())]);
    app.assert_books_balance().await;
}

//! Issue 13's findings on ownership, payouts and cost: a mass message never goes to a group's
//! next owner, settlement pays the owner of the settled day, a payout fails only on WeChat Pay's
//! verified word (and stale notifications are refused), and the limits on what one owner, phone
//! or address can cost us (SMS, keywords, mass messages, the withdrawals export).

use std::collections::BTreeMap;

use chrono::Duration;
use gpet::BusinessDay;
use gpet::operators::Role;
use gpet::queue::Queue;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::robot_event::{chat, joined, left};
use crate::helpers::{Cookies, TestApp};

const ROBOT: &str = "wxid_robot_own";

fn at(day: BusinessDay, time: &str) -> String {
    format!("{day}T{time}+08:00")
}

async fn events(app: &TestApp, events: Value) {
    app.robot_events(events).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
}

/// Two owners paired with one robot: A and B.
async fn two_owners(app: &TestApp, tag: &str) -> ((Cookies, i64), (Cookies, i64)) {
    let ops = app.console_token("ops_own", Role::Admin).await;
    app.register_robot(&ops, ROBOT, 10).await;
    let a = app.paired_owner(&format!("o_{tag}_a"), "13730000001", &format!("wxid_{tag}_a"), ROBOT, None).await;
    let b = app.paired_owner(&format!("o_{tag}_b"), "13730000002", &format!("wxid_{tag}_b"), ROBOT, None).await;
    (a, b)
}

async fn sent_texts(app: &TestApp, group: &str) -> Vec<String> {
    let (_, sent) = app.sandbox_call(Method::GET, &format!("/sandbox/robot/sent?group={group}"), None).await;
    sent["items"].as_array().unwrap().iter().filter_map(|m| m["content"]["text"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_mass_message_is_not_sent_to_a_group_that_another_owner_joined_the_robot_to_since() {
    let app = TestApp::spawn().await;
    let ((cookies, _), _) = two_owners(&app, "bc").await;
    let now = app.ctx.clock.now_shanghai();
    let t = |minutes: i64| (now - Duration::minutes(minutes)).to_rfc3339();
    events(
        &app,
        json!([joined(ROBOT, "g_moved", "wxid_bc_a", 30, &t(180)), joined(ROBOT, "g_kept", "wxid_bc_a", 30, &t(180))]),
    )
    .await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let ids: Vec<i64> = groups["data"]["items"].as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{groups}");
    let content = json!({"kind": "text", "text": "A 的群发：周末聚会"});
    let (status, task) = app.h5_post("/api/broadcasts", &cookies, json!({"content": content, "group_ids": ids})).await;
    assert_eq!(status, 200, "{task}");

    // Before it goes out, the robot is removed from g_moved and B, its new owner, pulls it back in.
    events(&app, json!([left(ROBOT, "g_moved", &t(2))])).await;
    events(&app, json!([joined(ROBOT, "g_moved", "wxid_bc_b", 30, &t(1))])).await;
    let b_owns = "SELECT count(*) FROM groups g JOIN users u ON u.id = g.owner_id
                  WHERE g.group_wxid = 'g_moved' AND g.state = 'active' AND u.openid = 'o_bc_b'";
    assert_eq!(app.count(b_owns).await, 1, "g_moved is B's now");

    let report = app.run_job("broadcast-dispatch").await;
    assert_eq!((report["sent"].as_i64(), report["failed"].as_i64()), (Some(1), Some(1)), "{report}");
    assert!(sent_texts(&app, "g_moved").await.iter().all(|t| !t.contains("A 的群发")), "B's group got A's message");
    assert!(sent_texts(&app, "g_kept").await.iter().any(|t| t.contains("A 的群发")));
    // A reads why.
    let (_, list) = app.get("/api/broadcasts", &cookies).await;
    let targets = list["data"]["items"][0]["targets"].as_array().unwrap().clone();
    let moved = targets.iter().find(|t| t["group_name"] == "群 g_moved").expect("g_moved is a target");
    assert_eq!((moved["state"].as_str(), moved["code"].as_i64()), (Some("failed"), Some(1602)), "{moved}");
    assert_eq!(moved["reason"], gpet::deliveries::REASON_NEW_OWNER, "{moved}");
    assert_eq!(list["data"]["items"][0]["state"], "done");
}

/// Group income credited for `day`: (group, user) → fen.
async fn group_income(app: &TestApp, day: BusinessDay) -> BTreeMap<(String, i64), i64> {
    app.db()
        .await
        .query(
            "SELECT g.group_wxid, a.user_id, e.amount_fen FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
             JOIN groups g ON g.id = e.group_id WHERE e.kind = 'group_income' AND e.day = $1 AND a.user_id IS NOT NULL",
            &[&day.date()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| ((r.get("group_wxid"), r.get("user_id")), r.get("amount_fen")))
        .collect()
}

#[tokio::test]
async fn settlement_credits_the_owner_who_held_the_group_on_the_day_not_the_one_holding_it_now() {
    let app = TestApp::spawn().await;
    let ((_, a), (_, b)) = two_owners(&app, "st").await;
    let admin = app.console_token("admin_own", Role::Admin).await;
    let (_, settings) = app.console(Method::GET, "/api/console/settings", &admin, None).await;
    let mut groups = settings["data"]["groups"].clone();
    groups["star_thresholds"] = json!([1, 3, 6, 10]);
    groups["star_income_fen"] = json!([5, 17, 37, 61, 99]);
    let (status, saved) =
        app.console(Method::PUT, "/api/console/settings", &admin, Some(json!({"groups": groups}))).await;
    assert_eq!(status, 200, "{saved}");

    let d = app.ctx.clock.today().pred();
    // g_sold: A's all of D (3 sessions, 3★ = 37 fen); B has the robot join it after D, before
    // the settlement. g_split: A's until 20:00 on D, B's from 20:30 (1 session then, 2★ = 17
    // fen): A held it longer that day.
    events(
        &app,
        json!([
            joined(ROBOT, "g_sold", "wxid_st_a", 30, &at(d.pred(), "10:00:00")),
            joined(ROBOT, "g_split", "wxid_st_a", 30, &at(d.pred(), "10:00:00"))
        ]),
    )
    .await;
    events(&app, json!(chat(ROBOT, "g_sold", 3, &at(d, "09:00:00")))).await;
    events(&app, json!([left(ROBOT, "g_split", &at(d, "20:00:00")), left(ROBOT, "g_sold", &at(d.succ(), "00:00:05"))]))
        .await;
    events(
        &app,
        json!([
            joined(ROBOT, "g_split", "wxid_st_b", 30, &at(d, "20:30:00")),
            joined(ROBOT, "g_sold", "wxid_st_b", 30, &at(d.succ(), "00:00:10"))
        ]),
    )
    .await;
    events(&app, json!(chat(ROBOT, "g_split", 1, &at(d, "21:00:00")))).await;
    let owned_by_b = app
        .count(&format!(
            "SELECT count(*) FROM groups WHERE owner_id = {b} AND state = 'active' AND group_wxid LIKE 'g_s%'"
        ))
        .await;
    assert_eq!(owned_by_b, 2, "both groups are B's now");

    let finance = app.console_token("finance_own", Role::Finance).await;
    let (status, run) = app.console(Method::POST, &format!("/api/console/settlements/{d}/run"), &finance, None).await;
    assert_eq!((status, run["data"]["state"].as_str()), (200, Some("done")), "{run}");
    let paid = group_income(&app, d).await;
    let expected = BTreeMap::from([(("g_sold".to_owned(), a), 37), (("g_split".to_owned(), a), 17)]);
    assert_eq!(paid, expected, "A (user {a}) held both on {d}; B (user {b}) had neither");
    assert_eq!(app.balances(b).await, (0, 0));
    app.assert_books_balance().await;
}

async fn withdrawal_state(app: &TestApp, id: i64) -> String {
    app.db().await.query_one("SELECT state FROM withdrawals WHERE id = $1", &[&id]).await.unwrap().get("state")
}

/// A withdrawal of `fen` accepted, and the payouts consumer run until its queue is empty.
async fn withdrawn_and_paid(app: &TestApp, cookies: &Cookies, fen: i64) -> (i64, String) {
    let (status, answer) = app.h5_post("/api/withdrawals", cookies, json!({"amount_fen": fen})).await;
    assert_eq!((status, answer["code"].as_i64()), (200, Some(1200)), "{answer}");
    let (id, no) = (answer["data"]["id"].as_i64().unwrap(), answer["data"]["out_bill_no"].as_str().unwrap().to_owned());
    app.run_job("outbox-relay").await;
    app.drain(Queue::Payouts, "consume-payouts").await;
    (id, no)
}

async fn until_withdrawal(app: &TestApp, id: i64, state: &str) {
    for _ in 0..200 {
        if withdrawal_state(app, id).await == state {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("withdrawal {id} never reached {state}: it is {}", withdrawal_state(app, id).await);
}

#[tokio::test]
async fn a_refusal_and_a_404_wechat_pay_did_not_sign_leave_the_payout_unknown_never_failed() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_pay_unsigned", "13730000011", "黄敏", 10_000).await;
    // WeChat Pay makes the bill, but what reaches us is an unsigned 400, then an unsigned 404.
    let (status, answer) =
        app.sandbox_call(Method::POST, "/sandbox/pay/faults", Some(json!({"next": ["unsigned_refusal"]}))).await;
    assert_eq!(status, 200, "{answer}");
    let (id, no) = withdrawn_and_paid(&app, &cookies, 3_000).await;
    let (_, bills) = app.sandbox_call(Method::GET, &format!("/sandbox/pay/bills?out_bill_no={no}"), None).await;
    assert_eq!(bills["bills"][0]["state"], "WAIT_USER_CONFIRM", "the bill exists: {bills}");
    // Not failed (which would give the money back and let an operator retry under a new number
    // while the user can still confirm this bill): unknown, the money held, queried later.
    assert_eq!(withdrawal_state(&app, id).await, "submitted");
    assert_eq!(app.balances(me).await, (7_000, 3_000));
    let last_error: Option<String> = app
        .db()
        .await
        .query_one("SELECT last_error FROM withdrawals WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get("last_error");
    assert!(last_error.is_some_and(|e| e.contains("signature")), "the reason is kept for the console");

    // payout-reconcile asks: an unsigned 404 is no answer either, the money stays held; asked
    // again, WeChat Pay's signed answer shows the bill, which goes on.
    for expected in ["submitted", "waiting_user"] {
        app.db()
            .await
            .execute("UPDATE withdrawals SET next_check_at = now() - interval '1 second' WHERE id = $1", &[&id])
            .await
            .unwrap();
        app.run_job("payout-reconcile").await;
        assert_eq!(withdrawal_state(&app, id).await, expected);
        assert_eq!(app.balances(me).await, (7_000, 3_000));
    }
    let (status, answer) =
        app.sandbox_call(Method::POST, "/sandbox/pay/confirm", Some(json!({"out_bill_no": no, "cancel": false}))).await;
    assert_eq!(status, 200, "{answer}");
    until_withdrawal(&app, id, "success").await;
    assert_eq!(app.balances(me).await, (7_000, 0));
    let (_, bills) = app.sandbox_call(Method::GET, "/sandbox/pay/bills", None).await;
    assert_eq!(bills["bills"].as_array().unwrap().len(), 1, "one bill, one payment: {bills}");
    app.assert_books_balance().await;
}

#[tokio::test]
async fn a_transfer_notification_signed_more_than_five_minutes_ago_is_refused() {
    let app = TestApp::spawn().await;
    let (cookies, _) = app.payee("o_pay_stale", "13730000012", "黄敏", 10_000).await;
    let (id, no) = withdrawn_and_paid(&app, &cookies, 2_000).await;
    assert_eq!(withdrawal_state(&app, id).await, "waiting_user");
    let (status, answer) =
        app.sandbox_call(Method::POST, "/sandbox/pay/confirm", Some(json!({"out_bill_no": no, "cancel": false}))).await;
    assert_eq!(status, 200, "{answer}");
    until_withdrawal(&app, id, "success").await;
    let entries = app.count("SELECT count(*) FROM ledger_entries").await;

    // The same bill's notification, genuinely signed by WeChat Pay but 6 minutes ago (a replay).
    let notify = format!("/sandbox/pay/bills/{no}/notify");
    let (status, answer) = app.sandbox_call(Method::POST, &notify, Some(json!({"age_secs": 360}))).await;
    assert_eq!((status, answer["status"].as_u64()), (200, Some(401)), "a stale notification is refused: {answer}");
    // Signed 4 minutes ago it is still within the window, and taken (it changes nothing now).
    let (status, answer) = app.sandbox_call(Method::POST, &notify, Some(json!({"age_secs": 240}))).await;
    assert_eq!((status, answer["status"].as_u64()), (200, Some(200)), "{answer}");
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries").await, entries);
    app.assert_books_balance().await;
}

#[tokio::test]
async fn sms_codes_are_capped_per_user_and_per_address_whatever_the_phones() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_sms_caps").await;
    // Ten phones, one code each: within every per-phone limit, and the user's day.
    for i in 0..gpet::profile::SMS_PER_USER_PER_DAY {
        let phone = format!("1350000{i:04}");
        let (status, body) = app.h5_post("/api/me/phone/code", &cookies, json!({"phone": phone})).await;
        assert_eq!(status, 200, "{phone}: {body}");
    }
    let (status, body) = app.h5_post("/api/me/phone/code", &cookies, json!({"phone": "13500009999"})).await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(2304)), "an 11th phone: {body}");
    assert!(body["msg"].as_str().unwrap().contains("10 次"), "{body}");
    assert!(app.sms_codes("13500009999").await.is_empty(), "nothing sent");

    // The address (every test request comes from 127.0.0.1) has sent 10; say 39 more were sent
    // from it today by others: one more user gets the 50th code, and then the address is done.
    let cache = app.ctx.cache().unwrap();
    let mut redis = cache.conn();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(cache.key("GPET:SMS_CAPS:{sms}:ip:*")).query_async(&mut redis).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let now = chrono::Utc::now().timestamp_millis();
    for i in 0..(gpet::profile::SMS_PER_IP_PER_DAY - 11) {
        let _: () = redis::cmd("ZADD")
            .arg(&keys[0])
            .arg(now - 60_000)
            .arg(format!("other-{i}"))
            .query_async(&mut redis)
            .await
            .unwrap();
    }
    let other = app.logged_in("o_sms_caps_2").await;
    let (status, body) = app.h5_post("/api/me/phone/code", &other, json!({"phone": "13600000001"})).await;
    assert_eq!(status, 200, "the address's 50th: {body}");
    let (status, body) = app.h5_post("/api/me/phone/code", &other, json!({"phone": "13600000002"})).await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(2304)), "the address's 51st: {body}");
    assert!(body["msg"].as_str().unwrap().contains("当前网络"), "{body}");
}

#[tokio::test]
async fn an_owner_has_at_most_200_keywords_and_sees_and_deletes_every_one_page_by_page() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_kw_cap").await;
    let me = app.user_id("o_kw_cap").await;
    let cap = gpet::keywords::MAX_PER_OWNER;
    app.db()
        .await
        .execute(
            "INSERT INTO keywords (owner_id, keyword, reply) SELECT $1, 'kw' || i, '回复 ' || i FROM generate_series(1, $2::int) i",
            &[&me, &((cap - 1) as i32)],
        )
        .await
        .unwrap();
    let add = |keyword: &str| app.h5_post("/api/keywords", &cookies, json!({"keyword": keyword, "reply": "好的"}));
    let (status, body) = add("最后一个").await;
    assert_eq!(status, 200, "the 200th: {body}");
    let (status, body) = add("多出来的").await;
    assert_eq!((status, body["code"].as_i64()), (422, Some(2004)), "the 201st: {body}");
    assert!(body["msg"].as_str().unwrap().contains("最多 200 个"), "{body}");
    assert_eq!(app.count(&format!("SELECT count(*) FROM keywords WHERE owner_id = {me}")).await, cap);

    // Every keyword is listed, a page at a time, newest first; the oldest is on the last page.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, list) = app.get(&format!("/api/keywords?page={page}&page_size=100"), &cookies).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!((list["data"]["total"].as_i64(), list["data"]["page"].as_i64()), (Some(cap), Some(page)), "{list}");
        seen.extend(
            list["data"]["items"].as_array().unwrap().iter().map(|k| k["keyword"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(seen.len() as i64, cap);
    assert_eq!((seen.first().map(String::as_str), seen.last().map(String::as_str)), (Some("最后一个"), Some("kw1")));
    let (status, bad) = app.get("/api/keywords?page_size=101", &cookies).await;
    assert_eq!((status, bad["code"].as_i64()), (400, Some(1403)), "{bad}");

    // The oldest can be deleted, and then there is room for one more.
    let (_, last) = app.get("/api/keywords?page=2&page_size=100", &cookies).await;
    let oldest = last["data"]["items"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
    let response = app
        .http
        .delete(app.url(&format!("/api/keywords/{oldest}")))
        .header("cookie", cookies.header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = add("多出来的").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_owner_schedules_at_most_ten_mass_messages_a_day() {
    let app = TestApp::spawn().await;
    let ((cookies, _), _) = two_owners(&app, "quota").await;
    let a_minute_ago = (app.ctx.clock.now_shanghai() - Duration::minutes(1)).to_rfc3339();
    events(&app, json!([joined(ROBOT, "g_quota", "wxid_quota_a", 30, &a_minute_ago)])).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let group = groups["data"]["items"][0]["id"].as_i64().unwrap();
    let tomorrow = app.ctx.clock.today().succ();
    let create = |day: BusinessDay, minute: i64| {
        let send_at = format!("{day}T10:{minute:02}:00+08:00");
        app.h5_post(
            "/api/broadcasts",
            &cookies,
            json!({"content": {"kind": "text", "text": "早上好"}, "group_ids": [group], "send_at": send_at}),
        )
    };
    let mut ids = Vec::new();
    for minute in 0..gpet::broadcasts::MAX_PER_DAY {
        let (status, task) = create(tomorrow, minute).await;
        assert_eq!(status, 200, "{task}");
        ids.push(task["data"]["id"].as_i64().unwrap());
    }
    let (status, refused) = create(tomorrow, 30).await;
    assert_eq!((status, refused["code"].as_i64()), (422, Some(2004)), "the 11th of the day: {refused}");
    assert!(refused["msg"].as_str().unwrap().contains("每天最多 10 条"), "{refused}");
    // Another day has its own quota; a cancelled task gives its place back.
    let (status, task) = create(tomorrow.succ(), 0).await;
    assert_eq!(status, 200, "{task}");
    let response = app
        .http
        .delete(app.url(&format!("/api/broadcasts/{}", ids[0])))
        .header("cookie", cookies.header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, task) = create(tomorrow, 30).await;
    assert_eq!(status, 200, "{task}");
}

#[tokio::test]
async fn the_withdrawals_export_needs_a_bounded_range_caps_its_rows_and_defuses_every_formula_start() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin_export", Role::Finance).await;
    let (_, me) = app.payee("o_export", "13730000021", "黄敏", 0).await;
    app.db().await.execute("UPDATE users SET nickname = E'\\t=HYPERLINK(\"x\")' WHERE id = $1", &[&me]).await.unwrap();
    let today = app.ctx.clock.today();
    let db = app.db().await;
    let insert = |n: i32, day: BusinessDay| {
        let sql = "INSERT INTO withdrawals (user_id, amount_fen, day, state, out_bill_no, openid, user_name, failure_reason)
                   SELECT $1, 100, $2, 'rejected', 'GX' || $4 || '-' || i, 'o_export', '黄敏', E'\\r=cmd' FROM generate_series(1, $3::int) i";
        let db = &db;
        async move {
            db.execute(sql, &[&me, &day.date(), &n, &day.to_string()]).await.unwrap();
        }
    };
    insert(3, today).await;
    let app = &app;
    let export = |query: String| {
        let request =
            app.http.get(app.url(&format!("/api/console/withdrawals?format=csv{query}"))).bearer_auth(&finance);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    let from = today.pred().pred();
    for (query, why) in [
        (String::new(), "no range: everything"),
        (format!("&from={from}"), "half a range"),
        (format!("&from={today}&to={from}"), "backwards"),
        (format!("&from={}&to={today}", BusinessDay::from_date(today.date() - chrono::Days::new(31))), "32 days"),
    ] {
        let (status, body) = export(query).await;
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        assert_eq!((status, body["code"].as_i64()), (400, Some(1403)), "{why}: {body}");
    }
    let (status, csv) = export(format!("&from={from}&to={today}")).await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    // A nickname or reason starting with a tab or a carriage return is defused as `=` is.
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(",'\t=HYPERLINK(\"\"x\"\")") || row.contains("\"'\t=HYPERLINK(\"\"x\"\")\""), "{row:?}");
    assert!(csv.contains("\"'\r=cmd\""), "{csv:?}");

    // More rows than one export holds: refused with the count, and a message for the console.
    insert(gpet::withdrawals::MAX_EXPORT_ROWS as i32, today.pred()).await;
    let (status, body) = export(format!("&from={from}&to={today}")).await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, body["code"].as_i64()), (400, Some(1403)), "{body}");
    assert!(body["msg"].as_str().unwrap().contains("10003 条"), "{body}");
    let (status, csv) = export(format!("&day={today}")).await;
    assert_eq!((status, csv.lines().count()), (200, 4), "one day still exports");
}

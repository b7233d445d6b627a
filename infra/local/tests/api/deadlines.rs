//! Work within an invocation (issue 13): every job and consumer is given its deadline and stops
//! taking work a margin before it, leaving the rest claimed-and-resumable. These run consumers
//! and jobs under deadlines short enough to cut them mid-way, and check that nothing is lost,
//! doubled or dead-lettered.

use std::time::Duration;

use gpet::Deadline;
use gpet::operators::Role;
use gpet::queue::Queue;
use gpet_local::registry::{self, Handler};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::robot_event::{chat, joined};

const ROBOT: &str = "wxid_robot_deadline";

fn consumer(name: &str) -> registry::SqsFn {
    match registry::find(name).unwrap().handler {
        Handler::Sqs(f) => f,
        _ => unreachable!(),
    }
}

fn job(name: &str) -> registry::JobFn {
    match registry::find(name).unwrap().handler {
        Handler::Job(f) => f,
        _ => unreachable!(),
    }
}

/// Messages a queue holds, visible or in flight.
async fn queue_depth(app: &TestApp, queue: Queue) -> i64 {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let attributes = app
        .sqs
        .get_queue_attributes()
        .queue_url(app.queue_url(queue))
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap();
    attributes.attributes().unwrap().values().map(|v| v.parse::<i64>().unwrap()).sum()
}

/// Runs `function` on `queue` as the local host does, but with an invocation of `timeout`
/// (cut there, as Lambda cuts it), until the queue is empty; answers how many receives it took.
async fn drain_within(app: &TestApp, queue: Queue, function: &str, timeout: Duration) -> usize {
    let url = app.queue_url(queue);
    let mut receives = 0;
    for _ in 0..200 {
        let n = gpet_local::queues::poll_once_within(
            &app.ctx,
            &app.sqs,
            function,
            &url,
            10,
            1,
            consumer(function),
            timeout,
        )
        .await
        .unwrap();
        if n > 0 {
            receives += 1;
            continue;
        }
        if queue_depth(app, queue).await == 0 {
            return receives;
        }
    }
    panic!("{function} did not empty its queue");
}

async fn sessions(app: &TestApp, group: &str) -> i64 {
    app.count(&format!(
        "SELECT coalesce(sum(d.sessions), 0)::bigint FROM group_daily d JOIN groups g ON g.id = d.group_id
         WHERE g.group_wxid = '{group}'"
    ))
    .await
}

#[tokio::test]
async fn a_slow_member_list_delays_joins_but_chat_is_counted_once_and_nothing_is_dead_lettered() {
    let app = TestApp::spawn().await;
    let ops = app.console_token("ops", Role::Operator).await;
    app.register_robot(&ops, ROBOT, 50).await;
    app.paired_owner("o_deadline", "13700000901", "wxid_owner_deadline", ROBOT, None).await;
    let now = app.ctx.clock.now_shanghai().to_rfc3339();
    app.robot_events(json!([joined(ROBOT, "g_chatty@chatroom", "wxid_owner_deadline", 30, &now)])).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE state = 'active'").await, 1);

    // Every member list now takes 1.5 s, and a consumer has 5 s (it stops taking work at 2.5 s):
    // one after the other, nine joins of a batch would take 13.5 s, and the batch would time out
    // on every receive until its chat went to the dead-letter queue.
    let (status, faults) =
        app.sandbox_call(Method::POST, "/sandbox/robot/faults", Some(json!({"members_delay_ms": 1500}))).await;
    assert_eq!(status, 200, "{faults}");
    let groups: Vec<String> = (0..12).map(|i| format!("g_slow_{i}@chatroom")).collect();
    let mut events: Vec<Value> = groups.iter().map(|g| joined(ROBOT, g, "wxid_owner_deadline", 30, &now)).collect();
    events.extend(chat(ROBOT, "g_chatty@chatroom", 30, &now));
    events.extend(chat(ROBOT, &groups[11], 4, &now));
    // The platform sends the whole flood twice: chat is counted once all the same.
    for events in [events.clone(), events] {
        for batch in events.chunks(40) {
            app.robot_events(Value::Array(batch.to_vec())).await;
        }
    }
    let receives = drain_within(&app, Queue::RobotEvents, "consume-robot-events", Duration::from_secs(5)).await;

    assert_eq!(queue_depth(&app, Queue::RobotEventsDlq).await, 0, "nothing dead-lettered for slowness");
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE state = 'active'").await, 13, "every join applied");
    assert_eq!(sessions(&app, "g_chatty@chatroom").await, 30, "each message counted once");
    assert_eq!(sessions(&app, &groups[11]).await, 4, "chat after its join, counted once it is known");
    assert!(receives >= 10, "the flood took {receives} receives");
}

/// An owner with `n` active groups of 30 (`{prefix}_{i}@chatroom`) on ROBOT: cookies, group ids.
/// An owner's mass message of `text`, sent now to `n` new groups of theirs: their cookies and
/// the groups' ids.
/// The robot sends every 3 s or a little more, and its slot is free when this answers (the
/// pairing answer it sent is a gap behind).
async fn mass_message(app: &TestApp, prefix: &str, n: usize, text: &str) -> (crate::helpers::Cookies, Vec<i64>) {
    let gaps = gpet::settings::RobotSettings { send_gap_min_ms: 3_000, send_gap_max_ms: 3_100, ..Default::default() };
    app.robot_settings(&gaps).await;
    let (cookies, ids) = owner_with_groups(app, prefix, n).await;
    let content = json!({"kind": "text", "text": text});
    let (status, created) =
        app.h5_post("/api/broadcasts", &cookies, json!({"content": content, "group_ids": ids})).await;
    assert_eq!(status, 200, "{created}");
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    (cookies, ids)
}

async fn owner_with_groups(app: &TestApp, prefix: &str, n: usize) -> (crate::helpers::Cookies, Vec<i64>) {
    let ops = app.console_token("ops", Role::Operator).await;
    app.register_robot(&ops, ROBOT, 50).await;
    let (cookies, _) = app.paired_owner("o_deadline", "13700000901", "wxid_owner_deadline", ROBOT, None).await;
    let now = app.ctx.clock.now_shanghai().to_rfc3339();
    let joins: Vec<Value> =
        (0..n).map(|i| joined(ROBOT, &format!("{prefix}_{i}@chatroom"), "wxid_owner_deadline", 30, &now)).collect();
    app.robot_events(Value::Array(joins)).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    let ids: Vec<i64> = app
        .db()
        .await
        .query("SELECT id FROM groups WHERE state = 'active' ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("id"))
        .collect();
    assert_eq!(ids.len(), n);
    (cookies, ids)
}

/// The deliveries' states, by group.
async fn delivery_states(app: &TestApp) -> Vec<String> {
    app.db()
        .await
        .query("SELECT state FROM deliveries ORDER BY group_id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>("state"))
        .collect()
}

/// How many messages with `text` the robot sent to each group named `{prefix}…`, by group id.
async fn copies(app: &TestApp, prefix: &str, text: &str) -> Vec<usize> {
    let wxids: Vec<String> = app
        .db()
        .await
        .query("SELECT group_wxid FROM groups WHERE group_wxid LIKE $1 || '%' ORDER BY id", &[&prefix])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("group_wxid"))
        .collect();
    let mut out = Vec::new();
    for wxid in wxids {
        let (_, sent) = app.sandbox_call(Method::GET, &format!("/sandbox/robot/sent?group={wxid}"), None).await;
        out.push(sent["items"].as_array().unwrap().iter().filter(|m| m["content"]["text"] == text).count());
    }
    out
}

#[tokio::test]
async fn a_mass_message_cut_by_short_deadlines_reaches_every_group_exactly_once() {
    let app = TestApp::spawn().await;
    mass_message(&app, "g_mass", 5, "今晚八点直播").await;

    // A robot sends every 3 s or a little more; each run may start sends for 4 s only: a few per run.
    let dispatch = job("job-broadcast-dispatch");
    let mut runs = 0;
    while app.count("SELECT count(*) FROM deliveries WHERE state IN ('pending', 'sending')").await > 0 {
        runs += 1;
        assert!(runs <= 10, "the broadcast never finished");
        dispatch(&app.ctx, Deadline::with_margin(Duration::from_secs(5), Duration::from_secs(1))).await.unwrap();
    }
    assert!(runs >= 2, "the deadline cut the dispatch ({runs} run)");
    assert_eq!(copies(&app, "g_mass", "今晚八点直播").await, [1, 1, 1, 1, 1]);
    assert_eq!(app.count("SELECT count(*) FROM deliveries WHERE state = 'sent'").await, 5);
    dispatch(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM broadcasts WHERE state = 'done'").await, 1);
}

#[tokio::test]
async fn a_dispatch_killed_mid_run_leaves_its_claim_which_is_taken_back_after_the_lease_never_sent_twice() {
    let app = TestApp::spawn().await;
    let (cookies, ids) = mass_message(&app, "g_kill", 3, "周末团购").await;
    let dispatch = job("job-broadcast-dispatch");

    // Killed 1.5 s in, as Lambda kills at a timeout: the first group has it, the second was
    // claimed and waiting for the robot's turn.
    let killed =
        tokio::time::timeout(Duration::from_millis(1500), dispatch(&app.ctx, Deadline::after(Duration::from_secs(60))))
            .await;
    assert!(killed.is_err(), "the run was still going");
    assert_eq!(delivery_states(&app).await, ["sent", "sending", "pending"]);

    // The next run leaves the claim alone while its lease lasts, and sends the rest.
    let report = dispatch(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!(report["sent"], 1, "{report}");
    assert_eq!(delivery_states(&app).await, ["sent", "sending", "sent"]);
    assert_eq!(copies(&app, "g_kill", "周末团购").await, [1, 0, 1]);

    // Once the lease is over, the claim (never attempted) is taken back and sent, once.
    app.db()
        .await
        .execute("UPDATE deliveries SET claimed_at = claimed_at - interval '10 minutes' WHERE state = 'sending'", &[])
        .await
        .unwrap();
    let report = dispatch(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!((report["reclaimed"].as_u64(), report["sent"].as_u64()), (Some(1), Some(1)), "{report}");
    assert_eq!(copies(&app, "g_kill", "周末团购").await, [1, 1, 1]);
    assert_eq!(app.count("SELECT count(*) FROM broadcasts WHERE state = 'done'").await, 1);

    // A claim cut off while sending is recorded failed, outcome unknown, and never sent again.
    let (status, again) = app
        .h5_post(
            "/api/broadcasts",
            &cookies,
            json!({"content": {"kind": "text", "text": "第二条"}, "group_ids": [ids[0]],
                   "send_at": (app.ctx.clock.now_shanghai() + chrono::Duration::minutes(2)).to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    let task = again["data"]["id"].as_i64().unwrap();
    app.db()
        .await
        .batch_execute(&format!(
            "UPDATE broadcasts SET state = 'sending' WHERE id = {task};
             UPDATE deliveries SET state = 'sending', claimed_at = now() - interval '10 minutes',
                 attempted_at = now() - interval '10 minutes' WHERE task_id = {task}"
        ))
        .await
        .unwrap();
    let report = dispatch(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!((report["abandoned"].as_u64(), report["sent"].as_u64()), (Some(1), Some(0)), "{report}");
    assert_eq!(copies(&app, "g_kill", "第二条").await, [0, 0, 0]);
    let reason: String = app
        .db()
        .await
        .query_one("SELECT reason FROM deliveries WHERE task_id = $1", &[&task])
        .await
        .unwrap()
        .get("reason");
    assert!(reason.contains("结果未知"), "{reason}");
}

#[tokio::test]
async fn launch_sync_resumes_where_the_last_run_stopped_and_covers_every_group_once_per_pass() {
    let app = TestApp::spawn().await;
    owner_with_groups(&app, "g_seed", 1).await;
    // 1,000 more active groups, straight into the table (the sandbox learns them when asked).
    app.db()
        .await
        .batch_execute(
            "INSERT INTO groups (group_wxid, name, robot_id, owner_id, state, state_at, member_count, joined_at)
             SELECT 'g_many_' || i || '@chatroom', '群 ' || i, g.robot_id, g.owner_id, 'active', now(), 30, now()
             FROM generate_series(1, 1000) i, (SELECT robot_id, owner_id FROM groups LIMIT 1) g",
        )
        .await
        .unwrap();
    for i in [5, 450, 999] {
        let (status, _) = app
            .sandbox_call(Method::PUT, &format!("/sandbox/launch/g_many_{i}@chatroom"), Some(json!({"on": false})))
            .await;
        assert_eq!(status, 200);
    }
    let sync = job("job-launch-sync");
    let (mut checked, mut left, mut runs, mut resumed) = (0, 0, 0, false);
    loop {
        runs += 1;
        assert!(runs <= 100, "the pass never finished");
        // Time for a chunk or two of 200 groups a run.
        let report = sync(&app.ctx, Deadline::with_margin(Duration::from_millis(40), Duration::ZERO)).await.unwrap();
        checked += report["checked"].as_u64().unwrap();
        left += report["left"].as_u64().unwrap();
        resumed |= report["resumed_after"].as_i64().unwrap() > 0;
        if report["pass_finished"] == true {
            break;
        }
    }
    assert_eq!((checked, left), (1001, 3), "every group once in the pass, {runs} runs");
    assert!(runs == 1 || resumed, "a later run resumed after the cursor");
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE state = 'left' AND NOT launch_on").await, 3);
    // The next run starts a new pass from the first group.
    let report = sync(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!((report["resumed_after"].as_i64(), report["checked"].as_u64()), (Some(0), Some(998)), "{report}");
}

#[tokio::test]
async fn the_settlement_job_settles_past_days_that_never_got_a_run() {
    let app = TestApp::spawn().await;
    owner_with_groups(&app, "g_settle", 1).await;
    // The group has been active for five days; no settlement ever ran (every 02:00 run failed
    // before it started, say).
    app.db()
        .await
        .batch_execute(
            "ALTER TABLE groups DISABLE TRIGGER USER;
             UPDATE groups SET joined_at = now() - interval '5 days', state_at = now() - interval '5 days';
             ALTER TABLE groups ENABLE TRIGGER USER;
             UPDATE group_owners SET since = now() - interval '5 days';",
        )
        .await
        .unwrap();
    let settle = job("job-settlement");
    let report = settle(&app.ctx, Deadline::after(Duration::from_secs(900))).await.unwrap();
    let days: Vec<&str> = report.as_array().unwrap().iter().map(|r| r["day"].as_str().unwrap()).collect();
    let today = app.ctx.clock.today();
    assert_eq!(days.len(), 5, "yesterday and the four days before it: {report}");
    assert_eq!(days[0], today.pred().to_string());
    assert_eq!(app.count("SELECT count(*) FROM settlement_runs WHERE state = 'done'").await, 5);
    // Run again: nothing left to settle but yesterday, settled already.
    let report = settle(&app.ctx, Deadline::after(Duration::from_secs(900))).await.unwrap();
    assert_eq!(report.as_array().unwrap().len(), 1, "{report}");
    app.assert_books_balance().await;
}

#[tokio::test]
async fn an_outbox_row_sqs_refuses_is_set_aside_with_its_reason_and_its_batch_mates_go_out() {
    let app = TestApp::spawn().await;
    // A body over SQS's 1 MiB: the batch it is in is refused whole, and the row alone is refused
    // for what it is. (The local SQS server takes U+FFFE, which AWS refuses the same way.)
    let bodies: Vec<Value> = vec![
        json!({"event_id": uuid::Uuid::new_v4(), "name": "ok_1"}),
        json!({"event_id": uuid::Uuid::new_v4(), "name": "x".repeat(1100 * 1024)}),
        json!({"event_id": uuid::Uuid::new_v4(), "name": "ok_2"}),
    ];
    gpet::outbox::enqueue(&app.db().await, Queue::TrackingEvents, &bodies).await.unwrap();
    let relay = job("job-outbox-relay");
    let report = relay(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!((report["published"].as_u64(), report["set_aside"].as_u64()), (Some(2), Some(1)), "{report}");
    let row = app
        .db()
        .await
        .query_one("SELECT last_error, attempts FROM outbox WHERE set_aside_at IS NOT NULL", &[])
        .await
        .unwrap();
    let (reason, attempts): (String, i32) = (row.get("last_error"), row.get("attempts"));
    assert!(!reason.is_empty() && attempts == 1, "{reason}");
    // Never tried again, never in anyone's way.
    let report = relay(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!((report["published"].as_u64(), report["failed"].as_u64()), (Some(0), Some(0)), "{report}");
    assert_eq!(queue_depth(&app, Queue::TrackingEvents).await, 2);
}

#[tokio::test]
async fn the_ledger_audit_counts_each_entry_once_and_alerts_when_it_cannot_finish() {
    let app = TestApp::spawn().await;
    let (_, u) = app.payee("o_audit", "13700000902", "张三", 500).await;
    app.fund(&[u], 200).await;
    // Everything posted so far is an hour old: the next audit adds it to the stored sums.
    let age = "ALTER TABLE ledger_entries DISABLE TRIGGER USER;
               UPDATE ledger_entries SET created_at = created_at - interval '2 hours';
               ALTER TABLE ledger_entries ENABLE TRIGGER USER;";
    app.db().await.batch_execute(age).await.unwrap();
    let entries = app.count("SELECT count(*) FROM ledger_entries").await;
    let audit = job("job-ledger-audit");

    // No time at all: the entry checks are left for the next run, and the operators are told.
    let report = audit(&app.ctx, Deadline::with_margin(Duration::ZERO, Duration::ZERO)).await.unwrap();
    assert_eq!(report["complete"], false, "{report}");
    assert!(app.mail_subjects().await.contains(&"[gpet] 账本校验未完成".to_owned()));
    assert_eq!(app.count("SELECT entries_upto FROM ledger_audit_checkpoint").await, 0);

    let report = audit(&app.ctx, Deadline::after(Duration::from_secs(300))).await.unwrap();
    assert_eq!((report["ok"].as_bool(), report["complete"].as_bool()), (Some(true), Some(true)), "{report}");
    assert_eq!(report["entries"], entries);
    let upto = app.count("SELECT entries_upto FROM ledger_audit_checkpoint").await;
    assert_eq!(upto, app.count("SELECT max(id) FROM ledger_entries").await, "the sums reach the last old entry");

    // New money is read on top of the sums; the old entries are not read again.
    app.fund(&[u], 300).await;
    let report = audit(&app.ctx, Deadline::after(Duration::from_secs(300))).await.unwrap();
    assert_eq!((report["ok"].as_bool(), report["entries"].as_i64()), (Some(true), Some(entries + 2)), "{report}");
    assert_eq!(app.count("SELECT entries_upto FROM ledger_audit_checkpoint").await, upto, "too fresh to be summed");

    // A balance moved without its entries is still caught against the stored sums.
    app.db()
        .await
        .batch_execute(&format!(
            "ALTER TABLE accounts DISABLE TRIGGER USER;
             UPDATE accounts SET balance_fen = balance_fen + 1 WHERE user_id = {u} AND kind = 'available';
             ALTER TABLE accounts ENABLE TRIGGER USER;"
        ))
        .await
        .unwrap();
    app.db().await.batch_execute(age).await.unwrap();
    let report = audit(&app.ctx, Deadline::after(Duration::from_secs(300))).await.unwrap();
    let failing = crate::helpers::failing_checks(&report);
    assert_eq!(failing, ["余额等于分录合计", "全部账户合计为零"], "{report}");
}

#[tokio::test]
async fn payout_reconcile_checks_its_deadline_before_each_payout_and_the_rest_wait_for_the_next_run() {
    let app = TestApp::spawn().await;
    for (i, name) in ["张三", "李四", "王五"].iter().enumerate() {
        let (cookies, _) = app.payee(&format!("o_reconcile_{i}"), &format!("1370000091{i}"), name, 500).await;
        let (status, answer) = app.h5_post("/api/withdrawals", &cookies, json!({"amount_fen": 300})).await;
        assert_eq!(status, 200, "{answer}");
    }
    // Their messages were lost: pending, and stale.
    app.db().await.execute("UPDATE withdrawals SET updated_at = now() - interval '3 minutes'", &[]).await.unwrap();
    let reconcile = job("job-payout-reconcile");
    let report = reconcile(&app.ctx, Deadline::with_margin(Duration::ZERO, Duration::ZERO)).await.unwrap();
    assert_eq!(report["requeued"], 0, "no time, nothing started: {report}");
    // Time for one payout (16 s at worst) and barely more: at least one, then the stop.
    let report =
        reconcile(&app.ctx, Deadline::with_margin(Duration::from_millis(16_050), Duration::ZERO)).await.unwrap();
    let first = report["requeued"].as_u64().unwrap();
    assert!(first >= 1, "{report}");
    let report = reconcile(&app.ctx, Deadline::after(Duration::from_secs(60))).await.unwrap();
    assert_eq!(first + report["requeued"].as_u64().unwrap(), 3, "{report}");
    assert_eq!(app.count("SELECT count(*) FROM withdrawals WHERE state = 'pending'").await, 0);
    let (_, bills) = app.sandbox_call(Method::GET, "/sandbox/pay/bills", None).await;
    let ours = bills["bills"].as_array().map(|b| b.len()).unwrap_or_default();
    assert_eq!(ours, 3, "each sent once: {bills}");
}

//! Withdrawals and their payouts through the payouts consumer and the sandbox's WeChat Pay
//! (transfer bills): the owner's limits, once a day (a failed or rejected one does not count),
//! holds under concurrency, every fault WeChat Pay can answer with, notifications that do not
//! verify, the operators' retry and reject — and after each, the ledger audit: no money created
//! or lost. The reconciliation of a day is in money_reconciliation.rs.

use std::time::{Duration, Instant};

use aws_lc_rs::aead;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use gpet::operators::Role;
use gpet::queue::Queue;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Cookies, TestApp, json_of};

async fn withdraw(app: &TestApp, cookies: &Cookies, amount: i64) -> (u16, Value) {
    app.h5_post("/api/withdrawals", cookies, json!({"amount_fen": amount})).await
}

/// A withdrawal accepted: held, pending, its order number stored before anything is sent.
async fn accepted(app: &TestApp, cookies: &Cookies, amount: i64) -> Value {
    let (status, answer) = withdraw(app, cookies, amount).await;
    assert_eq!((status, answer["code"].as_i64()), (200, Some(1200)), "{answer}");
    let w = answer["data"].clone();
    let id = w["id"].as_i64().unwrap();
    assert_eq!(
        (w["state"].as_str(), w["amount_fen"].as_i64(), w["attempt"].as_i64()),
        (Some("pending"), Some(amount), Some(1)),
        "{w}"
    );
    assert_eq!(w["out_bill_no"], format!("GW{id}A1"));
    assert_eq!(w["day"], app.ctx.clock.today().to_string());
    assert!(w["result_code"].is_null() && w["failure_reason"].is_null(), "{w}");
    w
}

async fn mine(app: &TestApp, cookies: &Cookies, id: i64) -> Value {
    let (status, answer) = app.get(&format!("/api/withdrawals/{id}"), cookies).await;
    assert_eq!(status, 200, "{answer}");
    answer["data"].clone()
}

/// The withdrawal once it reaches `state` (notifications arrive on their own).
async fn until_state(app: &TestApp, cookies: &Cookies, id: i64, state: &str) -> Value {
    let mut w = Value::Null;
    for _ in 0..200 {
        w = mine(app, cookies, id).await;
        if w["state"] == state {
            return w;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("withdrawal {id} never reached {state}: {w}");
}

/// The next transfer-bill creates at the sandbox's WeChat Pay do these.
async fn faults(app: &TestApp, next: &[&str]) {
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/pay/faults", Some(json!({ "next": next }))).await;
    assert_eq!(status, 200, "{answer}");
}

/// The payouts consumer, until the queue is empty.
async fn pay(app: &TestApp) -> usize {
    // What a request did not publish within its wait, the relay sends (as its schedule would).
    app.run_job("outbox-relay").await;
    app.drain(Queue::Payouts, "consume-payouts").await
}

/// WeChat Pay's bills (all, or of one order number).
async fn bills(app: &TestApp, out_bill_no: Option<&str>) -> Vec<Value> {
    let path = match out_bill_no {
        Some(no) => format!("/sandbox/pay/bills?out_bill_no={no}"),
        None => "/sandbox/pay/bills".to_owned(),
    };
    app.sandbox_call(Method::GET, &path, None).await.1["bills"].as_array().unwrap().clone()
}

async fn conflicts(app: &TestApp) -> Vec<Value> {
    app.sandbox_call(Method::GET, "/sandbox/pay/conflicts", None).await.1["conflicts"].as_array().unwrap().clone()
}

/// The user confirms (or declines) the receipt in WeChat.
async fn confirm(app: &TestApp, out_bill_no: &str, cancel: bool) {
    let body = json!({"out_bill_no": out_bill_no, "cancel": cancel});
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/pay/confirm", Some(body)).await;
    assert_eq!(status, 200, "{answer}");
}

/// Makes the withdrawal's next check due now (the reconcile job's timers are real time).
async fn due(app: &TestApp, id: i64) {
    let changed = app
        .db()
        .await
        .execute("UPDATE withdrawals SET next_check_at = now() - interval '1 second' WHERE id = $1", &[&id])
        .await
        .unwrap();
    assert_eq!(changed, 1);
}

/// The platform's payouts account: money paid into users' WeChat wallets.
async fn paid_out(app: &TestApp) -> i64 {
    app.count("SELECT balance_fen FROM accounts WHERE user_id IS NULL AND kind = 'payouts'").await
}

fn id_of(w: &Value) -> i64 {
    w["id"].as_i64().unwrap()
}

fn no_of(w: &Value) -> String {
    w["out_bill_no"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn withdrawals_out_of_limits_without_phone_or_identity_beyond_the_balance_or_frozen_hold_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin", Role::Admin).await;
    let cookies = app.logged_in("o_wd_rules").await;
    let me = app.user_id("o_wd_rules").await;
    app.fund(&[me], 20_000).await;

    for amount in [99, 50_001, 0, -100] {
        let (status, answer) = withdraw(&app, &cookies, amount).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{amount}: {answer}");
    }
    for body in [json!({"amount_fen": "100"}), json!({"amount_fen": 100, "to": "o_other"}), json!({})] {
        let (status, answer) = app.h5_post("/api/withdrawals", &cookies, body.clone()).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{body}: {answer}");
    }
    let (status, answer) = withdraw(&app, &cookies, 100).await;
    assert_eq!((status, answer["code"].as_i64()), (422, Some(2001)), "{answer}");
    app.bind_phone(&cookies, "13720000001").await;
    let (status, answer) = withdraw(&app, &cookies, 100).await;
    assert_eq!((status, answer["code"].as_i64()), (422, Some(2002)), "{answer}");
    let claim = json!({"name": "黄敏", "id_number": "11010519491231002X"});
    assert_eq!(app.h5_post("/api/me/identity", &cookies, claim).await.0, 200);
    let (status, answer) = withdraw(&app, &cookies, 20_001).await;
    assert_eq!((status, answer["code"].as_i64()), (422, Some(3002)), "{answer}");

    let (_, account) = app.get("/api/account", &cookies).await;
    assert_eq!(
        account["data"]["withdraw"],
        json!({"min_fen": 100, "max_fen": 50000, "withdrawn_today": false, "phone_bound": true, "identity_bound": true, "frozen": false}),
        "{account}"
    );
    let path = format!("/api/console/users/{me}/freeze");
    let (status, frozen) = app.console(Method::POST, &path, &admin, Some(json!({"reason": "风控核查"}))).await;
    assert_eq!(status, 200, "{frozen}");
    let (status, answer) = withdraw(&app, &cookies, 100).await;
    assert_eq!((status, answer["code"].as_i64()), (422, Some(3004)), "{answer}");
    assert!(answer["msg"].as_str().unwrap().contains("账户已冻结"), "{answer}");
    let (status, _) = app.console(Method::POST, &format!("/api/console/users/{me}/unfreeze"), &admin, None).await;
    assert_eq!(status, 200);

    assert_eq!(app.count("SELECT count(*) FROM withdrawals").await, 0, "no refusal left a withdrawal");
    assert_eq!(app.count("SELECT count(*) FROM ledger_txns").await, 1, "nor a ledger transaction (the funding only)");
    assert_eq!(app.balances(me).await, (20_000, 0));

    // Within the limits: held at once; a second one the same business day is refused.
    let w = accepted(&app, &cookies, 5_000).await;
    assert_eq!(app.balances(me).await, (15_000, 5_000));
    let (status, answer) = withdraw(&app, &cookies, 100).await;
    assert_eq!((status, answer["code"].as_i64()), (409, Some(3003)), "{answer}");
    let (_, account) = app.get("/api/account", &cookies).await;
    assert_eq!(
        (account["data"]["withdraw"]["withdrawn_today"].as_bool(), account["data"]["held_fen"].as_i64()),
        (Some(true), Some(5_000)),
        "{account}"
    );
    let (_, flows) = app.get("/api/account/flows", &cookies).await;
    let hold = &flows["data"]["items"][0];
    assert_eq!(
        (hold["kind"].as_str(), hold["amount_fen"].as_i64(), hold["title"].as_str(), hold["withdrawal_id"].as_i64()),
        (Some("withdrawal_hold"), Some(-5_000), Some("提现冻结"), Some(id_of(&w))),
        "{flows}"
    );
    // Someone else's withdrawal is nobody's business.
    let other = app.logged_in("o_wd_other").await;
    let (status, _) = app.get(&format!("/api/withdrawals/{}", id_of(&w)), &other).await;
    assert_eq!(status, 404);
    // The next business day, again.
    app.ctx.clock.set_offset(chrono::Duration::days(1));
    accepted(&app, &cookies, 100).await;
    app.ctx.clock.set_offset(chrono::Duration::zero());
    assert_eq!(app.balances(me).await, (14_900, 5_100));
    app.assert_books_balance().await;
}

#[tokio::test]
async fn a_failed_or_rejected_withdrawal_does_not_use_up_the_day() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let (cookies, me) = app.payee("o_wd_again", "13720000002", "黄敏", 10_000).await;

    faults(&app, &["name_mismatch"]).await;
    let w1 = accepted(&app, &cookies, 1_000).await;
    pay(&app).await;
    let w1 = until_state(&app, &cookies, id_of(&w1), "failed").await;
    assert_eq!(w1["result_code"], 3001, "{w1}");
    assert_eq!(app.balances(me).await, (10_000, 0));

    let w2 = accepted(&app, &cookies, 2_000).await;
    let reject = json!({"reason": "资料待核实"});
    let path = format!("/api/console/withdrawals/{}/reject", id_of(&w2));
    let (status, rejected) = app.console(Method::POST, &path, &finance, Some(reject)).await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(
        (
            rejected["data"]["state"].as_str(),
            rejected["data"]["result_code"].as_i64(),
            rejected["data"]["failure_reason"].as_str()
        ),
        (Some("rejected"), Some(3004), Some("运营驳回：资料待核实")),
        "{rejected}"
    );
    assert_eq!(app.balances(me).await, (10_000, 0), "the hold released");

    let w3 = accepted(&app, &cookies, 3_000).await;
    pay(&app).await;
    until_state(&app, &cookies, id_of(&w3), "waiting_user").await;
    assert!(bills(&app, Some(&no_of(&w2))).await.is_empty(), "a rejected withdrawal is never sent");
    assert_eq!(mine(&app, &cookies, id_of(&w2)).await["state"], "rejected");
    let (status, answer) = withdraw(&app, &cookies, 100).await;
    assert_eq!((status, answer["code"].as_i64()), (409, Some(3003)), "{answer}");
    assert_eq!(app.balances(me).await, (7_000, 3_000));
    app.assert_books_balance().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_withdrawals_of_one_user_hold_exactly_once() {
    let app = TestApp::spawn().await;
    // Enough for one withdrawal of 300 yuan, not for two.
    let (cookies, me) = app.payee("o_wd_race", "13720000003", "黄敏", 45_000).await;
    let app = &app;
    let cookies = &cookies;
    let answers: Vec<i64> = futures::future::join_all(
        (0..200).map(|_| async move { withdraw(app, cookies, 30_000).await.1["code"].as_i64().unwrap() }),
    )
    .await;
    let accepted = answers.iter().filter(|c| **c == 1200).count();
    let refused = answers.iter().filter(|c| **c == 3003 || **c == 3002).count();
    assert_eq!((accepted, refused), (1, 199), "{answers:?}");
    assert_eq!(app.balances(me).await, (15_000, 30_000));
    assert_eq!(app.count("SELECT count(*) FROM withdrawals").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM ledger_txns WHERE kind = 'withdrawal_hold'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM accounts WHERE user_id IS NOT NULL AND balance_fen < 0").await, 0);
    app.assert_books_balance().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_users_withdrawing_at_once_are_all_held_and_paid_exactly() {
    let app = TestApp::spawn().await;
    let db = app.db().await;
    let mut users = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..200 {
        let id: i64 = db
            .query_one(
                "INSERT INTO users (openid, nickname, invite_code, phone, identity_name, id_number_masked, identity_verified_at)
                 VALUES ($1, $2, $3, $4, '测试用户', '110105********002X', now()) RETURNING id",
                &[&format!("o_wd_many_{i}"), &format!("用户{i}"), &format!("W{i:05}"), &format!("1390000{i:04}")],
            )
            .await
            .unwrap()
            .get("id");
        let session = gpet::sessions::open(&db, id, None).await.unwrap().unwrap();
        tokens.push(gpet::sessions::issue_token(&app.ctx, &session).unwrap().token);
        users.push(id);
    }
    drop(db);
    app.fund(&users, 5_000).await;
    let app = &app;
    let answers: Vec<(u16, Value)> = futures::future::join_all(tokens.iter().map(|t| async move {
        let response = app
            .http
            .post(app.url("/api/withdrawals"))
            .bearer_auth(t)
            .json(&json!({"amount_fen": 1_234}))
            .send()
            .await
            .unwrap();
        json_of(response).await
    }))
    .await;
    let refused: Vec<&(u16, Value)> = answers.iter().filter(|(s, a)| *s != 200 || a["code"] != 1200).collect();
    assert!(
        refused.is_empty(),
        "{} refused: {:?}\n{:#?}",
        refused.len(),
        refused.iter().take(3).collect::<Vec<_>>(),
        crate::helpers::logs()
            .lines()
            .filter(|l| l.contains("\"ERROR\"") && l.contains("h5-withdrawals-create"))
            .take(3)
            .collect::<Vec<_>>()
    );
    assert_eq!(app.count("SELECT sum(balance_fen)::bigint FROM accounts WHERE kind = 'held'").await, 200 * 1_234);
    assert_eq!(app.count("SELECT count(*) FROM accounts WHERE kind = 'held' AND balance_fen = 1234").await, 200);
    assert_eq!(app.count("SELECT count(*) FROM accounts WHERE kind = 'available' AND balance_fen = 3766").await, 200);
    assert_eq!(app.count("SELECT count(DISTINCT out_bill_no) FROM withdrawals WHERE state = 'pending'").await, 200);
    app.assert_books_balance().await;

    // Every payout sent once, each under its own number. The queue delivers at least once: a
    // publish cut off by its request's wait may reach the queue and be sent again by the relay.
    let messages = pay(app).await;
    assert!(messages >= 200, "{messages} payout messages for 200 withdrawals");
    assert_eq!(app.count("SELECT count(*) FROM withdrawals WHERE state = 'waiting_user'").await, 200);
    let sent = bills(app, None).await;
    assert_eq!(sent.len(), 200);
    assert_eq!(sent.iter().map(|b| b["transfer_amount"].as_i64().unwrap()).sum::<i64>(), 200 * 1_234);
    assert!(conflicts(app).await.is_empty());
    app.assert_books_balance().await;

    // Every user confirms at about the same moment: 200 notifications arrive together, each
    // moving its user's hold into the platform's payouts account.
    let numbers: Vec<String> = sent.iter().map(|b| b["out_bill_no"].as_str().unwrap().to_owned()).collect();
    futures::future::join_all(numbers.iter().map(|no| confirm(app, no, false))).await;
    for _ in 0..300 {
        if app.count("SELECT count(*) FROM withdrawals WHERE state = 'success'").await == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // What the notifications did not settle, the reconcile job does (it asks WeChat Pay).
    let open = app.count("SELECT count(*) FROM withdrawals WHERE state <> 'success'").await;
    if open > 0 {
        app.db()
            .await
            .execute("UPDATE withdrawals SET next_check_at = now() - interval '1 second' WHERE state <> 'success'", &[])
            .await
            .unwrap();
        app.run_job("payout-reconcile").await;
    }
    assert_eq!(app.count("SELECT count(*) FROM withdrawals WHERE state = 'success'").await, 200);
    assert_eq!(paid_out(app).await, 200 * 1_234);
    assert_eq!(app.count("SELECT coalesce(sum(balance_fen), 0)::bigint FROM accounts WHERE kind = 'held'").await, 0);
    app.assert_books_balance().await;
    // No notification was refused: each one answered was taken (WeChat Pay retries what is
    // refused). One that got no answer within WeChat Pay's 5 s — 200 at once on 2 busy cores —
    // is retried like a refusal; how fast they are taken is the bench's business, not a test's.
    let (_, all) = app.sandbox_call(Method::GET, "/sandbox/pay/bills", None).await;
    let refused: Vec<&Value> = all["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["status"] != 200 && !n["status"].is_null())
        .collect();
    assert!(
        refused.is_empty() && open == 0,
        "{} notification deliveries refused, {open} payouts left open after the notifications: {:#?}\n{:#?}",
        refused.len(),
        refused.iter().take(3).collect::<Vec<_>>(),
        crate::helpers::logs().lines().filter(|l| l.contains("deadlock")).take(2).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_payout_waits_for_the_user_and_succeeds_on_confirmation_or_fails_when_declined() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let (cookies, me) = app.payee("o_wd_ok", "13720000004", "黄敏", 10_000).await;
    let w = accepted(&app, &cookies, 2_500).await;
    let (id, no) = (id_of(&w), no_of(&w));
    assert_eq!(pay(&app).await, 1);
    let w = mine(&app, &cookies, id).await;
    assert_eq!(
        (w["state"].as_str(), w["wechat_state"].as_str()),
        (Some("waiting_user"), Some("WAIT_USER_CONFIRM")),
        "{w}"
    );
    assert!(w["package_info"].as_str().is_some_and(|p| !p.is_empty()), "{w}");
    // What the H5 hands the JS-SDK's requestMerchantTransfer: our merchant and app, the bill's package.
    let merchant = app.pay_config().await.merchant;
    assert_eq!(
        (w["mch_id"].as_str(), w["app_id"].as_str()),
        (Some(merchant.mch_id.as_str()), Some(merchant.app_id.as_str())),
        "{w}"
    );
    let bill = bills(&app, Some(&no)).await;
    assert_eq!(bill.len(), 1);
    assert_eq!(
        (bill[0]["state"].as_str(), bill[0]["transfer_amount"].as_i64(), bill[0]["openid"].as_str()),
        (Some("WAIT_USER_CONFIRM"), Some(2_500), Some("o_wd_ok")),
        "{bill:?}"
    );
    assert_eq!(app.balances(me).await, (7_500, 2_500));

    // The owner confirms on WeChat's page, opened with exactly those (the sandbox's JS-SDK).
    let (status, opened) = app
        .sandbox_call(
            Method::POST,
            "/sandbox/jssdk/transfer",
            Some(json!({"mchId": w["mch_id"], "appId": w["app_id"], "package": w["package_info"]})),
        )
        .await;
    assert_eq!((status, opened["err_msg"].as_str()), (200, Some("requestMerchantTransfer:ok")), "{opened}");
    let w = until_state(&app, &cookies, id, "success").await;
    assert_eq!((w["result_code"].as_i64(), w["wechat_state"].as_str()), (Some(3200), Some("SUCCESS")), "{w}");
    assert!(w["finished_at"].is_string() && w["failure_reason"].is_null() && w["package_info"].is_null(), "{w}");
    assert_eq!(app.balances(me).await, (7_500, 0));
    assert_eq!(paid_out(&app).await, 2_500);
    let (_, account) = app.get("/api/account", &cookies).await;
    assert_eq!(account["data"]["paid_fen"], 2_500, "{account}");
    let (_, notes) = app.sandbox_call(Method::GET, &format!("/sandbox/pay/bills?out_bill_no={no}"), None).await;
    assert!(notes["notifications"].as_array().unwrap().iter().any(|n| n["status"] == 200), "{notes}");

    // Another user declines in WeChat: CANCELLED counts as failed (3004), the money comes back.
    let (other, them) = app.payee("o_wd_declines", "13720000005", "李娜", 3_000).await;
    let w2 = accepted(&app, &other, 3_000).await;
    pay(&app).await;
    until_state(&app, &other, id_of(&w2), "waiting_user").await;
    confirm(&app, &no_of(&w2), true).await;
    let w2 = until_state(&app, &other, id_of(&w2), "failed").await;
    assert_eq!((w2["result_code"].as_i64(), w2["wechat_state"].as_str()), (Some(3004), Some("CANCELLED")), "{w2}");
    assert!(w2["failure_reason"].as_str().unwrap().contains("确认收款"), "{w2}");
    assert_eq!(app.balances(them).await, (3_000, 0));
    assert_eq!(paid_out(&app).await, 2_500);

    // The console: filtered lists, and the CSV export.
    let (_, list) = app.console(Method::GET, "/api/console/withdrawals?state=success", &finance, None).await;
    assert_eq!(
        (list["data"]["total"].as_i64(), list["data"]["items"][0]["id"].as_i64()),
        (Some(1), Some(id)),
        "{list}"
    );
    assert!(list["data"]["items"][0]["nickname"].is_string(), "{list}");
    let csv = app
        .http
        .get(app.url(&format!("/api/console/withdrawals?format=csv&day={}", app.ctx.clock.today())))
        .bearer_auth(&finance)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with(
            "\u{feff}提现编号,用户编号,昵称,金额（元）,状态,商户单号,业务日,申请时间（北京时间）,失败原因\r\n"
        ),
        "{csv}"
    );
    assert!(csv.contains(&format!(",25.00,已到账,{no},")), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    app.assert_books_balance().await;
}

#[tokio::test]
async fn a_name_wechat_does_not_recognise_fails_the_payout_and_gives_the_money_back() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_name", "13720000006", "黄敏", 10_000).await;
    faults(&app, &["name_mismatch"]).await;
    let w = accepted(&app, &cookies, 1_000).await;
    pay(&app).await;
    let w = until_state(&app, &cookies, id_of(&w), "failed").await;
    assert_eq!((w["result_code"].as_i64(), w["wechat_state"].as_str()), (Some(3001), Some("FAIL")), "{w}");
    assert_eq!(w["failure_reason"], "实名信息与微信实名不一致", "{w}");
    assert_eq!(app.balances(me).await, (10_000, 0));
    assert_eq!(bills(&app, Some(&no_of(&w))).await[0]["fail_reason"], "NAME_NOT_CORRECT");

    // WeChat knows another real name for this openid: the same outcome without a fault.
    let (status, _) =
        app.sandbox_call(Method::PUT, "/sandbox/pay/names/o_wd_name", Some(json!({"name": "王五"}))).await;
    assert_eq!(status, 200);
    let w2 = accepted(&app, &cookies, 1_000).await;
    pay(&app).await;
    let w2 = until_state(&app, &cookies, id_of(&w2), "failed").await;
    assert_eq!(w2["result_code"], 3001, "{w2}");
    assert_eq!(app.balances(me).await, (10_000, 0));
    let (_, flows) = app.get("/api/account/flows", &cookies).await;
    let kinds: Vec<(&str, i64)> = flows["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["amount_fen"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("withdrawal_release", 1_000),
            ("withdrawal_hold", -1_000),
            ("withdrawal_release", 1_000),
            ("withdrawal_hold", -1_000),
            ("ad_income", 10_000)
        ]
    );
    app.assert_books_balance().await;
}

#[tokio::test]
async fn a_name_wechat_pay_refused_is_corrected_once_and_the_next_withdrawal_is_paid() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_fix", "13720000016", "黄敏", 10_000).await;
    let correct = |name: &str| app.h5_post("/api/me/identity/correction", &cookies, json!({"name": name}));
    let offer = async || app.get("/api/me", &cookies).await.1["data"]["identity_correction"].clone();

    // Nothing refused yet: no correction offered, none taken.
    assert_eq!(offer().await, Value::Null);
    let (status, refused) = correct("黄敏敏").await;
    assert_eq!((status, refused["code"].as_i64()), (409, Some(2200)), "{refused}");

    // WeChat knows the owner as 黄敏敏: the payout fails for the name, a correction is offered.
    let (status, _) =
        app.sandbox_call(Method::PUT, "/sandbox/pay/names/o_wd_fix", Some(json!({"name": "黄敏敏"}))).await;
    assert_eq!(status, 200);
    let w = accepted(&app, &cookies, 1_000).await;
    pay(&app).await;
    let w = until_state(&app, &cookies, id_of(&w), "failed").await;
    assert_eq!(
        offer().await,
        json!({"withdrawal_id": id_of(&w), "failure_reason": "实名信息与微信实名不一致", "remaining": 3})
    );
    let (status, same) = correct(" 黄敏 ").await;
    assert_eq!((status, same["code"].as_i64()), (400, Some(1403)), "the same name is no correction: {same}");
    let (status, fixed) = correct("黄敏敏").await;
    assert_eq!(status, 200, "{fixed}");
    assert_eq!(
        (&fixed["data"]["identity"]["name"], &fixed["data"]["identity_correction"]),
        (&json!("黄**"), &Value::Null)
    );
    // Once per refusal.
    let (status, again) = correct("黄小敏").await;
    assert_eq!((status, again["code"].as_i64()), (409, Some(2200)), "{again}");

    // The next withdrawal carries the corrected name and is paid.
    let w2 = accepted(&app, &cookies, 1_000).await;
    pay(&app).await;
    let w2 = until_state(&app, &cookies, id_of(&w2), "waiting_user").await;
    confirm(&app, &no_of(&w2), false).await;
    until_state(&app, &cookies, id_of(&w2), "success").await;
    assert_eq!(app.balances(me).await, (9_000, 0));

    // Finance sees the correction whole, on the user and on the refused withdrawal; others masked.
    let finance = app.console_token("fin_fix", Role::Finance).await;
    let (status, user) = app.console(Method::GET, &format!("/api/console/users/{me}"), &finance, None).await;
    assert_eq!(status, 200, "{user}");
    let record = &user["data"]["identity_corrections"];
    assert_eq!(record.as_array().map(Vec::len), Some(1), "{record}");
    assert_eq!(
        (&record[0]["old_name"], &record[0]["new_name"], &record[0]["withdrawal_id"]),
        (&json!("黄敏"), &json!("黄敏敏"), &json!(id_of(&w)))
    );
    let money = &user["data"]["money"];
    assert_eq!((money["available_fen"].as_i64(), money["held_fen"].as_i64()), (Some(9_000), Some(0)), "{money}");
    let states: Vec<&str> =
        money["withdrawals"].as_array().unwrap().iter().map(|w| w["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["success", "failed"]);
    assert!(money["withdrawals"][1]["name_corrected_at"].is_string(), "{money}");
    assert!(money["withdrawals"][0]["name_corrected_at"].is_null(), "{money}");
    let (_, list) = app.console(Method::GET, &format!("/api/console/withdrawals?user_id={me}"), &finance, None).await;
    assert!(list["data"]["items"][1]["name_corrected_at"].is_string(), "{list}");
    let operator = app.console_token("op_fix", Role::Operator).await;
    let (_, seen) = app.console(Method::GET, &format!("/api/console/users/{me}"), &operator, None).await;
    let record = &seen["data"]["identity_corrections"][0];
    assert_eq!((&record["old_name"], &record["new_name"]), (&json!("黄*"), &json!("黄**")), "{seen}");
    app.assert_books_balance().await;
}

#[tokio::test]
async fn the_console_user_page_shows_where_the_money_is_came_from_and_went() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_money", "13720000017", "李雷", 5_000).await;
    let w = accepted(&app, &cookies, 1_200).await;
    let operator = app.console_token("op_money", Role::Operator).await;
    let (status, user) = app.console(Method::GET, &format!("/api/console/users/{me}"), &operator, None).await;
    assert_eq!(status, 200, "{user}");
    let money = &user["data"]["money"];
    assert_eq!((money["available_fen"].as_i64(), money["held_fen"].as_i64()), (Some(3_800), Some(1_200)), "{money}");
    let income: Vec<(&str, &str, i64)> = money["income"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["title"].as_str().unwrap(), i["total_fen"].as_i64().unwrap()))
        .filter(|(_, _, fen)| *fen != 0)
        .collect();
    assert_eq!(income, [("ad_income", "广告收益", 5_000)], "{money}");
    assert_eq!(
        money["income"].as_array().map(Vec::len),
        Some(gpet::account::INCOME_KINDS.len()),
        "every kind, 0 included"
    );
    let flows: Vec<(&str, i64)> = money["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["amount_fen"].as_i64().unwrap()))
        .collect();
    assert_eq!(flows, [("withdrawal_hold", -1_200), ("ad_income", 5_000)]);
    assert_eq!(money["withdrawals"][0]["id"], w["id"], "{money}");
    assert_eq!(money["withdrawals"][0]["state"], "pending", "{money}");
}

#[tokio::test]
async fn a_system_error_stays_submitted_and_is_sent_again_identically_under_the_same_number() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_syserr", "13720000007", "黄敏", 10_000).await;
    faults(&app, &["system_error"]).await;
    let w = accepted(&app, &cookies, 1_500).await;
    let (id, no) = (id_of(&w), no_of(&w));
    pay(&app).await;
    let w = mine(&app, &cookies, id).await;
    assert_eq!(w["state"], "submitted", "the outcome is unknown: {w}");
    assert!(bills(&app, None).await.is_empty(), "WeChat Pay made no bill");
    assert_eq!(app.balances(me).await, (8_500, 1_500), "still held");
    let last_error: Option<String> = app
        .db()
        .await
        .query_one("SELECT last_error FROM withdrawals WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get("last_error");
    assert!(last_error.is_some_and(|e| e.contains("SYSTEM_ERROR")));

    due(&app, id).await;
    let report = app.run_job("payout-reconcile").await;
    assert_eq!((report["queried"].as_i64(), report["resent"].as_i64()), (Some(1), Some(1)), "{report}");
    let w = mine(&app, &cookies, id).await;
    assert_eq!(
        (w["state"].as_str(), w["out_bill_no"].as_str(), w["attempt"].as_i64()),
        (Some("waiting_user"), Some(no.as_str()), Some(1)),
        "{w}"
    );
    let all = bills(&app, None).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!((all[0]["out_bill_no"].as_str(), all[0]["transfer_amount"].as_i64()), (Some(no.as_str()), Some(1_500)));
    assert!(conflicts(&app).await.is_empty(), "sent again with identical parameters");
    assert_eq!(app.count("SELECT count(*) FROM payout_attempts").await, 1);
    confirm(&app, &no, false).await;
    until_state(&app, &cookies, id, "success").await;
    assert_eq!((app.balances(me).await, paid_out(&app).await), ((8_500, 0), 1_500));
    app.assert_books_balance().await;
}

#[tokio::test]
async fn a_timeout_after_wechat_accepted_is_found_by_querying_never_sent_under_a_new_number() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_timeout", "13720000008", "黄敏", 10_000).await;
    faults(&app, &["timeout_after_accept"]).await;
    let w = accepted(&app, &cookies, 1_800).await;
    let (id, no) = (id_of(&w), no_of(&w));
    let started = Instant::now();
    pay(&app).await;
    assert!(started.elapsed() >= Duration::from_secs(5), "our client gave up waiting: {:?}", started.elapsed());
    let w = mine(&app, &cookies, id).await;
    assert_eq!(w["state"], "submitted", "{w}");
    let at_wechat = bills(&app, Some(&no)).await;
    assert_eq!(at_wechat.len(), 1, "WeChat Pay did make the bill");
    assert_eq!(at_wechat[0]["state"], "WAIT_USER_CONFIRM");

    due(&app, id).await;
    let report = app.run_job("payout-reconcile").await;
    assert_eq!((report["queried"].as_i64(), report["resent"].as_i64()), (Some(1), Some(0)), "{report}");
    let w = mine(&app, &cookies, id).await;
    assert_eq!((w["state"].as_str(), w["out_bill_no"].as_str()), (Some("waiting_user"), Some(no.as_str())), "{w}");
    let waiting = w.clone(); // what the H5 gets to confirm with: checked at the end

    // The queue delivers the payout message again (at least once): nothing is sent again.
    let url = app.queue_url(Queue::Payouts);
    app.sqs
        .send_message()
        .queue_url(url)
        .message_body(json!({"withdrawal_id": id, "attempt": 1}).to_string())
        .send()
        .await
        .unwrap();
    pay(&app).await;
    assert_eq!(bills(&app, None).await.len(), 1);
    assert!(conflicts(&app).await.is_empty());
    assert_eq!(app.count("SELECT count(*) FROM payout_attempts").await, 1);
    confirm(&app, &no, false).await;
    until_state(&app, &cookies, id, "success").await;
    assert_eq!((app.balances(me).await, paid_out(&app).await), ((8_200, 0), 1_800));
    app.assert_books_balance().await;
    // Waiting for its user, the withdrawal must carry what opens WeChat's confirmation.
    assert!(
        waiting["package_info"].as_str().is_some_and(|p| !p.is_empty()),
        "waiting_user without package_info: {waiting}"
    );
}

#[tokio::test]
async fn a_payout_waiting_for_its_user_keeps_what_the_user_confirms_with_when_the_reconcile_job_checks_it() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_patient", "13720000017", "黄敏", 10_000).await;
    let w = accepted(&app, &cookies, 1_000).await;
    let (id, no) = (id_of(&w), no_of(&w));
    pay(&app).await;
    let before = mine(&app, &cookies, id).await;
    let package = before["package_info"].as_str().expect("waiting_user carries package_info").to_owned();
    assert_eq!(bills(&app, Some(&no)).await[0]["package_info"], package.as_str());
    // Ten minutes later (next_check_at) the reconcile job queries the bill: still waiting.
    due(&app, id).await;
    let report = app.run_job("payout-reconcile").await;
    assert_eq!(report["queried"], 1, "{report}");
    let after = mine(&app, &cookies, id).await;
    assert_eq!(after["state"], "waiting_user", "{after}");
    assert_eq!(app.balances(me).await, (9_000, 1_000));
    app.assert_books_balance().await;
    assert_eq!(after["package_info"], package.as_str(), "the user can no longer confirm from the H5: {after}");
}

#[tokio::test]
async fn processing_then_fail_ends_failed_and_releases_the_hold() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_processing", "13720000009", "黄敏", 10_000).await;
    faults(&app, &["processing_then_fail"]).await;
    let w = accepted(&app, &cookies, 1_200).await;
    pay(&app).await;
    let now = mine(&app, &cookies, id_of(&w)).await;
    assert!((now["state"] == "submitted" && now["wechat_state"] == "PROCESSING") || now["state"] == "failed", "{now}");
    let w = until_state(&app, &cookies, id_of(&w), "failed").await;
    assert_eq!((w["result_code"].as_i64(), w["wechat_state"].as_str()), (Some(3001), Some("FAIL")), "{w}");
    assert_eq!(w["failure_reason"], "微信支付风控拦截", "{w}");
    assert_eq!(app.balances(me).await, (10_000, 0));
    assert_eq!(paid_out(&app).await, 0);
    app.assert_books_balance().await;
}

#[tokio::test]
async fn not_enough_money_at_the_merchant_alerts_and_is_sent_again_later_under_the_same_number() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_notenough", "13720000010", "黄敏", 10_000).await;
    faults(&app, &["not_enough"]).await;
    let w = accepted(&app, &cookies, 2_000).await;
    let (id, no) = (id_of(&w), no_of(&w));
    pay(&app).await;
    assert_eq!(mine(&app, &cookies, id).await["state"], "submitted");
    assert!(bills(&app, None).await.is_empty());
    assert!(app.mail_subjects().await.contains(&"[gpet] 商户余额不足".to_owned()), "{:?}", app.mail_subjects().await);
    assert_eq!(app.balances(me).await, (8_000, 2_000));

    due(&app, id).await;
    let report = app.run_job("payout-reconcile").await;
    assert_eq!(report["resent"], 1, "{report}");
    let w = mine(&app, &cookies, id).await;
    assert_eq!((w["state"].as_str(), w["out_bill_no"].as_str()), (Some("waiting_user"), Some(no.as_str())), "{w}");
    assert_eq!(bills(&app, None).await.len(), 1);
    assert!(conflicts(&app).await.is_empty());
    app.assert_books_balance().await;
}

#[tokio::test]
async fn payouts_failing_in_a_row_alert_the_operators_once_they_reach_the_setting() {
    let app = TestApp::spawn().await;
    let (cookies, _) = app.payee("o_wd_streak", "13720000011", "黄敏", 10_000).await;
    let alert = "[gpet] 连续打款失败".to_owned();
    for i in 1..=3 {
        faults(&app, &["name_mismatch"]).await;
        let w = accepted(&app, &cookies, 500).await;
        pay(&app).await;
        until_state(&app, &cookies, id_of(&w), "failed").await;
        let alerted = app.mail_subjects().await.contains(&alert);
        assert_eq!(alerted, i == 3, "after {i} failures in a row (the setting: 3)");
    }
    app.assert_books_balance().await;
}

/// A transfer notification as WeChat Pay sends it (the resource sealed with the APIv3 key), but
/// signed with `key`, not WeChat Pay's.
fn forged_notification(
    api_v3_key: &str,
    bill: &Value,
    key: &aws_lc_rs::rsa::KeyPair,
) -> (String, Vec<(&'static str, String)>) {
    let plain =
        json!({"out_bill_no": bill["out_bill_no"], "transfer_bill_no": bill["transfer_bill_no"], "state": "SUCCESS",
                       "mch_id": bill["mch_id"], "transfer_amount": bill["transfer_amount"], "openid": bill["openid"],
                       "create_time": bill["create_time"], "update_time": bill["create_time"]})
        .to_string();
    let nonce = "a1b2c3d4e5f6";
    let sealing = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, api_v3_key.as_bytes()).unwrap());
    let mut data = plain.into_bytes();
    sealing
        .seal_in_place_append_tag(
            aead::Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
            aead::Aad::from(b"mch_payment"),
            &mut data,
        )
        .unwrap();
    let body = json!({"id": "forged-1", "create_time": bill["create_time"], "resource_type": "encrypt-resource",
                      "event_type": "MCHTRANSFER.BILL.FINISHED", "summary": "商家转账单据终态通知",
                      "resource": {"original_type": "mch_payment", "algorithm": "AEAD_AES_256_GCM", "ciphertext": B64.encode(&data),
                                   "associated_data": "mch_payment", "nonce": nonce}})
    .to_string();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let header_nonce = "forgedNonce0001";
    let message = format!("{timestamp}\n{header_nonce}\n{body}\n");
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .unwrap();
    let headers = vec![
        ("Wechatpay-Timestamp", timestamp),
        ("Wechatpay-Nonce", header_nonce.to_owned()),
        ("Wechatpay-Serial", "PUB_KEY_ID_SANDBOX".to_owned()),
        ("Wechatpay-Signature", B64.encode(&signature)),
    ];
    (body, headers)
}

#[tokio::test]
async fn a_notification_that_does_not_verify_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (cookies, me) = app.payee("o_wd_forged", "13720000012", "黄敏", 10_000).await;
    let w = accepted(&app, &cookies, 3_000).await;
    let (id, no) = (id_of(&w), no_of(&w));
    pay(&app).await;
    until_state(&app, &cookies, id, "waiting_user").await;
    let entries = app.count("SELECT count(*) FROM ledger_entries").await;
    let bill = bills(&app, Some(&no)).await[0].clone();
    let api_v3_key = app.stack.started.pay.api_v3_key.clone();
    let stranger = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let (body, headers) = forged_notification(&api_v3_key, &bill, &stranger);
    let callback = app.url("/api/callbacks/wechat-pay/transfer");

    let mut forged = app.http.post(&callback).header("content-type", "application/json").body(body.clone());
    for (name, value) in &headers {
        forged = forged.header(*name, value);
    }
    let (status, answer) = json_of(forged.send().await.unwrap()).await;
    assert_eq!((status, answer["code"].as_i64()), (401, Some(1401)), "signed by someone else: {answer}");
    let (status, _) = json_of(app.http.post(&callback).body(body.clone()).send().await.unwrap()).await;
    assert_eq!(status, 401, "unsigned");
    let mut garbled = app.http.post(&callback).body(body.replace("SUCCESS", "FAIL"));
    for (name, value) in &headers {
        garbled = garbled.header(*name, value);
    }
    assert_eq!(json_of(garbled.send().await.unwrap()).await.0, 401, "a body other than the one signed");

    let w = mine(&app, &cookies, id).await;
    assert_eq!(w["state"], "waiting_user", "{w}");
    assert_eq!(app.balances(me).await, (7_000, 3_000));
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries").await, entries);
    assert_eq!(paid_out(&app).await, 0);

    // WeChat Pay's own notification still works.
    confirm(&app, &no, false).await;
    until_state(&app, &cookies, id, "success").await;
    app.assert_books_balance().await;
}

#[tokio::test]
async fn operators_retry_a_failed_payout_under_a_new_number_and_reject_releasing_the_hold() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let operator = app.console_token("ops", Role::Operator).await;
    let (cookies, me) = app.payee("o_wd_retry", "13720000013", "黄敏", 5_000).await;
    faults(&app, &["name_mismatch"]).await;
    let w = accepted(&app, &cookies, 2_000).await;
    let id = id_of(&w);
    pay(&app).await;
    until_state(&app, &cookies, id, "failed").await;
    assert_eq!(app.balances(me).await, (5_000, 0));

    let retry = format!("/api/console/withdrawals/{id}/retry");
    let (status, _) = app.console(Method::POST, &retry, &operator, None).await;
    assert_eq!(status, 403, "finance's decision");
    // Two clicks on "retry" at once: one retry.
    let (first, second) = tokio::join!(
        app.console(Method::POST, &retry, &finance, None),
        app.console(Method::POST, &retry, &finance, None)
    );
    let mut answers = [first, second];
    answers.sort_by_key(|(status, _)| *status);
    assert_eq!((answers[0].0, answers[1].0), (200, 400), "{answers:?}");
    let retried = answers[0].1.clone();
    let r = &retried["data"];
    assert_eq!(
        (r["state"].as_str(), r["attempt"].as_i64(), r["out_bill_no"].as_str()),
        (Some("pending"), Some(2), Some(format!("GW{id}A2").as_str())),
        "{retried}"
    );
    assert!(r["failure_reason"].is_null() && r["result_code"].is_null(), "{retried}");
    assert_eq!(app.balances(me).await, (3_000, 2_000), "held again");
    pay(&app).await;
    until_state(&app, &cookies, id, "waiting_user").await;
    let states: Vec<(String, String)> = bills(&app, None)
        .await
        .iter()
        .map(|b| (b["out_bill_no"].as_str().unwrap().to_owned(), b["state"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        states,
        [(format!("GW{id}A1"), "FAIL".to_owned()), (format!("GW{id}A2"), "WAIT_USER_CONFIRM".to_owned())]
    );
    assert!(conflicts(&app).await.is_empty());
    let (status, again) = app.console(Method::POST, &retry, &finance, None).await;
    assert_eq!((status, again["code"].as_i64()), (400, Some(1403)), "only a failed one: {again}");
    let reject = format!("/api/console/withdrawals/{id}/reject");
    let (status, refused) = app.console(Method::POST, &reject, &finance, Some(json!({"reason": "太晚了"}))).await;
    assert_eq!((status, refused["code"].as_i64()), (400, Some(1403)), "not once it is with WeChat Pay: {refused}");
    confirm(&app, &format!("GW{id}A2"), false).await;
    until_state(&app, &cookies, id, "success").await;
    assert_eq!((app.balances(me).await, paid_out(&app).await), ((3_000, 0), 2_000));

    // Rejecting a pending one releases it, and it is never sent.
    let (other, them) = app.payee("o_wd_rejected", "13720000014", "李娜", 1_000).await;
    let w2 = accepted(&app, &other, 1_000).await;
    let reject2 = format!("/api/console/withdrawals/{}/reject", id_of(&w2));
    let (status, bad) = app.console(Method::POST, &reject2, &finance, Some(json!({"reason": "  "}))).await;
    assert_eq!((status, bad["code"].as_i64()), (400, Some(1403)), "a reason is required");
    let (status, rejected) = app.console(Method::POST, &reject2, &finance, Some(json!({"reason": "身份待核实"}))).await;
    assert_eq!((status, rejected["data"]["state"].as_str()), (200, Some("rejected")), "{rejected}");
    assert_eq!(app.balances(them).await, (1_000, 0));
    pay(&app).await;
    assert!(bills(&app, Some(&no_of(&w2))).await.is_empty());
    let (status, _) = app.console(Method::POST, &reject2, &finance, Some(json!({"reason": "再驳回"}))).await;
    assert_eq!(status, 400, "once");

    // Rejecting a failed one: nothing more to release.
    let (third, three) = app.payee("o_wd_failed_rejected", "13720000015", "王芳", 1_000).await;
    faults(&app, &["name_mismatch"]).await;
    let w3 = accepted(&app, &third, 1_000).await;
    pay(&app).await;
    until_state(&app, &third, id_of(&w3), "failed").await;
    let entries = app.count("SELECT count(*) FROM ledger_entries").await;
    let reject3 = format!("/api/console/withdrawals/{}/reject", id_of(&w3));
    let (status, _) = app.console(Method::POST, &reject3, &finance, Some(json!({"reason": "不再重试"}))).await;
    assert_eq!(status, 200);
    assert_eq!(app.balances(three).await, (1_000, 0));
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries").await, entries);

    // A retry the balance no longer covers: 3002, and nothing changes.
    let (fourth, four) = app.payee("o_wd_short", "13720000016", "赵磊", 1_000).await;
    faults(&app, &["name_mismatch"]).await;
    let w4 = accepted(&app, &fourth, 1_000).await;
    pay(&app).await;
    until_state(&app, &fourth, id_of(&w4), "failed").await;
    app.ctx.clock.set_offset(chrono::Duration::days(1));
    accepted(&app, &fourth, 1_000).await;
    let (status, short) =
        app.console(Method::POST, &format!("/api/console/withdrawals/{}/retry", id_of(&w4)), &finance, None).await;
    app.ctx.clock.set_offset(chrono::Duration::zero());
    assert_eq!((status, short["code"].as_i64()), (422, Some(3002)), "{short}");
    assert_eq!(mine(&app, &fourth, id_of(&w4)).await["state"], "failed");
    assert_eq!(app.balances(four).await, (0, 1_000));
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'withdrawal.retry'").await, 1);
    app.assert_books_balance().await;
}

/// Waits until `n` backends of the test's database wait for a lock.
async fn lock_waiters(app: &TestApp, n: i64) {
    for _ in 0..400 {
        let waiting = app
            .count(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                 AND state = 'active'",
            )
            .await;
        if waiting >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{n} backends never waited for a lock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_racing_the_payouts_consumer_sends_nothing_and_leaves_no_payout_on_record() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let (cookies, me) = app.payee("o_wd_race_reject", "13720000018", "黄敏", 5_000).await;
    let w = accepted(&app, &cookies, 2_000).await;
    let (id, no) = (id_of(&w), no_of(&w));

    // The operator rejects while the consumer picks the payout up: the rejection holds the
    // withdrawal and waits (on the user's held account, which the test holds for a moment)...
    let hold = app.connect().await;
    hold.batch_execute(&format!("BEGIN; SELECT 1 FROM accounts WHERE user_id = {me} AND kind = 'held' FOR UPDATE;"))
        .await
        .unwrap();
    let (http, url) = (app.http.clone(), app.url(&format!("/api/console/withdrawals/{id}/reject")));
    let reject = tokio::spawn(async move {
        json_of(http.post(url).bearer_auth(finance).json(&json!({"reason": "核实中"})).send().await.unwrap()).await
    });
    lock_waiters(&app, 1).await;
    // ... the consumer reads the withdrawal (still pending) and waits to claim it; then the
    // rejection commits first.
    let let_go = async {
        lock_waiters(&app, 2).await;
        hold.batch_execute("COMMIT").await.unwrap();
    };
    let (handled, ()) = tokio::join!(pay(&app), let_go);
    assert_eq!(handled, 1);
    let (status, rejected) = reject.await.unwrap();
    assert_eq!((status, rejected["data"]["state"].as_str()), (200, Some("rejected")), "{rejected}");
    assert_eq!(mine(&app, &cookies, id).await["state"], "rejected");
    assert!(bills(&app, None).await.is_empty(), "nothing was sent");
    assert_eq!(app.balances(me).await, (5_000, 0));
    app.assert_books_balance().await;

    // The day's reconciliation has nothing of ours to compare: no payout was made, and WeChat
    // Pay moved no money (its bill of the day is asked for as if the day had ended).
    let (status, _) = app.sandbox_call(Method::PUT, "/sandbox/pay/fund-flow", Some(json!({"today_ready": true}))).await;
    assert_eq!(status, 200);
    let attempt: String = app
        .db()
        .await
        .query_one("SELECT state FROM payout_attempts WHERE out_bill_no = $1", &[&no])
        .await
        .unwrap()
        .get("state");
    let today = app.ctx.clock.today();
    let finance = app.console_token("fin2", Role::Finance).await;
    let (_, report) =
        app.console(Method::GET, &format!("/api/console/payouts/reconciliation/{today}"), &finance, None).await;
    assert_eq!(
        (
            attempt.as_str(),
            report["data"]["ours"].as_i64(),
            report["data"]["differences"].as_array().map(Vec::len),
            report["data"]["bill"]["kind"].as_str()
        ),
        ("rejected", Some(0), Some(0), Some("none")),
        "the rejected attempt is on record as {attempt:?}; reconciliation: {report}"
    );
}

//! The finance console's reconciliation of a day against WeChat Pay's records, through the
//! sandbox's WeChat Pay: the day's fund-flow bill (applied for, downloaded, hash-checked, read)
//! and the per-bill query of the orders the bill does not settle. A bill WeChat Pay cannot give
//! (not made yet, a 404, a file whose hash or content is wrong) is an error the console shows
//! with its message, never an empty list.

use std::time::Duration;

use gpet::operators::Role;
use gpet::queue::Queue;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Cookies, TestApp};

/// A withdrawal of `amount` accepted for the owner.
async fn withdrawal(app: &TestApp, cookies: &Cookies, amount: i64) -> Value {
    let (status, answer) = app.h5_post("/api/withdrawals", cookies, json!({"amount_fen": amount})).await;
    assert_eq!((status, answer["code"].as_i64()), (200, Some(1200)), "{answer}");
    answer["data"].clone()
}

fn no_of(w: &Value) -> String {
    w["out_bill_no"].as_str().unwrap().to_owned()
}

/// The payouts consumer until its queue is empty.
async fn pay(app: &TestApp) {
    app.run_job("outbox-relay").await;
    app.drain(Queue::Payouts, "consume-payouts").await;
}

/// The next transfer-bill creates at the sandbox's WeChat Pay do these.
async fn faults(app: &TestApp, next: &[&str]) {
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/pay/faults", Some(json!({ "next": next }))).await;
    assert_eq!(status, 200, "{answer}");
}

/// The next applications for a fund-flow bill do these.
async fn bill_faults(app: &TestApp, next: &[&str]) {
    let body = Some(json!({ "next": next }));
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/pay/fund-flow/faults", body).await;
    assert_eq!(status, 200, "{answer}");
}

/// WeChat Pay serves today's bill now (the flows so far), as it would tomorrow.
async fn today_ready(app: &TestApp) {
    let body = Some(json!({"today_ready": true}));
    let (status, answer) = app.sandbox_call(Method::PUT, "/sandbox/pay/fund-flow", body).await;
    assert_eq!(status, 200, "{answer}");
}

/// The user confirms (or declines) the receipt in WeChat.
async fn confirm(app: &TestApp, out_bill_no: &str, cancel: bool) {
    let body = json!({"out_bill_no": out_bill_no, "cancel": cancel});
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/pay/confirm", Some(body)).await;
    assert_eq!(status, 200, "{answer}");
}

/// Our withdrawal once it reaches `state` (notifications arrive on their own).
async fn until_state(app: &TestApp, cookies: &Cookies, w: &Value, state: &str) {
    let path = format!("/api/withdrawals/{}", w["id"]);
    let mut now = Value::Null;
    for _ in 0..200 {
        now = app.get(&path, cookies).await.1["data"].clone();
        if now["state"] == state {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("withdrawal {} never reached {state}: {now}", w["id"]);
}

/// The day's reconciliation as the finance console asks for it: status and answer.
async fn reconcile(app: &TestApp, finance: &str, day: &str) -> (u16, Value) {
    app.console(Method::GET, &format!("/api/console/payouts/reconciliation/{day}"), finance, None).await
}

fn sha1(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The differences as (order number, kind, ours, theirs), in the answer's order.
fn differences(report: &Value) -> Vec<(String, String, Value, Value)> {
    report["data"]["differences"]
        .as_array()
        .unwrap_or_else(|| panic!("a list of differences: {report}"))
        .iter()
        .map(|d| {
            (
                d["out_bill_no"].as_str().unwrap().to_owned(),
                d["kind"].as_str().unwrap().to_owned(),
                d["ours"].clone(),
                d["theirs"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_day_with_paid_failed_cancelled_and_open_payouts_reconciles_without_a_difference() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let mut payees = Vec::new();
    for (i, name) in ["黄敏", "李娜", "王芳", "赵磊", "刘洋"].iter().enumerate() {
        payees.push(app.payee(&format!("o_rec_clean_{i}"), &format!("137300001{i:02}"), name, 5_000).await.0);
    }
    // Paid (¥10.29, exact in fen), refused by WeChat Pay, declined by its user, waiting for its
    // user, and rejected before it was sent.
    let paid = withdrawal(&app, &payees[0], 1_029).await;
    pay(&app).await;
    confirm(&app, &no_of(&paid), false).await;
    until_state(&app, &payees[0], &paid, "success").await;
    faults(&app, &["name_mismatch"]).await;
    let refused = withdrawal(&app, &payees[1], 1_100).await;
    pay(&app).await;
    until_state(&app, &payees[1], &refused, "failed").await;
    let declined = withdrawal(&app, &payees[2], 1_200).await;
    pay(&app).await;
    confirm(&app, &no_of(&declined), true).await;
    until_state(&app, &payees[2], &declined, "failed").await;
    let waiting = withdrawal(&app, &payees[3], 1_300).await;
    pay(&app).await;
    until_state(&app, &payees[3], &waiting, "waiting_user").await;
    let rejected = withdrawal(&app, &payees[4], 1_400).await;
    let path = format!("/api/console/withdrawals/{}/reject", rejected["id"]);
    assert_eq!(app.console(Method::POST, &path, &finance, Some(json!({"reason": "不符"}))).await.0, 200);

    let today = app.ctx.clock.today().to_string();
    let operator = app.console_token("ops", Role::Operator).await;
    assert_eq!(reconcile(&app, &operator, &today).await.0, 403, "finance only");
    today_ready(&app).await;
    let (status, report) = reconcile(&app, &finance, &today).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(differences(&report), [], "{report}");
    let r = &report["data"];
    assert_eq!(r["day"], today);
    let figures = |keys: &[&str]| keys.iter().map(|k| r[*k].as_i64().unwrap_or(-1)).collect::<Vec<_>>();
    assert_eq!(
        figures(&["ours", "ours_total_fen", "ours_paid", "ours_paid_fen", "theirs", "theirs_total_fen", "matched"]),
        [4, 4_629, 1, 1_029, 1, 1_029, 4],
        "{report}"
    );
    assert_eq!(figures(&["queried", "unchecked"]), [3, 0], "the bill settles the paid one, the query the others");
    let file = app.sandbox().base_url.clone() + &format!("/sandbox/pay/fund-flow/{today}");
    let text = app.http.get(file).send().await.unwrap().text().await.unwrap();
    assert!(
        text.contains(&format!("`支出,`10.29,`999989.71,`1900000109API,`gpet 群主收益提现,`{}", no_of(&paid))),
        "{text}"
    );
    assert_eq!(
        r["bill"],
        json!({"kind": "file", "account": "OPERATION", "sha1": sha1(text.as_bytes()),
               "summary": {"flows": 1, "income_count": 0, "income_fen": 0, "expense_count": 1, "expense_fen": 1_029}})
    );
    app.assert_books_balance().await;
}

#[tokio::test]
async fn payouts_the_bill_lacks_or_disagrees_with_and_money_paid_to_no_order_of_ours_are_reported() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let mut payees = Vec::new();
    for (i, name) in ["黄敏", "李娜", "王芳", "赵磊"].iter().enumerate() {
        payees.push(app.payee(&format!("o_rec_diff_{i}"), &format!("137300002{i:02}"), name, 5_000).await.0);
    }
    // 1: paid, but WeChat Pay later says FAIL (and pays the money back in the bill).
    let reversed = withdrawal(&app, &payees[0], 1_000).await;
    pay(&app).await;
    confirm(&app, &no_of(&reversed), false).await;
    until_state(&app, &payees[0], &reversed, "success").await;
    let forced = json!({"state": "FAIL", "fail_reason": "TRANSFER_RISK"});
    let path = format!("/sandbox/pay/bills/{}/state", no_of(&reversed));
    assert_eq!(app.sandbox_call(Method::POST, &path, Some(forced)).await.0, 200);
    // 2: SYSTEM_ERROR: we wait on a bill WeChat Pay never made.
    faults(&app, &["system_error"]).await;
    let lost = withdrawal(&app, &payees[1], 1_100).await;
    pay(&app).await;
    // 3: paid, but our record of its amount is not what WeChat Pay paid.
    let misrecorded = withdrawal(&app, &payees[2], 1_200).await;
    pay(&app).await;
    confirm(&app, &no_of(&misrecorded), false).await;
    until_state(&app, &payees[2], &misrecorded, "success").await;
    // 4: waiting for its user at WeChat Pay, but paid in our books: the bill lacks it.
    let unpaid = withdrawal(&app, &payees[3], 1_300).await;
    pay(&app).await;
    until_state(&app, &payees[3], &unpaid, "waiting_user").await;
    let db = app.db().await;
    let set = "UPDATE payout_attempts SET amount_fen = $2, state = $3 WHERE out_bill_no = $1";
    db.execute(set, &[&no_of(&misrecorded), &1_250_i64, &"success"]).await.unwrap();
    db.execute(set, &[&no_of(&unpaid), &1_300_i64, &"success"]).await.unwrap();
    // 5: someone else's bill under our merchant number, paid.
    let other = gpet::partners::wechat_pay::WechatPay::new(reqwest::Client::new(), app.pay_config().await).unwrap();
    let transfer = gpet::partners::wechat_pay::Transfer {
        out_bill_no: "GWSTRAY1A1",
        openid: "o_stranger",
        user_name: "路人甲",
        amount_fen: 900,
        remark: "不明转账",
    };
    assert_eq!(other.create(&transfer).await.unwrap().state, "WAIT_USER_CONFIRM");
    confirm(&app, "GWSTRAY1A1", false).await;

    today_ready(&app).await;
    let today = app.ctx.clock.today().to_string();
    let (status, report) = reconcile(&app, &finance, &today).await;
    assert_eq!(status, 200, "{report}");
    let mut expected = vec![
        (
            no_of(&reversed),
            "state".to_owned(),
            json!({"amount_fen": 1_000, "state": "success"}),
            json!({"amount_fen": 1_000, "state": "FAIL"}),
        ),
        (no_of(&lost), "missing_at_wechat".to_owned(), json!({"amount_fen": 1_100, "state": "submitted"}), Value::Null),
        (
            no_of(&misrecorded),
            "amount".to_owned(),
            json!({"amount_fen": 1_250, "state": "success"}),
            json!({"amount_fen": 1_200, "state": "BILLED"}),
        ),
        (
            no_of(&unpaid),
            "state".to_owned(),
            json!({"amount_fen": 1_300, "state": "success"}),
            json!({"amount_fen": 1_300, "state": "WAIT_USER_CONFIRM"}),
        ),
        (
            "GWSTRAY1A1".to_owned(),
            "missing_here".to_owned(),
            Value::Null,
            json!({"amount_fen": 900, "state": "BILLED"}),
        ),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(differences(&report), expected, "{report}");
    let r = &report["data"];
    let figures = |keys: &[&str]| keys.iter().map(|k| r[*k].as_i64().unwrap_or(-1)).collect::<Vec<_>>();
    // The bill: 10.00 out and back, 12.00 and 9.00 out.
    assert_eq!(
        figures(&["ours", "ours_paid", "ours_paid_fen", "theirs", "theirs_total_fen", "matched", "queried"]),
        [4, 3, 1_000 + 1_250 + 1_300, 2, 2_100, 0, 3],
        "{report}"
    );
    assert_eq!(
        r["bill"]["summary"],
        json!({"flows": 4, "income_count": 1, "income_fen": 1_000, "expense_count": 3, "expense_fen": 3_100})
    );
    let notes: Vec<&str> = r["differences"].as_array().unwrap().iter().map(|d| d["note"].as_str().unwrap()).collect();
    assert!(notes.iter().all(|n| !n.is_empty()), "{notes:?}");
    assert!(notes.contains(&"金额不符：本地 12.50 元，资金账单净支出 12.00 元"), "{notes:?}");
}

#[tokio::test]
async fn a_bill_wechat_pay_cannot_give_is_the_console_s_error_with_its_message_never_an_empty_list() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let (cookies, _) = app.payee("o_rec_errors", "13730000301", "黄敏", 5_000).await;
    let w = withdrawal(&app, &cookies, 1_000).await;
    pay(&app).await;
    confirm(&app, &no_of(&w), false).await;
    until_state(&app, &cookies, &w, "success").await;
    let today = app.ctx.clock.today();

    // Today's bill before the day is over: not made yet.
    let (status, answer) = reconcile(&app, &finance, &today.to_string()).await;
    assert_eq!((status, answer["code"].as_i64()), (502, Some(1101)), "{answer}");
    assert_eq!(answer["msg"], format!("微信支付的 {today} 资金账单尚未生成（次日 10 点后可查），请稍后再试"));
    assert_eq!(answer["data"], json!({"reason": "not_ready", "day": today.to_string()}));

    today_ready(&app).await;
    let cases = [
        ("creating", "not_ready", "资金账单尚未生成"),
        ("not_found", "not_found", "微信支付答复 404，无法申请资金账单"),
        ("wrong_hash", "hash_mismatch", "账单校验失败"),
        ("malformed", "malformed", "资金账单格式错误：汇总与明细不符：支出金额 10.01 ≠ 明细合计 10.00"),
        ("corrupt_gzip", "malformed", "资金账单格式错误：账单文件无法解压"),
        ("download_not_found", "not_found", "微信支付答复 404，无法下载资金账单"),
        ("foreign_host", "foreign_host", "资金账单的下载地址不在微信支付的域名上（bills.example.com），已拒绝下载"),
    ];
    bill_faults(&app, &cases.map(|(fault, _, _)| fault)).await;
    for (fault, reason, message) in cases {
        let (status, answer) = reconcile(&app, &finance, &today.to_string()).await;
        assert_eq!((status, answer["code"].as_i64()), (502, Some(1101)), "{fault}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(message), "{fault}: {answer}");
        assert_eq!(answer["data"]["reason"], reason, "{fault}: {answer}");
        assert!(answer["data"]["differences"].is_null(), "{fault}: no list at all");
    }
    // A day after today: WeChat Pay refuses the application.
    let (status, answer) = reconcile(&app, &finance, &today.succ().to_string()).await;
    assert_eq!((status, answer["data"]["reason"].as_str()), (502, Some("refused")), "{answer}");
    assert!(answer["msg"].as_str().unwrap().contains("INVALID_REQUEST"), "{answer}");

    // The faults are spent: the same day reconciles.
    let (status, report) = reconcile(&app, &finance, &today.to_string()).await;
    assert_eq!((status, differences(&report)), (200, vec![]), "{report}");
    assert_eq!(report["data"]["matched"], 1);
}

#[tokio::test]
async fn a_day_on_which_wechat_pay_moved_no_money_reconciles_by_querying_each_order() {
    let app = TestApp::spawn().await;
    let finance = app.console_token("fin", Role::Finance).await;
    let (first, _) = app.payee("o_rec_none_0", "13730000401", "黄敏", 5_000).await;
    let (second, _) = app.payee("o_rec_none_1", "13730000402", "李娜", 5_000).await;
    faults(&app, &["name_mismatch"]).await;
    let refused = withdrawal(&app, &first, 1_000).await;
    pay(&app).await;
    until_state(&app, &first, &refused, "failed").await;
    let waiting = withdrawal(&app, &second, 2_000).await;
    pay(&app).await;
    until_state(&app, &second, &waiting, "waiting_user").await;

    today_ready(&app).await;
    let today = app.ctx.clock.today();
    let (status, report) = reconcile(&app, &finance, &today.to_string()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(differences(&report), [], "{report}");
    let r = &report["data"];
    assert_eq!(
        r["bill"],
        json!({"kind": "none", "account": "OPERATION", "sha1": null,
               "summary": {"flows": 0, "income_count": 0, "income_fen": 0, "expense_count": 0, "expense_fen": 0}})
    );
    assert_eq!((r["ours"].as_i64(), r["matched"].as_i64(), r["queried"].as_i64()), (Some(2), Some(2), Some(2)));
    assert_eq!((r["theirs"].as_i64(), r["ours_paid_fen"].as_i64()), (Some(0), Some(0)));

    // Paid in our books on a day WeChat Pay moved nothing: a difference, not a silence.
    let db = app.db().await;
    db.execute("UPDATE payout_attempts SET state = 'success' WHERE out_bill_no = $1", &[&no_of(&waiting)])
        .await
        .unwrap();
    let (status, report) = reconcile(&app, &finance, &today.to_string()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        differences(&report),
        [(
            no_of(&waiting),
            "state".to_owned(),
            json!({"amount_fen": 2_000, "state": "success"}),
            json!({"amount_fen": 2_000, "state": "WAIT_USER_CONFIRM"})
        )]
    );

    // The day before: nothing of ours, nothing at WeChat Pay.
    let (status, report) = reconcile(&app, &finance, &today.pred().to_string()).await;
    assert_eq!(
        (status, report["data"]["ours"].as_i64(), report["data"]["bill"]["kind"].as_str()),
        (200, Some(0), Some("none"))
    );
}

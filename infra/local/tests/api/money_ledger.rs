//! The ledger's rules as PostgreSQL keeps them (migration 0004), whatever the code does: a balance
//! moves only with its entries, a transaction's legs balance, entries are append-only, a user's
//! balance never goes below zero (not even under concurrent debits), an idempotency key posts
//! once. And the audit that watches them can fail, and then says so: stored, in the console and
//! by mail.

use gpet::error::{Code, Error};
use gpet::ledger::{self, Account, transfer};
use gpet::operators::Role;
use gpet::{Fen, UserId};
use reqwest::Method;

use crate::helpers::TestApp;

/// A user made the way the tests of concurrency make them (the accounts open by trigger).
async fn user(app: &TestApp, openid: &str) -> i64 {
    app.db()
        .await
        .query_one("INSERT INTO users (openid, nickname) VALUES ($1, '账本') RETURNING id", &[&openid])
        .await
        .unwrap()
        .get("id")
}

async fn account(app: &TestApp, user_id: i64, kind: &str) -> i64 {
    app.db()
        .await
        .query_one("SELECT id FROM accounts WHERE user_id = $1 AND kind = $2", &[&user_id, &kind])
        .await
        .unwrap()
        .get("id")
}

/// The database's refusal of `sql`: its constraint (or message) for the assertion.
async fn refused(app: &TestApp, sql: &str) -> String {
    let client = app.db().await;
    let err = client.batch_execute(sql).await.expect_err(sql);
    // A batch that failed inside BEGIN leaves its transaction open and aborted: end it.
    client.batch_execute("ROLLBACK").await.unwrap();
    let db = err.as_db_error().unwrap_or_else(|| panic!("{sql}: not a database error: {err}"));
    format!("{} {} {}", db.code().code(), db.constraint().unwrap_or(""), db.message())
}

async fn sizes(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("SELECT count(*) FROM ledger_entries").await,
        app.count("SELECT count(*) FROM ledger_txns").await,
        app.count("SELECT coalesce(sum(abs(balance_fen)), 0)::bigint FROM accounts").await,
    )
}

#[tokio::test]
async fn postgres_refuses_balance_updates_unbalanced_or_edited_entries_overdrafts_and_reused_keys() {
    let app = TestApp::spawn().await;
    let u = user(&app, "o_ledger_rules").await;
    app.fund(&[u], 500).await;
    let available = account(&app, u, "available").await;
    let held = account(&app, u, "held").await;
    let before = sizes(&app).await;

    // A balance moves only with its entries.
    let why =
        refused(&app, &format!("UPDATE accounts SET balance_fen = balance_fen + 100 WHERE id = {available}")).await;
    assert!(why.starts_with("23001") && why.contains("balances change only by ledger entries"), "{why}");
    let why = refused(&app, "UPDATE accounts SET balance_fen = 0 WHERE user_id IS NULL AND kind = 'ad_income'").await;
    assert!(why.contains("balances change only by ledger entries"), "{why}");
    let why = refused(&app, &format!("UPDATE accounts SET kind = 'held' WHERE id = {available}")).await;
    assert!(why.contains("keeps its owner and kind"), "{why}");
    let why = refused(&app, &format!("DELETE FROM accounts WHERE id = {available}")).await;
    assert!(why.contains("never deleted"), "{why}");
    let why = refused(&app, "TRUNCATE accounts CASCADE").await;
    assert!(why.contains("append-only") || why.contains("never deleted"), "{why}");

    // Entries balance per transaction and per statement: one leg alone, two transactions that
    // only offset each other, and a transaction posted half by half are all refused.
    let day = app.ctx.clock.today().date().to_string();
    let one_leg = format!(
        "BEGIN;
         INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:one-leg', 'test', '{day}');
         INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
         SELECT id, {available}, 100, 'ad_income', '{day}' FROM ledger_txns WHERE idem_key = 't:one-leg';
         COMMIT;"
    );
    let why = refused(&app, &one_leg).await;
    assert!(why.contains("ledger_balanced") && why.contains("does not balance"), "{why}");
    let offsetting = format!(
        "BEGIN;
         INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:x1', 'test', '{day}'), ('t:x2', 'test', '{day}');
         INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
         SELECT t.id, CASE WHEN t.idem_key = 't:x1' THEN {available}
                           ELSE (SELECT id FROM accounts WHERE user_id IS NULL AND kind = 'ad_income') END,
                CASE WHEN t.idem_key = 't:x1' THEN 100 ELSE -100 END, 'ad_income', '{day}'
         FROM ledger_txns t WHERE t.idem_key IN ('t:x1', 't:x2');
         COMMIT;"
    );
    let why = refused(&app, &offsetting).await;
    assert!(why.contains("ledger_balanced"), "two transactions that offset each other still each balance: {why}");
    let halves = format!(
        "BEGIN;
         INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:halves', 'test', '{day}');
         INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
         SELECT id, (SELECT id FROM accounts WHERE user_id IS NULL AND kind = 'ad_income'), -100, 'ad_income', '{day}'
         FROM ledger_txns WHERE idem_key = 't:halves';
         INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
         SELECT id, {available}, 100, 'ad_income', '{day}' FROM ledger_txns WHERE idem_key = 't:halves';
         COMMIT;"
    );
    let why = refused(&app, &halves).await;
    assert!(why.contains("ledger_balanced"), "{why}");
    let zero = format!(
        "BEGIN;
         INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:zero', 'test', '{day}');
         INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
         SELECT id, {available}, 0, 'ad_income', '{day}' FROM ledger_txns WHERE idem_key = 't:zero';
         COMMIT;"
    );
    let why = refused(&app, &zero).await;
    assert!(why.starts_with("23514"), "a zero leg: {why}");

    // An entry names a transaction and an account that exist.
    let nowhere = format!(
        "BEGIN;
         INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:nowhere', 'test', '{day}');
         INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
         SELECT id, a, m, 'test', '{day}' FROM ledger_txns, (VALUES ({available}, -1::bigint), (987654321, 1)) v(a, m)
         WHERE idem_key = 't:nowhere';
         COMMIT;"
    );
    let why = refused(&app, &nowhere).await;
    assert!(why.starts_with("23503"), "an unknown account: {why}");
    let why = refused(&app, &format!(
        "INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day) VALUES (987654321, {available}, 1, 'test', '{day}'), (987654321, {held}, -1, 'test', '{day}')"
    ))
    .await;
    assert!(why.starts_with("23503"), "an unknown transaction: {why}");

    // Entries and transactions are append-only.
    for sql in [
        "UPDATE ledger_entries SET amount_fen = amount_fen * 2".to_owned(),
        format!("UPDATE ledger_entries SET account_id = {held} WHERE account_id = {available}"),
        "DELETE FROM ledger_entries".to_owned(),
        "TRUNCATE ledger_entries CASCADE".to_owned(),
        "UPDATE ledger_txns SET idem_key = idem_key || 'x'".to_owned(),
        "DELETE FROM ledger_txns".to_owned(),
        "TRUNCATE ledger_txns CASCADE".to_owned(),
    ] {
        let why = refused(&app, &sql).await;
        assert!(why.contains("append-only"), "{sql}: {why}");
    }

    // A user's balance never goes below zero: 3002 from the code, the constraint underneath.
    let mut client = app.db().await;
    let tx = client.transaction().await.unwrap();
    let over = ledger::post(
        &tx,
        "t:overdraft",
        "test",
        app.ctx.clock.today().date(),
        &transfer(Account::Available(UserId::new(u)), Account::AdIncome, Fen::new(501), "test"),
    )
    .await;
    assert!(
        matches!(over, Err(Error::Rejected { code: Code::InsufficientBalance, .. })),
        "501 fen out of 500: {over:?}"
    );
    drop(tx);
    let tx = client.transaction().await.unwrap();
    let over = ledger::post(
        &tx,
        "t:held-overdraft",
        "test",
        app.ctx.clock.today().date(),
        &transfer(Account::Held(UserId::new(u)), Account::Available(UserId::new(u)), Fen::new(1), "test"),
    )
    .await;
    assert!(matches!(over, Err(Error::Rejected { code: Code::InsufficientBalance, .. })), "{over:?}");
    drop(tx);
    drop(client);
    let raw = format!(
        "BEGIN;
         INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:raw-overdraft', 'test', '{day}');
         INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
         SELECT id, a, m, 'test', '{day}' FROM ledger_txns,
                (VALUES ({available}, -501::bigint), ((SELECT id FROM accounts WHERE user_id IS NULL AND kind = 'ad_income'), 501)) v(a, m)
         WHERE idem_key = 't:raw-overdraft';
         COMMIT;"
    );
    let why = refused(&app, &raw).await;
    assert!(why.contains("user_balance_not_negative"), "{why}");
    assert_eq!(sizes(&app).await, before, "nothing refused left a trace");
    assert_eq!(app.balances(u).await, (500, 0));

    // An idempotency key posts once, whatever the second call carries.
    let today = app.ctx.clock.today().date();
    let legs = transfer(Account::AdIncome, Account::Available(UserId::new(u)), Fen::new(100), "ad_income");
    let mut client = app.db().await;
    let tx = client.transaction().await.unwrap();
    let first = ledger::post(&tx, "t:once", "test", today, &legs).await.unwrap();
    tx.commit().await.unwrap();
    let tx = client.transaction().await.unwrap();
    let again = ledger::post(
        &tx,
        "t:once",
        "test",
        today,
        &transfer(Account::AdIncome, Account::Available(UserId::new(u)), Fen::new(999), "ad_income"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    drop(client);
    assert!(first.is_some() && again.is_none(), "{first:?} then {again:?}");
    assert_eq!(app.balances(u).await, (600, 0), "credited once");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id WHERE t.idem_key = 't:once'"
        )
        .await,
        2
    );
    let why =
        refused(&app, &format!("INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:once', 'test', '{day}')"))
            .await;
    assert!(why.starts_with("23505"), "{why}");

    app.assert_books_balance().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_debits_never_take_a_balance_below_zero() {
    let app = TestApp::spawn().await;
    let u = user(&app, "o_ledger_race").await;
    app.fund(&[u], 1000).await;
    let today = app.ctx.clock.today().date();
    let app = &app;
    // 200 debits of 7 fen at once, each its own transaction: 142 fit in 1,000 fen.
    let results = futures::future::join_all((0..200).map(|i| async move {
        let mut client = app.db().await;
        let tx = client.transaction().await.unwrap();
        let legs = transfer(Account::Available(UserId::new(u)), Account::AdIncome, Fen::new(7), "test");
        match ledger::post(&tx, &format!("t:debit:{i}"), "test", today, &legs).await {
            Ok(Some(_)) => {
                tx.commit().await.unwrap();
                Ok(())
            }
            Ok(None) => panic!("fresh keys"),
            Err(e) => Err(e),
        }
    }))
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let short =
        results.iter().filter(|r| matches!(r, Err(Error::Rejected { code: Code::InsufficientBalance, .. }))).count();
    assert_eq!((ok, short), (142, 58), "{:?}", results.iter().filter(|r| r.is_err()).take(3).collect::<Vec<_>>());
    assert_eq!(app.balances(u).await, (6, 0));
    assert_eq!(app.count("SELECT count(*) FROM accounts WHERE user_id IS NOT NULL AND balance_fen < 0").await, 0);
    app.assert_books_balance().await;
}

#[tokio::test]
async fn the_audit_can_fail_and_then_is_stored_shown_in_the_console_and_mailed() {
    let app = TestApp::spawn().await;
    let u = user(&app, "o_ledger_tamper").await;
    app.fund(&[u], 300).await;
    let finance = app.console_token("fin", Role::Finance).await;
    let operator = app.console_token("ops", Role::Operator).await;

    // Healthy first: stored ok, no mail.
    let report = app.run_job("ledger-audit").await;
    assert_eq!(report["ok"], true, "{report}");
    assert!(app.mail_subjects().await.is_empty());

    // Someone with the keys goes around the rules: the posting trigger off, one unbalanced leg.
    let available = account(&app, u, "available").await;
    let day = app.ctx.clock.today().date().to_string();
    app.db()
        .await
        .batch_execute(&format!(
            "ALTER TABLE ledger_entries DISABLE TRIGGER USER;
             INSERT INTO ledger_txns (idem_key, kind, day) VALUES ('t:tampered', 'test', '{day}');
             INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day)
             SELECT id, {available}, 37, 'ad_income', '{day}' FROM ledger_txns WHERE idem_key = 't:tampered';
             ALTER TABLE ledger_entries ENABLE TRIGGER USER;"
        ))
        .await
        .unwrap();
    // The rules are back on for everyone else.
    let why = refused(&app, "DELETE FROM ledger_entries").await;
    assert!(why.contains("append-only"), "{why}");

    let mut client = app.db().await;
    let (checks, _) = gpet::ledger::check(&mut client).await.unwrap();
    drop(client);
    let failing: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
    // The balances did not move (the posting trigger was off), so they still sum to zero.
    assert_eq!(failing, ["交易借贷平衡", "余额等于分录合计"], "{checks:?}");

    let report = app.run_job("ledger-audit").await;
    assert_eq!(report["ok"], false, "{report}");
    let stored = app.count("SELECT count(*) FROM ledger_audits WHERE NOT ok").await;
    assert_eq!(stored, 1);

    let (status, audits) = app.console(Method::GET, "/api/console/ledger/audit", &finance, None).await;
    assert_eq!(status, 200, "{audits}");
    let latest = &audits["data"]["latest"];
    assert_eq!(latest["ok"], false, "{audits}");
    let failed: Vec<&serde_json::Value> =
        latest["checks"].as_array().unwrap().iter().filter(|c| c["ok"] == false).collect();
    assert_eq!(failed.len(), 2, "{latest}");
    assert!(failed[0]["detail"].as_str().unwrap().contains('1'), "the detail counts: {latest}");
    let history = audits["data"]["history"].as_array().unwrap();
    assert_eq!(history.iter().map(|a| a["ok"].as_bool().unwrap()).collect::<Vec<_>>(), [false, true], "newest first");
    let (status, _) = app.console(Method::GET, "/api/console/ledger/audit", &operator, None).await;
    assert_eq!(status, 403, "finance's page");
    // Run now from the console: one more audit, the same finding, newest first.
    let (status, _) = app.console(Method::POST, "/api/console/ledger/audit/run", &operator, None).await;
    assert_eq!(status, 403, "finance's button");
    let (status, now) = app.console(Method::POST, "/api/console/ledger/audit/run", &finance, None).await;
    assert_eq!(status, 200, "{now}");
    let history = now["data"]["history"].as_array().unwrap();
    assert_eq!(history.iter().map(|a| a["ok"].as_bool().unwrap()).collect::<Vec<_>>(), [false, false, true], "{now}");
    assert_eq!(now["data"]["latest"]["id"], history[0]["id"]);

    let (_, mail) = app.sandbox_call(Method::GET, "/sandbox/mail", None).await;
    let alert = mail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "[gpet] 账本校验失败")
        .unwrap_or_else(|| panic!("no audit alert mailed: {mail}"))
        .clone();
    assert_eq!(alert["to"], gpet_local::setup::LOCAL_ALERT_MAIL_TO);
    assert!(alert["text"].as_str().unwrap().contains("交易借贷平衡"), "{alert}");
    let audit_id = latest["id"].as_i64().unwrap();
    assert!(
        crate::helpers::alert_logged("ledger_audit_failed", &format!("ledger-audit:{audit_id}")),
        "the failed audit is logged for CloudWatch's alarm"
    );

    // A held balance nobody's withdrawal explains: the hold check fails too.
    let held = account(&app, u, "held").await;
    app.db()
        .await
        .batch_execute(&format!(
            "ALTER TABLE accounts DISABLE TRIGGER USER;
             UPDATE accounts SET balance_fen = 5 WHERE id = {held};
             ALTER TABLE accounts ENABLE TRIGGER USER;"
        ))
        .await
        .unwrap();
    let report = app.run_job("ledger-audit").await;
    let failing = crate::helpers::failing_checks(&report);
    assert!(failing.contains(&"冻结金额等于未完成提现"), "{report}");
    assert_eq!(
        app.mail_subjects().await.iter().filter(|s| *s == "[gpet] 账本校验失败").count(),
        3,
        "each failed audit mails"
    );
}

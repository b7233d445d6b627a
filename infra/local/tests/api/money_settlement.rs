//! Income: ad-click callbacks through the sandbox's ad system (signed, once per transaction id,
//! refusals leave nothing), and the daily settlement of a referral tree — exact credits per user,
//! group and kind with the floor of each commission, harmless re-runs, two runs at once and runs
//! killed half-way crediting exactly what one clean run does.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use gpet::BusinessDay;
use gpet::operators::Role;
use gpet::queue::Queue;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::robot_event::{chat, joined, left};
use crate::helpers::{TestApp, json_of};

const ROBOT: &str = "wxid_robot_money";

fn at(day: BusinessDay, time: &str) -> String {
    format!("{day}T{time}+08:00")
}

/// The sandbox's ad system reports a click (`extra`: repeat, tamper, campaign_id): its answer.
async fn click(app: &TestApp, group: &str, fen: i64, trans_id: &str, extra: Value) -> Value {
    let mut body = json!({"group_wxid": group, "amount_fen": fen, "trans_id": trans_id});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/ads/click", Some(body)).await;
    assert_eq!(status, 200, "the ad system reached gpet: {answer}");
    answer
}

/// One click answered 1200 and recorded now.
async fn credited_click(app: &TestApp, group: &str, fen: i64, trans_id: &str) {
    let answer = click(app, group, fen, trans_id, json!({})).await;
    let result = &answer["results"][0];
    assert_eq!((result["status"].as_u64(), result["body"]["code"].as_i64()), (Some(200), Some(1200)), "{answer}");
    assert_eq!(result["body"]["data"]["recorded_now"], true, "{answer}");
}

/// An owner with one active group (joined a minute ago), for the ad-click tests.
async fn owner_with_group(app: &TestApp, group: &str) -> (crate::helpers::Cookies, i64) {
    let ops = app.console_token("ops", Role::Operator).await;
    app.register_robot(&ops, ROBOT, 10).await;
    let owner = app.paired_owner("o_ads_owner", "13700000101", "wxid_ads_owner", ROBOT, None).await;
    let a_minute_ago = (app.ctx.clock.now_shanghai() - Duration::minutes(1)).to_rfc3339();
    app.robot_events(json!([joined(ROBOT, group, "wxid_ads_owner", 30, &a_minute_ago)])).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    let active =
        app.count(&format!("SELECT count(*) FROM groups WHERE group_wxid = '{group}' AND state = 'active'")).await;
    assert_eq!(active, 1);
    owner
}

#[tokio::test]
async fn duplicate_and_concurrent_ad_callbacks_record_one_click_and_credit_it_once() {
    let app = TestApp::spawn().await;
    let (cookies, owner) = owner_with_group(&app, "g_ads@chatroom").await;

    // The ad system calls 50 times at once with one transaction id: every answer 1200, one row.
    let answer = click(&app, "g_ads@chatroom", 888, "T-ads-1", json!({"repeat": 50, "campaign_id": "c-618"})).await;
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 50, "{answer}");
    assert!(results.iter().all(|r| r["status"] == 200 && r["body"]["code"] == 1200), "{answer}");
    let fresh = results.iter().filter(|r| r["body"]["data"]["recorded_now"] == true).count();
    assert_eq!(fresh, 1, "{answer}");
    // Later the same id again, even carrying another amount: answered 1200, still one row.
    let again = click(&app, "g_ads@chatroom", 999, "T-ads-1", json!({})).await;
    assert_eq!(again["results"][0]["body"]["code"], 1200, "{again}");
    assert_eq!(again["results"][0]["body"]["data"]["recorded_now"], false, "{again}");
    let row = app
        .db()
        .await
        .query_one(
            "SELECT count(*) AS clicks, sum(amount_fen)::bigint AS amount_fen, min(owner_id) AS owner_id,
                    min(day)::text AS day, min(campaign_id) AS campaign_id
             FROM ad_clicks",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>("clicks"), 1);
    assert_eq!(row.get::<_, i64>("amount_fen"), 888);
    assert_eq!(row.get::<_, i64>("owner_id"), owner);
    assert_eq!(row.get::<_, String>("day"), app.ctx.clock.today().to_string());
    assert_eq!(row.get::<_, String>("campaign_id"), "c-618");

    // At once today's (unsettled) income; not yet on the balance.
    let (status, account) = app.get("/api/account", &cookies).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(
        (account["data"]["today_income_fen"].as_i64(), account["data"]["available_fen"].as_i64()),
        (Some(888), Some(0)),
        "{account}"
    );

    // The next day's settlement credits it once; the job again credits nothing more.
    app.ctx.clock.set_offset(Duration::days(1));
    let report = app.run_job("settlement").await;
    assert_eq!(
        (report[0]["state"].as_str(), report[0]["ad_income_fen"].as_i64()),
        (Some("done"), Some(888)),
        "{report}"
    );
    app.run_job("settlement").await;
    assert_eq!(app.balances(owner).await, (888, 0));
    let (_, flows) = app.get("/api/account/flows", &cookies).await;
    let items = flows["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{flows}");
    assert_eq!((items[0]["kind"].as_str(), items[0]["amount_fen"].as_i64()), (Some("ad_income"), Some(888)));
    assert_eq!(items[0]["title"], "广告收益");
    assert!(items[0]["group_name"].as_str().is_some_and(|n| !n.is_empty()), "{flows}");
    app.assert_books_balance().await;
}

/// The callback called directly with `params` signed by the ad system's recipe (the sandbox's
/// implementation of it) unless `sign` is given.
async fn post_click(app: &TestApp, mut params: BTreeMap<String, String>) -> (u16, Value) {
    // "<absent>" leaves a parameter out (a sign "<absent>": sent unsigned).
    let unsigned = params.get("sign").is_some_and(|s| s == "<absent>");
    params.retain(|_, v| v.as_str() != "<absent>");
    if !unsigned && !params.contains_key("sign") {
        let sign = gpet_sandbox::ads::sign(&params, gpet_local::setup::SANDBOX_AD_SECRET);
        params.insert("sign".into(), sign);
    }
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
    let response = app
        .http
        .post(app.url("/api/callbacks/ad-click"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    json_of(response).await
}

#[tokio::test]
async fn ad_callbacks_badly_signed_stale_for_unknown_groups_or_missing_fields_are_refused_and_leave_nothing() {
    let app = TestApp::spawn().await;
    let (cookies, _) = owner_with_group(&app, "g_ads2@chatroom").await;

    for (tamper, trans_id) in [("signature", "T-bad-sig"), ("stale", "T-stale")] {
        let answer = click(&app, "g_ads2@chatroom", 500, trans_id, json!({"tamper": tamper, "repeat": 3})).await;
        for r in answer["results"].as_array().unwrap() {
            assert_eq!(
                (r["status"].as_u64(), r["body"]["code"].as_i64()),
                (Some(401), Some(1403)),
                "{tamper}: {answer}"
            );
        }
    }
    let answer = click(&app, "g_nobody@chatroom", 500, "T-unknown", json!({})).await;
    assert_eq!(
        (answer["results"][0]["status"].as_u64(), answer["results"][0]["body"]["code"].as_i64()),
        (Some(404), Some(1404)),
        "{answer}"
    );

    let now = chrono::Utc::now().timestamp();
    let good = |overrides: &[(&str, &str)]| {
        let mut p: BTreeMap<String, String> = [
            ("trans_id", "T-direct"),
            ("campaign_id", "c-1"),
            ("group_wxid", "g_ads2@chatroom"),
            ("amount_fen", "300"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        p.insert("ts".into(), now.to_string());
        for (k, v) in overrides {
            p.insert((*k).to_owned(), (*v).to_owned());
        }
        p
    };
    let future = (now + 600).to_string();
    let cases: Vec<(&str, BTreeMap<String, String>)> = vec![
        ("no trans_id", good(&[("trans_id", "<absent>")])),
        ("empty trans_id", good(&[("trans_id", "")])),
        ("no amount", good(&[("amount_fen", "<absent>")])),
        ("zero amount", good(&[("amount_fen", "0")])),
        ("negative amount", good(&[("amount_fen", "-300")])),
        ("fractional amount", good(&[("amount_fen", "3.5")])),
        ("no ts", good(&[("ts", "<absent>")])),
        ("ts ten minutes ahead", good(&[("ts", future.as_str())])),
        ("no group", good(&[("group_wxid", "<absent>")])),
        ("no sign", good(&[("sign", "<absent>")])),
        ("garbage sign", good(&[("sign", "00000000000000000000000000000000")])),
    ];
    for (what, params) in cases {
        let (status, answer) = post_click(&app, params).await;
        assert!(status >= 400 && answer["code"] != 1200, "{what}: {status} {answer}");
    }
    // A valid signature over other values than those sent.
    let mut signed = good(&[]);
    let sign = gpet_sandbox::ads::sign(&signed, gpet_local::setup::SANDBOX_AD_SECRET);
    signed.insert("sign".into(), sign);
    signed.insert("amount_fen".into(), "30000".into());
    let (status, answer) = post_click(&app, signed).await;
    assert_eq!((status, answer["code"].as_i64()), (401, Some(1403)), "{answer}");

    assert_eq!(app.count("SELECT count(*) FROM ad_clicks").await, 0, "nothing recorded for a refusal");
    let (_, account) = app.get("/api/account", &cookies).await;
    assert_eq!(account["data"]["today_income_fen"], 0, "{account}");
    assert!(crate::helpers::logs().contains("ad click refused"), "refusals are logged");

    // The same call, signed and fresh, is credited (the refusals were for what they were).
    let (status, answer) = post_click(&app, good(&[])).await;
    assert_eq!((status, answer["code"].as_i64()), (200, Some(1200)), "{answer}");
    assert_eq!(app.count("SELECT count(*) FROM ad_clicks").await, 1);
    let (_, account) = app.get("/api/account", &cookies).await;
    assert_eq!(account["data"]["today_income_fen"], 300, "{account}");
    app.assert_books_balance().await;
}

// ---------------------------------------------------------------------------------------------
// Settlement

/// The referral tree: grand-master G ← master M ← apprentices A and B; C is A's apprentice (so M
/// is C's grand-master); X has no master. Ids are spread by moving the users sequence so that
/// each owner lands in a step of their own (a step covers 1,000 ids): G 1, M 1500, A 2500,
/// B 3500, C 4500, X 5500 → six steps.
const OWNERS: [(&str, &str, Option<&str>, i64); 6] = [
    ("g", "13710000001", None, 0),
    ("m", "13710000002", Some("g"), 1499),
    ("a", "13710000003", Some("m"), 2499),
    ("b", "13710000004", Some("m"), 3499),
    ("c", "13710000005", Some("a"), 4499),
    ("x", "13710000006", None, 5499),
];

fn openid(name: &str) -> String {
    format!("o_money_{name}")
}

fn wxid(name: &str) -> String {
    format!("wxid_money_{name}")
}

struct World {
    /// The day settled: yesterday.
    day: BusinessDay,
    finance: String,
    operator: String,
    admin: String,
}

/// Stars by sessions 1, 3, 6, 10 and incomes 5, 17, 37, 61, 99 fen at 1★…5★: every active
/// group earns something, and 10% and 5% of most sums are not whole fen.
async fn star_settings(app: &TestApp, admin: &str) {
    let (status, settings) = app.console(Method::GET, "/api/console/settings", admin, None).await;
    assert_eq!(status, 200, "{settings}");
    let mut groups = settings["data"]["groups"].clone();
    groups["star_thresholds"] = json!([1, 3, 6, 10]);
    groups["star_income_fen"] = json!([5, 17, 37, 61, 99]);
    let (status, saved) =
        app.console(Method::PUT, "/api/console/settings", admin, Some(json!({"groups": groups}))).await;
    assert_eq!(status, 200, "{saved}");
}

/// Builds the same world in any TestApp, through the product's own paths: WeChat logins through
/// invites, phones, robots paired, groups joined and left and chatting by the robot platform's
/// events (stamped on the days they happen), ad clicks by the ad system on the business day.
async fn world(app: &TestApp) -> World {
    let admin = app.console_token("admin_money", Role::Admin).await;
    let finance = app.console_token("finance_money", Role::Finance).await;
    let operator = app.console_token("operator_money", Role::Operator).await;
    star_settings(app, &admin).await;
    app.register_robot(&admin, ROBOT, 50).await;
    let mut codes: HashMap<&str, String> = HashMap::new();
    for (step, (name, phone, master, seq)) in OWNERS.into_iter().enumerate() {
        if seq > 0 {
            app.db().await.query_one("SELECT setval('users_id_seq', $1)", &[&seq]).await.unwrap();
        }
        let invite = master.map(|m| codes[m].clone());
        let (cookies, id) = app.paired_owner(&openid(name), phone, &wxid(name), ROBOT, invite.as_deref()).await;
        assert_eq!(id / 1000, step as i64, "{name} (id {id}) lands in step {step}");
        let (_, me) = app.get("/api/me", &cookies).await;
        codes.insert(name, me["data"]["invite_code"].as_str().unwrap().to_owned());
    }
    let masters = app
        .db()
        .await
        .query(
            "SELECT u.openid, m.openid AS master, g.openid AS grand_master FROM users u LEFT JOIN users m ON m.id = u.master_id
             LEFT JOIN users g ON g.id = u.grand_master_id ORDER BY u.id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<_, String>("openid"), r.get::<_, Option<String>>("master"), r.get::<_, Option<String>>("grand_master")))
        .collect::<Vec<_>>();
    let o = |n: &str| Some(openid(n));
    assert_eq!(
        masters,
        [
            (openid("g"), None, None),
            (openid("m"), o("g"), None),
            (openid("a"), o("m"), o("g")),
            (openid("b"), o("m"), o("g")),
            (openid("c"), o("a"), o("m")),
            (openid("x"), None, None),
        ]
    );

    let d = app.ctx.clock.today().pred();
    let (d1, d2, d3, next) = (d.pred(), d.pred().pred(), d.pred().pred().pred(), d.succ());
    let (a, b, c, m, x) = (wxid("a"), wxid("b"), wxid("c"), wxid("m"), wxid("x"));
    app.robot_events(json!([
        joined(ROBOT, "g_a1", &a, 30, &at(d1, "10:00:00")), // active all of D: 3 sessions, 3★
        joined(ROBOT, "g_a2", &a, 30, &at(d, "08:00:00")),  // joined during D: 1 session, 2★
        joined(ROBOT, "g_a3", &a, 30, &at(d3, "10:00:00")), // left during D: 6 sessions, 4★
        joined(ROBOT, "g_a4", &a, 30, &at(next, "00:00:30")), // joined after D: nothing for D
        joined(ROBOT, "g_a5", &a, 30, &at(d3, "10:00:00")), // left before D: nothing
        joined(ROBOT, "g_b1", &b, 30, &at(d2, "10:00:00")), // 10 sessions, 5★
        joined(ROBOT, "g_b2", &b, 30, &at(d2, "10:00:00")), // no session, 1★
        joined(ROBOT, "g_c1", &c, 30, &at(d2, "10:00:00")), // 1 session, 2★
        joined(ROBOT, "g_m1", &m, 30, &at(d2, "10:00:00")), // no session, 1★
        joined(ROBOT, "g_x1", &x, 30, &at(d2, "10:00:00")), // 6 sessions, 4★
    ]))
    .await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    let mut messages = Vec::new();
    messages.extend(chat(ROBOT, "g_a1", 3, &at(d, "09:00:00")));
    messages.extend(chat(ROBOT, "g_a2", 1, &at(d, "10:00:00")));
    messages.extend(chat(ROBOT, "g_a3", 6, &at(d, "09:30:00")));
    messages.extend(chat(ROBOT, "g_a5", 9, &at(d2, "09:30:00")));
    messages.extend(chat(ROBOT, "g_b1", 10, &at(d, "11:00:00")));
    messages.extend(chat(ROBOT, "g_c1", 1, &at(d, "11:00:00")));
    messages.extend(chat(ROBOT, "g_x1", 6, &at(d, "23:59:00")));
    messages.extend(chat(ROBOT, "g_x1", 4, &at(d1, "23:59:00"))); // the day before: not D's
    app.robot_events(json!(messages)).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    app.robot_events(json!([left(ROBOT, "g_a3", &at(d, "12:00:00")), left(ROBOT, "g_a5", &at(d1, "20:00:00"))])).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    let states: Vec<(String, String)> = app
        .db()
        .await
        .query("SELECT group_wxid, state FROM groups ORDER BY group_wxid", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("group_wxid"), r.get("state")))
        .collect();
    let active = |g: &str| (g.to_owned(), "active".to_owned());
    let gone = |g: &str| (g.to_owned(), "left".to_owned());
    assert_eq!(
        states,
        [
            active("g_a1"),
            active("g_a2"),
            gone("g_a3"),
            active("g_a4"),
            gone("g_a5"),
            active("g_b1"),
            active("g_b2"),
            active("g_c1"),
            active("g_m1"),
            active("g_x1")
        ]
    );
    let sessions: Vec<(String, i32)> = app
        .db()
        .await
        .query(
            "SELECT g.group_wxid, d.sessions FROM group_daily d JOIN groups g ON g.id = d.group_id WHERE d.day = $1
             ORDER BY 1",
            &[&d.date()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("group_wxid"), r.get("sessions")))
        .collect();
    let s = |g: &str, n: i32| (g.to_owned(), n);
    assert_eq!(sessions, [s("g_a1", 3), s("g_a2", 1), s("g_a3", 6), s("g_b1", 10), s("g_c1", 1), s("g_x1", 6)]);

    // Ad clicks on D (the business clock a day back), one the day before, one today.
    app.ctx.clock.set_offset(Duration::days(-1));
    for (group, fen, trans_id) in [
        ("g_a1", 1237, "T-a1-1"),
        ("g_a1", 7, "T-a1-2"),
        ("g_a2", 49, "T-a2-1"),
        ("g_c1", 333, "T-c1-1"),
        ("g_x1", 99, "T-x1-1"),
    ] {
        credited_click(app, group, fen, trans_id).await;
    }
    app.ctx.clock.set_offset(Duration::days(-2));
    credited_click(app, "g_b2", 77, "T-b2-before").await;
    app.ctx.clock.set_offset(Duration::zero());
    credited_click(app, "g_a1", 500, "T-a1-today").await;
    // The ratings of 00:30, as the schedule runs them before the settlement of 02:00.
    app.run_job("group-rating").await;
    World { day: d, finance, operator, admin }
}

type Entry = (String, String, Option<String>, Option<String>, i64);

fn entry(owner: &str, kind: &str, group: Option<&str>, source: Option<&str>, fen: i64) -> Entry {
    (owner.to_owned(), kind.to_owned(), group.map(str::to_owned), source.map(str::to_owned), fen)
}

/// What D's settlement must credit, leg by leg (owner, kind, group, source, fen). Group income
/// per group by its stars on D; ad income per group; commission per apprentice and kind on the
/// apprentice's day total, floored: A's groups 37 + 17 + 61 = 115 → M 11 (not 3 + 1 + 6 = 10 by
/// group), G 5; A's ads 1293 → M 129, G 64; B's 99 + 5 = 104 → M 10, G 5; C's 17 → A 1, M 0
/// (no leg); C's ads 333 → A 33, M 16; M's 5 → G 0 (no leg).
fn expected_credits() -> Vec<Entry> {
    let mut credits = vec![
        entry("a", "group_income", Some("g_a1"), None, 37),
        entry("a", "group_income", Some("g_a2"), None, 17),
        entry("a", "group_income", Some("g_a3"), None, 61),
        entry("a", "ad_income", Some("g_a1"), None, 1244),
        entry("a", "ad_income", Some("g_a2"), None, 49),
        entry("a", "master_commission", None, Some("c"), 1),
        entry("a", "master_ad_commission", None, Some("c"), 33),
        entry("b", "group_income", Some("g_b1"), None, 99),
        entry("b", "group_income", Some("g_b2"), None, 5),
        entry("c", "group_income", Some("g_c1"), None, 17),
        entry("c", "ad_income", Some("g_c1"), None, 333),
        entry("m", "group_income", Some("g_m1"), None, 5),
        entry("m", "master_commission", None, Some("a"), 11),
        entry("m", "master_commission", None, Some("b"), 10),
        entry("m", "master_ad_commission", None, Some("a"), 129),
        entry("m", "grand_master_ad_commission", None, Some("c"), 16),
        entry("g", "grand_master_commission", None, Some("a"), 5),
        entry("g", "grand_master_commission", None, Some("b"), 5),
        entry("g", "grand_master_ad_commission", None, Some("a"), 64),
        entry("x", "group_income", Some("g_x1"), None, 61),
        entry("x", "ad_income", Some("g_x1"), None, 99),
    ];
    credits.sort();
    credits
}

/// The credits of `day`'s settlement to users, as (owner, kind, group, source, fen), sorted.
async fn credits(app: &TestApp, day: BusinessDay) -> Vec<Entry> {
    let rows = app
        .db()
        .await
        .query(
            "SELECT u.openid AS owner, e.kind, g.group_wxid, s.openid AS source, e.amount_fen
             FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id JOIN accounts a ON a.id = e.account_id
             JOIN users u ON u.id = a.user_id LEFT JOIN groups g ON g.id = e.group_id LEFT JOIN users s ON s.id = e.source_user_id
             WHERE t.kind = 'settlement' AND t.day = $1",
            &[&day.date()],
        )
        .await
        .unwrap();
    let short = |o: String| o.trim_start_matches("o_money_").to_owned();
    let mut credits: Vec<Entry> = rows
        .iter()
        .map(|r| {
            let source = r.get::<_, Option<String>>("source").map(short);
            (short(r.get("owner")), r.get("kind"), r.get("group_wxid"), source, r.get("amount_fen"))
        })
        .collect();
    credits.sort();
    credits
}

/// Everything the books hold, by stable names (openids, group wxids, idempotency keys), so that
/// two TestApps built alike compare: every entry, every transaction key, every balance, and the
/// settlement steps' totals.
/// An entry by names: owner (or "platform"), account kind, entry kind, fen, group, source, key.
type NamedEntry = (String, String, String, i64, Option<String>, Option<String>, String);

#[derive(Debug, PartialEq)]
struct Books {
    entries: Vec<NamedEntry>,
    txns: Vec<(String, String, String)>,
    balances: Vec<(String, String, i64)>,
    steps: Vec<(i32, i64, i64, i64, i64)>,
    /// Each run's users credited, and the notes of its payees left (none once done).
    users: Vec<(Option<i64>, i64)>,
}

async fn books(app: &TestApp) -> Books {
    let db = app.db().await;
    let entries = db
        .query(
            "SELECT coalesce(u.openid, 'platform') AS owner, a.kind AS account_kind, e.kind AS entry_kind, e.amount_fen,
                    g.group_wxid, s.openid AS source, t.idem_key
             FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id JOIN accounts a ON a.id = e.account_id
             LEFT JOIN users u ON u.id = a.user_id LEFT JOIN groups g ON g.id = e.group_id
             LEFT JOIN users s ON s.id = e.source_user_id
             ORDER BY 1, 2, 3, 4, 5, 6, 7",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("owner"),
                r.get("account_kind"),
                r.get("entry_kind"),
                r.get("amount_fen"),
                r.get("group_wxid"),
                r.get("source"),
                r.get("idem_key"),
            )
        })
        .collect();
    let txns = db
        .query("SELECT idem_key, kind, day::text AS day FROM ledger_txns ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("idem_key"), r.get("kind"), r.get("day")))
        .collect();
    let balances = db
        .query(
            "SELECT coalesce(u.openid, 'platform') AS owner, a.kind, a.balance_fen
             FROM accounts a LEFT JOIN users u ON u.id = a.user_id
             ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("owner"), r.get("kind"), r.get("balance_fen")))
        .collect();
    let steps = db
        .query(
            "SELECT step, groups_credited, group_income_fen, ad_income_fen, commission_fen
             FROM settlement_steps ORDER BY day, step",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("step"),
                r.get("groups_credited"),
                r.get("group_income_fen"),
                r.get("ad_income_fen"),
                r.get("commission_fen"),
            )
        })
        .collect();
    let users = db
        .query(
            "SELECT r.users_credited, (SELECT count(*) FROM settlement_payees p WHERE p.day = r.day) AS payees_left
             FROM settlement_runs r ORDER BY r.day",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("users_credited"), r.get("payees_left")))
        .collect();
    Books { entries, txns, balances, steps, users }
}

async fn run_day(app: &TestApp, token: &str, day: BusinessDay) -> (u16, Value) {
    app.console(Method::POST, &format!("/api/console/settlements/{day}/run"), token, None).await
}

async fn run_of(app: &TestApp, token: &str, day: BusinessDay) -> Value {
    let (status, run) = app.console(Method::GET, &format!("/api/console/settlements/{day}"), token, None).await;
    assert_eq!(status, 200, "{run}");
    run["data"].clone()
}

/// The platform's paying accounts after D: exactly what was credited.
async fn platform(app: &TestApp) -> Vec<(String, i64)> {
    app.db()
        .await
        .query("SELECT kind, balance_fen FROM accounts WHERE user_id IS NULL ORDER BY kind", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("kind"), r.get("balance_fen")))
        .collect()
}

#[tokio::test]
async fn settlement_credits_every_group_ad_and_commission_exactly_once_and_reruns_change_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let d = w.day;

    // Finance's, and only for days that are over.
    let (status, refused) = run_day(&app, &w.operator, d).await;
    assert_eq!((status, refused["code"].as_i64()), (403, Some(1401)), "{refused}");
    let today = app.ctx.clock.today();
    for day in [today.to_string(), today.succ().to_string()] {
        let (status, refused) =
            app.console(Method::POST, &format!("/api/console/settlements/{day}/run"), &w.finance, None).await;
        assert_eq!((status, refused["code"].as_i64()), (400, Some(1403)), "{day}: {refused}");
    }
    let (status, refused) =
        app.console(Method::POST, "/api/console/settlements/2024-13-01/run", &w.finance, None).await;
    assert_eq!((status, refused["code"].as_i64()), (400, Some(1403)), "{refused}");
    let (status, never) = app.console(Method::GET, &format!("/api/console/settlements/{d}"), &w.finance, None).await;
    assert_eq!((status, never["code"].as_i64()), (404, Some(1404)), "{never}");
    assert_eq!(app.count("SELECT count(*) FROM settlement_runs").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries").await, 0, "nothing credited before the run");

    let (status, run) = run_day(&app, &w.finance, d).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["data"]["state"], "done", "{run}");
    assert_eq!(credits(&app, d).await, expected_credits());
    let per_user: BTreeMap<String, i64> = expected_credits().iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.0.clone()).or_default() += e.4;
        m
    });
    for (name, fen) in &per_user {
        assert_eq!(app.balances(app.user_id(&openid(name)).await).await, (*fen, 0), "{name}");
    }
    assert_eq!(app.balances(app.user_id(&openid("g")).await).await.0, 74);
    assert_eq!(
        platform(&app).await,
        [
            ("ad_income".to_owned(), -1725),
            ("commission".to_owned(), -274),
            ("group_income".to_owned(), -302),
            ("payouts".to_owned(), 0)
        ]
    );

    let shown = run_of(&app, &w.finance, d).await;
    let got = |k: &str| shown[k].clone();
    assert_eq!(
        [got("state"), got("steps_total"), got("steps_done"), got("progress_pct"), got("runs")],
        [json!("done"), json!(6), json!(6), json!(100), json!(1)],
        "{shown}"
    );
    assert_eq!(
        [
            got("group_income_fen"),
            got("ad_income_fen"),
            got("commission_fen"),
            got("total_fen"),
            got("groups_credited")
        ],
        [json!(302), json!(1725), json!(274), json!(2301), json!(8)],
        "{shown}"
    );
    assert!(shown["finished_at"].is_string() && shown["error"].is_null(), "{shown}");
    let (_, list) = app.console(Method::GET, "/api/console/settlements", &w.finance, None).await;
    assert_eq!(
        (list["data"]["total"].as_i64(), list["data"]["items"][0]["day"].as_str()),
        (Some(1), Some(d.to_string().as_str())),
        "{list}"
    );

    // What the owners see: A's balance, income by day, flows with their sources; M's apprentices.
    let a = app.logged_in(&openid("a")).await;
    let (_, account) = app.get("/api/account", &a).await;
    let data = &account["data"];
    assert_eq!(
        (data["available_fen"].as_i64(), data["total_income_fen"].as_i64()),
        (Some(1442), Some(1442)),
        "{account}"
    );
    // Today: the 500 fen click and 1★ (5 fen) for each of A's three active groups, unsettled.
    assert_eq!(data["today_income_fen"], 515, "{account}");
    let daily = data["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 15);
    let of_d = daily.iter().find(|x| x["day"] == d.to_string()).expect("D is in the last 15 days");
    assert_eq!(
        (of_d["group_fen"].as_i64(), of_d["ad_fen"].as_i64(), of_d["commission_fen"].as_i64()),
        (Some(115), Some(1293), Some(34)),
        "{of_d}"
    );
    let (_, flows) = app.get("/api/account/flows?page=1&page_size=50", &a).await;
    let items = flows["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 7, "{flows}");
    let from_c = items.iter().find(|f| f["kind"] == "master_commission").unwrap();
    assert_eq!(
        (from_c["amount_fen"].as_i64(), from_c["title"].as_str(), from_c["source_user_id"].as_i64()),
        (Some(1), Some("徒弟分成"), Some(app.user_id(&openid("c")).await)),
        "{from_c}"
    );
    assert!(items.iter().filter(|f| f["kind"] == "group_income").all(|f| f["group_name"].is_string()), "{flows}");
    let m = app.logged_in(&openid("m")).await;
    let (_, referral) = app.get("/api/referral", &m).await;
    let contributed: BTreeMap<i64, i64> = referral["data"]["apprentices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_i64().unwrap(), x["contributed_fen"].as_i64().unwrap()))
        .collect();
    let (ida, idb) = (app.user_id(&openid("a")).await, app.user_id(&openid("b")).await);
    assert_eq!(contributed, BTreeMap::from([(ida, 140), (idb, 10)]), "{referral}");
    assert_eq!(
        (referral["data"]["total_contributed_fen"].as_i64(), referral["data"]["grand_contributed_fen"].as_i64()),
        (Some(150), Some(16))
    );
    let (_, dashboard) =
        app.console(Method::GET, &format!("/api/console/dashboard?from={d}&to={d}"), &w.admin, None).await;
    assert_eq!(dashboard["data"]["days"][0]["income_fen"], 2301, "{dashboard}");

    // Again by the console, and by the 02:00 job: nothing more.
    let before = books(&app).await;
    let (status, again) = run_day(&app, &w.finance, d).await;
    assert_eq!(
        (status, again["data"]["state"].as_str(), again["data"]["runs"].as_i64()),
        (200, Some("done"), Some(2)),
        "{again}"
    );
    assert_eq!(books(&app).await, before, "a re-run credits nothing");
    // The job also settles the days before D that never got a run (issue 13): once.
    app.run_job("settlement").await;
    let before = books(&app).await;
    app.run_job("settlement").await;
    assert_eq!(books(&app).await, before, "a re-run credits nothing");
    let (status, _) = run_day(&app, &w.operator, d).await;
    assert_eq!(status, 403);
    app.assert_books_balance().await;

    // Six users were credited (M, G and A in several steps each).
    let shown = run_of(&app, &w.finance, d).await;
    assert_eq!(shown["users_credited"], 6, "users credited counts each user once: {shown}");
}

/// Waits until a backend of the test's database is waiting for a lock: the run is stuck on the
/// account the test holds.
async fn a_backend_waits_for_a_lock(app: &TestApp) {
    for _ in 0..400 {
        let waiting = app
            .count(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                 AND state = 'active'",
            )
            .await;
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the run never reached the locked account");
}

/// Locks the available account of `name` in a transaction of its own: the settlement step that
/// credits them waits.
async fn lock_account(app: &TestApp, name: &str) -> tokio_postgres::Client {
    let lock = app.connect().await;
    let user = app.user_id(&openid(name)).await;
    lock.batch_execute(&format!(
        "BEGIN; SELECT 1 FROM accounts WHERE user_id = {user} AND kind = 'available' FOR UPDATE;"
    ))
    .await
    .unwrap();
    lock
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_at_once_and_runs_killed_half_way_credit_exactly_what_one_clean_run_does() {
    let (clean, concurrent, killed) = tokio::join!(TestApp::spawn(), TestApp::spawn(), TestApp::spawn());
    let (wc, wk, wi) = tokio::join!(world(&clean), world(&concurrent), world(&killed));
    let d = wc.day;
    assert!(wk.day == d && wi.day == d);

    let (status, run) = run_day(&clean, &wc.finance, d).await;
    assert_eq!((status, run["data"]["state"].as_str()), (200, Some("done")), "{run}");
    let reference = books(&clean).await;
    assert_eq!(credits(&clean, d).await, expected_credits());

    // Two runs at the same moment.
    let (one, two) = tokio::join!(run_day(&concurrent, &wk.finance, d), run_day(&concurrent, &wk.finance, d));
    for (status, run) in [&one, &two] {
        assert_eq!((*status, run["data"]["state"].as_str()), (200, Some("done")), "{run}");
    }
    assert_eq!(run_of(&concurrent, &wk.finance, d).await["runs"], 2);
    assert_eq!(books(&concurrent).await, reference, "two concurrent runs = one run");

    // Killed half-way: the run is stuck on B's account (step 3) after steps 0–2, and its task is
    // aborted there, its open transaction rolled back.
    let lock = lock_account(&killed, "b").await;
    let ctx = killed.ctx.clone();
    let task = tokio::spawn(async move { gpet::settlement::run(&ctx, d, std::time::Duration::from_secs(600)).await });
    a_backend_waits_for_a_lock(&killed).await;
    assert_eq!(killed.count("SELECT count(*) FROM settlement_steps").await, 3);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    lock.batch_execute("COMMIT").await.unwrap();
    let stuck = run_of(&killed, &wi.finance, d).await;
    assert_eq!(
        (stuck["state"].as_str(), stuck["steps_done"].as_i64(), stuck["progress_pct"].as_i64()),
        (Some("running"), Some(3), Some(50)),
        "{stuck}"
    );

    // Run again from the console, and this time the database connection dies in step 5 (X).
    let lock = lock_account(&killed, "x").await;
    let (http, url, token) =
        (killed.http.clone(), killed.url(&format!("/api/console/settlements/{d}/run")), wi.finance.clone());
    let post = tokio::spawn(async move { json_of(http.post(url).bearer_auth(token).send().await.unwrap()).await });
    a_backend_waits_for_a_lock(&killed).await;
    assert_eq!(killed.count("SELECT count(*) FROM settlement_steps").await, 5);
    let terminated = killed
        .count(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()) t",
        )
        .await;
    assert_eq!(terminated, 1);
    lock.batch_execute("COMMIT").await.unwrap();
    let (status, answer) = post.await.unwrap();
    assert_eq!((status, answer["code"].as_i64()), (500, Some(1500)), "{answer}");
    // What the failure left must say so: the run failed, with its error, and the operators were
    // mailed. Observed now, asserted at the end (once the books are compared).
    let mut failed = Value::Null;
    let mut requests_refused = Vec::new();
    for _ in 0..5 {
        let (status, run) =
            killed.console(Method::GET, &format!("/api/console/settlements/{d}"), &wi.finance, None).await;
        if status == 200 {
            failed = run["data"].clone();
            break;
        }
        requests_refused.push(run);
    }
    let subject = format!("[gpet] 结算失败 {d}");
    let mailed = killed.mail_subjects().await;
    let logged: Vec<String> = crate::helpers::logs()
        .lines()
        .filter(|l| l.contains("\"ERROR\"") && l.contains("connection closed"))
        .map(str::to_owned)
        .collect();

    // The next run finishes; the books are those of the clean run.
    let (status, run) = run_day(&killed, &wi.finance, d).await;
    assert_eq!(
        (status, run["data"]["state"].as_str(), run["data"]["runs"].as_i64()),
        (200, Some("done"), Some(3)),
        "{run}"
    );
    assert_eq!(books(&killed).await, reference, "a run killed twice then finished = one clean run");
    assert_eq!(killed.count(&format!("SELECT count(*) FROM ledger_txns WHERE idem_key LIKE 'settle:{d}:%'")).await, 6);

    for app in [&clean, &concurrent, &killed] {
        app.assert_books_balance().await;
    }
    assert!(
        failed["state"] == "failed"
            && failed["steps_done"] == 5
            && failed["error"].is_string()
            && mailed.contains(&subject),
        "a run whose database connection died is not recorded as failed and alerted: run {failed}; mailed {mailed:?}; \
         requests answered 1500 meanwhile {requests_refused:?}; logged {logged:#?}"
    );
    assert!(
        crate::helpers::alert_logged("settlement_failed", &format!("settlement-failed:{d}")),
        "the failed run is logged for CloudWatch's alarm"
    );
}

#[tokio::test]
async fn a_group_is_paid_for_a_day_it_was_active_even_after_rejoining_and_a_refused_group_never() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin_money", Role::Admin).await;
    let finance = app.console_token("finance_money", Role::Finance).await;
    star_settings(&app, &admin).await; // 1★ earns 5 fen
    app.register_robot(&admin, ROBOT, 10).await;
    let (_, owner) = app.paired_owner("o_money_p", "13710000011", "wxid_money_p", ROBOT, None).await;
    let d = app.ctx.clock.today().pred();
    let p = "wxid_money_p";
    app.robot_events(json!([
        joined(ROBOT, "g_ok", p, 30, &at(d.pred().pred(), "10:00:00")),
        joined(ROBOT, "g_back", p, 30, &at(d.pred().pred(), "10:00:00")),
        joined(ROBOT, "g_small", p, 12, &at(d, "10:00:00")), // refused: fewer than 20 members
    ]))
    .await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    let mut messages = chat(ROBOT, "g_ok", 1, &at(d, "09:00:00"));
    messages.extend(chat(ROBOT, "g_back", 3, &at(d, "09:00:00")));
    app.robot_events(json!(messages)).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    // g_back is removed in the evening of D, and the owner pulls the robot back in at 00:00:10,
    // before the settlement of 02:00.
    app.robot_events(json!([left(ROBOT, "g_back", &at(d, "18:00:00"))])).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    app.robot_events(json!([joined(ROBOT, "g_back", p, 30, &at(d.succ(), "00:00:10"))])).await;
    app.drain(Queue::RobotEvents, "consume-robot-events").await;
    let state = |g: &str| format!("SELECT count(*) FROM groups WHERE group_wxid = '{g}' AND state = ");
    assert_eq!(app.count(&format!("{}'refused'", state("g_small"))).await, 1);
    assert_eq!(app.count(&format!("{}'active'", state("g_back"))).await, 1);

    let (status, run) = run_day(&app, &finance, d).await;
    assert_eq!((status, run["data"]["state"].as_str()), (200, Some("done")), "{run}");
    let paid: BTreeMap<String, i64> = credits(&app, d)
        .await
        .into_iter()
        .filter(|e| e.1 == "group_income")
        .map(|e| (e.2.unwrap_or_default(), e.4))
        .collect();
    app.assert_books_balance().await;
    let mut problems = Vec::new();
    if paid.get("g_back") != Some(&37) {
        problems.push(format!(
            "g_back was active on D until 18:00 with 3 sessions (3★, 37 fen) but got {:?}",
            paid.get("g_back")
        ));
    }
    if let Some(fen) = paid.get("g_small") {
        problems.push(format!("g_small was refused (never active) but got {fen} fen"));
    }
    assert_eq!(paid.get("g_ok"), Some(&17), "{paid:?}");
    assert!(problems.is_empty(), "owner {owner}: {problems:#?} (all group income: {paid:?})");
}

/// The console's call answers within API Gateway's 30 s: a step still working when its budget is
/// spent (here, waiting on a lock) is cut by PostgreSQL and rolled back whole, the call answers
/// `running`, and the next call does that step again — nothing credited twice or lost.
#[tokio::test]
async fn a_step_that_outlasts_the_calls_budget_is_rolled_back_and_done_by_the_next_call() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let d = w.day;
    let lock = lock_account(&app, "b").await;
    let budget = std::time::Duration::from_secs(2);
    let answered =
        tokio::time::timeout(std::time::Duration::from_secs(20), gpet::settlement::run(&app.ctx, d, budget)).await;
    let run = answered.expect("the call answers once its budget is spent, whatever a step waits on").unwrap();
    assert_eq!((run.state.as_str(), run.steps_done), ("running", 3), "steps 0–2 kept, step 3 (B's) rolled back");
    lock.batch_execute("COMMIT").await.unwrap();
    let (status, run) = run_day(&app, &w.finance, d).await;
    assert_eq!((status, run["data"]["state"].as_str()), (200, Some("done")), "{run}");
    assert_eq!(credits(&app, d).await, expected_credits());
}

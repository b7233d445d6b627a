//! The built function binaries, run as Lambda instances against the Runtime API emulator and fed
//! recorded AWS events (tests/events/): what is deployed is what is tested. They get the same
//! variables the in-process host gets (`app.env`), so they share the test's database and queues.

use std::path::{Path, PathBuf};

use chrono::Duration;
use gpet::auth::Audience;
use gpet::queue::Queue;
use gpet::tracking::BiEvent;
use gpet_local::runtime_api::{LambdaProcess, Outcome};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A built binary of the workspace. The test executable is `<target>/<profile>/deps/api-…`;
/// cargo puts the binaries in `<target>/<profile>/`, wherever CARGO_TARGET_DIR points.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let dir = exe.parent().and_then(Path::parent).expect("the test runs from <target>/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is not built: run `cargo build --workspace --bins` first (`make test` does)",
        path.display()
    );
    path
}

fn recorded(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn instance(app: &TestApp, name: &str) -> LambdaProcess {
    LambdaProcess::spawn(&binary(name), app.env.vars()).await.expect("the binary starts")
}

/// What the function answered; panics with its logs when it failed or did not answer.
async fn answer(function: &LambdaProcess, event: &Value) -> Value {
    match function.invoke(event).await {
        Ok(Outcome::Response(response)) => response,
        Ok(Outcome::Error(error)) => panic!("the invocation failed: {error}\n{}", function.output()),
        Err(e) => panic!("{e:#}"),
    }
}

/// An API Gateway (payload 2.0) answer: its status and its envelope.
async fn http_answer(function: &LambdaProcess, event: &Value) -> (u64, Value) {
    let response = answer(function, event).await;
    let status = response["statusCode"].as_u64().unwrap_or_else(|| panic!("no statusCode: {response}"));
    let body = response["body"].as_str().unwrap_or_else(|| panic!("no body: {response}"));
    let envelope = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON ({status}): {body}"));
    (status, envelope)
}

fn get_me(authorization: Option<&str>, extra_cookie: Option<&str>) -> Value {
    let mut event = recorded("apigw-http-get-me.json");
    if let Some(value) = authorization {
        event["headers"]["authorization"] = json!(value);
    }
    if let Some(cookie) = extra_cookie {
        event["cookies"].as_array_mut().expect("the recorded event has cookies").push(json!(cookie));
    }
    event
}

/// Logs `openid` in through the host; answers its user id, a bearer token for it and the
/// browser's session cookie (`gpet_h5=…`).
async fn logged_in_user(app: &TestApp, openid: &str) -> (i64, String, String) {
    let cookies = app.logged_in(openid).await;
    let (_, me) = app.get("/api/me", &cookies).await;
    let user_id = me["data"]["id"].as_i64().expect("the profile has an id");
    let session: uuid::Uuid =
        app.db().await.query_one("SELECT id FROM user_sessions WHERE user_id = $1", &[&user_id]).await.unwrap().get(0);
    let token = app.ctx.auth().unwrap().tokens.issue(Audience::H5, user_id, session, Duration::hours(1)).unwrap().token;
    let cookie = format!("{}={}", gpet::sessions::COOKIE, cookies.get(gpet::sessions::COOKIE).unwrap());
    (user_id, format!("Bearer {token}"), cookie)
}

/// Receives (and deletes) everything on `queue`, until a receive comes back empty.
async fn drain(app: &TestApp, queue: Queue) -> Vec<Value> {
    let url = app.queue_url(queue);
    let mut bodies = Vec::new();
    loop {
        let received = app
            .sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("the queue answers");
        if received.messages().is_empty() {
            return bodies;
        }
        for message in received.messages() {
            let body = message.body().unwrap_or_default();
            bodies.push(serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON on {}: {body}", queue.name())));
            app.sqs
                .delete_message()
                .queue_url(&url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn the_me_binary_answers_a_bearer_of_a_live_session_with_the_profile() {
    let app = TestApp::spawn().await;
    let (user_id, bearer, _) = logged_in_user(&app, "o_demo_lina").await;
    let me = instance(&app, "h5-me").await;

    let (status, body) = http_answer(&me, &get_me(Some(&bearer), None)).await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(1200)), "{body}");
    assert_eq!(body["data"]["nickname"], "李娜");
    assert_eq!(body["data"]["id"], user_id);
}

#[tokio::test]
async fn the_me_binary_answers_a_request_without_token_with_401_and_1401() {
    let app = TestApp::spawn().await;
    let me = instance(&app, "h5-me").await;

    let (status, body) = http_answer(&me, &get_me(None, None)).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1401)), "{body}");
    assert_eq!(body["msg"], "请先登录");
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test]
async fn a_warm_me_instance_judges_every_invocation_on_its_own_credentials() {
    let app = TestApp::spawn().await;
    let (_, lina, lina_cookie) = logged_in_user(&app, "o_demo_lina").await;
    let (_, wang, _) = logged_in_user(&app, "o_demo_wangfang").await;
    let me = instance(&app, "h5-me").await;

    // Payload 2.0 carries cookies in `cookies`, not in a header: the session cookie works too.
    let cases = [
        ("lina's bearer", get_me(Some(&lina), None), 200, Some("李娜")),
        ("no credentials after an authenticated one", get_me(None, None), 401, None),
        ("wangfang's bearer", get_me(Some(&wang), None), 200, Some("王芳")),
        ("lina's session cookie", get_me(None, Some(&lina_cookie)), 200, Some("李娜")),
        ("a tampered bearer", get_me(Some(&format!("{lina}x")), None), 401, None),
        ("lina's bearer again", get_me(Some(&lina), None), 200, Some("李娜")),
    ];
    for (what, event, expected_status, nickname) in cases {
        let (status, body) = http_answer(&me, &event).await;
        assert_eq!(status, expected_status, "{what}: {body}");
        assert_eq!(body["data"]["nickname"].as_str(), nickname, "{what}: {body}");
    }
    assert!(me.exit_status().is_none(), "one instance served them all:\n{}", me.output());
}

#[tokio::test]
async fn the_relay_binary_publishes_the_outbox_to_the_tracking_queue_once() {
    let app = TestApp::spawn().await;
    let events: Vec<Value> = ["page_view", "click", "login"]
        .into_iter()
        .map(|name| {
            BiEvent {
                event_id: uuid::Uuid::new_v4(),
                user_id: Some(10001),
                name: name.into(),
                page: Some("/groups".into()),
                props: json!({"n": name.len()}),
                client_ts: None,
                server_ts: chrono::Utc::now(),
                source: gpet::tracking::Source::Backend,
            }
            .to_json()
        })
        .collect();
    let ids = gpet::outbox::enqueue(&app.db().await, Queue::TrackingEvents, &events).await.unwrap();
    let relay = instance(&app, "job-outbox-relay").await;

    let report = answer(&relay, &recorded("scheduler-outbox-relay.json")).await;
    assert_eq!(report, json!({"published": 3, "failed": 0}));
    let mut sent = drain(&app, Queue::TrackingEvents).await;
    let mut expected = events.clone();
    let by_id = |v: &Value| v["event_id"].as_str().unwrap_or_default().to_owned();
    sent.sort_by_key(by_id);
    expected.sort_by_key(by_id);
    assert_eq!(sent, expected);
    let unpublished: i64 = app
        .db()
        .await
        .query_one("SELECT count(*) FROM outbox WHERE id = ANY($1) AND published_at IS NULL", &[&ids])
        .await
        .unwrap()
        .get(0);
    assert_eq!(unpublished, 0);

    // The next run (an empty payload, as a schedule without Input sends) finds nothing to send.
    let report = answer(&relay, &json!({})).await;
    assert_eq!(report, json!({"published": 0, "failed": 0}));
    assert!(drain(&app, Queue::TrackingEvents).await.is_empty());
}

#[tokio::test]
async fn the_consumer_binary_stores_and_forwards_a_valid_event_once_and_fails_only_the_garbage() {
    let app = TestApp::spawn().await;
    let event = recorded("sqs-tracking-events.json");
    let records = event["Records"].as_array().unwrap();
    let (valid, garbage) = (&records[0], &records[1]);
    let sent: BiEvent = serde_json::from_str(valid["body"].as_str().unwrap()).expect("the first record is valid");
    assert!(serde_json::from_str::<BiEvent>(garbage["body"].as_str().unwrap()).is_err(), "the second is not");
    let consumer = instance(&app, "consume-tracking-events").await;

    for delivery in ["first", "again"] {
        let response = answer(&consumer, &event).await;
        assert_eq!(
            response,
            json!({"batchItemFailures": [{"itemIdentifier": garbage["messageId"]}]}),
            "{delivery} delivery"
        );
        let rows = app
            .db()
            .await
            .query("SELECT name, user_id, forwarded_at IS NOT NULL FROM tracking_events", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, Option<i64>>(1), r.get::<_, bool>(2)))
            .collect::<Vec<_>>();
        assert_eq!(rows, [(sent.name.clone(), sent.user_id, true)], "{delivery} delivery");
        let forwarded = drain(&app, Queue::BiEvents).await;
        let expected = if delivery == "first" { vec![sent.to_json()] } else { vec![] };
        assert_eq!(forwarded, expected, "{delivery} delivery: what reached BI");
    }
}

#[tokio::test]
async fn the_robot_events_binary_counts_a_message_once_and_fails_one_for_an_unknown_group() {
    let app = TestApp::spawn().await;
    let db = app.db().await;
    db.batch_execute(
        "INSERT INTO robots (platform_id, wxid, nickname, qr_code_url, capacity) VALUES ('p1', 'wxid_r', 'r', 'https://q.cn/r.png', 5);
         INSERT INTO groups (group_wxid, robot_id, state, state_at, member_count, joined_at)
             SELECT 'g_known', id, 'active', now(), 30, now() FROM robots;",
    )
    .await
    .unwrap();
    // The recorded SQS event's shape, with two robot events as its bodies.
    let mut event = recorded("sqs-tracking-events.json");
    let message = |group: &str, msg_id: &str| {
        json!({"id": format!("e-{msg_id}"), "type": "group_message", "robot_wxid": "wxid_r", "at": "2026-11-26T10:00:00+08:00",
               "group_wxid": group, "sender_wxid": "m1", "msg_id": msg_id, "msg_type": "text", "text": "hi"})
        .to_string()
    };
    event["Records"][0]["body"] = json!(message("g_known", "1"));
    event["Records"][1]["body"] = json!(message("g_unknown", "2"));
    let unknown = event["Records"][1]["messageId"].clone();
    let consumer = instance(&app, "consume-robot-events").await;
    for delivery in ["first", "again"] {
        let response = answer(&consumer, &event).await;
        assert_eq!(response, json!({"batchItemFailures": [{"itemIdentifier": unknown}]}), "{delivery} delivery");
        let counted = app.count("SELECT sum(sessions)::bigint FROM group_daily WHERE day = '2026-11-26'").await;
        assert_eq!(counted, 1, "{delivery} delivery");
    }
}

#[tokio::test]
async fn a_function_missing_a_required_variable_fails_its_cold_start_naming_it() {
    let app = TestApp::spawn().await;
    let vars = app.env.vars().filter(|(name, _)| *name != "GPET_JWT_SECRET");
    let me = LambdaProcess::spawn(&binary("h5-me"), vars).await.unwrap();

    let error = me.invoke(&get_me(None, None)).await.expect_err("no answer without its configuration");
    // gpet_lambda's cold start returns from main before the runtime loop: the process ends, as
    // Lambda's Runtime.ExitError, rather than posting /runtime/init/error.
    let status = me.exit_status().unwrap_or_else(|| panic!("the process still runs after: {error:#}"));
    assert!(!status.success(), "{status}");
    let output = me.output();
    assert!(output.contains("GPET_JWT_SECRET"), "the logs name the variable:\n{output}");
    for (name, value) in app.env.vars().filter(|(name, _)| ["GPET_COOKIE_KEY", "GPET_DATABASE_URL"].contains(name)) {
        assert!(!output.contains(value), "{name}'s value is in the logs:\n{output}");
    }
}

/// Each binary builds only the parts its `Uses` names, while the in-process host gives every
/// function everything: a part used but not named would fail only when deployed. So every
/// function of the template is started as its own binary and called once on its route (or its
/// schedule), authenticated; none may answer an internal error.
#[tokio::test]
async fn every_function_binary_answers_its_route_with_only_the_parts_it_names() {
    let app = TestApp::spawn().await;
    let (_, owner, _) = logged_in_user(&app, "o_demo_zhangwei").await;
    let operator = format!("Bearer {}", app.console_token("admin1", gpet::operators::Role::Admin).await);
    let mut checked = 0;
    // Logouts end the sessions the others use: last.
    let mut functions = app.template.functions.clone();
    functions.sort_by_key(|f| f.binary.ends_with("-logout"));
    for function in &functions {
        for trigger in &function.triggers {
            let event = match trigger {
                gpet_local::template::Trigger::Http { method, path } => {
                    let raw = path.replace("{id}", "1").replace("{code}", "1000").replace("{day}", "2026-11-01");
                    let mut event =
                        get_me(Some(if path.starts_with("/api/console/") { &operator } else { &owner }), None);
                    event["routeKey"] = json!(format!("{method} {path}"));
                    event["rawPath"] = json!(raw);
                    event["requestContext"]["http"]["method"] = json!(method);
                    event["requestContext"]["http"]["path"] = json!(raw);
                    event["pathParameters"] = json!({"id": "1", "code": "1000", "day": "2026-11-01"});
                    if path.starts_with("/api/callbacks/robot-events") {
                        // A partner's signed call, as the platform makes it.
                        let body = json!({"events": [{"id": "e1", "type": "member_count", "robot_wxid": "r",
                            "at": "2026-11-26T10:00:00+08:00", "group_wxid": "g", "member_count": 3}]})
                        .to_string();
                        let ts = chrono::Utc::now().timestamp().to_string();
                        let secret = secrecy::SecretString::from(gpet_local::setup::SANDBOX_ROBOT_SECRET.to_owned());
                        event["headers"]["x-robot-timestamp"] = json!(ts);
                        event["headers"]["x-robot-signature"] =
                            json!(gpet::partners::robot::signature(&secret, &ts, body.as_bytes()));
                        event["body"] = json!(body);
                    }
                    if path.starts_with("/api/callbacks/ad-click") {
                        // The ad system's signed form (for a group that does not exist: 1404).
                        let mut params: std::collections::BTreeMap<String, String> =
                            [("trans_id", "T1"), ("group_wxid", "g_none@chatroom"), ("amount_fen", "10")]
                                .into_iter()
                                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                                .collect();
                        params.insert("ts".into(), chrono::Utc::now().timestamp().to_string());
                        let sign = gpet::ads::sign(&params, gpet_local::setup::SANDBOX_AD_SECRET);
                        params.insert("sign".into(), sign);
                        let form: String =
                            url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
                        event["headers"]["content-type"] = json!("application/x-www-form-urlencoded");
                        event["body"] = json!(form);
                    }
                    event
                }
                gpet_local::template::Trigger::Schedule { .. } => recorded("scheduler-outbox-relay.json"),
                gpet_local::template::Trigger::Sqs { .. } => continue,
            };
            let instance = instance(&app, &function.binary).await;
            let response = answer(&instance, &event).await;
            let status = response["statusCode"].as_u64().unwrap_or(200);
            // 401 would mean the call never reached the function's own work — but for WeChat Pay's
            // notification, whose signature only WeChat Pay can make, it means the function's pay
            // part was built and checked it.
            let refused = if function.binary == "callback-wechat-pay-transfer" { vec![500] } else { vec![401, 500] };
            assert!(!refused.contains(&status), "{}: {response}\n{}", function.binary, instance.output());
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} functions checked");
}

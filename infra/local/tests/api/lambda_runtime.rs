//! The built function binaries, run as Lambda instances against the Runtime API emulator and fed
//! recorded AWS events (tests/events/): what is deployed is what is tested. Each gets exactly the
//! variables the rendered template gives it (with the test stack's values: its database, queues
//! and secrets in the local Secrets Manager), reaches PostgreSQL and Redis over TLS, and fetches
//! its secrets at its cold start, as in AWS.

use std::path::{Path, PathBuf};

use chrono::Duration;
use gpet::auth::Audience;
use gpet::queue::Queue;
use gpet::tracking::BiEvent;
use gpet_local::runtime_api::{LambdaProcess, Outcome};
use gpet_local::template::Trigger;
use serde_json::{Value, json};

use crate::helpers::{TestApp, rendered};

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

/// The environment `name` gets deployed (from the rendered template), with the test's values.
fn deployed_env(app: &TestApp, name: &str) -> Vec<(String, String)> {
    app.stack.function_env(rendered("us-east-1"), name).unwrap_or_else(|e| panic!("{e:#}"))
}

async fn instance(app: &TestApp, name: &str) -> LambdaProcess {
    spawn(name, &deployed_env(app, name)).await
}

async fn spawn(name: &str, vars: &[(String, String)]) -> LambdaProcess {
    LambdaProcess::spawn(&binary(name), vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .await
        .expect("the binary starts")
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
    let session: uuid::Uuid = app
        .db()
        .await
        .query_one("SELECT id FROM user_sessions WHERE user_id = $1", &[&user_id])
        .await
        .unwrap()
        .get("id");
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
    assert_eq!(report, json!({"published": 3, "failed": 0, "set_aside": 0}));
    let mut sent = drain(&app, Queue::TrackingEvents).await;
    let mut expected = events.clone();
    let by_id = |v: &Value| v["event_id"].as_str().unwrap_or_default().to_owned();
    sent.sort_by_key(by_id);
    expected.sort_by_key(by_id);
    assert_eq!(sent, expected);
    let unpublished: i64 = app
        .db()
        .await
        .query_one("SELECT count(*) AS unpublished FROM outbox WHERE id = ANY($1) AND published_at IS NULL", &[&ids])
        .await
        .unwrap()
        .get("unpublished");
    assert_eq!(unpublished, 0);

    // The next run (an empty payload, as a schedule without Input sends) finds nothing to send.
    let report = answer(&relay, &json!({})).await;
    assert_eq!(report, json!({"published": 0, "failed": 0, "set_aside": 0}));
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
            .query("SELECT name, user_id, forwarded_at IS NOT NULL AS forwarded FROM tracking_events", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<_, String>("name"), r.get::<_, Option<i64>>("user_id"), r.get::<_, bool>("forwarded")))
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

/// A cold start that cannot complete ends the process (Lambda's Runtime.ExitError) with the
/// variable's or the secret's name in its log, never a value.
async fn fails_to_start_naming(app: &TestApp, vars: &[(String, String)], named: &[&str]) {
    let me = spawn("h5-me", vars).await;
    let error = me.invoke(&get_me(None, None)).await.expect_err("no answer without its configuration");
    let status = me.exit_status().unwrap_or_else(|| panic!("the process still runs after: {error:#}"));
    assert!(!status.success(), "{status}");
    let output = me.output();
    for name in named {
        assert!(output.contains(name), "the logs name {name}:\n{output}");
    }
    let s = &app.local.services;
    for secret in [&s.pg_password, &s.redis_password, &gpet_local::setup::LOCAL_AUTH_KEY.to_owned()] {
        assert!(!output.contains(secret.as_str()), "a secret's value is in the logs:\n{output}");
    }
}

#[tokio::test]
async fn a_function_without_a_variable_a_secret_or_a_secret_field_fails_its_cold_start_naming_it() {
    let app = TestApp::spawn().await;
    let env = deployed_env(&app, "h5-me");
    let without = |name: &str| env.iter().filter(|(k, _)| k != name).cloned().collect::<Vec<_>>();
    let with = |name: &str, value: &str| {
        let mut vars = without(name);
        vars.push((name.to_owned(), value.to_owned()));
        vars
    };
    fails_to_start_naming(&app, &without("GPET_AUTH_SECRET_ARN"), &["GPET_AUTH_SECRET_ARN"]).await;
    fails_to_start_naming(
        &app,
        &with("GPET_DATABASE_URL", "postgres://gpet:hunter2@127.0.0.1/x"),
        &["GPET_DATABASE_URL"],
    )
    .await;

    // A secret that does not exist, and one without a field its part needs.
    let sdk = app.local.services.aws().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let arn = app.stack.started.secret_arns[&gpet::config::Secret::Auth].replace("gpet/auth", "gpet/nosuch");
    fails_to_start_naming(&app, &with("GPET_AUTH_SECRET_ARN", &arn), &["auth", "gpet/nosuch"]).await;
    let name = format!("{}gpet/auth-without-key", app.local.resource_prefix);
    let created = secrets.create_secret().name(&name).secret_string(r#"{"kid":"x"}"#).send().await.unwrap();
    let arn = created.arn().unwrap().to_owned();
    fails_to_start_naming(&app, &with("GPET_AUTH_SECRET_ARN", &arn), &["auth", "`key`"]).await;
    secrets.delete_secret().secret_id(&arn).force_delete_without_recovery(true).send().await.unwrap();

    // A CA bundle that is not PEM is named; the stores' certificates do not verify against a
    // CA that did not sign them, so the start fails rather than talk to an unverified server.
    fails_to_start_naming(&app, &with("GPET_TLS_CA_PEM", "not a bundle"), &["GPET_TLS_CA_PEM"]).await;
    fails_to_start_naming(&app, &with("GPET_TLS_CA_PEM", &another_ca()), &["certificate"]).await;
}

/// A CA of its own (made with openssl), which signed nothing the local stores present.
fn another_ca() -> String {
    let dir = std::env::temp_dir().join(format!("gpet-ca-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, cert) = (dir.join("ca.key"), dir.join("ca.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=not-the-local-ca", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let pem = std::fs::read_to_string(&cert).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    pem
}

#[tokio::test]
async fn a_rotated_auth_key_still_opens_the_previous_keys_tokens_in_a_new_instance() {
    let app = TestApp::spawn().await;
    let (_, bearer, cookie) = logged_in_user(&app, "o_demo_lina").await;
    // The operator rotates the auth secret: a new key, the previous one kept for its tokens.
    let arn = app.stack.started.secret_arns[&gpet::config::Secret::Auth].clone();
    let sdk = app.local.services.aws().await;
    let rotated = json!({"kid": "local2", "key": "the-rotated-auth-key-0123456789-0123456789",
                         "previous_kid": gpet_local::setup::LOCAL_AUTH_KEY_ID, "previous_key": gpet_local::setup::LOCAL_AUTH_KEY});
    aws_sdk_secretsmanager::Client::new(&sdk)
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(rotated.to_string())
        .send()
        .await
        .unwrap();
    // A new instance (no redeploy) picks the new secret up and still accepts the old tokens.
    let me = instance(&app, "h5-me").await;
    for (what, event) in [("bearer", get_me(Some(&bearer), None)), ("cookie", get_me(None, Some(&cookie)))] {
        let (status, body) = http_answer(&me, &event).await;
        assert_eq!((status, body["data"]["nickname"].as_str()), (200, Some("李娜")), "{what}: {body}");
    }
    // Once the previous key is dropped, they are refused.
    let done = json!({"kid": "local2", "key": "the-rotated-auth-key-0123456789-0123456789"});
    aws_sdk_secretsmanager::Client::new(&sdk)
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(done.to_string())
        .send()
        .await
        .unwrap();
    let me = instance(&app, "h5-me").await;
    let (status, _) = http_answer(&me, &get_me(Some(&bearer), None)).await;
    assert_eq!(status, 401);
}

/// Each binary builds only the parts its `function!` line names, while the in-process host gives
/// every function everything: a part used but not named would fail only when deployed. So every
/// function of the template is started as its own binary and made to do its work once, on a
/// database holding what that work needs ([`World`]): each route gets the valid request of its
/// OpenAPI example (path parameters and body), each job its schedule's event, each consumer a
/// batch of a real message of its queue. Each must succeed, and reach no part it did not name
/// (where a failure is tolerated, such as the robot's leave or a reply, it is logged with the
/// part's "is not configured for this function").
#[tokio::test]
async fn every_function_binary_does_its_work_with_only_the_parts_it_names() {
    let app = TestApp::spawn().await;
    let doc = gpet_local::registry::openapi();
    let world = World::make(&app, &doc).await;
    let notifications = Notifications::start().await;
    let site = Server::start(
        axum::Router::new()
            .route("/index.html", axum::routing::get(|| async { "<!doctype html><html><body>h5 app</body></html>" })),
    )
    .await;
    let mut functions = app.template.functions.clone();
    functions.sort_by_key(|f| phase(&f.binary));
    let (mut checked, mut failures) = (0, Vec::new());
    for function in &functions {
        let binary = function.binary.as_str();
        let mut env = deployed_env(&app, binary);
        match binary {
            // WeChat Pay posts the payout's result to GPET_PUBLIC_BASE_URL: here, where the test
            // keeps it for the callback's binary.
            "consume-payouts" => replace_var(&mut env, "GPET_PUBLIC_BASE_URL", &notifications.server.url),
            // The shell fetches the app's index.html from the site.
            "h5-web-shell" => replace_var(&mut env, "GPET_PUBLIC_BASE_URL", &site.url),
            _ => {}
        }
        for trigger in &function.triggers {
            let (event, expected) = match trigger {
                Trigger::Http { method, path } => {
                    let event = world.request(&app, &doc, binary, method, path, &notifications).await;
                    (event, Expect::Success)
                }
                Trigger::Schedule { .. } => {
                    let mut event = recorded("scheduler-outbox-relay.json");
                    event["schedule_arn"] = json!(format!(
                        "arn:aws:scheduler:ap-east-1:123456789012:schedule/default/gpet-{}Schedule-1QX8ZP3V6R2TN",
                        function.logical_id
                    ));
                    (event, Expect::Report)
                }
                Trigger::Sqs { queue, .. } => (world.batch(&app, queue).await, Expect::NoFailures),
            };
            // Where success is impossible by design: the documented refusal that shows the
            // function reached its own work.
            let expected = match binary {
                // The code is random and sent by SMS: only the phone's owner knows it. 2301 comes
                // after the code sent by h5-me-phone-code is read back.
                "h5-me-phone" => Expect::Refusal(422, 2301),
                _ => expected,
            };
            let instance = spawn(binary, &env).await;
            let outcome = instance.invoke(&event).await;
            let output = instance.output();
            let problem = match (&outcome, expected) {
                (Err(e), _) => Some(format!("no answer: {e:#}")),
                (Ok(Outcome::Error(error)), _) => Some(format!("the invocation failed: {error}")),
                (Ok(Outcome::Response(response)), Expect::Success) => {
                    let status = response["statusCode"].as_u64().unwrap_or_default();
                    let body = response["body"].as_str().unwrap_or_default();
                    let envelope: Option<Value> = serde_json::from_str(body).ok();
                    let code = envelope.as_ref().and_then(|e| e["code"].as_i64());
                    let location = response["headers"]["location"].as_str().unwrap_or_default();
                    let refused =
                        !(200..400).contains(&status) || code.is_some_and(|c| c != 1200) || location.contains("error=");
                    // The merchant part only adds to an answer (of a withdrawal waiting for the
                    // user to confirm it): without it, the answer still succeeds.
                    let unmerchanted = binary == "h5-withdrawals-get"
                        && !envelope.as_ref().is_some_and(|e| e["data"]["mch_id"].is_string());
                    (refused || unmerchanted).then(|| format!("answered {status}: {response}"))
                }
                (Ok(Outcome::Response(response)), Expect::Refusal(status, code)) => {
                    let envelope: Value =
                        serde_json::from_str(response["body"].as_str().unwrap_or_default()).unwrap_or_default();
                    let answered = (response["statusCode"].as_u64(), envelope["code"].as_i64());
                    (answered != (Some(status), Some(code))).then(|| format!("not {status} {code}: {response}"))
                }
                (Ok(Outcome::Response(_)), Expect::Report) => None,
                (Ok(Outcome::Response(response)), Expect::NoFailures) => (response
                    != &json!({"batchItemFailures": []}))
                    .then(|| format!("did not take the whole batch: {response}")),
            };
            let problem = problem.or_else(|| {
                output
                    .contains("is not configured for this function")
                    .then(|| "reached a part its function! line does not name".to_owned())
            });
            if let Some(problem) = problem {
                failures.push(format!("{binary} ({trigger:?}): {problem}\n{output}"));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {checked} failed:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(checked >= 90, "only {checked} triggers checked");
}

/// What a function's invocation must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// 2xx or 3xx (not a redirect to the login page with an error), and 1200 if an envelope.
    Success,
    /// This status and code.
    Refusal(u64, i64),
    /// A job's report (any result but an error).
    Report,
    /// `{"batchItemFailures": []}`.
    NoFailures,
}

/// When a function runs: reads and creations first; then what needs one of them (the phone's
/// binding its code, the payee's withdrawal the identity) and what removes what they read; the
/// consumers, which pay the withdrawal a route made; WeChat Pay's notification of that payout;
/// the jobs; and last what stops the callers: the owner frozen (and back), the operator's new
/// password, the logouts.
fn phase(binary: &str) -> u8 {
    match binary {
        "h5-me-phone"
        | "h5-withdrawals-create"
        | "h5-groups-delete"
        | "console-groups-exit"
        | "h5-keywords-delete"
        | "h5-broadcasts-delete"
        | "console-campaigns-delete"
        | "console-marquees-delete"
        | "console-sensitive-words-delete"
        | "console-short-links-disable"
        | "console-withdrawals-reject"
        | "console-withdrawals-retry"
        | "console-robots-release" => 1,
        b if b.starts_with("consume-") => 2,
        "callback-wechat-pay-transfer" => 3,
        b if b.starts_with("job-") => 4,
        "console-users-freeze" => 5,
        "console-users-unfreeze" => 6,
        "console-me-password" => 7,
        b if b.ends_with("-logout") => 8,
        _ => 0,
    }
}

fn replace_var(env: &mut [(String, String)], name: &str, value: &str) {
    let var = env.iter_mut().find(|(k, _)| k == name).unwrap_or_else(|| panic!("{name} is not deployed"));
    var.1 = value.to_owned();
}

/// The OpenAPI operation of `method path`.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let operation = &doc["paths"][path][method.to_lowercase()];
    assert!(operation.is_object(), "{method} {path} is not in the OpenAPI document");
    operation
}

/// The example of the path parameter `name` of `method path`, as it goes in the path.
fn path_example(doc: &Value, method: &str, path: &str, name: &str) -> String {
    let parameters = operation(doc, method, path)["parameters"].as_array().cloned().unwrap_or_default();
    let parameter = parameters.iter().find(|p| p["name"] == name && p["in"] == "path");
    match parameter.map(|p| &p["example"]) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => panic!("{method} {path}: the path parameter {name} has no example"),
    }
}

/// The id the example of `method path` names.
fn example_id(doc: &Value, method: &str, path: &str) -> i64 {
    path_example(doc, method, path, "id").parse().expect("an id is a number")
}

/// The example of `method path`'s JSON body.
fn body_example(doc: &Value, method: &str, path: &str) -> Option<Value> {
    let body = &operation(doc, method, path)["requestBody"];
    if body.is_null() {
        return None;
    }
    let example = &body["content"]["application/json"]["example"];
    assert!(!example.is_null(), "{method} {path} takes a body but has no example of it");
    Some(example.clone())
}

/// A server of the test's own on 127.0.0.1, stopped with it.
struct Server {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(router: axum::Router) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Server { url, task }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where WeChat Pay's notifications of the test's payouts arrive, kept to be replayed to the
/// callback's binary as WeChat Pay sent them (signed by the sandbox's platform key).
struct Notifications {
    server: Server,
    kept: std::sync::Arc<std::sync::Mutex<Vec<Notification>>>,
}

/// A notification's headers (`name`, `value`) and body.
type Notification = (Vec<(String, String)>, String);

impl Notifications {
    async fn start() -> Notifications {
        let kept = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = kept.clone();
        let router = axum::Router::new().route(
            "/api/callbacks/wechat-pay/transfer",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let keep = keep.clone();
                async move {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
                        .collect();
                    keep.lock().unwrap().push((headers, body));
                    axum::Json(json!({"code": "SUCCESS"}))
                }
            }),
        );
        Notifications { server: Server::start(router).await, kept }
    }

    /// The first notification, waiting a few seconds for it.
    async fn first(&self) -> Notification {
        for _ in 0..100 {
            if let Some(first) = self.kept.lock().unwrap().first().cloned() {
                return first;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("WeChat Pay sent no notification")
    }
}

/// What the functions' work needs, made through the host (as people would) where it can be, with
/// the ids the OpenAPI examples name: an operator (the console login's example), a second one,
/// a short link, a marquee, a campaign not started, a sensitive word, a robot with every place
/// released, a dead letter, a settled day; the owner (user 1) with a phone, an identity, money,
/// a withdrawal waiting for him in WeChat, three groups, two keywords and a mass message for
/// tomorrow; a newcomer without a phone; a payee with a phone and money but no identity; and an
/// owner whose two withdrawals failed for a real name WeChat does not know (who may correct it).
struct World {
    operator: String,
    owner: String,
    newcomer: String,
    payee: (i64, String),
    refused: String,
    group_wxids: Vec<String>,
}

const ROBOT_WXID: &str = "wxid_demo_robot_1";
const BANNED_WXID: &str = "wxid_demo_robot_2";

impl World {
    async fn make(app: &TestApp, doc: &Value) -> World {
        use gpet::operators::Role;
        use reqwest::Method;
        let db = app.db().await;
        let login = body_example(doc, "POST", "/api/console/auth/login").unwrap();
        let (username, password) = (login["username"].as_str().unwrap(), login["password"].as_str().unwrap());
        let change = body_example(doc, "POST", "/api/console/me/password").unwrap();
        assert_eq!(change["current_password"], password, "the password change starts from the login's password");
        gpet::operators::create(&db, username, password, Role::Admin).await.unwrap();
        gpet::operators::create(&db, "caiwu", "correct-horse-9", Role::Operator).await.unwrap();
        let second: i64 =
            db.query_one("SELECT id FROM operators WHERE username = 'caiwu'", &[]).await.unwrap().get("id");
        assert_eq!(second, example_id(doc, "PUT", "/api/console/operators/{id}"), "the operator changed");
        let token = app.stack.console_login(&app.http, username, password).await.unwrap();
        let console = |method: Method, path: &'static str, body: Value| {
            let token = token.clone();
            async move {
                let (status, answer) = app.console(method, path, &token, Some(body)).await;
                assert_eq!(status, 200, "{path}: {answer}");
                answer["data"]["id"].as_i64().unwrap_or_default()
            }
        };
        let link =
            console(Method::POST, "/api/console/short-links", json!({"url": "https://example.com/help/withdraw"}));
        assert_eq!(link.await, example_id(doc, "POST", "/api/console/short-links/{id}/disable"));
        let code = path_example(doc, "GET", "/s/{code}", "code");
        assert_eq!(code, gpet::short_links::ShortCode::from_counter(1).as_str(), "/s/{{code}} names the link");
        let marquee =
            json!({"text": "欢迎来到群宠！", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2030-12-31T16:00:00Z"});
        let marquee = console(Method::POST, "/api/console/marquees", marquee).await;
        assert_eq!(marquee, example_id(doc, "PUT", "/api/console/marquees/{id}"));
        assert_eq!(marquee, example_id(doc, "DELETE", "/api/console/marquees/{id}"));
        let campaign = json!({"name": "冬季驱虫", "content": {"kind": "text", "text": "到店立减 30 元"}, "min_stars": 2,
                              "starts_at": "2030-01-01T20:00:00+08:00"});
        let campaign = console(Method::POST, "/api/console/campaigns", campaign).await;
        assert_eq!(campaign, example_id(doc, "PUT", "/api/console/campaigns/{id}"));
        assert_eq!(campaign, example_id(doc, "DELETE", "/api/console/campaigns/{id}"));
        console(Method::POST, "/api/console/sensitive-words", json!({"words": ["赌博"]})).await;
        let word: i64 =
            db.query_one("SELECT id FROM sensitive_words WHERE word = '赌博'", &[]).await.unwrap().get("id");
        assert_eq!(word, example_id(doc, "DELETE", "/api/console/sensitive-words/{id}"));
        app.register_robot(&token, ROBOT_WXID, 200).await;
        let robot: i64 = db.query_one("SELECT id FROM robots WHERE wxid = $1", &[&ROBOT_WXID]).await.unwrap().get("id");
        assert_eq!(robot, example_id(doc, "PUT", "/api/console/robots/{id}"));
        // A tracking event BI's queue gave up on.
        let event = recorded("sqs-tracking-events.json")["Records"][0]["body"].clone();
        let letter: i64 = db
            .query_one(
                "INSERT INTO dead_letters (queue, message_id, body) VALUES ($1, 'm-1', $2) RETURNING id",
                &[&Queue::TrackingEventsDlq.name(), &event.as_str().unwrap()],
            )
            .await
            .unwrap()
            .get("id");
        assert_eq!(letter, example_id(doc, "POST", "/api/console/dead-letters/{id}/redrive"));
        let day = path_example(doc, "GET", "/api/console/settlements/{day}", "day");
        let (status, run) =
            app.console(Method::POST, &format!("/api/console/settlements/{day}/run"), &token, None).await;
        assert_eq!(status, 200, "{run}");

        // The owner, with a withdrawal WeChat Pay waits for him to confirm.
        let (owner_cookies, owner) = app.payee("o_demo_zhangwei", "13700000001", "张伟", 50_000).await;
        assert_eq!(owner, example_id(doc, "GET", "/api/console/users/{id}"), "the owner is the user the console names");
        let withdrawal = withdraw(app, &owner_cookies).await;
        assert_eq!(withdrawal, example_id(doc, "GET", "/api/withdrawals/{id}"));
        pay(app).await;
        until(app, withdrawal, "waiting_user").await;
        app.logged_in("o_demo_lina").await;
        let newcomer = app.user_id("o_demo_lina").await;
        let payee_cookies = app.logged_in("o_demo_wangfang").await;
        app.bind_phone(&payee_cookies, "13700000003").await;
        let payee = app.user_id("o_demo_wangfang").await;
        app.fund(&[payee], 50_000).await;
        // Two withdrawals WeChat Pay failed (the payee's name is not the one WeChat knows).
        let (failing_cookies, refused) = app.payee("o_demo_liuyang", "13700000004", "刘洋", 50_000).await;
        let (status, answer) = app
            .sandbox_call(
                Method::POST,
                "/sandbox/pay/faults",
                Some(json!({"next": ["name_mismatch", "name_mismatch"]})),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        for (method, path) in
            [("POST", "/api/console/withdrawals/{id}/retry"), ("POST", "/api/console/withdrawals/{id}/reject")]
        {
            let id = withdraw(app, &failing_cookies).await;
            assert_eq!(id, example_id(doc, method, path), "{path}");
            pay(app).await;
            until(app, id, "failed").await;
        }

        // The owner's groups (the robot platform knows them), keywords and a mass message.
        let group_wxids: Vec<String> = (1..=3).map(|n| format!("{}@chatroom", 40_000_000 + n)).collect();
        for (n, wxid) in group_wxids.iter().enumerate() {
            let id: i64 = db
                .query_one(
                    "INSERT INTO groups (group_wxid, name, robot_id, owner_id, state, state_at, member_count, member_count_at, joined_at)
                     VALUES ($1, $2, $3, $4, 'active', now(), 30, now(), now() - interval '3 days') RETURNING id",
                    &[wxid, &format!("宠物交流{}", n + 1), &robot, &owner],
                )
                .await
                .unwrap()
                .get("id");
            assert_eq!(id, n as i64 + 1);
            let body = json!({"name": format!("宠物交流{}", n + 1), "member_count": 30, "robot_wxid": ROBOT_WXID,
                              "owner_wxid": null, "chatter": false});
            let (status, answer) =
                app.sandbox_call(Method::PUT, &format!("/sandbox/robot/groups/{wxid}"), Some(body)).await;
            assert_eq!(status, 200, "{answer}");
        }
        for (method, path) in [("GET", "/api/groups/{id}"), ("GET", "/api/console/groups/{id}")] {
            assert_eq!(example_id(doc, method, path), 1, "{path}: the owner's first group");
        }
        let exits =
            [example_id(doc, "DELETE", "/api/groups/{id}"), example_id(doc, "POST", "/api/console/groups/{id}/exit")];
        assert_eq!(exits, [2, 3], "the groups left are the owner's others");
        // A second robot, banned by WeChat, with a fourth group of the owner: its replacement,
        // the operators' bulk replacement, its quarantine and release.
        app.register_robot(&token, BANNED_WXID, 50).await;
        let banned: i64 =
            db.query_one("SELECT id FROM robots WHERE wxid = $1", &[&BANNED_WXID]).await.unwrap().get("id");
        for (method, path) in [
            ("POST", "/api/console/robots/{id}/quarantine"),
            ("POST", "/api/console/robots/{id}/release"),
            ("POST", "/api/console/robots/{id}/replacements"),
        ] {
            assert_eq!(example_id(doc, method, path), banned, "{path}: the banned robot");
        }
        let fourth: i64 = db
            .query_one(
                "INSERT INTO groups (group_wxid, name, robot_id, owner_id, state, state_at, member_count, member_count_at, joined_at)
                 VALUES ('40000004@chatroom', '宠物交流4', $1, $2, 'active', now(), 30, now(), now() - interval '3 days') RETURNING id",
                &[&banned, &owner],
            )
            .await
            .unwrap()
            .get("id");
        assert_eq!(fourth, example_id(doc, "POST", "/api/groups/{id}/replace-robot"), "the banned robot's group");
        app.robot_events(json!([{"type": "robot_offline", "robot_wxid": BANNED_WXID, "reason": "banned"}])).await;
        app.drain(Queue::RobotEvents, "consume-robot-events").await;
        // One keyword to delete, one (for every group) the robot answers in the batch of messages.
        for (keyword, reply) in [("规则", "本群规则：友善交流"), ("打卡", "打卡成功！")] {
            let (status, answer) =
                app.h5_post("/api/keywords", &owner_cookies, json!({"keyword": keyword, "reply": reply})).await;
            assert_eq!(status, 200, "{answer}");
            if keyword == "规则" {
                assert_eq!(answer["data"]["id"].as_i64(), Some(example_id(doc, "DELETE", "/api/keywords/{id}")));
            }
        }
        let tomorrow = (chrono::Utc::now() + Duration::days(1)).to_rfc3339();
        let broadcast =
            json!({"content": {"kind": "text", "text": "明晚 8 点群里抽奖"}, "group_ids": [1], "send_at": tomorrow});
        let (status, answer) = app.h5_post("/api/broadcasts", &owner_cookies, broadcast).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["data"]["id"].as_i64(), Some(example_id(doc, "DELETE", "/api/broadcasts/{id}")));

        let bearer = |user_id: i64| async move {
            format!("Bearer {}", app.stack.session_token(&app.db().await, user_id).await.unwrap())
        };
        World {
            operator: format!("Bearer {token}"),
            owner: bearer(owner).await,
            newcomer: bearer(newcomer).await,
            payee: (payee, bearer(payee).await),
            refused: bearer(refused).await,
            group_wxids,
        }
    }

    /// The API Gateway event of the route's example, from the caller it needs.
    async fn request(
        &self,
        app: &TestApp,
        doc: &Value,
        binary: &str,
        method: &str,
        path: &str,
        notifications: &Notifications,
    ) -> Value {
        let caller = match binary {
            _ if path.starts_with("/api/console/") => &self.operator,
            "h5-me-phone-code" | "h5-me-phone" => &self.newcomer,
            "h5-me-identity" | "h5-withdrawals-create" => &self.payee.1,
            "h5-me-identity-correction" => &self.refused,
            _ => &self.owner,
        };
        let mut event = get_me(Some(caller), None);
        let mut raw = path.to_owned();
        let mut parameters = serde_json::Map::new();
        if path == "/_shell/{proxy+}" {
            raw = "/_shell/groups/1".to_owned();
            parameters.insert("proxy".into(), json!("groups/1"));
        }
        for name in path.split('{').skip(1).filter_map(|p| p.split_once('}')).map(|(name, _)| name) {
            if name == "proxy+" {
                continue;
            }
            let value = match binary {
                // WeChat Pay keeps a day's bill 90 days: any example's day ages out of it.
                "console-payouts-reconciliation" => app.ctx.clock.today().pred().to_string(),
                _ => path_example(doc, method, path, name),
            };
            raw = raw.replace(&format!("{{{name}}}"), &value);
            parameters.insert(name.to_owned(), json!(value));
        }
        event["routeKey"] = json!(format!("{method} {path}"));
        event["rawPath"] = json!(raw);
        event["requestContext"]["routeKey"] = json!(format!("{method} {path}"));
        event["requestContext"]["http"]["method"] = json!(method);
        event["requestContext"]["http"]["path"] = json!(raw);
        event["pathParameters"] = Value::Object(parameters);
        let mut query: Vec<(String, String)> = Vec::new();
        let documented = binary != "h5-web-shell";
        let mut body = documented.then(|| body_example(doc, method, path)).flatten().map(|b| b.to_string());
        match binary {
            // A page of the site itself.
            "h5-wechat-js-config" => query.push(("url".into(), app.url("/groups?tab=mine"))),
            // WeChat's code for a login the browser started (its state cookie with it).
            "h5-auth-wechat-callback" => {
                event["headers"].as_object_mut().unwrap().remove("authorization");
                let (callback, cookies) = consented(app, "o_demo_zhoujie").await;
                query = url::Url::parse(&callback).unwrap().query_pairs().into_owned().collect();
                event["cookies"] = json!(cookies);
            }
            // A partner's signed call, as the platform makes it.
            "callback-robot-events" => {
                let signed = json!({"events": [{"id": "e1", "type": "member_count", "robot_wxid": ROBOT_WXID,
                    "at": chrono::Utc::now().to_rfc3339(), "group_wxid": self.group_wxids[0], "member_count": 31}]})
                .to_string();
                let ts = chrono::Utc::now().timestamp().to_string();
                let secret = secrecy::SecretString::from(gpet_local::setup::SANDBOX_ROBOT_SECRET.to_owned());
                event["headers"]["x-robot-timestamp"] = json!(ts);
                event["headers"]["x-robot-signature"] =
                    json!(gpet::partners::robot::signature(&secret, &ts, signed.as_bytes()));
                body = Some(signed);
            }
            // The ad system's signed form: a click in one of the owner's groups.
            "callback-ad-click" => {
                let mut params: std::collections::BTreeMap<String, String> =
                    [("trans_id", "T1"), ("group_wxid", self.group_wxids[0].as_str()), ("amount_fen", "10")]
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                params.insert("ts".into(), chrono::Utc::now().timestamp().to_string());
                let sign = gpet::ads::sign(&params, gpet_local::setup::SANDBOX_AD_SECRET);
                params.insert("sign".into(), sign);
                body = Some(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish());
                event["headers"]["content-type"] = json!("application/x-www-form-urlencoded");
            }
            // WeChat Pay's notification of the payee's payout, once the payee confirmed it.
            "callback-wechat-pay-transfer" => {
                let out_bill_no: String = app
                    .db()
                    .await
                    .query_one("SELECT out_bill_no FROM withdrawals WHERE user_id = $1", &[&self.payee.0])
                    .await
                    .unwrap()
                    .get("out_bill_no");
                let confirm = json!({"out_bill_no": out_bill_no});
                let (status, answer) =
                    app.sandbox_call(reqwest::Method::POST, "/sandbox/pay/confirm", Some(confirm)).await;
                assert_eq!(status, 200, "{answer}");
                let (headers, notification) = notifications.first().await;
                for (name, value) in headers.into_iter().filter(|(name, _)| name.starts_with("wechatpay-")) {
                    event["headers"][name] = json!(value);
                }
                event["headers"]["content-type"] = json!("application/json");
                body = Some(notification);
            }
            _ => {}
        }
        if let Some(body) = body {
            event["headers"]["content-length"] = json!(body.len().to_string());
            if event["headers"]["content-type"].is_null() {
                event["headers"]["content-type"] = json!("application/json");
            }
            event["body"] = json!(body);
        }
        if !query.is_empty() {
            event["rawQueryString"] =
                json!(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&query).finish());
            event["queryStringParameters"] = Value::Object(query.into_iter().map(|(k, v)| (k, json!(v))).collect());
        }
        event
    }

    /// An SQS event of one real message of `queue` (a template logical id).
    async fn batch(&self, app: &TestApp, queue: &str) -> Value {
        let name = &app.template.queues.iter().find(|q| q.logical_id == queue).expect("a template queue").name;
        let mut event = recorded("sqs-tracking-events.json");
        let records = event["Records"].as_array_mut().unwrap();
        records.truncate(1);
        let body = match Queue::from_name(name) {
            Some(Queue::TrackingEvents) => records[0]["body"].as_str().unwrap().to_owned(),
            // A member says one of the owner's keywords in a group: the robot answers.
            Some(Queue::RobotEvents) => json!({"id": "e-msg-1", "type": "group_message", "robot_wxid": ROBOT_WXID,
                "at": chrono::Utc::now().to_rfc3339(), "group_wxid": self.group_wxids[0], "sender_wxid": "wxid_member_1",
                "msg_id": "msg-1", "msg_type": "text", "text": "打卡"})
            .to_string(),
            // The withdrawal the payee made through h5-withdrawals-create.
            Some(Queue::Payouts) => {
                let id: i64 = app
                    .db()
                    .await
                    .query_one("SELECT id FROM withdrawals WHERE user_id = $1 AND state = 'pending'", &[&self.payee.0])
                    .await
                    .unwrap()
                    .get("id");
                json!({"withdrawal_id": id, "attempt": 1}).to_string()
            }
            other => panic!("no message for {name} ({other:?})"),
        };
        records[0]["body"] = json!(body);
        records[0]["eventSourceARN"] = json!(format!("arn:aws:sqs:ap-east-1:123456789012:{name}"));
        event
    }
}

/// A withdrawal of 10 yuan through the host: its id.
async fn withdraw(app: &TestApp, cookies: &crate::helpers::Cookies) -> i64 {
    let (status, answer) = app.h5_post("/api/withdrawals", cookies, json!({"amount_fen": 1_000})).await;
    assert_eq!(status, 200, "{answer}");
    answer["data"]["id"].as_i64().unwrap()
}

/// The payouts queue's messages sent to WeChat Pay, as the relay and the consumer would.
async fn pay(app: &TestApp) {
    app.run_job("outbox-relay").await;
    app.drain(Queue::Payouts, "consume-payouts").await;
}

async fn until(app: &TestApp, withdrawal: i64, state: &str) {
    for _ in 0..200 {
        let now: String = app
            .db()
            .await
            .query_one("SELECT state FROM withdrawals WHERE id = $1", &[&withdrawal])
            .await
            .unwrap()
            .get("state");
        if now == state {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("withdrawal {withdrawal} never reached {state}");
}

/// A WeChat login started at the host's authorize and consented to at the sandbox as `openid`:
/// the callback's URL (WeChat's code and the state) and the browser's cookies (`name=value`).
async fn consented(app: &TestApp, openid: &str) -> (String, Vec<String>) {
    let authorize =
        app.http.get(app.url("/api/auth/wechat/authorize")).query(&[("redirect", "/")]).send().await.unwrap();
    assert_eq!(authorize.status(), 302);
    let mut cookies = crate::helpers::Cookies::default();
    cookies.take(&authorize);
    let to_wechat = crate::helpers::location(&authorize);
    let page = to_wechat.split('#').next().unwrap_or_default();
    let wechat = app.http.get(format!("{page}&sandbox_openid={openid}")).send().await.unwrap();
    assert_eq!(wechat.status(), 302);
    let header = cookies.header();
    (crate::helpers::location(&wechat), header.split("; ").map(str::to_owned).collect())
}

/// The arm64 `bootstrap` that `sam build` makes (the artifact deployed), run under qemu-user
/// through the Runtime API with the environment the template gives it: `make test` builds it and
/// names it in GPET_ARM64_BOOTSTRAP.
#[tokio::test]
async fn the_arm64_artifact_sam_builds_answers_under_qemu_as_deployed() {
    let bootstrap = std::env::var("GPET_ARM64_BOOTSTRAP").unwrap_or_else(|_| {
        panic!("GPET_ARM64_BOOTSTRAP is not set: `make test` builds H5MeFunction with `sam build` and sets it")
    });
    let app = TestApp::spawn().await;
    let (_, bearer, _) = logged_in_user(&app, "o_demo_lina").await;
    let qemu = ["qemu-aarch64-static".to_owned(), "-L".to_owned(), "/usr/aarch64-linux-gnu".to_owned()];
    let env = deployed_env(&app, "h5-me");
    let me = LambdaProcess::spawn_through(
        Some(&qemu),
        Path::new(&bootstrap),
        env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
    .await
    .expect("qemu starts the bootstrap");
    let (status, body) = http_answer(&me, &get_me(Some(&bearer), None)).await;
    assert_eq!((status, body["data"]["nickname"].as_str()), (200, Some("李娜")), "{body}");
    let (status, _) = http_answer(&me, &get_me(None, None)).await;
    assert_eq!(status, 401);
    let output = me.output();
    assert!(output.contains("\"cold start\""), "the cold start is logged:\n{output}");
}

/// CloudFormation's side of a custom resource: it invokes the function with a request, and reads
/// the answer the function PUTs to the request's pre-signed URL (here a local server).
struct CloudFormation {
    url: String,
    answers: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
    server: tokio::task::JoinHandle<()>,
}

impl CloudFormation {
    async fn start() -> CloudFormation {
        let answers = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = answers.clone();
        let app = axum::Router::new().route(
            "/response",
            axum::routing::put(move |headers: axum::http::HeaderMap, body: String| {
                let kept = kept.clone();
                async move {
                    // Signed without a content type: the function must send none.
                    let typed = headers.get("content-type").is_some_and(|v| !v.is_empty());
                    kept.lock()
                        .unwrap()
                        .push(json!({"typed": typed, "answer": serde_json::from_str::<Value>(&body).unwrap()}));
                    ""
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/response", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        CloudFormation { url, answers, server }
    }

    fn request(&self, kind: &str, deploy_id: &str) -> Value {
        let mut request = json!({
            "RequestType": kind, "ServiceToken": "arn:aws:lambda:ap-east-1:123456789012:function:job-migrate",
            "ResponseURL": self.url, "StackId": "arn:aws:cloudformation:ap-east-1:123456789012:stack/gpet/1",
            "RequestId": uuid::Uuid::new_v4().to_string(), "ResourceType": "Custom::DatabaseMigration",
            "LogicalResourceId": "DatabaseMigration", "ResourceProperties": {"ServiceToken": "x", "DeployId": deploy_id}
        });
        if kind != "Create" {
            request["PhysicalResourceId"] = json!("gpet-database");
            request["OldResourceProperties"] = json!({"ServiceToken": "x", "DeployId": "older"});
        }
        request
    }

    /// Sends `kind` to the migrator and answers what it told CloudFormation.
    async fn ask(&self, migrator: &LambdaProcess, kind: &str, deploy_id: &str) -> Value {
        answer(migrator, &self.request(kind, deploy_id)).await;
        let last = self.answers.lock().unwrap().pop().expect("the migrator answered CloudFormation");
        assert_eq!(last["typed"], false, "no content type on the pre-signed PUT");
        last["answer"].clone()
    }
}

impl Drop for CloudFormation {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[tokio::test]
async fn the_deploys_migrator_applies_the_schema_once_leaves_it_on_rollback_and_refuses_a_newer_one() {
    let app = TestApp::spawn().await;
    let services = &app.local.services;
    let empty = format!("{}_deploy", app.stack.database());
    services
        .admin("postgres")
        .await
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {empty} OWNER \"{}\"", services.pg_user))
        .await
        .unwrap();
    let database_url = services.database_url(&empty).unwrap();
    let mut env = deployed_env(&app, "job-migrate");
    env.retain(|(k, _)| k != "GPET_DATABASE_URL");
    env.push(("GPET_DATABASE_URL".into(), database_url.clone()));
    let cloudformation = CloudFormation::start().await;
    let migrator = spawn("job-migrate", &env).await;

    let created = cloudformation.ask(&migrator, "Create", "deploy-1").await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    assert_eq!(created["PhysicalResourceId"], "gpet-database");
    assert_eq!(created["LogicalResourceId"], "DatabaseMigration");
    assert_eq!(created["Data"]["first_admin_created"], "true", "{created}");
    let db = services.connect(&database_url).await.unwrap();
    let versions: i64 =
        db.query_one("SELECT count(*) AS versions FROM schema_migrations", &[]).await.unwrap().get("versions");
    assert_eq!(versions as usize, gpet::db::MIGRATIONS.len());
    let admins: Vec<(String, bool)> = db
        .query("SELECT username, must_change_password FROM operators", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("username"), r.get("must_change_password")))
        .collect();
    assert_eq!(admins, [("admin".to_owned(), true)]);

    // The same deploy again is CloudFormation rolling back to it: nothing is applied.
    let again = cloudformation.ask(&migrator, "Update", "deploy-1").await;
    assert_eq!(
        (again["Status"].as_str(), again["Data"]["rollback"].as_str()),
        (Some("SUCCESS"), Some("true")),
        "{again}"
    );
    let next = cloudformation.ask(&migrator, "Update", "deploy-2").await;
    assert_eq!((next["Status"].as_str(), next["Data"]["applied"].as_str()), (Some("SUCCESS"), Some("[]")), "{next}");
    assert_eq!(next["Data"]["first_admin_created"], "false", "one first admin, ever");

    // A schema newer than the code (deployed by a later version) is refused, with why.
    db.execute("INSERT INTO schema_migrations (version) VALUES ('9999_from_a_newer_version')", &[]).await.unwrap();
    let refused = cloudformation.ask(&migrator, "Update", "deploy-3").await;
    assert_eq!(refused["Status"], "FAILED", "{refused}");
    assert!(refused["Reason"].as_str().unwrap().contains("newer than this code"), "{refused}");
    let deleted = cloudformation.ask(&migrator, "Delete", "deploy-3").await;
    assert_eq!(deleted["Status"], "SUCCESS", "a delete leaves the data: {deleted}");
    drop(db);
    services
        .admin("postgres")
        .await
        .unwrap()
        .batch_execute(&format!("DROP DATABASE {empty} WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_deploy_with_a_missing_secret_fails_naming_it_and_applies_nothing() {
    let app = TestApp::spawn().await;
    let mut env = deployed_env(&app, "job-migrate");
    let missing = app.stack.started.secret_arns[&gpet::config::Secret::Robot].replace("gpet/robot", "gpet/robot-gone");
    for (name, value) in env.iter_mut() {
        if name == "GPET_PREFLIGHT_SECRETS" {
            let robot = &app.stack.started.secret_arns[&gpet::config::Secret::Robot];
            *value = value.replace(robot.as_str(), &missing);
        }
    }
    let before = app.count("SELECT count(*) FROM deploys").await;
    let cloudformation = CloudFormation::start().await;
    let migrator = spawn("job-migrate", &env).await;
    let failed = cloudformation.ask(&migrator, "Update", "deploy-with-a-hole").await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    let reason = failed["Reason"].as_str().unwrap();
    assert!(reason.contains("robot") && reason.contains("robot-gone"), "the secret is named: {reason}");
    assert!(!reason.contains(&app.local.services.pg_password), "{reason}");
    assert_eq!(app.count("SELECT count(*) FROM deploys").await, before, "nothing applied");
}

#[tokio::test]
async fn the_first_admin_made_by_the_deploy_must_choose_a_password_before_anything_else() {
    let app = TestApp::spawn().await;
    let cloudformation = CloudFormation::start().await;
    let migrator = instance(&app, "job-migrate").await;
    let made = cloudformation.ask(&migrator, "Update", "first-deploy").await;
    assert_eq!(
        (made["Status"].as_str(), made["Data"]["first_admin_created"].as_str()),
        (Some("SUCCESS"), Some("true"))
    );

    let login = json!({"username": "admin", "password": gpet_local::setup::demo_admin_password()});
    let (status, answer) =
        crate::helpers::json_of(app.http.post(app.url("/api/console/auth/login")).json(&login).send().await.unwrap())
            .await;
    assert_eq!((status, answer["data"]["must_change_password"].as_bool()), (200, Some(true)), "{answer}");
    let token = answer["data"]["token"].as_str().unwrap().to_owned();
    let (status, refused) = app.console(reqwest::Method::GET, "/api/console/users", &token, None).await;
    assert_eq!(
        (status, refused["code"].as_i64(), refused["msg"].as_str()),
        (403, Some(1401), Some("请先修改初始密码"))
    );
    let (status, me) = app.console(reqwest::Method::GET, "/api/console/me", &token, None).await;
    assert_eq!((status, me["data"]["must_change_password"].as_bool()), (200, Some(true)), "{me}");

    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let path = "/api/console/me/password";
    let password = gpet_local::setup::demo_admin_password();
    for (body, expected) in [
        (change("not-the-password", "a-new-password-1"), "当前密码不正确"),
        (change(&password, "short"), "密码长度须为 8–128 位"),
        (change(&password, &password), "新密码不能与当前密码相同"),
    ] {
        let (status, answer) = app.console(reqwest::Method::POST, path, &token, Some(body)).await;
        assert_eq!((status, answer["msg"].as_str()), (400, Some(expected)), "{answer}");
    }
    let (status, changed) =
        app.console(reqwest::Method::POST, path, &token, Some(change(&password, "a-new-password-1"))).await;
    assert_eq!((status, changed["data"]["must_change_password"].as_bool()), (200, Some(false)), "{changed}");
    let (status, users) = app.console(reqwest::Method::GET, "/api/console/users", &token, None).await;
    assert_eq!(status, 200, "the console opens with the same session: {users}");
    let old = json!({"username": "admin", "password": password});
    let (status, _) =
        crate::helpers::json_of(app.http.post(app.url("/api/console/auth/login")).json(&old).send().await.unwrap())
            .await;
    assert_eq!(status, 401, "the generated password no longer opens the console");
}

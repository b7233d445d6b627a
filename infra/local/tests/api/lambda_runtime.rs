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
        .query_one("SELECT count(*) FROM outbox WHERE id = ANY($1) AND published_at IS NULL", &[&ids])
        .await
        .unwrap()
        .get(0);
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
                    let raw = path
                        .replace("{id}", "1")
                        .replace("{code}", "1000")
                        .replace("{day}", "2026-11-01")
                        .replace("{proxy+}", "groups/1");
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
    let versions: i64 = db.query_one("SELECT count(*) FROM schema_migrations", &[]).await.unwrap().get(0);
    assert_eq!(versions as usize, gpet::db::MIGRATIONS.len());
    let admins: Vec<(String, bool)> = db
        .query("SELECT username, must_change_password FROM operators", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
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

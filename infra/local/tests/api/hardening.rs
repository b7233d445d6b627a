//! What every request goes through before its handler (`gpet_lambda::http::guard`, applied by
//! `http_main` deployed and by the local host) and how bodies are read: writes only from our own
//! site and only as JSON, no control character in any text input, and refusals that name the
//! field but never repeat what was sent (issue 13).

use gpet::queue::Queue;
use serde_json::{Value, json};

use crate::helpers::{Cookies, TestApp, json_of, logs};

/// The console's cookies, as the browser holds them after logging in.
async fn console_cookies(app: &TestApp) -> Cookies {
    app.console_token("hardening_admin", gpet::operators::Role::Admin).await;
    let body = json!({"username": "hardening_admin", "password": "correct-horse-9"});
    let response = app.http.post(app.url("/api/console/auth/login")).json(&body).send().await.unwrap();
    let mut cookies = Cookies::default();
    cookies.take(&response);
    assert!(cookies.get(gpet::operators::COOKIE).is_some());
    cookies
}

/// A request as a browser (or a page of another site) would make it: the cookies, then these
/// headers and this body.
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    cookies: &Cookies,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let mut request = app.http.request(method, app.url(path)).header("cookie", cookies.header());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    json_of(request.body(body.to_owned()).send().await.unwrap()).await
}

/// What, method, path, cookies, headers, body, and the status it must get.
type ShapeCase<'a> = (&'a str, reqwest::Method, &'a str, &'a Cookies, Vec<(&'a str, &'a str)>, &'a str, u16);
/// What, method, path, cookies, body, and the field the answer must name.
type TextCase<'a> = (&'a str, reqwest::Method, &'a str, &'a Cookies, &'a str, Option<&'a str>);

#[tokio::test]
async fn writes_from_another_site_or_not_in_json_are_refused_whatever_the_cookie() {
    let app = TestApp::spawn().await;
    let h5 = app.logged_in("o_hardening_1").await;
    let console = console_cookies(&app).await;
    let ours = app.base_url.clone();
    let track = r#"{"events":[{"name":"page_view"}]}"#;
    let maintenance = r#"{"enabled":false,"message":"cross-site"}"#;
    let json = ("content-type", "application/json");
    // Each would be answered 200 today: SameSite=Lax was the only guard.
    let cases: Vec<ShapeCase> = vec![
        (
            "a text/plain body (a form's enctype)",
            reqwest::Method::POST,
            "/api/track",
            &h5,
            vec![("content-type", "text/plain")],
            track,
            415,
        ),
        (
            "a form-encoded body",
            reqwest::Method::PUT,
            "/api/console/maintenance",
            &console,
            vec![("content-type", "application/x-www-form-urlencoded")],
            "enabled=false",
            415,
        ),
        (
            "a body without a content type",
            reqwest::Method::PUT,
            "/api/console/maintenance",
            &console,
            vec![],
            maintenance,
            415,
        ),
        (
            "JSON from another origin",
            reqwest::Method::PUT,
            "/api/console/maintenance",
            &console,
            vec![json, ("origin", "https://evil.example")],
            maintenance,
            403,
        ),
        (
            "JSON from our host on another port",
            reqwest::Method::POST,
            "/api/track",
            &h5,
            vec![json, ("origin", "http://127.0.0.1:1")],
            track,
            403,
        ),
        (
            "JSON from an opaque origin",
            reqwest::Method::POST,
            "/api/track",
            &h5,
            vec![json, ("origin", "null")],
            track,
            403,
        ),
        (
            "Sec-Fetch-Site: cross-site",
            reqwest::Method::POST,
            "/api/track",
            &h5,
            vec![json, ("sec-fetch-site", "cross-site")],
            track,
            403,
        ),
        (
            "Sec-Fetch-Site: same-site (a sibling subdomain)",
            reqwest::Method::PUT,
            "/api/console/maintenance",
            &console,
            vec![json, ("sec-fetch-site", "same-site")],
            maintenance,
            403,
        ),
        (
            "a bodiless write from another origin (a form can POST nothing)",
            reqwest::Method::POST,
            "/api/auth/logout",
            &h5,
            vec![("origin", "https://evil.example")],
            "",
            403,
        ),
        (
            "a bodiless console write, cross-site",
            reqwest::Method::POST,
            "/api/console/auth/logout",
            &console,
            vec![("sec-fetch-site", "cross-site")],
            "",
            403,
        ),
    ];
    for (what, method, path, cookies, headers, body, status) in cases {
        let (got, answer) = send(&app, method, path, cookies, &headers, body).await;
        assert_eq!((got, answer["code"].as_i64()), (status, Some(1403)), "{what}: {answer}");
        assert!(answer["msg"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {answer}");
    }
    // Nothing happened: both sessions live, maintenance untouched, nothing tracked.
    assert_eq!(app.get("/api/me", &h5).await.0, 200);
    assert_eq!(app.get("/api/console/me", &console).await.0, 200);
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action LIKE '%maintenance%'").await, 0);

    // What our web apps send passes: JSON (a charset is fine) from our origin, and a bodiless
    // write with no content type at all.
    let same_origin = [
        ("content-type", "application/json; charset=utf-8"),
        ("origin", ours.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    let (status, answer) =
        send(&app, reqwest::Method::PUT, "/api/console/maintenance", &console, &same_origin, maintenance).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = send(&app, reqwest::Method::POST, "/api/track", &h5, &same_origin, track).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) =
        send(&app, reqwest::Method::POST, "/api/auth/refresh", &h5, &[("origin", ours.as_str())], "").await;
    assert_eq!(status, 200, "{answer}");
    // Reads are not writes: a cross-site GET is answered (SameSite and CORS keep its answer).
    let (status, _) = send(&app, reqwest::Method::GET, "/api/me", &h5, &[("sec-fetch-site", "cross-site")], "").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn partner_callbacks_are_not_held_to_the_browser_rules() {
    let app = TestApp::spawn().await;
    // The ad system posts a form, from no browser: refused for its signature, not its shape.
    let (status, answer) = send(
        &app,
        reqwest::Method::POST,
        "/api/callbacks/ad-click",
        &Cookies::default(),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", "https://ads.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        "trans_id=T1&group_wxid=g1&amount_fen=10&ts=1&sign=bad",
    )
    .await;
    assert!(status != 403 && status != 415, "{status} {answer}");
    // The robot platform's signed JSON arrives through the sandbox as before.
    app.robot_events(
        json!([{"type": "member_count", "robot_wxid": "r_none", "group_wxid": "g_none", "member_count": 3}]),
    )
    .await;
}

#[tokio::test]
async fn control_characters_in_any_text_input_are_refused_with_1403_not_a_server_error() {
    let app = TestApp::spawn().await;
    let h5 = app.logged_in("o_hardening_2").await;
    let console = console_cookies(&app).await;
    let anonymous = Cookies::default();
    let json = [("content-type", "application/json")];
    // (what, method, path, cookies, body, the field the answer names): today the NULs are 500s
    // (PostgreSQL refuses NUL in text), the other characters are stored (and U+FFFE then stops
    // the outbox: SQS refuses it).
    let cases: Vec<TextCase> = vec![
        (
            "NUL in the unauthenticated console login",
            reqwest::Method::POST,
            "/api/console/auth/login",
            &anonymous,
            r#"{"username":"admin\u0000","password":"x"}"#,
            Some("username"),
        ),
        (
            "NUL in a key",
            reqwest::Method::POST,
            "/api/console/auth/login",
            &anonymous,
            r#"{"username":"admin","password":"x","p\u0000":1}"#,
            Some("顶层的字段名"),
        ),
        (
            "NUL in a name",
            reqwest::Method::POST,
            "/api/me/identity",
            &h5,
            r#"{"name":"张\u0000三","id_number":"11010519491231002X"}"#,
            Some("name"),
        ),
        (
            "NUL in a tracking event, deep",
            reqwest::Method::POST,
            "/api/track",
            &h5,
            r#"{"events":[{"name":"x","props":{"a":["ok","b\u0000"]}}]}"#,
            Some("events[0].props.a[1]"),
        ),
        (
            "U+FFFE, which SQS refuses",
            reqwest::Method::POST,
            "/api/track",
            &anonymous,
            r#"{"events":[{"name":"x\uFFFE"}]}"#,
            Some("events[0].name"),
        ),
        (
            "an ESC written raw in a marquee",
            reqwest::Method::POST,
            "/api/console/marquees",
            &console,
            "{\"text\":\"\u{1b}[2J\",\"starts_at\":\"2026-01-01T00:00:00Z\",\"ends_at\":\"2026-01-02T00:00:00Z\"}",
            None,
        ),
        (
            "a C1 control (NEL) in a sensitive word",
            reqwest::Method::POST,
            "/api/console/sensitive-words",
            &console,
            r#"{"words":["坏\u0085词"]}"#,
            Some("words[0]"),
        ),
        (
            "DEL in a maintenance message",
            reqwest::Method::PUT,
            "/api/console/maintenance",
            &console,
            r#"{"enabled":false,"message":"a\u007fb"}"#,
            Some("message"),
        ),
    ];
    for (what, method, path, cookies, body, field) in cases {
        let (status, answer) = send(&app, method, path, cookies, &json, body).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{what}: {answer}");
        let msg = answer["msg"].as_str().unwrap();
        assert!(msg.contains("控制字符"), "{what}: {msg}");
        if let Some(field) = field {
            assert!(msg.contains(field), "{what}: {msg}");
        }
    }
    // Query strings and path parameters, on every route (GETs too).
    let paths = [
        ("a query parameter", "/api/console/users?keyword=a%00b"),
        ("a query parameter's name", "/api/console/users?key%00word=a"),
        ("a C1 control in a query", "/api/console/groups?keyword=%C2%85"),
        ("a path parameter", "/api/console/users/1%00"),
        ("a short link's code", "/s/ab%00c"),
    ];
    for (what, path) in paths {
        let (status, answer) = send(&app, reqwest::Method::GET, path, &console, &[], "").await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{what}: {answer}");
    }
    // Tabs and line breaks are text.
    let (status, answer) = send(
        &app,
        reqwest::Method::PUT,
        "/api/console/maintenance",
        &console,
        &json,
        r#"{"enabled":false,"message":"第一行\n\t第二行\r\n"}"#,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn a_robot_event_no_retry_can_apply_is_dead_lettered_at_once_with_its_reason() {
    let app = TestApp::spawn().await;
    // Signed by the platform, so accepted: the batch's other events must not be lost with it.
    app.robot_events(json!([
        {"type": "member_count", "robot_wxid": "r1", "group_wxid": "g_nul\u{0}@chatroom", "member_count": 3},
        {"type": "private_message", "robot_wxid": "r1", "user_wxid": "u1", "text": "配对\u{fffe}码"},
        {"type": "no_such_type", "robot_wxid": "r1"},
    ]))
    .await;
    // Today the NUL fails in PostgreSQL on every receive (and U+FFFE never reaches the queue:
    // SQS refuses it, the callback answers 1500 and the platform sends the batch again for ever).
    let handled = app.drain(Queue::RobotEvents, "consume-robot-events").await;
    assert_eq!(handled, 3, "each event is received once, not until the queue gives up on it");
    let rows = app
        .db()
        .await
        .query("SELECT queue, body, receive_count, reason FROM dead_letters ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.get::<_, String>("queue"), "gpet-robot-events-dlq");
        assert_eq!(row.get::<_, i32>("receive_count"), 1);
        let reason: Option<String> = row.get("reason");
        assert!(reason.as_deref().is_some_and(|r| !r.is_empty()), "{reason:?}");
    }
    let reasons: Vec<String> = rows.iter().map(|r| r.get("reason")).collect();
    assert_eq!(reasons.iter().filter(|r| r.contains("控制字符")).count(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("无法读取")), "{reasons:?}");
    assert!(!reasons.iter().any(|r| r.contains("no_such_type")), "a reason repeats the event: {reasons:?}");
    // The console shows them with their reason, and the body as the platform sent it.
    let token = app.console_token("dl_admin", gpet::operators::Role::Admin).await;
    let (status, list) = app.console(reqwest::Method::GET, "/api/console/dead-letters", &token, None).await;
    assert_eq!(status, 200, "{list}");
    let items = list["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    assert!(items.iter().all(|i| i["reason"].is_string()), "{list}");
    assert!(items.iter().any(|i| i["body"].as_str().unwrap().contains("g_nul\\u0000@chatroom")), "{list}");
}

#[tokio::test]
async fn refusals_name_the_field_but_never_what_was_sent_nor_a_key_of_the_request() {
    let app = TestApp::spawn().await;
    let h5 = app.logged_in("o_hardening_3").await;
    let forged_key = "x\n{\"level\":\"ERROR\",\"fields\":{\"message\":\"forged_hardening_line\"}}";
    let key_body = json!({"phone": "13812340000", forged_key: 1}).to_string();
    let cases: Vec<(&str, &str, String, &str, &str)> = vec![
        (
            "a phone number as an integer",
            "/api/me/phone/code",
            r#"{"phone":13877712345}"#.to_owned(),
            "phone",
            "13877712345",
        ),
        (
            "a code as an integer",
            "/api/me/phone",
            r#"{"phone":"13877712346","code":731952}"#.to_owned(),
            "code",
            "731952",
        ),
        (
            "an ID number as an integer",
            "/api/me/identity",
            r#"{"name":"张三","id_number":110105194912310029}"#.to_owned(),
            "id_number",
            "110105194912310029",
        ),
        (
            "a phone number where a string list is not",
            "/api/me/phone/code",
            r#"{"phone":["13877712347"]}"#.to_owned(),
            "phone",
            "13877712347",
        ),
        (
            "a key with a line break (deny_unknown_fields)",
            "/api/me/phone/code",
            key_body,
            "不认识的字段",
            "forged_hardening_line",
        ),
        (
            "a phone number as a key on the way to a bad value",
            "/api/track",
            r#"{"events":[{"name":"a","props":{"13877712348":"x\u0000"}}]}"#.to_owned(),
            "events[0].props.<?>",
            "13877712348",
        ),
    ];
    for (what, path, body, named, secret) in &cases {
        let (status, answer) = app.post(path, &h5, body).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{what}: {answer}");
        let msg = answer["msg"].as_str().unwrap();
        assert!(msg.contains(named), "{what}: the answer names the field: {msg}");
        assert!(!msg.contains(secret), "{what}: the answer repeats what was sent: {msg}");
    }
    let logged = logs();
    for (what, _, _, _, secret) in &cases {
        assert!(!logged.contains(secret), "{what}: a log line holds {secret}");
    }
    // The refusals were logged, field and all.
    assert!(logged.contains("phone: 类型不对"), "the refusal is logged without the value");
}

/// The built binary of a function, as deployed: `http_main` applies the same guard as the host.
#[tokio::test]
async fn the_built_function_refuses_what_the_local_host_refuses() {
    use gpet_local::runtime_api::{LambdaProcess, Outcome};
    let app = TestApp::spawn().await;
    let token = app.console_token("lambda_admin", gpet::operators::Role::Admin).await;
    let exe = std::env::current_exe().unwrap();
    let binary = exe.parent().and_then(std::path::Path::parent).unwrap().join("console-maintenance-put");
    assert!(binary.is_file(), "{} is not built: run `cargo build --workspace --bins` first", binary.display());
    let env = app.stack.function_env(crate::helpers::rendered("us-east-1"), "console-maintenance-put").unwrap();
    let function = LambdaProcess::spawn(&binary, env.iter().map(|(k, v)| (k.as_str(), v.as_str()))).await.unwrap();
    let recorded = gpet_local::stack::project_root().join("infra/local/tests/events/apigw-http-get-me.json");
    let event = |headers: &[(&str, &str)], body: &str, query: &str| {
        let mut event: Value = serde_json::from_str(&std::fs::read_to_string(&recorded).unwrap()).unwrap();
        event["routeKey"] = json!("PUT /api/console/maintenance");
        event["rawPath"] = json!("/api/console/maintenance");
        event["rawQueryString"] = json!(query);
        event["requestContext"]["http"]["method"] = json!("PUT");
        event["requestContext"]["http"]["path"] = json!("/api/console/maintenance");
        event["headers"]["authorization"] = json!(format!("Bearer {token}"));
        for (name, value) in headers {
            event["headers"][*name] = json!(value);
        }
        event["body"] = json!(body);
        event
    };
    let ours = app.base_url.clone();
    let body = r#"{"enabled":false,"message":"from the binary"}"#;
    let cases = [
        ("text/plain", event(&[("content-type", "text/plain")], body, ""), 415, 1403),
        (
            "another origin",
            event(&[("content-type", "application/json"), ("origin", "https://evil.example")], body, ""),
            403,
            1403,
        ),
        (
            "cross-site",
            event(&[("content-type", "application/json"), ("sec-fetch-site", "cross-site")], body, ""),
            403,
            1403,
        ),
        ("NUL in the query", event(&[("content-type", "application/json")], body, "x=%00"), 400, 1403),
        (
            "NUL in the body",
            event(&[("content-type", "application/json")], r#"{"enabled":false,"message":"\u0000"}"#, ""),
            400,
            1403,
        ),
        (
            "ours",
            event(
                &[("content-type", "application/json"), ("origin", &ours), ("sec-fetch-site", "same-origin")],
                body,
                "",
            ),
            200,
            1200,
        ),
    ];
    for (what, event, status, code) in cases {
        let response = match function.invoke(&event).await {
            Ok(Outcome::Response(response)) => response,
            other => panic!("{what}: {other:?}\n{}", function.output()),
        };
        let envelope: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            (response["statusCode"].as_u64(), envelope["code"].as_i64()),
            (Some(status), Some(code)),
            "{what}: {envelope}"
        );
    }
}

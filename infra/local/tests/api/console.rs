//! The console's login, session and role.

use gpet::operators::{self, Role};

use crate::helpers::{Cookies, TestApp, json_of, set_cookie};

async fn operator(app: &TestApp, username: &str, role: Role) {
    operators::create(&app.db().await, username, "correct-horse-9", role).await.unwrap();
}

async fn login(app: &TestApp, body: &str) -> (reqwest::Response, Cookies) {
    let response = app
        .http
        .post(app.url("/api/console/auth/login"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let mut cookies = Cookies::default();
    cookies.take(&response);
    (response, cookies)
}

#[tokio::test]
async fn an_operator_logs_in_and_the_console_knows_their_role() {
    let app = TestApp::spawn().await;
    operator(&app, "caiwu1", Role::Finance).await;
    let (response, cookies) = login(&app, r#"{"username":"caiwu1","password":"correct-horse-9"}"#).await;
    let cookie = set_cookie(&response, "gpet_console").unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let (status, body) = json_of(response).await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(1200)), "{body}");
    assert_eq!(body["data"]["operator"]["role"], "finance");
    let token = body["data"]["token"].as_str().unwrap().to_owned();

    let (status, me) = app.get("/api/console/me", &cookies).await;
    assert_eq!(
        (status, me["data"]["username"].as_str(), me["data"]["role"].as_str()),
        (200, Some("caiwu1"), Some("finance"))
    );
    assert_eq!(app.get_bearer("/api/console/me", &token).await.1["data"]["username"], "caiwu1");
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'login'").await, 1);

    let (status, _) = app.post("/api/console/auth/logout", &cookies, "").await;
    assert_eq!(status, 200);
    let (status, body) = app.get_bearer("/api/console/me", &token).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1401)), "logout ends the session: {body}");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_clear_refusal() {
    let app = TestApp::spawn().await;
    operator(&app, "yunying1", Role::Operator).await;
    for body in [
        r#"{"username":"yunying1","password":"wrong-password"}"#,
        r#"{"username":"nobody","password":"correct-horse-9"}"#,
    ] {
        let (response, cookies) = login(&app, body).await;
        assert!(cookies.get("gpet_console").is_none());
        let (status, answer) = json_of(response).await;
        assert_eq!(
            (status, answer["code"].as_i64(), answer["msg"].as_str()),
            (401, Some(1401), Some("用户名或密码错误")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn malformed_login_requests_say_what_was_wrong() {
    let app = TestApp::spawn().await;
    let oversized = format!(r#"{{"username":"a","password":"{}"}}"#, "x".repeat(5000));
    let cases: [(&str, &str, u16, &str); 7] = [
        ("not JSON", "{username:", 400, "JSON"),
        ("empty body", "", 400, "请求体为空"),
        ("missing field", r#"{"username":"admin"}"#, 400, "password"),
        ("wrong type", r#"{"username":"admin","password":123}"#, 400, "password: 类型不对"),
        // Named as an unknown field, not repeated: a key of the request reaches the log.
        ("unknown field", r#"{"username":"admin","password":"x","otp":1}"#, 400, "不认识的字段"),
        ("empty values", r#"{"username":" ","password":""}"#, 400, "请输入用户名和密码"),
        ("oversized", &oversized, 413, "请求体过大"),
    ];
    for (what, body, status, needle) in cases {
        let (response, _) = login(&app, body).await;
        let (got, answer) = json_of(response).await;
        assert_eq!((got, answer["code"].as_i64()), (status, Some(1403)), "{what}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(needle), "{what}: {answer}");
    }
}

#[tokio::test]
async fn ten_failures_pause_logins_for_that_username() {
    let app = TestApp::spawn().await;
    operator(&app, "admin2", Role::Admin).await;
    for _ in 0..10 {
        let (response, _) = login(&app, r#"{"username":"admin2","password":"guess-guess"}"#).await;
        assert_eq!(response.status(), 401);
    }
    let (response, cookies) = login(&app, r#"{"username":"admin2","password":"correct-horse-9"}"#).await;
    assert!(cookies.get("gpet_console").is_none());
    let (status, body) = json_of(response).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["msg"].as_str().unwrap().contains("15 分钟"), "{body}");
}

/// A browser whose requests come from `ip`: any 127.0.0.0/8 address reaches the local host,
/// which gives the function its TCP peer as API Gateway's `sourceIp`.
fn browser_at(ip: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(ip.parse::<std::net::IpAddr>().unwrap()).build().unwrap()
}

async fn login_at(
    app: &TestApp,
    browser: &reqwest::Client,
    username: &str,
    password: &str,
) -> (u16, serde_json::Value) {
    let body = serde_json::json!({"username": username, "password": password});
    json_of(browser.post(app.url("/api/console/auth/login")).json(&body).send().await.unwrap()).await
}

#[tokio::test]
async fn a_burst_of_concurrent_wrong_passwords_gets_at_most_the_limit_checked() {
    let app = TestApp::spawn().await;
    operator(&app, "admin2", Role::Admin).await;
    let attacker = browser_at("127.0.0.2");
    let answers = futures::future::join_all((0..30).map(|i| {
        let attacker = &attacker;
        let app = &app;
        async move { login_at(app, attacker, "admin2", &format!("guess-{i}")).await.0 }
    }))
    .await;
    let checked = answers.iter().filter(|s| **s == 401).count();
    let paused = answers.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, paused), (10, 20), "only 10 passwords are checked: {answers:?}");
    let (status, body) = login_at(&app, &attacker, "admin2", "correct-horse-9").await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(1403)), "{body}");
}

#[tokio::test]
async fn an_attackers_failures_do_not_lock_the_operator_out_from_another_ip() {
    let app = TestApp::spawn().await;
    operator(&app, "admin2", Role::Admin).await;
    let attacker = browser_at("127.0.0.2");
    for i in 0..10 {
        assert_eq!(login_at(&app, &attacker, "admin2", &format!("guess-{i}")).await.0, 401);
    }
    let (status, body) = login_at(&app, &attacker, "admin2", "correct-horse-9").await;
    assert_eq!(status, 429, "the attacker's IP waits: {body}");
    let (status, body) = login_at(&app, &browser_at("127.0.0.3"), "admin2", "correct-horse-9").await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(1200)), "the operator's IP does not: {body}");
}

#[tokio::test]
async fn one_ip_is_paused_across_usernames() {
    let app = TestApp::spawn().await;
    operator(&app, "yunying1", Role::Operator).await;
    let sprayer = browser_at("127.0.0.4");
    // Three tries at each of ten names: under the per-name limit every time.
    for name in 0..10 {
        for i in 0..3 {
            let (status, body) = login_at(&app, &sprayer, &format!("user{name}"), &format!("guess-{i}")).await;
            assert_eq!(status, 401, "{body}");
        }
    }
    let (status, body) = login_at(&app, &sprayer, "yunying1", "correct-horse-9").await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(1403)), "{body}");
    assert!(body["msg"].as_str().unwrap().contains("此网络"), "{body}");
    let (status, body) = login_at(&app, &browser_at("127.0.0.5"), "yunying1", "correct-horse-9").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_flood_from_many_ips_pauses_new_ips_but_not_an_operators_usual_one() {
    let app = TestApp::spawn().await;
    operator(&app, "admin2", Role::Admin).await;
    let usual = browser_at("127.0.0.6");
    assert_eq!(login_at(&app, &usual, "admin2", "correct-horse-9").await.0, 200);

    // 100 tries from ten IPs, each IP and each (name, IP) under its own limit.
    for ip in 1..=10 {
        let bot = browser_at(&format!("127.0.1.{ip}"));
        let answers = futures::future::join_all((0..10).map(|name| {
            let (app, bot) = (&app, &bot);
            async move { login_at(app, bot, &format!("admin{name}"), "guess").await.0 }
        }))
        .await;
        assert!(answers.iter().all(|s| *s == 401), "{ip}: {answers:?}");
    }
    let (status, body) = login_at(&app, &browser_at("127.0.0.7"), "admin2", "correct-horse-9").await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(1403)), "a new IP waits out the flood: {body}");
    let (status, body) = login_at(&app, &usual, "admin2", "correct-horse-9").await;
    assert_eq!(status, 200, "the operator's usual IP is not paused: {body}");
}

#[tokio::test]
async fn a_disabled_operator_and_an_owner_token_are_refused() {
    let app = TestApp::spawn().await;
    operator(&app, "gone", Role::Operator).await;
    app.db().await.execute("UPDATE operators SET disabled = true WHERE username = 'gone'", &[]).await.unwrap();
    let (response, _) = login(&app, r#"{"username":"gone","password":"correct-horse-9"}"#).await;
    let (status, body) = json_of(response).await;
    assert_eq!(status, 401);
    assert!(body["msg"].as_str().unwrap().contains("停用"), "{body}");

    let owner = app.logged_in("o_demo_huangmin").await;
    let token = app.ctx.auth().unwrap().cookies.open(Some(&owner.header()), gpet::sessions::COOKIE).unwrap();
    let (status, body) = app.get_bearer("/api/console/me", &token).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1401)), "an H5 token is not a console token");
}

#[tokio::test]
async fn roles_are_checked_by_the_principal() {
    let app = TestApp::spawn().await;
    operator(&app, "fin", Role::Finance).await;
    let (response, _) = login(&app, r#"{"username":"fin","password":"correct-horse-9"}"#).await;
    let token = json_of(response).await.1["data"]["token"].as_str().unwrap().to_owned();
    let principal = operators::authenticate(&app.ctx, Some(&token)).await.unwrap();
    assert!(principal.require(&[Role::Admin, Role::Finance]).is_ok());
    let refused = principal.require(&[Role::Admin, Role::Operator]).unwrap_err();
    assert_eq!((refused.code().as_u16(), refused.http_status()), (1401, 403));
}

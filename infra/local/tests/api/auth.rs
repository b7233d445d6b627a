//! H5 login through WeChat OAuth, sessions, tokens.

use chrono::Duration;
use gpet::auth::Audience;

use crate::helpers::{Cookies, TestApp, json_of, location, set_cookie};

#[tokio::test]
async fn an_owner_logs_in_through_wechat_and_sees_their_profile() {
    let app = TestApp::spawn().await;
    let (response, cookies, _) = app.login("o_demo_lina", "/groups?tab=mine").await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/groups?tab=mine");
    let cookie = set_cookie(&response, "gpet_h5").expect("the session cookie is set");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http locally: {cookie}");
    assert!(!cookie.contains("eyJ"), "the token inside is encrypted: {cookie}");

    let (status, me) = app.get("/api/me", &cookies).await;
    assert_eq!((status, me["code"].as_i64()), (200, Some(1200)), "{me}");
    assert_eq!(me["data"]["nickname"], "李娜");
    assert_eq!(me["data"]["snapshot"], false);
    assert!(me["data"]["avatar_url"].as_str().unwrap().starts_with(&app.sandbox().base_url));
    let invite = me["data"]["invite_code"].as_str().unwrap();
    assert_eq!(invite.len(), 6, "{invite}");

    let logins =
        app.count("SELECT count(*) FROM outbox WHERE body->>'name' = 'login' AND body->>'source' = 'backend'").await;
    assert_eq!(logins, 1, "the login is a tracking event, written with it");
}

#[tokio::test]
async fn logging_in_again_keeps_the_same_user_and_opens_another_session() {
    let app = TestApp::spawn().await;
    let first = app.logged_in("o_demo_wangfang").await;
    let second = app.logged_in("o_demo_wangfang").await;
    let (_, a) = app.get("/api/me", &first).await;
    let (_, b) = app.get("/api/me", &second).await;
    assert_eq!(a["data"]["id"], b["data"]["id"]);
    let users = app.count("SELECT count(*) FROM users WHERE openid = 'o_demo_wangfang'").await;
    let sessions = app.count("SELECT count(*) FROM user_sessions").await;
    assert_eq!((users, sessions), (1, 2));
}

/// The reason a refused callback shows (`/login?error=2501&msg=…`).
fn refusal(response: &reqwest::Response) -> String {
    let to = location(response);
    assert!(to.starts_with("/login?error=2501&msg="), "{to}");
    assert!(set_cookie(response, "gpet_h5").is_none(), "a refused callback sets no session");
    url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "msg")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn a_used_code_is_refused_even_in_the_browser_that_started_the_login() {
    let app = TestApp::spawn().await;
    let (first, cookies, callback) = app.login("o_demo_zhangwei", "/wallet").await;
    assert_eq!(location(&first), "/wallet");
    // The same callback URL again from the same browser (its state cookie, its state).
    let again = app.http.get(&callback).header("cookie", cookies.without("gpet_h5").header()).send().await.unwrap();
    let msg = refusal(&again);
    assert!(msg.contains("已使用") && msg.contains("重新登录"), "{msg}");
    assert_eq!(app.count("SELECT count(*) FROM user_sessions").await, 1);
}

#[tokio::test]
async fn a_used_code_with_a_fresh_state_of_another_browser_logs_nobody_in() {
    let app = TestApp::spawn().await;
    let (_, victim, callback) = app.login("o_demo_zhangwei", "/wallet").await;
    let (_, me) = app.get("/api/me", &victim).await;
    assert_eq!(me["data"]["nickname"], "张伟", "{me}");

    // The attacker starts a login of their own: a fresh state cookie and its state …
    let authorize = app.http.get(app.url("/api/auth/wechat/authorize?redirect=/")).send().await.unwrap();
    let mut attacker = Cookies::default();
    attacker.take(&authorize);
    let to_wechat = url::Url::parse(&location(&authorize)).unwrap();
    let state = to_wechat.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    // … and brings the victim's used code to the callback.
    let code = url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let mut forged = url::Url::parse(&app.url("/api/auth/wechat/callback")).unwrap();
    forged.query_pairs_mut().append_pair("code", &code).append_pair("state", &state);
    let response = app.http.get(forged.as_str()).header("cookie", attacker.header()).send().await.unwrap();
    let msg = refusal(&response);
    assert!(msg.contains("已使用"), "{msg}");
    assert_eq!(app.count("SELECT count(*) FROM user_sessions").await, 1, "no session for the attacker");
}

#[tokio::test]
async fn a_code_wechat_says_was_used_is_refused() {
    let app = TestApp::spawn().await;
    // A code the sandbox issued, then exchanged by someone else before our callback runs.
    let authorize = app.http.get(app.url("/api/auth/wechat/authorize?redirect=/")).send().await.unwrap();
    let mut cookies = Cookies::default();
    cookies.take(&authorize);
    let page = location(&authorize);
    let page = page.split('#').next().unwrap();
    let wechat = app.http.get(format!("{page}&sandbox_openid=o_demo_lina")).send().await.unwrap();
    let callback = location(&wechat);
    let code = url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    app.ctx.wechat().unwrap().exchange_code(&code).await.unwrap();

    let response = app.http.get(&callback).header("cookie", cookies.header()).send().await.unwrap();
    let msg = refusal(&response);
    assert!(msg.contains("已使用"), "WeChat's 40163 is a used code: {msg}");
    assert_eq!(app.count("SELECT count(*) FROM user_sessions").await, 0);
}

#[tokio::test]
async fn a_callback_from_another_browser_or_with_a_bad_code_goes_to_the_login_error_page() {
    let app = TestApp::spawn().await;
    let (_, cookies, callback) = app.login("o_demo_liuyang", "/").await;
    // Login CSRF: the callback URL opened without this browser's state cookie.
    let foreign = app.http.get(&callback).send().await.unwrap();
    assert!(location(&foreign).starts_with("/login?error=2501"), "{}", location(&foreign));

    let state = callback.split("state=").nth(1).unwrap();
    let unknown = app
        .http
        .get(app.url(&format!("/api/auth/wechat/callback?code=not-a-real-code&state={state}")))
        .header("cookie", cookies.header())
        .send()
        .await
        .unwrap();
    let to = location(&unknown);
    assert!(to.starts_with("/login?error=2501"), "{to}");
    let msg: String = url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "msg")
        .unwrap()
        .1
        .into_owned();
    assert!(msg.contains("重新登录"), "{msg}");

    let refused = app
        .http
        .get(app.url(&format!("/api/auth/wechat/callback?state={state}")))
        .header("cookie", cookies.header())
        .send()
        .await
        .unwrap();
    assert!(location(&refused).starts_with("/login?error=2501"));
}

#[tokio::test]
async fn a_snapshot_user_may_log_in_but_is_flagged() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_snapshot").await;
    let (_, me) = app.get("/api/me", &cookies).await;
    assert_eq!(me["data"]["snapshot"], true, "{me}");
    assert_eq!(me["data"]["nickname"], "微信用户");
}

#[tokio::test]
async fn redirects_stay_inside_the_h5_app() {
    let app = TestApp::spawn().await;
    for evil in ["https://evil.example/", "//evil.example/x", "/api/me"] {
        let (response, _, _) = app.login("o_demo_chenjing", evil).await;
        assert_eq!(location(&response), "/", "{evil}");
    }
}

#[tokio::test]
async fn an_expired_token_is_1406_refresh_renews_it_and_logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_yangguang").await;
    let (_, me) = app.get("/api/me", &cookies).await;
    let user_id = me["data"]["id"].as_i64().unwrap();
    let sid: uuid::Uuid = app
        .db()
        .await
        .query_one("SELECT id FROM user_sessions WHERE user_id = $1", &[&user_id])
        .await
        .unwrap()
        .get("id");
    let tokens = &app.ctx.auth().unwrap().tokens;
    let expired = tokens.issue(Audience::H5, user_id, sid, Duration::seconds(-5)).unwrap().token;

    let (status, body) = app.get_bearer("/api/me", &expired).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1406)), "{body}");

    let refreshed = app.http.post(app.url("/api/auth/refresh")).bearer_auth(&expired).send().await.unwrap();
    assert!(set_cookie(&refreshed, "gpet_h5").is_some());
    let (status, body) = json_of(refreshed).await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(1200)), "{body}");
    let fresh = body["data"]["token"].as_str().unwrap().to_owned();
    let (_, me) = app.get_bearer("/api/me", &fresh).await;
    assert_eq!(me["data"]["id"], user_id);

    let (status, _) = app.post("/api/auth/logout", &cookies, "").await;
    assert_eq!(status, 200);
    // An expired token says so (1406), but refresh then finds no live session (1401).
    for (token, code) in [(&fresh, 1401), (&expired, 1406)] {
        let (status, body) = app.get_bearer("/api/me", token).await;
        assert_eq!((status, body["code"].as_i64()), (401, Some(code)), "{body}");
        let (_, body) =
            json_of(app.http.post(app.url("/api/auth/refresh")).bearer_auth(token).send().await.unwrap()).await;
        assert_eq!(body["code"], 1401);
    }
    let (status, body) = app.get("/api/me", &cookies).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1401)));
}

#[tokio::test]
async fn forged_foreign_and_malformed_tokens_are_1401_with_a_message() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_zhaolei").await;
    let (_, me) = app.get("/api/me", &cookies).await;
    let user_id = me["data"]["id"].as_i64().unwrap();
    // Another key under our key id: only our key verifies what it names.
    let stranger = gpet::config::AuthKey {
        id: gpet_local::setup::LOCAL_AUTH_KEY_ID.into(),
        key: secrecy::SecretString::from("another-secret-entirely-0123456789abcdef".to_owned()),
    };
    let other_key = gpet::auth::Tokens::new(&[&stranger]);
    let forged = other_key.issue(Audience::H5, user_id, uuid::Uuid::new_v4(), Duration::hours(1)).unwrap().token;
    let console = app
        .ctx
        .auth()
        .unwrap()
        .tokens
        .issue(Audience::Console, user_id, uuid::Uuid::new_v4(), Duration::hours(1))
        .unwrap()
        .token;
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let alg_none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none"}"#),
        b64(&format!(
            r#"{{"iss":"gpet","aud":"gpet-h5","sub":"{user_id}","sid":"{}","iat":0,"exp":9999999999}}"#,
            uuid::Uuid::new_v4()
        ))
    );
    let cases = [
        ("signed with another key", forged),
        ("console audience", console),
        ("alg none", alg_none),
        ("garbage", "not.a.token".into()),
    ];
    for (what, token) in cases {
        let (status, body) = app.get_bearer("/api/me", &token).await;
        assert_eq!((status, body["code"].as_i64()), (401, Some(1401)), "{what}: {body}");
        assert!(!body["msg"].as_str().unwrap().is_empty(), "{what}");
    }
    let (status, body) = app.get("/api/me", &Cookies::default()).await;
    assert_eq!((status, body["code"].as_i64(), body["msg"].as_str()), (401, Some(1401), Some("请先登录")));
    let tampered = app.http.get(app.url("/api/me")).header("cookie", "gpet_h5=tampered-value").send().await.unwrap();
    let (status, body) = json_of(tampered).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1401)), "a cookie not sealed with our key: {body}");
}

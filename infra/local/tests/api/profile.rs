//! Profile completion: phone binding with SMS codes, identity, and their refusals.

use gpet::operators::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Cookies, TestApp};

async fn user_phone(app: &TestApp, openid: &str) -> Option<String> {
    app.db().await.query_one("SELECT phone FROM users WHERE openid = $1", &[&openid]).await.unwrap().get("phone")
}

/// Lets every test send as often as it needs to, except where a limit is the point.
async fn loosen_sms_limits(app: &TestApp, per_minute: u32) {
    let admin = app.console_token("admin1", Role::Admin).await;
    let settings = json!({"sms": {"per_minute": per_minute, "per_hour": 20, "per_day": 40, "code_ttl_secs": 300,
        "max_attempts": 5}, "short_links": {"dedup_window_secs": 600}});
    let (status, body) = app.console(Method::PUT, "/api/console/settings", &admin, Some(settings)).await;
    assert_eq!(status, 200, "{body}");
    loosen_provider_limits(app).await;
}

/// Raises Aliyun's flow control per number (a console setting there; 1 a minute by default), as
/// an operator who loosens gpet's limits does.
async fn loosen_provider_limits(app: &TestApp) {
    let limits = json!({"per_minute": 10, "per_hour": 40, "per_day": 80});
    let (status, body) = app.sandbox_call(Method::POST, "/sandbox/sms/limits", Some(limits)).await;
    assert_eq!(status, 200, "{body}");
}

/// What the sandbox's Aliyun SMS delivered to `phone`, oldest first.
async fn delivered(app: &TestApp, phone: &str) -> Vec<serde_json::Value> {
    let (status, body) = app.sandbox_call(Method::GET, &format!("/sandbox/sms?phone={phone}"), None).await;
    assert_eq!(status, 200, "{body}");
    body["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_phone_is_bound_with_the_code_the_gateway_delivered_and_shown_masked() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_zhangwei").await;
    let (status, sent) = app.h5_post("/api/me/phone/code", &cookies, json!({"phone": "13812345678"})).await;
    assert_eq!((status, sent["data"]["expires_in_secs"].as_i64()), (200, Some(300)), "{sent}");
    let code = app.sms_codes("13812345678").await.pop().unwrap();
    assert_eq!(code.len(), 6);
    // Through Aliyun's SendSms, signed with the secret's AccessKey, its sign name and template.
    let message = delivered(&app, "13812345678").await.pop().unwrap();
    assert_eq!(
        (message["sign_name"].as_str(), message["template_code"].as_str()),
        (Some("群宠"), Some("SMS_490000001"))
    );
    assert!(message["text"].as_str().unwrap().starts_with(&format!("【群宠】您的验证码为：{code}，")), "{message}");

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = app.h5_post("/api/me/phone", &cookies, json!({"phone": "13812345678", "code": wrong})).await;
    assert_eq!((status, body["code"].as_i64()), (422, Some(2301)), "{body}");
    assert!(body["msg"].as_str().unwrap().contains("还可尝试 4 次"), "{body}");

    let (status, body) = app.h5_post("/api/me/phone", &cookies, json!({"phone": "13812345678", "code": code})).await;
    assert_eq!((status, body["data"]["phone"].as_str()), (200, Some("138****5678")), "{body}");
    assert_eq!(user_phone(&app, "o_demo_zhangwei").await.as_deref(), Some("13812345678"));
    let (_, me) = app.get("/api/me", &cookies).await;
    assert_eq!(me["data"]["phone"], "138****5678");
    assert!(!me.to_string().contains("13812345678"), "the number is never answered in full: {me}");

    let logs = crate::helpers::logs();
    assert!(logs.contains("phone bound") && logs.contains("SMS code sent"), "logs are captured");
    // A code is six digits: timestamps may hold them, so look for it as a value.
    for secret in ["13812345678".to_owned(), format!("\"{code}\""), format!(" {code}"), format!("={code}")] {
        assert!(!logs.contains(&secret), "{secret} appears in the logs");
    }

    // A used code is gone, and a bound user cannot ask again.
    let (status, body) = app.h5_post("/api/me/phone/code", &cookies, json!({"phone": "13912345678"})).await;
    assert_eq!((status, body["code"].as_i64()), (409, Some(2200)), "{body}");
}

#[tokio::test]
async fn sending_is_limited_per_phone_and_the_limits_are_settings() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_lina").await;
    let send = || app.h5_post("/api/me/phone/code", &cookies, json!({"phone": "13700000001"}));
    assert_eq!(send().await.0, 200);
    let (status, body) = send().await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(2304)), "{body}");
    assert!(body["msg"].as_str().unwrap().contains("每分钟"), "{body}");

    loosen_sms_limits(&app, 10).await;
    // per_hour is 20 now: 19 more go out, the 21st is refused by the hour.
    for _ in 0..9 {
        assert_eq!(send().await.0, 200);
    }
    let (status, body) = send().await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(2304)), "ten a minute: {body}");
    assert_eq!(app.sms_codes("13700000001").await.len(), 10, "refused sends reach no gateway");
}

#[tokio::test]
async fn five_wrong_tries_void_the_code() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_wangfang").await;
    app.h5_post("/api/me/phone/code", &cookies, json!({"phone": "13600000002"})).await;
    let code = app.sms_codes("13600000002").await.pop().unwrap();
    let wrong = if code == "999999" { "888888" } else { "999999" };
    let mut answers = Vec::new();
    for _ in 0..5 {
        let (_, body) = app.h5_post("/api/me/phone", &cookies, json!({"phone": "13600000002", "code": wrong})).await;
        answers.push(body["code"].as_i64().unwrap());
    }
    assert_eq!(answers, vec![2301; 5]);
    let (status, body) = app.h5_post("/api/me/phone", &cookies, json!({"phone": "13600000002", "code": code})).await;
    assert_eq!((status, body["code"].as_i64()), (422, Some(2302)), "the right code no longer works: {body}");
    assert_eq!(user_phone(&app, "o_demo_wangfang").await, None);
}

#[tokio::test]
async fn two_users_binding_one_phone_at_the_same_moment_one_wins() {
    let app = TestApp::spawn().await;
    loosen_sms_limits(&app, 10).await;
    let phone = "13500000003";
    let mut users: Vec<(Cookies, String)> = Vec::new();
    for openid in ["o_demo_liuyang", "o_demo_chenjing"] {
        let cookies = app.logged_in(openid).await;
        let (status, _) = app.h5_post("/api/me/phone/code", &cookies, json!({"phone": phone})).await;
        assert_eq!(status, 200);
        let code = app.sms_codes(phone).await.pop().unwrap();
        users.push((cookies, code));
    }
    let bind = |i: usize| app.h5_post("/api/me/phone", &users[i].0, json!({"phone": phone, "code": users[i].1}));
    let (a, b) = tokio::join!(bind(0), bind(1));
    let mut codes = vec![a.1["code"].as_i64().unwrap(), b.1["code"].as_i64().unwrap()];
    codes.sort();
    assert_eq!(codes, vec![1200, 2303], "{a:?} {b:?}");
    assert_eq!(app.count("SELECT count(*) FROM users WHERE phone = '13500000003'").await, 1);

    // A third user is told at once that the phone is taken.
    let third = app.logged_in("o_demo_yangguang").await;
    let (status, body) = app.h5_post("/api/me/phone/code", &third, json!({"phone": phone})).await;
    assert_eq!((status, body["code"].as_i64()), (409, Some(2303)), "{body}");
}

#[tokio::test]
async fn the_providers_flow_control_and_refusals_answer_clearly_and_its_failures_1101() {
    let app = TestApp::spawn().await;
    // gpet allows ten a minute; Aliyun's flow control keeps its default, one a minute.
    let admin = app.console_token("admin1", Role::Admin).await;
    let settings = json!({"sms": {"per_minute": 10, "per_hour": 20, "per_day": 40, "code_ttl_secs": 300,
        "max_attempts": 5}, "short_links": {"dedup_window_secs": 600}});
    assert_eq!(app.console(Method::PUT, "/api/console/settings", &admin, Some(settings)).await.0, 200);
    let cookies = app.logged_in("o_demo_yangguang").await;
    let send = |phone: &'static str| app.h5_post("/api/me/phone/code", &cookies, json!({"phone": phone}));

    assert_eq!(send("13400000011").await.0, 200);
    let first = app.sms_codes("13400000011").await.pop().unwrap();
    let (status, body) = send("13400000011").await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(2304)), "Aliyun's flow control: {body}");
    assert_eq!(body["msg"], "验证码发送过于频繁，请稍后再试", "{body}");
    assert_eq!(app.sms_codes("13400000011").await.len(), 1, "nothing more was delivered");

    // A provider failure, in its body (HTTP 200) or its status: 1101, nothing delivered.
    for fault in ["isp.SYSTEM_ERROR", "ServiceUnavailable", "isv.AMOUNT_NOT_ENOUGH", "SignatureDoesNotMatch"] {
        let (status, _) =
            app.sandbox_call(Method::POST, "/sandbox/sms/faults", Some(json!({"fail_next": 1, "code": fault}))).await;
        assert_eq!(status, 200);
        let (status, body) = send("13400000012").await;
        assert_eq!((status, body["code"].as_i64()), (502, Some(1101)), "{fault}: {body}");
        assert_eq!(body["msg"], "短信发送失败，请稍后再试", "{body}");
    }
    assert!(app.sms_codes("13400000012").await.is_empty());

    // The provider refusing the number.
    app.sandbox_call(
        Method::POST,
        "/sandbox/sms/faults",
        Some(json!({"fail_next": 1, "code": "isv.MOBILE_NUMBER_ILLEGAL"})),
    )
    .await;
    let (status, body) = send("13400000013").await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(1403)), "{body}");
    assert_eq!(body["msg"], "该手机号无法接收短信，请核对号码", "{body}");

    // A refused resend left the delivered code valid.
    let (status, body) = app.h5_post("/api/me/phone", &cookies, json!({"phone": "13400000011", "code": first})).await;
    assert_eq!((status, body["data"]["phone"].as_str()), (200, Some("134****0011")), "{body}");

    let logs = crate::helpers::logs();
    assert!(logs.contains("SMS provider failed") && logs.contains("ServiceUnavailable"), "failures are logged");
    for secret in ["13400000011", "13400000012", "13400000013", "string to sign", "PhoneNumbers"] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
}

#[tokio::test]
async fn malformed_phones_and_codes_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_zhaolei").await;
    let cases = [
        ("/api/me/phone/code", json!({"phone": "1381234567"}), "手机号格式"),
        ("/api/me/phone/code", json!({"phone": "23812345678"}), "手机号格式"),
        ("/api/me/phone/code", json!({"phone": "+8613812345678"}), "手机号格式"),
        ("/api/me/phone/code", json!({}), "phone"),
        ("/api/me/phone", json!({"phone": "13812345678", "code": "12345"}), "6 位数字"),
        ("/api/me/phone", json!({"phone": "13812345678", "code": "12345a"}), "6 位数字"),
        ("/api/me/phone", json!({"phone": "138", "code": "123456"}), "手机号格式"),
    ];
    for (path, body, expected) in cases {
        let (status, answer) = app.h5_post(path, &cookies, body.clone()).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{path} {body}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(expected), "{path} {body}: {answer}");
    }
    let (status, answer) =
        app.h5_post("/api/me/phone", &cookies, json!({"phone": "13812345678", "code": "123456"})).await;
    assert_eq!((status, answer["code"].as_i64()), (422, Some(2302)), "no code was sent: {answer}");
    assert_eq!(user_phone(&app, "o_demo_zhaolei").await, None);
    let (status, answer) =
        app.h5_post("/api/me/phone/code", &Cookies::default(), json!({"phone": "13812345678"})).await;
    assert_eq!((status, answer["code"].as_i64()), (401, Some(1401)), "{answer}");
    assert!(app.sms_codes("13812345678").await.is_empty());
}

#[tokio::test]
async fn identity_needs_a_phone_and_a_valid_number_and_is_never_shown_in_full() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_huangmin").await;
    let claim = json!({"name": "黄敏", "id_number": "11010519491231002X"});
    let (status, body) = app.h5_post("/api/me/identity", &cookies, claim.clone()).await;
    assert_eq!((status, body["code"].as_i64()), (422, Some(2001)), "{body}");

    app.bind_phone(&cookies, "13400000004").await;
    for (bad, expected) in [
        (json!({"name": "黄敏", "id_number": "110105194912310021"}), "校验位"),
        (json!({"name": "黄敏", "id_number": "11010519491231002"}), "18 位"),
        (json!({"name": "黄敏", "id_number": "110105194902300026"}), "出生日期"),
        (json!({"name": "黄", "id_number": "11010519491231002X"}), "姓名"),
    ] {
        let (status, answer) = app.h5_post("/api/me/identity", &cookies, bad.clone()).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{bad}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(expected), "{bad}: {answer}");
    }
    assert_eq!(app.count("SELECT count(*) FROM users WHERE identity_verified_at IS NOT NULL").await, 0);

    let (status, body) = app.h5_post("/api/me/identity", &cookies, claim.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["identity"], json!({"name": "黄*", "id_number": "110105********002X"}));
    let stored: String = app
        .db()
        .await
        .query_one("SELECT id_number_masked FROM users WHERE openid = 'o_demo_huangmin'", &[])
        .await
        .unwrap()
        .get("id_number_masked");
    assert_eq!(stored, "110105********002X");
    let (status, body) = app.h5_post("/api/me/identity", &cookies, claim).await;
    assert_eq!((status, body["code"].as_i64()), (409, Some(2200)), "{body}");
}

#[tokio::test]
async fn a_name_with_a_sensitive_word_is_refused_with_the_words() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let (status, _) =
        app.console(Method::POST, "/api/console/sensitive-words", &admin, Some(json!({"words": ["Ｂａｄ"]}))).await;
    assert_eq!(status, 200);
    let cookies = app.logged_in("o_demo_zhangwei").await;
    app.bind_phone(&cookies, "13300000005").await;
    let (status, body) = app
        .h5_post("/api/me/identity", &cookies, json!({"name": "BAD Smith", "id_number": "11010519491231002X"}))
        .await;
    assert_eq!((status, body["code"].as_i64(), &body["data"]["words"]), (422, Some(2003), &json!(["bad"])), "{body}");
}

/// Moves every send recorded for the test's phones `minutes_ago` into the past, and records
/// `more` such sends beside them: the hour and the day windows without waiting for them.
async fn backdate_sends(app: &TestApp, minutes_ago: i64, more: usize) {
    let cache = app.ctx.cache().unwrap();
    let mut redis = cache.conn();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(cache.key("GPET:SMS_SENDS:*")).query_async(&mut redis).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let members: Vec<String> = redis::cmd("ZRANGE").arg(&keys[0]).arg(0).arg(-1).query_async(&mut redis).await.unwrap();
    let at = chrono::Utc::now().timestamp_millis() - minutes_ago * 60_000;
    let extra = (0..more).map(|i| format!("earlier-{minutes_ago}-{i}"));
    for member in members.into_iter().chain(extra) {
        let _: () = redis::cmd("ZADD").arg(&keys[0]).arg(at).arg(member).query_async(&mut redis).await.unwrap();
    }
}

#[tokio::test]
async fn the_hour_and_the_day_limits_count_earlier_sends() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_liuyang").await;
    loosen_provider_limits(&app).await;
    let send = || app.h5_post("/api/me/phone/code", &cookies, json!({"phone": "13200000006"}));
    assert_eq!(send().await.0, 200);
    // Five sends within the hour (none within the minute): the hour's limit.
    backdate_sends(&app, 10, 4).await;
    let (status, body) = send().await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(2304)), "{body}");
    assert!(body["msg"].as_str().unwrap().contains("每小时"), "{body}");
    // Ten within the day (none within the hour): the day's limit.
    backdate_sends(&app, 300, 5).await;
    let (status, body) = send().await;
    assert_eq!((status, body["code"].as_i64()), (429, Some(2304)), "{body}");
    assert!(body["msg"].as_str().unwrap().contains("每天"), "{body}");
    // A day later, all of them have left the windows.
    backdate_sends(&app, 24 * 60 + 1, 0).await;
    assert_eq!(send().await.0, 200);
    assert_eq!(app.sms_codes("13200000006").await.len(), 2);
}

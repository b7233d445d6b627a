//! The console's administration: users, sensitive words, settings, operators and the audit
//! log, with the role of each operator checked.

use gpet::operators::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn users_are_searched_masked_frozen_and_unfrozen_with_an_audit_trail() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("yunying1", Role::Operator).await;
    let zhangwei = app.logged_in("o_demo_zhangwei").await;
    app.logged_in("o_demo_lina").await;
    app.bind_phone(&zhangwei, "13812340000").await;
    let (_, me) = app.get("/api/me", &zhangwei).await;
    let (id, code) = (me["data"]["id"].as_i64().unwrap(), me["data"]["invite_code"].as_str().unwrap().to_owned());

    for q in ["张伟", "13812340000", code.as_str(), &id.to_string()] {
        let (status, page) =
            app.console(Method::GET, &format!("/api/console/users?q={}", urlencode(q)), &admin, None).await;
        assert_eq!((status, page["data"]["total"].as_i64()), (200, Some(1)), "{q}: {page}");
        assert_eq!(page["data"]["items"][0]["phone"], "138****0000", "{q}");
    }
    let (_, all) = app.console(Method::GET, "/api/console/users?page_size=1&page=2", &admin, None).await;
    assert_eq!((all["data"]["total"].as_i64(), all["data"]["items"].as_array().unwrap().len()), (Some(2), 1));

    let freeze = format!("/api/console/users/{id}/freeze");
    let (status, body) = app.console(Method::POST, &freeze, &admin, Some(json!({"reason": " "}))).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(1403)), "a reason is required: {body}");
    let (status, body) = app.console(Method::POST, &freeze, &admin, Some(json!({"reason": "刷量嫌疑"}))).await;
    assert_eq!(
        (status, body["data"]["frozen"].as_bool(), body["data"]["frozen_reason"].as_str()),
        (200, Some(true), Some("刷量嫌疑"))
    );
    assert_eq!(app.get("/api/me", &zhangwei).await.1["data"]["frozen"], true);
    let (_, detail) = app.console(Method::GET, &format!("/api/console/users/{id}"), &admin, None).await;
    assert_eq!(detail["data"]["user"]["frozen"], true, "{detail}");
    assert!(detail["data"]["referral"]["apprentices"].is_array(), "{detail}");

    let (status, body) = app.console(Method::POST, &format!("/api/console/users/{id}/unfreeze"), &admin, None).await;
    assert_eq!((status, body["data"]["frozen"].as_bool()), (200, Some(false)), "{body}");
    let (_, log) = app.console(Method::GET, "/api/console/audit-log?action=user.", &admin, None).await;
    let actions: Vec<&str> =
        log["data"]["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["user.unfreeze", "user.freeze"]);
    assert_eq!(log["data"]["items"][1]["operator"], "yunying1");

    let finance = app.console_token("caiwu1", Role::Finance).await;
    let (status, _) = app.console(Method::POST, &freeze, &finance, Some(json!({"reason": "x"}))).await;
    assert_eq!(status, 403);
    let (status, _) = app.console(Method::GET, "/api/console/users/999999", &finance, None).await;
    assert_eq!(status, 404);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn sensitive_words_are_added_tried_and_removed() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let words = json!({"words": ["代开发票", "ＶＸ", "vx", "  ", "加微信"]});
    let (status, body) = app.console(Method::POST, "/api/console/sensitive-words", &admin, Some(words)).await;
    assert_eq!((status, &body["data"]), (200, &json!({"added": 3, "skipped": 1})), "{body}");
    let text = urlencode("请加VX，代开发票");
    let (_, list) = app.console(Method::GET, &format!("/api/console/sensitive-words?text={text}"), &admin, None).await;
    assert_eq!(list["data"]["check"]["words"], json!(["vx", "代开发票"]), "{list}");
    assert_eq!(list["data"]["total"], 3);

    let id = list["data"]["items"][0]["id"].as_i64().unwrap();
    let (status, _) = app.console(Method::DELETE, &format!("/api/console/sensitive-words/{id}"), &admin, None).await;
    assert_eq!(status, 200);
    let (_, list) = app.console(Method::GET, &format!("/api/console/sensitive-words?text={text}"), &admin, None).await;
    assert_eq!(list["data"]["total"], 2, "the matcher follows the list: {list}");

    for (body, expected) in [
        (json!({"words": []}), "1–1000"),
        (json!({"words": ["x".repeat(51)]}), "50"),
        (json!({"words": "代开发票"}), "words"),
    ] {
        let (status, answer) =
            app.console(Method::POST, "/api/console/sensitive-words", &admin, Some(body.clone())).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{body}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(expected), "{body}: {answer}");
    }
    let finance = app.console_token("caiwu1", Role::Finance).await;
    let (status, _) =
        app.console(Method::POST, "/api/console/sensitive-words", &finance, Some(json!({"words": ["x"]}))).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn settings_are_validated_field_by_field_and_saved() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let (status, defaults) = app.console(Method::GET, "/api/console/settings", &admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        defaults["data"]["sms"],
        json!({"per_minute": 1, "per_hour": 5, "per_day": 10, "code_ttl_secs": 300, "max_attempts": 5})
    );
    let mut changed = defaults["data"].clone();
    changed["sms"]["per_day"] = json!(3);
    let (status, body) = app.console(Method::PUT, "/api/console/settings", &admin, Some(changed.clone())).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(1403)), "{body}");
    assert!(body["msg"].as_str().unwrap().contains("sms.per_day"), "{body}");
    changed["sms"]["per_day"] = json!(20);
    changed["short_links"]["dedup_window_secs"] = json!(60);
    let (status, _) = app.console(Method::PUT, "/api/console/settings", &admin, Some(changed.clone())).await;
    assert_eq!(status, 200);
    assert_eq!(app.console(Method::GET, "/api/console/settings", &admin, None).await.1["data"], changed);
    let finance = app.console_token("caiwu1", Role::Finance).await;
    changed["sms"]["per_day"] = json!(30);
    let (status, body) = app.console(Method::PUT, "/api/console/settings", &finance, Some(changed)).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn only_finance_and_admins_change_what_settlement_and_payouts_read() {
    let app = TestApp::spawn().await;
    let operator = app.console_token("yunying1", Role::Operator).await;
    let finance = app.console_token("caiwu1", Role::Finance).await;
    let (_, loaded) = app.console(Method::GET, "/api/console/settings", &operator, None).await;
    let groups = loaded["data"]["groups"].clone();
    let put = |token: &str, body: serde_json::Value| {
        let token = token.to_owned();
        let app = &app;
        async move { app.console(Method::PUT, "/api/console/settings", &token, Some(body)).await }
    };

    // What settlement pays by: refused to an operator, by name, whole form or not.
    for (field, value) in [("star_income_fen", json!([0, 10, 30, 60, 9999])), ("star_thresholds", json!([1, 2, 3, 4]))]
    {
        let mut changed = groups.clone();
        changed[field] = value;
        let (status, body) = put(&operator, json!({"groups": changed})).await;
        assert_eq!((status, body["code"].as_i64()), (403, Some(1401)), "{field}: {body}");
        assert!(body["msg"].as_str().unwrap().contains(&format!("groups.{field}")), "{body}");
        let (status, body) = put(&operator, json!({"sms": loaded["data"]["sms"], "groups": changed})).await;
        assert_eq!(status, 403, "{field}: {body}");
    }
    let mut money = loaded["data"]["money"].clone();
    money["withdraw_max_fen"] = json!(200_000);
    let (status, body) = put(&operator, json!({"money": money})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(app.console(Method::GET, "/api/console/settings", &operator, None).await.1["data"], loaded["data"]);

    // The rest of the groups' form stays the operator's, sent whole with the incomes untouched.
    let mut changed = groups.clone();
    changed["min_members"] = json!(30);
    let (status, body) = put(&operator, json!({"groups": changed})).await;
    assert_eq!(status, 200, "{body}");
    // Finance changes the incomes (the rest untouched) and the money, not the rest.
    changed["star_income_fen"] = json!([0, 10, 30, 60, 120]);
    let (status, body) = put(&finance, json!({"groups": changed, "money": money})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["groups"]["star_income_fen"], json!([0, 10, 30, 60, 120]));
    assert_eq!(body["data"]["money"]["withdraw_max_fen"], 200_000);
    changed["min_members"] = json!(40);
    let (status, body) = put(&finance, json!({"groups": changed})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["msg"].as_str().unwrap().contains("groups.min_members"), "{body}");
    // A stale form of the operator's would put the old incomes back: refused, not saved.
    let (status, body) = put(&operator, json!({"groups": groups})).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn every_settings_change_is_audited_with_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let (_, loaded) = app.console(Method::GET, "/api/console/settings", &admin, None).await;
    let mut changed = loaded["data"].clone();
    changed["sms"]["per_day"] = json!(20);
    changed["groups"]["star_income_fen"] = json!([0, 10, 30, 60, 150]);
    let (status, body) = app.console(Method::PUT, "/api/console/settings", &admin, Some(changed.clone())).await;
    assert_eq!(status, 200, "{body}");
    // The same again changes nothing: nothing more in the log.
    assert_eq!(app.console(Method::PUT, "/api/console/settings", &admin, Some(changed)).await.0, 200);

    let (_, log) = app.console(Method::GET, "/api/console/audit-log?action=settings.", &admin, None).await;
    let mut entries: Vec<(String, serde_json::Value)> = log["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["target"].as_str().unwrap().to_owned(), e["detail"].clone()))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        entries,
        vec![
            (
                "groups".to_owned(),
                json!({"before": {"star_income_fen": [0, 10, 30, 60, 100]}, "after": {"star_income_fen": [0, 10, 30, 60, 150]}})
            ),
            ("sms".to_owned(), json!({"before": {"per_day": 10}, "after": {"per_day": 20}})),
        ],
        "{log}"
    );
    assert_eq!(log["data"]["items"][0]["operator"], "admin1");
}

#[tokio::test]
async fn operators_are_managed_by_admins_only() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let operator = app.console_token("yunying1", Role::Operator).await;
    let (status, _) = app.console(Method::GET, "/api/console/operators", &operator, None).await;
    assert_eq!(status, 403, "operators are for admins");

    let new = json!({"username": "Kefu2", "password": "long-enough-1", "role": "operator"});
    let (status, created) = app.console(Method::POST, "/api/console/operators", &admin, Some(new)).await;
    assert_eq!((status, created["data"]["username"].as_str()), (200, Some("kefu2")), "{created}");
    let id = created["data"]["id"].as_i64().unwrap();
    for (body, expected) in [
        (json!({"username": "x", "password": "long-enough-1", "role": "operator"}), "用户名"),
        (json!({"username": "kefu3", "password": "short", "role": "operator"}), "密码"),
        (json!({"username": "kefu3", "password": "long-enough-1", "role": "boss"}), "role"),
        (json!({"username": "kefu2", "password": "long-enough-1", "role": "operator"}), "已存在"),
    ] {
        let (status, answer) = app.console(Method::POST, "/api/console/operators", &admin, Some(body.clone())).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{body}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(expected), "{body}: {answer}");
    }

    let login = json!({"username": "kefu2", "password": "long-enough-1"});
    let response = app.http.post(app.url("/api/console/auth/login")).json(&login).send().await.unwrap();
    let (_, logged) = crate::helpers::json_of(response).await;
    let token = logged["data"]["token"].as_str().unwrap().to_owned();
    let path = format!("/api/console/operators/{id}");
    let (status, changed) = app.console(Method::PUT, &path, &admin, Some(json!({"role": "finance"}))).await;
    assert_eq!((status, changed["data"]["role"].as_str()), (200, Some("finance")));
    let (_, log) = app.console(Method::GET, "/api/console/audit-log?action=operator.update", &admin, None).await;
    assert_eq!(
        log["data"]["items"][0]["detail"],
        json!({"before": {"role": "operator"}, "after": {"role": "finance"}})
    );
    let (status, _) = app.console(Method::PUT, &path, &admin, Some(json!({"disabled": true}))).await;
    assert_eq!(status, 200);
    assert_eq!(app.console(Method::GET, "/api/console/me", &token, None).await.0, 401, "disabling ends their sessions");

    let me = app.console(Method::GET, "/api/console/me", &admin, None).await.1["data"]["id"].as_i64().unwrap();
    let (status, body) = app
        .console(Method::PUT, &format!("/api/console/operators/{me}"), &admin, Some(json!({"disabled": true})))
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(1403)), "not oneself: {body}");
    let (_, log) = app.console(Method::GET, "/api/console/audit-log?action=operator.", &admin, None).await;
    assert_eq!(log["data"]["total"], 3, "{log}");
    assert!(!log.to_string().contains("long-enough-1"), "no password in the audit log");
}

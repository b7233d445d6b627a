//! Operations: maintenance mode, marquee notices, daily active users and the dashboard.

use chrono::{Duration, Utc};
use gpet::operators::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn maintenance_closes_every_h5_api_but_not_the_console() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let cookies = app.logged_in("o_demo_zhangwei").await;
    let on = json!({"enabled": true, "message": "系统升级中，预计 10 分钟"});
    let (status, body) = app.console(Method::PUT, "/api/console/maintenance", &admin, Some(on)).await;
    assert_eq!((status, body["data"]["enabled"].as_bool()), (200, Some(true)), "{body}");

    for (method, path) in
        [("GET", "/api/me"), ("GET", "/api/home"), ("GET", "/api/referral"), ("POST", "/api/auth/refresh")]
    {
        let request = app.http.request(method.parse().unwrap(), app.url(path)).header("cookie", cookies.header());
        let (status, body) = crate::helpers::json_of(request.send().await.unwrap()).await;
        assert_eq!((status, body["code"].as_i64()), (503, Some(1503)), "{path}: {body}");
        assert_eq!(body["data"]["message"], "系统升级中，预计 10 分钟", "{path}");
    }
    let (status, body) =
        app.post("/api/track", &crate::helpers::Cookies::default(), r#"{"events":[{"name":"x"}]}"#).await;
    assert_eq!((status, body["code"].as_i64()), (503, Some(1503)), "anonymous too: {body}");
    let (status, _) = app.console(Method::GET, "/api/console/me", &admin, None).await;
    assert_eq!(status, 200, "the console keeps working");

    let off = json!({"enabled": false, "message": ""});
    app.console(Method::PUT, "/api/console/maintenance", &admin, Some(off)).await;
    assert_eq!(app.get("/api/me", &cookies).await.0, 200);
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE target = 'maintenance'").await, 2);
}

#[tokio::test]
async fn maintenance_survives_a_lost_cache() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    app.console(Method::PUT, "/api/console/maintenance", &admin, Some(json!({"enabled": true, "message": ""}))).await;
    let mut redis = app.ctx.cache().unwrap().conn();
    let key = app.ctx.cache().unwrap().key("GPET:MAINTENANCE");
    let _: () = redis::cmd("DEL").arg(key).query_async(&mut redis).await.unwrap();
    let (status, body) = app.get("/api/me", &crate::helpers::Cookies::default()).await;
    assert_eq!(
        (status, body["msg"].as_str()),
        (503, Some("系统维护中，请稍后再来")),
        "PostgreSQL is the record: {body}"
    );
}

#[tokio::test]
async fn marquees_show_on_the_home_page_while_live_and_bad_ones_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("yunying1", Role::Operator).await;
    let now = Utc::now();
    let live = json!({"text": "今日结算将延迟到 10 点", "starts_at": now - Duration::hours(1), "ends_at": now + Duration::hours(1)});
    let later = json!({"text": "明天的通知", "starts_at": now + Duration::days(1), "ends_at": now + Duration::days(2)});
    for body in [&live, &later] {
        let (status, answer) = app.console(Method::POST, "/api/console/marquees", &admin, Some(body.clone())).await;
        assert_eq!(status, 200, "{answer}");
    }
    let cookies = app.logged_in("o_demo_lina").await;
    let texts = |home: serde_json::Value| -> Vec<String> {
        home["data"]["marquees"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(texts(app.get("/api/home", &cookies).await.1), vec!["今日结算将延迟到 10 点"]);

    // Tomorrow by the business clock, the other one shows.
    app.ctx.clock.set_offset(Duration::hours(25));
    assert_eq!(texts(app.get("/api/home", &cookies).await.1), vec!["明天的通知"]);
    app.ctx.clock.set_offset(Duration::zero());

    let bad = [
        (json!({"text": "", "starts_at": now, "ends_at": now + Duration::hours(1)}), "1–200"),
        (json!({"text": "x".repeat(201), "starts_at": now, "ends_at": now + Duration::hours(1)}), "1–200"),
        (json!({"text": "反了", "starts_at": now, "ends_at": now - Duration::hours(1)}), "晚于"),
        (json!({"text": "没有时区", "starts_at": "2026-11-26 10:00", "ends_at": now}), "starts_at"),
    ];
    for (body, expected) in bad {
        let (status, answer) = app.console(Method::POST, "/api/console/marquees", &admin, Some(body.clone())).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{body}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(expected), "{body}: {answer}");
    }
    let (_, list) = app.console(Method::GET, "/api/console/marquees", &admin, None).await;
    assert_eq!(list["data"]["items"].as_array().unwrap().len(), 2);
    let id = list["data"]["items"][1]["id"].as_i64().unwrap();
    let (status, _) = app.console(Method::DELETE, &format!("/api/console/marquees/{id}"), &admin, None).await;
    assert_eq!(status, 200);
    assert!(texts(app.get("/api/home", &cookies).await.1).is_empty());
    let finance = app.console_token("caiwu1", Role::Finance).await;
    let (status, _) = app.console(Method::POST, "/api/console/marquees", &finance, Some(live)).await;
    assert_eq!(status, 403, "finance cannot edit content");
}

#[tokio::test]
async fn active_users_are_counted_per_day_rolled_up_and_charted() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    for openid in ["o_demo_zhangwei", "o_demo_lina"] {
        let cookies = app.logged_in(openid).await;
        for _ in 0..3 {
            assert_eq!(app.get("/api/me", &cookies).await.0, 200);
        }
    }
    let today = app.ctx.clock.today().to_string();
    let (status, board) = app.console(Method::GET, "/api/console/dashboard", &admin, None).await;
    assert_eq!(status, 200, "{board}");
    let days = board["data"]["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(
        (&days[29]["day"], &days[29]["active_users"], &days[29]["new_users"]),
        (&json!(today), &json!(2), &json!(2))
    );

    app.ctx.clock.set_offset(Duration::days(1));
    let response = app.http.post(app.url("/_local/jobs/dau-rollup")).send().await.unwrap();
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(report["data"]["active_users"], 2, "{report}");
    assert_eq!(app.count("SELECT active_users::bigint FROM daily_activity").await, 2);
    // Run again after Redis lost the day: the stored count stays.
    let mut redis = app.ctx.cache().unwrap().conn();
    let bitmap = app.ctx.cache().unwrap().key(format!("GPET:USER_OPT_{}", today.replace('-', "")));
    let _: () = redis::cmd("DEL").arg(bitmap).query_async(&mut redis).await.unwrap();
    app.http.post(app.url("/_local/jobs/dau-rollup")).send().await.unwrap();
    assert_eq!(app.count("SELECT active_users::bigint FROM daily_activity").await, 2);

    let query = format!("/api/console/dashboard?from={today}&to={today}");
    let (_, board) = app.console(Method::GET, &query, &admin, None).await;
    assert_eq!(board["data"]["days"][0]["active_users"], 2, "{board}");
    for bad in ["?from=2026-13-01", "?from=2026-11-26&to=2026-11-01", "?from=2020-01-01&to=2026-01-01"] {
        let (status, body) = app.console(Method::GET, &format!("/api/console/dashboard{bad}"), &admin, None).await;
        assert_eq!((status, body["code"].as_i64()), (400, Some(1403)), "{bad}: {body}");
    }
}

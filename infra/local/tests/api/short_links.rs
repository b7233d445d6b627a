//! Short links: created from the console, the same URL reused within the window, redirects
//! that count visits, disabled and unknown codes, bad URLs and roles.

use gpet::operators::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, location};

#[tokio::test]
async fn a_short_link_redirects_counts_its_visits_and_is_reused_within_the_window() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let create = || {
        app.console(Method::POST, "/api/console/short-links", &admin, Some(json!({"url": "https://example.com/a?b=1"})))
    };
    let (status, first) = create().await;
    assert_eq!((status, first["data"]["reused"].as_bool()), (200, Some(false)), "{first}");
    let (_, again) = create().await;
    assert_eq!(
        (again["data"]["code"].clone(), again["data"]["reused"].as_bool()),
        (first["data"]["code"].clone(), Some(true))
    );
    let code = first["data"]["code"].as_str().unwrap().to_owned();
    assert_eq!(first["data"]["short_url"], app.url(&format!("/s/{code}")));

    for _ in 0..3 {
        let response = app.http.get(app.url(&format!("/s/{code}"))).send().await.unwrap();
        assert_eq!((response.status().as_u16(), location(&response)), (302, "https://example.com/a?b=1".to_owned()));
    }
    let (_, list) = app.console(Method::GET, "/api/console/short-links", &admin, None).await;
    assert_eq!(list["data"]["items"][0]["visits"], 3, "{list}");
    assert_eq!(list["data"]["total"], 1);

    // The daily rollup moves the counts into PostgreSQL; the list shows the same number.
    let response = app.http.post(app.url("/_local/jobs/dau-rollup")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.count("SELECT visits FROM short_links").await, 3);
    let (_, list) = app.console(Method::GET, "/api/console/short-links", &admin, None).await;
    assert_eq!(list["data"]["items"][0]["visits"], 3, "{list}");

    // Past the window, the same URL gets a new code.
    app.db().await.execute("UPDATE short_links SET created_at = now() - interval '11 minutes'", &[]).await.unwrap();
    let (_, later) = create().await;
    assert_ne!(later["data"]["code"], first["data"]["code"]);
}

#[tokio::test]
async fn disabled_and_unknown_codes_answer_a_clear_404_page() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let (_, link) = app
        .console(Method::POST, "/api/console/short-links", &admin, Some(json!({"url": "http://example.org/x"})))
        .await;
    let code = link["data"]["code"].as_str().unwrap().to_owned();
    assert_eq!(app.http.get(app.url(&format!("/s/{code}"))).send().await.unwrap().status(), 302);
    let id = link["data"]["id"].as_i64().unwrap();
    let (status, disabled) =
        app.console(Method::POST, &format!("/api/console/short-links/{id}/disable"), &admin, None).await;
    assert_eq!((status, disabled["data"]["disabled"].as_bool()), (200, Some(true)), "{disabled}");
    for path in [format!("/s/{code}"), "/s/zzzzzz".to_owned(), "/s/a-b".to_owned()] {
        let response = app.http.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.text().await.unwrap().contains("链接不存在或已失效"), "{path}");
    }
}

#[tokio::test]
async fn bad_urls_are_refused_and_finance_cannot_shorten() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("admin1", Role::Admin).await;
    let long = format!("https://example.com/{}", "a".repeat(2100));
    let cases = [
        (json!({"url": "ftp://example.com/x"}), "http"),
        (json!({"url": "javascript:alert(1)"}), "http"),
        (json!({"url": "not a url"}), "格式"),
        (json!({"url": app.url("/s/1000")}), "本站"),
        (json!({"url": long}), "过长"),
        (json!({"link": "https://example.com"}), "url"),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.console(Method::POST, "/api/console/short-links", &admin, Some(body.clone())).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{body}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(expected), "{body}: {answer}");
    }
    let finance = app.console_token("caiwu1", Role::Finance).await;
    let (status, answer) = app
        .console(Method::POST, "/api/console/short-links", &finance, Some(json!({"url": "https://example.com"})))
        .await;
    assert_eq!((status, answer["code"].as_i64()), (403, Some(1401)), "{answer}");
    assert_eq!(app.count("SELECT count(*) FROM short_links").await, 0);
}

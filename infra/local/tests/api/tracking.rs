//! Tracking events: from the H5 app (and the backend) through the outbox and the tracking queue
//! to BI's queue, each event once.

use std::collections::HashSet;
use std::time::Duration;

use gpet::queue::Queue;
use gpet::{Clock, Ctx, Everything};
use gpet_local::queues::poll_once;
use gpet_local::registry::{self, Handler};

use crate::helpers::{Cookies, TestApp};

fn consumer() -> gpet_local::registry::SqsFn {
    match registry::find("consume-tracking-events").unwrap().handler {
        Handler::Sqs(f) => f,
        _ => unreachable!(),
    }
}

/// Runs the consumer over the tracking queue until it is empty.
async fn consume_all(app: &TestApp) -> usize {
    let url = app.queue_url(Queue::TrackingEvents);
    let mut handled = 0;
    loop {
        let n = poll_once(&app.ctx, &app.sqs, "consume-tracking-events", &url, 10, 5, consumer()).await.unwrap();
        if n == 0 {
            return handled;
        }
        handled += n;
    }
}

async fn drain(app: &TestApp, queue: &str) -> Vec<serde_json::Value> {
    let mut bodies = Vec::new();
    loop {
        let out = app
            .sqs
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if out.messages().is_empty() {
            return bodies;
        }
        for m in out.messages() {
            bodies.push(serde_json::from_str(m.body().unwrap()).unwrap());
            app.sqs.delete_message().queue_url(queue).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
        }
    }
}

fn batch(n: usize) -> String {
    let events: Vec<_> = (0..n)
        .map(|i| serde_json::json!({"name": "page_view", "page": format!("/p{i}"), "props": {"i": i}, "ts": "2026-11-26T10:00:00+08:00"}))
        .collect();
    serde_json::json!({ "events": events }).to_string()
}

#[tokio::test]
async fn tracked_events_reach_bi_once_with_who_and_when() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_demo_lina").await;
    let (_, me) = app.get("/api/me", &cookies).await;
    let (status, body) = app.post("/api/track", &cookies, &batch(3)).await;
    assert_eq!((status, body["data"]["accepted"].as_i64()), (200, Some(3)), "{body}");
    // The login event (backend) is still in the outbox; the relay sends it.
    let (_, relayed) = app.post("/_local/jobs/outbox-relay", &Cookies::default(), "").await;
    assert_eq!(relayed["data"]["published"], 1, "{relayed}");

    assert_eq!(consume_all(&app).await, 4);
    let bi = drain(&app, &app.queue_url(Queue::BiEvents)).await;
    assert_eq!(bi.len(), 4);
    let pages: HashSet<_> =
        bi.iter().filter(|e| e["source"] == "h5").map(|e| e["page"].as_str().unwrap().to_owned()).collect();
    assert_eq!(pages, HashSet::from(["/p0".into(), "/p1".into(), "/p2".into()]));
    for event in &bi {
        assert_eq!(event["user_id"], me["data"]["id"], "{event}");
        assert!(event["event_id"].is_string() && event["server_ts"].is_string(), "{event}");
    }
    let h5 = bi.iter().find(|e| e["source"] == "h5").unwrap();
    assert_eq!(h5["client_ts"], "2026-11-26T10:00:00+08:00");
    assert!(bi.iter().any(|e| e["source"] == "backend" && e["name"] == "login"));

    // The queue delivers again (at least once): nothing is stored or forwarded twice.
    let again: Vec<(String, String)> = bi.iter().map(|e| (uuid::Uuid::new_v4().to_string(), e.to_string())).collect();
    let retry =
        gpet::tracking::store_and_forward(&app.ctx, &again, gpet::Deadline::after(std::time::Duration::from_secs(10)))
            .await
            .unwrap();
    assert!(retry.is_empty());
    assert!(drain(&app, &app.queue_url(Queue::BiEvents)).await.is_empty());
    assert_eq!(app.count("SELECT count(*) FROM tracking_events").await, 4);
}

#[tokio::test]
async fn anonymous_and_expired_visitors_are_tracked_without_a_user() {
    let app = TestApp::spawn().await;
    let (status, _) = app.post("/api/track", &Cookies::default(), &batch(1)).await;
    assert_eq!(status, 200);
    let stale = app
        .http
        .post(app.url("/api/track"))
        .bearer_auth("not-a-token")
        .header("content-type", "application/json")
        .body(batch(1))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    consume_all(&app).await;
    let bi = drain(&app, &app.queue_url(Queue::BiEvents)).await;
    assert_eq!(bi.len(), 2);
    assert!(bi.iter().all(|e| e["user_id"].is_null()));
}

#[tokio::test]
async fn a_bad_batch_is_refused_whole_with_the_reason_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let big = serde_json::json!({"events": [{"name": "x", "props": {"blob": "y".repeat(4200)}}]}).to_string();
    let cases = [
        ("empty list", r#"{"events":[]}"#.to_owned(), "不能为空"),
        ("51 events", batch(51), "最多 50"),
        ("event over 4 KiB", big, "4096"),
        ("bad name", r#"{"events":[{"name":"hello world"}]}"#.to_owned(), "第 1 个事件"),
        ("missing events", "{}".to_owned(), "events"),
        ("not JSON", "events=1".to_owned(), "JSON"),
        ("props not an object", r#"{"events":[{"name":"a","props":[1]}]}"#.to_owned(), "props: 类型不对"),
        ("bad timestamp", r#"{"events":[{"name":"a","ts":"yesterday"}]}"#.to_owned(), "请求参数错误"),
    ];
    for (what, body, needle) in cases {
        let (status, answer) = app.post("/api/track", &Cookies::default(), &body).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{what}: {answer}");
        assert!(answer["msg"].as_str().unwrap().contains(needle), "{what}: {answer}");
    }
    assert_eq!(app.count("SELECT count(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn events_survive_a_queue_outage_and_the_relay_delivers_them_later() {
    let app = TestApp::spawn().await;
    // The same product, but its SQS endpoint is down.
    let mut env = app.env.clone();
    env.set("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9");
    let (outage, _) = Ctx::load::<Everything>(&env, Clock::system(), 2).await.unwrap();
    let request = lambda_http::Request::new(lambda_http::Body::Text(batch(5)));
    let response = gpet_local::functions::h5_track::respond(&outage, request).await;
    assert_eq!(response.status(), 200, "the request is accepted while the queue is down");
    // Refused, or still being retried when the request stopped waiting: left for the relay.
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE published_at IS NULL").await, 5);

    let (_, relayed) = app.post("/_local/jobs/outbox-relay", &Cookies::default(), "").await;
    assert_eq!(relayed["data"], serde_json::json!({"published": 5, "failed": 0, "set_aside": 0}));
    consume_all(&app).await;
    assert_eq!(drain(&app, &app.queue_url(Queue::BiEvents)).await.len(), 5);
}

#[tokio::test]
async fn an_unreadable_message_is_retried_alone_then_dead_lettered() {
    let app = TestApp::spawn().await;
    let url = app.queue_url(Queue::TrackingEvents);
    let good = gpet::tracking::BiEvent::backend(&app.ctx, None, "probe", serde_json::json!({})).to_json().to_string();
    for body in [good.as_str(), "{not json"] {
        app.sqs.send_message().queue_url(&url).message_body(body).send().await.unwrap();
    }
    // Visibility 1 s: the failed message comes back quickly; after 5 receives SQS moves it.
    for _ in 0..8 {
        poll_once(&app.ctx, &app.sqs, "consume-tracking-events", &url, 10, 1, consumer()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    assert_eq!(app.count("SELECT count(*) FROM tracking_events WHERE name = 'probe'").await, 1);
    let dlq = app.queue_urls["TrackingEventsDlq"].clone();
    let dead =
        app.sqs.receive_message().queue_url(&dlq).max_number_of_messages(10).wait_time_seconds(1).send().await.unwrap();
    let bodies: Vec<&str> = dead.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["{not json"]);
}

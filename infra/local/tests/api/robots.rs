//! Robots and groups: the signed callback, the robot-events consumer (pairing, activation,
//! sessions, keywords), distribution under concurrency, the jobs, mass messages, campaigns and
//! dead letters — against real PostgreSQL, Redis, the SQS-API server and the sandbox.

use chrono::Duration;
use gpet::operators::Role;
use gpet::queue::Queue;
use gpet_local::queues::poll_once;
use gpet_local::registry::{self, Handler};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Cookies, TestApp, json_of};

fn consumer() -> registry::SqsFn {
    match registry::find("consume-robot-events").unwrap().handler {
        Handler::Sqs(f) => f,
        _ => unreachable!(),
    }
}

/// Runs the consumer until the queue holds nothing, in flight or not (a failed message comes
/// back after 1 s and is handled again, until it reaches the dead-letter queue).
async fn consume(app: &TestApp) -> usize {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let url = app.queue_url(Queue::RobotEvents);
    let mut handled = 0;
    loop {
        let n = poll_once(&app.ctx, &app.sqs, "consume-robot-events", &url, 10, 1, consumer()).await.unwrap();
        handled += n;
        if n > 0 {
            continue;
        }
        let attributes = app
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        let left: i64 = attributes.attributes().unwrap().values().map(|v| v.parse::<i64>().unwrap()).sum();
        if left == 0 {
            return handled;
        }
    }
}

/// The sandbox's robot platform emits these events, signed, to our callback.
async fn emit(app: &TestApp, events: Value) -> Value {
    emit_with(app, "", events).await
}

async fn emit_with(app: &TestApp, query: &str, events: Value) -> Value {
    let url = format!("{}/sandbox/robot/events{query}", app.sandbox().base_url);
    let answer: Value =
        app.http.post(url).json(&json!({ "events": events })).send().await.unwrap().json().await.unwrap();
    answer
}

async fn sandbox(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut request = app.http.request(method, format!("{}{path}", app.sandbox().base_url));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn sent_to_group(app: &TestApp, group: &str) -> Vec<Value> {
    sandbox(app, Method::GET, &format!("/sandbox/robot/sent?group={group}"), None).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn run_job(app: &TestApp, name: &str) -> Value {
    let (status, body) = json_of(app.http.post(app.url(&format!("/_local/jobs/{name}"))).send().await.unwrap()).await;
    assert_eq!(status, 200, "{name}: {body}");
    body
}

/// A robot registered through the console, and the demo strategy: everything released at 00:00.
async fn robot(app: &TestApp, admin: &str, wxid: &str, capacity: i32) -> i64 {
    let body = json!({"platform_id": format!("p-{wxid}"), "wxid": wxid, "nickname": format!("小宠 {wxid}"),
                      "qr_code_url": format!("https://qr.example.cn/{wxid}.png"), "capacity": capacity});
    let (status, robot) = app.console(Method::POST, "/api/console/robots", admin, Some(body)).await;
    assert_eq!(status, 200, "{robot}");
    // Registered during the day, it is in today's snapshot at once, all places free.
    assert_eq!(robot["data"]["today"]["snapshot_free"], capacity, "{robot}");
    let strategy = json!({"releases": [{"at": "00:00", "share_pct": 100}], "amount": 1, "display_rate": 3});
    let (status, answer) = app.console(Method::PUT, "/api/console/distribution", admin, Some(strategy)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["released_pct_now"], 100);
    robot["data"]["id"].as_i64().unwrap()
}

/// An owner with a phone, offered a robot: cookies, user id and the pairing code.
async fn owner(app: &TestApp, openid: &str, phone: &str) -> (Cookies, i64, String) {
    let cookies = app.logged_in(openid).await;
    app.bind_phone(&cookies, phone).await;
    let (_, me) = app.get("/api/me", &cookies).await;
    let (status, offer) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    assert_eq!(status, 200, "{offer}");
    let code = offer["data"]["robots"][0]["pairing_code"].as_str().unwrap().to_owned();
    (cookies, me["data"]["id"].as_i64().unwrap(), code)
}

/// Pairs `wxid` with the owner by the code, and joins `group` with `members` members.
async fn active_group(app: &TestApp, robot_wxid: &str, wxid: &str, code: &str, group: &str, members: i32) {
    emit(app, json!([{"type": "friend_added", "robot_wxid": robot_wxid, "user_wxid": wxid, "text": format!("配对码 {code}")}])).await;
    emit(
        app,
        json!([{"type": "joined_group", "robot_wxid": robot_wxid, "group_wxid": group, "group_name": "宠物交流群",
                      "inviter_wxid": wxid, "member_count": members}]),
    )
    .await;
    consume(app).await;
}

fn chat(robot: &str, group: &str, sender: &str, msg_id: &str, msg_type: &str, text: &str) -> Value {
    json!({"id": format!("evt-{group}-{msg_id}"), "type": "group_message", "robot_wxid": robot, "group_wxid": group,
           "sender_wxid": sender, "msg_id": msg_id, "msg_type": msg_type, "text": text})
}

async fn queue_is_empty(app: &TestApp) -> bool {
    let url = app.queue_url(Queue::RobotEvents);
    let got = app.sqs.receive_message().queue_url(url).wait_time_seconds(1).send().await.unwrap();
    got.messages().is_empty()
}

#[tokio::test]
async fn the_callback_refuses_unsigned_wrongly_signed_stale_and_malformed_events() {
    let app = TestApp::spawn().await;
    let event = json!([{"type": "member_count", "robot_wxid": "r1", "group_wxid": "g1", "member_count": 3}]);
    for query in ["?unsigned=1", "?bad_signature=1"] {
        let answer = emit_with(&app, query, event.clone()).await;
        assert_eq!(answer["status"], 401, "{query}: {answer}");
        assert_eq!(answer["answer"]["code"], 1401);
    }
    // Stale: a correct signature over a timestamp 6 minutes old.
    let body = json!({"events": event}).to_string();
    let stale = (chrono::Utc::now().timestamp() - 360).to_string();
    let secret = secrecy::SecretString::from(gpet_local::setup::SANDBOX_ROBOT_SECRET.to_owned());
    let post = |ts: &str, body: &str| {
        app.http
            .post(app.url("/api/callbacks/robot-events"))
            .header("x-robot-timestamp", ts)
            .header("x-robot-signature", gpet::partners::robot::signature(&secret, ts, body.as_bytes()))
            .body(body.to_owned())
    };
    let (status, answer) = json_of(post(&stale, &body).send().await.unwrap()).await;
    assert_eq!((status, answer["code"].as_i64()), (401, Some(1401)), "{answer}");
    let now = chrono::Utc::now().timestamp().to_string();
    let (status, answer) = json_of(post(&now, "{\"events\": 3}").send().await.unwrap()).await;
    assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{answer}");
    assert!(queue_is_empty(&app).await, "nothing refused reaches the queue");
    // The same request, fresh and signed, is accepted.
    let (status, answer) = json_of(post(&now, &body).send().await.unwrap()).await;
    assert_eq!((status, answer["data"]["accepted"].as_i64()), (200, Some(1)), "{answer}");
}

#[tokio::test]
async fn an_owner_pairs_a_robot_activates_a_group_and_its_sessions_are_counted_exactly_once() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    robot(&app, &admin, "wxid_robot_a", 10).await;
    let (cookies, user_id, code) = owner(&app, "o_owner_a", "13700000001").await;
    // The offer stays on the owner's page (they leave it for WeChat and come back), and shows
    // what came of it.
    let offer = async || app.get("/api/robots/offers", &cookies).await.1["data"]["robots"].clone();
    let live = offer().await;
    assert_eq!(live.as_array().map(Vec::len), Some(1), "{live}");
    assert_eq!((&live[0]["pairing_code"], &live[0]["robot_wxid"]), (&json!(code), &json!("wxid_robot_a")));
    assert_eq!((&live[0]["paired_at"], &live[0]["groups_joined"]), (&Value::Null, &json!([])));

    // The pairing code sent with the friend request pairs the WeChat account; the robot says so.
    emit(&app, json!([{"type": "friend_added", "robot_wxid": "wxid_robot_a", "user_wxid": "wxid_owner_a", "text": code.to_lowercase()}])).await;
    assert_eq!(consume(&app).await, 1);
    assert!(offer().await[0]["paired_at"].is_string());
    let paired = app.count("SELECT user_id FROM owner_wxids WHERE wxid = 'wxid_owner_a'").await;
    assert_eq!(paired, user_id);
    let said = sandbox(&app, Method::GET, "/sandbox/robot/sent?user=wxid_owner_a", None).await;
    assert!(said["items"][0]["content"]["text"].as_str().unwrap().contains("配对成功"), "{said}");

    // A private message that is not a code gets the customer-service reply of the settings.
    emit(
        &app,
        json!([{"type": "private_message", "robot_wxid": "wxid_robot_a", "user_wxid": "wxid_owner_a", "text": "在吗"}]),
    )
    .await;
    consume(&app).await;
    let said = sandbox(&app, Method::GET, "/sandbox/robot/sent?user=wxid_owner_a", None).await;
    assert!(said["items"][1]["content"]["text"].as_str().unwrap().contains("客服繁忙"), "{said}");

    // The owner pulls the robot into a group of 30: active.
    emit(
        &app,
        json!([{"type": "joined_group", "robot_wxid": "wxid_robot_a", "group_wxid": "g_a@chatroom",
                       "group_name": "猫咪群", "inviter_wxid": "wxid_owner_a", "member_count": 30}]),
    )
    .await;
    consume(&app).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let group = &groups["data"]["items"][0];
    assert_eq!(
        (group["state"].as_str(), group["group_wxid"].as_str()),
        (Some("active"), Some("g_a@chatroom")),
        "{groups}"
    );
    let joined = &offer().await[0]["groups_joined"];
    assert_eq!(*joined, json!([{"id": group["id"], "name": "猫咪群", "state": "active", "exit_reason": null}]));

    // Messages: two duplicates, one from the robot, one system notice, one on another sender.
    let events = json!([
        chat("wxid_robot_a", "g_a@chatroom", "m1", "1", "text", "早"),
        chat("wxid_robot_a", "g_a@chatroom", "m1", "2", "image", ""),
        chat("wxid_robot_a", "g_a@chatroom", "m2", "3", "text", "好"),
        chat("wxid_robot_a", "g_a@chatroom", "wxid_robot_a", "4", "text", "机器人自己说话"),
        chat("wxid_robot_a", "g_a@chatroom", "m3", "5", "system", "m3 加入了群聊"),
    ]);
    emit(&app, events.clone()).await;
    emit(&app, events).await; // the platform sent the whole batch twice
    consume(&app).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let group = &groups["data"]["items"][0];
    assert_eq!((group["sessions_today"].as_i64(), group["speakers_today"].as_i64()), (Some(3), Some(2)), "{groups}");

    // A keyword reply, sent once for a message delivered twice.
    let (status, kw) =
        app.h5_post("/api/keywords", &cookies, json!({"keyword": "价格", "reply": "第一行\n第二行"})).await;
    assert_eq!(status, 200, "{kw}");
    let ask = json!([chat("wxid_robot_a", "g_a@chatroom", "m2", "6", "text", " 价格 ")]);
    emit(&app, ask.clone()).await;
    emit(&app, ask).await;
    consume(&app).await;
    let replies: Vec<Value> = sent_to_group(&app, "g_a@chatroom").await;
    let replies: Vec<&Value> = replies.iter().filter(|m| m["content"]["text"] == "第一行\n第二行").collect();
    assert_eq!(replies.len(), 1, "{replies:?}");

    // Tomorrow, the rating gives yesterday's 4 sessions 2★ (1–49).
    app.ctx.clock.set_offset(Duration::days(1));
    let report = run_job(&app, "group-rating").await;
    assert_eq!(report["data"]["rated"], 1, "{report}");
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let group = &groups["data"]["items"][0];
    assert_eq!((group["stars"].as_i64(), group["sessions_yesterday"].as_i64()), (Some(2), Some(4)), "{groups}");
    assert_eq!(group["star_income_fen"], 10, "2★ earns 0.10 yuan a day (SPEC)");
    // What the next star needs: 50 sessions a day for 3★ (SPEC), and what it pays.
    let three = gpet::settings::GroupSettings::default().income_fen(3);
    assert_eq!(group["next_star"], json!({"stars": 3, "sessions": 50, "income_fen": three}), "{group}");
    let id = group["id"].as_i64().unwrap();
    let (_, detail) = app.get(&format!("/api/groups/{id}"), &cookies).await;
    let history = detail["data"]["history"].as_array().unwrap();
    assert_eq!(history.len(), 15);
    assert_eq!((history[13]["sessions"].as_i64(), history[13]["stars"].as_i64()), (Some(4), Some(2)), "{detail}");
    // Rerunning the rating changes nothing.
    run_job(&app, "group-rating").await;
    assert_eq!(app.count("SELECT count(*) FROM group_daily WHERE stars IS NOT NULL").await, 1);
}

#[tokio::test]
async fn a_join_before_its_pairing_is_retried_until_the_pairing_arrives() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    robot(&app, &admin, "wxid_robot_b", 10).await;
    let (cookies, _, code) = owner(&app, "o_owner_b", "13700000002").await;
    emit(
        &app,
        json!([{"type": "joined_group", "robot_wxid": "wxid_robot_b", "group_wxid": "g_b", "group_name": "群",
                       "inviter_wxid": "wxid_owner_b", "member_count": 25, "at": "2026-01-01T10:00:00+08:00"}]),
    )
    .await;
    // The join fails (no pairing yet) and stays on the queue.
    let url = app.queue_url(Queue::RobotEvents);
    assert_eq!(poll_once(&app.ctx, &app.sqs, "c", &url, 10, 1, consumer()).await.unwrap(), 1);
    assert_eq!(app.count("SELECT count(*) FROM groups").await, 0);
    emit(
        &app,
        json!([{"type": "friend_added", "robot_wxid": "wxid_robot_b", "user_wxid": "wxid_owner_b", "text": code}]),
    )
    .await;
    consume(&app).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    assert_eq!(groups["data"]["items"][0]["state"], "active", "{groups}");
    // Out of order: a member count of 10:05 arrives after one of 10:10; the later one stays.
    emit(&app, json!([{"type": "member_count", "robot_wxid": "wxid_robot_b", "group_wxid": "g_b", "member_count": 40, "at": "2026-01-01T10:10:00+08:00"}])).await;
    consume(&app).await;
    emit(&app, json!([{"type": "member_count", "robot_wxid": "wxid_robot_b", "group_wxid": "g_b", "member_count": 31, "at": "2026-01-01T10:05:00+08:00"}])).await;
    consume(&app).await;
    assert_eq!(app.count("SELECT member_count::bigint FROM groups").await, 40);
    // A removal older than the join does not undo it; a newer one does, with its reason.
    emit(&app, json!([{"type": "left_group", "robot_wxid": "wxid_robot_b", "group_wxid": "g_b", "reason": "removed", "at": "2026-01-01T09:00:00+08:00"}])).await;
    consume(&app).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    assert_eq!(groups["data"]["items"][0]["state"], "active");
    emit(&app, json!([{"type": "left_group", "robot_wxid": "wxid_robot_b", "group_wxid": "g_b", "reason": "removed", "at": "2026-01-01T11:00:00+08:00"}])).await;
    consume(&app).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let group = &groups["data"]["items"][0];
    assert_eq!(
        (group["state"].as_str(), group["exit_reason"].as_str()),
        (Some("left"), Some("机器人被移出群")),
        "{groups}"
    );
}

#[tokio::test]
async fn joins_by_someone_not_the_owner_or_into_a_small_group_are_refused_and_the_robot_leaves() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    robot(&app, &admin, "wxid_robot_c", 10).await;
    let (cookies, _, code) = owner(&app, "o_owner_c", "13700000003").await;
    emit(
        &app,
        json!([{"type": "friend_added", "robot_wxid": "wxid_robot_c", "user_wxid": "wxid_owner_c", "text": code}]),
    )
    .await;
    consume(&app).await;
    // The member list names someone else as the group's owner.
    sandbox(
        &app,
        Method::PUT,
        "/sandbox/robot/groups/g_other",
        Some(json!({"owner_wxid": "wxid_real_owner", "robot_wxid": "wxid_robot_c", "member_count": 50})),
    )
    .await;
    active_group(&app, "wxid_robot_c", "wxid_owner_c", &code, "g_other", 50).await;
    active_group(&app, "wxid_robot_c", "wxid_owner_c", &code, "g_small", 12).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let items = groups["data"]["items"].as_array().unwrap();
    let reason =
        |g: &str| items.iter().find(|i| i["group_wxid"] == g).map(|i| (i["state"].clone(), i["exit_reason"].clone()));
    let (state, why) = reason("g_other").unwrap();
    assert_eq!(state, "refused");
    assert!(why.as_str().unwrap().contains("不是群主"), "{why}");
    let (state, why) = reason("g_small").unwrap();
    assert_eq!(state, "refused");
    assert!(why.as_str().unwrap().contains("不足 20 人"), "{why}");
    // The robot said why in the group and left it.
    assert!(sent_to_group(&app, "g_small").await[0]["content"]["text"].as_str().unwrap().contains("不足 20 人"));
    let leaves = sandbox(&app, Method::GET, "/sandbox/robot/leaves", None).await;
    assert_eq!(
        leaves.to_string().matches("g_small").count() + leaves.to_string().matches("g_other").count(),
        2,
        "{leaves}"
    );

    // A member list that cannot be fetched: 1601, retried, and the group waits.
    sandbox(
        &app,
        Method::PUT,
        "/sandbox/robot/groups/g_flaky",
        Some(json!({"members_fail": true, "robot_wxid": "wxid_robot_c", "member_count": 30})),
    )
    .await;
    emit(
        &app,
        json!([{"type": "joined_group", "robot_wxid": "wxid_robot_c", "group_wxid": "g_flaky", "group_name": "群",
                       "inviter_wxid": "wxid_owner_c", "member_count": 30}]),
    )
    .await;
    let url = app.queue_url(Queue::RobotEvents);
    poll_once(&app.ctx, &app.sqs, "c", &url, 10, 1, consumer()).await.unwrap();
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE group_wxid = 'g_flaky'").await, 0);
    assert!(crate::helpers::logs().contains("1601"), "the failure is logged with its code");
    sandbox(&app, Method::PUT, "/sandbox/robot/groups/g_flaky", Some(json!({"members_fail": false}))).await;
    consume(&app).await;
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE group_wxid = 'g_flaky' AND state = 'active'").await, 1);
}

#[tokio::test]
async fn two_hundred_concurrent_assignments_never_hand_out_more_than_the_strategy_allows() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    robot(&app, &admin, "wxid_robot_d", 10).await; // 10 free × 100% × rate 3 = 30 displays
    let db = app.db().await;
    let mut tokens = Vec::new();
    for i in 0..200 {
        let id: i64 = db
            .query_one(
                "INSERT INTO users (openid, nickname, invite_code, phone) VALUES ($1, 'u', $2, $3) RETURNING id",
                &[&format!("o_conc_{i}"), &format!("C{i:05}"), &format!("1360000{i:04}")],
            )
            .await
            .unwrap()
            .get("id");
        let session = gpet::sessions::open(&db, id, None).await.unwrap().unwrap();
        tokens.push(gpet::sessions::issue_token(&app.ctx, &session).unwrap().token);
    }
    let app = &app;
    let answers = futures::future::join_all(tokens.iter().map(|t| async move {
        let response = app.http.post(app.url("/api/robots/assign")).bearer_auth(t).send().await.unwrap();
        json_of(response).await.1["code"].as_i64().unwrap()
    }))
    .await;
    let granted = answers.iter().filter(|c| **c == 1200).count();
    let refused = answers.iter().filter(|c| **c == 1600).count();
    assert_eq!((granted, refused), (30, 170), "{answers:?}");
    let (_, robots) = app.console(Method::GET, "/api/console/robots", &admin, None).await;
    let today = &robots["data"]["items"][0]["today"];
    assert_eq!(
        (today["snapshot_free"].as_i64(), today["distributed"].as_i64(), today["displayed"].as_i64()),
        (Some(10), Some(10), Some(30))
    );
}

#[tokio::test]
async fn frozen_users_and_users_without_a_phone_get_no_robot_and_none_left_is_1600() {
    let app = TestApp::spawn().await;
    let cookies = app.logged_in("o_nophone").await;
    let (status, answer) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    assert_eq!((status, answer["code"].as_i64()), (422, Some(2001)), "{answer}");
    app.bind_phone(&cookies, "13700000009").await;
    let (_, answer) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    assert_eq!(answer["code"], 1600, "no robot registered: {answer}");
    app.db().await.execute("UPDATE users SET frozen = true WHERE openid = 'o_nophone'", &[]).await.unwrap();
    let admin = app.console_token("ops", Role::Operator).await;
    robot(&app, &admin, "wxid_robot_e", 10).await;
    let (status, answer) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    assert_eq!((status, answer["code"].as_i64()), (403, Some(1403)), "{answer}");
    assert!(answer["msg"].as_str().unwrap().contains("冻结"));
}

#[tokio::test]
async fn mass_messages_are_checked_sent_robot_by_robot_three_seconds_apart_and_their_outcomes_kept() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    robot(&app, &admin, "wxid_robot_f", 10).await;
    let (cookies, _, code) = owner(&app, "o_owner_f", "13700000004").await;
    active_group(&app, "wxid_robot_f", "wxid_owner_f", &code, "g_f1", 30).await;
    emit(&app, json!([{"type": "joined_group", "robot_wxid": "wxid_robot_f", "group_wxid": "g_f2", "group_name": "二群",
                       "inviter_wxid": "wxid_owner_f", "member_count": 30}, {"type": "joined_group", "robot_wxid": "wxid_robot_f", "group_wxid": "g_f3", "group_name": "三群",
                       "inviter_wxid": "wxid_owner_f", "member_count": 30}]))
    .await;
    consume(&app).await;
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let ids: Vec<i64> = groups["data"]["items"].as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 3);

    // The preview is the text as it will be sent: newlines kept, trailing spaces gone.
    let content = json!({"kind": "text", "text": "今晚八点\r\n  直播抽奖  \n\n欢迎参加"});
    let (_, preview) = app.h5_post("/api/broadcasts/preview", &cookies, json!({"content": content})).await;
    assert_eq!(preview["data"]["bubble"]["text"], "今晚八点\n  直播抽奖\n\n欢迎参加", "{preview}");

    // Bad input: a sensitive word, another owner's group, then the minute already taken.
    let db = app.db().await;
    db.execute("INSERT INTO sensitive_words (word, normalized) VALUES ('赌博', '赌博')", &[]).await.unwrap();
    db.execute("SELECT nextval('sensitive_words_version')", &[]).await.unwrap();
    let (status, bad) = app
        .h5_post("/api/broadcasts", &cookies, json!({"content": {"kind": "text", "text": "来赌博"}, "group_ids": ids}))
        .await;
    assert_eq!(
        (status, bad["code"].as_i64(), bad["data"]["words"][0].as_str()),
        (422, Some(2003), Some("赌博")),
        "{bad}"
    );
    let (status, bad) =
        app.h5_post("/api/broadcasts", &cookies, json!({"content": content, "group_ids": [ids[0], 999_999]})).await;
    assert_eq!((status, bad["code"].as_i64()), (404, Some(1404)), "{bad}");
    assert_eq!(bad["data"]["group_ids"], json!([999_999]));
    let (status, task) = app.h5_post("/api/broadcasts", &cookies, json!({"content": content, "group_ids": ids})).await;
    assert_eq!(status, 200, "{task}");
    // A second "send now" within the minute goes the minute after; a time taken is refused.
    let (status, next) = app.h5_post("/api/broadcasts", &cookies, json!({"content": content, "group_ids": ids})).await;
    assert_eq!(status, 200, "{next}");
    let at = |task: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(task["data"]["send_at"].as_str().unwrap()).unwrap()
    };
    assert_eq!(at(&next) - at(&task), chrono::Duration::minutes(1), "{task} {next}");
    db.execute("UPDATE broadcasts SET state = 'cancelled' WHERE id = $1", &[&next["data"]["id"].as_i64().unwrap()])
        .await
        .unwrap();
    let taken = json!({"content": content, "group_ids": ids, "send_at": task["data"]["send_at"]});
    let (status, again) = app.h5_post("/api/broadcasts", &cookies, taken).await;
    assert_eq!((status, again["code"].as_i64()), (409, Some(2005)), "{again}");
    assert_eq!(
        app.count("SELECT count(*) FROM broadcasts WHERE state <> 'cancelled'").await,
        1,
        "nothing stored by the refusals"
    );

    // The second group's send fails at the platform: 1602 with the reason, the others go out.
    sandbox(&app, Method::POST, "/sandbox/robot/faults", Some(json!({"send_fail": 0}))).await;
    let started = std::time::Instant::now();
    let fail_second = async {
        // After the first send, make the next one fail.
        for _ in 0..100 {
            if !sent_to_group(&app, "g_f1").await.is_empty() || !sent_to_group(&app, "g_f2").await.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        sandbox(&app, Method::POST, "/sandbox/robot/faults", Some(json!({"send_fail": 1}))).await;
    };
    let (report, _) = tokio::join!(run_job(&app, "broadcast-dispatch"), fail_second);
    assert!(started.elapsed() >= std::time::Duration::from_secs(6), "3 sends of one robot take two gaps of 3 s");
    assert_eq!((report["data"]["sent"].as_i64(), report["data"]["failed"].as_i64()), (Some(2), Some(1)), "{report}");
    let (_, list) = app.get("/api/broadcasts", &cookies).await;
    let task = list["data"]["items"].as_array().unwrap().iter().find(|t| t["state"] != "cancelled").unwrap();
    assert_eq!(task["state"], "done");
    let failed: Vec<&Value> = task["targets"].as_array().unwrap().iter().filter(|t| t["state"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{task}");
    assert_eq!(failed[0]["code"], 1602);
    // What was sent is what the preview showed.
    let sent: Vec<Value> = [sent_to_group(&app, "g_f1").await, sent_to_group(&app, "g_f3").await].concat();
    let texts: Vec<&str> =
        sent.iter().filter_map(|m| m["content"]["text"].as_str()).filter(|t| t.starts_with("今晚")).collect();
    assert!(texts.iter().all(|t| *t == "今晚八点\n  直播抽奖\n\n欢迎参加") && !texts.is_empty(), "{texts:?}");
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = sandbox(&app, Method::GET, "/sandbox/robot/sent", None)
        .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content"]["text"].as_str().is_some_and(|t| t.starts_with("今晚")))
        .map(|m| chrono::DateTime::parse_from_rfc3339(m["at"].as_str().unwrap()).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[1] - w[0] >= Duration::milliseconds(2900)), "{times:?}");

    // A task at a later minute can be cancelled before it is sent.
    let later = (app.ctx.clock.now_shanghai() + Duration::hours(2)).to_rfc3339();
    let (_, task) = app
        .h5_post("/api/broadcasts", &cookies, json!({"content": content, "group_ids": [ids[0]], "send_at": later}))
        .await;
    let id = task["data"]["id"].as_i64().unwrap();
    let response = app
        .http
        .delete(app.url(&format!("/api/broadcasts/{id}")))
        .header("cookie", cookies.header())
        .send()
        .await
        .unwrap();
    let (status, cancelled) = json_of(response).await;
    assert_eq!((status, cancelled["data"]["state"].as_str()), (200, Some("cancelled")), "{cancelled}");
}

#[tokio::test]
async fn campaigns_go_to_rated_groups_with_the_switch_on_and_launch_sync_and_purge_clean_up() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    robot(&app, &admin, "wxid_robot_g", 10).await;
    let (cookies, _, code) = owner(&app, "o_owner_g", "13700000005").await;
    active_group(&app, "wxid_robot_g", "wxid_owner_g", &code, "g_g1", 30).await;
    active_group(&app, "wxid_robot_g", "wxid_owner_g", &code, "g_g2", 30).await;
    // g_g1 chats enough for 3★ (50 sessions); g_g2 stays at 1★.
    let events: Vec<Value> =
        (0..50).map(|i| chat("wxid_robot_g", "g_g1", "m1", &format!("x{i}"), "text", "hi")).collect();
    emit(&app, json!(events)).await;
    consume(&app).await;
    app.ctx.clock.set_offset(Duration::days(1));
    run_job(&app, "group-rating").await;

    let body = json!({"name": "双十一", "content": {"kind": "link", "title": "好物", "url": "https://shop.example.cn/a"},
                      "min_stars": 3, "starts_at": app.ctx.clock.now_shanghai().to_rfc3339()});
    let (status, campaign) = app.console(Method::POST, "/api/console/campaigns", &admin, Some(body)).await;
    assert_eq!(status, 200, "{campaign}");
    let report = run_job(&app, "campaign-dispatch").await;
    assert_eq!(report["data"]["sent"], 1, "only the 3★ group: {report}");
    assert_eq!(sent_to_group(&app, "g_g1").await.last().unwrap()["content"]["title"], "好物");
    let (_, list) = app.console(Method::GET, "/api/console/campaigns", &admin, None).await;
    assert_eq!(list["data"]["items"][0]["targets"]["sent"], 1);

    // The launch switch of g_g2 goes off: the robot leaves, and the owner sees why.
    sandbox(&app, Method::PUT, "/sandbox/launch/g_g2", Some(json!({"on": false}))).await;
    let report = run_job(&app, "launch-sync").await;
    assert_eq!((report["data"]["checked"].as_i64(), report["data"]["left"].as_i64()), (Some(2), Some(1)), "{report}");
    let (_, groups) = app.get("/api/groups", &cookies).await;
    let g2 = groups["data"]["items"].as_array().unwrap().iter().find(|g| g["group_wxid"] == "g_g2").unwrap().clone();
    assert_eq!(
        (g2["state"].as_str(), g2["exit_reason"].as_str()),
        (Some("left"), Some("投放开关已关闭，机器人自动退群"))
    );
    assert!(sandbox(&app, Method::GET, "/sandbox/robot/leaves", None).await.to_string().contains("g_g2"));
    // The platform's own left_group (quit) event that follows changes nothing.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    consume(&app).await;
    assert_eq!(app.count("SELECT count(*) FROM groups WHERE exit_reason = '投放开关已关闭，机器人自动退群'").await, 1);

    // Three quiet days cancel g_g1 (会话不足); 30 days later both are purged.
    app.ctx.clock.set_offset(Duration::days(4));
    let report = run_job(&app, "group-rating").await;
    assert_eq!(report["data"]["cancelled"], 1, "{report}");
    assert_eq!(
        app.count("SELECT count(*) FROM groups WHERE state = 'cancelled' AND exit_reason = '会话不足'").await,
        1
    );
    run_job(&app, "group-purge").await;
    assert_eq!(app.count("SELECT count(*) FROM groups").await, 2, "not yet");
    app.ctx.clock.set_offset(Duration::days(40));
    let report = run_job(&app, "group-purge").await;
    assert_eq!(report["data"]["groups"], 2, "{report}");
    assert_eq!(app.count("SELECT count(*) FROM group_daily").await, 0);
}

#[tokio::test]
async fn bad_events_end_in_the_dead_letter_queue_visible_in_the_console_and_can_be_redriven() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    // A joined_group without its group: signed and accepted, but unreadable for the consumer.
    emit(&app, json!([{"type": "joined_group", "robot_wxid": "wxid_nobody", "inviter_wxid": "x"}])).await;
    let url = app.queue_url(Queue::RobotEvents);
    for _ in 0..5 {
        poll_once(&app.ctx, &app.sqs, "c", &url, 10, 0, consumer()).await.unwrap();
    }
    // moto moves it to the DLQ on the receive after the fifth.
    assert_eq!(poll_once(&app.ctx, &app.sqs, "c", &url, 10, 0, consumer()).await.unwrap(), 0);
    let (status, letters) = app.console(Method::GET, "/api/console/dead-letters", &admin, None).await;
    assert_eq!(status, 200, "{letters}");
    let letter = &letters["data"]["items"][0];
    assert_eq!(letter["queue"], "gpet-robot-events-dlq", "{letters}");
    assert!(letter["body"].as_str().unwrap().contains("wxid_nobody"));
    let id = letter["id"].as_i64().unwrap();
    let finance = app.console_token("fin", Role::Finance).await;
    let (status, _) =
        app.console(Method::POST, &format!("/api/console/dead-letters/{id}/redrive"), &finance, None).await;
    assert_eq!(status, 403, "finance reads but does not redrive");
    let (status, redriven) =
        app.console(Method::POST, &format!("/api/console/dead-letters/{id}/redrive"), &admin, None).await;
    assert_eq!(status, 200, "{redriven}");
    assert!(redriven["data"]["redriven_at"].is_string());
    let (status, _) = app.console(Method::POST, &format!("/api/console/dead-letters/{id}/redrive"), &admin, None).await;
    assert_eq!(status, 400, "once");
    let back = app.sqs.receive_message().queue_url(&url).wait_time_seconds(1).send().await.unwrap();
    assert!(back.messages()[0].body().unwrap().contains("wxid_nobody"));
}

#[tokio::test]
async fn operators_manage_robots_strategy_groups_and_force_an_exit() {
    let app = TestApp::spawn().await;
    let admin = app.console_token("ops", Role::Operator).await;
    let robot_id = robot(&app, &admin, "wxid_robot_h", 10).await;
    let taken = json!({"platform_id": "p-wxid_robot_h", "wxid": "other", "nickname": "n", "qr_code_url": "https://q.cn/x.png", "capacity": 5});
    let (status, answer) = app.console(Method::POST, "/api/console/robots", &admin, Some(taken)).await;
    assert_eq!((status, answer["code"].as_i64()), (409, Some(2004)), "{answer}");
    let (status, answer) = app
        .console(Method::PUT, &format!("/api/console/robots/{robot_id}"), &admin, Some(json!({"capacity": 0})))
        .await;
    assert_eq!((status, answer["code"].as_i64()), (400, Some(1403)), "{answer}");
    let bad = json!({"releases": [{"at": "12:00", "share_pct": 60}, {"at": "08:00", "share_pct": 30}], "amount": 1, "display_rate": 3});
    let (status, answer) = app.console(Method::PUT, "/api/console/distribution", &admin, Some(bad)).await;
    assert_eq!(status, 400);
    assert!(answer["msg"].as_str().unwrap().contains("releases[1].at"), "{answer}");

    // A disabled robot is not offered.
    app.console(Method::PUT, &format!("/api/console/robots/{robot_id}"), &admin, Some(json!({"enabled": false}))).await;
    // The audit log says what changed, from what to what.
    let db = app.db().await;
    let audited: Value = db
        .query_one("SELECT detail FROM audit_log WHERE action = 'robot.update' ORDER BY id LIMIT 1", &[])
        .await
        .unwrap()
        .get("detail");
    assert_eq!(audited, json!({"before": {"enabled": true}, "after": {"enabled": false}}));
    let cookies = app.logged_in("o_owner_h").await;
    app.bind_phone(&cookies, "13700000006").await;
    let (_, answer) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    assert_eq!(answer["code"], 1600, "{answer}");
    app.console(Method::PUT, &format!("/api/console/robots/{robot_id}"), &admin, Some(json!({"enabled": true}))).await;
    let (_, offer) = app.h5_post("/api/robots/assign", &cookies, json!(null)).await;
    let code = offer["data"]["robots"][0]["pairing_code"].as_str().unwrap().to_owned();
    active_group(&app, "wxid_robot_h", "wxid_owner_h", &code, "g_h", 30).await;

    let (_, found) = app.console(Method::GET, "/api/console/groups?q=g_h&state=active", &admin, None).await;
    assert_eq!(found["data"]["total"], 1, "{found}");
    let id = found["data"]["items"][0]["id"].as_i64().unwrap();
    let (status, _) = app.console(Method::GET, "/api/console/groups?state=dancing", &admin, None).await;
    assert_eq!(status, 400);
    let (status, exited) = app
        .console(Method::POST, &format!("/api/console/groups/{id}/exit"), &admin, Some(json!({"reason": "违规广告"})))
        .await;
    assert_eq!(status, 200, "{exited}");
    assert_eq!(exited["data"]["exit_reason"], "运营退群：违规广告");
    let (_, detail) = app.console(Method::GET, &format!("/api/console/groups/{id}"), &admin, None).await;
    assert_eq!(detail["data"]["history"].as_array().unwrap().len(), 30);
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'group.exit'").await, 1);
    // The dashboard shows the robots' use of today.
    let (_, dash) = app.console(Method::GET, "/api/console/dashboard", &admin, None).await;
    let today = dash["data"]["days"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (today["robots"]["free"].as_i64(), today["robots"]["displayed"].as_i64()),
        (Some(10), Some(1)),
        "{today}"
    );
}

//! What every test needs: its own database (from a migrated template), its own Redis key
//! prefix and queues, its own sandbox, and the local host serving every function on a port of
//! its own, all real. Dropped with the test.

use std::sync::Arc;

use gpet::{Ctx, Env};
use gpet_local::queues::QueueUrls;
use gpet_local::setup::Local;
pub use gpet_local::stack::Cookies;
use gpet_local::stack::LocalStack;
use gpet_local::template::Template;

/// Every log line of the test process at `info` and above, JSON as in Lambda: tests look here
/// for what must never be logged.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// Whether a JSON log line raised `alert` as CloudWatch's metric filter sees it
/// (`{ $.fields.alert = "…" }` in template.yaml) with `key` naming the occurrence.
pub fn alert_logged(alert: &str, key_prefix: &str) -> bool {
    logs().lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).any(|line| {
        line["fields"]["alert"] == alert && line["fields"]["key"].as_str().is_some_and(|k| k.starts_with(key_prefix))
    })
}

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter("info")
            .with_writer(|| LogSink)
            .try_init();
    });
}

pub fn project_root() -> std::path::PathBuf {
    gpet_local::stack::project_root()
}

pub fn template() -> Template {
    Template::load(&project_root().join("template.yaml")).expect("template.yaml parses")
}

/// template.yaml rendered by the SAM transform for `region`, once per test process.
pub fn rendered(region: &str) -> &'static gpet_local::rendered::Rendered {
    gpet_local::stack::rendered(region).expect("the template renders")
}

pub struct TestApp {
    pub base_url: String,
    pub ctx: Arc<Ctx>,
    pub env: Env,
    pub queue_urls: QueueUrls,
    pub template: Template,
    pub local: Local,
    pub sqs: aws_sdk_sqs::Client,
    pub http: reqwest::Client,
    pub stack: LocalStack,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        capture_logs();
        let stack = LocalStack::spawn("test", 8).await.unwrap_or_else(|e| {
            panic!("the test's stack does not start: {e:#}\n(run the tests through `make test`: it starts PostgreSQL, Redis and the AWS-API server and sources .local/env)")
        });
        let http = gpet_local::stack::http_client();
        TestApp {
            base_url: stack.base_url.clone(),
            ctx: stack.ctx().clone(),
            env: stack.started.env.clone(),
            queue_urls: stack.started.queue_urls.clone(),
            template: stack.template.clone(),
            local: stack.local.clone(),
            sqs: stack.sqs.clone(),
            http,
            stack,
        }
    }

    pub fn sandbox(&self) -> &gpet_sandbox::Sandbox {
        &self.stack.sandbox
    }

    /// WeChat Pay's client configuration as the functions load it (variables and secret).
    pub async fn pay_config(&self) -> gpet::config::PayConfig {
        let arn = self.stack.started.secret_arns[&gpet::config::Secret::WechatPay].clone();
        let sdk = self.local.services.aws().await;
        let secrets = gpet::aws::fetch_secrets(&sdk, &[(gpet::config::Secret::WechatPay, arn)]).await.unwrap();
        gpet::config::PayConfig::load(&self.env, &secrets).unwrap()
    }

    /// A connection of its own to the test's database, as the application role.
    pub async fn connect(&self) -> tokio_postgres::Client {
        self.stack.connect().await.expect("PostgreSQL answers")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn queue_url(&self, queue: gpet::queue::Queue) -> String {
        let def = self.template.queues.iter().find(|q| q.name == queue.name()).unwrap();
        self.queue_urls[&def.logical_id].clone()
    }

    pub async fn db(&self) -> gpet::db::Client {
        self.ctx.db().unwrap().client().await.unwrap()
    }

    /// A single count from the test's database: the one column of the caller's statement, whatever
    /// it is named (so read as the first, after checking it is the only one).
    pub async fn count(&self, sql: &str) -> i64 {
        let row = self.db().await.query_one(sql, &[]).await.unwrap();
        assert_eq!(row.columns().len(), 1, "a count is one column: {sql}");
        row.get(0)
    }

    /// GET with a Bearer token; answers status and JSON body.
    pub async fn get_bearer(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        json_of(self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap()).await
    }

    /// GET with optional cookies; answers status and JSON body.
    pub async fn get(&self, path: &str, cookies: &Cookies) -> (u16, serde_json::Value) {
        let response = self.http.get(self.url(path)).header("cookie", cookies.header()).send().await.unwrap();
        json_of(response).await
    }

    /// POST of `body` (JSON, as the web apps send it; nothing when empty) with the cookies.
    pub async fn post(&self, path: &str, cookies: &Cookies, body: &str) -> (u16, serde_json::Value) {
        let mut request = self.http.post(self.url(path)).header("cookie", cookies.header());
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        json_of(request.body(body.to_owned()).send().await.unwrap()).await
    }

    /// The whole WeChat login of `openid` through the sandbox, answering the callback's
    /// response (302 back into the app) and the cookies the browser would hold.
    pub async fn login(&self, openid: &str, redirect: &str) -> (reqwest::Response, Cookies, String) {
        self.login_invited(openid, redirect, None).await
    }

    /// The login of someone who arrived through an invite link carrying `invite`.
    pub async fn login_invited(
        &self,
        openid: &str,
        redirect: &str,
        invite: Option<&str>,
    ) -> (reqwest::Response, Cookies, String) {
        let login = self.stack.wechat_login(&self.http, openid, redirect, invite).await;
        let login = login.unwrap_or_else(|e| panic!("the WeChat login of {openid}: {e:#}"));
        (login.response, login.cookies, login.callback)
    }

    /// Logged in as `openid`: the browser's cookies.
    pub async fn logged_in(&self, openid: &str) -> Cookies {
        let (response, cookies, _) = self.login(openid, "/").await;
        assert_eq!(location(&response), "/");
        assert!(cookies.get(gpet::sessions::COOKIE).is_some());
        cookies
    }
}

/// Requests with a body and a method, as the console and the H5 app make them.
impl TestApp {
    /// An operator of `role`, logged in: their Bearer token.
    pub async fn console_token(&self, username: &str, role: gpet::operators::Role) -> String {
        gpet::operators::create(&self.db().await, username, "correct-horse-9", role).await.unwrap();
        self.stack.console_login(&self.http, username, "correct-horse-9").await.unwrap()
    }

    /// A console call with a Bearer token.
    pub async fn console(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        json_of(request.send().await.unwrap()).await
    }

    /// An H5 POST of JSON with the browser's cookies.
    pub async fn h5_post(&self, path: &str, cookies: &Cookies, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.post(path, cookies, &body.to_string()).await
    }

    /// The codes the sandbox's SMS gateway delivered to `phone`, oldest first.
    pub async fn sms_codes(&self, phone: &str) -> Vec<String> {
        let url = format!("{}/sandbox/sms?phone={phone}", self.sandbox().base_url);
        let body: serde_json::Value = self.http.get(url).send().await.unwrap().json().await.unwrap();
        body["messages"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap().to_owned()).collect()
    }

    /// Binds `phone` to the logged-in user the way the H5 app does: a code, then the binding.
    pub async fn bind_phone(&self, cookies: &Cookies, phone: &str) -> serde_json::Value {
        let (status, sent) = self.h5_post("/api/me/phone/code", cookies, serde_json::json!({"phone": phone})).await;
        assert_eq!(status, 200, "{sent}");
        let code = self.sms_codes(phone).await.pop().expect("a code was sent");
        let (status, bound) =
            self.h5_post("/api/me/phone", cookies, serde_json::json!({"phone": phone, "code": code})).await;
        assert_eq!(status, 200, "{bound}");
        bound
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The test's runtime is going away: clean up on a runtime of our own.
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(self.stack.clean_up());
            });
        });
    }
}

pub fn location(response: &reqwest::Response) -> String {
    gpet_local::stack::location(response).unwrap_or_default()
}

pub async fn json_of(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, json)
}

pub fn set_cookie<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

// ---------------------------------------------------------------------------------------------
// Money (issue 5): jobs, the sandbox's partners, queues drained until empty, owners with robots,
// groups and money, and the ledger audit every money test ends with.

impl TestApp {
    /// Runs a scheduled job through the local host (`POST /_local/jobs/{name}`), as its schedule
    /// would: the job's report.
    pub async fn run_job(&self, name: &str) -> serde_json::Value {
        let response = self.http.post(self.url(&format!("/_local/jobs/{name}"))).send().await.unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, 200, "job {name}: {body}");
        body["data"].clone()
    }

    /// A call to one of the sandbox's routes: status and JSON answer.
    pub async fn sandbox_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.sandbox().base_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        json_of(request.send().await.unwrap()).await
    }

    /// The sandbox's robot platform posts these events, signed, to our callback (accepted).
    pub async fn robot_events(&self, events: serde_json::Value) {
        let (status, answer) = self
            .sandbox_call(reqwest::Method::POST, "/sandbox/robot/events", Some(serde_json::json!({ "events": events })))
            .await;
        assert_eq!((status, answer["status"].as_u64()), (200, Some(200)), "{answer}");
    }

    /// Runs the consumer `function` on `queue` until the queue holds nothing, visible or in flight
    /// (a message that failed comes back after 1 s and is handled again).
    pub async fn drain(&self, queue: gpet::queue::Queue, function: &str) -> usize {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let entry = gpet_local::registry::find(function).expect("a registered consumer");
        let gpet_local::registry::Handler::Sqs(consumer) = entry.handler else {
            panic!("{function} is not a queue consumer")
        };
        // With only the parts its binary builds, as the host runs it.
        let ctx = self.ctx.only(&entry.needs);
        let url = self.queue_url(queue);
        let mut handled = 0;
        loop {
            let n = gpet_local::queues::poll_once(&ctx, &self.sqs, function, &url, 10, 1, consumer).await.unwrap();
            handled += n;
            if n > 0 {
                continue;
            }
            let attributes = self
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

    /// The subjects of the mails the sandbox's mail API received, oldest first.
    pub async fn mail_subjects(&self) -> Vec<String> {
        let (status, mail) = self.sandbox_call(reqwest::Method::GET, "/sandbox/mail", None).await;
        assert_eq!(status, 200, "{mail}");
        mail["messages"].as_array().unwrap().iter().map(|m| m["subject"].as_str().unwrap().to_owned()).collect()
    }

    /// The ledger audit, both ways: `gpet::ledger::check` on a snapshot, and the ledger-audit job
    /// (stored, mailed when wrong). Every check must hold: no money created or lost.
    pub async fn assert_books_balance(&self) {
        let mut client = self.db().await;
        let (checks, _) = gpet::ledger::check(&mut client).await.unwrap();
        let failed: Vec<_> = checks.iter().filter(|c| !c.ok).collect();
        assert!(checks.len() >= 7 && failed.is_empty(), "ledger checks failed: {failed:?}");
        let report = self.run_job("ledger-audit").await;
        let checks = report["checks"].as_array().expect("the audit lists its checks");
        let failed: Vec<_> = checks.iter().filter(|c| c["ok"] != true).collect();
        assert!(report["ok"] == true && checks.len() >= 7 && failed.is_empty(), "the ledger audit failed: {report}");
    }

    /// A user's available and held balances.
    pub async fn balances(&self, user_id: i64) -> (i64, i64) {
        let b = gpet::ledger::balances(&self.db().await, gpet::UserId::new(user_id)).await.unwrap();
        (b.available_fen.get(), b.held_fen.get())
    }

    /// Credits `fen` to the user's available balance the way the platform pays income: one
    /// ledger transaction from the platform's ad-income account, posted by `gpet::ledger::post`.
    pub async fn fund(&self, user_ids: &[i64], fen: i64) {
        use gpet::ledger::{Account, transfer};
        let legs: Vec<gpet::ledger::Leg> = user_ids
            .iter()
            .flat_map(|u| {
                transfer(Account::AdIncome, Account::Available(gpet::UserId::new(*u)), gpet::Fen::new(fen), "ad_income")
            })
            .collect();
        let mut client = self.db().await;
        let tx = client.transaction().await.unwrap();
        let key = format!("test-funding:{}", uuid::Uuid::new_v4());
        let posted = gpet::ledger::post(&tx, &key, "test_funding", self.ctx.clock.today().date(), &legs).await.unwrap();
        assert!(posted.is_some());
        tx.commit().await.unwrap();
    }

    /// The robots' settings (the send governor, health, protection), as an operator would save them.
    pub async fn robot_settings(&self, settings: &gpet::settings::RobotSettings) {
        use gpet::settings::Subject as _;
        settings.validate().unwrap();
        self.db()
            .await
            .execute(
                "INSERT INTO settings (key, value) VALUES ('robots', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&serde_json::to_value(settings).unwrap()],
            )
            .await
            .unwrap();
    }

    /// The user id of `openid`.
    pub async fn user_id(&self, openid: &str) -> i64 {
        self.db().await.query_one("SELECT id FROM users WHERE openid = $1", &[&openid]).await.unwrap().get("id")
    }

    /// A robot registered through the console by `operator`, and the demo strategy: every place
    /// released at 00:00, one robot offered per owner.
    pub async fn register_robot(&self, operator: &str, wxid: &str, capacity: i32) {
        let body = serde_json::json!({"platform_id": format!("p-{wxid}"), "wxid": wxid, "nickname": format!("小宠 {wxid}"),
                          "qr_code_url": format!("https://qr.example.cn/{wxid}.png"), "capacity": capacity});
        let (status, robot) = self.console(reqwest::Method::POST, "/api/console/robots", operator, Some(body)).await;
        assert_eq!(status, 200, "{robot}");
        let strategy =
            serde_json::json!({"releases": [{"at": "00:00", "share_pct": 100}], "amount": 1, "display_rate": 3});
        let (status, answer) =
            self.console(reqwest::Method::PUT, "/api/console/distribution", operator, Some(strategy)).await;
        assert_eq!(status, 200, "{answer}");
    }

    /// An owner logged in by WeChat as `openid` (through the invite `invite` when given), with
    /// `phone` bound, offered a robot and paired with it as `wxid`: cookies and user id.
    pub async fn paired_owner(
        &self,
        openid: &str,
        phone: &str,
        wxid: &str,
        robot_wxid: &str,
        invite: Option<&str>,
    ) -> (Cookies, i64) {
        let (response, cookies, _) = self.login_invited(openid, "/", invite).await;
        assert_eq!(response.status(), 302);
        assert!(cookies.get(gpet::sessions::COOKIE).is_some(), "{openid} is logged in");
        self.bind_phone(&cookies, phone).await;
        let (status, offer) = self.h5_post("/api/robots/assign", &cookies, serde_json::json!(null)).await;
        assert_eq!(status, 200, "{offer}");
        let code = offer["data"]["robots"][0]["pairing_code"].as_str().unwrap().to_owned();
        self.robot_events(
            serde_json::json!([{"type": "friend_added", "robot_wxid": robot_wxid, "user_wxid": wxid, "text": code}]),
        )
        .await;
        self.drain(gpet::queue::Queue::RobotEvents, "consume-robot-events").await;
        let paired = self.count(&format!("SELECT count(*) FROM owner_wxids WHERE wxid = '{wxid}'")).await;
        assert_eq!(paired, 1, "{wxid} paired");
        (cookies, self.user_id(openid).await)
    }

    /// A logged-in owner with a phone and an identity (name `name`), `fen` on their balance:
    /// someone who may withdraw. Cookies and user id.
    pub async fn payee(&self, openid: &str, phone: &str, name: &str, fen: i64) -> (Cookies, i64) {
        let cookies = self.logged_in(openid).await;
        self.bind_phone(&cookies, phone).await;
        let claim = serde_json::json!({"name": name, "id_number": "11010519491231002X"});
        let (status, answer) = self.h5_post("/api/me/identity", &cookies, claim).await;
        assert_eq!(status, 200, "{answer}");
        let id = self.user_id(openid).await;
        if fen > 0 {
            self.fund(&[id], fen).await;
        }
        (cookies, id)
    }
}

/// Robot events of the contract, stamped at `at` (RFC 3339).
pub mod robot_event {
    use serde_json::{Value, json};

    pub fn joined(robot: &str, group: &str, inviter: &str, members: i32, at: &str) -> Value {
        json!({"id": format!("join-{group}-{at}"), "type": "joined_group", "robot_wxid": robot, "group_wxid": group,
               "group_name": format!("群 {group}"), "inviter_wxid": inviter, "member_count": members, "at": at})
    }

    pub fn left(robot: &str, group: &str, at: &str) -> Value {
        json!({"id": format!("left-{group}-{at}"), "type": "left_group", "robot_wxid": robot, "group_wxid": group,
               "reason": "removed", "at": at})
    }

    /// `n` sessions (distinct messages of a member) in `group`, at `at`.
    pub fn chat(robot: &str, group: &str, n: usize, at: &str) -> Vec<Value> {
        (0..n)
            .map(|i| {
                json!({"id": format!("msg-{group}-{at}-{i}"), "type": "group_message", "robot_wxid": robot,
                       "group_wxid": group, "sender_wxid": format!("wxid_member_{}", i % 3), "msg_id": format!("{group}-{at}-{i}"),
                       "msg_type": "text", "text": "今天天气不错", "at": at})
            })
            .collect()
    }
}

/// The names of the checks a ledger audit's report says failed.
pub fn failing_checks(report: &serde_json::Value) -> Vec<&str> {
    report["checks"]
        .as_array()
        .expect("an audit report lists its checks")
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().expect("a check has a name"))
        .collect()
}

//! The stack under test: a local stack of its own (gpet_local::stack, as every integration test
//! has: database, queues, secrets, Redis prefix, sandbox, the local host on a port of its own),
//! the demo user logged in, and an operator of the bench's.

use std::ops::Deref;

use anyhow::Context as _;
use gpet_local::stack::LocalStack;

const DEMO_OPENID: &str = "o_demo_lina";
const BENCH_OPERATOR: &str = "bench";
const BENCH_OPERATOR_PASSWORD: &str = "bench-only-password-9";

pub struct Stack {
    inner: LocalStack,
    pub http: reqwest::Client,
    /// `gpet_h5=…`: the demo user's session, as the browser sends it.
    pub session_cookie: String,
}

impl Deref for Stack {
    type Target = LocalStack;

    fn deref(&self) -> &LocalStack {
        &self.inner
    }
}

impl Stack {
    pub async fn start() -> anyhow::Result<Stack> {
        let inner = LocalStack::spawn("bench", 16).await?;
        let http = gpet_local::stack::http_client();
        let login = inner.wechat_login(&http, DEMO_OPENID, "/", None).await.context("the demo user cannot log in")?;
        let session = login
            .cookies
            .get(gpet::sessions::COOKIE)
            .map(|value| format!("{}={value}", gpet::sessions::COOKIE))
            .context("the callback set no session cookie")?;
        let me = http.get(inner.url("/api/me")).header("cookie", &session).send().await?;
        anyhow::ensure!(me.status() == 200, "GET /api/me with the new session answered {}", me.status());
        let db = inner.ctx().db()?.client().await?;
        gpet::operators::create(&db, BENCH_OPERATOR, BENCH_OPERATOR_PASSWORD, gpet::operators::Role::Operator).await?;
        Ok(Stack { inner, http, session_cookie: session })
    }

    /// The bench's operator (made through the domain at the start) logged in through the
    /// console's route: the Bearer token.
    pub async fn operator_token(&self) -> anyhow::Result<String> {
        self.console_login(&self.http, BENCH_OPERATOR, BENCH_OPERATOR_PASSWORD)
            .await
            .context("the bench's operator cannot log in")
    }

    /// A console call as `token`, which must answer 200 and code 1200: the answer.
    pub async fn console(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let response = self.http.request(method, self.url(path)).bearer_auth(token).json(body).send().await?;
        let status = response.status();
        let answer: serde_json::Value = response.json().await?;
        anyhow::ensure!(status == 200 && answer["code"] == 1200, "{path} answered {status}: {answer}");
        Ok(answer)
    }

    pub async fn clean_up(self) {
        if std::env::var("GPET_BENCH_KEEP_DB").is_ok_and(|v| v == "1") {
            eprintln!("kept the bench's database: {}", self.inner.database());
            return;
        }
        self.inner.clean_up().await;
    }
}

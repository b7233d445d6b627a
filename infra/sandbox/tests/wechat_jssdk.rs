//! The sandbox's official-account credentials and JS-SDK stand-in over real HTTP: tokens that
//! retire their predecessors, tickets bound to live tokens, `wx.config` checked as WeChat does.

use gpet_sandbox::{Sandbox, SandboxConfig};
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE};
use serde_json::{Value, json};

const APP_ID: &str = "wx_test_app";
const SECRET: &str = "test-secret";
const PAGE: &str = "http://127.0.0.1:3000/invite?from=share";

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let sandbox = gpet_sandbox::spawn(SandboxConfig {
        app_id: APP_ID.to_owned(),
        app_secret: SECRET.to_owned(),
        gpet_base_url: Some("http://127.0.0.1:3000".to_owned()),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    Harness { sandbox, http: reqwest::Client::new() }
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    async fn get(&self, path: &str) -> Value {
        self.http.get(self.url(path)).send().await.unwrap().json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    async fn token(&self) -> Value {
        self.get(&format!("/cgi-bin/token?grant_type=client_credential&appid={APP_ID}&secret={SECRET}")).await
    }

    async fn ticket(&self, token: &str) -> Value {
        self.get(&format!("/cgi-bin/ticket/getticket?access_token={token}&type=jsapi")).await
    }

    async fn fetches(&self) -> (u64, u64) {
        let body = self.get("/sandbox/wechat/credentials").await;
        (body["token_fetches"].as_u64().unwrap(), body["ticket_fetches"].as_u64().unwrap())
    }

    async fn check(&self, ticket: &str, nonce: &str, timestamp: i64, page: &str, signature: Option<&str>) -> String {
        let signed = sha1_hex(&format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={page}"));
        let body = json!({
            "appId": APP_ID,
            "timestamp": timestamp,
            "nonceStr": nonce,
            "signature": signature.unwrap_or(&signed),
            "jsApiList": ["updateAppMessageShareData"],
            "url": page,
        });
        self.post("/sandbox/jssdk/config", body).await["errMsg"].as_str().unwrap().to_owned()
    }
}

fn sha1_hex(text: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn the_token_endpoint_checks_the_account_and_counts_what_it_issues() {
    let h = start().await;
    let wrong_secret = h.get(&format!("/cgi-bin/token?grant_type=client_credential&appid={APP_ID}&secret=nope")).await;
    assert_eq!(wrong_secret["errcode"], 40125, "{wrong_secret}");
    let wrong_app = h.get(&format!("/cgi-bin/token?grant_type=client_credential&appid=wx_other&secret={SECRET}")).await;
    assert_eq!(wrong_app["errcode"], 40013);
    let wrong_grant = h.get(&format!("/cgi-bin/token?grant_type=password&appid={APP_ID}&secret={SECRET}")).await;
    assert_eq!(wrong_grant["errcode"], 40002);
    assert_eq!(h.fetches().await, (0, 0), "refusals issue nothing");

    let token = h.token().await;
    assert_eq!(token["expires_in"], 7200);
    assert!(token["access_token"].as_str().unwrap().len() > 20);
    assert_eq!(h.fetches().await, (1, 0));

    // The daily quota: a fault answers 45009 once.
    h.post("/sandbox/wechat/faults", json!({"token": [45009]})).await;
    assert_eq!(h.token().await["errcode"], 45009);
    assert!(h.token().await["access_token"].is_string());
    assert_eq!(h.fetches().await, (2, 0));
}

#[tokio::test]
async fn a_new_token_leaves_the_previous_one_working_until_wechat_retires_it() {
    let h = start().await;
    let first = h.token().await["access_token"].as_str().unwrap().to_owned();
    let second = h.token().await["access_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // Within WeChat's 5-minute overlap both work.
    let ticket = h.ticket(&first).await;
    assert_eq!((ticket["errcode"].as_i64(), ticket["errmsg"].as_str()), (Some(0), Some("ok")), "{ticket}");
    assert_eq!(ticket["expires_in"], 7200);
    assert_eq!(h.ticket(&second).await["errcode"], 0);
    assert_eq!(h.ticket("made-up").await["errcode"], 40001);

    h.post("/sandbox/wechat/credentials/retire", json!({"how": "retire"})).await;
    assert_eq!(h.ticket(&second).await["errcode"], 40001);
    let third = h.token().await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(h.ticket(&third).await["errcode"], 0);
    h.post("/sandbox/wechat/credentials/retire", json!({"how": "expire"})).await;
    let expired = h.ticket(&third).await;
    assert_eq!((expired["errcode"].as_i64(), expired["errmsg"].as_str()), (Some(42001), Some("access_token expired")));
    assert_eq!(h.fetches().await, (3, 3));
}

#[tokio::test]
async fn wx_config_passes_only_with_the_signature_of_a_live_ticket_for_gpets_pages() {
    let h = start().await;
    let token = h.token().await["access_token"].as_str().unwrap().to_owned();
    let ticket = h.ticket(&token).await["ticket"].as_str().unwrap().to_owned();
    assert_eq!(h.check(&ticket, "n0nce", 1_700_000_000, PAGE, None).await, "config:ok");
    assert_eq!(h.check("not-a-ticket", "n0nce", 1_700_000_000, PAGE, None).await, "config:invalid signature");
    assert_eq!(
        h.check(&ticket, "n0nce", 1_700_000_000, PAGE, Some(&sha1_hex("something else"))).await,
        "config:invalid signature"
    );
    // Signed for one page, used on another.
    let other = sha1_hex(&format!("jsapi_ticket={ticket}&noncestr=n0nce&timestamp=1700000000&url={PAGE}"));
    assert_eq!(
        h.check(&ticket, "n0nce", 1_700_000_000, "http://127.0.0.1:3000/wallet", Some(&other)).await,
        "config:invalid signature"
    );
    // Not a JS安全域名 of the account.
    assert_eq!(h.check(&ticket, "n0nce", 1, "https://evil.example.com/", None).await, "config:invalid url domain");
    let configs = h.get("/sandbox/jssdk/configs").await;
    let verdicts: Vec<&str> =
        configs["configs"].as_array().unwrap().iter().map(|c| c["errMsg"].as_str().unwrap()).collect();
    assert_eq!(verdicts[0], "config:ok");
    assert_eq!(verdicts.len(), 5);
}

#[tokio::test]
async fn the_script_is_served_and_its_calls_answer_any_origin() {
    let h = start().await;
    let response = h.http.get(h.url("/sandbox/jssdk/jweixin.js")).send().await.unwrap();
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/javascript"));
    let script = response.text().await.unwrap();
    for name in ["updateAppMessageShareData", "updateTimelineShareData", "requestMerchantTransfer", "WeixinJSBridge"] {
        assert!(script.contains(name), "{name}");
    }
    // The H5 (another origin) calls the sandbox from the page.
    let preflight = h
        .http
        .request(reqwest::Method::OPTIONS, h.url("/sandbox/jssdk/share"))
        .header("Origin", "http://127.0.0.1:3000")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let shared = h
        .http
        .post(h.url("/sandbox/jssdk/share"))
        .json(&json!({"api": "updateAppMessageShareData", "title": "邀请", "link": "http://127.0.0.1:3000/s/abc"}))
        .send()
        .await
        .unwrap();
    assert_eq!(shared.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let shares = h.get("/sandbox/jssdk/shares").await;
    assert_eq!(shares["shares"][0]["link"], "http://127.0.0.1:3000/s/abc");

    // A package the sandbox never issued opens nothing.
    let unknown = h.post("/sandbox/jssdk/transfer", json!({"mchId": "x", "appId": APP_ID, "package": "nope"})).await;
    assert_eq!(unknown["err_msg"], "requestMerchantTransfer:fail");
}

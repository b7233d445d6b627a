//! WeChat's JS-SDK: the official account's access_token and jsapi_ticket shared by every
//! instance through Redis (fetched once, replaced once), and `wx.config`'s signature as the
//! sandbox's JS-SDK checks it.

use futures::future::join_all;
use gpet::config::{Needs, Uses};
use gpet::wechat_js;
use gpet::{Ctx, error::Code};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// An instance of a function that signs pages: Redis and WeChat only.
struct Signer;

impl Uses for Signer {
    const NEEDS: Needs = Needs { cache: true, wechat: true, ..Needs::NONE };
}

/// `n` instances starting at once, each with its own connections, as Lambda starts them.
async fn instances(app: &TestApp, n: usize) -> Vec<Ctx> {
    join_all((0..n).map(|_| Ctx::load::<Signer>(&app.env, app.ctx.clock.clone(), 1)))
        .await
        .into_iter()
        .map(|loaded| loaded.expect("an instance starts").0)
        .collect()
}

async fn fetches(app: &TestApp) -> (u64, u64) {
    let (status, body) = app.sandbox_call(Method::GET, "/sandbox/wechat/credentials", None).await;
    assert_eq!(status, 200, "{body}");
    (body["token_fetches"].as_u64().unwrap(), body["ticket_fetches"].as_u64().unwrap())
}

/// Every instance asks for the ticket at once: all get the same one.
async fn tickets_at_once(instances: &[Ctx]) -> String {
    let tickets: Vec<String> = join_all(instances.iter().map(wechat_js::jsapi_ticket))
        .await
        .into_iter()
        .map(|t| t.expect("a ticket"))
        .collect();
    assert!(tickets.iter().all(|t| t == &tickets[0]), "one ticket for all: {tickets:?}");
    tickets[0].clone()
}

async fn forget_ticket(app: &TestApp) {
    let cache = app.ctx.cache().unwrap();
    let key = cache.key("GPET:WECHAT:{jsapi}:JSAPI_TICKET");
    let () = redis::cmd("DEL").arg(key).query_async(&mut cache.conn()).await.unwrap();
}

#[tokio::test]
async fn fifty_instances_starting_at_once_fetch_the_token_and_the_ticket_once() {
    let app = TestApp::spawn().await;
    let fifty = instances(&app, 50).await;
    let ticket = tickets_at_once(&fifty).await;
    assert!(ticket.starts_with("sbx_tk_"), "{ticket}");
    assert_eq!(fetches(&app).await, (1, 1), "WeChat was asked once for each");

    // Later calls, from new instances too, read what Redis holds.
    let more = instances(&app, 5).await;
    assert_eq!(tickets_at_once(&more).await, ticket);
    assert_eq!(wechat_js::access_token(&more[0]).await.unwrap(), wechat_js::access_token(&fifty[7]).await.unwrap());
    assert_eq!(fetches(&app).await, (1, 1));
}

#[tokio::test]
async fn a_token_wechat_retired_is_replaced_once_for_every_instance() {
    let app = TestApp::spawn().await;
    let fifty = instances(&app, 50).await;
    let first_ticket = tickets_at_once(&fifty).await;
    let first_token = wechat_js::access_token(&fifty[0]).await.unwrap();

    // Someone else fetched a token: WeChat refuses ours (40001). The ticket must be fetched
    // again, which every instance wants at once.
    let (status, body) =
        app.sandbox_call(Method::POST, "/sandbox/wechat/credentials/retire", Some(json!({"how": "retire"}))).await;
    assert_eq!(status, 200, "{body}");
    forget_ticket(&app).await;
    let second_ticket = tickets_at_once(&fifty).await;
    assert_ne!(second_ticket, first_ticket);
    assert_eq!(fetches(&app).await, (2, 2), "one new token and one new ticket, not one per instance");
    let second_token = wechat_js::access_token(&fifty[49]).await.unwrap();
    assert_ne!(second_token, first_token);

    // Expired (42001): the same, once.
    let (status, _) =
        app.sandbox_call(Method::POST, "/sandbox/wechat/credentials/retire", Some(json!({"how": "expire"}))).await;
    assert_eq!(status, 200);
    forget_ticket(&app).await;
    tickets_at_once(&fifty).await;
    assert_eq!(fetches(&app).await, (3, 3));

    // An instance that reports a token already replaced gets the new one, fetching nothing.
    let current = wechat_js::access_token(&fifty[3]).await.unwrap();
    assert_eq!(wechat_js::replace_access_token(&fifty[4], &second_token).await.unwrap(), current);
    assert_eq!(fetches(&app).await, (3, 3));
}

#[tokio::test]
async fn wechat_refusing_every_fetch_is_a_clear_error_and_nothing_is_cached() {
    let app = TestApp::spawn().await;
    let (status, _) =
        app.sandbox_call(Method::POST, "/sandbox/wechat/faults", Some(json!({"token": [45009, 45009]}))).await;
    assert_eq!(status, 200);
    let one = instances(&app, 1).await;
    let refused = wechat_js::jsapi_ticket(&one[0]).await.unwrap_err();
    assert_eq!(refused.code(), Code::ExternalFailed);
    assert_eq!(refused.client_message(), "微信服务暂时不可用，请稍后再试");
    wechat_js::jsapi_ticket(&one[0]).await.unwrap_err();
    // The quota back: fetched now.
    assert!(wechat_js::jsapi_ticket(&one[0]).await.unwrap().starts_with("sbx_tk_"));
    assert_eq!(fetches(&app).await, (1, 1));
}

/// What the sandbox's JS-SDK says of `wx.config` with `config`'s fields on `page`.
async fn checked(app: &TestApp, config: &Value, page: &str) -> String {
    let (status, body) = app
        .sandbox_call(
            Method::POST,
            "/sandbox/jssdk/config",
            Some(json!({
                "appId": config["app_id"],
                "timestamp": config["timestamp"],
                "nonceStr": config["nonce_str"],
                "signature": config["signature"],
                "jsApiList": ["requestMerchantTransfer"],
                "url": page,
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["errMsg"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn js_config_signs_pages_of_the_site_as_the_jssdk_checks_them() {
    let app = TestApp::spawn().await;
    let owner = app.logged_in("o_demo_lina").await;
    let page = format!("{}/withdrawals/12?from=list", app.local.public_base_url.trim_end_matches('/'));
    let query =
        url::form_urlencoded::Serializer::new(String::new()).append_pair("url", &format!("{page}#top")).finish();
    let (status, body) = app.get(&format!("/api/wechat/js-config?{query}"), &owner).await;
    assert_eq!(status, 200, "{body}");
    let config = body["data"].clone();
    assert_eq!(config["app_id"], gpet_local::setup::SANDBOX_APP_ID);
    assert!(config["script_url"].as_str().unwrap().ends_with("/sandbox/jssdk/jweixin.js"), "{config}");
    assert_eq!(config["signature"].as_str().unwrap().len(), 40);
    assert_eq!(checked(&app, &config, &page).await, "config:ok");

    // A signature for another page, a changed nonce or a tampered signature: refused as WeChat does.
    assert_eq!(checked(&app, &config, &format!("{page}&x=1")).await, "config:invalid signature");
    let mut other_nonce = config.clone();
    other_nonce["nonce_str"] = json!("AAAAAAAAAAAAAAAA");
    assert_eq!(checked(&app, &other_nonce, &page).await, "config:invalid signature");
    let mut tampered = config.clone();
    let signature = config["signature"].as_str().unwrap();
    let last = if signature.ends_with('0') { '1' } else { '0' };
    tampered["signature"] = json!(format!("{}{last}", &signature[..39]));
    assert_eq!(checked(&app, &tampered, &page).await, "config:invalid signature");
    let configs = app.sandbox_call(Method::GET, "/sandbox/jssdk/configs", None).await.1;
    assert_eq!(configs["configs"].as_array().unwrap().len(), 4);

    // Only the site's own pages are signed; only for an owner.
    for other in ["https://evil.example.com/withdrawals/12", "/withdrawals/12", ""] {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("url", other).finish();
        let (status, body) = app.get(&format!("/api/wechat/js-config?{query}"), &owner).await;
        assert_eq!((status, body["code"].as_u64()), (400, Some(1403)), "{other}: {body}");
    }
    let (status, body) = app.get(&format!("/api/wechat/js-config?{query}"), &Default::default()).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(1401)), "{body}");
}

//! The WeChat OAuth2 sandbox over real HTTP, as gpet's login talks to it.

use gpet_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::Value;
use url::Url;

const APP_ID: &str = "wx_test_app";
const SECRET: &str = "test-secret";
const CALLBACK: &str = "http://gpet.test/api/auth/wechat/callback";

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let sandbox = gpet_sandbox::spawn(SandboxConfig {
        app_id: APP_ID.to_owned(),
        app_secret: SECRET.to_owned(),
        public_base_url: None,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Harness { sandbox, http }
}

impl Harness {
    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.sandbox.base_url)
    }

    fn authorize_url(&self, redirect_uri: &str, extra: &[(&str, &str)]) -> String {
        let mut url = Url::parse(&self.url("/connect/oauth2/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("appid", APP_ID)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", "snsapi_userinfo")
            .append_pair("state", "st4te")
            .extend_pairs(extra);
        format!("{url}#wechat_redirect")
    }

    /// Follows the script shortcut and answers the redirect target.
    async fn authorize_as(&self, openid: &str, extra: &[(&str, &str)]) -> Url {
        let mut pairs = vec![("sandbox_openid", openid)];
        pairs.extend_from_slice(extra);
        let response = self.http.get(self.authorize_url(CALLBACK, &pairs)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()[LOCATION].to_str().unwrap();
        Url::parse(location).unwrap()
    }

    async fn code_for(&self, openid: &str) -> String {
        let target = self.authorize_as(openid, &[]).await;
        query_value(&target, "code").expect("redirect carries a code")
    }

    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let response = self.http.get(self.url(path)).query(query).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "WeChat answers errors with 200");
        response.json().await.unwrap()
    }

    async fn exchange(&self, code: &str) -> Value {
        self.exchange_with(APP_ID, SECRET, code).await
    }

    async fn exchange_with(&self, appid: &str, secret: &str, code: &str) -> Value {
        self.get_json(
            "/sns/oauth2/access_token",
            &[("appid", appid), ("secret", secret), ("code", code), ("grant_type", "authorization_code")],
        )
        .await
    }

    async fn userinfo(&self, access_token: &str, openid: &str) -> Value {
        self.get_json("/sns/userinfo", &[("access_token", access_token), ("openid", openid), ("lang", "zh_CN")]).await
    }

    async fn get_text(&self, url: &str) -> String {
        let response = self.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    }
}

fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

fn errcode(answer: &Value) -> i64 {
    answer["errcode"].as_i64().unwrap_or_else(|| panic!("expected an error, got {answer}"))
}

#[tokio::test]
async fn code_flow_yields_the_picked_users_profile() {
    let h = start().await;
    let target = h.authorize_as("o_demo_zhangwei", &[]).await;
    assert_eq!(&target[..url::Position::AfterPath], CALLBACK, "redirects back to redirect_uri");
    assert_eq!(query_value(&target, "state").as_deref(), Some("st4te"));
    let code = query_value(&target, "code").unwrap();
    assert_eq!(code.len(), 32);
    assert!(code.chars().all(|c| c.is_ascii_alphanumeric()));

    let token = h.exchange(&code).await;
    assert_eq!(token["openid"], "o_demo_zhangwei");
    assert_eq!(token["unionid"], "u_o_demo_zhangwei");
    assert_eq!(token["scope"], "snsapi_userinfo");
    assert_eq!(token["expires_in"], 7200);
    assert!(token.get("is_snapshotuser").is_none());
    assert!(!token["refresh_token"].as_str().unwrap().is_empty());
    let access_token = token["access_token"].as_str().unwrap();

    let user = h.userinfo(access_token, "o_demo_zhangwei").await;
    assert_eq!(user["openid"], "o_demo_zhangwei");
    assert_eq!(user["nickname"], "张伟");
    assert_eq!(user["sex"], 1);
    assert_eq!(user["country"], "中国");
    assert_eq!(user["unionid"], "u_o_demo_zhangwei");
    assert_eq!(user["privilege"], serde_json::json!([]));
    let headimgurl = user["headimgurl"].as_str().unwrap();
    assert_eq!(headimgurl, format!("{}/sandbox/avatar/o_demo_zhangwei.svg", h.sandbox.base_url));
}

#[tokio::test]
async fn headimgurl_serves_an_svg_with_the_nicknames_first_character() {
    let h = start().await;
    let response = h.http.get(h.url("/sandbox/avatar/o_demo_lina.svg")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "image/svg+xml");
    let svg = response.text().await.unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains(">李</text>"), "{svg}");

    let missing = h.http.get(h.url("/sandbox/avatar/o_nobody.svg")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reused_code_answers_40163() {
    let h = start().await;
    let code = h.code_for("o_demo_lina").await;
    assert_eq!(h.exchange(&code).await["openid"], "o_demo_lina");
    let again = h.exchange(&code).await;
    assert_eq!(errcode(&again), 40163);
    assert!(again["errmsg"].as_str().unwrap().starts_with("code been used"));
}

#[tokio::test]
async fn an_unknown_code_answers_40029() {
    let h = start().await;
    let answer = h.exchange("0123456789abcdefghijklmnopqrstuv").await;
    assert_eq!(errcode(&answer), 40029);
    assert!(answer["errmsg"].as_str().unwrap().starts_with("invalid code"));
}

#[tokio::test]
async fn a_wrong_secret_answers_40125_and_leaves_the_code_usable() {
    let h = start().await;
    let code = h.code_for("o_demo_wangfang").await;
    assert_eq!(errcode(&h.exchange_with(APP_ID, "not-the-secret", &code).await), 40125);
    assert_eq!(h.exchange(&code).await["openid"], "o_demo_wangfang");
}

#[tokio::test]
async fn a_wrong_appid_on_access_token_answers_40013() {
    let h = start().await;
    let code = h.code_for("o_demo_wangfang").await;
    assert_eq!(errcode(&h.exchange_with("wx_other", SECRET, &code).await), 40013);
}

#[tokio::test]
async fn missing_parameters_and_a_wrong_grant_type_get_wechats_codes() {
    let h = start().await;
    let cases: [(&[(&str, &str)], i64); 4] = [
        (&[("secret", SECRET), ("code", "x"), ("grant_type", "authorization_code")], 41002),
        (&[("appid", APP_ID), ("code", "x"), ("grant_type", "authorization_code")], 41004),
        (&[("appid", APP_ID), ("secret", SECRET), ("grant_type", "authorization_code")], 41008),
        (&[("appid", APP_ID), ("secret", SECRET), ("code", "x"), ("grant_type", "client_credential")], 40002),
    ];
    for (query, expected) in cases {
        let answer = h.get_json("/sns/oauth2/access_token", query).await;
        assert_eq!(errcode(&answer), expected, "{query:?}");
    }
}

#[tokio::test]
async fn a_snapshot_authorization_is_flagged_and_cannot_read_userinfo() {
    let h = start().await;
    let target = h.authorize_as("o_demo_liuyang", &[("sandbox_snapshot", "1")]).await;
    let code = query_value(&target, "code").unwrap();
    let token = h.exchange(&code).await;
    assert_eq!(token["is_snapshotuser"], 1);
    assert_eq!(token["scope"], "snsapi_base");
    assert_eq!(token["openid"], "o_demo_liuyang");

    let user = h.userinfo(token["access_token"].as_str().unwrap(), "o_demo_liuyang").await;
    assert_eq!(errcode(&user), 48001);
}

#[tokio::test]
async fn the_snapshot_demo_user_is_always_a_snapshot() {
    let h = start().await;
    let code = h.code_for("o_demo_snapshot").await;
    let token = h.exchange(&code).await;
    assert_eq!(token["is_snapshotuser"], 1);
    let user = h.userinfo(token["access_token"].as_str().unwrap(), "o_demo_snapshot").await;
    assert_eq!(errcode(&user), 48001);
}

#[tokio::test]
async fn userinfo_rejects_unknown_tokens_and_foreign_openids() {
    let h = start().await;
    assert_eq!(errcode(&h.userinfo("no-such-token", "o_demo_lina").await), 40001);
    let code = h.code_for("o_demo_lina").await;
    let token = h.exchange(&code).await;
    let access_token = token["access_token"].as_str().unwrap();
    assert_eq!(errcode(&h.userinfo(access_token, "o_demo_zhaolei").await), 40003);
}

#[tokio::test]
async fn an_unseen_sandbox_openid_becomes_a_new_demo_user() {
    let h = start().await;
    let code = h.code_for("o_script_user_9f3k").await;
    let token = h.exchange(&code).await;
    let user = h.userinfo(token["access_token"].as_str().unwrap(), "o_script_user_9f3k").await;
    assert_eq!(user["nickname"], "用户9f3k");
    assert_eq!(user["unionid"], "u_o_script_user_9f3k");

    let users = h.get_json("/sandbox/wechat/users", &[]).await;
    let openids: Vec<&str> = users.as_array().unwrap().iter().map(|user| user["openid"].as_str().unwrap()).collect();
    assert!(openids.contains(&"o_script_user_9f3k"), "{openids:?}");
}

#[tokio::test]
async fn the_authorize_page_lists_every_demo_user_with_its_openid() {
    let h = start().await;
    let page = h.get_text(&h.authorize_url(CALLBACK, &[])).await;
    assert!(page.contains("gpet 群宠"));
    assert!(page.contains("申请获得你的公开信息（昵称、头像）"));
    for openid in gpet_sandbox::wechat_oauth::DEMO_OPENIDS {
        assert!(page.contains(&format!(r#"data-openid="{openid}""#)), "{openid} missing");
    }
    assert!(page.contains(r#"data-openid="o_demo_snapshot""#));
    for nickname in ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨光", "赵磊", "黄敏"] {
        assert!(page.contains(nickname), "{nickname} missing");
    }
}

#[tokio::test]
async fn picking_a_user_on_the_page_redirects_with_a_code_for_that_user() {
    let h = start().await;
    let page = h.get_text(&h.authorize_url(CALLBACK, &[])).await;
    let href = link_after(&page, r#"data-openid="o_demo_huangmin" href=""#);
    let response = h.http.get(h.url(&href)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let target = Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(query_value(&target, "state").as_deref(), Some("st4te"));
    let token = h.exchange(&query_value(&target, "code").unwrap()).await;
    assert_eq!(token["openid"], "o_demo_huangmin");
}

#[tokio::test]
async fn the_refuse_link_returns_the_state_without_a_code() {
    let h = start().await;
    let page = h.get_text(&h.authorize_url(CALLBACK, &[])).await;
    let href = link_after(&page, r#"class="refuse" href=""#);
    assert!(page.contains("拒绝"));
    let target = Url::parse(&href).unwrap();
    assert_eq!(&target[..url::Position::AfterPath], CALLBACK);
    assert_eq!(query_value(&target, "state").as_deref(), Some("st4te"));
    assert_eq!(query_value(&target, "code"), None);
}

#[tokio::test]
async fn a_redirect_uri_with_a_query_keeps_it_and_appends_code_and_state() {
    let h = start().await;
    let redirect_uri = "http://gpet.test/api/auth/wechat/callback?next=%2Fh5%2Fme&invite=AB12";
    let response =
        h.http.get(h.authorize_url(redirect_uri, &[("sandbox_openid", "o_demo_yangguang")])).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with(&format!("{redirect_uri}&code=")), "{location}");
    assert!(location.ends_with("&state=st4te"), "{location}");
    let target = Url::parse(location).unwrap();
    assert_eq!(query_value(&target, "next").as_deref(), Some("/h5/me"));
    assert_eq!(query_value(&target, "invite").as_deref(), Some("AB12"));
}

#[tokio::test]
async fn a_bad_authorize_request_shows_wechats_error_page() {
    let h = start().await;
    let wrong_appid = h
        .get_text(&h.url(
            "/connect/oauth2/authorize?appid=wx_unknown&redirect_uri=http%3A%2F%2Fgpet.test%2F&response_type=code&scope=snsapi_userinfo&state=s",
        ))
        .await;
    assert!(wrong_appid.contains("10016"), "{wrong_appid}");
    assert!(wrong_appid.contains("appid参数错误"));

    let no_redirect =
        h.get_text(&h.url(&format!(
            "/connect/oauth2/authorize?appid={APP_ID}&response_type=code&scope=snsapi_userinfo&state=s"
        )))
        .await;
    assert!(no_redirect.contains("10003"), "{no_redirect}");
    assert!(no_redirect.contains("redirect_uri域名与后台配置不一致"));
}

#[tokio::test]
async fn added_users_can_log_in_with_their_nickname() {
    let h = start().await;
    let response = h
        .http
        .post(h.url("/sandbox/wechat/users"))
        .json(&serde_json::json!({"openid": "o_added_1", "nickname": "小明"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["openid"], "o_added_1");

    let duplicate = h
        .http
        .post(h.url("/sandbox/wechat/users"))
        .json(&serde_json::json!({"openid": "o_added_1", "nickname": "又一个"}))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);

    let token = h.exchange(&h.code_for("o_added_1").await).await;
    let user = h.userinfo(token["access_token"].as_str().unwrap(), "o_added_1").await;
    assert_eq!(user["nickname"], "小明");
}

#[tokio::test]
async fn the_sandbox_stops_serving_after_shutdown() {
    let h = start().await;
    let base_url = h.sandbox.base_url.clone();
    assert!(h.get_text(&format!("{base_url}/")).await.contains("gpet sandbox"));
    h.sandbox.shutdown().await.unwrap();
    let fresh = reqwest::Client::new();
    assert!(fresh.get(format!("{base_url}/")).send().await.is_err());
}

/// The (HTML-unescaped) attribute value that follows `marker` in `page`.
fn link_after(page: &str, marker: &str) -> String {
    let start = page.find(marker).unwrap_or_else(|| panic!("{marker} not in page")) + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].replace("&amp;", "&")
}

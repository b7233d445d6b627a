//! WeChat's official-account (公众号) API: OAuth2 web authorization (网页授权, snsapi_userinfo),
//! and the credentials of the JS-SDK — the account's `access_token` (client_credential) and the
//! `jsapi_ticket` — which [`crate::wechat_js`] shares between instances.

use secrecy::ExposeSecret;
use serde::Deserialize;
use url::Url;

use crate::config::WechatConfig;

pub struct WechatOauth {
    http: reqwest::Client,
    config: WechatConfig,
}

/// What WeChat answered instead of what we asked: its errcode decides what the user is told.
#[derive(Debug, thiserror::Error)]
pub enum WechatError {
    #[error("WeChat refused: errcode {errcode} ({errmsg})")]
    Refused { errcode: i64, errmsg: String },
    #[error("WeChat could not be reached or answered nonsense")]
    Unreachable(#[source] anyhow::Error),
}

/// errcodes of a code that cannot be exchanged (any more).
pub const INVALID_CODE: i64 = 40029;
pub const CODE_BEEN_USED: i64 = 40163;
/// errcodes of an access_token WeChat no longer takes: retired by a newer one, or expired.
pub const INVALID_CREDENTIAL: i64 = 40001;
pub const TOKEN_EXPIRED: i64 = 42001;

impl WechatError {
    /// WeChat refused the access_token the call carried: it must be replaced.
    pub fn token_rejected(&self) -> bool {
        matches!(self, WechatError::Refused { errcode: INVALID_CREDENTIAL | TOKEN_EXPIRED, .. })
    }
}

/// A credential WeChat issued (access_token or jsapi_ticket) and how long it lives.
#[derive(Debug, Clone)]
pub struct Issued {
    pub value: String,
    pub expires_in: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: i64,
}

#[derive(Deserialize)]
struct TicketAnswer {
    ticket: String,
    expires_in: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccessToken {
    pub access_token: String,
    pub openid: String,
    #[serde(default)]
    pub unionid: Option<String>,
    #[serde(default)]
    pub scope: String,
    /// 1 for a snapshot (virtual) user, who authorized from a page snapshot.
    #[serde(default)]
    pub is_snapshotuser: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserInfo {
    pub openid: String,
    #[serde(default)]
    pub nickname: String,
    #[serde(default)]
    pub sex: i16,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub headimgurl: String,
    #[serde(default)]
    pub unionid: Option<String>,
}

/// An answer is a refusal when it carries a non-zero errcode (getticket's success carries
/// `errcode: 0`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Answer<T> {
    Refused {
        #[serde(deserialize_with = "non_zero")]
        errcode: i64,
        #[serde(default)]
        errmsg: String,
    },
    Ok(T),
}

fn non_zero<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let errcode = i64::deserialize(deserializer)?;
    if errcode == 0 { Err(serde::de::Error::custom("errcode 0 is a success")) } else { Ok(errcode) }
}

impl WechatOauth {
    pub fn new(http: reqwest::Client, config: WechatConfig) -> Self {
        Self { http, config }
    }

    /// Where the browser goes to authorize; WeChat sends it back to `redirect_uri` with
    /// `code` and `state`.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> Url {
        let mut url = self.config.oauth_base.join("connect/oauth2/authorize").expect("a base URL joins a path");
        url.query_pairs_mut()
            .append_pair("appid", &self.config.app_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", "snsapi_userinfo")
            .append_pair("state", state);
        url.set_fragment(Some("wechat_redirect"));
        url
    }

    pub async fn exchange_code(&self, code: &str) -> Result<AccessToken, WechatError> {
        let url = self.config.api_base.join("sns/oauth2/access_token").expect("a base URL joins a path");
        let query = [
            ("appid", self.config.app_id.as_str()),
            ("secret", self.config.app_secret.expose_secret()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ];
        self.get(url, &query).await
    }

    pub async fn user_info(&self, token: &AccessToken) -> Result<UserInfo, WechatError> {
        let url = self.config.api_base.join("sns/userinfo").expect("a base URL joins a path");
        let query =
            [("access_token", token.access_token.as_str()), ("openid", token.openid.as_str()), ("lang", "zh_CN")];
        self.get(url, &query).await
    }

    /// A new access_token of the official account (`cgi-bin/token`, client_credential). Each
    /// call retires the previous token within minutes: only [`crate::wechat_js`] calls it.
    pub async fn fetch_access_token(&self) -> Result<Issued, WechatError> {
        let url = self.config.api_base.join("cgi-bin/token").expect("a base URL joins a path");
        let query = [
            ("grant_type", "client_credential"),
            ("appid", self.config.app_id.as_str()),
            ("secret", self.config.app_secret.expose_secret()),
        ];
        let answer: TokenAnswer = self.get(url, &query).await?;
        Ok(Issued { value: answer.access_token, expires_in: answer.expires_in })
    }

    /// A jsapi_ticket (`cgi-bin/ticket/getticket`, type jsapi), fetched with `access_token`.
    pub async fn fetch_jsapi_ticket(&self, access_token: &str) -> Result<Issued, WechatError> {
        let url = self.config.api_base.join("cgi-bin/ticket/getticket").expect("a base URL joins a path");
        let answer: TicketAnswer = self.get(url, &[("access_token", access_token), ("type", "jsapi")]).await?;
        Ok(Issued { value: answer.ticket, expires_in: answer.expires_in })
    }

    pub fn app_id(&self) -> &str {
        &self.config.app_id
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, url: Url, query: &[(&str, &str)]) -> Result<T, WechatError> {
        let unreachable = |e: reqwest::Error| WechatError::Unreachable(anyhow::Error::new(e.without_url()));
        let response = self.http.get(url).query(query).send().await.map_err(unreachable)?;
        // WeChat answers refusals with HTTP 200 and an errcode; a non-2xx is an outage.
        let response = response.error_for_status().map_err(unreachable)?;
        match response.json::<Answer<T>>().await.map_err(unreachable)? {
            Answer::Ok(value) => Ok(value),
            Answer::Refused { errcode, errmsg } => Err(WechatError::Refused { errcode, errmsg }),
        }
    }
}

//! WeChat official-account web authorization (公众号网页授权), as `open.weixin.qq.com` and
//! `api.weixin.qq.com` answer it: the authorize page, the code exchange, token refresh and
//! userinfo, with WeChat's own field names and error codes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::SandboxState;
use crate::html;

/// The seeded demo users, in the order the authorize page lists them.
pub const DEMO_OPENIDS: [&str; 8] = [
    "o_demo_zhangwei",
    "o_demo_lina",
    "o_demo_wangfang",
    "o_demo_liuyang",
    "o_demo_chenjing",
    "o_demo_yangguang",
    "o_demo_zhaolei",
    "o_demo_huangmin",
];

/// The seeded user WeChat always answers as a snapshot (virtual) user.
pub const SNAPSHOT_OPENID: &str = "o_demo_snapshot";

/// The name the authorize page shows for the official account.
pub const APP_NAME: &str = "gpet 群宠";

const CODE_TTL: Duration = Duration::from_secs(5 * 60);
const ACCESS_TOKEN_TTL_SECS: u64 = 7200;
const REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// Expired tokens are kept this long so they answer "expired" rather than "invalid".
const EXPIRED_TOKEN_MEMORY: Duration = Duration::from_secs(24 * 3600);

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/connect/oauth2/authorize", get(authorize))
        .route("/sns/oauth2/access_token", get(access_token))
        .route("/sns/oauth2/refresh_token", get(refresh_token))
        .route("/sns/userinfo", get(userinfo))
        .route("/sns/auth", get(check_token))
        .route("/sandbox/wechat/users", get(list_users).post(add_user))
        .route("/sandbox/wechat/echo", get(echo))
        // The router matches whole segments only, so the `.svg` suffix is checked by hand.
        .route("/sandbox/avatar/{file}", get(avatar))
}

#[derive(Debug, Clone)]
struct DemoUser {
    openid: String,
    unionid: Option<String>,
    nickname: String,
    sex: u8,
    province: String,
    city: String,
    country: String,
    snapshot: bool,
}

impl DemoUser {
    fn new(openid: &str, nickname: &str, sex: u8, province: &str, city: &str) -> Self {
        Self {
            openid: openid.to_owned(),
            unionid: Some(format!("u_{openid}")),
            nickname: nickname.to_owned(),
            sex,
            province: province.to_owned(),
            city: city.to_owned(),
            country: "中国".to_owned(),
            snapshot: false,
        }
    }

    /// The user an unseen `sandbox_openid` becomes.
    fn generated(openid: &str) -> Self {
        let tail: String = {
            let mut tail: Vec<char> = openid.chars().rev().take(4).collect();
            tail.reverse();
            tail.into_iter().collect()
        };
        Self::new(openid, &format!("用户{tail}"), 0, "广东", "深圳")
    }
}

fn seed_users() -> Vec<DemoUser> {
    let people = [
        ("张伟", 1, "北京", "朝阳"),
        ("李娜", 2, "湖北", "武汉"),
        ("王芳", 2, "浙江", "杭州"),
        ("刘洋", 1, "广东", "深圳"),
        ("陈静", 2, "四川", "成都"),
        ("杨光", 1, "江苏", "南京"),
        ("赵磊", 1, "山东", "青岛"),
        ("黄敏", 2, "上海", "浦东新区"),
    ];
    let mut users: Vec<DemoUser> = DEMO_OPENIDS
        .iter()
        .zip(people)
        .map(|(openid, (nickname, sex, province, city))| DemoUser::new(openid, nickname, sex, province, city))
        .collect();
    users.push(DemoUser {
        openid: SNAPSHOT_OPENID.to_owned(),
        unionid: None,
        nickname: "快照用户".to_owned(),
        sex: 0,
        province: String::new(),
        city: String::new(),
        country: String::new(),
        snapshot: true,
    });
    users
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Base,
    UserInfo,
}

impl Scope {
    fn parse(scope: &str) -> Option<Self> {
        match scope {
            "snsapi_base" => Some(Self::Base),
            "snsapi_userinfo" => Some(Self::UserInfo),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Base => "snsapi_base",
            Self::UserInfo => "snsapi_userinfo",
        }
    }
}

#[derive(Debug, Clone)]
struct Grant {
    openid: String,
    scope: Scope,
    snapshot: bool,
}

struct CodeEntry {
    grant: Grant,
    expires_at: Instant,
    used: bool,
}

struct TokenEntry {
    openid: String,
    scope: Scope,
    expires_at: Instant,
}

struct RefreshEntry {
    grant: Grant,
    expires_at: Instant,
}

/// A WeChat error answer: `{"errcode", "errmsg"}` with HTTP 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WxError {
    errcode: i32,
    errmsg: &'static str,
}

const fn wx_error(errcode: i32, errmsg: &'static str) -> WxError {
    WxError { errcode, errmsg }
}

const INVALID_CREDENTIAL: WxError = wx_error(40001, "invalid credential, access_token is invalid or not latest");
const INVALID_GRANT_TYPE: WxError = wx_error(40002, "invalid grant_type");
const INVALID_OPENID: WxError = wx_error(40003, "invalid openid");
const INVALID_APPID: WxError = wx_error(40013, "invalid appid");
const INVALID_CODE: WxError = wx_error(40029, "invalid code");
const INVALID_REFRESH_TOKEN: WxError = wx_error(40030, "invalid refresh_token");
const INVALID_APPSECRET: WxError = wx_error(40125, "invalid appsecret");
const CODE_BEEN_USED: WxError = wx_error(40163, "code been used");
const ACCESS_TOKEN_MISSING: WxError = wx_error(41001, "access_token missing");
const APPID_MISSING: WxError = wx_error(41002, "appid missing");
const REFRESH_TOKEN_MISSING: WxError = wx_error(41003, "refresh_token missing");
const APPSECRET_MISSING: WxError = wx_error(41004, "appsecret missing");
const MISSING_CODE: WxError = wx_error(41008, "missing code");
const MISSING_OPENID: WxError = wx_error(41009, "missing openid");
const ACCESS_TOKEN_EXPIRED: WxError = wx_error(42001, "access_token expired");
const REFRESH_TOKEN_EXPIRED: WxError = wx_error(42002, "refresh_token expired");
const API_UNAUTHORIZED: WxError = wx_error(48001, "api unauthorized");

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        // WeChat appends a request id to every errmsg, so clients must match on errcode.
        let rid = format!(
            "{:08x}-{:08x}-{:08x}",
            rand::rng().random::<u32>(),
            rand::rng().random::<u32>(),
            rand::rng().random::<u32>()
        );
        wx_json(&serde_json::json!({
            "errcode": self.errcode,
            "errmsg": format!("{}, rid: {rid}", self.errmsg),
        }))
    }
}

/// `api.weixin.qq.com` labels its JSON with a non-standard `encoding` parameter.
fn wx_json<T: Serialize>(body: &T) -> Response {
    let body = serde_json::to_string(body).expect("WeChat answers serialise");
    ([(header::CONTENT_TYPE, "application/json; encoding=utf-8")], body).into_response()
}

#[derive(Debug, Serialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
    refresh_token: String,
    openid: String,
    scope: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_snapshotuser: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<String>,
}

/// The in-memory side of WeChat: users, codes and tokens; expired entries are pruned lazily.
pub(crate) struct WechatState {
    users: Vec<DemoUser>,
    codes: HashMap<String, CodeEntry>,
    tokens: HashMap<String, TokenEntry>,
    refresh_tokens: HashMap<String, RefreshEntry>,
}

impl WechatState {
    pub(crate) fn seeded() -> Self {
        Self { users: seed_users(), codes: HashMap::new(), tokens: HashMap::new(), refresh_tokens: HashMap::new() }
    }

    fn user(&self, openid: &str) -> Option<&DemoUser> {
        self.users.iter().find(|user| user.openid == openid)
    }

    fn user_or_generated(&mut self, openid: &str) -> &DemoUser {
        match self.users.iter().position(|user| user.openid == openid) {
            Some(index) => &self.users[index],
            None => {
                self.users.push(DemoUser::generated(openid));
                self.users.last().expect("just pushed")
            }
        }
    }

    fn prune(&mut self, now: Instant) {
        self.codes.retain(|_, code| code.expires_at > now);
        self.tokens.retain(|_, token| token.expires_at + EXPIRED_TOKEN_MEMORY > now);
        self.refresh_tokens.retain(|_, token| token.expires_at + EXPIRED_TOKEN_MEMORY > now);
    }

    /// What the user's consent yields: a code bound to openid and scope. A snapshot user only
    /// ever gets `snsapi_base`, whatever was asked.
    fn issue_code(&mut self, openid: &str, scope: Scope, snapshot: bool, now: Instant) -> String {
        self.prune(now);
        let snapshot = snapshot || self.user(openid).is_some_and(|user| user.snapshot);
        let scope = if snapshot { Scope::Base } else { scope };
        let code = random_string(32);
        self.codes.insert(
            code.clone(),
            CodeEntry {
                grant: Grant { openid: openid.to_owned(), scope, snapshot },
                expires_at: now + CODE_TTL,
                used: false,
            },
        );
        code
    }

    fn exchange_code(&mut self, code: &str, now: Instant) -> Result<TokenAnswer, WxError> {
        self.prune(now);
        let entry = self.codes.get_mut(code).ok_or(INVALID_CODE)?;
        if entry.used {
            return Err(CODE_BEEN_USED);
        }
        entry.used = true;
        let grant = entry.grant.clone();
        let refresh_token = random_string(86);
        self.refresh_tokens
            .insert(refresh_token.clone(), RefreshEntry { grant: grant.clone(), expires_at: now + REFRESH_TOKEN_TTL });
        let unionid =
            if grant.snapshot { None } else { self.user(&grant.openid).and_then(|user| user.unionid.clone()) };
        Ok(self.answer_tokens(&grant, refresh_token, unionid, now))
    }

    fn refresh(&mut self, refresh_token: &str, now: Instant) -> Result<TokenAnswer, WxError> {
        self.prune(now);
        let entry = self.refresh_tokens.get(refresh_token).ok_or(INVALID_REFRESH_TOKEN)?;
        if entry.expires_at <= now {
            return Err(REFRESH_TOKEN_EXPIRED);
        }
        let grant = entry.grant.clone();
        Ok(self.answer_tokens(&grant, refresh_token.to_owned(), None, now))
    }

    fn answer_tokens(
        &mut self,
        grant: &Grant,
        refresh_token: String,
        unionid: Option<String>,
        now: Instant,
    ) -> TokenAnswer {
        let access_token = random_string(86);
        self.tokens.insert(
            access_token.clone(),
            TokenEntry {
                openid: grant.openid.clone(),
                scope: grant.scope,
                expires_at: now + Duration::from_secs(ACCESS_TOKEN_TTL_SECS),
            },
        );
        TokenAnswer {
            access_token,
            expires_in: ACCESS_TOKEN_TTL_SECS,
            refresh_token,
            openid: grant.openid.clone(),
            scope: grant.scope.as_str(),
            is_snapshotuser: grant.snapshot.then_some(1),
            unionid,
        }
    }

    fn check_token(&mut self, access_token: &str, openid: &str, now: Instant) -> Result<Scope, WxError> {
        self.prune(now);
        let token = self.tokens.get(access_token).ok_or(INVALID_CREDENTIAL)?;
        if token.expires_at <= now {
            return Err(ACCESS_TOKEN_EXPIRED);
        }
        if token.openid != openid {
            return Err(INVALID_OPENID);
        }
        Ok(token.scope)
    }

    fn userinfo(&mut self, access_token: &str, openid: &str, now: Instant) -> Result<&DemoUser, WxError> {
        if self.check_token(access_token, openid, now)? != Scope::UserInfo {
            return Err(API_UNAUTHORIZED);
        }
        self.user(openid).ok_or(INVALID_OPENID)
    }
}

fn random_string(len: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(len).map(char::from).collect()
}

/// Openids end up in URL paths and pages; WeChat's own are `[A-Za-z0-9_-]{28}`.
fn valid_openid(openid: &str) -> bool {
    !openid.is_empty()
        && openid.len() <= 64
        && openid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn avatar_url(base_url: &str, openid: &str) -> String {
    format!("{base_url}/sandbox/avatar/{openid}.svg")
}

/// `redirect_uri` with `pairs` appended to its query (after `&` if it already has one).
fn redirect_with(redirect_uri: &Url, pairs: &[(&str, &str)]) -> String {
    let mut target = redirect_uri.clone();
    target.query_pairs_mut().extend_pairs(pairs);
    target.into()
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

// ---------------------------------------------------------------------------------------------
// open.weixin.qq.com: the authorize page

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    appid: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    sandbox_openid: Option<String>,
    sandbox_snapshot: Option<String>,
}

/// WeChat answers a bad authorize request with an HTTP 200 page, not a redirect.
fn error_page(errcode: i32, errmsg: &str) -> Response {
    let body = format!(
        r#"<div class="oops" data-errcode="{errcode}">
<h2>Oops! Something went wrong:(</h2>
<p>错误码：{errcode}</p>
<p>{errmsg}</p>
</div>"#,
        errmsg = html::escape(errmsg),
    );
    Html(html::page("微信网页授权", ".oops { text-align: center; margin-top: 80px; color: #353535; }", &body))
        .into_response()
}

async fn authorize(State(state): State<SandboxState>, Query(query): Query<AuthorizeQuery>) -> Response {
    if query.appid.as_deref() != Some(state.config().app_id.as_str()) {
        return error_page(10016, "appid参数错误");
    }
    let Some(redirect_uri) = query
        .redirect_uri
        .as_deref()
        .and_then(|uri| Url::parse(uri).ok())
        .filter(|uri| matches!(uri.scheme(), "http" | "https"))
    else {
        return error_page(10003, "redirect_uri域名与后台配置不一致");
    };
    let Some(scope) = query.scope.as_deref().and_then(Scope::parse) else {
        return error_page(10005, "此公众号并没有这些scope的权限");
    };
    let wx_state = query.state.as_deref().unwrap_or("");
    let snapshot = query.sandbox_snapshot.as_deref() == Some("1");

    if let Some(openid) = query.sandbox_openid.as_deref() {
        if !valid_openid(openid) {
            return error_page(10003, "sandbox_openid 只能由字母、数字、_ 和 - 组成（至多 64 个字符）");
        }
        let code = {
            let mut wechat = state.wechat();
            wechat.user_or_generated(openid);
            wechat.issue_code(openid, scope, snapshot, Instant::now())
        };
        return found(&redirect_with(&redirect_uri, &[("code", &code), ("state", wx_state)]));
    }

    let users = state.wechat().users.clone();
    Html(consent_page(&state, &query, scope, &redirect_uri, wx_state, &users)).into_response()
}

fn consent_page(
    state: &SandboxState,
    query: &AuthorizeQuery,
    scope: Scope,
    redirect_uri: &Url,
    wx_state: &str,
    users: &[DemoUser],
) -> String {
    let pick_link = |openid: &str| {
        let mut link = url::form_urlencoded::Serializer::new(String::new());
        link.append_pair("appid", &state.config().app_id)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("response_type", "code")
            .append_pair("scope", scope.as_str())
            .append_pair("state", wx_state)
            .append_pair("sandbox_openid", openid);
        if let Some(snapshot) = query.sandbox_snapshot.as_deref() {
            link.append_pair("sandbox_snapshot", snapshot);
        }
        format!("/connect/oauth2/authorize?{}", link.finish())
    };
    let rows: String = users
        .iter()
        .map(|user| {
            let tag = if user.snapshot {
                r#"<span class="tag">快照</span>"#
            } else {
                ""
            };
            format!(
                r#"<a class="user" data-openid="{openid}" href="{href}"><img src="/sandbox/avatar/{openid}.svg" alt=""><span class="nick">{nickname}</span>{tag}</a>
"#,
                openid = html::escape(&user.openid),
                href = html::escape(&pick_link(&user.openid)),
                nickname = html::escape(&user.nickname),
            )
        })
        .collect();
    let refuse = redirect_with(redirect_uri, &[("state", wx_state)]);
    let asks = match scope {
        Scope::UserInfo => "申请获得你的公开信息（昵称、头像）",
        Scope::Base => "申请获取你的身份标识（静默授权）",
    };
    let body = format!(
        r#"<div class="app">
<div class="logo">宠</div>
<div class="name">{app_name}</div>
<p class="asks">{asks}</p>
</div>
<p class="hint">选择一个微信用户（沙箱）</p>
<div class="users">
{rows}</div>
<a class="refuse" href="{refuse}">拒绝</a>"#,
        app_name = html::escape(APP_NAME),
        refuse = html::escape(&refuse),
    );
    html::page("微信授权", CONSENT_STYLE, &body)
}

const CONSENT_STYLE: &str = r#"
.app { text-align: center; padding: 24px 0 16px; border-bottom: 1px solid #eee; }
.logo { width: 56px; height: 56px; line-height: 56px; margin: 0 auto 8px; border-radius: 12px; background: #07c160; color: #fff; font-size: 28px; }
.name { font-size: 17px; font-weight: 600; }
.asks { color: #353535; font-size: 15px; }
.hint { color: #888; font-size: 13px; }
.users { display: flex; flex-direction: column; gap: 8px; }
.user { display: flex; align-items: center; gap: 12px; padding: 10px 12px; border: 1px solid #e5e5e5; border-radius: 8px; color: #191919; text-decoration: none; }
.user img { width: 40px; height: 40px; border-radius: 4px; }
.nick { flex: 1; font-size: 16px; }
.tag { font-size: 12px; color: #fa9d3b; border: 1px solid #fa9d3b; border-radius: 3px; padding: 0 4px; }
.refuse { display: block; margin: 24px auto; width: 184px; padding: 10px 0; text-align: center; border-radius: 4px; background: #f2f2f2; color: #07c160; text-decoration: none; font-weight: 600; }
"#;

// ---------------------------------------------------------------------------------------------
// api.weixin.qq.com

#[derive(Debug, Deserialize)]
struct AccessTokenQuery {
    appid: Option<String>,
    secret: Option<String>,
    code: Option<String>,
    grant_type: Option<String>,
}

async fn access_token(State(state): State<SandboxState>, Query(query): Query<AccessTokenQuery>) -> Response {
    let exchange = || -> Result<TokenAnswer, WxError> {
        let appid = present(&query.appid).ok_or(APPID_MISSING)?;
        let secret = present(&query.secret).ok_or(APPSECRET_MISSING)?;
        let code = present(&query.code).ok_or(MISSING_CODE)?;
        if query.grant_type.as_deref() != Some("authorization_code") {
            return Err(INVALID_GRANT_TYPE);
        }
        if appid != state.config().app_id {
            return Err(INVALID_APPID);
        }
        if secret != state.config().app_secret {
            return Err(INVALID_APPSECRET);
        }
        state.wechat().exchange_code(code, Instant::now())
    };
    match exchange() {
        Ok(answer) => wx_json(&answer),
        Err(error) => error.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct RefreshQuery {
    appid: Option<String>,
    grant_type: Option<String>,
    refresh_token: Option<String>,
}

async fn refresh_token(State(state): State<SandboxState>, Query(query): Query<RefreshQuery>) -> Response {
    let refresh = || -> Result<TokenAnswer, WxError> {
        let appid = present(&query.appid).ok_or(APPID_MISSING)?;
        if query.grant_type.as_deref() != Some("refresh_token") {
            return Err(INVALID_GRANT_TYPE);
        }
        if appid != state.config().app_id {
            return Err(INVALID_APPID);
        }
        let refresh_token = present(&query.refresh_token).ok_or(REFRESH_TOKEN_MISSING)?;
        state.wechat().refresh(refresh_token, Instant::now())
    };
    match refresh() {
        Ok(answer) => wx_json(&answer),
        Err(error) => error.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    access_token: Option<String>,
    openid: Option<String>,
}

#[derive(Debug, Serialize)]
struct UserInfoAnswer {
    openid: String,
    nickname: String,
    sex: u8,
    province: String,
    city: String,
    country: String,
    headimgurl: String,
    privilege: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<String>,
}

async fn userinfo(State(state): State<SandboxState>, Query(query): Query<TokenQuery>) -> Response {
    let lookup = || -> Result<UserInfoAnswer, WxError> {
        let access_token = present(&query.access_token).ok_or(ACCESS_TOKEN_MISSING)?;
        let openid = present(&query.openid).ok_or(MISSING_OPENID)?;
        let mut wechat = state.wechat();
        let user = wechat.userinfo(access_token, openid, Instant::now())?;
        Ok(UserInfoAnswer {
            openid: user.openid.clone(),
            nickname: user.nickname.clone(),
            sex: user.sex,
            province: user.province.clone(),
            city: user.city.clone(),
            country: user.country.clone(),
            headimgurl: avatar_url(state.base_url(), &user.openid),
            privilege: Vec::new(),
            unionid: user.unionid.clone(),
        })
    };
    match lookup() {
        Ok(answer) => wx_json(&answer),
        Err(error) => error.into_response(),
    }
}

async fn check_token(State(state): State<SandboxState>, Query(query): Query<TokenQuery>) -> Response {
    let check = || -> Result<(), WxError> {
        let access_token = present(&query.access_token).ok_or(ACCESS_TOKEN_MISSING)?;
        let openid = present(&query.openid).ok_or(MISSING_OPENID)?;
        state.wechat().check_token(access_token, openid, Instant::now()).map(drop)
    };
    match check() {
        Ok(()) => wx_json(&serde_json::json!({"errcode": 0, "errmsg": "ok"})),
        Err(error) => error.into_response(),
    }
}

/// WeChat treats an empty parameter as a missing one.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.is_empty())
}

// ---------------------------------------------------------------------------------------------
// The sandbox's own routes

#[derive(Debug, Serialize)]
struct UserView {
    openid: String,
    unionid: Option<String>,
    nickname: String,
    sex: u8,
    province: String,
    city: String,
    country: String,
    headimgurl: String,
    snapshot: bool,
}

fn user_view(base_url: &str, user: &DemoUser) -> UserView {
    UserView {
        openid: user.openid.clone(),
        unionid: user.unionid.clone(),
        nickname: user.nickname.clone(),
        sex: user.sex,
        province: user.province.clone(),
        city: user.city.clone(),
        country: user.country.clone(),
        headimgurl: avatar_url(base_url, &user.openid),
        snapshot: user.snapshot,
    }
}

async fn list_users(State(state): State<SandboxState>) -> Json<Vec<UserView>> {
    let wechat = state.wechat();
    Json(wechat.users.iter().map(|user| user_view(state.base_url(), user)).collect())
}

#[derive(Debug, Deserialize)]
struct NewUser {
    openid: Option<String>,
    nickname: String,
    sex: Option<u8>,
    province: Option<String>,
    city: Option<String>,
}

async fn add_user(State(state): State<SandboxState>, Json(new): Json<NewUser>) -> Response {
    let refuse =
        |message: &str| (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": message }))).into_response();
    let nickname = new.nickname.trim();
    if nickname.is_empty() {
        return refuse("nickname must not be empty");
    }
    if new.sex.is_some_and(|sex| sex > 2) {
        return refuse("sex is 0 (unknown), 1 (male) or 2 (female)");
    }
    let openid = match new.openid {
        Some(openid) if !valid_openid(&openid) => {
            return refuse("openid is 1 to 64 of A-Z a-z 0-9 _ -");
        }
        Some(openid) => openid,
        None => format!("o_sandbox_{}", random_string(16)),
    };
    let mut wechat = state.wechat();
    if wechat.user(&openid).is_some() {
        return (StatusCode::CONFLICT, Json(serde_json::json!({ "error": "openid already exists" }))).into_response();
    }
    let mut user = DemoUser::generated(&openid);
    user.nickname = nickname.to_owned();
    user.sex = new.sex.unwrap_or(0);
    if let Some(province) = new.province {
        user.province = province;
    }
    if let Some(city) = new.city {
        user.city = city;
    }
    let view = user_view(state.base_url(), &user);
    wechat.users.push(user);
    (StatusCode::CREATED, Json(view)).into_response()
}

/// A redirect target for trying the flow by hand: shows what the redirect carried.
async fn echo(Query(query): Query<HashMap<String, String>>) -> Json<HashMap<String, String>> {
    Json(query)
}

const AVATAR_COLOURS: [&str; 8] =
    ["#07c160", "#10aeff", "#fa9d3b", "#fa5151", "#6467f0", "#1485ee", "#ff8f1f", "#91d300"];

async fn avatar(State(state): State<SandboxState>, Path(file): Path<String>) -> Response {
    let nickname =
        file.strip_suffix(".svg").and_then(|openid| state.wechat().user(openid).map(|user| user.nickname.clone()));
    let Some(nickname) = nickname else {
        return (StatusCode::NOT_FOUND, "no such avatar\n").into_response();
    };
    let colour = AVATAR_COLOURS[fnv1a(file.as_bytes()) as usize % AVATAR_COLOURS.len()];
    let initial = nickname.chars().next().map(String::from).unwrap_or_default();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132"><circle cx="66" cy="66" r="66" fill="{colour}"/><text x="66" y="66" dy="0.35em" text-anchor="middle" font-family="PingFang SC, Microsoft YaHei, sans-serif" font-size="60" fill="#fff">{initial}</text></svg>"##,
        initial = html::escape(&initial),
    );
    ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_code_is_invalid() {
        let mut wechat = WechatState::seeded();
        let start = Instant::now();
        let code = wechat.issue_code("o_demo_lina", Scope::UserInfo, false, start);
        let err = wechat.exchange_code(&code, start + CODE_TTL + Duration::from_secs(1)).unwrap_err();
        assert_eq!(err, INVALID_CODE);
    }

    #[test]
    fn a_code_is_valid_until_just_before_five_minutes() {
        let mut wechat = WechatState::seeded();
        let start = Instant::now();
        let code = wechat.issue_code("o_demo_lina", Scope::UserInfo, false, start);
        let answer = wechat.exchange_code(&code, start + CODE_TTL - Duration::from_secs(1)).unwrap();
        assert_eq!(answer.openid, "o_demo_lina");
        assert_eq!(answer.unionid.as_deref(), Some("u_o_demo_lina"));
    }

    #[test]
    fn an_expired_access_token_answers_42001_not_40001() {
        let mut wechat = WechatState::seeded();
        let start = Instant::now();
        let code = wechat.issue_code("o_demo_zhaolei", Scope::UserInfo, false, start);
        let answer = wechat.exchange_code(&code, start).unwrap();
        let later = start + Duration::from_secs(ACCESS_TOKEN_TTL_SECS + 1);
        let err = wechat.userinfo(&answer.access_token, "o_demo_zhaolei", later).unwrap_err();
        assert_eq!(err, ACCESS_TOKEN_EXPIRED);
    }

    #[test]
    fn a_refresh_gives_a_new_working_access_token() {
        let mut wechat = WechatState::seeded();
        let start = Instant::now();
        let code = wechat.issue_code("o_demo_chenjing", Scope::UserInfo, false, start);
        let first = wechat.exchange_code(&code, start).unwrap();
        let later = start + Duration::from_secs(ACCESS_TOKEN_TTL_SECS + 60);
        let refreshed = wechat.refresh(&first.refresh_token, later).unwrap();
        assert_ne!(refreshed.access_token, first.access_token);
        assert_eq!(refreshed.refresh_token, first.refresh_token);
        let user = wechat.userinfo(&refreshed.access_token, "o_demo_chenjing", later).unwrap();
        assert_eq!(user.nickname, "陈静");
    }

    #[test]
    fn an_expired_refresh_token_answers_42002() {
        let mut wechat = WechatState::seeded();
        let start = Instant::now();
        let code = wechat.issue_code("o_demo_chenjing", Scope::UserInfo, false, start);
        let first = wechat.exchange_code(&code, start).unwrap();
        let later = start + REFRESH_TOKEN_TTL + Duration::from_secs(1);
        assert_eq!(wechat.refresh(&first.refresh_token, later).unwrap_err(), REFRESH_TOKEN_EXPIRED);
    }

    #[test]
    fn the_snapshot_demo_user_is_always_a_snapshot_without_unionid() {
        let mut wechat = WechatState::seeded();
        let now = Instant::now();
        let code = wechat.issue_code(SNAPSHOT_OPENID, Scope::UserInfo, false, now);
        let answer = wechat.exchange_code(&code, now).unwrap();
        assert_eq!(answer.is_snapshotuser, Some(1));
        assert_eq!(answer.scope, "snsapi_base");
        assert_eq!(answer.unionid, None);
    }

    #[test]
    fn a_generated_user_is_named_after_the_last_four_characters() {
        let user = DemoUser::generated("o_script_abcd1234");
        assert_eq!(user.nickname, "用户1234");
        assert_eq!(user.unionid.as_deref(), Some("u_o_script_abcd1234"));
    }

    #[test]
    fn openids_with_path_or_markup_characters_are_refused() {
        assert!(valid_openid("oAbc-12_x"));
        assert!(!valid_openid(""));
        assert!(!valid_openid("../x"));
        assert!(!valid_openid("<b>"));
        assert!(!valid_openid(&"a".repeat(65)));
    }
}

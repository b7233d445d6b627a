//! H5 login through WeChat OAuth2 (snsapi_userinfo): authorize redirect → callback with a code
//! → code exchange and profile → user upserted → session opened → token in the cookie.

use chrono::Duration;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::IssuedToken;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result};
use crate::outbox;
use crate::partners::wechat::{CODE_BEEN_USED, INVALID_CODE, WechatError};
use crate::queue::Queue;
use crate::referral::{self, Binding};
use crate::sessions::{self, Session};
use crate::tracking::BiEvent;
use crate::users::{self, InviteCode, WechatIdentity};

/// Carries `state`, the page to come back to and the invite code from authorize to callback.
/// Encrypted, and bound to this browser: a callback whose `state` is not this cookie's is
/// refused (login CSRF).
pub const STATE_COOKIE: &str = "gpet_oauth";
pub const STATE_COOKIE_PATH: &str = "/api/auth/wechat";
const STATE_TTL: Duration = Duration::minutes(10);
pub const CALLBACK_PATH: &str = "/api/auth/wechat/callback";

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct OauthState {
    state: String,
    redirect: String,
    invite: Option<String>,
    /// Why an invite link's code cannot bind (1403 malformed, 1404 unknown): the app says so
    /// after the login, which goes on without it.
    #[serde(default)]
    invite_error: Option<u16>,
}

pub struct Redirect {
    pub location: String,
    pub set_cookie: String,
}

/// Where a browser whose login failed lands: the H5 login page, told the code and the message.
pub fn failed_location(e: &Error) -> String {
    url::form_urlencoded::Serializer::for_suffix(String::from("/login?"), "/login?".len())
        .append_pair("error", &e.code().as_u16().to_string())
        .append_pair("msg", &e.client_message())
        .finish()
}

/// Only a path of the H5 app: never another site (an open redirect), never the API.
pub fn safe_redirect(requested: Option<&str>) -> String {
    match requested {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.starts_with("/api/")
                && p.len() <= 512
                && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub fn authorize(ctx: &Ctx, redirect: Option<&str>, invite: Option<&str>) -> Result<Redirect> {
    let auth = ctx.auth()?;
    // A broken invite link must not stop a login: its code is dropped, and the app told.
    let (invite, invite_error) = match invite.filter(|c| !c.is_empty()).map(InviteCode::parse) {
        None => (None, None),
        Some(Ok(code)) => (Some(code.as_str().to_owned()), None),
        Some(Err(_)) => (None, Some(Code::BadParameters.as_u16())),
    };
    let state = OauthState {
        state: rand::rng().sample_iter(&Alphanumeric).take(24).map(char::from).collect(),
        redirect: safe_redirect(redirect),
        invite,
        invite_error,
    };
    let callback = auth.public_base_url.join(CALLBACK_PATH).expect("a base URL joins a path");
    let location = ctx.wechat()?.authorize_url(callback.as_str(), &state.state).to_string();
    let sealed = serde_json::to_string(&state).expect("a state serializes");
    Ok(Redirect { location, set_cookie: auth.cookies.seal(STATE_COOKIE, &sealed, STATE_TTL, STATE_COOKIE_PATH) })
}

pub struct LoggedIn {
    pub token: IssuedToken,
    pub session: Session,
    pub redirect: String,
}

fn refused(msg: &'static str) -> Error {
    Error::rejected(Code::WechatAuthFailed, msg)
}

/// A code already used, here or (40163) at WeChat.
fn used() -> Error {
    refused("该微信授权码已使用过，请重新登录")
}

/// The OAuth callback. A code logs in once, and only the browser whose state cookie matches the
/// callback's `state`: a second callback with a used code is refused (2501) whatever browser
/// sends it — even the one that started the login — so a code seen in a log, a Referer or a
/// shared URL opens nobody's session. Once is enforced twice: WeChat exchanges a code once
/// (40163 after), and a session row's unique `oauth_code_hash` admits one session per code.
/// A browser that follows a double redirect lands on the login error page, whose 重新登录
/// starts a fresh login (silent for a user who already consented).
#[tracing::instrument(skip_all)]
pub async fn callback(
    ctx: &Ctx,
    code: Option<&str>,
    state: Option<&str>,
    cookie_header: Option<&str>,
) -> Result<LoggedIn> {
    let auth = ctx.auth()?;
    let expected: OauthState = auth
        .cookies
        .open(cookie_header, STATE_COOKIE)
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .ok_or_else(|| refused("登录请求已失效，请重新登录"))?;
    if state != Some(expected.state.as_str()) {
        return Err(refused("登录请求与当前页面不符，请重新登录"));
    }
    let code = code.filter(|c| !c.is_empty()).ok_or_else(|| refused("你已取消微信授权"))?;
    if code.len() > 256 {
        return Err(Error::bad_request("授权码格式不正确"));
    }
    let code_hash = hex::encode(Sha256::digest(code.as_bytes()));
    let logged_in_to = |session: Session, redirect: String| -> Result<LoggedIn> {
        Ok(LoggedIn { token: sessions::issue_token(ctx, &session)?, session, redirect })
    };
    let logged_in = |session: Session| logged_in_to(session, expected.redirect.clone());
    let db = ctx.db()?;
    if sessions::find_by_code(&db.client().await?, &code_hash).await?.is_some() {
        return Err(used());
    }

    let wechat = ctx.wechat()?;
    let token = match wechat.exchange_code(code).await {
        Ok(token) => token,
        // Used by a concurrent callback a moment ago, or by anyone else: refused all the same.
        Err(WechatError::Refused { errcode: CODE_BEEN_USED, .. }) => return Err(used()),
        Err(WechatError::Refused { errcode: INVALID_CODE, .. }) => {
            return Err(refused("授权码无效或已过期，请重新登录"));
        }
        Err(e) => return Err(wechat_failure(e)),
    };
    let identity = if token.is_snapshotuser == 1 || token.scope == "snsapi_base" {
        WechatIdentity::Snapshot { openid: token.openid.clone(), unionid: token.unionid.clone() }
    } else {
        WechatIdentity::Real(wechat.user_info(&token).await.map_err(wechat_failure)?)
    };

    let mut client = db.client().await?;
    let mut tx = client.transaction().await.db("failed to begin")?;
    let user = users::upsert_from_wechat(&tx, &identity).await?;
    // An invite binds a new user only, at this first login.
    let invite = expected.invite.as_deref().and_then(|code| InviteCode::parse(code).ok());
    let binding = match &invite {
        Some(invite) if user.created => Some(referral::bind(&mut tx, user.id, invite).await?),
        _ => None,
    };
    // A concurrent callback with the same code opened its session first.
    let Some(session) = sessions::open(&tx, user.id, Some(&code_hash)).await? else {
        return Err(used());
    };
    let event = BiEvent::backend(
        ctx,
        Some(user.id),
        "login",
        serde_json::json!({
            "new_user": user.created,
            "snapshot": user.snapshot,
            "invite_code": expected.invite,
            "master_id": match binding { Some(Binding::Bound { master_id }) => Some(master_id), _ => None },
        }),
    );
    outbox::enqueue(&tx, Queue::TrackingEvents, &[event.to_json()]).await?;
    tx.commit().await.db("failed to commit a login")?;
    tracing::info!(user_id = user.id, new_user = user.created, snapshot = user.snapshot, "logged in");
    let invite_error = match binding {
        Some(Binding::UnknownCode) => Some(Code::NotFound.as_u16()),
        _ => expected.invite_error,
    };
    match invite_error {
        Some(code) => logged_in_to(session, with_query(&expected.redirect, "invite_error", &code.to_string())),
        None => logged_in(session),
    }
}

/// `path` with one more query parameter, before any fragment.
fn with_query(path: &str, name: &str, value: &str) -> String {
    let (before, fragment) = path.split_once('#').map_or((path, None), |(b, f)| (b, Some(f)));
    let separator = if before.contains('?') { '&' } else { '?' };
    let mut out = format!("{before}{separator}{name}={value}");
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

fn wechat_failure(e: WechatError) -> Error {
    match e {
        WechatError::Refused { errcode, errmsg } => {
            tracing::warn!(errcode, errmsg, "WeChat refused the login");
            Error::rejected(Code::WechatAuthFailed, format!("微信授权失败（{errcode}），请重新登录"))
        }
        WechatError::Unreachable(e) => {
            tracing::warn!(error = format!("{e:#}"), "WeChat unreachable");
            Error::rejected(Code::ExternalFailed, "微信接口暂时不可用，请稍后再试")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{safe_redirect, with_query};

    #[test]
    fn a_parameter_joins_the_query_before_the_fragment() {
        assert_eq!(with_query("/", "invite_error", "1404"), "/?invite_error=1404");
        assert_eq!(with_query("/?invite=AB", "e", "1"), "/?invite=AB&e=1");
        assert_eq!(with_query("/a#top", "e", "1"), "/a?e=1#top");
    }

    #[test]
    fn redirects_stay_inside_the_h5_app() {
        assert_eq!(safe_redirect(Some("/groups?tab=1")), "/groups?tab=1");
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "/api/me", "groups", "/a\nb"] {
            assert_eq!(safe_redirect(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_redirect(None), "/");
    }
}

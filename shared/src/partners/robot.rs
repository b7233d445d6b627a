//! The robot platform: sends messages as a robot, makes a robot leave a group, lists a group's
//! members. Every call is signed like the events it sends us: HMAC-SHA256 of
//! `timestamp + "." + body` with the shared secret.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::RobotConfig;
use crate::content::Content;

pub struct RobotPlatform {
    http: reqwest::Client,
    config: RobotConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum RobotError {
    /// The platform answered and said no (the robot is not in the group, a limit, a fault).
    #[error("the robot platform refused: {errcode} {errmsg}")]
    Refused { errcode: i64, errmsg: String },
    #[error("the robot platform could not be reached or answered nonsense")]
    Unreachable(#[source] anyhow::Error),
}

/// The robot is not in the group.
pub const NOT_IN_GROUP: i64 = 41001;
/// The robot's account is banned by WeChat.
pub const BANNED: i64 = 41002;
/// The robot is logged out.
pub const OFFLINE: i64 = 41003;
/// The platform's risk control: the robot sends too often and must pause.
pub const RISK_CONTROL: i64 = 42901;

impl RobotError {
    fn errcode(&self) -> Option<i64> {
        match self {
            RobotError::Refused { errcode, .. } => Some(*errcode),
            RobotError::Unreachable(_) => None,
        }
    }

    /// Whether the platform's risk control refused the send (the robot must pause).
    pub fn is_risk_control(&self) -> bool {
        self.errcode() == Some(RISK_CONTROL)
    }

    /// Whether the robot's account is banned.
    pub fn is_banned(&self) -> bool {
        self.errcode() == Some(BANNED)
    }

    /// Whether the robot cannot send now for what it is (banned, logged out, risk-limited):
    /// nothing was sent, and another try later (or by another robot) may be.
    pub fn robot_unavailable(&self) -> bool {
        matches!(self.errcode(), Some(BANNED | OFFLINE | RISK_CONTROL))
    }

    /// What an owner is told about a failed send.
    pub fn reason(&self) -> String {
        match self {
            RobotError::Refused { errcode: NOT_IN_GROUP, .. } => "机器人已不在群内".to_owned(),
            RobotError::Refused { errcode: BANNED, .. } => "机器人已被微信封禁".to_owned(),
            RobotError::Refused { errcode: OFFLINE, .. } => "机器人已掉线".to_owned(),
            RobotError::Refused { errcode: RISK_CONTROL, .. } => "机器人触发微信风控，暂停发送".to_owned(),
            RobotError::Refused { errcode, errmsg } => format!("机器人平台拒绝发送（{errcode} {errmsg}）"),
            RobotError::Unreachable(_) => "机器人平台暂时无法访问".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub wxid: String,
    #[serde(default)]
    pub nickname: String,
    #[serde(default)]
    pub is_owner: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Members {
    pub owner_wxid: Option<String>,
    pub member_count: i32,
    #[serde(default)]
    pub members: Vec<Member>,
}

impl Members {
    /// Whether `wxid` is the group's owner (群主) by the list.
    pub fn is_owner(&self, wxid: &str) -> bool {
        self.owner_wxid.as_deref() == Some(wxid) || self.members.iter().any(|m| m.is_owner && m.wxid == wxid)
    }
}

/// Where a message goes.
#[derive(Debug, Clone, Copy)]
pub enum To<'a> {
    Group(&'a str),
    User(&'a str),
}

#[derive(Deserialize)]
struct Answer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(flatten)]
    rest: serde_json::Value,
}

/// Lower-hex HMAC-SHA256 of `timestamp + "." + body`: how both sides sign.
pub fn signature(secret: &SecretString, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a signature in constant time.
pub fn verify(secret: &SecretString, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Ok(given) = hex::decode(signature.trim()) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

impl RobotPlatform {
    pub fn new(http: reqwest::Client, config: RobotConfig) -> Self {
        Self { http, config }
    }

    pub fn secret(&self) -> &SecretString {
        &self.config.secret
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<serde_json::Value, RobotError> {
        let url = self.config.base_url.join(path).map_err(|e| RobotError::Unreachable(e.into()))?;
        let body = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| RobotError::Unreachable(e.into()))?,
            None => Vec::new(),
        };
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let mut request = self
            .http
            .request(method, url)
            .header("X-Robot-Timestamp", &timestamp)
            .header("X-Robot-Signature", signature(&self.config.secret, &timestamp, &body));
        if !body.is_empty() {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.map_err(|e| RobotError::Unreachable(e.into()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(RobotError::Unreachable(anyhow::anyhow!("HTTP {status}")));
        }
        let answer: Answer = response.json().await.map_err(|e| RobotError::Unreachable(e.into()))?;
        if answer.errcode != 0 {
            return Err(RobotError::Refused { errcode: answer.errcode, errmsg: answer.errmsg });
        }
        Ok(answer.rest)
    }

    /// Sends `content` as `robot_wxid`; answers the platform's message id.
    pub async fn send(&self, robot_wxid: &str, to: To<'_>, content: &Content) -> Result<String, RobotError> {
        let (to_group, to_user) = match to {
            To::Group(g) => (Some(g), None),
            To::User(u) => (None, Some(u)),
        };
        let body =
            serde_json::json!({"robot_wxid": robot_wxid, "to_group": to_group, "to_user": to_user, "content": content});
        let answer = self.call(reqwest::Method::POST, "robot/v1/messages", Some(&body)).await?;
        Ok(answer.get("msg_id").and_then(|v| v.as_str()).unwrap_or_default().to_owned())
    }

    pub async fn leave(&self, robot_wxid: &str, group_wxid: &str) -> Result<(), RobotError> {
        let body = serde_json::json!({"robot_wxid": robot_wxid, "group_wxid": group_wxid});
        self.call(reqwest::Method::POST, "robot/v1/groups/leave", Some(&body)).await.map(|_| ())
    }

    pub async fn members(&self, robot_wxid: &str, group_wxid: &str) -> Result<Members, RobotError> {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("robot_wxid", robot_wxid)
            .append_pair("group_wxid", group_wxid)
            .finish();
        let answer = self.call(reqwest::Method::GET, &format!("robot/v1/groups/members?{query}"), None::<&()>).await?;
        serde_json::from_value(answer).map_err(|e| RobotError::Unreachable(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        let secret = SecretString::from("key".to_owned());
        // HMAC-SHA256("key", "1700000000.{}") computed independently with Python's hmac module.
        let sig = signature(&secret, "1700000000", b"{}");
        assert_eq!(sig, "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
        assert!(verify(&secret, "1700000000", b"{}", &sig));
        assert!(!verify(&secret, "1700000001", b"{}", &sig));
        assert!(!verify(&secret, "1700000000", b"{ }", &sig));
        assert!(!verify(&secret, "1700000000", b"{}", "zz"));
    }

    #[test]
    fn the_owner_is_read_from_the_flag_or_the_field() {
        let m: Members = serde_json::from_str(
            r#"{"owner_wxid":null,"member_count":3,"members":[{"wxid":"a","is_owner":true},{"wxid":"b"}]}"#,
        )
        .unwrap();
        assert!(m.is_owner("a") && !m.is_owner("b"));
    }
}

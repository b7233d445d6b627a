//! JWT: HS256 only (pinned: `alg: none` and every other algorithm are refused), one hour for
//! H5 tokens, issuer and audience checked; an expired token is told apart (1406) so the client
//! refreshes, anything else is 1401. A token names its key (`kid`): after a rotation the
//! previous key still verifies what it signed.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::AuthKey;
use crate::error::{Error, Result};

pub const ISSUER: &str = "gpet";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    H5,
    Console,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::H5 => "gpet-h5",
            Audience::Console => "gpet-console",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's or operator's id.
    pub sub: String,
    /// The session the token belongs to: logout ends the session, and with it every token.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn subject_id(&self) -> Result<i64> {
        self.sub.parse().map_err(|_| Error::unauthenticated("登录凭证无效"))
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub struct Tokens {
    /// The key id and key new tokens are signed with.
    current: (String, EncodingKey),
    /// Every key still accepted, by id (the current one first).
    accepted: Vec<(String, DecodingKey)>,
}

impl Tokens {
    /// `keys`: the current key first, then the previous one if a rotation is under way.
    pub fn new(keys: &[&AuthKey]) -> Self {
        let current = keys.first().expect("at least the current key");
        let bytes = |k: &AuthKey| super::derive(&k.key, "gpet jwt v1");
        Tokens {
            current: (current.id.clone(), EncodingKey::from_secret(&bytes(current))),
            accepted: keys.iter().map(|k| (k.id.clone(), DecodingKey::from_secret(&bytes(k)))).collect(),
        }
    }

    pub fn issue(&self, audience: Audience, subject: i64, session: Uuid, ttl: Duration) -> Result<IssuedToken> {
        let now = Utc::now();
        let expires_at = now + ttl;
        let claims = Claims {
            iss: ISSUER.into(),
            aud: audience.as_str().into(),
            sub: subject.to_string(),
            sid: session,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.0.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.current.1)
            .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("failed to sign a token")))?;
        Ok(IssuedToken { token, expires_at })
    }

    pub fn verify(&self, audience: Audience, token: &str) -> Result<Claims> {
        self.decode(audience, token, true)
    }

    /// For refresh and logout: a token past its hour still names its session.
    pub fn verify_ignoring_expiry(&self, audience: Audience, token: &str) -> Result<Claims> {
        self.decode(audience, token, false)
    }

    fn decode(&self, audience: Audience, token: &str, check_expiry: bool) -> Result<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience.as_str()]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        validation.validate_exp = check_expiry;
        let invalid = || Error::unauthenticated("登录凭证无效，请重新登录");
        let kid = jsonwebtoken::decode_header(token).map_err(|_| invalid())?.kid.ok_or_else(invalid)?;
        let (_, key) = self.accepted.iter().find(|(id, _)| *id == kid).ok_or_else(invalid)?;
        jsonwebtoken::decode::<Claims>(token, key, &validation).map(|d| d.claims).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => Error::token_expired(),
            _ => Error::unauthenticated("登录凭证无效，请重新登录"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn key(id: &str, secret: &str) -> AuthKey {
        AuthKey { id: id.into(), key: secrecy::SecretString::from(secret.to_owned()) }
    }

    fn tokens(secret: &str) -> Tokens {
        Tokens::new(&[&key("1", secret)])
    }

    const SECRET: &str = "a-test-secret-that-is-long-enough-0123";

    #[test]
    fn a_token_verifies_for_its_audience_only() {
        let t = tokens(SECRET);
        let sid = Uuid::new_v4();
        let issued = t.issue(Audience::H5, 42, sid, Duration::hours(1)).unwrap();
        let claims = t.verify(Audience::H5, &issued.token).unwrap();
        assert_eq!((claims.subject_id().unwrap(), claims.sid), (42, sid));
        assert_eq!(t.verify(Audience::Console, &issued.token).unwrap_err().code(), Code::NotAuthenticated);
    }

    #[test]
    fn an_expired_token_is_1406_and_still_names_its_session() {
        let t = tokens(SECRET);
        let issued = t.issue(Audience::H5, 7, Uuid::nil(), Duration::seconds(-10)).unwrap();
        assert_eq!(t.verify(Audience::H5, &issued.token).unwrap_err().code(), Code::TokenExpired);
        assert_eq!(t.verify_ignoring_expiry(Audience::H5, &issued.token).unwrap().sub, "7");
    }

    #[test]
    fn another_key_and_alg_none_are_refused() {
        let issued = tokens("another-secret-that-is-long-enough-999")
            .issue(Audience::H5, 1, Uuid::nil(), Duration::hours(1))
            .unwrap();
        assert_eq!(tokens(SECRET).verify(Audience::H5, &issued.token).unwrap_err().code(), Code::NotAuthenticated);

        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"1"}"#);
        let exp = Utc::now().timestamp() + 3600;
        let body = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"iss":"gpet","aud":"gpet-h5","sub":"1","sid":"{}","iat":0,"exp":{exp}}}"#,
            Uuid::nil()
        ));
        for forged in [format!("{header}.{body}."), format!("{header}.{body}")] {
            assert_eq!(tokens(SECRET).verify(Audience::H5, &forged).unwrap_err().code(), Code::NotAuthenticated);
        }
    }

    #[test]
    fn after_a_rotation_the_previous_key_still_verifies_and_new_tokens_use_the_new_one() {
        let old = key("1", SECRET);
        let new = key("2", "the-rotated-secret-that-is-long-enough-456");
        let before = Tokens::new(&[&old]).issue(Audience::H5, 5, Uuid::nil(), Duration::hours(1)).unwrap();
        let rotated = Tokens::new(&[&new, &old]);
        assert_eq!(rotated.verify(Audience::H5, &before.token).unwrap().sub, "5");
        let after = rotated.issue(Audience::H5, 6, Uuid::nil(), Duration::hours(1)).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&after.token).unwrap().kid.as_deref(), Some("2"));
        // Once the previous key is dropped, its tokens are refused; a token naming an unknown
        // key id, or none, is refused without trying the others.
        let done = Tokens::new(&[&new]);
        assert_eq!(done.verify(Audience::H5, &before.token).unwrap_err().code(), Code::NotAuthenticated);
        assert_eq!(done.verify(Audience::H5, &after.token).unwrap().sub, "6");
        let same_key_other_id = Tokens::new(&[&key("9", SECRET)]);
        assert_eq!(same_key_other_id.verify(Audience::H5, &before.token).unwrap_err().code(), Code::NotAuthenticated);
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        for junk in ["", "abc", "a.b.c", "....", "\u{0}"] {
            assert_eq!(tokens(SECRET).verify(Audience::H5, junk).unwrap_err().code(), Code::NotAuthenticated);
        }
    }
}

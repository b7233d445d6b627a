//! Tokens, cookies and passwords: the mechanisms both logins share.

pub mod cookies;
pub mod passwords;
pub mod tokens;

use url::Url;

pub use cookies::CookieCodec;
pub use tokens::{Audience, Claims, IssuedToken, Tokens};

use hmac::{Hmac, Mac as _};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::config::{AuthConfig, AuthKey};

/// What a function that authenticates needs: token keys, the cookie key, and where the site
/// is (which decides whether cookies are Secure).
pub struct Auth {
    pub tokens: Tokens,
    pub cookies: CookieCodec,
    pub public_base_url: Url,
}

impl Auth {
    pub fn new(config: &AuthConfig) -> Self {
        let secure = config.public_base_url.scheme() == "https";
        let keys: Vec<&AuthKey> = std::iter::once(&config.current).chain(config.previous.as_ref()).collect();
        Auth {
            tokens: Tokens::new(&keys),
            cookies: CookieCodec::new(&keys, secure),
            public_base_url: config.public_base_url.clone(),
        }
    }
}

/// One auth key serves tokens and cookies through separate derived keys (HMAC-SHA256 of a
/// purpose label), so neither use can stand in for the other.
pub(crate) fn derive(key: &SecretString, purpose: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes()).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The token of a request: the `Authorization: Bearer` header first, then the encrypted
/// cookie.
pub fn request_token(
    auth: &Auth,
    authorization: Option<&str>,
    cookie_header: Option<&str>,
    cookie: &str,
) -> Option<String> {
    if let Some(token) = authorization.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty())
    {
        return Some(token.to_owned());
    }
    auth.cookies.open(cookie_header, cookie)
}

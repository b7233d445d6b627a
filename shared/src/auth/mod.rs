//! Tokens, cookies and passwords: the mechanisms both logins share.

pub mod cookies;
pub mod passwords;
pub mod tokens;

use url::Url;

pub use cookies::CookieCodec;
pub use tokens::{Audience, Claims, IssuedToken, Tokens};

use crate::config::AuthConfig;

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
        Auth {
            tokens: Tokens::new(&config.jwt_secret),
            cookies: CookieCodec::new(&config.cookie_key, secure),
            public_base_url: config.public_base_url.clone(),
        }
    }
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

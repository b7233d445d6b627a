//! Encrypted, HttpOnly, SameSite=Lax cookies (AES-256-GCM through the cookie crate's private
//! jar). Secure wherever the site is https; local runs are plain http.

use chrono::Duration;
use cookie::{Cookie, CookieJar, Key, SameSite};
use secrecy::{ExposeSecret, SecretString};

pub struct CookieCodec {
    key: Key,
    secure: bool,
}

impl CookieCodec {
    pub fn new(secret: &SecretString, secure: bool) -> Self {
        CookieCodec { key: Key::derive_from(secret.expose_secret().as_bytes()), secure }
    }

    /// A `Set-Cookie` value carrying `value` encrypted.
    pub fn seal(&self, name: &str, value: &str, max_age: Duration, path: &str) -> String {
        let cookie = Cookie::build((name.to_owned(), value.to_owned()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .path(path.to_owned())
            .max_age(cookie::time::Duration::seconds(max_age.num_seconds().max(0)))
            .build();
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(cookie);
        jar.get(name).map(|c| c.encoded().to_string()).unwrap_or_default()
    }

    /// A `Set-Cookie` value that removes the cookie.
    pub fn clear(&self, name: &str, path: &str) -> String {
        Cookie::build((name.to_owned(), ""))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .path(path.to_owned())
            .max_age(cookie::time::Duration::ZERO)
            .build()
            .to_string()
    }

    /// The decrypted value of `name` from a `Cookie` request header; None when absent or when
    /// it was not sealed with our key.
    pub fn open(&self, cookie_header: Option<&str>, name: &str) -> Option<String> {
        let mut jar = CookieJar::new();
        for part in cookie_header?.split(';') {
            if let Ok(c) = Cookie::parse_encoded(part.trim().to_owned())
                && c.name() == name
            {
                jar.add_original(c);
            }
        }
        jar.private(&self.key).get(name).map(|c| c.value().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(secret: &str, secure: bool) -> CookieCodec {
        CookieCodec::new(&SecretString::from(secret.to_owned()), secure)
    }

    #[test]
    fn a_sealed_cookie_opens_with_the_same_key_only() {
        let c = codec("cookie-secret-0123456789-0123456789-abc", false);
        let set = c.seal("gpet_h5", "the.jwt.value", Duration::days(7), "/");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"), "{set}");
        assert!(!set.contains("the.jwt.value"), "the value is encrypted: {set}");
        let pair = set.split(';').next().unwrap();
        let header = format!("other=1; {pair}");
        assert_eq!(c.open(Some(&header), "gpet_h5").as_deref(), Some("the.jwt.value"));
        let other = codec("another-cookie-secret-0123456789-xyz", false);
        assert_eq!(other.open(Some(&header), "gpet_h5"), None);
        assert_eq!(c.open(Some("gpet_h5=plain"), "gpet_h5"), None);
        assert_eq!(c.open(None, "gpet_h5"), None);
    }

    #[test]
    fn https_sites_get_secure_cookies() {
        let set = codec("cookie-secret-0123456789-0123456789-abc", true).seal("a", "b", Duration::hours(1), "/");
        assert!(set.contains("Secure"), "{set}");
    }
}

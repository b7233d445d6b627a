//! Encrypted, HttpOnly, SameSite=Lax cookies (AES-256-GCM through the cookie crate's private
//! jar). Secure wherever the site is https; local runs are plain http. A cookie's value starts
//! with the id of the key that sealed it (`<kid>~<sealed>`): after a rotation the previous key
//! still opens the cookies it sealed.

use chrono::Duration;
use cookie::{Cookie, CookieJar, Key, SameSite};

use crate::config::AuthKey;

pub struct CookieCodec {
    /// The key new cookies are sealed with, then the previous one (by id).
    keys: Vec<(String, Key)>,
    secure: bool,
}

/// Between the key id and the sealed value: not in base64's alphabet, allowed in a cookie.
const SEPARATOR: char = '~';

impl CookieCodec {
    /// `keys`: the current key first, then the previous one if a rotation is under way.
    pub fn new(keys: &[&AuthKey], secure: bool) -> Self {
        let keys =
            keys.iter().map(|k| (k.id.clone(), Key::derive_from(&super::derive(&k.key, "gpet cookie v1")))).collect();
        CookieCodec { keys, secure }
    }

    fn build(&self, name: &str, value: String, max_age: cookie::time::Duration, path: &str) -> Cookie<'static> {
        Cookie::build((name.to_owned(), value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .path(path.to_owned())
            .max_age(max_age)
            .build()
    }

    /// A `Set-Cookie` value carrying `value` encrypted.
    pub fn seal(&self, name: &str, value: &str, max_age: Duration, path: &str) -> String {
        let (id, key) = &self.keys[0];
        let mut jar = CookieJar::new();
        jar.private_mut(key).add(Cookie::new(name.to_owned(), value.to_owned()));
        let sealed = jar.get(name).map(|c| c.value().to_owned()).unwrap_or_default();
        let max_age = cookie::time::Duration::seconds(max_age.num_seconds().max(0));
        self.build(name, format!("{id}{SEPARATOR}{sealed}"), max_age, path).encoded().to_string()
    }

    /// A `Set-Cookie` value that removes the cookie.
    pub fn clear(&self, name: &str, path: &str) -> String {
        self.build(name, String::new(), cookie::time::Duration::ZERO, path).to_string()
    }

    /// The decrypted value of `name` from a `Cookie` request header; None when absent or when
    /// it was not sealed with one of our keys.
    pub fn open(&self, cookie_header: Option<&str>, name: &str) -> Option<String> {
        let value = cookie_header?
            .split(';')
            .filter_map(|part| Cookie::parse_encoded(part.trim().to_owned()).ok())
            .find(|c| c.name() == name)?
            .value()
            .to_owned();
        let (id, sealed) = value.split_once(SEPARATOR)?;
        let (_, key) = self.keys.iter().find(|(kid, _)| kid == id)?;
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(name.to_owned(), sealed.to_owned()));
        jar.private(key).get(name).map(|c| c.value().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, secret: &str) -> AuthKey {
        AuthKey { id: id.into(), key: secrecy::SecretString::from(secret.to_owned()) }
    }

    fn codec(secret: &str, secure: bool) -> CookieCodec {
        CookieCodec::new(&[&key("1", secret)], secure)
    }

    fn pair(set_cookie: &str) -> &str {
        set_cookie.split(';').next().unwrap()
    }

    #[test]
    fn a_sealed_cookie_opens_with_the_same_key_only() {
        let c = codec("cookie-secret-0123456789-0123456789-abc", false);
        let set = c.seal("gpet_h5", "the.jwt.value", Duration::days(7), "/");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"), "{set}");
        assert!(!set.contains("the.jwt.value"), "the value is encrypted: {set}");
        let header = format!("other=1; {}", pair(&set));
        assert_eq!(c.open(Some(&header), "gpet_h5").as_deref(), Some("the.jwt.value"));
        let other = codec("another-cookie-secret-0123456789-xyz", false);
        assert_eq!(other.open(Some(&header), "gpet_h5"), None);
        assert_eq!(c.open(Some("gpet_h5=plain"), "gpet_h5"), None);
        assert_eq!(c.open(Some("gpet_h5=1~plain"), "gpet_h5"), None);
        assert_eq!(c.open(None, "gpet_h5"), None);
    }

    #[test]
    fn the_previous_key_opens_its_cookies_through_a_rotation() {
        let old = key("1", "cookie-secret-0123456789-0123456789-abc");
        let new = key("2", "rotated-cookie-secret-0123456789-0123");
        let before = CookieCodec::new(&[&old], false).seal("gpet_h5", "v1", Duration::days(7), "/");
        let rotated = CookieCodec::new(&[&new, &old], false);
        assert_eq!(rotated.open(Some(pair(&before)), "gpet_h5").as_deref(), Some("v1"));
        let after = rotated.seal("gpet_h5", "v2", Duration::days(7), "/");
        assert!(pair(&after).starts_with("gpet_h5=2~"), "{after}");
        assert_eq!(CookieCodec::new(&[&new], false).open(Some(pair(&before)), "gpet_h5"), None);
        // A sealed value moved under another key id does not open.
        let moved = pair(&before).replacen("=1~", "=2~", 1);
        assert_eq!(rotated.open(Some(&moved), "gpet_h5"), None);
    }

    #[test]
    fn https_sites_get_secure_cookies() {
        let set = codec("cookie-secret-0123456789-0123456789-abc", true).seal("a", "b", Duration::hours(1), "/");
        assert!(set.contains("Secure"), "{set}");
    }
}

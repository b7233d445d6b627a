//! Paged lists: `page` (from 1) and `page_size` (at most 100) in, `{items, total, page,
//! page_size}` out.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub page_size: i64,
}

pub const MAX_PAGE_SIZE: i64 = 100;

impl PageRequest {
    pub fn parse(query: &HashMap<String, String>) -> Result<Self> {
        let number = |name: &str, default: i64, max: i64| -> Result<i64> {
            // Absent is the default; present, even empty, it must be a number in range.
            match query.get(name).map(|v| v.trim()) {
                None => Ok(default),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(Error::bad_request(format!("{name} 须为 1 到 {max} 之间的整数"))),
                },
            }
        };
        Ok(Self { page: number("page", 1, 1_000_000)?, page_size: number("page_size", 20, MAX_PAGE_SIZE)? })
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.page_size
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, request: PageRequest) -> Self {
        Page { items, total, page: request.page, page_size: request.page_size }
    }
}

/// What a delete answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub id: i64,
}

/// A search term from the query: trimmed, empty as none, at most 100 characters.
pub fn search_term(query: &HashMap<String, String>, name: &str) -> Result<Option<String>> {
    match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() <= 100 => Ok(Some(v.to_owned())),
        Some(_) => Err(Error::bad_request(format!("{name} 最长 100 个字符"))),
    }
}

/// `%` and `_` taken literally in a LIKE pattern.
pub fn like_escape(term: &str) -> String {
    term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn pages_default_and_refuse_nonsense() {
        assert_eq!(PageRequest::parse(&q(&[])).unwrap(), PageRequest { page: 1, page_size: 20 });
        let p = PageRequest::parse(&q(&[("page", "3"), ("page_size", "50")])).unwrap();
        assert_eq!(p.offset(), 100);
        for (name, bad) in [("page", "0"), ("page", "x"), ("page", ""), ("page_size", "101"), ("page_size", "-1")] {
            let msg = PageRequest::parse(&q(&[(name, bad)])).unwrap_err().client_message();
            assert!(msg.contains(name), "{name}={bad}: {msg}");
        }
    }

    #[test]
    fn like_patterns_are_literal() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}

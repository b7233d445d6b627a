//! What a robot sends for someone (an owner's mass message, an ad campaign, a keyword reply):
//! text, a link card or a mini-program card. [`Content::normalized`] is what is stored and sent,
//! and the preview renders exactly that, so what the owner sees is what WeChat shows.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const MAX_TEXT: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Content {
    Text {
        /// 1 to 2000 characters once line ends are `\n`, each line's trailing blanks and the
        /// blank lines at either end are removed (not a length in the schema: what is removed is
        /// not counted).
        #[schema(pattern = r"\S")]
        text: String,
    },
    Link {
        /// 1 to 64 characters once trimmed, on one line.
        #[schema(pattern = r"^\s*\S(?:[^\n\r]{0,62}\S)?\s*$")]
        title: String,
        /// Blank, or 1 to 120 characters once trimmed, on one line.
        #[serde(default)]
        #[schema(pattern = r"^\s*(?:\S(?:[^\n\r]{0,118}\S)?)?\s*$")]
        desc: String,
        /// An http(s) URL with a host, at most 2048 bytes (UTF-8) once trimmed.
        url: String,
        /// Blank or absent: none; otherwise as `url`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_url: Option<String>,
    },
    Miniprogram {
        /// 1 to 64 characters once trimmed, on one line.
        #[schema(pattern = r"^\s*\S(?:[^\n\r]{0,62}\S)?\s*$")]
        title: String,
        /// `wx` and 16 hexadecimal digits, once trimmed.
        #[schema(pattern = r"^\s*wx[0-9A-Fa-f]{16}\s*$")]
        appid: String,
        /// 1 to 256 characters once trimmed, on one line.
        #[schema(pattern = r"^\s*\S(?:[^\n\r]{0,254}\S)?\s*$")]
        pagepath: String,
        /// Blank or absent: none; otherwise an http(s) URL with a host, at most 2048 bytes (UTF-8)
        /// once trimmed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thumb_url: Option<String>,
    },
}

/// How WeChat shows a message in the chat: the H5 preview draws this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Bubble {
    pub kind: &'static str,
    /// Text exactly as shown, newlines included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The link's site, shown under a link card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
    /// "小程序" under a mini-program card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    /// What will be stored and sent.
    pub content: Content,
    pub bubble: Bubble,
    /// Characters of the text (or title and description).
    pub length: usize,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    pub content: Content,
}

/// Line ends as WeChat keeps them (`\n`), no trailing spaces on a line, no blank lines at the
/// ends; the newlines inside are kept exactly.
pub fn normalize_text(text: &str) -> String {
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = unified.split('\n').map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_owned()
}

fn one_line(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(Error::bad_request(format!("{field} 须为 1 到 {max} 个字")));
    }
    if value.contains(['\n', '\r']) {
        return Err(Error::bad_request(format!("{field} 不能换行")));
    }
    Ok(value.to_owned())
}

fn web_url(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && value.len() <= 2048 => {
            Ok(value.to_owned())
        }
        _ => Err(Error::bad_request(format!("{field} 须为 http(s) 网址"))),
    }
}

fn optional_url(field: &str, value: &Option<String>) -> Result<Option<String>> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| web_url(field, v)).transpose()
}

impl Content {
    /// The content as it will be stored and sent, or 1403 naming what is wrong.
    pub fn normalized(&self) -> Result<Content> {
        Ok(match self {
            Content::Text { text } => {
                let text = normalize_text(text);
                let n = text.chars().count();
                if n == 0 || n > MAX_TEXT {
                    return Err(Error::bad_request(format!("content.text 须为 1 到 {MAX_TEXT} 个字")));
                }
                Content::Text { text }
            }
            Content::Link { title, desc, url, image_url } => Content::Link {
                title: one_line("content.title", title, 64)?,
                desc: if desc.trim().is_empty() { String::new() } else { one_line("content.desc", desc, 120)? },
                url: web_url("content.url", url)?,
                image_url: optional_url("content.image_url", image_url)?,
            },
            Content::Miniprogram { title, appid, pagepath, thumb_url } => {
                let appid = appid.trim();
                if !(appid.len() == 18 && appid.starts_with("wx") && appid[2..].bytes().all(|b| b.is_ascii_hexdigit()))
                {
                    return Err(Error::bad_request("content.appid 须为 wx 开头的 18 位小程序 AppID"));
                }
                Content::Miniprogram {
                    title: one_line("content.title", title, 64)?,
                    appid: appid.to_owned(),
                    pagepath: one_line("content.pagepath", pagepath, 256)?,
                    thumb_url: optional_url("content.thumb_url", thumb_url)?,
                }
            }
        })
    }

    /// The words a reader sees, for the sensitive-word check.
    pub fn visible_text(&self) -> String {
        match self {
            Content::Text { text } => text.clone(),
            Content::Link { title, desc, .. } => format!("{title}\n{desc}"),
            Content::Miniprogram { title, .. } => title.clone(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Content::Text { .. } => "text",
            Content::Link { .. } => "link",
            Content::Miniprogram { .. } => "miniprogram",
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("content serializes")
    }

    pub fn from_json(value: serde_json::Value) -> Result<Content> {
        serde_json::from_value(value)
            .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("stored content unreadable")))
    }

    /// How WeChat shows this (normalized) content.
    pub fn bubble(&self) -> Bubble {
        let empty = Bubble {
            kind: self.kind(),
            text: None,
            title: None,
            desc: None,
            url: None,
            domain: None,
            image_url: None,
            appid: None,
            pagepath: None,
            thumb_url: None,
            source: None,
        };
        match self.clone() {
            Content::Text { text } => Bubble { text: Some(text), ..empty },
            Content::Link { title, desc, url, image_url } => Bubble {
                domain: url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned)),
                title: Some(title),
                desc: Some(desc),
                url: Some(url),
                image_url,
                ..empty
            },
            Content::Miniprogram { title, appid, pagepath, thumb_url } => Bubble {
                title: Some(title),
                appid: Some(appid),
                pagepath: Some(pagepath),
                thumb_url,
                source: Some("小程序"),
                ..empty
            },
        }
    }

    pub fn preview(&self) -> Result<Preview> {
        let content = self.normalized()?;
        let length = content.visible_text().chars().count();
        Ok(Preview { bubble: content.bubble(), content, length })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_inner_newlines_and_drops_trailing_space() {
        let c = Content::Text { text: "\r\n第一行  \r\n\r\n  第三行\r第四行\n\n".into() };
        let Content::Text { text } = c.normalized().unwrap() else { panic!() };
        assert_eq!(text, "第一行\n\n  第三行\n第四行");
        assert_eq!(c.preview().unwrap().bubble.text.as_deref(), Some("第一行\n\n  第三行\n第四行"));
    }

    #[test]
    fn empty_or_long_text_is_refused() {
        assert!(Content::Text { text: " \n ".into() }.normalized().is_err());
        assert!(Content::Text { text: "字".repeat(MAX_TEXT + 1) }.normalized().is_err());
        assert!(Content::Text { text: "字".repeat(MAX_TEXT) }.normalized().is_ok());
    }

    #[test]
    fn link_cards_need_a_web_url_and_show_the_domain() {
        let link =
            |url: &str| Content::Link { title: "标题".into(), desc: "".into(), url: url.into(), image_url: None };
        assert!(link("javascript:alert(1)").normalized().is_err());
        assert!(link("ftp://x.cn/a").normalized().is_err());
        let p = link(" https://m.example.cn/a?b=1 ").preview().unwrap();
        assert_eq!(p.bubble.domain.as_deref(), Some("m.example.cn"));
        assert_eq!(p.bubble.url.as_deref(), Some("https://m.example.cn/a?b=1"));
    }

    #[test]
    fn miniprogram_appid_is_checked() {
        let mp = |appid: &str| Content::Miniprogram {
            title: "小程序".into(),
            appid: appid.into(),
            pagepath: "pages/index".into(),
            thumb_url: None,
        };
        assert!(mp("wx123").normalized().is_err());
        assert!(mp("wx0123456789abcdef").normalized().is_ok());
        assert_eq!(mp("wx0123456789abcdef").bubble().source, Some("小程序"));
    }

    #[test]
    fn unknown_kinds_and_fields_are_refused() {
        assert!(serde_json::from_str::<Content>(r#"{"kind":"video","url":"x"}"#).is_err());
        assert!(serde_json::from_str::<Content>(r#"{"kind":"text","text":"a","x":1}"#).is_err());
        let c: Content = serde_json::from_str(r#"{"kind":"text","text":"a"}"#).unwrap();
        assert_eq!(Content::from_json(c.to_json()).unwrap(), c);
    }
}

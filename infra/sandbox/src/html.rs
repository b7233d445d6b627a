//! Small helpers for the sandbox's pages.

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes one query-string value.
pub fn query_escape(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A complete zh-CN page sized for phones.
pub fn page(title: &str, style: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no">
<title>{title}</title>
<style>
body {{ margin: 0; padding: 16px; font-family: -apple-system, "PingFang SC", "Helvetica Neue", "Microsoft YaHei", sans-serif; color: #191919; background: #fff; }}
a {{ color: #576b95; }}
code {{ background: #f2f2f2; padding: 0 4px; border-radius: 3px; }}
{style}
</style>
</head>
<body>
{body}
</body>
</html>
"#,
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn query_escape_encodes_reserved_characters() {
        assert_eq!(query_escape("http://h/cb?a=1&b=二"), "http%3A%2F%2Fh%2Fcb%3Fa%3D1%26b%3D%E4%BA%8C");
    }
}

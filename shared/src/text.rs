//! Text from outside: the characters no input may carry, and how a refusal names what was wrong
//! without repeating it (a refusal is logged, and a value or a key of the request may be a phone
//! number, an ID number or a forged log line).

/// Whether no input may carry `c`: the C0 and C1 control characters (and DEL) other than tab,
/// line feed and carriage return — PostgreSQL refuses NUL in text, and the others forge log lines
/// and terminal output — and U+FFFE and U+FFFF, which SQS refuses in a message.
pub fn is_refused(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Whether `s` carries no refused character.
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(is_refused)
}

/// Whether a JSON text carries no refused character, raw or written as a `\u` escape. Outside
/// strings a backslash is not JSON, so the text need not be parsed to find its strings.
pub fn json_is_clean(json: &str) -> bool {
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if chars.next() == Some('u') {
                let hex: String = chars.by_ref().take(4).collect();
                let escaped = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                if escaped.is_some_and(is_refused) {
                    return false;
                }
            }
        } else if is_refused(c) {
            return false;
        }
    }
    true
}

/// What a placeholder says in place of a key that is not shaped like one of our field names.
pub const UNNAMED_KEY: &str = "<?>";

/// A key of the request as a refusal may name it: itself when it is shaped like our field names
/// (lower-case letters and underscores, at most 32 characters, starting with a letter: no digit,
/// so no phone or ID number, and no line break or markup fits), otherwise a placeholder.
pub fn key_for_message(key: &str) -> &str {
    let shaped = key.len() <= 32
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if shaped { key } else { UNNAMED_KEY }
}

/// serde_json's message without its " at line … column …".
pub fn serde_json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&position).map(str::to_owned).unwrap_or(full)
}

/// What was wrong with a JSON text, as a refusal may tell it (see `data_error_for_message`;
/// serde_json's syntax messages are fixed texts with a line and a column).
pub fn json_error_for_message(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Data => data_error_for_message(&serde_json_message(e)),
        _ => format!("不是合法的 JSON：{e}"),
    }
}

/// serde's account of a data error (without serde_json's " at line … column …"), told again
/// without what the request held: serde repeats the value (`invalid type: integer
/// \`13812345678\``) or the key (`unknown field \`…\``), and our own parsers may too. What is
/// kept comes from our types: the field names serde names as missing or repeated, and what was
/// expected.
pub fn data_error_for_message(serde_message: &str) -> String {
    // What was expected comes last in serde's messages, after the value (which may itself hold
    // ", expected "): the last occurrence is serde's own.
    let expected = || {
        serde_message
            .rfind(", expected ")
            .map(|at| format!("，应为 {}", &serde_message[at + ", expected ".len()..]))
            .unwrap_or_default()
    };
    let named = |prefix: &str| {
        serde_message
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix('`'))
            .map(|name| key_for_message(name).to_owned())
    };
    if let Some(field) = named("missing field `") {
        format!("缺少字段 {field}")
    } else if let Some(field) = named("duplicate field `") {
        format!("字段 {field} 重复")
    } else if serde_message.starts_with("unknown field `") {
        format!("有不认识的字段{}", expected())
    } else if serde_message.starts_with("unknown variant `") {
        format!("不是可选的值{}", expected())
    } else if serde_message.starts_with("invalid type: ") {
        format!("类型不对{}", expected())
    } else if serde_message.starts_with("invalid length ") {
        format!("长度不对{}", expected())
    } else if serde_message.starts_with("invalid value: ") {
        format!("取值不对{}", expected())
    } else {
        "取值不合法".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_tab_and_line_breaks_are_not() {
        for bad in ["a\0b", "\u{1}", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{9f}", "\u{fffe}", "\u{ffff}"] {
            assert!(!is_clean(bad), "{bad:?}");
        }
        for good in ["", "a\tb\nc\r\n", "群宠 🐶", "\u{a0}", "\u{fffd}", "\u{2028}"] {
            assert!(is_clean(good), "{good:?}");
        }
    }

    #[test]
    fn json_is_scanned_raw_and_escaped() {
        let cases = [
            (r#"{"a":"x\u0000y"}"#, false, "an escaped NUL"),
            (r#"{"a\u0000":1}"#, false, "a NUL in a key"),
            (r#"{"a":"\u001B"}"#, false, "an escaped ESC, upper-case hex"),
            (r#"{"a":"\u0085"}"#, false, "an escaped C1"),
            ("{\"a\":\"\u{85}\"}", false, "a raw C1"),
            (r#"{"a":"\uFFFE"}"#, false, "an escaped U+FFFE"),
            ("{\"a\":\"\u{ffff}\"}", false, "a raw U+FFFF"),
            ("{\"a\":\"\0\"}", false, "a raw NUL (not JSON either)"),
            (r#"{"a":"\\u0000"}"#, true, "an escaped backslash then text"),
            (r#"{"a":"\t\n\r\u0009\u000a"}"#, true, "tabs and line breaks"),
            ("{\n\t\"a\": \"\\ud83d\\udc36\"\r\n}", true, "a surrogate pair, whitespace"),
            (r#"{"a":"\"\u0041"}"#, true, "an escaped quote then A"),
        ];
        for (json, clean, what) in cases {
            assert_eq!(json_is_clean(json), clean, "{what}: {json}");
        }
    }

    #[test]
    fn keys_are_named_only_when_shaped_like_field_names() {
        assert_eq!(key_for_message("id_number"), "id_number");
        assert_eq!(key_for_message("starts_at"), "starts_at");
        for odd in [
            "13812345678",
            "phone13812345678",
            "page2",
            "Phone",
            "a\nb",
            "a b",
            "x".repeat(33).as_str(),
            "",
            "_x",
            "名字",
            "a\"}",
        ] {
            assert_eq!(key_for_message(odd), UNNAMED_KEY, "{odd:?}");
        }
    }

    #[test]
    fn serde_messages_lose_what_the_request_held() {
        let cases = [
            ("invalid type: integer `13812345678`, expected a string", "类型不对，应为 a string"),
            ("invalid value: string \"a, expected 123\", expected a date", "取值不对，应为 a date"),
            ("invalid length 3, expected 2 elements", "长度不对，应为 2 elements"),
            (
                "unknown variant `boss\n`, expected one of `admin`, `operator`",
                "不是可选的值，应为 one of `admin`, `operator`",
            ),
            ("unknown field `13812345678`, expected `phone`", "有不认识的字段，应为 `phone`"),
            ("missing field `phone`", "缺少字段 phone"),
            ("missing field `Evil\n`", "缺少字段 <?>"),
            ("duplicate field `code`", "字段 code 重复"),
            ("日期格式应为 YYYY-MM-DD：2024-13-01", "取值不合法"),
        ];
        for (serde, ours) in cases {
            assert_eq!(data_error_for_message(serde), ours, "{serde}");
        }
    }
}

//! The operators' sensitive-word list and its matcher: Aho–Corasick over normalized text (lower
//! case, half width), so a hit does not depend on case or on full-width letters. Each instance
//! builds the matcher once per version of the list.

use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result};
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{Deleted, Page, PageRequest, like_escape};

/// Lower case and half width, character by character: full-width ASCII (Ａ, ｂ, ！) and the
/// ideographic space become their ASCII forms.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            '\0'..='\x7f' => out.push(c),
            // CJK ideographs have no case: the common case of Chinese text, without a table.
            '\u{3400}'..='\u{9fff}' => out.push(c),
            '\u{ff01}'..='\u{ff5e}' => {
                out.push(char::from_u32(c as u32 - 0xfee0).map_or(c, |h| h.to_ascii_lowercase()))
            }
            '\u{3000}' => out.push(' '),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Every word of the list, found at once.
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    words: Vec<String>,
}

impl Matcher {
    /// Words as the operators wrote them; the matcher works on their normalized forms.
    pub fn new<S: AsRef<str>>(words: &[S]) -> Self {
        let mut words: Vec<String> =
            words.iter().map(|w| normalize(w.as_ref().trim())).filter(|w| !w.is_empty()).collect();
        words.sort();
        words.dedup();
        let automaton = (!words.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&words)
                .expect("a list of non-empty words builds")
        });
        Matcher { automaton, words }
    }

    /// The distinct words found in `text` (normalized), in the order they first appear;
    /// overlapping words are all found ("ab" and "abc" in "abc").
    pub fn find(&self, text: &str) -> Vec<String> {
        let Some(automaton) = &self.automaton else { return Vec::new() };
        let text = normalize(text);
        let mut seen = vec![false; self.words.len()];
        let mut found = Vec::new();
        for m in automaton.find_overlapping_iter(&text) {
            let i = m.pattern().as_usize();
            if !seen[i] {
                seen[i] = true;
                found.push(self.words[i].clone());
            }
        }
        found
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// One matcher per instance, rebuilt when the list's version moves.
#[derive(Default)]
pub(crate) struct MatcherCache(Mutex<Option<(i64, Arc<Matcher>)>>);

async fn version(client: &impl GenericClient) -> Result<i64> {
    client
        .query_one(
            "SELECT last_value + (CASE WHEN is_called THEN 1 ELSE 0 END) AS version FROM sensitive_words_version",
            &[],
        )
        .await
        .db("failed to read the word list's version")
        .map(|r| r.get("version"))
}

/// The current matcher: one cheap query for the version, the list only when it changed.
pub async fn matcher(ctx: &Ctx, client: &impl GenericClient) -> Result<Arc<Matcher>> {
    let current = version(client).await?;
    if let Some((v, m)) = ctx.sensitive_words.0.lock().expect("matcher cache lock").as_ref()
        && *v == current
    {
        return Ok(m.clone());
    }
    let words: Vec<String> = client
        .query("SELECT normalized FROM sensitive_words", &[])
        .await
        .db("failed to load the word list")?
        .iter()
        .map(|r| r.get("normalized"))
        .collect();
    let built = Arc::new(Matcher::new(&words));
    *ctx.sensitive_words.0.lock().expect("matcher cache lock") = Some((current, built.clone()));
    Ok(built)
}

/// Refuses user-written text that holds a word of the list: 2003 with the words.
pub async fn check(ctx: &Ctx, client: &impl GenericClient, text: &str) -> Result<()> {
    let found = matcher(ctx, client).await?.find(text);
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::rejected(Code::SensitiveWord, format!("内容包含敏感词：{}", found.join("、")))
            .with_data(serde_json::json!({ "words": found })))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Word {
    pub id: i64,
    pub word: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WordCheck {
    pub words: Vec<String>,
}

/// The console's list, and the words a trial text holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WordList {
    #[serde(flatten)]
    pub page: Page<Word>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<WordCheck>,
}

pub const MAX_TRIAL_TEXT: usize = 10_000;

pub async fn list(ctx: &Ctx, q: Option<&str>, text: Option<&str>, page: PageRequest) -> Result<WordList> {
    let client = ctx.db()?.client().await?;
    let pattern = q.map(|q| format!("%{}%", like_escape(&normalize(q))));
    let total: i64 = client
        .query_one(
            "SELECT count(*) AS total FROM sensitive_words WHERE $1::text IS NULL OR normalized LIKE $1",
            &[&pattern],
        )
        .await
        .db("failed to count words")?
        .get("total");
    let items = client
        .query(
            "SELECT w.id, w.word, w.created_at, o.username FROM sensitive_words w LEFT JOIN operators o ON o.id = w.created_by
             WHERE $1::text IS NULL OR w.normalized LIKE $1 ORDER BY w.id DESC LIMIT $2 OFFSET $3",
            &[&pattern, &page.page_size, &page.offset()],
        )
        .await
        .db("failed to list words")?
        .iter()
        .map(|r| Word { id: r.get("id"), word: r.get("word"), created_at: r.get("created_at"), created_by: r.get("username") })
        .collect();
    let check = match text {
        Some(text) if text.chars().count() > MAX_TRIAL_TEXT => {
            return Err(Error::bad_request(format!("试一试的文本最长 {MAX_TRIAL_TEXT} 个字符")));
        }
        Some(text) => Some(WordCheck { words: matcher(ctx, &client).await?.find(text) }),
        None => None,
    };
    Ok(WordList { page: Page::new(items, total, page), check })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWords {
    /// Blank words are ignored; 1 to 1000 others (no `maxItems`: blanks are not counted), each
    /// at most 50 characters once trimmed.
    #[schema(schema_with = words_schema)]
    pub words: Vec<String>,
}

/// Strings of at most [`MAX_WORD_CHARS`] characters once trimmed, at least one.
fn words_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let word = ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^\s*(?:\S(?:[\s\S]{0,48}\S)?)?\s*$"));
    ArrayBuilder::new()
        .items(word)
        .min_items(Some(1))
        .description(Some(
            "Blank words are ignored; 1 to 1000 others (no `maxItems`: blanks are not counted), each at most 50 \
             characters once trimmed.",
        ))
        .build()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WordsAdded {
    pub added: u64,
    /// Already on the list (in any case or width), or repeated in the request.
    pub skipped: u64,
}

pub const MAX_WORDS_PER_REQUEST: usize = 1000;
pub const MAX_WORD_CHARS: usize = 50;

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn add(ctx: &Ctx, by: &ConsolePrincipal, new: NewWords) -> Result<WordsAdded> {
    by.require(operators::CONTENT_EDITORS)?;
    let words: Vec<&str> = new.words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()).collect();
    if words.is_empty() || words.len() > MAX_WORDS_PER_REQUEST {
        return Err(Error::bad_request(format!("一次可添加 1–{MAX_WORDS_PER_REQUEST} 个敏感词")));
    }
    if let Some(long) = words.iter().find(|w| w.chars().count() > MAX_WORD_CHARS) {
        return Err(Error::bad_request(format!("敏感词最长 {MAX_WORD_CHARS} 个字符：{long}")));
    }
    let normalized: Vec<String> = words.iter().map(|w| normalize(w)).collect();
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let added = tx
        .execute(
            "INSERT INTO sensitive_words (word, normalized, created_by)
             SELECT w, n, $3 FROM unnest($1::text[], $2::text[]) AS t(w, n) ON CONFLICT (normalized) DO NOTHING",
            &[&words, &normalized, &by.operator.id],
        )
        .await
        .db("failed to add words")?;
    if added > 0 {
        tx.execute("SELECT nextval('sensitive_words_version')", &[]).await.db("failed to bump the version")?;
    }
    operators::audit(
        &tx,
        by.operator.id,
        "sensitive_words.add",
        None,
        serde_json::json!({"added": added, "words": words.len()}),
    )
    .await?;
    tx.commit().await.db("failed to commit words")?;
    Ok(WordsAdded { added, skipped: words.len() as u64 - added })
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, id = id))]
pub async fn delete(ctx: &Ctx, by: &ConsolePrincipal, id: i64) -> Result<Deleted> {
    by.require(operators::CONTENT_EDITORS)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let word: String = tx
        .query_opt("DELETE FROM sensitive_words WHERE id = $1 RETURNING word", &[&id])
        .await
        .db("failed to delete a word")?
        .ok_or_else(|| Error::not_found("敏感词不存在"))?
        .get("word");
    tx.execute("SELECT nextval('sensitive_words_version')", &[]).await.db("failed to bump the version")?;
    operators::audit(
        &tx,
        by.operator.id,
        "sensitive_words.delete",
        Some(&id.to_string()),
        serde_json::json!({"word": word}),
    )
    .await?;
    tx.commit().await.db("failed to commit a delete")?;
    Ok(Deleted { id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_ignores_case_and_width() {
        let m = Matcher::new(&["Spam", "代开发票", "ＶＸ", "ab", "abc"]);
        assert_eq!(m.find("buy SPAM now"), vec!["spam"]);
        assert_eq!(m.find("ｓｐａｍ！"), vec!["spam"]);
        assert_eq!(m.find("加vx，代开发票"), vec!["vx", "代开发票"]);
        assert_eq!(m.find("xabcx"), vec!["ab", "abc"]);
        assert!(m.find("干净的文本").is_empty());
        assert!(Matcher::new::<&str>(&[]).find("anything").is_empty());
    }

    #[test]
    fn the_list_is_deduplicated_by_normal_form() {
        assert_eq!(Matcher::new(&["Ａ股", "a股", " a股 ", ""]).len(), 1);
        assert_eq!(normalize("ＡＢＣ\u{3000}Ｄ"), "abc d");
        assert_eq!(normalize("ÄÖ Σ 代开ＶＸ"), "äö σ 代开vx");
    }

    #[test]
    fn many_words_in_a_long_text() {
        let words: Vec<String> = (0..10_000).map(|i| format!("词{i:05}")).collect();
        let m = Matcher::new(&words);
        let text = "正常内容".repeat(10_000) + "词09999" + &"正常".repeat(1000) + "词00042";
        assert_eq!(m.find(&text), vec!["词09999", "词00042"]);
    }
}

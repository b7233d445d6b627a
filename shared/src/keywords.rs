//! Keyword replies: an owner's keyword → reply pairs, for one group or all their groups. The
//! robot-events consumer answers a group message whose text is a keyword. An owner has at most
//! [`MAX_PER_OWNER`] (each is loaded for every message of their groups); the list is paged, so
//! every one can be seen and deleted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::content;
use crate::context::Ctx;
use crate::db::{QueryContext, constraint, violated_constraint};
use crate::error::{Code, Error, Result};
use crate::ids::{GroupId, UserId};
use crate::paging::{Deleted, Page, PageRequest};
use crate::sensitive_words;

/// Keywords one owner may have, all groups together.
pub const MAX_PER_OWNER: i64 = 200;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Keyword {
    pub id: i64,
    /// None: every group of the owner.
    pub group_id: Option<GroupId>,
    pub group_name: Option<String>,
    pub keyword: String,
    pub reply: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyword {
    #[serde(default)]
    pub group_id: Option<GroupId>,
    /// 1 to 30 characters once trimmed, on one line.
    #[schema(pattern = r"^\s*\S(?:[^\n]{0,28}\S)?\s*$")]
    pub keyword: String,
    /// 1 to 500 characters once line ends are `\n`, each line's trailing blanks and the blank
    /// lines at either end are removed (not a length in the schema: what is removed is not
    /// counted).
    #[schema(pattern = r"\S")]
    pub reply: String,
}

const SELECT: &str = "SELECT k.id, k.group_id, g.name AS group_name, k.keyword, k.reply, k.created_at
    FROM keywords k LEFT JOIN groups g ON g.id = k.group_id";

fn from_row(r: &tokio_postgres::Row) -> Keyword {
    Keyword {
        id: r.get("id"),
        group_id: r.get("group_id"),
        group_name: r.get("group_name"),
        keyword: r.get("keyword"),
        reply: r.get("reply"),
        created_at: r.get("created_at"),
    }
}

/// The owner's keywords (with `group_id`: that group's and those for all groups), newest first,
/// a page at a time.
pub async fn list(ctx: &Ctx, owner_id: UserId, group_id: Option<GroupId>, page: PageRequest) -> Result<Page<Keyword>> {
    let client = ctx.db()?.client().await?;
    let filter = "k.owner_id = $1 AND ($2::bigint IS NULL OR k.group_id = $2 OR k.group_id IS NULL)";
    let total: i64 = client
        .query_one(&format!("SELECT count(*) AS total FROM keywords k WHERE {filter}"), &[&owner_id, &group_id])
        .await
        .db("failed to count keywords")?
        .get("total");
    let rows = client
        .query(
            &format!("{SELECT} WHERE {filter} ORDER BY k.id DESC LIMIT $3 OFFSET $4"),
            &[&owner_id, &group_id, &page.page_size, &page.offset()],
        )
        .await
        .db("failed to list keywords")?;
    Ok(Page::new(rows.iter().map(from_row).collect(), total, page))
}

/// Trimmed text of 1 to `max` characters; a keyword is one line.
fn text(field: &str, value: &str, max: usize, one_line: bool) -> Result<String> {
    let value = if one_line { value.trim().to_owned() } else { content::normalize_text(value) };
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(Error::bad_request(format!("{field} 须为 1 到 {max} 个字")));
    }
    if one_line && value.contains('\n') {
        return Err(Error::bad_request(format!("{field} 不能换行")));
    }
    Ok(value)
}

#[tracing::instrument(skip_all, fields(owner_id))]
pub async fn add(ctx: &Ctx, owner_id: UserId, new: NewKeyword) -> Result<Keyword> {
    let keyword = text("keyword", &new.keyword, 30, true)?;
    let reply = text("reply", &new.reply, 500, false)?;
    let mut client = ctx.db()?.client().await?;
    if let Some(group_id) = new.group_id {
        let mine = client
            .query_opt("SELECT 1 FROM groups WHERE id = $1 AND owner_id = $2", &[&group_id, &owner_id])
            .await
            .db("failed to check the group")?;
        if mine.is_none() {
            return Err(Error::not_found("群不存在或不属于你"));
        }
    }
    sensitive_words::check(ctx, &client, &format!("{keyword}\n{reply}")).await?;
    // The owner's row locked while counting: two additions at once cannot both pass the cap.
    let tx = client.transaction().await.db("failed to begin")?;
    tx.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&owner_id]).await.db("failed to lock the owner")?;
    let count: i64 = tx
        .query_one("SELECT count(*) AS keywords FROM keywords WHERE owner_id = $1", &[&owner_id])
        .await
        .db("failed to count keywords")?
        .get("keywords");
    if count >= MAX_PER_OWNER {
        return Err(Error::rejected(
            Code::CreateFailed,
            format!("关键词最多 {MAX_PER_OWNER} 个（你已有 {count} 个），请先删除不用的关键词再添加"),
        ));
    }
    let row = tx
        .query_one(
            "WITH k AS (INSERT INTO keywords (owner_id, group_id, keyword, reply) VALUES ($1, $2, $3, $4) RETURNING *)
             SELECT k.id, k.group_id, g.name AS group_name, k.keyword, k.reply, k.created_at
             FROM k LEFT JOIN groups g ON g.id = k.group_id",
            &[&owner_id, &new.group_id, &keyword, &reply],
        )
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some(constraint::KEYWORDS_UNIQUE) => Error::rejected(Code::SameTimeExists, "该关键词已存在"),
            _ => Error::Unexpected(anyhow::Error::new(e).context("failed to add a keyword")),
        })?;
    tx.commit().await.db("failed to commit the keyword")?;
    Ok(from_row(&row))
}

pub async fn delete(ctx: &Ctx, owner_id: UserId, id: i64) -> Result<Deleted> {
    let deleted = ctx
        .db()?
        .client()
        .await?
        .execute("DELETE FROM keywords WHERE id = $1 AND owner_id = $2", &[&id, &owner_id])
        .await
        .db("failed to delete the keyword")?;
    if deleted == 0 {
        return Err(Error::not_found("关键词不存在"));
    }
    Ok(Deleted { id })
}

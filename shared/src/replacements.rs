//! Replacing a group's robot (更换机器人): the owner taps once (or operators do it for every
//! group of a banned robot) and gets another online robot with a pairing code; when that robot
//! joins the group, the group moves to it — the same group, with its history, stars, owner and
//! income — and the outage of its old robot ends for it.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result};
use crate::groups::{self, Group, GroupState, Join};
use crate::health::{self, health_sql};
use crate::ids::{GroupId, UserId};
use crate::operators::{self, ConsolePrincipal};
use crate::robots;
use crate::settings::{self, RobotSettings};

/// The replacement robot offered for a group, as its owner sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Replacement {
    pub robot_id: i64,
    pub robot_wxid: String,
    pub nickname: String,
    pub qr_code_url: String,
    /// Sent with the friend request to the new robot; then the owner pulls it into the group.
    pub pairing_code: String,
    pub expires_at: DateTime<Utc>,
    /// Whether operators prepared it (for every group of a banned robot).
    pub by_operators: bool,
}

/// The open replacements of these groups.
pub async fn open(
    client: &impl GenericClient,
    group_ids: &[GroupId],
) -> Result<std::collections::HashMap<GroupId, Replacement>> {
    let rows = client
        .query(
            "SELECT x.group_id, x.new_robot_id, r.wxid, r.nickname, r.qr_code_url, x.pairing_code,
                    p.expires_at, x.by_operator IS NOT NULL AS by_operators
             FROM robot_replacements x JOIN robots r ON r.id = x.new_robot_id
             JOIN pairing_codes p ON p.code = x.pairing_code
             WHERE x.group_id = ANY($1) AND x.done_at IS NULL AND p.expires_at > now()",
            &[&group_ids],
        )
        .await
        .db("failed to load the replacements")?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get("group_id"),
                Replacement {
                    robot_id: r.get("new_robot_id"),
                    robot_wxid: r.get("wxid"),
                    nickname: r.get("nickname"),
                    qr_code_url: r.get("qr_code_url"),
                    pairing_code: r.get("pairing_code"),
                    expires_at: r.get("expires_at"),
                    by_operators: r.get("by_operators"),
                },
            )
        })
        .collect())
}

/// An online robot with a free place, other than `not`: the one with the most free places.
async fn pick(client: &impl GenericClient, settings: &RobotSettings, not: i64) -> Result<Option<i64>> {
    let row = client
        .query_opt(
            &format!(
                "SELECT r.id FROM robots r
                 WHERE r.enabled AND r.id <> $2 AND {} = 'online'
                   AND r.capacity > (SELECT count(*) FROM groups g WHERE g.robot_id = r.id AND g.state = 'active')
                 ORDER BY r.capacity - (SELECT count(*) FROM groups g WHERE g.robot_id = r.id AND g.state = 'active') DESC, r.id
                 LIMIT 1",
                health_sql("r", "$1")
            ),
            &[&(settings.silent_after_secs as i32), &not],
        )
        .await
        .db("failed to pick a replacement robot")?;
    Ok(row.map(|r| r.get("id")))
}

/// Prepares (or answers the open) replacement of one group for its owner. `None`: no robot is
/// free.
async fn prepare(
    ctx: &Ctx,
    client: &impl GenericClient,
    settings: &RobotSettings,
    group_id: GroupId,
    by: Option<i64>,
) -> Result<Option<()>> {
    let group = client
        .query_opt("SELECT owner_id, robot_id FROM groups WHERE id = $1", &[&group_id])
        .await
        .db("failed to load the group")?
        .ok_or_else(|| Error::not_found("群不存在"))?;
    let (owner_id, robot_id): (Option<UserId>, i64) = (group.get("owner_id"), group.get("robot_id"));
    let Some(owner_id) = owner_id else { return Err(Error::bad_request("该群没有群主")) };
    if !open(client, &[group_id]).await?.is_empty() {
        return Ok(Some(()));
    }
    let Some(new_robot) = pick(client, settings, robot_id).await? else { return Ok(None) };
    let offer = robots::offer(ctx, client, owner_id, new_robot).await?;
    client
        .execute(
            "WITH gone AS (DELETE FROM robot_replacements WHERE group_id = $1 AND done_at IS NULL)
             INSERT INTO robot_replacements (group_id, owner_id, old_robot_id, new_robot_id, pairing_code, by_operator)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&group_id, &owner_id, &robot_id, &new_robot, &offer.pairing_code, &by],
        )
        .await
        .db("failed to store the replacement")?;
    Ok(Some(()))
}

/// `POST /api/groups/{id}/replace-robot`: the owner's one tap, while the group's robot is not
/// online. Answers the group with its replacement.
#[tracing::instrument(skip_all, fields(owner_id, group_id = id.get()))]
pub async fn for_owner(ctx: &Ctx, owner_id: UserId, id: GroupId) -> Result<Group> {
    let client = ctx.db()?.client().await?;
    let group = groups::owned(ctx, &client, id, owner_id).await?;
    if !matches!(group.state, GroupState::Active | GroupState::Left) {
        return Err(Error::bad_request("该群已注销或未开通，请重新拉机器人进群"));
    }
    if group.robot_health == health::Health::Online && group.state == GroupState::Active {
        return Err(Error::bad_request("机器人在线，无需更换"));
    }
    let settings: RobotSettings = settings::load(&client).await?;
    if prepare(ctx, &client, &settings, id, None).await?.is_none() {
        return Err(Error::rejected(Code::NoRobotAvailable, "暂时没有可替换的机器人，请稍后再试"));
    }
    groups::owned(ctx, &client, id, owner_id).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkReplacement {
    /// The robot's active groups.
    pub groups: usize,
    /// Groups with a replacement ready (new or already open).
    pub prepared: usize,
    /// Groups left without one: no robot had a free place.
    pub without_robot: usize,
}

/// Operators prepare a replacement for every active group of a robot that is not online.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, robot_id))]
pub async fn for_robot(ctx: &Ctx, by: &ConsolePrincipal, robot_id: i64) -> Result<BulkReplacement> {
    by.require(operators::CONTENT_EDITORS)?;
    let client = ctx.db()?.client().await?;
    let settings: RobotSettings = settings::load(&client).await?;
    let robot = client
        .query_opt(
            &format!("SELECT {} AS health FROM robots r WHERE r.id = $2", health_sql("r", "$1")),
            &[&(settings.silent_after_secs as i32), &robot_id],
        )
        .await
        .db("failed to load the robot")?
        .ok_or_else(|| Error::not_found("机器人不存在"))?;
    if robot.get::<_, health::Health>("health") == health::Health::Online {
        return Err(Error::bad_request("机器人在线，无需更换"));
    }
    let ids: Vec<GroupId> = client
        .query(
            "SELECT id FROM groups WHERE robot_id = $1 AND state = 'active' AND owner_id IS NOT NULL ORDER BY id",
            &[&robot_id],
        )
        .await
        .db("failed to list the robot's groups")?
        .iter()
        .map(|r| r.get("id"))
        .collect();
    let mut report = BulkReplacement { groups: ids.len(), prepared: 0, without_robot: 0 };
    for id in ids {
        match prepare(ctx, &client, &settings, id, Some(by.operator.id)).await? {
            Some(()) => report.prepared += 1,
            None => report.without_robot += 1,
        }
    }
    operators::audit(
        &client,
        by.operator.id,
        "robot.replace_groups",
        Some(&robot_id.to_string()),
        serde_json::json!({"groups": report.groups, "prepared": report.prepared, "without_robot": report.without_robot}),
    )
    .await?;
    Ok(report)
}

/// The group a join moves, when the joining robot is the open replacement of the inviter's group
/// there: the group now has this robot, active, with its history; its outage ends. Answers the
/// old robot's wxid (to leave the group, if it still can).
pub async fn move_on_join(client: &impl GenericClient, join: &Join<'_>) -> Result<Option<String>> {
    let row = client
        .query_opt(
            "WITH x AS (
                 UPDATE robot_replacements x SET done_at = now()
                 FROM groups g WHERE g.id = x.group_id AND g.group_wxid = $1 AND x.new_robot_id = $2
                     AND x.owner_id = $3 AND x.done_at IS NULL AND g.owner_id = $3
                 RETURNING x.group_id, x.old_robot_id)
             UPDATE groups g SET robot_id = $2, state = 'active', exit_reason = NULL, exited_at = NULL,
                 state_at = GREATEST(g.state_at, $4), name = $5, member_count = $6, member_count_at = $4
             FROM x JOIN robots old ON old.id = x.old_robot_id
             WHERE g.id = x.group_id
             RETURNING g.id, old.wxid AS old_wxid",
            &[&join.group_wxid, &join.robot_id, &join.owner_id, &join.at, &join.name, &join.member_count],
        )
        .await
        .db("failed to move the group")?;
    let Some(row) = row else { return Ok(None) };
    health::close_group_outage(client, row.get("id"), join.at).await?;
    tracing::info!(
        group_id = row.get::<_, i64>("id"),
        robot_id = join.robot_id,
        "group moved to its replacement robot"
    );
    Ok(Some(row.get("old_wxid")))
}

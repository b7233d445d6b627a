//! Daily active users: every authenticated H5 request sets the user's bit in the day's bitmap
//! (`GPET:USER_OPT_{day}`, the old system's key); the `dau-rollup` job stores yesterday's count
//! in PostgreSQL. The console dashboard shows them beside the new users of each day.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::clock::BusinessDay;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Error, Result, Unexpected};
use crate::short_links;
use crate::{groups, robots};

/// Bitmaps outlive their day long enough for the rollup to read them.
const BITMAP_SECS: i64 = 3 * 24 * 3600;

fn day_key(ctx: &Ctx, day: BusinessDay) -> Result<String> {
    Ok(ctx.cache()?.key(format!("GPET:USER_OPT_{}", day.compact())))
}

/// Adds "this user was active today" to a pipeline.
pub fn mark_active(ctx: &Ctx, pipe: &mut redis::Pipeline, user_id: i64) -> Result<()> {
    let key = day_key(ctx, ctx.clock.today())?;
    pipe.setbit(&key, user_id as usize, true).ignore().expire(&key, BITMAP_SECS).ignore();
    Ok(())
}

async fn count_active(ctx: &Ctx, day: BusinessDay) -> Result<i64> {
    let mut redis = ctx.cache()?.conn();
    redis::cmd("BITCOUNT")
        .arg(day_key(ctx, day)?)
        .query_async(&mut redis)
        .await
        .unexpected("failed to count active users")
}

#[derive(Debug, Serialize)]
pub struct Rollup {
    pub day: BusinessDay,
    pub active_users: i64,
    pub visits_folded: i64,
}

/// The daily rollup: yesterday's active users into PostgreSQL (never lowering a count already
/// stored, so a rerun after Redis lost the bitmap changes nothing), and the short links' visits.
#[tracing::instrument(skip_all)]
pub async fn rollup(ctx: &Ctx) -> Result<Rollup> {
    let day = ctx.clock.today().pred();
    let active_users = count_active(ctx, day).await?;
    ctx.db()?
        .client()
        .await?
        .execute(
            "INSERT INTO daily_activity (day, active_users) VALUES ($1, $2)
             ON CONFLICT (day) DO UPDATE SET active_users = GREATEST(daily_activity.active_users, EXCLUDED.active_users),
                 rolled_up_at = now()",
            &[&day.date(), &(active_users as i32)],
        )
        .await
        .db("failed to store daily activity")?;
    let visits_folded = short_links::fold_visits(ctx).await?;
    tracing::info!(%day, active_users, visits_folded, "daily rollup");
    Ok(Rollup { day, active_users, visits_folded })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayStats {
    pub day: String,
    pub active_users: i64,
    pub new_users: i64,
    pub robots: RobotsOfDay,
    /// Groups holding 1★ … 5★ on this day (rated from the day before), keyed "1" … "5".
    pub groups_by_stars: BTreeMap<String, i64>,
    /// Income credited by the day's settlement (groups, ads, commission).
    pub income_fen: i64,
    /// Withdrawals paid out that day.
    pub payouts_fen: i64,
}

/// Robots' use of a day, summed over robots.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RobotsOfDay {
    /// Free places in the day's snapshot.
    pub free: i64,
    pub distributed: i64,
    pub displayed: i64,
    pub activated: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    pub days: Vec<DayStats>,
}

pub const MAX_DAYS: i64 = 366;

/// `from` and `to` (inclusive) as typed, or the last 30 days.
pub fn parse_range(ctx: &Ctx, from: Option<&str>, to: Option<&str>) -> Result<(BusinessDay, BusinessDay)> {
    let parse = |s: Option<&str>| s.map(|s| BusinessDay::parse(s).map_err(Error::bad_request)).transpose();
    let to = parse(to)?.unwrap_or_else(|| ctx.clock.today());
    let from = parse(from)?.unwrap_or_else(|| BusinessDay::from_date(to.date() - chrono::Duration::days(29)));
    let days = (to.date() - from.date()).num_days() + 1;
    if days < 1 {
        return Err(Error::bad_request("开始日期不能晚于结束日期"));
    }
    if days > MAX_DAYS {
        return Err(Error::bad_request(format!("日期范围最多 {MAX_DAYS} 天")));
    }
    Ok((from, to))
}

/// Daily active and new users of each day of the range. Days not rolled up yet (today, or
/// yesterday before 00:10) are counted live from Redis.
pub async fn dashboard(ctx: &Ctx, from: BusinessDay, to: BusinessDay) -> Result<Dashboard> {
    let rows = ctx
        .db()?
        .client()
        .await?
        .query(
            "SELECT d.day, a.active_users,
                    (SELECT count(*) FROM users u WHERE NOT u.snapshot
                       AND u.created_at >= d.day::timestamp AT TIME ZONE 'Asia/Shanghai'
                       AND u.created_at < (d.day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AS new_users
                    , coalesce((SELECT sum(s.group_income_fen + s.ad_income_fen + s.commission_fen + s.protected_income_fen)
                                FROM settlement_steps s WHERE s.day = d.day), 0)::bigint AS income_fen,
                    coalesce((SELECT sum(w.amount_fen) FROM withdrawals w WHERE w.state = 'success'
                                AND w.finished_at >= d.day::timestamp AT TIME ZONE 'Asia/Shanghai'
                                AND w.finished_at < (d.day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'), 0)::bigint AS payouts_fen
             FROM (SELECT generate_series($1::date, $2::date, interval '1 day')::date AS day) AS d
             LEFT JOIN daily_activity a ON a.day = d.day
             ORDER BY d.day",
            &[&from.date(), &to.date()],
        )
        .await
        .db("failed to load the dashboard")?;
    let today = ctx.clock.today();
    let robots = robots::use_by_day(ctx, from, to).await?;
    let stars = groups::stars_by_day(ctx, from, to).await?;
    let mut days = Vec::with_capacity(rows.len());
    for row in rows {
        let day = BusinessDay::from_date(row.get("day"));
        let stored: Option<i32> = row.get("active_users");
        let active_users = match stored {
            Some(n) => i64::from(n),
            None if day == today || day == today.pred() => count_active(ctx, day).await?,
            None => 0,
        };
        let used = robots.get(&day).copied().unwrap_or_default();
        let by_stars = stars.get(&day).copied().unwrap_or_default();
        days.push(DayStats {
            day: day.to_string(),
            active_users,
            new_users: row.get("new_users"),
            robots: RobotsOfDay {
                free: used.snapshot_free,
                distributed: used.distributed,
                displayed: used.displayed,
                activated: used.activated,
            },
            groups_by_stars: (1..=5).map(|s| (s.to_string(), by_stars[s - 1])).collect(),
            income_fen: row.get("income_fen"),
            payouts_fen: row.get("payouts_fen"),
        });
    }
    Ok(Dashboard { from: from.to_string(), to: to.to_string(), days })
}

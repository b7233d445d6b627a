//! The send governor: every send of a robot (keyword and customer-service replies, pairing
//! answers, mass messages, ad campaigns) takes a slot from it first. Per robot, in one Redis hash
//! (`GPET:ROBOT_GOV_{id}`, so a script touches one key whatever the cluster's slots):
//!
//! - a random gap between two sends, drawn in `[send_gap_min_ms, send_gap_max_ms]` for each
//!   send (never a fixed interval), counted from the moment the previous send was answered, so
//!   that the platform never sees two sends closer than the gap, whoever sent them;
//! - at most `per_minute` sends in a minute and `per_day` in a business day;
//! - after the platform's risk-control refusal, a pause that doubles with each refusal in a row
//!   (`cooldown_base_secs`, at most `cooldown_max_secs`), cleared by the next send accepted.
//!
//! A slot is reserved before the send and counted then; one not used is given back.

use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use redis::Script;

use crate::context::Ctx;
use crate::error::{Result, Unexpected};
use crate::settings::RobotSettings;

/// The hash outlives a day's counters.
const KEEP_MS: i64 = 3 * 24 * 3600 * 1000;

/// Takes a slot: answers {0, wait ms, slot ms, gap ms} or {1, 0, 0, 0} when the day's sends are
/// spent (nothing taken then).
const RESERVE: &str = r#"
local now, gap, per_minute, per_day, today, keep =
  tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local v = redis.call('HMGET', KEYS[1], 'next', 'pause', 'win', 'wcount', 'day', 'dcount')
local slot = math.max(now, tonumber(v[1] or '0'), tonumber(v[2] or '0'))
local dcount = tonumber(v[6] or '0')
if v[5] ~= today then dcount = 0 end
if dcount >= per_day then return {1, 0, 0, 0} end
local win = math.floor(slot / 60000)
local wcount = tonumber(v[4] or '0')
if tonumber(v[3] or '-1') ~= win then wcount = 0 end
if wcount >= per_minute then
  win = win + 1
  slot = win * 60000
  wcount = 0
end
redis.call('HSET', KEYS[1], 'next', slot + gap, 'gap', gap, 'win', win, 'wcount', wcount + 1,
  'day', today, 'dcount', dcount + 1)
redis.call('PEXPIRE', KEYS[1], keep)
return {0, slot - now, slot, gap}
"#;

/// Gives back a slot not used (ARGV: its slot and gap, ms): it is not counted, and when no slot
/// was taken after it, the next send may take its time.
const UNRESERVE: &str = r#"
local slot, gap = tonumber(ARGV[1]), tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'wcount', 'dcount', 'next')
if tonumber(v[1] or '0') > 0 then redis.call('HINCRBY', KEYS[1], 'wcount', -1) end
if tonumber(v[2] or '0') > 0 then redis.call('HINCRBY', KEYS[1], 'dcount', -1) end
if tonumber(v[3] or '0') == slot + gap then redis.call('HSET', KEYS[1], 'next', slot) end
return 0
"#;

/// The send was answered at ARGV[1]: the next one waits its gap from now. ARGV[2] = 1 when it
/// was accepted (the cool-down is over), 2 when the platform's risk control refused it (the
/// robot pauses: base × 2^(refusals in a row − 1), at most max); answers the pause in ms.
const FINISH: &str = r#"
local now, outcome, base, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 'next', 'gap', 'level')
local next = math.max(tonumber(v[1] or '0'), now + tonumber(v[2] or '0'))
redis.call('HSET', KEYS[1], 'next', next)
if outcome == 1 then
  redis.call('HSET', KEYS[1], 'level', 0)
  return 0
elseif outcome == 2 then
  local level = tonumber(v[3] or '0') + 1
  local pause = math.min(max, base * 2 ^ (level - 1))
  redis.call('HSET', KEYS[1], 'level', level, 'pause', now + pause)
  return pause
end
return 0
"#;

/// A slot, or why none is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Send after the reservation's wait.
    After(Reservation),
    /// The robot's sends of the day are spent (nothing was taken).
    DaySpent,
}

/// A slot taken: send after `wait`, or give it back ([`unreserve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    pub wait: Duration,
    slot_ms: i64,
    gap_ms: i64,
}

/// How the platform answered a send made in a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Accepted,
    /// Its risk control refused: the robot pauses.
    RiskRefused,
    /// Anything else (refused for another reason, unreachable): the gap counts, nothing more.
    Other,
}

fn key(ctx: &Ctx, robot_id: i64) -> Result<String> {
    Ok(ctx.cache()?.key(format!("GPET:ROBOT_GOV_{{{robot_id}}}")))
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A gap drawn for one send.
pub fn draw_gap(settings: &RobotSettings) -> Duration {
    let (min, max) = (settings.send_gap_min_ms, settings.send_gap_max_ms.max(settings.send_gap_min_ms));
    Duration::from_millis(u64::from(rand::rng().random_range(min..=max)))
}

/// Reserves the robot's next send.
pub async fn reserve(ctx: &Ctx, settings: &RobotSettings, robot_id: i64) -> Result<Slot> {
    let mut redis = ctx.cache()?.conn();
    let (spent, wait, slot_ms, gap_ms): (i64, i64, i64, i64) = Script::new(RESERVE)
        .key(key(ctx, robot_id)?)
        .arg(now_ms())
        .arg(draw_gap(settings).as_millis() as i64)
        .arg(settings.per_minute)
        .arg(settings.per_day)
        .arg(ctx.clock.today().compact())
        .arg(KEEP_MS)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to reserve a send")?;
    Ok(match spent {
        1 => Slot::DaySpent,
        _ => Slot::After(Reservation { wait: Duration::from_millis(wait.max(0) as u64), slot_ms, gap_ms }),
    })
}

/// Gives back a slot that was not used.
pub async fn unreserve(ctx: &Ctx, robot_id: i64, reservation: Reservation) -> Result<()> {
    let mut redis = ctx.cache()?.conn();
    let _: i64 = Script::new(UNRESERVE)
        .key(key(ctx, robot_id)?)
        .arg(reservation.slot_ms)
        .arg(reservation.gap_ms)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to give back a send")?;
    Ok(())
}

/// Records how a send was answered (now); answers the pause it started, if any.
pub async fn finished(ctx: &Ctx, settings: &RobotSettings, robot_id: i64, answered: Answered) -> Result<Duration> {
    let outcome = match answered {
        Answered::Other => 0,
        Answered::Accepted => 1,
        Answered::RiskRefused => 2,
    };
    let mut redis = ctx.cache()?.conn();
    let pause: i64 = Script::new(FINISH)
        .key(key(ctx, robot_id)?)
        .arg(now_ms())
        .arg(outcome)
        .arg(i64::from(settings.cooldown_base_secs) * 1000)
        .arg(i64::from(settings.cooldown_max_secs) * 1000)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to record a send")?;
    Ok(Duration::from_millis(pause.max(0) as u64))
}

/// What the governor holds of a robot now, for the console.
#[derive(Debug, Clone, Copy, Default)]
pub struct State {
    /// Slots taken today (business day).
    pub sends_today: i64,
    /// While paused by a cool-down: until when (real time).
    pub paused_until: Option<chrono::DateTime<Utc>>,
}

pub async fn state(ctx: &Ctx, robot_ids: &[i64]) -> Result<std::collections::HashMap<i64, State>> {
    let mut pipe = redis::pipe();
    for id in robot_ids {
        pipe.cmd("HMGET").arg(key(ctx, *id)?).arg("day").arg("dcount").arg("pause");
    }
    let mut redis = ctx.cache()?.conn();
    let rows: Vec<(Option<String>, Option<i64>, Option<i64>)> =
        pipe.query_async(&mut redis).await.unexpected("failed to read the governor")?;
    let today = ctx.clock.today().compact();
    let now = now_ms();
    Ok(robot_ids
        .iter()
        .zip(rows)
        .map(|(id, (day, count, pause))| {
            let sends_today = if day.as_deref() == Some(today.as_str()) { count.unwrap_or(0) } else { 0 };
            let paused_until = pause.filter(|p| *p > now).and_then(chrono::DateTime::<Utc>::from_timestamp_millis);
            (*id, State { sends_today, paused_until })
        })
        .collect())
}

/// Sends one message the robot says on its own (a keyword or customer-service reply, a pairing
/// answer, a refusal) through the governor, if its slot comes within `max_wait`; answers whether
/// it was sent. A failure is logged, never retried: the event it answers has taken effect.
pub async fn say(
    ctx: &Ctx,
    settings: &RobotSettings,
    robot_id: i64,
    robot_wxid: &str,
    to: crate::partners::robot::To<'_>,
    content: &crate::content::Content,
    max_wait: Duration,
) -> bool {
    let sent: Result<bool> = async {
        let wait = match reserve(ctx, settings, robot_id).await? {
            Slot::After(taken) if taken.wait <= max_wait => taken.wait,
            slot => {
                if let Slot::After(taken) = slot {
                    unreserve(ctx, robot_id, taken).await?;
                }
                tracing::warn!(robot_id, ?slot, "the robot's reply was not sent: its governor has no slot in time");
                return Ok(false);
            }
        };
        tokio::time::sleep(wait).await;
        let answer = ctx.robot()?.send(robot_wxid, to, content).await;
        let answered = match &answer {
            Ok(_) => Answered::Accepted,
            Err(e) if e.is_risk_control() => Answered::RiskRefused,
            Err(_) => Answered::Other,
        };
        finished(ctx, settings, robot_id, answered).await?;
        if let Err(e) = answer {
            tracing::warn!(robot_id, error = %e, "the robot's reply was not sent");
            return Ok(false);
        }
        Ok(true)
    }
    .await;
    sent.unwrap_or_else(|e| {
        tracing::warn!(robot_id, error = %e, "the robot's reply was not sent");
        false
    })
}

//! The send governor: every send of a robot (keyword and customer-service replies, pairing
//! answers, mass messages, ad campaigns) waits for the robot's turn and takes it first. Per
//! robot, in one Redis hash (`GPET:ROBOT_GOV_{id}`, so a script touches one key whatever the
//! cluster's slots):
//!
//! - one send at a time: a turn is held from when it is taken until the platform answers (or
//!   the turn is given back unused; a lease frees it from a sender that died);
//! - a random gap between two sends, drawn in `[send_gap_min_ms, send_gap_max_ms]` for each
//!   send (never a fixed interval), counted from the moment the previous send was answered: the
//!   platform never sees two sends closer than the gap, whoever sent them, however many
//!   dispatchers and consumers share the robot;
//! - at most `per_minute` sends in a minute and `per_day` in a business day;
//! - after the platform's risk-control refusal, a pause that doubles with each refusal in a row
//!   (`cooldown_base_secs`, at most `cooldown_max_secs`), cleared by the next send accepted.
//!
//! A turn is taken at the moment of the send, never booked ahead, so that a sender that is late
//! (a slow claim, a busy database) delays the next send rather than squeezing its gap.

use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use redis::Script;

use crate::context::Ctx;
use crate::error::{Result, Unexpected};
use crate::settings::RobotSettings;

/// The hash outlives a day's counters.
const KEEP_MS: i64 = 3 * 24 * 3600 * 1000;
/// A turn not answered within this is free again (its sender died).
const LEASE_MS: i64 = 60_000;
/// How often a sender looks again while another send of the robot is in flight.
const IN_FLIGHT_POLL_MS: i64 = 50;

/// Takes the robot's turn now if it may send now: {0, 0}; {2, ms} to look again in ms; {1, 0}
/// when the day's sends are spent. ARGV: now, this send's gap, per minute, per day, today, keep,
/// lease, poll.
const TAKE: &str = r#"
local now, gap, per_minute, per_day, today, keep, lease, poll =
  tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]),
  tonumber(ARGV[7]), tonumber(ARGV[8])
local v = redis.call('HMGET', KEYS[1], 'next', 'pause', 'inflight', 'win', 'wcount', 'day', 'dcount')
local inflight = tonumber(v[3] or '0')
if inflight > now then return {2, math.min(inflight - now, poll)} end
local at = math.max(tonumber(v[1] or '0'), tonumber(v[2] or '0'))
if at > now then return {2, at - now} end
local dcount = tonumber(v[7] or '0')
if v[6] ~= today then dcount = 0 end
if dcount >= per_day then return {1, 0} end
local win = math.floor(now / 60000)
local wcount = tonumber(v[5] or '0')
if tonumber(v[4] or '-1') ~= win then wcount = 0 end
if wcount >= per_minute then return {2, (win + 1) * 60000 - now} end
redis.call('HSET', KEYS[1], 'prev', v[1] or '0', 'next', now + gap, 'gap', gap, 'inflight', now + lease,
  'win', win, 'wcount', wcount + 1, 'day', today, 'dcount', dcount + 1)
redis.call('PEXPIRE', KEYS[1], keep)
return {0, 0}
"#;

/// Gives back a turn not used: not counted, the robot's time as it was before it.
const GIVE_BACK: &str = r#"
local v = redis.call('HMGET', KEYS[1], 'wcount', 'dcount', 'prev')
if tonumber(v[1] or '0') > 0 then redis.call('HINCRBY', KEYS[1], 'wcount', -1) end
if tonumber(v[2] or '0') > 0 then redis.call('HINCRBY', KEYS[1], 'dcount', -1) end
redis.call('HSET', KEYS[1], 'next', v[3] or '0', 'inflight', 0)
return 0
"#;

/// The send was answered at ARGV[1]: the next one waits its gap from now. ARGV[2] = 1 when it
/// was accepted (the cool-down is over), 2 when the platform's risk control refused it (the
/// robot pauses: base × 2^(refusals in a row − 1), at most max); answers the pause in ms.
const FINISH: &str = r#"
local now, outcome, base, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 'gap', 'level')
redis.call('HSET', KEYS[1], 'next', now + tonumber(v[1] or '0'), 'inflight', 0)
if outcome == 1 then
  redis.call('HSET', KEYS[1], 'level', 0)
  return 0
elseif outcome == 2 then
  local level = tonumber(v[2] or '0') + 1
  local pause = math.min(max, base * 2 ^ (level - 1))
  redis.call('HSET', KEYS[1], 'level', level, 'pause', now + pause)
  return pause
end
return 0
"#;

/// The robot's turn, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Send now; then say how the platform answered ([`finished`]), or give it back
    /// ([`give_back`]).
    Now,
    /// Not within the patience given.
    NotInTime,
    /// The robot's sends of the day are spent.
    DaySpent,
}

/// How the platform answered a send made in a turn.
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

/// One try at the robot's turn: `Ok(None)` when it is taken, else how long until it may be.
async fn take(ctx: &Ctx, settings: &RobotSettings, robot_id: i64) -> Result<std::result::Result<(), Option<Duration>>> {
    let mut redis = ctx.cache()?.conn();
    let (answer, wait): (i64, i64) = Script::new(TAKE)
        .key(key(ctx, robot_id)?)
        .arg(now_ms())
        .arg(draw_gap(settings).as_millis() as i64)
        .arg(settings.per_minute)
        .arg(settings.per_day)
        .arg(ctx.clock.today().compact())
        .arg(KEEP_MS)
        .arg(LEASE_MS)
        .arg(IN_FLIGHT_POLL_MS)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to take the robot's turn")?;
    Ok(match answer {
        0 => Ok(()),
        1 => Err(None),
        _ => Err(Some(Duration::from_millis(wait.max(1) as u64))),
    })
}

/// How long until the robot may send, as far as its governor knows now (zero: it may), or
/// `None` when its day is spent. Takes nothing.
pub async fn wait_for(ctx: &Ctx, settings: &RobotSettings, robot_id: i64) -> Result<Option<Duration>> {
    let mut redis = ctx.cache()?.conn();
    let (next, pause, day, count): (Option<i64>, Option<i64>, Option<String>, Option<i64>) = redis::cmd("HMGET")
        .arg(key(ctx, robot_id)?)
        .arg("next")
        .arg("pause")
        .arg("day")
        .arg("dcount")
        .query_async(&mut redis)
        .await
        .unexpected("failed to read the robot's governor")?;
    if day.as_deref() == Some(ctx.clock.today().compact().as_str()) && count.unwrap_or(0) >= i64::from(settings.per_day)
    {
        return Ok(None);
    }
    let at = next.unwrap_or(0).max(pause.unwrap_or(0));
    Ok(Some(Duration::from_millis((at - now_ms()).max(0) as u64)))
}

/// Waits for the robot's turn, for at most `patience`, and takes it.
pub async fn turn(ctx: &Ctx, settings: &RobotSettings, robot_id: i64, patience: Duration) -> Result<Turn> {
    let until = tokio::time::Instant::now() + patience;
    loop {
        match take(ctx, settings, robot_id).await? {
            Ok(()) => return Ok(Turn::Now),
            Err(None) => return Ok(Turn::DaySpent),
            Err(Some(wait)) => {
                if tokio::time::Instant::now() + wait > until {
                    return Ok(Turn::NotInTime);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Gives back a turn taken and not used.
pub async fn give_back(ctx: &Ctx, robot_id: i64) -> Result<()> {
    let mut redis = ctx.cache()?.conn();
    let _: i64 = Script::new(GIVE_BACK)
        .key(key(ctx, robot_id)?)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to give back the robot's turn")?;
    Ok(())
}

/// Records how the send of the turn was answered (now); answers the pause it started, if any.
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
    if robot_ids.is_empty() {
        return Ok(std::collections::HashMap::new()); // (an empty pipeline is no command)
    }
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
/// answer, a refusal) in the robot's turn, if it comes within `max_wait`; answers whether it was
/// sent. A failure is logged, never retried: the event it answers has taken effect.
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
        let turn = turn(ctx, settings, robot_id, max_wait).await?;
        if turn != Turn::Now {
            tracing::warn!(robot_id, ?turn, "the robot's reply was not sent: its turn did not come in time");
            return Ok(false);
        }
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

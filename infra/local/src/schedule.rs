//! EventBridge schedule expressions (`rate(..)` and `cron(..)`), matched minute by minute in
//! Asia/Shanghai against the business clock.

use anyhow::{Context as _, bail};
use chrono::{DateTime, Datelike as _, Timelike as _, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Every `minutes` minutes.
    Rate { minutes: i64 },
    /// minute, hour, day of month, month, day of week (1 = Sunday), year.
    Cron { fields: [Field; 6] },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Any,
    Values(Vec<u32>),
}

impl Field {
    fn matches(&self, v: u32) -> bool {
        match self {
            Field::Any => true,
            Field::Values(values) => values.contains(&v),
        }
    }
}

const BOUNDS: [(u32, u32); 6] = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)];

impl Schedule {
    pub fn parse(expression: &str) -> anyhow::Result<Self> {
        let expression = expression.trim();
        if let Some(inner) = expression.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
            let (n, unit) = inner.trim().split_once(' ').context("rate(N unit)")?;
            let n: i64 = n.parse().context("rate(N unit): N")?;
            let per = match unit.trim().trim_end_matches('s') {
                "minute" => 1,
                "hour" => 60,
                "day" => 1440,
                other => bail!("unknown rate unit {other}"),
            };
            if n < 1 {
                bail!("rate must be at least 1");
            }
            return Ok(Schedule::Rate { minutes: n * per });
        }
        if let Some(inner) = expression.strip_prefix("cron(").and_then(|s| s.strip_suffix(')')) {
            let parts: Vec<&str> = inner.split_whitespace().collect();
            if parts.len() != 6 {
                bail!("cron needs 6 fields, got {}", parts.len());
            }
            let mut fields = [Field::Any, Field::Any, Field::Any, Field::Any, Field::Any, Field::Any];
            for (i, part) in parts.iter().enumerate() {
                fields[i] = field(part, BOUNDS[i]).with_context(|| format!("cron field {}: {part}", i + 1))?;
            }
            return Ok(Schedule::Cron { fields });
        }
        bail!("not a schedule expression: {expression}")
    }

    /// The last minute in (`after`, `upto`] (both on minute boundaries) at which the schedule
    /// fires: the minute a job due in a span the clock skipped runs as of.
    pub fn last_fire(&self, after: DateTime<Utc>, upto: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut t = upto;
        while t > after {
            if self.fires_at(t) {
                return Some(t);
            }
            t -= chrono::Duration::minutes(1);
        }
        None
    }

    /// Whether the schedule fires at the minute starting at `at`.
    pub fn fires_at(&self, at: DateTime<Utc>) -> bool {
        match self {
            Schedule::Rate { minutes } => (at.timestamp() / 60) % minutes == 0,
            Schedule::Cron { fields } => {
                let t = at.with_timezone(&gpet::clock::shanghai());
                let dow = t.weekday().num_days_from_sunday() + 1;
                fields[0].matches(t.minute())
                    && fields[1].matches(t.hour())
                    && fields[2].matches(t.day())
                    && fields[3].matches(t.month())
                    && fields[4].matches(dow)
                    && fields[5].matches(t.year() as u32)
            }
        }
    }
}

fn field(text: &str, (lo, hi): (u32, u32)) -> anyhow::Result<Field> {
    if text == "*" || text == "?" {
        return Ok(Field::Any);
    }
    let mut values = Vec::new();
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().context("step")?),
            None => (item, 1),
        };
        let (from, to) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (a.parse()?, b.parse()?),
                None => {
                    let v: u32 = r.parse().with_context(|| format!("{r} is not supported here"))?;
                    (v, if item.contains('/') { hi } else { v })
                }
            },
        };
        if from < lo || to > hi || from > to || step == 0 {
            bail!("{item} is outside {lo}-{hi}");
        }
        values.extend((from..=to).step_by(step as usize));
    }
    Ok(Field::Values(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn cron_is_read_in_shanghai_time() {
        let settlement = Schedule::parse("cron(0 2 * * ? *)").unwrap();
        assert!(settlement.fires_at(at("2026-11-25T18:00:00Z")), "02:00 in Shanghai is 18:00 UTC");
        assert!(!settlement.fires_at(at("2026-11-26T02:00:00Z")));
        let every_five = Schedule::parse("cron(0/5 * * * ? *)").unwrap();
        assert!(every_five.fires_at(at("2026-11-25T18:35:00Z")));
        assert!(!every_five.fires_at(at("2026-11-25T18:36:00Z")));
    }

    #[test]
    fn a_skipped_span_is_run_as_of_its_last_firing() {
        let settlement = Schedule::parse("cron(0 2 * * ? *)").unwrap();
        // From 01:30 of the 26th to 01:00 of the 27th (Shanghai): due at 02:00 of the 26th, which
        // settles the 25th, not the 26th that "now" would.
        let (after, upto) = (at("2026-11-25T17:30:00Z"), at("2026-11-26T17:00:00Z"));
        assert_eq!(settlement.last_fire(after, upto), Some(at("2026-11-25T18:00:00Z")));
        assert_eq!(settlement.last_fire(at("2026-11-25T18:00:00Z"), upto), None, "the bound before is excluded");
        let minutely = Schedule::parse("rate(1 minute)").unwrap();
        assert_eq!(minutely.last_fire(after, upto), Some(upto));
    }

    #[test]
    fn rates_fire_on_their_period() {
        assert!(Schedule::parse("rate(1 minute)").unwrap().fires_at(at("2026-11-25T18:36:00Z")));
        let hourly = Schedule::parse("rate(1 hour)").unwrap();
        assert!(hourly.fires_at(at("2026-11-25T18:00:00Z")) && !hourly.fires_at(at("2026-11-25T18:01:00Z")));
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in
            ["rate(0 minutes)", "rate(5 weeks)", "cron(0 2 * *)", "cron(61 * * * ? *)", "cron(0 2 L * ? *)", "hourly"]
        {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}

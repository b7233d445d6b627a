//! The business clock. Business days, ratings, settlement, schedules and once-a-day limits read
//! it; security windows (token expiry, SMS codes, signature timestamps) use real time instead.
//! The local host shares one clock with every function it runs and can move it.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Asia/Shanghai: UTC+8 all year (no daylight saving since 1991).
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock(offset {} ms)", self.offset_ms.load(Ordering::Relaxed))
    }
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn now_shanghai(&self) -> DateTime<FixedOffset> {
        self.now().with_timezone(&shanghai())
    }

    pub fn today(&self) -> BusinessDay {
        BusinessDay::of(self.now())
    }

    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn set_offset(&self, offset: Duration) {
        self.offset_ms.store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    /// Moves business time so that `now()` reads `at`.
    pub fn set_now(&self, at: DateTime<Utc>) {
        self.set_offset(at - Utc::now());
    }
}

/// A business day in Asia/Shanghai, shown and parsed as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BusinessDay(NaiveDate);

impl BusinessDay {
    pub fn of(at: DateTime<Utc>) -> Self {
        Self(at.with_timezone(&shanghai()).date_naive())
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Self).map_err(|_| format!("日期格式应为 YYYY-MM-DD：{s}"))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }

    pub fn from_date(date: NaiveDate) -> Self {
        Self(date)
    }

    /// `YYYYMMDD`, as the old system's Redis keys name days.
    pub fn compact(self) -> String {
        self.0.format("%Y%m%d").to_string()
    }

    pub fn succ(self) -> Self {
        Self(self.0.succ_opt().expect("dates after year 262143 do not occur"))
    }

    pub fn pred(self) -> Self {
        Self(self.0.pred_opt().expect("dates before year -262144 do not occur"))
    }

    /// The instant the day starts, in UTC.
    pub fn start(self) -> DateTime<Utc> {
        self.0
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(shanghai()).single())
            .expect("a fixed offset has exactly one midnight")
            .with_timezone(&Utc)
    }
}

impl fmt::Display for BusinessDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl FromStr for BusinessDay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for BusinessDay {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<BusinessDay> for String {
    fn from(d: BusinessDay) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_business_day_turns_at_shanghai_midnight() {
        let before = "2026-11-25T15:59:59Z".parse::<DateTime<Utc>>().unwrap();
        let after = "2026-11-25T16:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(BusinessDay::of(before).to_string(), "2026-11-25");
        assert_eq!(BusinessDay::of(after).to_string(), "2026-11-26");
        assert_eq!(BusinessDay::of(after).start(), after);
        assert_eq!(BusinessDay::of(after).pred().to_string(), "2026-11-25");
    }

    #[test]
    fn moving_the_clock_moves_every_copy() {
        let clock = Clock::system();
        let copy = clock.clone();
        let target = "2030-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        clock.set_now(target);
        assert!((copy.now() - target).num_seconds().abs() <= 1);
        assert_eq!(copy.today().to_string(), "2030-01-01");
    }

    #[test]
    fn days_parse_strictly() {
        assert!(BusinessDay::parse("2026-02-30").is_err());
        assert!(BusinessDay::parse("20260101").is_err());
        assert_eq!(BusinessDay::parse("2026-01-09").unwrap().to_string(), "2026-01-09");
    }
}

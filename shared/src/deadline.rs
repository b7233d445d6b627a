//! An invocation's deadline, as a job or consumer sees it: when it must stop taking new work.
//! Lambda gives every invocation a deadline (and kills it there); the local host gives the same
//! from the function's `Timeout` in template.yaml. Work is taken only while [`Deadline::has_time`]
//! says so, a margin before the end, so that what is under way can finish and what is not is
//! left claimed-and-resumable for the next run (a cursor saved, rows claimed, messages reported
//! as batch failures).

use std::time::{Duration, Instant, SystemTime};

/// The least margin kept before the end (a send, a commit, a partner's answer in flight).
pub const MIN_MARGIN: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// When the invocation ends (Lambda kills it there).
    end: Instant,
    /// When it stops taking new work.
    stop: Instant,
}

impl Deadline {
    /// `timeout` from now, the margin 10% of it but at least [`MIN_MARGIN`] (and at most half).
    pub fn after(timeout: Duration) -> Self {
        let margin = (timeout / 10).max(MIN_MARGIN).min(timeout / 2);
        Self::with_margin(timeout, margin)
    }

    /// `timeout` from now, taking no new work in its last `margin`.
    pub fn with_margin(timeout: Duration, margin: Duration) -> Self {
        let now = Instant::now();
        Deadline { end: now + timeout, stop: now + timeout.saturating_sub(margin) }
    }

    /// At the wall-clock instant `at` (Lambda's deadline), read at the start of the invocation.
    pub fn at(at: SystemTime) -> Self {
        Self::after(at.duration_since(SystemTime::now()).unwrap_or_default())
    }

    /// Whether new work may still be taken.
    pub fn has_time(&self) -> bool {
        Instant::now() < self.stop
    }

    /// How long new work may still be taken.
    pub fn left(&self) -> Duration {
        self.stop.saturating_duration_since(Instant::now())
    }

    /// How long until the invocation ends.
    pub fn until_end(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// Whether something that takes `needs` can start now and be done before the stop.
    pub fn allows(&self, needs: Duration) -> bool {
        self.left() > needs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_a_tenth_but_at_least_a_few_seconds() {
        let d = Deadline::after(Duration::from_secs(60));
        assert!(d.left() <= Duration::from_secs(54) && d.left() > Duration::from_secs(53));
        let d = Deadline::after(Duration::from_secs(10));
        assert!(d.left() <= Duration::from_secs(7) && d.left() > Duration::from_secs(6));
        let d = Deadline::after(Duration::from_secs(2));
        assert!(d.left() <= Duration::from_secs(1) && d.has_time());
        assert!(!Deadline::after(Duration::ZERO).has_time());
    }

    #[test]
    fn a_past_deadline_has_no_time() {
        let d = Deadline::at(SystemTime::now() - Duration::from_secs(5));
        assert!(!d.has_time() && d.until_end() == Duration::ZERO);
    }
}

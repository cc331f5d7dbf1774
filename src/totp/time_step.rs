//! RFC 6238 §4: time steps, `T = floor((time - T0) / X)`, over the full u64 range.

use std::num::NonZeroU64;

use super::error::{Error, Result};

/// How time maps to HOTP counters: a period `X` (seconds, > 0) and an epoch `T0`.
///
/// ```
/// use skewsim::TimeStep;
/// let steps = TimeStep::new(30, 0).unwrap();
/// assert_eq!(steps.counter_at(59).unwrap(), 1);
/// assert_eq!(steps.counter_at(20_000_000_000).unwrap(), 0x27BC86AA);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeStep {
    period: NonZeroU64,
    t0: u64,
}

impl TimeStep {
    /// RFC 6238's defaults: 30 s steps from the Unix epoch.
    pub const RFC6238: TimeStep = TimeStep {
        period: NonZeroU64::new(30).expect("30 is not zero"),
        t0: 0,
    };

    /// A step of `period` seconds counted from `t0`.
    ///
    /// # Errors
    /// [`Error::ZeroPeriod`] for a zero period.
    pub fn new(period: u64, t0: u64) -> Result<Self> {
        let period = NonZeroU64::new(period).ok_or(Error::ZeroPeriod)?;
        Ok(TimeStep { period, t0 })
    }

    /// The period in seconds.
    pub fn period(self) -> u64 {
        self.period.get()
    }

    /// The epoch T0.
    pub fn t0(self) -> u64 {
        self.t0
    }

    /// The counter `T` at Unix time `time`.
    ///
    /// # Errors
    /// [`Error::TimeBeforeT0`] when `time < t0` (RFC 6238 has no negative steps).
    pub fn counter_at(self, time: u64) -> Result<u64> {
        let since = time
            .checked_sub(self.t0)
            .ok_or(Error::TimeBeforeT0 { time, t0: self.t0 })?;
        Ok(since / self.period)
    }

    /// The first second of step `counter`, or `None` past `u64::MAX`.
    pub fn start_of(self, counter: u64) -> Option<u64> {
        counter.checked_mul(self.period.get())?.checked_add(self.t0)
    }
}

impl Default for TimeStep {
    fn default() -> Self {
        TimeStep::RFC6238
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 §4: T = floor((time - T0) / X). A 60 s step from T0 = 1000
    /// keeps both numbers; step 2 starts at 1000 + 2·60, and a step whose
    /// start is past u64 has none.
    #[test]
    fn a_time_step_keeps_its_period_and_epoch_and_knows_where_steps_start() {
        let s = TimeStep::new(60, 1000).expect("non-zero period");
        assert_eq!((s.period(), s.t0()), (60, 1000));
        assert_eq!(s.start_of(2), Some(1120));
        assert_eq!(s.counter_at(1119), Ok(1));
        assert_eq!(s.counter_at(1120), Ok(2));
        assert_eq!(s.start_of(u64::MAX / 60 + 1), None);
        assert_eq!(TimeStep::RFC6238.start_of(0), Some(0));
    }
}

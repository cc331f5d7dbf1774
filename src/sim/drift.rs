//! The long horizon: a device whose clock drifts, logging in at fixed
//! intervals after a prompt enrollment, against the real verifier's rules:
//! what it stores and updates, its healing (libpam's learning, privacyIDEA's
//! AutoResync), its lockout, and its resync where it has one.

use super::clock::step_of;
use super::model::Scenario;

pub use super::model::DayEnd;

/// One login day of the long run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRecord {
    /// Login number, from 1.
    pub n: u64,
    /// Real time since the enrollment ended, in ms.
    pub elapsed_ms: i64,
    /// Device clock minus real time at the login, in ms.
    pub device_offset_ms: i64,
    /// The verifier's correction before this login, in ms
    /// (stored steps × period + stored time shift).
    pub verifier_offset_ms: i64,
    /// Device step of the first code minus the verifier's corrected step.
    pub step_offset: i64,
    /// How the day ended.
    pub end: DayEnd,
}

/// What happened over the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Horizon {
    /// Every login, in order (empty if the enrollment was rejected).
    pub logins: Vec<LoginRecord>,
}

impl Horizon {
    /// The first login whose first attempt failed.
    pub fn first_failure(&self) -> Option<&LoginRecord> {
        self.logins.iter().find(|l| l.end != DayEnd::FirstTry)
    }

    /// Logins whose first attempt failed.
    pub fn first_attempt_failures(&self) -> usize {
        self.count(|e| e != DayEnd::FirstTry)
    }

    /// Logins recovered by trying again.
    pub fn recovered_by_retrying(&self) -> usize {
        self.count(|e| matches!(e, DayEnd::Retried { .. }))
    }

    /// Logins recovered because the verifier healed itself.
    pub fn healed(&self) -> usize {
        self.count(|e| matches!(e, DayEnd::Retried { healed: true, .. }))
    }

    /// Logins recovered by a resync.
    pub fn recovered_by_resync(&self) -> usize {
        self.count(|e| e == DayEnd::Resynced)
    }

    /// Logins on which the person never got in (locked out or not).
    pub fn failed(&self) -> usize {
        self.count(|e| matches!(e, DayEnd::Failed | DayEnd::Locked))
    }

    /// Of those, the logins that ended with the token locked.
    pub fn locked(&self) -> usize {
        self.count(|e| e == DayEnd::Locked)
    }

    /// The first login that ended with the token locked.
    pub fn first_locked(&self) -> Option<&LoginRecord> {
        self.logins.iter().find(|l| l.end == DayEnd::Locked)
    }

    /// The last login on which the person never got in.
    pub fn last_failed(&self) -> Option<&LoginRecord> {
        self.logins
            .iter()
            .rev()
            .find(|l| matches!(l.end, DayEnd::Failed | DayEnd::Locked))
    }

    fn count(&self, f: impl Fn(DayEnd) -> bool) -> usize {
        self.logins.iter().filter(|l| f(l.end)).count()
    }
}

/// Simulates `logins` logins every `every_ms` after the enrollment of
/// `scenario` (at enrollment phase 0). Each first code is read at the same
/// real time of day as the enrollment ended, so the device's phase moves only
/// with its drift, and received `login_delay` later; a refused code is
/// followed by fresh codes up to the scenario's attempts; with `resync`, a
/// day on which every attempt failed ends with a resync (two fresh
/// consecutive codes sent at once) if the verifier has one.
pub fn simulate(scenario: &Scenario, every_ms: i64, logins: u64, resync: bool) -> Horizon {
    let enrollment = scenario.enroll(0);
    if !enrollment.accepted() {
        return Horizon { logins: Vec::new() };
    }
    let period = scenario.period_ms;
    let clock = enrollment.clock;
    let mut state = enrollment.state;
    let mut out = Vec::with_capacity(usize::try_from(logins).unwrap_or(0).min(1 << 20));
    for n in 1..=logins {
        let elapsed_ms = every_ms.saturating_mul(i64::try_from(n).unwrap_or(i64::MAX));
        let t_read = enrollment.t_done.saturating_add(elapsed_ms);
        let device = clock.reading(t_read);
        let device_step = step_of(device, period);
        let verifier_offset_ms = state
            .steps
            .saturating_mul(period)
            .saturating_add(state.shift_ms);
        let verifier_step = state.step_at(t_read.saturating_add(scenario.login_delay_ms), period);
        let end = scenario.login_day(&mut state, &clock, t_read, resync, &mut |_| {});
        out.push(LoginRecord {
            n,
            elapsed_ms,
            device_offset_ms: device - t_read,
            verifier_offset_ms,
            step_offset: device_step - verifier_step,
            end,
        });
    }
    Horizon { logins: out }
}

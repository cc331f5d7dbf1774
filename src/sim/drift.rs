//! The long horizon: a device whose clock drifts, logging in at fixed
//! intervals after a prompt enrollment, under a drift-tracking mode. When does
//! it first fall out of the login window, and does a resync recover it?

use super::clock::step_of;
use super::model::{Decision, Scenario};
use super::policy::TrackDrift;

/// One login of the long run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRecord {
    /// Login number, from 1.
    pub n: u64,
    /// Real time since the enrollment's receipt, in ms.
    pub elapsed_ms: i64,
    /// Device clock minus real time at the login, in ms.
    pub device_offset_ms: i64,
    /// Device step of the code minus the verifier's step at receipt.
    pub step_offset: i64,
    /// The verifier's stored offset when the code arrived.
    pub stored_offset: i64,
    /// Whether the login succeeded.
    pub accepted: bool,
    /// Whether a failed login was followed by a successful resync.
    pub resynced: bool,
}

/// What happened over the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Horizon {
    /// The tracking mode simulated.
    pub track: TrackDrift,
    /// Every login, in order (empty if the enrollment was rejected).
    pub logins: Vec<LoginRecord>,
}

impl Horizon {
    /// The first failed login.
    pub fn first_failure(&self) -> Option<&LoginRecord> {
        self.logins.iter().find(|l| !l.accepted)
    }

    /// Failed logins.
    pub fn failures(&self) -> usize {
        self.logins.iter().filter(|l| !l.accepted).count()
    }

    /// Resyncs that succeeded.
    pub fn resyncs(&self) -> usize {
        self.logins.iter().filter(|l| l.resynced).count()
    }
}

/// Simulates `logins` logins every `every_ms` after the enrollment of
/// `scenario` (whose policy's tracking is replaced by `track`). Each code is
/// read at the same real time of day as the enrollment's receipt, so the
/// device's phase moves only with its drift, and received `login_delay`
/// later. With `resync`, a failed login is followed at once by a two-code
/// resync within the policy's resync range.
pub fn simulate(
    scenario: &Scenario,
    track: TrackDrift,
    every_ms: i64,
    logins: u64,
    resync: bool,
) -> Horizon {
    let mut s = scenario.clone();
    s.policy.track_drift = track;
    let enrollment = s.enroll(0);
    let Decision::Accepted { stored_offset, .. } = enrollment.decision else {
        return Horizon {
            track,
            logins: Vec::new(),
        };
    };
    let period = s.period_ms;
    let window = i64::from(s.policy.login_window);
    let range = i64::from(s.policy.resync_range);
    let mut stored = stored_offset;
    let mut last_step = enrollment.code2_step;
    let mut out = Vec::with_capacity(usize::try_from(logins).unwrap_or(0));
    for n in 1..=logins {
        let elapsed_ms = every_ms.saturating_mul(i64::try_from(n).unwrap_or(i64::MAX));
        let t_read = enrollment.t_receipt.saturating_add(elapsed_ms);
        let device = enrollment.clock.reading(t_read);
        let device_step = step_of(device, period);
        let verifier_step = step_of(t_read.saturating_add(s.login_delay_ms), period);
        let step_offset = device_step - verifier_step;
        let fresh = !s.policy.replay_protection || device_step > last_step;
        let accepted = fresh && (step_offset - stored).abs() <= window;
        let stored_then = stored;
        let mut resynced = false;
        if accepted {
            last_step = device_step;
            if track == TrackDrift::Always {
                stored = step_offset;
            }
        } else if resync && step_offset.abs() <= range {
            // Two fresh consecutive codes, sent at once: found at the device's
            // true offset, stored if the policy stores offsets at all.
            resynced = true;
            last_step = device_step + 1;
            stored = if track == TrackDrift::None {
                0
            } else {
                step_offset
            };
        }
        out.push(LoginRecord {
            n,
            elapsed_ms,
            device_offset_ms: device - t_read,
            step_offset,
            stored_offset: stored_then,
            accepted,
            resynced,
        });
    }
    Horizon { track, logins: out }
}

//! One enrollment, step by step: the person reads two codes, the verifier
//! searches for the pair, stores an offset, and the first login a day later
//! succeeds or fails. No I/O; integer milliseconds throughout.
//!
//! The model is `shared/spec/skewsim-model.md`; codes are identified by their
//! step numbers (two different steps are taken to have different codes, which
//! real 6-digit codes violate with probability about 1e-6 per pair).

use super::clock::{DeviceClock, phase_of, step_of};
use super::policy::Policy;

/// Real time (ms) at which the simulated enrollment begins, so that timelines
/// show plausible dates and codes (2027-01-15T08:00:00Z).
pub const EPOCH_MS: i64 = 1_800_000_000_000;

/// Everything that defines one scenario, phases aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The TOTP period in ms (> 0).
    pub period_ms: i64,
    /// From reading code 2 to the verifier receiving both codes.
    pub delay_ms: i64,
    /// Device clock minus verifier clock at enrollment.
    pub skew_ms: i64,
    /// Device clock rate error, parts per billion.
    pub drift_ppb: i64,
    /// From code 1 changing to reading code 2.
    pub reaction_ms: i64,
    /// From reading the login code to the verifier receiving it.
    pub login_delay_ms: i64,
    /// From the enrollment's receipt to the first login.
    pub login_after_ms: i64,
    /// The verifier.
    pub policy: Policy,
}

/// Why an enrollment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Code 2 was not the step right after code 1 (the person waited a whole step or more).
    NotConsecutive,
    /// Code 2's step lies outside the search range around the verifier's step.
    OutOfRange,
}

/// The verifier's decision on the enrollment pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Refused.
    Rejected(RejectReason),
    /// Associated, with the offset the verifier stores (0 when it stores none).
    Accepted {
        /// `(step of code 2) - (verifier step at receipt)`: what was found.
        found_offset: i64,
        /// What the verifier keeps for later logins.
        stored_offset: i64,
    },
}

/// Who saw which step when, for one enrollment (all times real, in ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrollment {
    /// The device clock.
    pub clock: DeviceClock,
    /// Code 1 read.
    pub t_code1: i64,
    /// Device step of code 1.
    pub code1_step: i64,
    /// Code 1 replaced on the device by the next code.
    pub t_change: i64,
    /// Code 2 read.
    pub t_code2: i64,
    /// Device step of code 2.
    pub code2_step: i64,
    /// Both codes reach the verifier.
    pub t_receipt: i64,
    /// The verifier's step at receipt.
    pub verifier_step: i64,
    /// What it decided.
    pub decision: Decision,
}

/// The first prompt login after an accepted enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    /// Login code read.
    pub t_read: i64,
    /// Its device step.
    pub device_step: i64,
    /// Received by the verifier.
    pub t_receipt: i64,
    /// The verifier's step at receipt.
    pub verifier_step: i64,
    /// Lowest device step the verifier accepts (its step + stored offset - window).
    pub accept_from: i64,
    /// Highest.
    pub accept_to: i64,
    /// Accepted?
    pub accepted: bool,
}

/// The three ends of an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// No matching consecutive pair in range.
    Rejected,
    /// Accepted, and the first login succeeds.
    InSync,
    /// Accepted, but the first login fails.
    OutOfSync,
}

impl Outcome {
    /// The label the report prints.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Rejected => "REJECTED",
            Outcome::InSync => "ENROLLED IN SYNC",
            Outcome::OutOfSync => "ENROLLED OUT OF SYNC",
        }
    }

    /// The short name used in CSV and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Rejected => "rejected",
            Outcome::InSync => "in_sync",
            Outcome::OutOfSync => "out_of_sync",
        }
    }
}

impl Scenario {
    /// The default scenario under `policy`: 30 s steps, no delay, no skew or
    /// drift, code 2 read 2 s after it appears, the first login a day later
    /// and received 5 s after its code was read (the command line's defaults,
    /// delay aside).
    pub fn new(policy: Policy) -> Scenario {
        Scenario {
            period_ms: 30_000,
            delay_ms: 0,
            skew_ms: 0,
            drift_ppb: 0,
            reaction_ms: 2_000,
            login_delay_ms: 5_000,
            login_after_ms: 86_400_000,
            policy,
        }
    }

    /// The enrollment when code 1 is read `phase_ms` into its device step.
    pub fn enroll(&self, phase_ms: i64) -> Enrollment {
        let period = self.period_ms;
        let code1_step = step_of(EPOCH_MS, period);
        let device_at_code1 = code1_step * period + phase_of(phase_ms, period);
        // The drift is counted from the moment code 1 is read.
        let t_code1 = device_at_code1 - self.skew_ms;
        let clock = DeviceClock {
            skew_ms: self.skew_ms,
            drift_ppb: self.drift_ppb,
            anchor_ms: t_code1,
        };
        let t_change = clock.real_time_at((code1_step + 1) * period);
        let t_code2 = t_change.saturating_add(self.reaction_ms);
        let code2_step = step_of(clock.reading(t_code2), period);
        let t_receipt = t_code2.saturating_add(self.delay_ms);
        let verifier_step = step_of(t_receipt, period);
        let found_offset = code2_step - verifier_step;
        let p = &self.policy;
        let decision = if code2_step != code1_step + 1 {
            Decision::Rejected(RejectReason::NotConsecutive)
        } else if found_offset < -i64::from(p.enroll_behind)
            || found_offset > i64::from(p.enroll_ahead)
        {
            Decision::Rejected(RejectReason::OutOfRange)
        } else {
            Decision::Accepted {
                found_offset,
                stored_offset: if p.stores_offset() { found_offset } else { 0 },
            }
        };
        Enrollment {
            clock,
            t_code1,
            code1_step,
            t_change,
            t_code2,
            code2_step,
            t_receipt,
            verifier_step,
            decision,
        }
    }

    /// The device step shown at the login, and the real time of the start of
    /// that step: the login happens `login_after` after the enrollment's
    /// receipt, at device phase `phase_ms` within the step then current.
    fn login_step(&self, enrollment: &Enrollment) -> i64 {
        let later = enrollment.t_receipt.saturating_add(self.login_after_ms);
        step_of(enrollment.clock.reading(later), self.period_ms)
    }

    /// The first login when its code is read `phase_ms` into its device step.
    /// `None` when the enrollment was rejected.
    pub fn first_login(&self, enrollment: &Enrollment, phase_ms: i64) -> Option<Login> {
        let Decision::Accepted { stored_offset, .. } = enrollment.decision else {
            return None;
        };
        let device_step = self.login_step(enrollment);
        let read_device_ms = device_step * self.period_ms + phase_of(phase_ms, self.period_ms);
        Some(self.login_at(enrollment, stored_offset, device_step, read_device_ms))
    }

    fn login_at(
        &self,
        enrollment: &Enrollment,
        stored_offset: i64,
        device_step: i64,
        read_device_ms: i64,
    ) -> Login {
        let t_read = enrollment.clock.real_time_at(read_device_ms);
        let t_receipt = t_read.saturating_add(self.login_delay_ms);
        let verifier_step = step_of(t_receipt, self.period_ms);
        let window = i64::from(self.policy.login_window);
        let accept_from = verifier_step + stored_offset - window;
        let accept_to = verifier_step + stored_offset + window;
        let fresh = !self.policy.replay_protection || device_step > enrollment.code2_step;
        Login {
            t_read,
            device_step,
            t_receipt,
            verifier_step,
            accept_from,
            accept_to,
            accepted: fresh && (accept_from..=accept_to).contains(&device_step),
        }
    }

    /// The outcome for code 1 read at phase `enroll_phase_ms` and the login
    /// code read at phase `login_phase_ms`.
    pub fn outcome(&self, enroll_phase_ms: i64, login_phase_ms: i64) -> Outcome {
        let enrollment = self.enroll(enroll_phase_ms);
        match self.first_login(&enrollment, login_phase_ms) {
            None => Outcome::Rejected,
            Some(login) if login.accepted => Outcome::InSync,
            Some(_) => Outcome::OutOfSync,
        }
    }

    /// For an accepted enrollment: how many of the `period_ms` login phases
    /// (1 ms apart) give an accepted login. The verifier step at receipt is
    /// non-decreasing in the phase, so the accepted phases form one interval,
    /// found by two binary searches.
    pub fn accepted_login_phases(&self, enrollment: &Enrollment) -> i64 {
        let Decision::Accepted { stored_offset, .. } = enrollment.decision else {
            return 0;
        };
        let device_step = self.login_step(enrollment);
        if self.policy.replay_protection && device_step <= enrollment.code2_step {
            return 0;
        }
        let verifier_step = |phase: i64| {
            let t_read = enrollment
                .clock
                .real_time_at(device_step * self.period_ms + phase);
            step_of(t_read.saturating_add(self.login_delay_ms), self.period_ms)
        };
        let window = i64::from(self.policy.login_window);
        // device_step in [v + offset - w, v + offset + w]  <=>  v in [lo, hi]
        let lo = device_step - stored_offset - window;
        let hi = device_step - stored_offset + window;
        let period = self.period_ms;
        // Least phase in [0, period] with verifier_step(phase) >= target
        // (period itself meaning "none").
        let first_at_least = |target: i64| {
            let holds = |phase: i64| phase >= period || verifier_step(phase) >= target;
            // Closed form: the verifier step reaches `target` once the code is
            // read at or after real time T = target * period - login_delay, and
            // real_time_at(D) >= T exactly when the device read below D at T - 1.
            let t = target
                .saturating_mul(period)
                .saturating_sub(self.login_delay_ms);
            let guess = enrollment
                .clock
                .reading(t.saturating_sub(1))
                .saturating_sub(device_step.saturating_mul(period))
                .saturating_add(1)
                .clamp(0, period);
            // Checked, not trusted: it is the answer only if it holds and the
            // phase before it does not (saturation at the i64 edges can break
            // the closed form; then the binary search decides).
            if holds(guess) && (guess == 0 || !holds(guess - 1)) {
                return guess;
            }
            let (mut a, mut b) = (0, period);
            while a < b {
                let mid = a + (b - a) / 2;
                if holds(mid) {
                    b = mid;
                } else {
                    a = mid + 1;
                }
            }
            a
        };
        (first_at_least(hi + 1) - first_at_least(lo)).max(0)
    }
}

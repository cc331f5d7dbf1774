//! One enrollment, step by step: the person reads codes, the verifier checks
//! them as its enrollment flow does (a pair, or one code with retries) and
//! stores what it stores; a day later the first login is checked twice, by
//! the real state and by an ideal one that knows the device's true offset,
//! which tells "the enrollment's doing" from "the clock's". No I/O; integer
//! milliseconds throughout. `docs/model.md` explains the model for users.

use super::clock::{DeviceClock, phase_of, step_of};
use super::policy::{Flow, Policy, Store};
use super::verifier::{Refusal, State, Verdict};

/// Real time (ms) at which the simulated enrollment begins, so that timelines
/// show plausible dates and codes (2027-01-15T08:00:00Z).
pub const EPOCH_MS: i64 = 1_800_000_000_000;

/// The most attempts a person makes at one check.
pub const MAX_ATTEMPTS: u32 = 10;

/// Everything that defines one scenario, phases aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The TOTP period in ms (> 0).
    pub period_ms: i64,
    /// From reading the (last) enrollment code to the verifier receiving it.
    pub delay_ms: i64,
    /// Device clock minus verifier clock at enrollment.
    pub skew_ms: i64,
    /// Device clock rate error, parts per billion.
    pub drift_ppb: i64,
    /// From a code changing to the person reading the new one.
    pub reaction_ms: i64,
    /// From reading a login code to the verifier receiving it.
    pub login_delay_ms: i64,
    /// From the enrollment's receipt to the first login.
    pub login_after_ms: i64,
    /// How many codes the person tries at one check (a one-code enrollment,
    /// a login) before giving up, 1..=[`MAX_ATTEMPTS`].
    pub attempts: u32,
    /// The verifier.
    pub policy: Policy,
}

/// Why an enrollment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Code 2 was not the step right after code 1 (the person waited a whole step or more).
    NotConsecutive,
    /// The code's step lay outside the verifier's search (every attempt).
    OutOfRange,
}

/// The verifier's decision on the enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Refused.
    Rejected(RejectReason),
    /// Associated.
    Accepted {
        /// Code step minus the verifier's step, for the accepted code (code 2
        /// of a pair); 0 when the check was skipped.
        found_offset: i64,
        /// Which attempt was accepted (1 = the first).
        attempt: u32,
        /// The person skipped a check that kept failing (libpam's `-1`):
        /// enrolled without a confirmed code.
        skipped: bool,
    },
}

/// One code submitted: read, received, checked (all times real, in ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempt {
    /// The code read.
    pub t_read: i64,
    /// Its device step.
    pub step: i64,
    /// Received by the verifier.
    pub t_receipt: i64,
    /// The verifier's step at receipt (with what it had stored).
    pub verifier_step: i64,
    /// Accepted?
    pub accepted: bool,
}

/// Who saw which step when, for one enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrollment {
    /// The device clock.
    pub clock: DeviceClock,
    /// The first code read.
    pub t_code1: i64,
    /// Its device step.
    pub code1_step: i64,
    /// Pair flow: code 1 replaced on the device by the next code.
    pub t_change: i64,
    /// The attempts, in order (a pair is one attempt whose code is code 2).
    attempts: [Attempt; MAX_ATTEMPTS as usize],
    attempt_count: usize,
    /// What the verifier decided.
    pub decision: Decision,
    /// The verifier's state afterwards.
    pub state: State,
    /// When the enrollment ended (the last attempt's receipt).
    pub t_done: i64,
}

impl Enrollment {
    /// The attempts, in order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts[..self.attempt_count]
    }

    /// The deciding attempt (the last one).
    pub fn last(&self) -> &Attempt {
        &self.attempts[self.attempt_count.saturating_sub(1)]
    }

    /// Whether the device was associated.
    pub fn accepted(&self) -> bool {
        matches!(self.decision, Decision::Accepted { .. })
    }
}

/// The first prompt login after an accepted enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    /// The first attempt.
    pub first: Attempt,
    /// Lowest device step the verifier accepts at that attempt.
    pub accept_from: i64,
    /// Highest.
    pub accept_to: i64,
    /// Would the same attempt be accepted had the enrollment stored the
    /// device's true offset (in the verifier's own form)?
    pub ideal_accepted: bool,
    /// The attempt at which the person gets in, retrying with a fresh code
    /// each time up to the scenario's attempts (a verifier that learns or
    /// auto-resyncs heals on a later one); `None`: not at all.
    pub gets_in_at: Option<u32>,
    /// Whether that attempt got in because the verifier healed itself
    /// (libpam's learning, privacyIDEA's AutoResync) rather than because the
    /// new code fell in the window.
    pub healed: bool,
    /// Whether the refused attempts locked the token (privacyIDEA's
    /// `maxfail`): then no code, and no resync, gets the person in until an
    /// administrator resets its failure count.
    pub locked: bool,
}

/// What the person submitted at one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// An enrollment pair: code 1 of `step1`, code 2 of `step2`.
    Pair {
        /// Code 1's device step.
        step1: i64,
        /// Code 2's device step.
        step2: i64,
    },
    /// One enrollment confirmation code.
    Confirm {
        /// Its device step.
        step: i64,
    },
    /// The person skipped a confirmation that kept failing (libpam's `-1`).
    Skip,
    /// One login code.
    Login {
        /// Its device step.
        step: i64,
    },
    /// A resync with two consecutive codes.
    Resync {
        /// Code 1's device step.
        step1: i64,
        /// Code 2's device step.
        step2: i64,
    },
}

/// One check and the verifier's answer, in the order the person made them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// What was submitted.
    pub kind: CheckKind,
    /// When the verifier received it (real ms).
    pub t_receipt: i64,
    /// The verifier's (corrected) step at receipt, before the check.
    pub verifier_step: i64,
    /// What the verifier answered.
    pub verdict: Verdict,
}

/// How a login occasion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEnd {
    /// The first code was accepted.
    FirstTry,
    /// A later attempt got in.
    Retried {
        /// The attempt that got in (2 or more).
        attempt: u32,
        /// Because the verifier healed itself (learning, AutoResync), not
        /// because the new code fell in the window.
        healed: bool,
    },
    /// Every attempt failed; a resync with two fresh codes succeeded.
    Resynced,
    /// Every attempt failed and nothing recovered the login.
    Failed,
    /// Every attempt failed and the token is locked (too many failures in a
    /// row, privacyIDEA's `maxfail`): a resync, even one that succeeds,
    /// leaves it locked; only an administrator's reset lets the person in.
    Locked,
}

/// The four ends of an enrollment and its first login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The enrollment itself was refused.
    Rejected,
    /// Enrolled, and the first login is accepted.
    InSync,
    /// Enrolled, the first login is refused, and it would have been accepted
    /// had the enrollment stored the device's true offset: the enrollment's doing.
    OutOfSync,
    /// Enrolled, the first login is refused, and it would be refused after
    /// an ideal enrollment too: the device clock (skew, drift) or the login's
    /// own delay, nothing the enrollment stored.
    LoginFails,
}

impl Outcome {
    /// All four, in the order reports list them.
    pub const ALL: [Outcome; 4] = [
        Outcome::InSync,
        Outcome::OutOfSync,
        Outcome::LoginFails,
        Outcome::Rejected,
    ];

    /// The label charts and tables print: what happened at the first
    /// login, then the enrollment's state in brackets.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Rejected => "ENROLLMENT REFUSED",
            Outcome::InSync => "LOGIN ACCEPTED (in sync)",
            Outcome::OutOfSync => "LOGIN REFUSED: WRONG OFFSET STORED (out of sync)",
            Outcome::LoginFails => "LOGIN REFUSED ANYWAY (clock or transit)",
        }
    }

    /// The short name used in CSV and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Rejected => "rejected",
            Outcome::InSync => "in_sync",
            Outcome::OutOfSync => "out_of_sync",
            Outcome::LoginFails => "login_fails",
        }
    }
}

impl Scenario {
    /// The default scenario under `policy`: 30 s steps, no delay, no skew or
    /// drift, a new code read 2 s after it appears, three attempts at most,
    /// the first login a day later and received 5 s after its code was read
    /// (the command line's defaults, delay aside).
    pub fn new(policy: Policy) -> Scenario {
        Scenario {
            period_ms: 30_000,
            delay_ms: 0,
            skew_ms: 0,
            drift_ppb: 0,
            reaction_ms: 2_000,
            login_delay_ms: 5_000,
            login_after_ms: 86_400_000,
            attempts: 3,
            policy,
        }
    }

    /// The device clock when the first code is read `phase_ms` into its step.
    fn clock_and_first_read(&self, phase_ms: i64) -> (DeviceClock, i64, i64) {
        let period = self.period_ms;
        let code1_step = step_of(EPOCH_MS, period);
        let device_at_code1 = code1_step * period + phase_of(phase_ms, period);
        // The drift is counted from the moment the first code is read.
        let t_code1 = device_at_code1 - self.skew_ms;
        let clock = DeviceClock {
            skew_ms: self.skew_ms,
            drift_ppb: self.drift_ppb,
            anchor_ms: t_code1,
        };
        (clock, t_code1, code1_step)
    }

    /// When the person, having seen a code refused at `t_refused`, reads the
    /// next new code: they wait for the device to change code, then take
    /// `reaction` to read it.
    pub fn next_read(&self, clock: &DeviceClock, t_refused: i64) -> i64 {
        let shown = step_of(clock.reading(t_refused), self.period_ms);
        clock
            .real_time_at((shown + 1).saturating_mul(self.period_ms))
            .saturating_add(self.reaction_ms)
    }

    fn attempts_allowed(&self) -> usize {
        self.attempts.clamp(1, MAX_ATTEMPTS) as usize
    }

    /// The enrollment when the first code is read `phase_ms` into its device step.
    pub fn enroll(&self, phase_ms: i64) -> Enrollment {
        let period = self.period_ms;
        let (clock, t_code1, code1_step) = self.clock_and_first_read(phase_ms);
        let mut e = Enrollment {
            clock,
            t_code1,
            code1_step,
            t_change: t_code1,
            attempts: [Attempt::default(); MAX_ATTEMPTS as usize],
            attempt_count: 0,
            decision: Decision::Rejected(RejectReason::OutOfRange),
            state: State::default(),
            t_done: t_code1,
        };
        match self.policy.flow {
            Flow::Pair { search, store } => {
                let t_change = clock.real_time_at((code1_step + 1) * period);
                let t_read = t_change.saturating_add(self.reaction_ms);
                let step = step_of(clock.reading(t_read), period);
                let t_receipt = t_read.saturating_add(self.delay_ms);
                let verifier_step = e.state.step_at(t_receipt, period);
                let checked =
                    e.state
                        .check_pair(search, store, (code1_step, step), t_receipt, period);
                e.attempts[0] = Attempt {
                    t_read,
                    step,
                    t_receipt,
                    verifier_step,
                    accepted: checked.is_ok(),
                };
                e.t_change = t_change;
                e.attempt_count = 1;
                e.t_done = t_receipt;
                e.decision = match checked {
                    Ok(found_offset) => Decision::Accepted {
                        found_offset,
                        attempt: 1,
                        skipped: false,
                    },
                    Err(_) if step != code1_step + 1 => {
                        Decision::Rejected(RejectReason::NotConsecutive)
                    }
                    Err(_) => Decision::Rejected(RejectReason::OutOfRange),
                };
            }
            Flow::Confirm {
                window,
                store,
                skip_allowed,
                ..
            } => {
                let marks = self.policy.confirm_marks();
                let mut t_read = t_code1;
                for n in 0..self.attempts_allowed() {
                    let step = step_of(clock.reading(t_read), period);
                    let t_receipt = t_read.saturating_add(self.delay_ms);
                    let verifier_step = e.state.step_at(t_receipt, period);
                    let checked = e
                        .state
                        .check_confirm(window, store, step, t_receipt, period, marks);
                    e.attempts[n] = Attempt {
                        t_read,
                        step,
                        t_receipt,
                        verifier_step,
                        accepted: checked.is_ok(),
                    };
                    e.attempt_count = n + 1;
                    e.t_done = t_receipt;
                    if let Ok(found_offset) = checked {
                        e.decision = Decision::Accepted {
                            found_offset,
                            attempt: n as u32 + 1,
                            skipped: false,
                        };
                        break;
                    }
                    t_read = self.next_read(&clock, t_receipt);
                }
                if !e.accepted() && skip_allowed {
                    e.decision = Decision::Accepted {
                        found_offset: 0,
                        attempt: e.attempt_count as u32,
                        skipped: true,
                    };
                }
            }
        }
        e
    }

    /// The enrollment's checks, in the order the person made them: one pair,
    /// or each confirmation code and (libpam) the skip.
    pub fn enrollment_checks(&self, e: &Enrollment) -> Vec<Check> {
        let verdict = |accepted: bool, offset: i64| {
            if accepted {
                Verdict::Accepted { offset }
            } else {
                Verdict::Refused(Refusal::OutsideWindow)
            }
        };
        let mut out: Vec<Check> = e
            .attempts()
            .iter()
            .map(|a| Check {
                kind: if self.policy.flow.is_pair() {
                    CheckKind::Pair {
                        step1: e.code1_step,
                        step2: a.step,
                    }
                } else {
                    CheckKind::Confirm { step: a.step }
                },
                t_receipt: a.t_receipt,
                verifier_step: a.verifier_step,
                verdict: verdict(a.accepted, a.step - a.verifier_step),
            })
            .collect();
        if let Decision::Accepted { skipped: true, .. } = e.decision {
            out.push(Check {
                kind: CheckKind::Skip,
                t_receipt: e.t_done,
                verifier_step: e.last().verifier_step,
                verdict: Verdict::Accepted { offset: 0 },
            });
        }
        out
    }

    /// Every check of one lab scenario, with the model's answers: the
    /// enrollment (first code at `enroll_phase_ms`), the first login (code
    /// at `login_phase_ms`) and `more_logins` further logins `every_ms`
    /// apart, each login occasion with its retries and, where the verifier
    /// has one, a resync after a day of failures.
    pub fn checks(
        &self,
        enroll_phase_ms: i64,
        login_phase_ms: i64,
        more_logins: u64,
        every_ms: i64,
    ) -> Vec<Check> {
        let e = self.enroll(enroll_phase_ms);
        let mut out = self.enrollment_checks(&e);
        if !e.accepted() {
            return out;
        }
        let mut state = e.state;
        let device_step = self.login_step(&e);
        let first_read = e
            .clock
            .real_time_at(device_step * self.period_ms + phase_of(login_phase_ms, self.period_ms));
        let mut record = |c: &Check| out.push(*c);
        for n in 0..=more_logins {
            let offset = every_ms.saturating_mul(i64::try_from(n).unwrap_or(i64::MAX));
            let t_read = first_read.saturating_add(offset);
            self.login_day(&mut state, &e.clock, t_read, true, &mut record);
        }
        out
    }

    /// The verifier state an ideal enrollment would have left: the real
    /// one, with the offset replaced by the device's true offset in the
    /// form this policy's enrollment stores (nothing for one that stores
    /// nothing, so its logins can never be "out of sync").
    pub fn ideal_state(&self, enrollment: &Enrollment) -> State {
        let store = match enrollment.decision {
            Decision::Accepted { skipped: true, .. } => Store::Nothing,
            _ => self.policy.flow.store(),
        };
        if store == Store::Nothing {
            return enrollment.state;
        }
        let ideal = State::ideal(store, self.skew_ms, self.period_ms);
        let mut state = enrollment.state;
        state.steps = ideal.steps;
        state.shift_ms = ideal.shift_ms;
        state
    }

    /// The device step shown at the first login: `login_after` after the
    /// enrollment ended.
    pub fn login_step(&self, enrollment: &Enrollment) -> i64 {
        let later = enrollment.t_done.saturating_add(self.login_after_ms);
        step_of(enrollment.clock.reading(later), self.period_ms)
    }

    /// One login attempt with the code of device step `step`, read at real
    /// time `t_read`, against `state`.
    pub fn login_attempt(&self, state: &mut State, step: i64, t_read: i64) -> (Attempt, Verdict) {
        let t_receipt = t_read.saturating_add(self.login_delay_ms);
        let verifier_step = state.step_at(t_receipt, self.period_ms);
        let verdict = state.login(&self.policy, step, t_receipt, self.period_ms);
        let attempt = Attempt {
            t_read,
            step,
            t_receipt,
            verifier_step,
            accepted: verdict.accepted(),
        };
        (attempt, verdict)
    }

    /// One login occasion: the first code read at `first_read`, then, while
    /// refused, each next new code up to the scenario's attempts (stopping at
    /// a lock); if all fail and `resync` is set and the verifier has one, a
    /// resync with two fresh consecutive codes sent at once. A token locked
    /// at the end of the day ends it [`DayEnd::Locked`], resync or not.
    /// `record` is told every check in order.
    pub fn login_day(
        &self,
        state: &mut State,
        clock: &DeviceClock,
        first_read: i64,
        resync: bool,
        record: &mut dyn FnMut(&Check),
    ) -> DayEnd {
        let period = self.period_ms;
        let mut t_read = first_read;
        let mut last_receipt = first_read;
        for n in 1..=self.attempts_allowed() as u32 {
            let step = step_of(clock.reading(t_read), period);
            let (attempt, verdict) = self.login_attempt(state, step, t_read);
            record(&Check {
                kind: CheckKind::Login { step },
                t_receipt: attempt.t_receipt,
                verifier_step: attempt.verifier_step,
                verdict,
            });
            if verdict.accepted() {
                return match n {
                    1 => DayEnd::FirstTry,
                    attempt => DayEnd::Retried {
                        attempt,
                        healed: verdict == Verdict::Healed,
                    },
                };
            }
            last_receipt = attempt.t_receipt;
            if verdict == Verdict::Refused(Refusal::Locked) {
                break;
            }
            t_read = self.next_read(clock, last_receipt);
        }
        if resync && self.policy.resync.is_some() {
            let t_code2 = self.next_read(clock, last_receipt);
            let step2 = step_of(clock.reading(t_code2), period);
            let sent = t_code2.saturating_add(self.login_delay_ms);
            let verifier_step = state.step_at(sent, period);
            let ok = state.resync(&self.policy, step2, sent, period);
            record(&Check {
                kind: CheckKind::Resync {
                    step1: step2 - 1,
                    step2,
                },
                t_receipt: sent,
                verifier_step,
                verdict: if ok {
                    Verdict::Accepted { offset: 0 }
                } else {
                    Verdict::Refused(Refusal::OutsideWindow)
                },
            });
            if ok && !state.locked(self.policy.penalty) {
                return DayEnd::Resynced;
            }
        }
        if state.locked(self.policy.penalty) {
            DayEnd::Locked
        } else {
            DayEnd::Failed
        }
    }

    /// The first login when its code is read `phase_ms` into its device step.
    /// `None` when the enrollment was rejected.
    pub fn first_login(&self, enrollment: &Enrollment, phase_ms: i64) -> Option<Login> {
        if !enrollment.accepted() {
            return None;
        }
        let device_step = self.login_step(enrollment);
        let read_device_ms = device_step * self.period_ms + phase_of(phase_ms, self.period_ms);
        let t_read = enrollment.clock.real_time_at(read_device_ms);
        let mut state = enrollment.state;
        let (first, verdict) = self.login_attempt(&mut state, device_step, t_read);
        let mut ideal = self.ideal_state(enrollment);
        let (_, ideal_verdict) = self.login_attempt(&mut ideal, device_step, t_read);
        let (gets_in_at, healed, locked) = if verdict.accepted() {
            (Some(1), false, false)
        } else {
            // The day again from the first code, on a fresh copy of the state.
            let mut retry = enrollment.state;
            match self.login_day(&mut retry, &enrollment.clock, t_read, false, &mut |_| {}) {
                DayEnd::Retried { attempt, healed } => (Some(attempt), healed, false),
                end => (None, false, end == DayEnd::Locked),
            }
        };
        let window = self.policy.login;
        Some(Login {
            first,
            accept_from: first.verifier_step - i64::from(window.behind),
            accept_to: first.verifier_step + i64::from(window.ahead),
            ideal_accepted: ideal_verdict.accepted(),
            gets_in_at,
            healed,
            locked,
        })
    }

    /// The outcome for the first code read at phase `enroll_phase_ms` and the
    /// login code read at phase `login_phase_ms`.
    pub fn outcome(&self, enroll_phase_ms: i64, login_phase_ms: i64) -> Outcome {
        let enrollment = self.enroll(enroll_phase_ms);
        if !enrollment.accepted() {
            return Outcome::Rejected;
        }
        let device_step = self.login_step(&enrollment);
        let read = device_step * self.period_ms + phase_of(login_phase_ms, self.period_ms);
        let t_read = enrollment.clock.real_time_at(read);
        let mut state = enrollment.state;
        if self
            .login_attempt(&mut state, device_step, t_read)
            .1
            .accepted()
        {
            return Outcome::InSync;
        }
        let mut ideal = self.ideal_state(&enrollment);
        if self
            .login_attempt(&mut ideal, device_step, t_read)
            .1
            .accepted()
        {
            Outcome::OutOfSync
        } else {
            Outcome::LoginFails
        }
    }

    /// For an accepted enrollment: the login phases (1 ms apart, in
    /// `[0, period)`) whose first attempt `state` accepts, as `[from, to)`.
    ///
    /// A fresh state after enrollment has no failures, so the first attempt
    /// is accepted exactly when its step is not a replay and lies in the
    /// window; the verifier's step at receipt is non-decreasing in the phase,
    /// so the accepted phases form one interval, found in closed form
    /// (checked; binary search where saturation breaks it).
    pub fn accepted_login_phases(&self, enrollment: &Enrollment, state: &State) -> (i64, i64) {
        let period = self.period_ms;
        let device_step = self.login_step(enrollment);
        let replayed = state.is_replay(self.policy.replay, device_step);
        if replayed {
            return (0, 0);
        }
        let clock = &enrollment.clock;
        let verifier_step = |phase: i64| {
            let t_read = clock.real_time_at(device_step * period + phase);
            state.step_at(t_read.saturating_add(self.login_delay_ms), period)
        };
        let window = self.policy.login;
        // device_step - c in [-behind, ahead]  <=>  c in [lo, hi]
        let lo = device_step - i64::from(window.ahead);
        let hi = device_step + i64::from(window.behind);
        // Least phase in [0, period] with verifier_step(phase) >= target
        // (period itself meaning "none").
        let first_at_least = |target: i64| {
            let holds = |phase: i64| phase >= period || verifier_step(phase) >= target;
            // Closed form: c >= target once the code is received at or after
            // (target - steps) * period - shift, i.e. read at or after T; and
            // real_time_at(D) >= T exactly when the device read below D at T - 1.
            let t = target
                .saturating_sub(state.steps)
                .saturating_mul(period)
                .saturating_sub(state.shift_ms)
                .saturating_sub(self.login_delay_ms);
            let guess = clock
                .reading(t.saturating_sub(1))
                .saturating_sub(device_step.saturating_mul(period))
                .saturating_add(1)
                .clamp(0, period);
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
        let from = first_at_least(lo);
        let to = first_at_least(hi.saturating_add(1));
        (from, to.max(from))
    }
}

//! Serializable documents of the model's values (policy, settings, stored
//! state, one value per outcome): the parts of [`super::Analysis`] that
//! other documents (the command line's `policies`, `sweep`, `montecarlo`,
//! `drift`, `probe`) share. Units are in the field names; an absent value is
//! `None` (JSON `null`).

use serde::Serialize;

use crate::sim::policy::{Flow, Provenance, Replay, ReplayCheck, SearchOrder, Store, Window};
use crate::sim::{Outcome, Policy, Probabilities, Scenario, State};

/// Steps behind and ahead of a reference step.
#[derive(Debug, Serialize, Clone, Copy)]
pub struct WindowDoc {
    /// Steps behind.
    pub behind: u32,
    /// Steps ahead.
    pub ahead: u32,
}

impl From<Window> for WindowDoc {
    fn from(w: Window) -> Self {
        WindowDoc {
            behind: w.behind,
            ahead: w.ahead,
        }
    }
}

/// The key of a stored form.
pub fn store_key(s: Store) -> &'static str {
    match s {
        Store::Nothing => "nothing",
        Store::Steps => "steps",
        Store::StepsFormLoop => "steps_form_loop",
        Store::ShiftStart => "shift_to_step_start",
        Store::ShiftCentre => "shift_to_step_centre",
    }
}

/// How a policy enrolls.
#[derive(Debug, Clone, Serialize)]
pub struct EnrollmentDoc {
    /// `pair` (two consecutive codes) or `one_code`.
    pub flow: &'static str,
    /// Where the (last) code's step may lie around the verifier's.
    pub window: WindowDoc,
    /// What the enrollment stores.
    pub stores: &'static str,
    /// Whether the person may skip a failing check (libpam's setup tool).
    pub skippable: bool,
    /// Whether the accepted code counts as used under the login's replay
    /// rule, which then refuses it at a login (passlib's `last_counter`,
    /// pam_oath's users file).
    pub marks_used: bool,
}

/// How logins are checked.
#[derive(Debug, Clone, Serialize)]
pub struct LoginDoc {
    /// Where a login code's step may lie around the verifier's corrected step.
    pub window: WindowDoc,
    /// What a successful login writes (`nothing`: it keeps the enrollment's).
    pub stores: &'static str,
    /// The order a window is searched in (`ascending`, `nearest_behind_first`,
    /// `nearest_ahead_first`); matters only when two steps share a code.
    pub search_order: &'static str,
    /// What the replay rule holds against (`matched_step`, `not_searched`,
    /// `matched_code`).
    pub replay_check: &'static str,
}

/// How a verifier recovers from a refused login.
#[derive(Debug, Clone, Serialize)]
pub struct HealingDoc {
    /// libpam's skew learning: the bound N on `i` of its search (`i < N`),
    /// so N - 1 steps each side of the raw step.
    pub skew_learning_search: Option<u32>,
    /// privacyIDEA's AutoResync: N of `checkOtp`'s `range(c - N, c + N)`,
    /// so -N..+(N - 1) steps.
    pub auto_resync_search: Option<u32>,
    /// The resync call's search window for code 2.
    pub resync_window: Option<WindowDoc>,
    /// `none`, `lock_after` (privacyIDEA maxfail) or `throttle` (django-otp).
    pub failure_penalty: &'static str,
    /// The failures that lock the token (`lock_after`).
    pub lock_after_failures: Option<u32>,
}

/// Where one number of a policy comes from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceDoc {
    /// The parameter.
    pub parameter: String,
    /// `source` (read in the verifier's code), `documented`, `inferred` or
    /// `measured` (by `skewsim probe`).
    pub provenance: &'static str,
    /// The citation, the reasoning or the experiments.
    pub note: String,
}

/// How `skewsim probe` measured a policy.
#[derive(Debug, Clone, Serialize)]
pub struct MeasuredDoc {
    /// When (RFC 3339, UTC).
    pub date: String,
    /// The verifier as its adapter named itself.
    pub verifier: String,
    /// Experiments made.
    pub experiments: u32,
    /// Logins refused during the probe.
    pub failed_logins: u32,
    /// Real time taken.
    pub seconds: f64,
}

/// A verifier policy with every parameter the model uses.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDoc {
    /// Its name (with `+overrides` when options changed it).
    pub name: String,
    /// What it models.
    pub summary: String,
    /// A hypothesis about an unpublished verifier rather than a reading of its source.
    pub hypothesis: bool,
    /// The enrollment.
    pub enrollment: EnrollmentDoc,
    /// Logins.
    pub login: LoginDoc,
    /// `off`, `later_only` or `same_step`.
    pub replay: &'static str,
    /// Recovery.
    pub healing: HealingDoc,
    /// The parameters whose provenance is `inferred`.
    pub inferred: Vec<String>,
    /// Every parameter's provenance.
    pub sources: Vec<SourceDoc>,
    /// For a policy found by `skewsim probe`: how; `null` otherwise.
    pub measured: Option<MeasuredDoc>,
}

/// The key of a provenance in JSON.
pub fn provenance_key(p: Provenance) -> &'static str {
    match p {
        Provenance::Source => "source",
        Provenance::Documented => "documented",
        Provenance::Inferred => "inferred",
        Provenance::Measured => "measured",
    }
}

impl From<&Policy> for PolicyDoc {
    fn from(p: &Policy) -> Self {
        use crate::sim::policy::FailurePenalty;
        PolicyDoc {
            name: p.name.clone(),
            summary: p.summary.to_string(),
            hypothesis: p.hypothesis,
            enrollment: EnrollmentDoc {
                flow: if p.flow.is_pair() { "pair" } else { "one_code" },
                window: p.flow.window().into(),
                stores: store_key(p.flow.store()),
                skippable: matches!(
                    p.flow,
                    Flow::Confirm {
                        skip_allowed: true,
                        ..
                    }
                ),
                marks_used: p.flow.marks_used(),
            },
            login: LoginDoc {
                window: p.login.into(),
                stores: store_key(p.on_login),
                search_order: match p.matching.order {
                    SearchOrder::Ascending => "ascending",
                    SearchOrder::NearestBehindFirst => "nearest_behind_first",
                    SearchOrder::NearestAheadFirst => "nearest_ahead_first",
                },
                replay_check: match p.matching.replay_check {
                    ReplayCheck::MatchedStep => "matched_step",
                    ReplayCheck::NotSearched => "not_searched",
                    ReplayCheck::MatchedCode => "matched_code",
                },
            },
            replay: match p.replay {
                Replay::Off => "off",
                Replay::LaterOnly => "later_only",
                Replay::SameStep => "same_step",
            },
            healing: HealingDoc {
                skew_learning_search: p.learning.map(|l| l.search),
                auto_resync_search: p.auto_resync.map(|a| a.search),
                resync_window: p.resync.as_ref().map(|r| r.search.into()),
                failure_penalty: match p.penalty {
                    FailurePenalty::None => "none",
                    FailurePenalty::LockAfter(_) => "lock_after",
                    FailurePenalty::Throttle => "throttle",
                },
                lock_after_failures: match p.penalty {
                    FailurePenalty::LockAfter(n) => Some(n),
                    _ => None,
                },
            },
            inferred: p
                .sources
                .iter()
                .filter(|s| s.provenance == Provenance::Inferred)
                .map(|s| s.parameter.clone())
                .collect(),
            sources: p
                .sources
                .iter()
                .map(|s| SourceDoc {
                    parameter: s.parameter.clone(),
                    provenance: provenance_key(s.provenance),
                    note: s.note.clone(),
                })
                .collect(),
            measured: p.measured.as_ref().map(|m| MeasuredDoc {
                date: m.date.clone(),
                verifier: m.verifier.clone(),
                experiments: m.experiments,
                failed_logins: m.failed_logins,
                seconds: m.seconds,
            }),
        }
    }
}

/// The model's settings shared by every simulating command.
#[derive(Debug, Clone, Serialize)]
pub struct ModelDoc {
    /// The TOTP step.
    pub period_ms: i64,
    /// Device clock rate error (parts per million).
    pub drift_ppm: f64,
    /// From reading a login code to the verifier receiving it.
    pub login_delay_ms: i64,
    /// The first login, after the enrollment.
    pub login_after_ms: i64,
    /// Codes a person tries at one check.
    pub attempts: u32,
}

impl From<&Scenario> for ModelDoc {
    fn from(s: &Scenario) -> Self {
        ModelDoc {
            period_ms: s.period_ms,
            // drift_ppb is ppm × 1000 exactly (the flag's resolution).
            drift_ppm: s.drift_ppb as f64 / 1000.0,
            login_delay_ms: s.login_delay_ms,
            login_after_ms: s.login_after_ms,
            attempts: s.attempts,
        }
    }
}

/// One value per outcome.
#[derive(Debug, Serialize, Clone, Copy)]
pub struct PerOutcome<T: Serialize> {
    /// Enrolled, and the first login succeeds.
    pub in_sync: T,
    /// Enrolled, and the first login fails because of what the enrollment stored.
    pub out_of_sync: T,
    /// Enrolled, and the first login fails for the clock's sake alone.
    pub login_fails: T,
    /// Not enrolled.
    pub rejected: T,
}

impl<T: Serialize> PerOutcome<T> {
    /// Builds each outcome's value.
    pub fn from_fn(mut f: impl FnMut(Outcome) -> T) -> Self {
        PerOutcome {
            in_sync: f(Outcome::InSync),
            out_of_sync: f(Outcome::OutOfSync),
            login_fails: f(Outcome::LoginFails),
            rejected: f(Outcome::Rejected),
        }
    }
}

/// Exact probabilities.
pub fn shares(p: &Probabilities) -> PerOutcome<f64> {
    PerOutcome::from_fn(|o| p.p(o))
}

/// What a verifier holds about a device's clock.
#[derive(Debug, Clone, Serialize)]
pub struct StateDoc {
    /// Whole steps added to the verifier's step.
    pub steps: i64,
    /// A time shift added to the verifier's clock.
    pub shift_ms: i64,
}

impl From<&State> for StateDoc {
    fn from(s: &State) -> Self {
        StateDoc {
            steps: s.steps,
            shift_ms: s.shift_ms,
        }
    }
}

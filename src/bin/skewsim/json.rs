//! The one JSON schema of `--format json`, as types: every command's result
//! is one of the documents below, inside the envelope
//! `{"schema": 1, "command": "…", …}`. `docs/skewsim.schema.json` is the same
//! contract as a JSON Schema, and `tests/json_schema.rs` holds every
//! command's output against it, so the two cannot drift apart.
//!
//! Conventions: numbers are numbers; a unit is in the name (`_ms`, `_ppm`,
//! `_s`, `_day`); probabilities are fractions in 0..=1; an absent value is
//! `null`, never a missing key; steps in a timeline count from code 1's
//! step (0 is step k, 1 is k+1).

use std::io::Write;

use serde::Serialize;
use skewsim::sim::montecarlo::Dist;
use skewsim::sim::policy::{Flow, Provenance, Replay, Store, Window};
use skewsim::sim::{Outcome, Policy, Probabilities, Scenario, State};

use crate::error::CliError;

/// The version of the schema; it changes when a document's meaning does.
pub const SCHEMA_VERSION: u32 = 1;

/// Text for people, or one JSON document for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: sentences, tables and a timeline.
    Text,
    /// One JSON object, `{"schema": 1, "command": …}`, as docs/skewsim.schema.json describes.
    Json,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema: u32,
    command: &'a str,
    #[serde(flatten)]
    result: &'a T,
}

/// Writes `result` as the pretty-printed document of `command`, with a newline.
pub fn write<T: Serialize>(out: &mut dyn Write, command: &str, result: &T) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(&Envelope {
        schema: SCHEMA_VERSION,
        command,
        result,
    })
    .map_err(|e| CliError::Other(format!("cannot format JSON: {e}")))?;
    text.push('\n');
    crate::output::write(out, &text)
}

/// Steps behind and ahead of a reference step.
#[derive(Serialize, Clone, Copy)]
pub struct WindowJson {
    /// Steps behind.
    pub behind: u32,
    /// Steps ahead.
    pub ahead: u32,
}

impl From<Window> for WindowJson {
    fn from(w: Window) -> Self {
        WindowJson {
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
#[derive(Serialize)]
pub struct EnrollmentJson {
    /// `pair` (two consecutive codes) or `one_code`.
    pub flow: &'static str,
    /// Where the (last) code's step may lie around the verifier's.
    pub window: WindowJson,
    /// What the enrollment stores.
    pub stores: &'static str,
    /// Whether the person may skip a failing check (libpam's setup tool).
    pub skippable: bool,
}

/// How logins are checked.
#[derive(Serialize)]
pub struct LoginJson {
    /// Where a login code's step may lie around the verifier's corrected step.
    pub window: WindowJson,
    /// What a successful login writes (`nothing`: it keeps the enrollment's).
    pub stores: &'static str,
}

/// How a verifier recovers from a refused login.
#[derive(Serialize)]
pub struct HealingJson {
    /// libpam's skew learning: the search each side of the raw step, in steps.
    pub skew_learning_search: Option<u32>,
    /// privacyIDEA's AutoResync: the search each side, in steps.
    pub auto_resync_search: Option<u32>,
    /// The resync call's search window for code 2.
    pub resync_window: Option<WindowJson>,
    /// `none`, `lock_after` (privacyIDEA maxfail) or `throttle` (django-otp).
    pub failure_penalty: &'static str,
    /// The failures that lock the token (`lock_after`).
    pub lock_after_failures: Option<u32>,
}

/// Where one number of a policy comes from.
#[derive(Serialize)]
pub struct SourceJson {
    /// The parameter.
    pub parameter: String,
    /// `source` (read in the verifier's code), `documented`, `inferred` or
    /// `measured` (by `skewsim probe`).
    pub provenance: &'static str,
    /// The citation, the reasoning or the experiments.
    pub note: String,
}

/// How `skewsim probe` measured a policy.
#[derive(Serialize)]
pub struct MeasuredJson {
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
#[derive(Serialize)]
pub struct PolicyJson {
    /// Its name (with `+overrides` when options changed it).
    pub name: String,
    /// What it models.
    pub summary: String,
    /// A hypothesis about an unpublished verifier rather than a reading of its source.
    pub hypothesis: bool,
    /// The enrollment.
    pub enrollment: EnrollmentJson,
    /// Logins.
    pub login: LoginJson,
    /// `off`, `later_only` or `same_step`.
    pub replay: &'static str,
    /// Recovery.
    pub healing: HealingJson,
    /// The parameters whose provenance is `inferred`.
    pub inferred: Vec<String>,
    /// Every parameter's provenance.
    pub sources: Vec<SourceJson>,
    /// For a policy found by `skewsim probe`: how; `null` otherwise.
    pub measured: Option<MeasuredJson>,
}

fn provenance_key(p: Provenance) -> &'static str {
    match p {
        Provenance::Source => "source",
        Provenance::Documented => "documented",
        Provenance::Inferred => "inferred",
        Provenance::Measured => "measured",
    }
}

impl From<&Policy> for PolicyJson {
    fn from(p: &Policy) -> Self {
        use skewsim::sim::policy::FailurePenalty;
        PolicyJson {
            name: p.name.clone(),
            summary: p.summary.to_string(),
            hypothesis: p.hypothesis,
            enrollment: EnrollmentJson {
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
            },
            login: LoginJson {
                window: p.login.into(),
                stores: store_key(p.on_login),
            },
            replay: match p.replay {
                Replay::Off => "off",
                Replay::LaterOnly => "later_only",
                Replay::SameStep => "same_step",
            },
            healing: HealingJson {
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
                .map(|s| SourceJson {
                    parameter: s.parameter.clone(),
                    provenance: provenance_key(s.provenance),
                    note: s.note.clone(),
                })
                .collect(),
            measured: p.measured.as_ref().map(|m| MeasuredJson {
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
#[derive(Serialize)]
pub struct ModelJson {
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

impl From<&Scenario> for ModelJson {
    fn from(s: &Scenario) -> Self {
        ModelJson {
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
#[derive(Serialize, Clone, Copy)]
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
#[derive(Serialize)]
pub struct StateJson {
    /// Whole steps added to the verifier's step.
    pub steps: i64,
    /// A time shift added to the verifier's clock.
    pub shift_ms: i64,
}

impl From<&State> for StateJson {
    fn from(s: &State) -> Self {
        StateJson {
            steps: s.steps,
            shift_ms: s.shift_ms,
        }
    }
}

/// A distribution of a duration, by its parameters.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DistJson {
    /// Always this value.
    Fixed {
        /// The value.
        value_ms: i64,
    },
    /// Uniform between two values (inclusive).
    Uniform {
        /// Lowest.
        low_ms: i64,
        /// Highest.
        high_ms: i64,
    },
    /// Normal.
    Normal {
        /// Mean.
        mean_ms: i64,
        /// Standard deviation.
        sd_ms: i64,
    },
    /// Log-normal: `median × e^(σ·Z)`.
    Lognormal {
        /// Median.
        median_ms: i64,
        /// σ of the underlying normal.
        sigma: f64,
    },
}

impl From<&Dist> for DistJson {
    fn from(d: &Dist) -> Self {
        match *d {
            Dist::Fixed(value_ms) => DistJson::Fixed { value_ms },
            Dist::Uniform { lo, hi } => DistJson::Uniform {
                low_ms: lo,
                high_ms: hi,
            },
            Dist::Normal { mean, sd } => DistJson::Normal {
                mean_ms: mean,
                sd_ms: sd,
            },
            Dist::LogNormal { median, sigma } => DistJson::Lognormal {
                median_ms: median,
                sigma,
            },
        }
    }
}

/// A path as text (lossy for a name that is not UTF-8).
pub fn path_text(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

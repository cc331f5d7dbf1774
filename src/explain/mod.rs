//! The answer to one scenario as a value: what happened at the login and
//! why, how the verifier's own remedy fixes it, where the outcome changes
//! with the delay, which claims rest on inferred or measured numbers, and
//! one run told as a timeline.
//!
//! [`analyse`] builds an [`Analysis`] from a [`Scenario`]; it derives
//! `serde::Serialize`, and the command line's `--format json` for the
//! default command is that value (`docs/skewsim.schema.json`, `"command":
//! "scenario"`). The text output only lays it out: line 1 is
//! [`Headline::name`] with [`Why::sentence`], line 2 [`Fix::sentence`].
//!
//! ```
//! use skewsim::explain::{Remedy, analyse};
//! use skewsim::sim::{Outcome, Scenario, preset};
//!
//! // `skewsim --delay 90s`: AWS (hypothesis a), the pair submitted 90 s
//! // after reading code 2.
//! let aws = preset("aws-iam").expect("a preset");
//! let late = Scenario { delay_ms: 90_000, reaction_ms: 2_000, ..Scenario::new(aws) };
//! let a = analyse(&late, None)?;
//! assert_eq!(a.outcome, Outcome::OutOfSync);
//! assert_eq!(a.headline.name, "LOGIN REFUSED, ALL 3 ATTEMPTS");
//! assert_eq!(a.headline.share, 1.0);
//! // Why: how the delay became the codes' age, what was stored, against
//! // what; the INFERRED caveat beside the claim. Line 1 of `skewsim --delay
//! // 90s` is `LOGIN REFUSED, ALL 3 ATTEMPTS (100%): ` and this sentence.
//! assert_eq!(a.why.sentence, "you read code 2 2 s after it appeared and the pair reached the verifier 1 m 30 s \
//!      later, so code 2 was 1 m 32 s old, 3 steps behind the verifier's clock; it \
//!      stored an offset of -3 steps instead of no offset (your device's true offset), \
//!      so login codes fall outside its login window (-1..+1 steps) around that \
//!      (INFERRED, not read from the verifier: pair search -10..+10; login window -1..+1 \
//!      and 2 more)");
//! // The fix is the verifier's own remedy, its probability beside its
//! // caveat (line 2 is `Fix: ` and this sentence).
//! assert!(matches!(&a.fix.remedies[0], Remedy::Resync { next_login_accepted, .. } if *next_login_accepted == 1.0));
//! assert_eq!(a.fix.sentence, "resync the device (AWS: ResyncMFADevice, or 'Resync' in the IAM console) with \
//!      two fresh consecutive codes submitted at once (5 s after reading code 2): the \
//!      next login then succeeds (100%; INFERRED, not read from the verifier: resync \
//!      search -10..+10, replay of older steps refused)");
//! # Ok::<(), skewsim::explain::ExplainError>(())
//! ```

pub mod doc;
mod timeline;
pub mod words;

use serde::{Serialize, Serializer};

use crate::duration::{format_human, format_ms};
use crate::sim::model::Login;
use crate::sim::policy::{FailurePenalty, Flow, Provenance};
use crate::sim::{
    Decision, Enrollment, Outcome, Policy, Probabilities, RejectReason, Scenario, probabilities,
    thresholds,
};
use doc::{ModelDoc, PerOutcome, PolicyDoc, StateDoc, WindowDoc, shares};
pub use timeline::{Entry, Event, Run};
use words::{beside, percent, percent_exact, relative, stored};

/// Why a scenario cannot be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// The fixed enrollment phase is not within the period.
    #[error("the phase ({phase}) must be below the period ({period})", phase = format_ms(*.phase_ms), period = format_ms(*.period_ms))]
    PhaseOutOfRange {
        /// The phase asked for.
        phase_ms: i64,
        /// The period.
        period_ms: i64,
    },
    /// The exact analysis would take too long (drift with a long period).
    #[error("the exact analysis would evaluate about {work} enrollments (at most {max})")]
    TooMuchWork {
        /// Enrollments the analysis would evaluate.
        work: u64,
        /// [`MAX_WORK`].
        max: u64,
    },
}

/// The most enrollment evaluations one analysis may take (about half a
/// minute on two cores); [`analyse`] refuses beyond it.
pub const MAX_WORK: u64 = 300_000_000;

/// The answer to one scenario (the `scenario` JSON document).
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The policy's name (with `+overrides`).
    pub policy: String,
    /// Every parameter of the policy, with provenance.
    pub policy_details: PolicyDoc,
    /// From reading the (last) enrollment code to the verifier receiving it.
    pub delay_ms: i64,
    /// Device clock minus verifier clock.
    pub skew_ms: i64,
    /// From a code changing on the device to reading the new one.
    pub reaction_ms: i64,
    /// The fixed enrollment phase, or `None`: every phase.
    pub phase_ms: Option<i64>,
    /// The rest of the model's settings.
    #[serde(flatten)]
    pub model: ModelDoc,
    /// The most likely outcome over every phase.
    #[serde(serialize_with = "outcome_key")]
    pub outcome: Outcome,
    /// What happened at the login, as a name.
    pub headline: Headline,
    /// Each outcome's exact probability.
    pub probabilities: PerOutcome<f64>,
    /// The counts behind the probabilities.
    pub counts: Counts,
    /// Why: the reason in one sentence, its causes, the decisive event.
    pub why: Why,
    /// The fix: the verifier's own remedy.
    pub fix: Fix,
    /// The next login's probabilities after a prompt resync (`None`: the
    /// verifier has none).
    pub after_resync: Option<PerOutcome<f64>>,
    /// Delays at which the outcome changes, at this skew.
    pub thresholds: ThresholdsDoc,
    /// What the answer assumes about the verifier.
    pub assumptions: Assumptions,
    /// For the run's enrollment, over login phases: what retrying does.
    pub retries: Option<Retries>,
    /// One run that ends in [`Analysis::outcome`], as a timeline.
    pub run: Run,
}

fn outcome_key<S: Serializer>(o: &Outcome, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(o.key())
}

/// What happened at the login, as a name that says so.
#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    /// `LOGIN REFUSED, ALL 3 ATTEMPTS`, `LOGIN REFUSED AT FIRST, IN AT
    /// ATTEMPT 3`, `LOGIN ACCEPTED`, `ENROLLMENT REFUSED`, …
    pub name: String,
    /// The outcome's probability over every phase.
    pub share: f64,
}

/// Exact counts of (enrollment phase, login phase) pairs at 1 ms.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    /// Per outcome.
    #[serde(flatten)]
    pub outcomes: PerOutcome<u64>,
    /// All pairs.
    pub total: u64,
}

/// Why it ended so.
#[derive(Debug, Clone, Serialize)]
pub struct Why {
    /// The reason in one plain sentence (no final full stop), caveats
    /// beside the claims they qualify.
    pub sentence: String,
    /// The same, as structured causes in order.
    pub causes: Vec<Cause>,
    /// The event of the run that decided the outcome.
    pub decisive: Decisive,
    /// Caveats on this reasoning (inferred or measured numbers it rests on).
    pub caveats: Vec<Caveat>,
}

/// The event that decided the outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Decisive {
    /// Its index in [`Run::timeline`].
    pub timeline_index: usize,
    /// When, from reading code 1.
    pub t_ms: i64,
    /// What happened.
    pub what: String,
}

/// One cause of the outcome.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Cause {
    /// A code arrived this old.
    CodeArrived {
        /// `code_2` (a pair's), `code` (one-code), `login_code`.
        code: &'static str,
        /// From the code appearing on the device to reading it (a pair's
        /// reaction; `None` where it depends on the phase).
        read_after_it_appeared_ms: Option<i64>,
        /// From reading it to the verifier receiving it.
        delay_ms: i64,
        /// Its age at receipt, as far as it is fixed (`read_after + delay`).
        age_ms: i64,
        /// Its step minus the verifier's (corrected) step at receipt.
        code_minus_verifier_steps: i64,
    },
    /// Code 2 was not the step after code 1.
    NotConsecutive {
        /// From the code changing to reading code 2.
        read_after_it_appeared_ms: i64,
        /// The step.
        period_ms: i64,
    },
    /// The verifier searched a window and the code lay outside it.
    OutsideWindow {
        /// `enrollment` or `login`.
        check: &'static str,
        /// The window.
        window: WindowDoc,
    },
    /// The code lay inside the window.
    InsideWindow {
        /// `enrollment` or `login`.
        check: &'static str,
        /// The window.
        window: WindowDoc,
    },
    /// What the enrollment stored, against the device's true offset.
    Stored {
        /// What it stored.
        stored: StateDoc,
        /// What the device's true offset would be, in the verifier's form.
        true_offset: StateDoc,
    },
    /// The device clock is off (skew) or runs at the wrong rate (drift).
    ClockOff {
        /// Device minus verifier.
        skew_ms: i64,
        /// Rate error.
        drift_ppm: f64,
        /// Whether the verifier stores anything to make up for it.
        verifier_stores: bool,
    },
    /// The login code's own transit pushed it out of the window.
    LoginDelay {
        /// From reading the login code to the verifier receiving it.
        login_delay_ms: i64,
    },
    /// The login code was the enrollment's own, or an older one: the
    /// verifier refused it as a replay (where the enrollment marks its code
    /// used, `marks_used`: pam_oath's users file, passlib's `last_counter`).
    Replay {
        /// The login code's step minus the step the enrollment used (0: the
        /// very same code).
        code_minus_used_steps: i64,
    },
    /// The verifier healed itself on a later code.
    Healed {
        /// How.
        how: &'static str,
        /// The attempt that got in.
        attempt: u32,
    },
    /// Each refused code was followed by a new one.
    Retried {
        /// Codes tried.
        attempts: u32,
    },
}

/// The fix.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// In one plain sentence (no final full stop), caveats beside the
    /// claims they qualify.
    pub sentence: String,
    /// The remedies, the verifier's own first.
    pub remedies: Vec<Remedy>,
    /// Caveats on the fix's numbers.
    pub caveats: Vec<Caveat>,
}

/// One remedy.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "remedy", rename_all = "snake_case")]
pub enum Remedy {
    /// Nothing to fix.
    Nothing,
    /// An administrator resets the token's failure count: the refused
    /// attempts locked it, and a resync does not unlock it (privacyIDEA's
    /// resync leaves `failcount`).
    Unlock {
        /// The failures in a row that lock the token.
        failures: u32,
    },
    /// The verifier's resync with two fresh consecutive codes.
    Resync {
        /// How a person asks for it.
        how: String,
        /// The next login's probability of being accepted after it.
        next_login_accepted: f64,
    },
    /// Keep typing each new code: the verifier heals or the window catches up.
    KeepTrying {
        /// The attempt that gets in, in the run.
        gets_in_at_attempt: u32,
        /// The verifier's healing, when that is what lets the person in.
        healed_by: Option<&'static str>,
    },
    /// Remove the device and enroll again, promptly.
    ReEnroll {
        /// Submit within this delay (`None`: any delay).
        submit_within_ms: Option<i64>,
    },
    /// Enroll again, submitting at once.
    EnrollAgain {
        /// Refusals start at this delay at this skew.
        refused_from_ms: Option<i64>,
    },
    /// Set the device's clock to network time.
    SetClock {
        /// How far off it is.
        skew_ms: i64,
        /// Its rate error.
        drift_ppm: f64,
    },
    /// Submit login codes sooner, or widen the login window.
    SubmitLoginSooner {
        /// The login's transit now.
        login_delay_ms: i64,
        /// The login window now.
        login_window: WindowDoc,
    },
}

/// A claim's dependence on numbers that were not read from the verifier's
/// source or documentation.
#[derive(Debug, Clone, Serialize)]
pub struct Caveat {
    /// `inferred` or `measured`.
    pub provenance: &'static str,
    /// The parameters concerned.
    pub parameters: Vec<String>,
    /// As printed beside the claim: `INFERRED: …`, `MEASURED: …`.
    pub note: String,
}

/// An onset: the least delay at which an outcome is possible.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct OnsetDoc {
    /// The delay (exact, ms).
    pub from_ms: i64,
    /// The outcome's probability right there (a jump shows as a large share).
    pub probability_there: f64,
}

/// Delays at which the outcome changes, at the scenario's skew.
#[derive(Debug, Clone, Serialize)]
pub struct ThresholdsDoc {
    /// Least delay at which the login is no longer accepted for certain
    /// (0: never certain; `None`: certain at every delay).
    pub in_sync_uncertain_from_ms: Option<i64>,
    /// Where a wrong stored offset becomes possible.
    pub out_of_sync: Option<OnsetDoc>,
    /// Where it is certain.
    pub out_of_sync_certain_from_ms: Option<i64>,
    /// Where a login refused whatever the enrollment stored becomes possible.
    pub login_fails: Option<OnsetDoc>,
    /// What refuses that login: `login_delay` or `clock` (`None`: it never happens).
    pub login_fails_cause: Option<&'static str>,
    /// Where the enrollment's refusal becomes possible.
    pub rejected: Option<OnsetDoc>,
    /// Where it is certain.
    pub rejected_certain_from_ms: Option<i64>,
    /// Caveats on these numbers.
    pub caveats: Vec<Caveat>,
}

/// The policy the answer assumes, in words.
#[derive(Debug, Clone, Serialize)]
pub struct Assumptions {
    /// One sentence.
    pub sentence: String,
    /// Caveats on it.
    pub caveats: Vec<Caveat>,
}

/// For the run's enrollment: the first login at each login phase (sampled
/// every `phase_step_ms`), and what retrying with each new code does.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Retries {
    /// Login phases checked.
    pub login_phases: u64,
    /// Their spacing.
    pub phase_step_ms: i64,
    /// Refused at the first code.
    pub refused_first: u64,
    /// Of those, in on a later code.
    pub in_later: u64,
    /// Of those, because the verifier healed itself.
    pub healed: u64,
    /// Refused at every attempt.
    pub never_in: u64,
    /// The earliest attempt that got in after a refusal.
    pub earliest_attempt: Option<u32>,
    /// The latest.
    pub latest_attempt: Option<u32>,
}

/// How this verifier heals itself, if it does: the sentence the text
/// outputs put beside a later attempt that got in.
pub fn healing_note(p: &Policy) -> Option<&'static str> {
    if p.learning.is_some() {
        Some("libpam learned the skew from three codes in a row")
    } else if p.auto_resync.is_some() {
        Some("AutoResync accepted the code after a remembered one")
    } else {
        None
    }
}

/// The scenario of a prompt resync: two fresh consecutive codes sent as
/// promptly as a login, searched and stored as the verifier's resync does.
pub fn resync_scenario(scenario: &Scenario) -> Option<Scenario> {
    let r = scenario.policy.resync.clone()?;
    let mut resync = scenario.clone();
    resync.delay_ms = scenario.login_delay_ms;
    resync.policy.flow = Flow::Pair {
        search: r.search,
        store: r.store,
    };
    Some(resync)
}

/// What a replay rule refuses, in a few words.
fn replay_words(replay: crate::sim::policy::Replay) -> &'static str {
    use crate::sim::policy::Replay;
    match replay {
        Replay::LaterOnly => "takes only codes later than the last it accepted",
        Replay::SameStep => "refuses a code it accepted recently",
        Replay::Off => "refuses nothing it has seen",
    }
}

/// What refused a login that an ideal enrollment would not have saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoginCause {
    /// The login code's own transit.
    LoginDelay,
    /// The device clock (skew or drift), nothing stored to make up for it.
    Clock,
    /// The login code was no later than the one the enrollment used, and
    /// the verifier refused it as a replay.
    Replay,
}

impl LoginCause {
    fn key(self) -> &'static str {
        match self {
            LoginCause::LoginDelay => "login_delay",
            LoginCause::Clock => "clock",
            LoginCause::Replay => "replay",
        }
    }
}

/// A replay of the code the enrollment used (or an older one), where the
/// enrollment counts its code as used; else whether the login at these
/// phases would be accepted with no transit: then the login's delay
/// refused it, else the clock.
fn login_cause(s: &Scenario, enroll_phase: i64, login_phase: i64) -> LoginCause {
    let run = s.enroll(enroll_phase);
    if run.accepted() && run.state.is_replay(s.policy.replay, s.login_step(&run)) {
        return LoginCause::Replay;
    }
    let instant = Scenario {
        login_delay_ms: 0,
        ..s.clone()
    };
    if instant.outcome(enroll_phase, login_phase) == Outcome::LoginFails {
        LoginCause::Clock
    } else {
        LoginCause::LoginDelay
    }
}

/// Phases (enrollment, login) at which `s` ends in `want`: a third into
/// each step when that does, else the first of a 60 × 60 grid that does.
fn phases_ending_in(s: &Scenario, phase: Option<i64>, want: Outcome) -> Option<(i64, i64)> {
    let p = s.period_ms;
    let default = (phase.unwrap_or(p / 3), p / 3);
    if s.outcome(default.0, default.1) == want {
        return Some(default);
    }
    let grid = |n: i64| (0..n).map(move |i| i * p / n);
    let enroll: Vec<i64> = match phase {
        Some(x) => vec![x],
        None => grid(60).collect(),
    };
    enroll
        .into_iter()
        .flat_map(|e| grid(60).map(move |l| (e, l)))
        .find(|&(e, l)| s.outcome(e, l) == want)
}

/// At most this many login phases are checked for [`Retries`].
const RETRY_SAMPLES: i64 = 3_000;

fn retries(s: &Scenario, run: &Enrollment) -> Option<Retries> {
    if !run.accepted() {
        return None;
    }
    let step = (s.period_ms / RETRY_SAMPLES).max(1);
    let mut r = Retries {
        login_phases: 0,
        phase_step_ms: step,
        refused_first: 0,
        in_later: 0,
        healed: 0,
        never_in: 0,
        earliest_attempt: None,
        latest_attempt: None,
    };
    for phase in (0..s.period_ms).step_by(usize::try_from(step).unwrap_or(1)) {
        let Some(login) = s.first_login(run, phase) else {
            continue;
        };
        r.login_phases += 1;
        if login.first.accepted {
            continue;
        }
        r.refused_first += 1;
        match login.gets_in_at {
            Some(n) => {
                r.in_later += 1;
                r.healed += u64::from(login.healed);
                r.earliest_attempt = Some(r.earliest_attempt.map_or(n, |m| m.min(n)));
                r.latest_attempt = Some(r.latest_attempt.map_or(n, |m| m.max(n)));
            }
            None => r.never_in += 1,
        }
    }
    Some(r)
}

/// The policy's inferred or measured parameters that a claim rests on:
/// those of the resync (`resync: true`) or all the others, but the
/// matching's ([`crate::sim::policy::MATCHING_SOURCE`]), on which no answer rests.
fn caveats(p: &Policy, resync: bool) -> Vec<Caveat> {
    let mut out = Vec::new();
    for (provenance, key) in [
        (Provenance::Inferred, "inferred"),
        (Provenance::Measured, "measured"),
    ] {
        let parameters: Vec<String> = p
            .sources
            .iter()
            .filter(|s| {
                s.provenance == provenance
                    && s.parameter.to_lowercase().contains("resync") == resync
                    && !s.parameter.starts_with(crate::sim::policy::MATCHING_SOURCE)
            })
            .map(|s| s.parameter.clone())
            .collect();
        if parameters.is_empty() {
            continue;
        }
        let listed = match parameters.len() {
            1 | 2 => parameters.join("; "),
            n => format!("{}; {} and {} more", parameters[0], parameters[1], n - 2),
        };
        let head = match provenance {
            Provenance::Measured => match &p.measured {
                Some(m) => format!("MEASURED by skewsim probe on {}, {}", m.verifier, m.date),
                None => "MEASURED by skewsim probe".to_owned(),
            },
            _ => "INFERRED, not read from the verifier".to_owned(),
        };
        out.push(Caveat {
            provenance: key,
            note: format!("{head}: {listed}"),
            parameters,
        });
    }
    out
}

/// "your device's clock is 5 m ahead", "… 45 s behind and drifts 20 ppm".
fn clock_words(s: &Scenario) -> String {
    let skew = match s.skew_ms {
        0 => "right".to_owned(),
        ms if ms > 0 => format!("{} ahead", format_human(ms)),
        ms => format!("{} behind", format_human(-ms)),
    };
    if s.drift_ppb == 0 {
        format!("your device's clock is {skew}")
    } else {
        format!(
            "your device's clock is {skew} and drifts {} ppm",
            ppm_text(s.drift_ppb)
        )
    }
}

/// Parts per billion as ppm (`20`, `-3.5`).
pub fn ppm_text(ppb: i64) -> String {
    let sign = if ppb < 0 { "-" } else { "" };
    let abs = ppb.unsigned_abs();
    let frac = abs % 1000;
    if frac == 0 {
        format!("{sign}{}", abs / 1000)
    } else {
        let f = format!("{frac:03}");
        format!("{sign}{}.{}", abs / 1000, f.trim_end_matches('0'))
    }
}

/// The policy in one plain sentence.
fn policy_sentence(p: &Policy) -> String {
    let enroll = match p.flow {
        Flow::Pair { search, .. } => format!(
            "the verifier takes two consecutive codes and looks for code 2 within {} of its clock",
            words::window(search)
        ),
        Flow::Confirm {
            window,
            skip_allowed,
            ..
        } => format!(
            "the verifier checks one code within {} of its clock{}",
            words::window(window),
            if skip_allowed {
                " (the person may skip a check that keeps failing)"
            } else {
                ""
            }
        ),
    };
    let store = match p.flow.store() {
        crate::sim::Store::Nothing => "stores nothing about the device".to_owned(),
        s => format!("stores {}", s.name()),
    };
    let login_store = match p.on_login {
        crate::sim::Store::Nothing => "logins leave it as it is".to_owned(),
        s => format!("each login rewrites it ({})", s.name()),
    };
    format!(
        "{enroll}, {store}, and accepts a login code within {} of its clock corrected by what it stored; {login_store}",
        words::window(p.login)
    )
}

/// Analyses `scenario`: exact probabilities over every phase (or the first
/// code read at `phase_ms` into its step), the thresholds, the reason and
/// the fix, and one run that ends in the most likely outcome.
///
/// # Errors
/// [`ExplainError::PhaseOutOfRange`] for a phase outside the period,
/// [`ExplainError::TooMuchWork`] where the exact analysis would evaluate
/// more than [`MAX_WORK`] enrollments.
pub fn analyse(scenario: &Scenario, phase_ms: Option<i64>) -> Result<Analysis, ExplainError> {
    let s = scenario;
    if let Some(phase) = phase_ms
        && !(0..s.period_ms).contains(&phase)
    {
        return Err(ExplainError::PhaseOutOfRange {
            phase_ms: phase,
            period_ms: s.period_ms,
        });
    }
    let work = crate::sim::work(s, phase_ms);
    if work > MAX_WORK {
        return Err(ExplainError::TooMuchWork {
            work,
            max: MAX_WORK,
        });
    }
    let pr = probabilities(s, phase_ms);
    let th = thresholds(s, phase_ms);
    let at_no_delay = probabilities(
        &Scenario {
            delay_ms: 0,
            ..s.clone()
        },
        phase_ms,
    );
    let after_resync = resync_scenario(s).map(|r| probabilities(&r, phase_ms));
    let outcome = pr.most_likely();
    let (enroll_phase, login_phase) = phases_ending_in(s, phase_ms, outcome)
        .unwrap_or((phase_ms.unwrap_or(s.period_ms / 3), s.period_ms / 3));
    let run = s.enroll(enroll_phase);
    let login = s.first_login(&run, login_phase);
    let retries = retries(s, &run);
    let cause = (outcome == Outcome::LoginFails).then(|| login_cause(s, enroll_phase, login_phase));
    let general = caveats(&s.policy, false);
    let ctx = Context {
        s,
        run: &run,
        login: login.as_ref(),
        retries,
        cause,
        general: &general,
    };
    let (why_sentence, causes) = ctx.why(outcome);
    let fix = ctx.fix(outcome, &th, &at_no_delay, after_resync.as_ref());
    let run_doc = timeline::run(s, &run, login.as_ref(), enroll_phase, login_phase);
    let decisive = timeline::decisive(&run_doc, outcome);
    let count = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
    let onset = |o: Option<crate::sim::Onset>, outcome: Outcome| {
        o.map(|o| OnsetDoc {
            from_ms: o.from_ms,
            probability_there: o.at.p(outcome),
        })
    };
    let login_fails_cause = th.login_fails.map(|o| {
        let at = Scenario {
            delay_ms: o.from_ms,
            ..s.clone()
        };
        phases_ending_in(&at, phase_ms, Outcome::LoginFails)
            .map_or(LoginCause::Clock, |(e, l)| login_cause(&at, e, l))
            .key()
    });
    Ok(Analysis {
        policy: s.policy.name.clone(),
        policy_details: (&s.policy).into(),
        delay_ms: s.delay_ms,
        skew_ms: s.skew_ms,
        reaction_ms: s.reaction_ms,
        phase_ms,
        model: s.into(),
        outcome,
        headline: Headline {
            name: ctx.name(outcome),
            share: pr.p(outcome),
        },
        probabilities: shares(&pr),
        counts: Counts {
            outcomes: PerOutcome::from_fn(|o| count(pr.count(o))),
            total: count(pr.total()),
        },
        why: Why {
            sentence: why_sentence,
            causes,
            decisive,
            caveats: general.clone(),
        },
        fix,
        after_resync: after_resync.as_ref().map(shares),
        thresholds: ThresholdsDoc {
            in_sync_uncertain_from_ms: th.in_sync_uncertain_from,
            out_of_sync: onset(th.out_of_sync, Outcome::OutOfSync),
            out_of_sync_certain_from_ms: th.out_of_sync_certain_from,
            login_fails: onset(th.login_fails, Outcome::LoginFails),
            login_fails_cause,
            rejected: onset(th.rejected, Outcome::Rejected),
            rejected_certain_from_ms: th.rejected_certain_from,
            caveats: general.clone(),
        },
        assumptions: Assumptions {
            sentence: policy_sentence(&s.policy),
            caveats: general.clone(),
        },
        retries,
        run: run_doc,
    })
}

/// What the sentences are made from.
struct Context<'a> {
    s: &'a Scenario,
    run: &'a Enrollment,
    login: Option<&'a Login>,
    retries: Option<Retries>,
    cause: Option<LoginCause>,
    general: &'a [Caveat],
}

impl Context<'_> {
    fn name(&self, outcome: Outcome) -> String {
        let n = self.s.attempts;
        match outcome {
            Outcome::InSync => "LOGIN ACCEPTED".to_owned(),
            Outcome::Rejected if self.s.policy.flow.is_pair() || n == 1 => {
                "ENROLLMENT REFUSED".to_owned()
            }
            Outcome::Rejected => format!("ENROLLMENT REFUSED, ALL {n} ATTEMPTS"),
            Outcome::OutOfSync | Outcome::LoginFails => match self.retries {
                Some(r) if r.refused_first > 0 && r.in_later == 0 => {
                    if n == 1 {
                        "LOGIN REFUSED".to_owned()
                    } else {
                        format!("LOGIN REFUSED, ALL {n} ATTEMPTS")
                    }
                }
                Some(Retries {
                    never_in: 0,
                    earliest_attempt: Some(a),
                    latest_attempt: Some(b),
                    ..
                }) if a == b => format!("LOGIN REFUSED AT FIRST, IN AT ATTEMPT {a}"),
                Some(Retries { never_in: 0, .. }) => {
                    "LOGIN REFUSED AT FIRST, IN ON A LATER CODE".to_owned()
                }
                Some(r) if r.refused_first > 0 => {
                    "LOGIN REFUSED AT FIRST, SOMETIMES IN ON A LATER CODE".to_owned()
                }
                _ => "LOGIN REFUSED".to_owned(),
            },
        }
    }

    /// How code 2 (or the code) became old: the sentence and its cause.
    fn arrival(&self) -> (String, Cause) {
        let s = self.s;
        let last = self.run.last();
        let off = last.step - last.verifier_step;
        let skew = if s.skew_ms == 0 && s.drift_ppb == 0 {
            String::new()
        } else {
            format!(" ({})", clock_words(s))
        };
        if s.policy.flow.is_pair() {
            let age = s.reaction_ms + s.delay_ms;
            (
                format!(
                    "you read code 2 {} after it appeared and the pair reached the verifier {} later, so code 2 was {} old, {}{skew}",
                    format_human(s.reaction_ms),
                    format_human(s.delay_ms),
                    format_human(age),
                    relative(off)
                ),
                Cause::CodeArrived {
                    code: "code_2",
                    read_after_it_appeared_ms: Some(s.reaction_ms),
                    delay_ms: s.delay_ms,
                    age_ms: age,
                    code_minus_verifier_steps: off,
                },
            )
        } else {
            let tried = self.run.attempts().len();
            (
                format!(
                    "{} reached the verifier {} after you read it{}{skew}",
                    if tried > 1 {
                        format!("each of your {tried} codes")
                    } else {
                        "the code".to_owned()
                    },
                    format_human(s.delay_ms),
                    if tried > 1 {
                        format!(", and the last landed {}", relative(off))
                    } else {
                        format!(" and landed {}", relative(off))
                    }
                ),
                Cause::CodeArrived {
                    code: "code",
                    read_after_it_appeared_ms: None,
                    delay_ms: s.delay_ms,
                    age_ms: s.delay_ms,
                    code_minus_verifier_steps: off,
                },
            )
        }
    }

    /// The login code's landing: "1 step ahead of the verifier's clock".
    fn login_landing(&self) -> (String, i64) {
        match self.login {
            Some(l) => {
                let off = l.first.step - l.first.verifier_step;
                (relative(off), off)
            }
            None => ("outside the window".to_owned(), 0),
        }
    }

    fn why(&self, outcome: Outcome) -> (String, Vec<Cause>) {
        let s = self.s;
        let p = &s.policy;
        let login_window = words::window(p.login);
        let caveat = beside(self.general);
        let ideal = s.ideal_state(self.run);
        let clock_cause = Cause::ClockOff {
            skew_ms: s.skew_ms,
            drift_ppm: s.drift_ppb as f64 / 1000.0,
            verifier_stores: p.enrollment_stores(),
        };
        let mut causes = Vec::new();
        let heal = |causes: &mut Vec<Cause>| {
            let (Some(l), Some(r)) = (self.login, self.retries) else {
                return String::new();
            };
            let how = healing_note(p);
            if let (Some(n), Some(how)) = (l.gets_in_at, how)
                && l.healed
            {
                causes.push(Cause::Healed { how, attempt: n });
            }
            match (r.in_later, r.never_in, how) {
                (0, _, _) => String::new(),
                (_, 0, Some(how)) if r.healed == r.in_later => format!("; on a later code {how}"),
                (_, 0, _) => "; a later code falls in the window".to_owned(),
                (n, _, how) => format!(
                    "; a later code gets in at {} of login times{}",
                    percent(n as f64 / r.refused_first as f64),
                    how.map_or(String::new(), |h| format!(" ({h})"))
                ),
            }
        };
        let sentence = match (outcome, self.run.decision) {
            (Outcome::Rejected, Decision::Rejected(RejectReason::NotConsecutive)) => {
                causes.push(Cause::NotConsecutive {
                    read_after_it_appeared_ms: s.reaction_ms,
                    period_ms: s.period_ms,
                });
                format!(
                    "you read code 2 {} after the code changed, a whole step ({}) or more, so it is not the code right after code 1{caveat}",
                    format_human(s.reaction_ms),
                    format_human(s.period_ms)
                )
            }
            (Outcome::Rejected, _) => {
                let (arrived, cause) = self.arrival();
                causes.push(cause);
                if s.skew_ms != 0 || s.drift_ppb != 0 {
                    causes.push(clock_cause);
                }
                causes.push(Cause::OutsideWindow {
                    check: "enrollment",
                    window: p.flow.window().into(),
                });
                if p.flow.is_pair() {
                    format!(
                        "{arrived}, beyond the {} it searches{caveat}",
                        words::window(p.flow.window())
                    )
                } else {
                    causes.push(Cause::Retried {
                        attempts: s.attempts,
                    });
                    format!(
                        "{arrived}, outside its window ({}): the enrollment was never completed{caveat}",
                        words::window(p.flow.window())
                    )
                }
            }
            (Outcome::OutOfSync, _) => {
                let (arrived, cause) = self.arrival();
                causes.push(cause);
                causes.push(Cause::Stored {
                    stored: (&self.run.state).into(),
                    true_offset: (&ideal).into(),
                });
                causes.push(Cause::OutsideWindow {
                    check: "login",
                    window: p.login.into(),
                });
                let healed = heal(&mut causes);
                format!(
                    "{arrived}; it stored {} instead of {} (your device's true offset), so login codes fall outside its login window ({login_window}) around that{healed}{caveat}",
                    stored(&self.run.state),
                    stored(&ideal)
                )
            }
            (Outcome::LoginFails, _) => {
                let (landing, _) = self.login_landing();
                let enrolled = format!(
                    "the enrollment went well (it stored {})",
                    stored(&self.run.state)
                );
                if self.cause == Some(LoginCause::Replay) {
                    let used = self.run.last().step;
                    let code = self.login.map_or(used, |l| l.first.step);
                    causes.push(Cause::Replay {
                        code_minus_used_steps: code - used,
                    });
                    causes.push(Cause::InsideWindow {
                        check: "login",
                        window: p.login.into(),
                    });
                    let healed = heal(&mut causes);
                    return (
                        format!(
                            "{enrolled}, but the login code came so soon that it was {} the enrollment used, and the verifier {} (a replay){healed}{caveat}",
                            if code == used {
                                "the very code"
                            } else {
                                "older than the code"
                            },
                            replay_words(p.replay)
                        ),
                        causes,
                    );
                }
                let body = match self.cause {
                    Some(LoginCause::LoginDelay) => {
                        causes.push(Cause::LoginDelay {
                            login_delay_ms: s.login_delay_ms,
                        });
                        format!(
                            "{enrolled}, but the login code reached the verifier {} after you read it, {landing}, outside its login window ({login_window})",
                            format_human(s.login_delay_ms)
                        )
                    }
                    _ if !p.enrollment_stores() => {
                        causes.push(clock_cause);
                        format!(
                            "{} and the verifier stores nothing about the device, so the login code landed {landing}, outside its login window ({login_window})",
                            clock_words(s)
                        )
                    }
                    _ => {
                        causes.push(clock_cause);
                        format!(
                            "{enrolled}, but {} and by the login {} later the code landed {landing}, outside its login window ({login_window})",
                            clock_words(s),
                            format_human(s.login_after_ms)
                        )
                    }
                };
                causes.push(Cause::OutsideWindow {
                    check: "login",
                    window: p.login.into(),
                });
                let healed = heal(&mut causes);
                format!("{body}; no enrollment could have prevented it{healed}{caveat}")
            }
            (Outcome::InSync, decision) => {
                let (landing, _) = self.login_landing();
                causes.push(Cause::Stored {
                    stored: (&self.run.state).into(),
                    true_offset: (&ideal).into(),
                });
                causes.push(Cause::InsideWindow {
                    check: "login",
                    window: p.login.into(),
                });
                let enrolled = match decision {
                    Decision::Accepted { skipped: true, .. } => format!(
                        "you skipped the failing check and the device was enrolled anyway, storing {}",
                        stored(&self.run.state)
                    ),
                    _ => format!(
                        "the verifier accepted the enrollment and stored {}",
                        stored(&self.run.state)
                    ),
                };
                format!(
                    "{enrolled}, and the login code {} later landed {landing}, inside its login window ({login_window}){caveat}",
                    format_human(s.login_after_ms)
                )
            }
        };
        (sentence, causes)
    }

    fn fix(
        &self,
        outcome: Outcome,
        t: &crate::sim::Thresholds,
        at_no_delay: &Probabilities,
        after_resync: Option<&Probabilities>,
    ) -> Fix {
        let s = self.s;
        let p = &s.policy;
        let set_clock = Remedy::SetClock {
            skew_ms: s.skew_ms,
            drift_ppm: s.drift_ppb as f64 / 1000.0,
        };
        let clock = format!(
            "set your device's clock to network time ({})",
            clock_words(s).replace("your device's clock ", "it ")
        );
        let general = self.general.to_vec();
        let (sentence, mut remedies, caveats) = match outcome {
            Outcome::InSync => ("nothing to fix".to_owned(), vec![Remedy::Nothing], vec![]),
            Outcome::Rejected if at_no_delay.count(Outcome::InSync) == 0 => (
                format!(
                    "{clock}, then enroll again: no submission timing helps at this skew{}",
                    beside(&general)
                ),
                vec![set_clock],
                general,
            ),
            Outcome::Rejected => {
                let from = t.rejected_from();
                let how = match self.run.decision {
                    Decision::Rejected(RejectReason::NotConsecutive) => format!(
                        "enroll again, reading code 2 as soon as it appears (within {})",
                        format_human(s.period_ms)
                    ),
                    _ if p.flow.is_pair() => {
                        "enroll again: enter code 1, wait for the next code, enter it and submit at once"
                            .to_owned()
                    }
                    _ => "enroll again, submitting the code as soon as it appears".to_owned(),
                };
                (
                    format!(
                        "{how}{}{}",
                        from.map_or(String::new(), |d| format!(
                            " (refusals start at a delay of {} at this skew)",
                            format_human(d)
                        )),
                        beside(&general)
                    ),
                    vec![Remedy::EnrollAgain {
                        refused_from_ms: from,
                    }],
                    general,
                )
            }
            Outcome::OutOfSync => match (&p.resync, after_resync) {
                (Some(r), Some(after)) => {
                    let resync_caveats = caveats(p, true);
                    let share = after.p(Outcome::InSync);
                    (
                        format!(
                            "resync the device ({}) with two fresh consecutive codes submitted at once ({} after reading code 2): the next login then succeeds ({}{})",
                            r.how,
                            format_human(s.login_delay_ms),
                            percent(share),
                            resync_caveats
                                .iter()
                                .map(|c| format!("; {}", c.note))
                                .collect::<String>()
                        ),
                        vec![Remedy::Resync {
                            how: r.how.to_string(),
                            next_login_accepted: share,
                        }],
                        resync_caveats,
                    )
                }
                _ => {
                    let within = t.out_of_sync_from();
                    (
                        format!(
                            "this verifier has no resync: remove the device and enroll again, submitting {}{}",
                            within.map_or("at any delay".to_owned(), |d| format!(
                                "within {} of reading the code",
                                format_human(d)
                            )),
                            beside(&general)
                        ),
                        vec![Remedy::ReEnroll {
                            submit_within_ms: within,
                        }],
                        general,
                    )
                }
            },
            Outcome::LoginFails => {
                let mut remedies = Vec::new();
                let heal = match self.login {
                    Some(Login {
                        gets_in_at: Some(n),
                        healed,
                        ..
                    }) if *n > 1 => {
                        let by = if *healed { healing_note(p) } else { None };
                        remedies.push(Remedy::KeepTrying {
                            gets_in_at_attempt: *n,
                            healed_by: by,
                        });
                        match (by, p.learning.is_some()) {
                            (Some(_), true) => format!(
                                "keep typing each new code: the verifier learns the skew and lets you in at attempt {n}, and keeps it for later logins; "
                            ),
                            (Some(_), false) => format!(
                                "type the next code too: AutoResync lets you in at attempt {n} and stores the new shift; "
                            ),
                            _ => format!(
                                "try the next code ({} gets in); ",
                                if *n == 2 {
                                    "the 2nd".to_owned()
                                } else {
                                    format!("the {}", words::ordinal(*n))
                                }
                            ),
                        }
                    }
                    _ => String::new(),
                };
                if self.cause == Some(LoginCause::Replay) {
                    return Fix {
                        sentence: format!(
                            "{heal}log in with a code newer than the one the enrollment used (wait for the next code){}",
                            beside(&general)
                        ),
                        remedies,
                        caveats: general,
                    };
                }
                let rest = match self.cause {
                    Some(LoginCause::LoginDelay) => {
                        remedies.push(Remedy::SubmitLoginSooner {
                            login_delay_ms: s.login_delay_ms,
                            login_window: p.login.into(),
                        });
                        format!(
                            "submit login codes sooner than {} after reading them, or widen the login window ({} now)",
                            format_human(s.login_delay_ms),
                            words::window(p.login)
                        )
                    }
                    _ => {
                        remedies.push(set_clock);
                        clock
                    }
                };
                (
                    format!(
                        "{heal}{rest}; no enrollment timing changes this{}",
                        beside(&general)
                    ),
                    remedies,
                    general,
                )
            }
        };
        // A login that locked the token: no code and no resync gets in
        // until an administrator resets its failure count, so that comes first.
        let sentence = match (p.penalty, self.login) {
            (FailurePenalty::LockAfter(n), Some(l)) if l.locked => {
                remedies.insert(0, Remedy::Unlock { failures: n });
                format!(
                    "{} locked the token ({n} failures in a row), and a resync does not unlock it: ask an administrator to reset its failure count; then {sentence}",
                    if s.attempts == 1 {
                        "your refused attempt".to_owned()
                    } else {
                        format!("your {} refused attempts", s.attempts)
                    }
                )
            }
            _ => sentence,
        };
        Fix {
            sentence,
            remedies,
            caveats,
        }
    }
}

/// The threshold rows for a person: (what, when), at human precision or,
/// with `exact`, to the millisecond.
impl ThresholdsDoc {
    /// Rows of (label, text): when the login is accepted for certain, and
    /// where each other outcome starts, how likely it is there, and where it
    /// is certain. Never "from never": an outcome that does not happen says
    /// "not at any delay".
    pub fn rows(&self, login_delay_ms: i64, exact: bool) -> Vec<(String, String)> {
        let d = |ms: i64| {
            if exact {
                format_ms(ms)
            } else {
                format_human(ms)
            }
        };
        let pct = |p: f64| if exact { percent_exact(p) } else { percent(p) };
        let onset = |o: Option<OnsetDoc>, certain: Option<Option<i64>>| {
            let tail = match certain {
                Some(Some(c)) => format!(", certain from {}", d(c)),
                _ => String::new(),
            };
            match o {
                None => "not at any delay".to_owned(),
                Some(o) if o.from_ms == 0 => {
                    format!("already with no delay ({}){tail}", pct(o.probability_there))
                }
                Some(o) if o.probability_there >= 0.01 => format!(
                    "from {} ({} there){tail}",
                    d(o.from_ms),
                    pct(o.probability_there)
                ),
                Some(o) => format!(
                    "from {}, rising gradually ({} there){tail}",
                    d(o.from_ms),
                    pct(o.probability_there)
                ),
            }
        };
        let login_fails_label = match self.login_fails_cause {
            Some("login_delay") => format!(
                "login refused: its own {} transit",
                format_human(login_delay_ms)
            ),
            Some("replay") => "login refused: a replay".to_owned(),
            Some(_) => "login refused: the clock".to_owned(),
            None => "login refused: not the enrollment's doing".to_owned(),
        };
        vec![
            (
                "login accepted for certain".to_owned(),
                match self.in_sync_uncertain_from_ms {
                    Some(0) => "never: some phases fail even with no delay".to_owned(),
                    Some(v) => format!("below {}", d(v)),
                    None => "at every delay".to_owned(),
                },
            ),
            (
                "login refused: wrong offset stored".to_owned(),
                onset(self.out_of_sync, Some(self.out_of_sync_certain_from_ms)),
            ),
            (login_fails_label, onset(self.login_fails, None)),
            (
                "enrollment refused".to_owned(),
                onset(self.rejected, Some(self.rejected_certain_from_ms)),
            ),
        ]
    }
}

//! The default command: one enrollment and its first login, told as a story with its
//! exact probabilities, the fix, and the policy's delay thresholds.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use skewsim::duration::{format_ms, parse_duration_ms, parse_nonnegative_ms};
use skewsim::sim::model::{Login, MAX_ATTEMPTS};
use skewsim::sim::policy::{Flow, Store, Window, range_text};
use skewsim::sim::{
    Decision, Enrollment, Onset, Outcome, Policy, Probabilities, RejectReason, Scenario, State,
    Thresholds, TrackDrift, preset, probabilities, thresholds,
};
use skewsim::{Algorithm, Digits, Secret, hotp};

use crate::error::CliError;
use crate::json::{self, Format, ModelJson, PerOutcome, PolicyJson, StateJson};

/// The scenario's options (all optional).
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// From reading the last enrollment code (code 2 of a pair) to the verifier receiving it (typing, hesitation, network).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "10s", value_parser = nonnegative)]
    pub delay: i64,
    /// Device clock minus verifier clock, signed (-45s: the phone is 45 s behind).
    #[arg(long, value_name = "DUR", default_value = "0s", allow_hyphen_values = true, value_parser = signed)]
    pub skew: i64,
    /// The verifier model; `skewsim policies` lists them.
    #[arg(long, allow_hyphen_values = true, value_name = "NAME", default_value = "aws-iam", value_parser = parse_policy)]
    pub policy: Policy,
    /// From a code changing on the device to reading the new one (code 2, a retry).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "2s", value_parser = nonnegative)]
    pub reaction: i64,
    /// Fix where in its step code 1 was read (default: every phase, exact probabilities).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", value_parser = nonnegative)]
    pub phase: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The rest of the model.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Model options shared by the scenario, the sweep and Monte Carlo.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Device clock rate error in parts per million (+20: gains 1.7 s a day).
    #[arg(long, value_name = "PPM", default_value = "0", allow_hyphen_values = true, value_parser = parse_ppm)]
    pub drift_ppm: i64,
    /// The TOTP time step.
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "30s", value_parser = parse_period)]
    pub period: i64,
    /// From reading the login code to the verifier receiving it.
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "5s", value_parser = nonnegative)]
    pub login_delay: i64,
    /// When the first login happens, after the enrollment.
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "1d", value_parser = nonnegative)]
    pub login_after: i64,
    /// Override: steps behind the verifier's step that the enrollment check (a pair's code 2, or the one code) reaches.
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_steps)]
    pub enroll_behind: Option<u32>,
    /// Override: steps ahead of the verifier's step that the enrollment check reaches.
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_steps)]
    pub enroll_ahead: Option<u32>,
    /// Override: where a login code's step may lie around the verifier's
    /// (corrected) step: N for -N..+N, or an asymmetric -B..+A such as -6..+5.
    #[arg(long, allow_hyphen_values = true, value_name = "N|-B..+A", value_parser = parse_window)]
    pub login_window: Option<Window>,
    /// Override: store nothing (none), store at enrollment only (enroll), or
    /// also update on every successful login (always), in the policy's own form.
    #[arg(long, allow_hyphen_values = true, value_name = "WHEN", value_parser = parse_track)]
    pub track_drift: Option<TrackDrift>,
    /// A policy file instead of a preset (TOML; `skewsim policies --export NAME`
    /// prints one to start from, `skewsim probe` writes one; docs/policy-files.md).
    #[arg(long, value_name = "PATH", conflicts_with = "policy")]
    pub policy_file: Option<std::path::PathBuf>,
    /// How many codes the person tries at one check (a one-code enrollment or
    /// a login) before giving up: each retry waits for the next code. libpam
    /// learns a skew on the third.
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value = "3", value_parser = parse_attempts)]
    pub attempts: u32,
}

/// Durations are capped at 100 years so that no sum of them can overflow.
const MAX_MS: i64 = 100 * 365 * 86_400_000;

/// Refuses durations beyond 100 years.
pub fn checked(ms: i64) -> Result<i64, String> {
    if ms.abs() > MAX_MS {
        return Err("out of range: at most 100 years".to_owned());
    }
    Ok(ms)
}

pub fn nonnegative(text: &str) -> Result<i64, String> {
    checked(parse_nonnegative_ms(text).map_err(|e| e.to_string())?)
}

pub fn signed(text: &str) -> Result<i64, String> {
    checked(parse_duration_ms(text).map_err(|e| e.to_string())?)
}

pub fn parse_period(text: &str) -> Result<i64, String> {
    let ms = parse_nonnegative_ms(text).map_err(|e| e.to_string())?;
    // The exact analysis with drift visits every ms of a period; an hour is
    // already 3.6 million phases.
    if !(1..=3_600_000).contains(&ms) {
        return Err("out of range: the period must be from 1ms to 1h".to_owned());
    }
    Ok(ms)
}

pub fn parse_steps(text: &str) -> Result<u32, String> {
    let n: u64 = text
        .parse()
        .map_err(|_| "not a whole number of steps".to_owned())?;
    if n > 100_000 {
        return Err("out of range: at most 100000 steps".to_owned());
    }
    u32::try_from(n).map_err(|_| "out of range".to_owned())
}

/// `3` (-3..+3) or `-6..+5`.
pub fn parse_window(text: &str) -> Result<Window, String> {
    let steps = |t: &str| parse_steps(t);
    match text.split_once("..") {
        None => steps(text).map(Window::symmetric),
        Some((behind, ahead)) => {
            let behind = behind
                .strip_prefix('-')
                .ok_or_else(|| "not N or -B..+A (e.g. 1, -6..+5)".to_owned())?;
            let ahead = ahead.strip_prefix('+').unwrap_or(ahead);
            Ok(Window {
                behind: steps(behind)?,
                ahead: steps(ahead)?,
            })
        }
    }
}

pub fn parse_attempts(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_ATTEMPTS).contains(&n) => Ok(n),
        _ => Err(format!("not a whole number from 1 to {MAX_ATTEMPTS}")),
    }
}

pub fn parse_track(text: &str) -> Result<TrackDrift, String> {
    text.parse()
}

pub fn parse_policy(text: &str) -> Result<Policy, String> {
    preset(text).ok_or_else(|| {
        format!(
            "not a known policy (one of: {})",
            skewsim::sim::policy::preset_names().join(", ")
        )
    })
}

/// Parts per million as a decimal (`20`, `-3.5`, `0.001`) into parts per billion, exactly.
pub fn parse_ppm(text: &str) -> Result<i64, String> {
    let bad = || "not a number of ppm (e.g. 20, -3.5)".to_owned();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    if fraction.len() > 3 {
        return Err("finer than 0.001 ppm".to_owned());
    }
    let too_big =
        || "out of range: the drift must lie above -1000000 ppm and at most 1000000 ppm".to_owned();
    let whole: i64 = if whole.is_empty() {
        0
    } else if whole.len() > 7 {
        return Err(too_big());
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: i64 = format!("{fraction:0<3}").parse().map_err(|_| bad())?;
    let ppb = whole * 1000 + frac;
    let ppb = if negative { -ppb } else { ppb };
    // -1e6 ppm would stop the device clock; below it, it runs backwards.
    if ppb <= -1_000_000_000 || ppb > 1_000_000_000 {
        return Err(too_big());
    }
    Ok(ppb)
}

pub fn format_ppm(ppb: i64) -> String {
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

impl ModelArgs {
    /// The policy to run: `--policy-file`'s when given, else `preset`.
    pub fn policy(&self, preset: &Policy) -> Result<Policy, CliError> {
        crate::policy_arg::choose(preset, self.policy_file.as_deref())
    }

    /// `policy` with the overrides applied (its name then lists them), and
    /// the scenario at the given delay and skew.
    pub fn scenario(
        &self,
        policy: &Policy,
        delay_ms: i64,
        skew_ms: i64,
        reaction_ms: i64,
    ) -> Scenario {
        let mut policy = policy.clone();
        let mut overridden = Vec::new();
        let set_search = |policy: &mut Policy, f: &dyn Fn(&mut Window)| match &mut policy.flow {
            Flow::Pair { search, .. } => f(search),
            Flow::Confirm { window, .. } => f(window),
        };
        if let Some(n) = self.enroll_behind {
            set_search(&mut policy, &|w| w.behind = n);
            overridden.push(format!("enroll-behind={n}"));
        }
        if let Some(n) = self.enroll_ahead {
            set_search(&mut policy, &|w| w.ahead = n);
            overridden.push(format!("enroll-ahead={n}"));
        }
        if let Some(w) = self.login_window {
            policy.login = w;
            overridden.push(format!("login-window={}", range_text(w)));
        }
        if let Some(t) = self.track_drift {
            t.apply(&mut policy);
            overridden.push(format!("track-drift={}", t.name()));
        }
        if !overridden.is_empty() {
            policy.name = format!("{}+{}", policy.name, overridden.join(","));
        }
        Scenario {
            period_ms: self.period,
            delay_ms,
            skew_ms,
            drift_ppb: self.drift_ppm,
            reaction_ms,
            login_delay_ms: self.login_delay,
            login_after_ms: self.login_after,
            attempts: self.attempts,
            policy,
        }
    }
}

impl ScenarioArgs {
    /// The scenario with overrides applied.
    pub fn scenario(&self) -> Result<Scenario, CliError> {
        if let Some(phase) = self.phase
            && phase >= self.model.period
        {
            return Err(CliError::usage(
                "--phase",
                format!(
                    "is out of range: it must be below the period ({})",
                    format_ms(self.model.period)
                ),
            ));
        }
        let policy = self.model.policy(&self.policy)?;
        Ok(self
            .model
            .scenario(&policy, self.delay, self.skew, self.reaction))
    }
}

/// Everything the report says, computed once.
struct Analysis {
    scenario: Scenario,
    probabilities: Probabilities,
    thresholds: Thresholds,
    /// Probabilities at delay 0 (is the clock to blame whatever the timing?).
    at_no_delay: Probabilities,
    /// The next login's chances after a prompt resync, if the verifier has one.
    after_resync: Option<Probabilities>,
    run_enroll_phase: i64,
    run_login_phase: i64,
    run: Enrollment,
    login: Option<Login>,
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

/// The most enrollment evaluations one scenario's analysis may take (about
/// half a minute on two cores); beyond it the command refuses, naming the
/// flags to change.
pub const MAX_WORK: u64 = 300_000_000;

fn analyse(args: &ScenarioArgs) -> Result<Analysis, CliError> {
    let scenario = args.scenario()?;
    let work = skewsim::sim::work(&scenario, args.phase);
    if work > MAX_WORK {
        return Err(CliError::usage(
            "--drift-ppm",
            format!(
                "with --period {} and this policy's reach makes the exact analysis evaluate about {work} enrollments \
                 (at most {MAX_WORK}, about half a minute): fix the enrollment phase with --phase, use a shorter \
                 --period or a narrower --enroll-behind/--enroll-ahead, or estimate with montecarlo",
                format_ms(scenario.period_ms)
            ),
        ));
    }
    let probabilities = probabilities(&scenario, args.phase);
    let thresholds = thresholds(&scenario, args.phase);
    let at_no_delay = skewsim::sim::probabilities(
        &Scenario {
            delay_ms: 0,
            ..scenario.clone()
        },
        args.phase,
    );
    let after_resync =
        resync_scenario(&scenario).map(|r| skewsim::sim::probabilities(&r, args.phase));
    // The story follows one run: a third of the way into each step.
    let run_enroll_phase = args.phase.unwrap_or(scenario.period_ms / 3);
    let run_login_phase = scenario.period_ms / 3;
    let run = scenario.enroll(run_enroll_phase);
    let login = scenario.first_login(&run, run_login_phase);
    Ok(Analysis {
        scenario,
        probabilities,
        thresholds,
        at_no_delay,
        after_resync,
        run_enroll_phase,
        run_login_phase,
        run,
        login,
    })
}

/// Runs the default command.
pub fn run(args: &ScenarioArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let analysis = analyse(args)?;
    let text = match args.format {
        Format::Text => render_text(&analysis),
        Format::Json => {
            return json::write(out, "scenario", &render_json(&analysis, args.phase)).map(|()| 0);
        }
    };
    crate::output::write(out, &text)?;
    Ok(0)
}

fn pct(p: f64) -> String {
    format!("{:.2}%", p * 100.0)
}

/// A small probability with enough digits to show it is not zero.
fn small_pct(p: f64) -> String {
    if p == 0.0 {
        "0%".to_owned()
    } else {
        format!("{:.2e}%", p * 100.0)
    }
}

/// The default command's JSON document (`"command": "scenario"`).
#[derive(Serialize)]
struct ScenarioJson {
    policy: String,
    policy_details: PolicyJson,
    delay_ms: i64,
    skew_ms: i64,
    reaction_ms: i64,
    /// `--phase`, or null for every phase.
    phase_ms: Option<i64>,
    #[serde(flatten)]
    model: ModelJson,
    outcome: &'static str,
    probabilities: PerOutcome<f64>,
    /// The exact counts behind the probabilities: (enrollment phase, login
    /// phase) pairs at 1 ms resolution.
    counts: CountsJson,
    why: String,
    fix: String,
    /// The next login's probabilities after a prompt resync (null: the verifier has none).
    after_resync: Option<PerOutcome<f64>>,
    thresholds_ms: ThresholdsJson,
    run: RunJson,
}

#[derive(Serialize)]
struct CountsJson {
    #[serde(flatten)]
    outcomes: PerOutcome<u64>,
    total: u64,
}

#[derive(Serialize)]
struct OnsetJson {
    from_ms: i64,
    probability_there: f64,
}

#[derive(Serialize)]
struct ThresholdsJson {
    in_sync_uncertain_from: Option<i64>,
    out_of_sync: Option<OnsetJson>,
    out_of_sync_certain_from: Option<i64>,
    login_fails: Option<OnsetJson>,
    rejected: Option<OnsetJson>,
    rejected_certain_from: Option<i64>,
}

/// One run, as a timeline of events (times from reading code 1, steps from its step).
#[derive(Serialize)]
struct RunJson {
    enroll_phase_ms: i64,
    login_phase_ms: i64,
    timeline: Vec<Event>,
    decision: &'static str,
    /// The accepted code's step minus the verifier's (null: rejected or skipped).
    found_offset: Option<i64>,
    stored: StateJson,
    ideal_stored: StateJson,
    first_login: Option<FirstLoginJson>,
}

#[derive(Serialize)]
struct FirstLoginJson {
    accepted: bool,
    ideal_accepted: bool,
    gets_in_at_attempt: Option<u32>,
    healed: bool,
}

/// What happened, in order. Codes are those of a demo secret (RFC 6238's):
/// the outcome depends on the steps alone.
#[derive(Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    /// The person reads a code (and submits it, or the pair, when `submitted`).
    CodeRead {
        t_ms: i64,
        step: i64,
        demo_code: String,
        submitted: bool,
    },
    /// The device replaces code 1 by the next one.
    CodeChanges {
        t_ms: i64,
        step: i64,
        demo_code: String,
    },
    /// The verifier receives a code (a pair's code 2) and searches its window.
    Received {
        t_ms: i64,
        code_step: i64,
        verifier_step: i64,
        search_from_step: i64,
        search_to_step: i64,
        accepted: bool,
    },
    /// The enrollment ends.
    EnrollmentDecided {
        t_ms: i64,
        decision: &'static str,
        stored: StateJson,
    },
    /// The first login's code is read.
    LoginCodeRead {
        t_ms: i64,
        step: i64,
        demo_code: String,
    },
    /// The verifier checks the first login's code.
    LoginReceived {
        t_ms: i64,
        code_step: i64,
        verifier_step: i64,
        accept_from_step: i64,
        accept_to_step: i64,
        accepted: bool,
        ideal_accepted: bool,
    },
}

fn decision_key(d: Decision) -> &'static str {
    match d {
        Decision::Accepted { skipped: true, .. } => "skipped",
        Decision::Accepted { .. } => "accepted",
        Decision::Rejected(RejectReason::NotConsecutive) => "rejected_not_consecutive",
        Decision::Rejected(RejectReason::OutOfRange) => "rejected_out_of_range",
    }
}

/// A code of the demo secret (RFC 6238's), for the story: the outcome
/// depends only on the steps.
fn demo_code(step: i64) -> String {
    match (
        Secret::from_bytes(b"12345678901234567890".to_vec()),
        u64::try_from(step),
    ) {
        (Ok(secret), Ok(counter)) => {
            hotp(Algorithm::Sha1, &secret, counter, Digits::SIX).to_string()
        }
        _ => "??????".to_owned(),
    }
}

fn timeline(a: &Analysis) -> Vec<Event> {
    let run = &a.run;
    let (base, k) = (run.t_code1, run.code1_step);
    let window = a.scenario.policy.flow.window();
    let mut events = Vec::new();
    if a.scenario.policy.flow.is_pair() {
        events.push(Event::CodeRead {
            t_ms: 0,
            step: 0,
            demo_code: demo_code(k),
            submitted: false,
        });
        events.push(Event::CodeChanges {
            t_ms: run.t_change - base,
            step: 1,
            demo_code: demo_code(k + 1),
        });
    }
    for x in run.attempts() {
        events.push(Event::CodeRead {
            t_ms: x.t_read - base,
            step: x.step - k,
            demo_code: demo_code(x.step),
            submitted: true,
        });
        events.push(Event::Received {
            t_ms: x.t_receipt - base,
            code_step: x.step - k,
            verifier_step: x.verifier_step - k,
            search_from_step: x.verifier_step - i64::from(window.behind) - k,
            search_to_step: x.verifier_step + i64::from(window.ahead) - k,
            accepted: x.accepted,
        });
    }
    events.push(Event::EnrollmentDecided {
        t_ms: run.t_done - base,
        decision: decision_key(run.decision),
        stored: (&run.state).into(),
    });
    if let Some(login) = &a.login {
        let x = login.first;
        events.push(Event::LoginCodeRead {
            t_ms: x.t_read - base,
            step: x.step - k,
            demo_code: demo_code(x.step),
        });
        events.push(Event::LoginReceived {
            t_ms: x.t_receipt - base,
            code_step: x.step - k,
            verifier_step: x.verifier_step - k,
            accept_from_step: login.accept_from - k,
            accept_to_step: login.accept_to - k,
            accepted: x.accepted,
            ideal_accepted: login.ideal_accepted,
        });
    }
    events
}

fn render_json(a: &Analysis, phase: Option<i64>) -> ScenarioJson {
    let s = &a.scenario;
    let p = &a.probabilities;
    let t = &a.thresholds;
    let count = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
    let onset = |o: Option<Onset>, outcome: Outcome| {
        o.map(|o| OnsetJson {
            from_ms: o.from_ms,
            probability_there: o.at.p(outcome),
        })
    };
    ScenarioJson {
        policy: s.policy.name.clone(),
        policy_details: (&s.policy).into(),
        delay_ms: s.delay_ms,
        skew_ms: s.skew_ms,
        reaction_ms: s.reaction_ms,
        phase_ms: phase,
        model: s.into(),
        outcome: p.most_likely().key(),
        probabilities: json::shares(p),
        counts: CountsJson {
            outcomes: PerOutcome::from_fn(|o| count(p.count(o))),
            total: count(p.total()),
        },
        why: explain(a, p.most_likely()),
        fix: fix(a, p.most_likely()),
        after_resync: a.after_resync.as_ref().map(json::shares),
        thresholds_ms: ThresholdsJson {
            in_sync_uncertain_from: t.in_sync_uncertain_from,
            out_of_sync: onset(t.out_of_sync, Outcome::OutOfSync),
            out_of_sync_certain_from: t.out_of_sync_certain_from,
            login_fails: onset(t.login_fails, Outcome::LoginFails),
            rejected: onset(t.rejected, Outcome::Rejected),
            rejected_certain_from: t.rejected_certain_from,
        },
        run: RunJson {
            enroll_phase_ms: a.run_enroll_phase,
            login_phase_ms: a.run_login_phase,
            timeline: timeline(a),
            decision: decision_key(a.run.decision),
            found_offset: match a.run.decision {
                Decision::Accepted {
                    skipped: false,
                    found_offset,
                    ..
                } => Some(found_offset),
                _ => None,
            },
            stored: (&a.run.state).into(),
            ideal_stored: (&s.ideal_state(&a.run)).into(),
            first_login: a.login.map(|l| FirstLoginJson {
                accepted: l.first.accepted,
                ideal_accepted: l.ideal_accepted,
                gets_in_at_attempt: l.gets_in_at,
                healed: l.healed,
            }),
        },
    }
}

/// `k`, `k+3`, `k-2`: a step relative to code 1's.
fn rel(step: i64, base: i64) -> String {
    match step - base {
        0 => "k".to_owned(),
        d => format!("k{d:+}"),
    }
}

fn steps_word(n: i64) -> String {
    match n.abs() {
        1 => "1 step".to_owned(),
        a => format!("{a} steps"),
    }
}

/// What a state holds, in words: "nothing", "-3 steps", "a time shift of -1m17s".
fn stored_text(state: &State) -> String {
    match (state.steps, state.shift_ms) {
        (0, 0) => "no offset".to_owned(),
        (n, 0) => format!("an offset of {n:+} steps"),
        (0, ms) => format!("a time shift of {}", format_ms(ms)),
        (n, ms) => format!("{n:+} steps and a time shift of {}", format_ms(ms)),
    }
}

fn render_text(a: &Analysis) -> String {
    let s = &a.scenario;
    let p = &s.policy;
    let run = &a.run;
    let k = run.code1_step;
    let at = |t: i64| format!("t={}", format_ms(t - run.t_code1));
    // Real codes from a demo secret, so the story shows what a person sees.
    let code = demo_code;
    let mut o = String::new();
    let mut line = |text: String| {
        o.push_str(&text);
        o.push('\n');
    };
    line(format!(
        "skewsim: {} MFA enrollment, policy {}",
        if p.flow.is_pair() {
            "two-code"
        } else {
            "one-code"
        },
        p.name
    ));
    line(format!(
        "  {}{}",
        if p.hypothesis { "HYPOTHESIS: " } else { "" },
        p.summary
    ));
    line(format!(
        "  delay {} · skew {} · drift {} ppm · reaction {} · period {} · first login {} later, {} to submit · {} attempts",
        format_ms(s.delay_ms),
        format_ms(s.skew_ms),
        format_ppm(s.drift_ppb),
        format_ms(s.reaction_ms),
        format_ms(s.period_ms),
        format_ms(s.login_after_ms),
        format_ms(s.login_delay_ms),
        s.attempts
    ));
    line(String::new());
    line(format!(
        "One run (the first code read {} into its step, the login code {} into its step; demo secret):",
        format_ms(a.run_enroll_phase),
        format_ms(a.run_login_phase)
    ));
    let window = p.flow.window();
    match p.flow {
        Flow::Pair { .. } => {
            let x = run.attempts()[0];
            line(format!(
                "  {:<12} you read code 1: {} (device step k)",
                at(run.t_code1),
                code(k)
            ));
            line(format!(
                "  {:<12} the device shows the next code: {} (step k+1)",
                at(run.t_change),
                code(k + 1)
            ));
            line(format!(
                "  {:<12} you read code 2: {} (step {}) and submit both",
                at(x.t_read),
                code(x.step),
                rel(x.step, k)
            ));
            line(format!(
                "  {:<12} the verifier receives them; its own clock is in step {}",
                at(x.t_receipt),
                rel(x.verifier_step, k)
            ));
            line(format!(
                "  {:<12} it searches steps {} .. {} ({}) for the pair",
                "verifier",
                rel(x.verifier_step - i64::from(window.behind), k),
                rel(x.verifier_step + i64::from(window.ahead), k),
                range_text(window)
            ));
        }
        Flow::Confirm { .. } => {
            for (n, x) in run.attempts().iter().enumerate() {
                line(format!(
                    "  {:<12} {}you read the code {} (step {}) and submit it",
                    at(x.t_read),
                    if n == 0 {
                        String::new()
                    } else {
                        format!("attempt {}: ", n + 1)
                    },
                    code(x.step),
                    rel(x.step, k)
                ));
                line(format!(
                    "  {:<12} the verifier, in step {}, checks steps {} .. {}: {}",
                    at(x.t_receipt),
                    rel(x.verifier_step, k),
                    rel(x.verifier_step - i64::from(window.behind), k),
                    rel(x.verifier_step + i64::from(window.ahead), k),
                    if x.accepted { "match" } else { "no match" }
                ));
            }
        }
    }
    match run.decision {
        Decision::Rejected(RejectReason::NotConsecutive) => line(format!(
            "  {:<12} REJECTED: code 2 is step {}, not k+1: the codes are not consecutive",
            "",
            rel(run.last().step, k)
        )),
        Decision::Rejected(RejectReason::OutOfRange) => line(format!(
            "  {:<12} REJECTED: {} outside the verifier's {}",
            "",
            if p.flow.is_pair() {
                "code 2's step lies"
            } else {
                "every code's step lay"
            },
            range_text(window)
        )),
        Decision::Accepted { skipped: true, .. } => line(format!(
            "  {:<12} you give up and type -1: the check is SKIPPED and the device enrolled anyway; it stores {}",
            "",
            stored_text(&run.state)
        )),
        Decision::Accepted { found_offset, .. } => line(format!(
            "  {:<12} ACCEPTED at offset {found_offset:+}: it stores {}{}",
            "",
            stored_text(&run.state),
            match p.flow.store() {
                Store::Nothing => String::new(),
                store => format!(" ({})", store.name()),
            }
        )),
    }
    if let Some(login) = &a.login {
        let x = login.first;
        line(format!(
            "  {:<12} first login: the device shows {} (step {}), received {} later",
            at(x.t_read),
            code(x.step),
            rel(x.step, k),
            format_ms(s.login_delay_ms)
        ));
        line(format!(
            "  {:<12} the verifier's corrected step is {}; it accepts steps {} .. {} ({})",
            "",
            rel(x.verifier_step, k),
            rel(login.accept_from, k),
            rel(login.accept_to, k),
            p.login_range()
        ));
        line(format!(
            "  {:<12} → login {}",
            "",
            if x.accepted {
                "ACCEPTED".to_owned()
            } else if !p.enrollment_stores() {
                "REFUSED; this verifier stores nothing at enrollment, so no enrollment could have prevented it"
                    .to_owned()
            } else {
                format!(
                    "REFUSED; had the enrollment stored the device's true offset it would be {}",
                    if login.ideal_accepted {
                        "accepted"
                    } else {
                        "refused too"
                    }
                )
            }
        ));
        if !x.accepted {
            line(format!(
                "  {:<12} → {}",
                "",
                match login.gets_in_at {
                    Some(n) => format!(
                        "trying again with each new code, you get in at attempt {n}{}",
                        match healing_note(p) {
                            Some(how) if login.healed => format!(" ({how})"),
                            _ => " (the new code fell in the window)".to_owned(),
                        }
                    ),
                    None => format!("no attempt of {} gets in", s.attempts),
                }
            ));
        }
    }
    line(String::new());
    let pr = &a.probabilities;
    let outcome = pr.most_likely();
    line(format!("Outcome: {}", outcome.label()));
    line(format!(
        "  over all phases: in sync {} · out of sync {} · login fails (clock) {} · rejected {}",
        pct(pr.p(Outcome::InSync)),
        pct(pr.p(Outcome::OutOfSync)),
        pct(pr.p(Outcome::LoginFails)),
        pct(pr.p(Outcome::Rejected))
    ));
    line(format!("Why: {}", explain(a, outcome)));
    line(format!("Fix: {}", fix(a, outcome)));
    line(String::new());
    for l in threshold_lines(a) {
        line(l);
    }
    o
}

/// How this verifier heals itself, if it does.
pub fn healing_note(p: &Policy) -> Option<&'static str> {
    if p.learning.is_some() {
        Some("libpam learned the skew from three codes in a row")
    } else if p.auto_resync.is_some() {
        Some("AutoResync accepted the code after a remembered one")
    } else {
        None
    }
}

/// The threshold lines, each with the assumptions it follows from.
fn threshold_lines(a: &Analysis) -> Vec<String> {
    let s = &a.scenario;
    let p = &s.policy;
    let t = &a.thresholds;
    let mut out = vec![format!(
        "Thresholds for {} at skew {} (reaction {}, delay from reading {}):",
        p.name,
        format_ms(s.skew_ms),
        format_ms(s.reaction_ms),
        if p.flow.is_pair() {
            "code 2"
        } else {
            "the code"
        }
    )];
    out.push(format!(
        "  given: {}, login {}, stores {}{}",
        crate::policies::flow_text(p),
        p.login_range(),
        crate::policies::store_text(p),
        if p.hypothesis {
            " (windows and stored form INFERRED: a hypothesis, not AWS's published behaviour)"
        } else {
            " (read from the verifier's source)"
        }
    ));
    out.push(format!(
        "  in sync for certain       {}",
        match t.in_sync_uncertain_from {
            Some(0) => "never (some phases fail even at no delay)".to_owned(),
            Some(v) => format!("below {}", format_ms(v)),
            None => "at every delay".to_owned(),
        }
    ));
    let onset = |label: &str, o: Option<Onset>, outcome: Outcome, certain: Option<Option<i64>>| {
        let tail = match certain {
            Some(Some(c)) => format!(", certain from {}", format_ms(c)),
            Some(None) => ", never certain".to_owned(),
            None => String::new(),
        };
        match o {
            None => format!("  {label:<25} never"),
            Some(o) if o.from_ms == 0 => format!(
                "  {label:<25} already at no delay ({}){tail}",
                pct(o.at.p(outcome))
            ),
            Some(o) if o.at.p(outcome) >= 0.01 => format!(
                "  {label:<25} from {}: jumps from 0% to {} there{tail}",
                format_ms(o.from_ms),
                pct(o.at.p(outcome))
            ),
            Some(o) => format!(
                "  {label:<25} from {}: rises gradually from 0% ({} there){tail}",
                format_ms(o.from_ms),
                small_pct(o.at.p(outcome))
            ),
        }
    };
    out.push(onset(
        "out of sync",
        t.out_of_sync,
        Outcome::OutOfSync,
        Some(t.out_of_sync_certain_from),
    ));
    out.push(onset(
        "login fails (clock)",
        t.login_fails,
        Outcome::LoginFails,
        None,
    ));
    out.push(onset(
        "rejected",
        t.rejected,
        Outcome::Rejected,
        Some(t.rejected_certain_from),
    ));
    out
}

fn explain(a: &Analysis, outcome: Outcome) -> String {
    let s = &a.scenario;
    let p = &s.policy;
    let age = if p.flow.is_pair() {
        s.reaction_ms + s.delay_ms
    } else {
        s.delay_ms
    };
    let ideal = s.ideal_state(&a.run);
    match (outcome, a.run.decision) {
        (Outcome::Rejected, Decision::Rejected(RejectReason::NotConsecutive)) => format!(
            "code 2 was read {} after the code changed, a whole period ({}) or more, so it is not the code right after code 1.",
            format_ms(s.reaction_ms),
            format_ms(s.period_ms)
        ),
        (Outcome::Rejected, _) if p.flow.is_pair() => format!(
            "the pair arrived {} after code 2 appeared (skew {}), placing code 2 {} from the verifier's step, beyond the {} it searches.",
            format_ms(age),
            format_ms(s.skew_ms),
            steps_word(a.run.last().step - a.run.last().verifier_step),
            range_text(p.flow.window())
        ),
        (Outcome::Rejected, _) => format!(
            "each code arrived {} after it was read (skew {}), and none of the {} attempts fell within the verifier's {}, so the enrollment was never completed.",
            format_ms(age),
            format_ms(s.skew_ms),
            s.attempts,
            range_text(p.flow.window())
        ),
        (Outcome::OutOfSync, _) => format!(
            "the code{} {} old when {} arrived, so the verifier stored {}, where the device's true offset ({}) would be {}. Later codes fall outside the login window {} around what it stored.",
            if p.flow.is_pair() { "s were" } else { " was" },
            format_ms(age),
            if p.flow.is_pair() { "they" } else { "it" },
            stored_text(&a.run.state),
            format_ms(s.skew_ms),
            stored_text(&ideal),
            p.login_range()
        ),
        (Outcome::LoginFails, _) => format!(
            "the first login is refused with what the enrollment stored and would be refused with the device's true offset too: {}. Nothing about the enrollment's timing causes it.",
            if s.skew_ms == 0 && s.drift_ppb == 0 {
                format!(
                    "the login code arrives {} after it was read and by then the verifier is in the next step, beyond its window {}",
                    format_ms(s.login_delay_ms),
                    p.login_range()
                )
            } else if p.enrollment_stores() {
                format!(
                    "the device clock drifts ({} ppm) or the login code arrives {} after it was read, beyond the login window {}",
                    format_ppm(s.drift_ppb),
                    format_ms(s.login_delay_ms),
                    p.login_range()
                )
            } else {
                format!(
                    "this verifier stores nothing about the device, so a clock {} off (or a login code arriving {} after it was read) falls outside its window {}",
                    format_ms(s.skew_ms),
                    format_ms(s.login_delay_ms),
                    p.login_range()
                )
            }
        ),
        (Outcome::InSync, _) => format!(
            "the enrollment was accepted and what it stored ({}) places the device's later codes within the login window {}.",
            stored_text(&a.run.state),
            p.login_range()
        ),
    }
}

fn fix(a: &Analysis, outcome: Outcome) -> String {
    let s = &a.scenario;
    let p = &s.policy;
    let t = &a.thresholds;
    let clock_to_blame = a.at_no_delay.count(Outcome::InSync) == 0;
    let clock = format!(
        "set the device's clock to network time (it is {} off)",
        format_ms(s.skew_ms)
    );
    match outcome {
        Outcome::InSync => "nothing to fix.".to_owned(),
        Outcome::Rejected if clock_to_blame => {
            format!("no submission timing helps at this skew: {clock}, then enroll again.")
        }
        Outcome::Rejected => format!(
            "{} and submit at once (rejections start at a delay of {} at this skew).",
            if p.flow.is_pair() {
                "enter code 1, wait for the next code, enter it"
            } else {
                "enter the code as soon as it appears"
            },
            t.rejected_from().map_or("never".to_owned(), format_ms)
        ),
        Outcome::OutOfSync => match (&p.resync, a.after_resync) {
            (Some(r), Some(after)) => format!(
                "resync the device ({}) with two fresh consecutive codes, submitted at once: sent {} after code 2, the next login succeeds with probability {}.",
                r.how,
                format_ms(s.login_delay_ms),
                pct(after.p(Outcome::InSync))
            ),
            _ => format!(
                "this verifier has no resync: remove the device and enroll again, submitting within {} of reading the code.",
                t.out_of_sync_from()
                    .map_or("any delay".to_owned(), format_ms)
            ),
        },
        Outcome::LoginFails => {
            let heal = match (&a.login, p.learning, p.auto_resync) {
                (
                    Some(Login {
                        gets_in_at: Some(n),
                        healed: true,
                        ..
                    }),
                    Some(_),
                    _,
                ) => format!(
                    "keep typing each new code: the verifier learns the skew and lets you in at attempt {n}, and keeps it for later logins; "
                ),
                (
                    Some(Login {
                        gets_in_at: Some(n),
                        healed: true,
                        ..
                    }),
                    _,
                    Some(_),
                ) => format!(
                    "type the next code too: AutoResync lets you in at attempt {n} and stores the new shift; "
                ),
                (
                    Some(Login {
                        gets_in_at: Some(n),
                        ..
                    }),
                    _,
                    _,
                ) => format!("try the next code (in the run above attempt {n} gets in); "),
                _ => String::new(),
            };
            if s.skew_ms != 0 || s.drift_ppb != 0 {
                format!("{heal}{clock}; no enrollment timing changes this.")
            } else {
                format!(
                    "{heal}submit login codes sooner than {} after reading them, or widen the login window ({} now): no enrollment timing changes this.",
                    format_ms(s.login_delay_ms),
                    p.login_range()
                )
            }
        }
    }
}

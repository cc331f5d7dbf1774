//! The default command: its arguments, and the layout of the library's
//! answer ([`skewsim::explain::Analysis`]) as text or JSON. The answer
//! comes first: the outcome and its reason, then the fix, the chances, the
//! thresholds, and the run's timeline last.

use std::io::Write;

use clap::Args;
use skewsim::duration::{format_human, format_ms, parse_duration_ms, parse_nonnegative_ms};
use skewsim::explain::words::{beside, outcome_words, percent, percent_exact};
use skewsim::explain::{Analysis, ExplainError, analyse};
use skewsim::sim::model::MAX_ATTEMPTS;
use skewsim::sim::policy::{Flow, Window, range_text};
use skewsim::sim::{Outcome, Policy, Scenario, TrackDrift, preset};

use crate::error::CliError;
use crate::json::{self, Format};

pub use skewsim::explain::healing_note;

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
    /// Thresholds and chances to the millisecond and the exact share (the
    /// text otherwise rounds to what a person can act on: "from 48 s").
    #[arg(long)]
    pub exact: bool,
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
    /// prints one to start from, `skewsim probe` writes one; `skewsim docs policy-files`).
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

/// Parts per billion as ppm (`20`, `-3.5`).
pub fn format_ppm(ppb: i64) -> String {
    skewsim::explain::ppm_text(ppb)
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

/// Runs the default command.
pub fn run(args: &ScenarioArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let scenario = args.scenario()?;
    let analysis = analyse(&scenario, args.phase).map_err(|e| match e {
        ExplainError::TooMuchWork { work, max } => CliError::usage(
            "--drift-ppm",
            format!(
                "with --period {} and this policy's reach makes the exact analysis evaluate about {work} enrollments \
                 (at most {max}, about half a minute): fix the enrollment phase with --phase, use a shorter \
                 --period or a narrower --enroll-behind/--enroll-ahead, or estimate with montecarlo",
                format_ms(scenario.period_ms)
            ),
        ),
        e @ ExplainError::PhaseOutOfRange { .. } => CliError::usage("--phase", e.to_string()),
    })?;
    match args.format {
        Format::Json => json::write(out, "scenario", &analysis).map(|()| 0),
        Format::Text => {
            crate::output::write(out, &render_text(&analysis, &scenario, args.exact))?;
            Ok(0)
        }
    }
}

/// The answer first: line 1 the outcome and its reason, line 2 the fix,
/// then the chances, the thresholds, the scenario, and the run.
fn render_text(a: &Analysis, s: &Scenario, exact: bool) -> String {
    let p = &s.policy;
    let pct = |x: f64| if exact { percent_exact(x) } else { percent(x) };
    let dur = |ms: i64| {
        if exact {
            format_ms(ms)
        } else {
            format_human(ms)
        }
    };
    let mut o = String::new();
    let mut line = |text: String| {
        o.push_str(&text);
        o.push('\n');
    };
    line(format!(
        "{} ({}): {}.",
        a.headline.name,
        pct(a.headline.share),
        a.why.sentence
    ));
    line(format!("Fix: {}.", a.fix.sentence));
    line(String::new());
    let probabilities = [
        (Outcome::InSync, a.probabilities.in_sync),
        (Outcome::OutOfSync, a.probabilities.out_of_sync),
        (Outcome::LoginFails, a.probabilities.login_fails),
        (Outcome::Rejected, a.probabilities.rejected),
    ];
    line(format!(
        "Chances over {}: {}",
        if a.phase_ms.is_some() {
            "every login phase (enrollment phase fixed)"
        } else {
            "every phase"
        },
        probabilities
            .iter()
            .map(|(o, x)| format!("{} {}", outcome_words(*o), pct(*x)))
            .collect::<Vec<_>>()
            .join(" · ")
    ));
    line(String::new());
    line(format!(
        "When it changes, by delay ({} at skew {}, reaction {}, delay counted from reading {}):",
        p.name,
        dur(s.skew_ms),
        dur(s.reaction_ms),
        if p.flow.is_pair() {
            "code 2"
        } else {
            "the code"
        }
    ));
    line(format!(
        "  given: {}{}",
        a.assumptions.sentence,
        beside(&a.assumptions.caveats)
    ));
    for (label, text) in a.thresholds.rows(s.login_delay_ms, exact) {
        line(format!("  {label:<42} {text}"));
    }
    line(String::new());
    line(format!(
        "The scenario: {} MFA enrollment, policy {}",
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
        dur(s.delay_ms),
        dur(s.skew_ms),
        format_ppm(s.drift_ppb),
        dur(s.reaction_ms),
        dur(s.period_ms),
        dur(s.login_after_ms),
        dur(s.login_delay_ms),
        s.attempts
    ));
    line(String::new());
    line(format!(
        "One run that ends so (code 1 read {} into its step, the login code {} into its step; demo secret):",
        format_ms(a.run.enroll_phase_ms),
        format_ms(a.run.login_phase_ms)
    ));
    for entry in &a.run.timeline {
        for (n, text) in entry.text.iter().enumerate() {
            let at = if n == 0 {
                format!("t={}", format_ms(entry.t_ms()))
            } else {
                String::new()
            };
            line(format!("  {at:<12} {text}"));
        }
    }
    o
}

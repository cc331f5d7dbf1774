//! The default command: one two-code enrollment, told as a story with its
//! exact probabilities, the fix, and the policy's delay thresholds.

use std::io::Write;

use clap::{Args, ValueEnum};
use serde_json::json;
use skewsim::duration::{format_ms, parse_duration_ms, parse_nonnegative_ms};
use skewsim::sim::{
    Decision, Enrollment, Outcome, Policy, Probabilities, RejectReason, Scenario, Thresholds,
    TrackDrift, preset, probabilities, thresholds,
};
use skewsim::{Algorithm, Digits, Secret, hotp};

use crate::error::CliError;

/// Text for people, or one JSON object for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The timeline, outcome, fix and thresholds.
    Text,
    /// The same facts as one JSON object.
    Json,
}

/// The scenario's options (all optional).
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// From reading code 2 to the verifier receiving both codes (typing, hesitation, network).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "10s", value_parser = nonnegative)]
    pub delay: i64,
    /// Device clock minus verifier clock, signed (-45s: the phone is 45 s behind).
    #[arg(long, value_name = "DUR", default_value = "0s", allow_hyphen_values = true, value_parser = signed)]
    pub skew: i64,
    /// The verifier model; `skewsim policies` lists them.
    #[arg(long, allow_hyphen_values = true, value_name = "NAME", default_value = "aws-iam", value_parser = parse_policy)]
    pub policy: Policy,
    /// From the code changing to reading code 2.
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
    /// Override: steps behind the verifier's step that the enrollment pair search reaches.
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_steps)]
    pub enroll_behind: Option<u32>,
    /// Override: steps ahead that the enrollment pair search reaches.
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_steps)]
    pub enroll_ahead: Option<u32>,
    /// Override: steps each side of the stored offset a login code may be.
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_steps)]
    pub login_window: Option<u32>,
    /// Override: whether the offset is stored at enrollment (enroll) and updated by logins (always).
    #[arg(long, allow_hyphen_values = true, value_name = "WHEN", value_parser = parse_track)]
    pub track_drift: Option<TrackDrift>,
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
        if let Some(n) = self.enroll_behind {
            policy.enroll_behind = n;
            overridden.push(format!("enroll-behind={n}"));
        }
        if let Some(n) = self.enroll_ahead {
            policy.enroll_ahead = n;
            overridden.push(format!("enroll-ahead={n}"));
        }
        if let Some(n) = self.login_window {
            policy.login_window = n;
            overridden.push(format!("login-window={n}"));
        }
        if let Some(t) = self.track_drift {
            policy.track_drift = t;
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
            policy,
        }
    }
}

impl ScenarioArgs {
    /// The scenario with overrides applied.
    pub fn scenario(&self) -> Result<Scenario, CliError> {
        if let Some(phase) = self.phase {
            if phase >= self.model.period {
                return Err(CliError::usage(
                    "--phase",
                    format!(
                        "is out of range: it must be below the period ({})",
                        format_ms(self.model.period)
                    ),
                ));
            }
        }
        Ok(self
            .model
            .scenario(&self.policy, self.delay, self.skew, self.reaction))
    }
}

/// Everything the report says, computed once.
struct Analysis {
    scenario: Scenario,
    probabilities: Probabilities,
    thresholds: Thresholds,
    after_resync: Option<Probabilities>,
    run_enroll_phase: i64,
    run_login_phase: i64,
    run: Enrollment,
}

fn analyse(args: &ScenarioArgs) -> Result<Analysis, CliError> {
    let scenario = args.scenario()?;
    let probabilities = probabilities(&scenario, args.phase);
    let thresholds = thresholds(&scenario, args.phase);
    // The resync: two fresh consecutive codes, sent as promptly as a login,
    // searched in the resync range.
    let after_resync = (probabilities.rejected < probabilities.total()).then(|| {
        let mut resync = scenario.clone();
        resync.delay_ms = scenario.login_delay_ms;
        resync.policy.enroll_behind = scenario.policy.resync_range;
        resync.policy.enroll_ahead = scenario.policy.resync_range;
        skewsim::sim::probabilities(&resync, args.phase)
    });
    // The story follows one run: a third of the way into each step.
    let run_enroll_phase = args.phase.unwrap_or(scenario.period_ms / 3);
    let run_login_phase = scenario.period_ms / 3;
    let run = scenario.enroll(run_enroll_phase);
    Ok(Analysis {
        scenario,
        probabilities,
        thresholds,
        after_resync,
        run_enroll_phase,
        run_login_phase,
        run,
    })
}

/// Runs the default command.
pub fn run(args: &ScenarioArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let analysis = analyse(args)?;
    let text = match args.format {
        Format::Text => render_text(&analysis),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&render_json(&analysis))
                .map_err(|e| CliError::Other(format!("cannot format JSON: {e}")))?;
            s.push('\n');
            s
        }
    };
    crate::output::write(out, &text)?;
    Ok(0)
}

fn pct(p: f64) -> String {
    format!("{:.2}%", p * 100.0)
}

fn opt_ms(v: Option<i64>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, serde_json::Value::from)
}

fn render_json(a: &Analysis) -> serde_json::Value {
    let s = &a.scenario;
    let p = &a.probabilities;
    let t = &a.thresholds;
    json!({
        "policy": s.policy.name,
        "delay_ms": s.delay_ms,
        "skew_ms": s.skew_ms,
        "drift_ppm": format_ppm(s.drift_ppb).parse::<f64>().unwrap_or(0.0),
        "reaction_ms": s.reaction_ms,
        "period_ms": s.period_ms,
        "login_delay_ms": s.login_delay_ms,
        "login_after_ms": s.login_after_ms,
        "parameters": {
            "enroll_behind": s.policy.enroll_behind,
            "enroll_ahead": s.policy.enroll_ahead,
            "login_window": s.policy.login_window,
            "track_drift": s.policy.track_drift.name(),
            "replay_protection": s.policy.replay_protection,
            "resync_range": s.policy.resync_range,
        },
        "outcome": p.most_likely().key(),
        "probabilities": {
            "rejected": p.p(Outcome::Rejected),
            "in_sync": p.p(Outcome::InSync),
            "out_of_sync": p.p(Outcome::OutOfSync),
        },
        "counts": {
            "rejected": p.rejected.to_string(),
            "in_sync": p.in_sync.to_string(),
            "out_of_sync": p.out_of_sync.to_string(),
            "total": p.total().to_string(),
        },
        "stored_offset": match a.run.decision {
            Decision::Accepted { stored_offset, .. } => json!(stored_offset),
            Decision::Rejected(_) => serde_json::Value::Null,
        },
        "after_resync_in_sync": a.after_resync.map(|r| r.p(Outcome::InSync)),
        "thresholds_ms": {
            "in_sync_uncertain_from": opt_ms(t.in_sync_uncertain_from),
            "out_of_sync_from": opt_ms(t.out_of_sync_from),
            "out_of_sync_certain_from": opt_ms(t.out_of_sync_certain_from),
            "rejected_from": opt_ms(t.rejected_from),
            "rejected_certain_from": opt_ms(t.rejected_certain_from),
        },
    })
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

fn render_text(a: &Analysis) -> String {
    let s = &a.scenario;
    let p = &s.policy;
    let run = &a.run;
    let k = run.code1_step;
    let at = |t: i64| format!("t={}", format_ms(t - run.t_code1));
    // Real codes from a demo secret (RFC 6238's), so the story shows what a
    // person sees; the outcome depends only on the steps.
    let demo = Secret::from_bytes(b"12345678901234567890".to_vec()).ok();
    let code = |step: i64| match (&demo, u64::try_from(step)) {
        (Some(secret), Ok(counter)) => {
            hotp(Algorithm::Sha1, secret, counter, Digits::SIX).to_string()
        }
        _ => "??????".to_owned(),
    };
    let mut o = String::new();
    let mut line = |text: String| {
        o.push_str(&text);
        o.push('\n');
    };
    line(format!(
        "skewsim: two-code MFA enrollment, policy {}",
        p.name
    ));
    line(format!("  {}", p.summary));
    line(format!(
        "  delay {} · skew {} · drift {} ppm · reaction {} · period {} · first login {} later, {} to submit",
        format_ms(s.delay_ms),
        format_ms(s.skew_ms),
        format_ppm(s.drift_ppb),
        format_ms(s.reaction_ms),
        format_ms(s.period_ms),
        format_ms(s.login_after_ms),
        format_ms(s.login_delay_ms)
    ));
    line(String::new());
    line(format!(
        "One run (code 1 read {} into its step, the login code {} into its step; demo secret):",
        format_ms(a.run_enroll_phase),
        format_ms(a.run_login_phase)
    ));
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
        at(run.t_code2),
        code(run.code2_step),
        rel(run.code2_step, k)
    ));
    line(format!(
        "  {:<12} the verifier receives them; its own clock is in step {}",
        at(run.t_receipt),
        rel(run.verifier_step, k)
    ));
    line(format!(
        "  {:<12} it searches steps {} .. {} ({} behind, {} ahead of its own) for the pair",
        "verifier",
        rel(run.verifier_step - i64::from(p.enroll_behind), k),
        rel(run.verifier_step + i64::from(p.enroll_ahead), k),
        p.enroll_behind,
        p.enroll_ahead
    ));
    match run.decision {
        Decision::Rejected(RejectReason::NotConsecutive) => line(format!(
            "  {:<12} REJECTED: code 2 is step {}, not k+1 — the codes are not consecutive",
            "",
            rel(run.code2_step, k)
        )),
        Decision::Rejected(RejectReason::OutOfRange) => line(format!(
            "  {:<12} REJECTED: code 2's step {} is {} {} its own, outside the search",
            "",
            rel(run.code2_step, k),
            steps_word(run.code2_step - run.verifier_step),
            if run.code2_step < run.verifier_step {
                "behind"
            } else {
                "ahead of"
            }
        )),
        Decision::Accepted {
            found_offset,
            stored_offset,
        } => {
            line(format!(
                "  {:<12} ACCEPTED: code 2 is at offset {found_offset:+} from its step; {}",
                "",
                if p.stores_offset() {
                    format!("it stores offset {stored_offset:+} as the device's drift")
                } else {
                    "it stores no offset".to_owned()
                }
            ));
            if let Some(login) = s.first_login(run, a.run_login_phase) {
                line(format!(
                    "  {:<12} first login: the device shows {} (step {}), received {} later",
                    at(login.t_read),
                    code(login.device_step),
                    rel(login.device_step, k),
                    format_ms(s.login_delay_ms)
                ));
                line(format!(
                    "  {:<12} the verifier is in step {} and accepts steps {} .. {} (its step {stored_offset:+} ± {})",
                    "",
                    rel(login.verifier_step, k),
                    rel(login.accept_from, k),
                    rel(login.accept_to, k),
                    p.login_window
                ));
                line(format!(
                    "  {:<12} → login {}",
                    "",
                    if login.accepted {
                        "ACCEPTED"
                    } else {
                        "REJECTED"
                    }
                ));
            }
        }
    }
    line(String::new());
    let pr = &a.probabilities;
    let outcome = pr.most_likely();
    line(format!("Outcome: {}", outcome.label()));
    line(format!(
        "  over all phases: out of sync {} · in sync {} · rejected {}",
        pct(pr.p(Outcome::OutOfSync)),
        pct(pr.p(Outcome::InSync)),
        pct(pr.p(Outcome::Rejected))
    ));
    line(format!("Why: {}", explain(a, outcome)));
    line(format!("Fix: {}", fix(a, outcome)));
    line(String::new());
    let t = &a.thresholds;
    let d = |v: Option<i64>| v.map_or("never".to_owned(), format_ms);
    line(format!(
        "Thresholds for {} at skew {} (reaction {}, delay from reading code 2):",
        p.name,
        format_ms(s.skew_ms),
        format_ms(s.reaction_ms)
    ));
    line(format!(
        "  in sync for certain       {}",
        match t.in_sync_uncertain_from {
            Some(0) => "at no delay".to_owned(),
            Some(v) => format!("delay below {}", format_ms(v)),
            None => "at every delay".to_owned(),
        }
    ));
    line(format!(
        "  out of sync possible from {}, certain from {}",
        d(t.out_of_sync_from),
        d(t.out_of_sync_certain_from)
    ));
    line(format!(
        "  rejected possible from    {}, certain from {}",
        d(t.rejected_from),
        d(t.rejected_certain_from)
    ));
    o
}

fn explain(a: &Analysis, outcome: Outcome) -> String {
    let s = &a.scenario;
    let p = &s.policy;
    let age = s.reaction_ms + s.delay_ms;
    match (outcome, a.run.decision) {
        (Outcome::Rejected, Decision::Rejected(RejectReason::NotConsecutive)) => format!(
            "code 2 was read {} after the code changed, a whole period ({}) or more, so it is not the code right after code 1.",
            format_ms(s.reaction_ms),
            format_ms(s.period_ms)
        ),
        (Outcome::Rejected, _) => format!(
            "the pair arrived {} after code 2 appeared (skew {}), placing code 2 {} from the verifier's step, beyond the {} behind / {} ahead it searches.",
            format_ms(age),
            format_ms(s.skew_ms),
            steps_word(a.run.code2_step - a.run.verifier_step),
            p.enroll_behind,
            p.enroll_ahead
        ),
        (Outcome::OutOfSync, Decision::Accepted { stored_offset, .. }) if stored_offset != 0 => {
            format!(
                "the codes were {} old when they arrived, so the verifier took the device to be {} {} and stored offset {stored_offset:+}. The device's clock was never wrong by that much, so later codes fall outside the ±{} login window around the stored offset.",
                format_ms(age),
                steps_word(stored_offset),
                if stored_offset < 0 { "behind" } else { "ahead" },
                p.login_window
            )
        }
        (Outcome::OutOfSync, _) => format!(
            "the enrollment was accepted, but the first login's code (read, then received {} later, with skew {}) falls outside the ±{} login window{}.",
            format_ms(s.login_delay_ms),
            format_ms(s.skew_ms),
            p.login_window,
            if p.track_drift == TrackDrift::None {
                ", and this policy stores no offset to absorb the skew"
            } else {
                ""
            }
        ),
        (Outcome::InSync, _) => format!(
            "code 2 arrived within the enrollment search range and the stored offset ({}) matches the device's real offset closely enough for the ±{} login window.",
            match a.run.decision {
                Decision::Accepted { stored_offset, .. } => format!("{stored_offset:+}"),
                Decision::Rejected(_) => "none".to_owned(),
            },
            p.login_window
        ),
    }
}

fn fix(a: &Analysis, outcome: Outcome) -> String {
    let s = &a.scenario;
    match outcome {
        Outcome::Rejected => format!(
            "enter code 1, wait for the next code, enter it, and submit at once (within {} of reading code 2 at this skew).",
            a.thresholds
                .rejected_from
                .map_or("any delay".to_owned(), format_ms)
        ),
        Outcome::InSync => "nothing to fix.".to_owned(),
        Outcome::OutOfSync => match a.after_resync {
            Some(r) if s.policy.stores_offset() => format!(
                "resync the device (AWS: ResyncMFADevice, or 'Resync' in the console) with two fresh consecutive codes, submitted at once: sent {} after code 2 the stored offset matches the device again, and the next login succeeds with probability {}.",
                format_ms(s.login_delay_ms),
                pct(r.p(Outcome::InSync))
            ),
            _ => "this policy stores no offset, so a resync cannot help: fix the device clock (or the login delay), or widen the login window.".to_owned(),
        },
    }
}

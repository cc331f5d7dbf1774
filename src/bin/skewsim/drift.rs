//! `skewsim drift`: a drifting device logging in for days against the real
//! verifier's rules: how often the first code is refused, how often a later
//! code (the verifier healing itself) or a resync gets the person in, and how
//! often nothing does.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use skewsim::duration::format_ms;
use skewsim::report::{plot, write_all_atomic};
use skewsim::sim::drift::{DayEnd, simulate};

use crate::error::CliError;
use crate::json::{self, Format, ModelJson};
use crate::scenario::{ModelArgs, nonnegative, parse_policy, signed};

/// Options of `skewsim drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Time between logins.
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "1d", value_parser = nonnegative)]
    pub login_every: i64,
    /// How long to simulate, in days.
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value = "365", value_parser = parse_days)]
    pub days: u64,
    /// Delay of the enrollment submission (prompt by default).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "5s", value_parser = nonnegative)]
    pub delay: i64,
    /// Device skew at enrollment.
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "0s", value_parser = signed)]
    pub skew: i64,
    /// The verifier model (`--track-drift` overrides what it stores).
    #[arg(long, allow_hyphen_values = true, value_name = "NAME", default_value = "aws-iam", value_parser = parse_policy)]
    pub policy: skewsim::sim::Policy,
    /// Do not resync after a day on which every attempt failed.
    #[arg(long)]
    pub no_resync: bool,
    /// Folder for drift-<policy>.csv and drift-<policy>.svg.
    #[arg(long, value_name = "DIR", default_value = "skewsim-drift")]
    pub out: PathBuf,
    /// Output format of the summary (the files are the same).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The rest of the model (--drift-ppm is the one that matters here).
    #[command(flatten)]
    pub model: ModelArgs,
}

fn parse_days(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("zero: at least one day".to_owned()),
        Ok(n) if n <= 36_500 => Ok(n),
        Ok(_) => Err("out of range: at most 36500 days".to_owned()),
        Err(_) => Err("not a whole number of days".to_owned()),
    }
}

/// `drift`'s JSON document: the counts the text summary gives.
#[derive(Serialize)]
struct DriftJson {
    policy: String,
    delay_ms: i64,
    skew_ms: i64,
    login_every_ms: i64,
    days: u64,
    logins: u64,
    #[serde(flatten)]
    model: ModelJson,
    /// `none` (the verifier has none), `off` (--no-resync) or `after_failed_day`.
    resync: &'static str,
    first_code_refused: usize,
    /// Day of the first refusal (fractional), null if none.
    first_refused_day: Option<f64>,
    in_on_later_code: usize,
    /// Of those, the days on which the verifier healed itself (learning, AutoResync).
    healed: usize,
    in_after_resync: usize,
    never_in: usize,
    /// Day of the last login that never got in, null if none.
    last_never_in_day: Option<f64>,
    files: Vec<String>,
}

/// The most logins simulated per mode.
pub const MAX_LOGINS: u64 = 1_000_000;

/// Runs the three modes and writes the CSV and the plot.
pub fn run(args: &DriftArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    if args.login_every == 0 {
        return Err(CliError::usage(
            "--login-every",
            "is zero: logins need time between them",
        ));
    }
    let horizon_ms = i64::try_from(args.days)
        .unwrap_or(i64::MAX)
        .saturating_mul(86_400_000);
    let logins = u64::try_from(horizon_ms / args.login_every).unwrap_or(0);
    if logins == 0 {
        return Err(CliError::usage(
            "--login-every",
            "is longer than --days: no login happens",
        ));
    }
    if logins > MAX_LOGINS {
        return Err(CliError::usage(
            "--login-every",
            format!("is too short for --days: {logins} logins, at most {MAX_LOGINS}"),
        ));
    }
    let scenario = args.model.scenario(
        &args.model.policy(&args.policy)?,
        args.delay,
        args.skew,
        2_000,
    );
    let run = simulate(&scenario, args.login_every, logins, !args.no_resync);
    if run.logins.is_empty() {
        return Err(CliError::usage(
            "--delay, --skew or --drift-ppm",
            "make the enrollment itself fail: nothing to follow",
        ));
    }
    let name = scenario.policy.name.clone();
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| CliError::Other(format!("cannot format CSV: {e}"));
    w.write_record([
        "policy",
        "login",
        "elapsed_ms",
        "device_offset_ms",
        "verifier_offset_ms",
        "step_offset",
        "day_end",
        "attempt_in",
    ])
    .map_err(csv_err)?;
    for l in &run.logins {
        let (end, attempt) = match l.end {
            DayEnd::FirstTry => ("first_try", "1".to_owned()),
            DayEnd::Retried {
                attempt,
                healed: true,
            } => ("healed", attempt.to_string()),
            DayEnd::Retried { attempt, .. } => ("retried", attempt.to_string()),
            DayEnd::Resynced => ("resynced", String::new()),
            DayEnd::Failed => ("failed", String::new()),
        };
        w.write_record([
            name.clone(),
            l.n.to_string(),
            l.elapsed_ms.to_string(),
            l.device_offset_ms.to_string(),
            l.verifier_offset_ms.to_string(),
            l.step_offset.to_string(),
            end.to_owned(),
            attempt,
        ])
        .map_err(csv_err)?;
    }
    let csv = w
        .into_inner()
        .map_err(|e| CliError::Other(format!("cannot format CSV: {e}")))?;
    let ppm = crate::scenario::format_ppm(scenario.drift_ppb);
    // The title states the finding: "a year at 50 ppm: 26 refusals, all
    // healed by learning the skew".
    let span = match args.days {
        365 => "a year".to_owned(),
        1 => "a day".to_owned(),
        n => format!("{n} days"),
    };
    let every = if args.login_every == 86_400_000 {
        String::new()
    } else {
        format!(", a login every {}", format_ms(args.login_every))
    };
    let svg = plot::drift_chart(
        &format!(
            "{name}, {span} at {ppm} ppm{every}: {}",
            plot::drift_finding(&run, &scenario.policy)
        ),
        scenario.period_ms,
        scenario.policy.login,
        &run,
    )
    .map_err(|e| CliError::Other(e.to_string()))?;
    let stem = format!("drift-{}", name.replace(['=', ','], "-"));
    let csv_path = args.out.join(format!("{stem}.csv"));
    let svg_path = args.out.join(format!("{stem}.svg"));
    write_all_atomic(&[
        (csv_path.clone(), csv),
        (svg_path.clone(), svg.into_bytes()),
    ])
    .map_err(|e| CliError::write_failed("--out", &e))?;
    let policy = &scenario.policy;
    let day = |l: &skewsim::sim::drift::LoginRecord| l.elapsed_ms as f64 / 86_400_000.0;
    if args.format == Format::Json {
        let doc = DriftJson {
            policy: name.clone(),
            delay_ms: args.delay,
            skew_ms: args.skew,
            login_every_ms: args.login_every,
            days: args.days,
            logins,
            model: (&scenario).into(),
            resync: match (&policy.resync, args.no_resync) {
                (None, _) => "none",
                (Some(_), true) => "off",
                (Some(_), false) => "after_failed_day",
            },
            first_code_refused: run.first_attempt_failures(),
            first_refused_day: run.first_failure().map(day),
            in_on_later_code: run.recovered_by_retrying(),
            healed: run.healed(),
            in_after_resync: run.recovered_by_resync(),
            never_in: run.failed(),
            last_never_in_day: run
                .logins
                .iter()
                .rev()
                .find(|l| l.end == DayEnd::Failed)
                .map(day),
            files: vec![json::path_text(&csv_path), json::path_text(&svg_path)],
        };
        return json::write(out, "drift", &doc).map(|()| 0);
    }
    let resync = match (&policy.resync, args.no_resync) {
        (None, _) => "none (this verifier has no resync)",
        (Some(_), true) => "off (--no-resync)",
        (Some(_), false) => "after a day on which every attempt failed",
    };
    let mut o = format!(
        "Drift: policy {name}, device {ppm} ppm, skew {} at enrollment, a login every {} for {} days ({logins} logins), up to {} attempts each, resync {resync}\n",
        format_ms(args.skew),
        format_ms(args.login_every),
        args.days,
        scenario.attempts,
    );
    let first = run.first_failure().map_or(String::new(), |l| {
        format!(" (first on day {:.1})", l.elapsed_ms as f64 / 86_400_000.0)
    });
    o.push_str(&format!(
        "  first code refused:  {} of {logins} logins{first}\n",
        run.first_attempt_failures()
    ));
    o.push_str(&format!(
        "  in on a later code:  {}{}\n",
        run.recovered_by_retrying(),
        match crate::scenario::healing_note(policy) {
            Some(how) => format!(
                " ({} because the verifier healed itself: {how})",
                run.healed()
            ),
            None => String::new(),
        }
    ));
    o.push_str(&format!(
        "  in after a resync:   {}\n",
        run.recovered_by_resync()
    ));
    o.push_str(&format!(
        "  never got in:        {} logins{}\n",
        run.failed(),
        if run.failed() > 0 {
            match run.logins.iter().rev().find(|l| l.end == DayEnd::Failed) {
                Some(l) => format!(
                    " (the last on day {:.1})",
                    l.elapsed_ms as f64 / 86_400_000.0
                ),
                None => String::new(),
            }
        } else {
            String::new()
        }
    ));
    o.push_str(&format!(
        "wrote {} and {}\n",
        skewsim::text::path(&csv_path),
        skewsim::text::path(&svg_path)
    ));
    crate::output::write(out, &o)?;
    Ok(0)
}

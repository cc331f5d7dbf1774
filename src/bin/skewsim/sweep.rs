//! `skewsim sweep`: outcome probabilities over a delay × skew grid, per
//! policy, to CSV and SVG (phase diagram, delay curve, thresholds).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use skewsim::duration::{format_ms, parse_duration_ms};
use skewsim::report::{AtomicFiles, plot, tables};
use skewsim::sim::sweep::{CURVE_BUDGET, Span, delay_curve, grid_in_bands, thresholds_by_skew};
use skewsim::sim::{Outcome, Policy, presets};

use crate::error::CliError;
use crate::json::{self, Format, ModelJson, PerOutcome};
use crate::scenario::{ModelArgs, parse_policy};

/// Options of `skewsim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A policy name, or `all` for every preset.
    #[arg(
        long,
        allow_hyphen_values = true,
        value_name = "NAME|all",
        default_value = "aws-iam"
    )]
    pub policy: String,
    /// Delays to sweep: FROM..TO[:STEP] (step default 1s).
    #[arg(long, allow_hyphen_values = true, value_name = "RANGE", default_value = "0s..10m", value_parser = parse_span)]
    pub delay: Span,
    /// Skews to sweep: FROM..TO[:STEP] (step default 1s).
    #[arg(long, allow_hyphen_values = true, value_name = "RANGE", default_value = "-3m..3m", value_parser = parse_span)]
    pub skew: Span,
    /// From a code changing on the device to reading the new one (code 2, a retry).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "2s", value_parser = crate::scenario::nonnegative)]
    pub reaction: i64,
    /// Folder for POLICY.csv, POLICY-thresholds.csv, POLICY-phase.svg and POLICY-delay.svg.
    #[arg(long, value_name = "DIR", default_value = "skewsim-sweep")]
    pub out: PathBuf,
    /// Output format of the summary (the files are the same).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The rest of the model.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `sweep`'s JSON document: the summary of the files written.
#[derive(Serialize)]
struct SweepJson {
    out_dir: String,
    delays: SpanJson,
    skews: SpanJson,
    reaction_ms: i64,
    #[serde(flatten)]
    model: ModelJson,
    policies: Vec<SweepPolicyJson>,
}

#[derive(Serialize)]
struct SpanJson {
    from_ms: i64,
    to_ms: i64,
    step_ms: i64,
}

impl From<&Span> for SpanJson {
    fn from(s: &Span) -> Self {
        SpanJson {
            from_ms: s.from,
            to_ms: s.to,
            step_ms: s.step,
        }
    }
}

#[derive(Serialize)]
struct SweepPolicyJson {
    policy: String,
    points: u64,
    /// The thresholds at zero skew (null when the skew range leaves 0 out).
    at_zero_skew: Option<ZeroSkewJson>,
    /// Each outcome's probability averaged over the grid points.
    mean_over_grid: PerOutcome<f64>,
    files: Vec<String>,
}

#[derive(Serialize)]
struct ZeroSkewJson {
    in_sync_uncertain_from_ms: Option<i64>,
    out_of_sync_from_ms: Option<i64>,
    out_of_sync_certain_from_ms: Option<i64>,
    login_fails_from_ms: Option<i64>,
    rejected_from_ms: Option<i64>,
    rejected_certain_from_ms: Option<i64>,
}

/// The most grid points one policy may have (each is a few hundred bytes of CSV).
pub const MAX_POINTS: u64 = 4_000_000;

/// The most (grid point × enrollment phase) evaluations a sweep with drift may ask for.
pub const MAX_PHASE_EVALUATIONS: u64 = 300_000_000;

/// `FROM..TO[:STEP]` of signed durations.
pub fn parse_span(text: &str) -> Result<Span, String> {
    let (range, step) = match text.rsplit_once(':') {
        Some((range, step)) => (range, Some(step)),
        None => (text, None),
    };
    let (from, to) = range
        .split_once("..")
        .ok_or_else(|| "not a range: expected FROM..TO[:STEP], e.g. 0s..10m:5s".to_owned())?;
    let parse = |part: &str, what: &str| {
        parse_duration_ms(part)
            .map_err(|e| format!("{what} {e}"))
            .and_then(crate::scenario::checked)
    };
    let from = parse(from, "its start is")?;
    let to = parse(to, "its end is")?;
    let step = match step {
        Some(s) => parse(s, "its step is")?,
        None => 1_000,
    };
    if step <= 0 {
        return Err("not a range: the step must be greater than 0".to_owned());
    }
    Span::new(from, to, step)
        .ok_or_else(|| "not a range: empty or inverted (FROM must not exceed TO)".to_owned())
}

/// Runs the sweep.
pub fn run(args: &SweepArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let policies: Vec<Policy> = if let Some(path) = &args.model.policy_file {
        vec![crate::policy_arg::read("--policy-file", path)?]
    } else if args.policy == "all" {
        presets()
    } else {
        vec![
            parse_policy(&args.policy)
                .map_err(|e| CliError::usage("--policy", format!("is {e}")))?,
        ]
    };
    if args.delay.from < 0 {
        return Err(CliError::usage(
            "--delay",
            "is out of range: delays cannot be negative",
        ));
    }
    let points = args.delay.len().saturating_mul(args.skew.len());
    if points > MAX_POINTS {
        return Err(CliError::usage(
            "--delay",
            format!(
                "and --skew make {points} grid points, more than {MAX_POINTS}: use a larger :STEP"
            ),
        ));
    }
    // With drift every grid point visits every enrollment phase (see
    // exact.rs); the thresholds of every skew row count too.
    let phases = if args.model.drift_ppm == 0 {
        1
    } else {
        args.model.period as u64
    };
    let skew_rows = args.skew.len();
    let mut work: u64 = 0;
    for policy in &policies {
        let s = args
            .model
            .scenario(policy, 0, args.skew.from, args.reaction);
        work = work
            .saturating_add(points.saturating_mul(phases))
            .saturating_add(skew_rows.saturating_mul(skewsim::sim::work(&s, None)));
    }
    if work > MAX_PHASE_EVALUATIONS {
        return Err(CliError::usage(
            "--drift-ppm",
            format!(
                "makes the {points} grid points and the thresholds of {skew_rows} skews evaluate about {work} \
                 enrollments (at most {MAX_PHASE_EVALUATIONS}, about a minute): use a larger :STEP for --delay \
                 and --skew, or a shorter --period"
            ),
        ));
    }
    let bar = crate::progress::bar(points * policies.len() as u64, "grid points");
    let tick = |n: u64| bar.inc(n);
    // Every file goes to a temporary (the grid's CSV streamed as it is
    // computed: millions of points are hundreds of megabytes) and none is
    // renamed until all are made.
    let mut files = AtomicFiles::new();
    let mut written: Vec<PathBuf> = Vec::new();
    let write_failed = |e: std::io::Error| CliError::write_failed("--out", &e);
    let mut summary = String::new();
    let mut documents = Vec::new();
    for policy in &policies {
        let base = args.model.scenario(policy, 0, 0, args.reaction);
        let name = base.policy.name.clone();
        let path = |suffix: &str| args.out.join(format!("{}{suffix}", file_stem(&name)));
        // The grid, a band at a time: to the CSV, to the phase diagram's
        // cells, and to the sums of the mean over the grid.
        let mut phase = plot::PhaseGrid::new(args.delay.len() as usize);
        // sums[i]: Outcome::ALL[i]'s probability summed over the points.
        let mut sums = [0.0_f64; 4];
        let mut count: u64 = 0;
        files
            .add_with(&path(".csv"), |out| {
                let mut csv = tables::GridCsv::new(out, &name)?;
                grid_in_bands(&base, &args.delay, &args.skew, &tick, |band| {
                    csv.write(band)?;
                    phase.push(band);
                    for point in band {
                        for (sum, outcome) in sums.iter_mut().zip(Outcome::ALL) {
                            *sum += point.probabilities.p(outcome);
                        }
                    }
                    count += band.len() as u64;
                    Ok::<(), csv::Error>(())
                })?;
                csv.finish()?;
                Ok(())
            })
            .map_err(write_failed)?;
        let lines = thresholds_by_skew(&base, &args.skew);
        // Exact without drift; with drift, where each evaluation visits a
        // period of phases, the grid's own delays.
        let curve = delay_curve(
            &base,
            args.delay.from,
            args.delay.to,
            args.delay.step,
            if args.model.drift_ppm == 0 {
                CURVE_BUDGET
            } else {
                0
            },
        );
        let other = |e: &dyn std::fmt::Display| CliError::Other(e.to_string());
        files
            .add(
                &path("-thresholds.csv"),
                &tables::thresholds_csv(&name, &lines).map_err(|e| other(&e))?,
            )
            .map_err(write_failed)?;
        let title = format!(
            "{name}: enrollment outcome by delay and skew (reaction {}, login {} later)",
            format_ms(base.reaction_ms),
            format_ms(base.login_after_ms)
        );
        files
            .add(
                &path("-phase.svg"),
                phase
                    .draw(&title, &lines)
                    .map_err(|e| other(&e))?
                    .as_bytes(),
            )
            .map_err(write_failed)?;
        files
            .add(
                &path("-delay.svg"),
                plot::delay_curve(
                    &format!("{name}: how enrollments end, by submission delay (zero skew)"),
                    &curve,
                )
                .map_err(|e| other(&e))?
                .as_bytes(),
            )
            .map_err(write_failed)?;
        let these = [".csv", "-thresholds.csv", "-phase.svg", "-delay.svg"].map(path);
        let at_zero = lines.iter().find(|(s, _)| *s == 0).map(|(_, t)| *t);
        let mean = |o: Outcome| {
            let i = Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0);
            sums[i] / count.max(1) as f64
        };
        documents.push(SweepPolicyJson {
            policy: name.clone(),
            points: count,
            at_zero_skew: at_zero.map(|t| ZeroSkewJson {
                in_sync_uncertain_from_ms: t.in_sync_uncertain_from,
                out_of_sync_from_ms: t.out_of_sync_from(),
                out_of_sync_certain_from_ms: t.out_of_sync_certain_from,
                login_fails_from_ms: t.login_fails_from(),
                rejected_from_ms: t.rejected_from(),
                rejected_certain_from_ms: t.rejected_certain_from,
            }),
            mean_over_grid: PerOutcome::from_fn(mean),
            files: these.iter().map(|p| json::path_text(p)).collect(),
        });
        written.extend(these);
        // Plain words: "from 58 s", or "not at any delay" (never "from never").
        let d = |v: Option<i64>| {
            v.map_or("not at any delay".to_owned(), |ms| {
                format!("from {}", skewsim::duration::format_human(ms))
            })
        };
        summary.push_str(&format!(
            "{name}: {count} points; at zero skew: out of sync {}, rejected {}; in sync over the grid {:.1}%\n",
            d(at_zero.and_then(|t| t.out_of_sync_from())),
            d(at_zero.and_then(|t| t.rejected_from())),
            100.0 * mean(Outcome::InSync)
        ));
    }
    bar.finish_and_clear();
    // Every file or none.
    files.commit().map_err(write_failed)?;
    if args.format == Format::Json {
        let base = args.model.scenario(&policies[0], 0, 0, args.reaction);
        let doc = SweepJson {
            out_dir: json::path_text(&args.out),
            delays: (&args.delay).into(),
            skews: (&args.skew).into(),
            reaction_ms: args.reaction,
            model: (&base).into(),
            policies: documents,
        };
        return json::write(out, "sweep", &doc).map(|()| 0);
    }
    summary.push_str(&format!(
        "wrote {} files under {}\n",
        written.len(),
        skewsim::text::path(&args.out)
    ));
    crate::output::write(out, &summary)?;
    Ok(0)
}

/// A policy name as a file name (`aws-iam+login-window=3` → `aws-iam+login-window-3`).
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

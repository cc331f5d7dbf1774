//! `skewsim montecarlo`: outcome rates with confidence intervals over
//! distributions of reaction, delay and skew; optional per-trial CSV.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use skewsim::duration::{format_ms, parse_duration_ms};
use skewsim::report::write_atomic;
use skewsim::sim::Outcome;
use skewsim::sim::montecarlo::{Config, Counts, Dist, run, run_trials};

use crate::error::CliError;
use crate::json::{self, DistJson, Format, ModelJson, PerOutcome};
use crate::scenario::{ModelArgs, parse_policy};

/// Options of `skewsim montecarlo`.
#[derive(Debug, Args)]
pub struct MonteCarloArgs {
    /// Number of trials.
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value = "1000000", value_parser = parse_trials)]
    pub trials: u64,
    /// Master seed; the same seed gives the same results for any thread count.
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value = "1", value_parser = crate::args::parse_u64)]
    pub seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Delay distribution: DUR, uniform:LO..HI, normal:MEAN,SD or lognormal:MEDIAN,SIGMA.
    #[arg(long, allow_hyphen_values = true, value_name = "DIST", default_value = "lognormal:20s,0.8", value_parser = parse_dist)]
    pub delay: Dist,
    /// Skew distribution (signed), same forms.
    #[arg(long, allow_hyphen_values = true, value_name = "DIST", default_value = "normal:0s,5s", value_parser = parse_dist)]
    pub skew: Dist,
    /// Reaction distribution, same forms.
    #[arg(long, allow_hyphen_values = true, value_name = "DIST", default_value = "uniform:500ms..4s", value_parser = parse_dist)]
    pub reaction: Dist,
    /// The verifier model.
    #[arg(long, allow_hyphen_values = true, value_name = "NAME", default_value = "aws-iam", value_parser = parse_policy)]
    pub policy: skewsim::sim::Policy,
    /// Write every trial (id, draws, phases, outcome) to this CSV (at most 5000000 trials).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The rest of the model.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Trials that fit a per-trial CSV (about 60 bytes each).
pub const MAX_CSV_TRIALS: u64 = 5_000_000;

fn parse_trials(text: &str) -> Result<u64, String> {
    let n = crate::args::parse_u64(text).map_err(|_| "not a whole number of trials".to_owned())?;
    if n == 0 {
        return Err("zero: at least one trial".to_owned());
    }
    if n > 1_000_000_000_000 {
        return Err("out of range: at most 10^12 trials".to_owned());
    }
    Ok(n)
}

fn parse_threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("zero: at least one thread".to_owned()),
        Ok(n) if n <= 1024 => Ok(n),
        Ok(_) => Err("out of range: at most 1024 threads".to_owned()),
        Err(_) => Err("not a whole number of threads".to_owned()),
    }
}

/// `90s`, `fixed:90s`, `uniform:0s..2m`, `normal:60s,15s`, `lognormal:30s,0.5`.
pub fn parse_dist(text: &str) -> Result<Dist, String> {
    let dur = |t: &str| -> Result<i64, String> {
        let ms = parse_duration_ms(t).map_err(|e| format!("{t:?} is {e}"))?;
        crate::scenario::checked(ms)
    };
    let (kind, rest) = text.split_once(':').unwrap_or(("fixed", text));
    match kind {
        "fixed" => Ok(Dist::Fixed(dur(rest)?)),
        "uniform" => {
            let (lo, hi) = rest.split_once("..").ok_or("uniform needs LO..HI")?;
            let (lo, hi) = (dur(lo)?, dur(hi)?);
            if lo > hi {
                return Err("uniform: LO must not exceed HI".to_owned());
            }
            Ok(Dist::Uniform { lo, hi })
        }
        "normal" => {
            let (mean, sd) = rest.split_once(',').ok_or("normal needs MEAN,SD")?;
            let (mean, sd) = (dur(mean)?, dur(sd)?);
            if sd <= 0 {
                return Err("normal: SD must be greater than 0".to_owned());
            }
            Ok(Dist::Normal { mean, sd })
        }
        "lognormal" => {
            let (median, sigma) = rest.split_once(',').ok_or("lognormal needs MEDIAN,SIGMA")?;
            let median = dur(median)?;
            let sigma: f64 = sigma
                .parse()
                .map_err(|_| "lognormal: SIGMA is not a number")?;
            if median <= 0 || !sigma.is_finite() || sigma <= 0.0 || sigma > 10.0 {
                return Err("lognormal: MEDIAN must be > 0 and SIGMA in (0, 10]".to_owned());
            }
            Ok(Dist::LogNormal { median, sigma })
        }
        other => Err(format!(
            "unknown distribution {other:?} (fixed, uniform, normal, lognormal)"
        )),
    }
}

fn describe(d: &Dist) -> String {
    match *d {
        Dist::Fixed(v) => format_ms(v),
        Dist::Uniform { lo, hi } => format!("uniform {}..{}", format_ms(lo), format_ms(hi)),
        Dist::Normal { mean, sd } => {
            format!("normal mean {} sd {}", format_ms(mean), format_ms(sd))
        }
        Dist::LogNormal { median, sigma } => {
            format!("log-normal median {} σ {sigma}", format_ms(median))
        }
    }
}

/// Runs the simulation.
pub fn run_cmd(args: &MonteCarloArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    if args.out.is_some() && args.trials > MAX_CSV_TRIALS {
        return Err(CliError::usage(
            "--trials",
            format!("is too large for --out: at most {MAX_CSV_TRIALS} trials per CSV"),
        ));
    }
    let config = Config {
        base: args
            .model
            .scenario(&args.model.policy(&args.policy)?, 0, 0, 0),
        reaction: args.reaction,
        delay: args.delay,
        skew: args.skew,
        trials: args.trials,
        seed: args.seed,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Other(format!("cannot start threads: {e}")))?;
    let bar = crate::progress::bar(args.trials, "trials");
    let tick = |n: u64| bar.inc(n);
    let started = std::time::Instant::now();
    let (counts, csv) = pool.install(|| match &args.out {
        None => Ok::<_, CliError>((run(&config, &tick), None)),
        Some(_) => {
            let (counts, trials) = run_trials(&config, &tick);
            Ok((counts, Some(trials_csv(args.seed, &trials)?)))
        }
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if let (Some(path), Some(bytes)) = (&args.out, &csv) {
        write_atomic(path, bytes).map_err(|e| CliError::write_failed("--out", &e))?;
    }
    let text = match args.format {
        Format::Text => summary_text(args, &config, &counts, seconds, pool.current_num_threads()),
        Format::Json => {
            let estimate = |o| {
                let (probability, ci95_low, ci95_high) = counts.estimate(o, 1.96);
                EstimateJson {
                    probability,
                    ci95_low,
                    ci95_high,
                    count: counts.count(o),
                }
            };
            let doc = MonteCarloJson {
                policy: config.base.policy.name.clone(),
                trials: args.trials,
                seed: args.seed,
                distributions: DistributionsJson {
                    delay: (&args.delay).into(),
                    skew: (&args.skew).into(),
                    reaction: (&args.reaction).into(),
                },
                model: (&config.base).into(),
                outcomes: PerOutcome::from_fn(estimate),
                most_likely: Outcome::ALL
                    .into_iter()
                    .max_by_key(|&o| counts.count(o))
                    .map_or("in_sync", Outcome::key),
                trials_csv: args.out.as_deref().map(json::path_text),
            };
            return json::write(out, "montecarlo", &doc).map(|()| 0);
        }
    };
    crate::output::write(out, &text)?;
    Ok(0)
}

/// `montecarlo`'s JSON document. Deterministic for a seed: no timings.
#[derive(Serialize)]
struct MonteCarloJson {
    policy: String,
    trials: u64,
    seed: u64,
    distributions: DistributionsJson,
    #[serde(flatten)]
    model: ModelJson,
    outcomes: PerOutcome<EstimateJson>,
    most_likely: &'static str,
    /// The per-trial CSV written with --out (null: none).
    trials_csv: Option<String>,
}

#[derive(Serialize)]
struct DistributionsJson {
    delay: DistJson,
    skew: DistJson,
    reaction: DistJson,
}

/// An outcome's share of the trials with its Wilson 95% interval.
#[derive(Serialize)]
struct EstimateJson {
    probability: f64,
    ci95_low: f64,
    ci95_high: f64,
    count: u64,
}

fn summary_text(
    args: &MonteCarloArgs,
    config: &Config,
    counts: &Counts,
    seconds: f64,
    threads: usize,
) -> String {
    let mut o = format!(
        "Monte Carlo: policy {}, {} trials, seed {}, {} threads, {:.2}s ({:.1} M trials/s)\n",
        config.base.policy.name,
        args.trials,
        args.seed,
        threads,
        seconds,
        args.trials as f64 / seconds.max(1e-9) / 1e6
    );
    o.push_str(&format!(
        "  delay {} · skew {} · reaction {}\n",
        describe(&args.delay),
        describe(&args.skew),
        describe(&args.reaction)
    ));
    for outcome in Outcome::ALL {
        let (p, lo, hi) = counts.estimate(outcome, 1.96);
        o.push_str(&format!(
            "  {:<48} {:>7.3}%  (95% CI {:.3}% .. {:.3}%)\n",
            outcome.label(),
            100.0 * p,
            100.0 * lo,
            100.0 * hi
        ));
    }
    if let Some(path) = &args.out {
        o.push_str(&format!("wrote {}\n", skewsim::text::path(path)));
    }
    o
}

fn trials_csv(seed: u64, trials: &[skewsim::sim::montecarlo::Trial]) -> Result<Vec<u8>, CliError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| CliError::Other(format!("cannot format CSV: {e}"));
    w.write_record([
        "trial",
        "seed",
        "reaction_ms",
        "delay_ms",
        "skew_ms",
        "enroll_phase_ms",
        "login_phase_ms",
        "outcome",
    ])
    .map_err(err)?;
    for t in trials {
        w.write_record([
            t.id.to_string(),
            seed.to_string(),
            t.reaction_ms.to_string(),
            t.delay_ms.to_string(),
            t.skew_ms.to_string(),
            t.enroll_phase_ms.to_string(),
            t.login_phase_ms.to_string(),
            t.outcome.key().to_owned(),
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| CliError::Other(format!("cannot format CSV: {e}")))
}

//! `skewsim probe`: identifies a running verifier's timing rules from outside
//! (docs/probe.md) and writes them as a policy file.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Serialize;
use skewsim::lab::Adapter;
use skewsim::probe::target::{AdapterTarget, ClockMode, ModelTarget};
use skewsim::probe::{Options, Report, probe, sweep_differences};
use skewsim::report::write_all_atomic;
use skewsim::sim::policy_file::to_toml;
use skewsim::sim::{Policy, preset};

use crate::error::CliError;
use crate::json::{self, Format, PolicyJson};
use crate::scenario::parse_policy;

/// How the verifier keeps time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Clock {
    /// Its own real clock (every hosted verifier): the probe takes minutes.
    Real,
    /// Set by each request (the lab's adapters only): the probe takes seconds.
    Virtual,
}

/// Options of `skewsim probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A built-in lab verifier (pyotp, oathtool, django-otp, google-authenticator-pam,
    /// google-authenticator-pam-noskewadj, privacyidea, privacyidea-autoresync,
    /// privacyidea-verify, otplib, otpauth, speakeasy, pam-oath, freeradius-totp, totp-rs, passlib),
    /// started with `--clock real` (or --clock virtual); needs `bash lab/setup.sh` (see --lab-dir).
    #[arg(long, value_name = "NAME", conflicts_with = "adapter")]
    pub verifier: Option<String>,
    /// Your verifier's adapter: a program and its arguments separated by spaces (run
    /// without a shell), speaking the lab's protocol (`skewsim docs lab`) in real-clock mode. Probe only
    /// verifiers and accounts you own.
    #[arg(long, value_name = "COMMAND")]
    pub adapter: Option<String>,
    /// Arguments added to a built-in verifier's adapter (e.g. "--window 2" for pyotp,
    /// "--time-window 120" for privacyidea).
    #[arg(
        long,
        value_name = "ARGS",
        allow_hyphen_values = true,
        requires = "verifier"
    )]
    pub adapter_args: Option<String>,
    /// The clock to drive the verifier on (default: what its adapter announces; `real` for --verifier).
    #[arg(long, value_enum)]
    pub clock: Option<Clock>,
    /// The preset the verifier is said to behave like (default: the one its adapter names):
    /// the probe compares its finding with it, and takes from it only what a probe must not
    /// measure (lockout, throttling), marked INFERRED.
    #[arg(long, value_name = "NAME", value_parser = parse_policy)]
    pub policy: Option<Policy>,
    /// Most people to enroll (each experiment is a fresh person).
    #[arg(long, value_name = "N", default_value_t = 120, value_parser = clap::value_parser!(u32).range(4..=10_000))]
    pub max_enrollments: u32,
    /// Most logins the verifier may refuse in the whole probe (each person gets at most 3
    /// logins, below every lockout known: privacyIDEA locks at 10, libpam allows 3 in 30 s).
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_failed_logins: u32,
    /// The widest login window to consider, steps each side.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_login_window: u32,
    /// Do not start anything: probe skewsim's own model of this preset (default aws-iam)
    /// on a virtual clock and print the experiments the probe would make against such a verifier.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "aws-iam", value_parser = parse_policy)]
    pub dry_run: Option<Policy>,
    /// The lab folder of a skewsim clone: adapters/, and the .venv,
    /// node/node_modules and built totp-rs adapter that `bash lab/setup.sh`
    /// makes [default: ./lab].
    #[arg(long, value_name = "DIR")]
    pub lab_dir: Option<PathBuf>,
    /// The longest to wait for each answer of the adapter.
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "60s", value_parser = crate::args::parse_timeout)]
    pub timeout: Duration,
    /// Seeds the secrets of the people the probe sets up.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Where to write the measured policy file.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "skewsim-probe/measured.toml"
    )]
    pub out: PathBuf,
    /// Output format of the summary (the policy file is the same).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Serialize)]
struct ProbeJson {
    verifier: String,
    clock: &'static str,
    dry_run: bool,
    policy: PolicyJson,
    experiments: Vec<ExperimentJson>,
    enrollments: u32,
    failed_logins: u32,
    seconds: f64,
    candidates_left: usize,
    sweep_behaviours_left: usize,
    undetermined: Vec<String>,
    compared_with: Option<String>,
    sweep_points_differing: Option<usize>,
    file: String,
}

#[derive(Serialize)]
struct ExperimentJson {
    number: u32,
    stage: &'static str,
    what: String,
    candidates_left: Option<usize>,
}

/// Runs the probe and writes the policy file.
pub fn run(args: &ProbeArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let bar = crate::progress::spinner("probing");
    let mut tell = |line: &str| bar.set_message(line.to_owned());
    let mut options = Options {
        max_enrollments: args.max_enrollments,
        max_failed_logins: args.max_failed_logins,
        max_login_window: args.max_login_window,
        seed: args.seed,
        ..Options::default()
    };
    let (report, clock, claimed) = if let Some(model) = &args.dry_run {
        options.claimed = Some(model.clone());
        options.adapter = format!("--dry-run {}", model.name);
        let mut target = ModelTarget::new(model.clone(), 300);
        let report =
            probe(&mut target, &options, &mut tell).map_err(|e| CliError::Other(e.to_string()))?;
        (report, "virtual", Some(model.clone()))
    } else {
        let (argv, default_clock) = match (&args.verifier, &args.adapter) {
            (Some(name), None) => (
                crate::lab::builtin_argv(name, args.lab_dir.as_deref())?,
                Some(Clock::Real),
            ),
            (None, Some(command)) => {
                let argv: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
                if argv.is_empty() {
                    return Err(CliError::usage("--adapter", "is empty"));
                }
                (argv, None)
            }
            _ => {
                return Err(CliError::usage(
                    "--verifier",
                    "or --adapter is needed (or --dry-run)",
                ));
            }
        };
        let mut argv = argv;
        if let Some(extra) = &args.adapter_args {
            argv.extend(extra.split_whitespace().map(str::to_owned));
        }
        let clock = args.clock.or(default_clock);
        if args.verifier.is_some() {
            argv.push("--clock".to_owned());
            argv.push(
                if clock == Some(Clock::Virtual) {
                    "virtual"
                } else {
                    "real"
                }
                .to_owned(),
            );
        }
        options.adapter = argv.join(" ");
        let fail =
            |e: skewsim::lab::AdapterError| CliError::External(format!("{}: {e}", argv.join(" ")));
        let adapter = Adapter::start(&argv, args.timeout).map_err(fail)?;
        let mode = clock.map(|c| match c {
            Clock::Real => ClockMode::Real,
            Clock::Virtual => ClockMode::Virtual,
        });
        let mut target = AdapterTarget::new(adapter, mode).map_err(fail)?;
        let claimed = args
            .policy
            .clone()
            .or_else(|| target.claimed_preset().and_then(|n| preset(&n)));
        options.claimed = claimed.clone();
        let clock = match target.clock() {
            ClockMode::Real => "real",
            ClockMode::Virtual => "virtual",
        };
        let report = probe(&mut target, &options, &mut tell);
        target.finish();
        let report = report.map_err(|e| match e {
            // The adapter failing is an external tool's failure (exit 3);
            // answers no candidate explains are a finding about the verifier.
            skewsim::probe::ProbeError::Adapter(_) => {
                CliError::External(format!("{}: {e}", options.adapter))
            }
            _ => CliError::Other(format!("{}: {e}", options.adapter)),
        })?;
        (report, clock, claimed)
    };
    bar.finish_and_clear();
    let compared = claimed
        .as_ref()
        .map(|c| (c.name.clone(), sweep_differences(&report.policy, c)));
    write_all_atomic(&[(args.out.clone(), to_toml(&report.policy).into_bytes())])
        .map_err(|e| CliError::write_failed("--out", &e))?;
    if args.format == Format::Json {
        let doc = ProbeJson {
            verifier: report
                .policy
                .measured
                .as_ref()
                .map(|m| m.verifier.clone())
                .unwrap_or_default(),
            clock,
            dry_run: args.dry_run.is_some(),
            policy: (&report.policy).into(),
            experiments: report
                .experiments
                .iter()
                .map(|e| ExperimentJson {
                    number: e.number,
                    stage: e.stage,
                    what: e.what.clone(),
                    candidates_left: e.left,
                })
                .collect(),
            enrollments: report.enrollments,
            failed_logins: report.failed_logins,
            seconds: report.seconds,
            candidates_left: report.remaining,
            sweep_behaviours_left: report.sweep_behaviours,
            undetermined: report.undetermined.clone(),
            compared_with: compared.as_ref().map(|c| c.0.clone()),
            sweep_points_differing: compared.as_ref().map(|c| c.1),
            file: json::path_text(&args.out),
        };
        json::write(out, "probe", &doc)?;
        return Ok(0);
    }
    crate::output::write(out, &text(&report, clock, args, compared.as_ref()))?;
    Ok(0)
}

fn text(
    report: &Report,
    clock: &str,
    args: &ProbeArgs,
    compared: Option<&(String, usize)>,
) -> String {
    let p = &report.policy;
    let verifier = p.measured.as_ref().map_or("?", |m| m.verifier.as_str());
    let mut o = String::new();
    if args.dry_run.is_some() {
        o.push_str("DRY RUN: nothing was started or sent; this probed skewsim's own model on a virtual clock.\n");
    }
    o.push_str(&format!(
        "{verifier}: {}\n  enrollment {}, login {}, stores {}, replay {}, heals by {}\n",
        if report.sweep_behaviours == 1 && report.undetermined.is_empty() {
            "identified"
        } else if report.sweep_behaviours == 1 {
            "identified as far as the sweep can tell"
        } else {
            "NOT fully identified"
        },
        crate::policies::flow_text(p),
        p.login_range(),
        crate::policies::store_text(p),
        match p.replay {
            skewsim::sim::policy::Replay::Off => "none",
            skewsim::sim::policy::Replay::LaterOnly => "later steps only",
            skewsim::sim::policy::Replay::SameStep => "same step refused",
        },
        crate::policies::healing_text(p),
    ));
    o.push_str(&format!(
        "How sure: {} candidate policies fit every answer; they show {} behaviour{} on the default sweep grid (delays 0-10m, skews -3m..3m).\n",
        report.remaining,
        report.sweep_behaviours,
        if report.sweep_behaviours == 1 { "" } else { "s" }
    ));
    for u in &report.undetermined {
        o.push_str(&format!("  not determined: {u}\n"));
    }
    if let Some((name, differing)) = compared {
        o.push_str(&format!(
            "Against preset {name}: {}\n",
            if *differing == 0 {
                "the same outcome at every point of the default sweep grid".to_owned()
            } else {
                format!("{differing} grid points differ")
            }
        ));
    }
    o.push_str(&format!(
        "Cost: {} experiments, {} people enrolled, {} failed logins, {:.0} s ({} clock)\n",
        report.experiments.len(),
        report.enrollments,
        report.failed_logins,
        report.seconds,
        clock
    ));
    o.push_str("Provenance:\n");
    o.push_str(&crate::policies::source_lines(p, "  "));
    o.push_str("Experiments:\n");
    for e in &report.experiments {
        o.push_str(&format!(
            "  {}. {}: {}{}\n",
            e.number,
            e.stage,
            e.what,
            e.left
                .map_or(String::new(), |n| format!(" ({n} candidates left)"))
        ));
    }
    o.push_str(&format!(
        "wrote {} (use it with --policy-file; `skewsim docs probe` says how to send it to the project)\n",
        skewsim::text::path(&args.out)
    ));
    o
}

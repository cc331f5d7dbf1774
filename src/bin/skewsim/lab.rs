//! `skewsim lab`: holds the model against running verifiers. Each verifier
//! is an adapter process (docs/lab.md); the built-in ones live in
//! `lab/adapters/` and run with the Python (`.py`) or Node.js (`.cjs`) that
//! `lab/setup.sh` prepares, or are programs that `lab/setup.sh` builds in the
//! lab folder (totp-rs); [`Program`](crate::adapters::Program) says which.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;
use serde_json::json;
use skewsim::lab::{Adapter, Finding, LabScenario, MAX_RANDOM, run as run_scenario, scenarios};
use skewsim::report::write_all_atomic;
use skewsim::sim::{Policy, preset};

use crate::adapters::{BUILT_IN, Program};
use crate::error::CliError;
use crate::json::{self, Format};
use crate::scenario::parse_policy;

/// Options of `skewsim lab`.
#[derive(Debug, Args)]
pub struct LabArgs {
    /// A built-in verifier (pyotp, oathtool, django-otp, google-authenticator-pam,
    /// google-authenticator-pam-noskewadj, privacyidea, privacyidea-autoresync,
    /// privacyidea-verify, otplib, otpauth, speakeasy, pam-oath, freeradius-totp,
    /// totp-rs, passlib) or `all`; needs `bash lab/setup.sh` first (see --lab-dir).
    #[arg(
        long,
        value_name = "NAME|all",
        required_unless_present = "adapter",
        conflicts_with = "adapter"
    )]
    pub verifier: Option<String>,
    /// Your own adapter: a program and its arguments separated by spaces (run
    /// without a shell). It speaks the lab's protocol (`skewsim docs lab`).
    #[arg(long, value_name = "COMMAND")]
    pub adapter: Option<String>,
    /// The preset to hold the verifier against (default: the one its adapter names in `hello`).
    #[arg(long, value_name = "NAME", value_parser = parse_policy)]
    pub policy: Option<Policy>,
    /// A policy file to hold the verifier against instead of a preset (what
    /// `skewsim probe` wrote, or your own; `skewsim docs policy-files`).
    #[arg(long, value_name = "PATH", conflicts_with = "policy")]
    pub policy_file: Option<PathBuf>,
    /// Seeded random scenarios beyond the deterministic grid (at most 100000).
    #[arg(long, value_name = "N", default_value = "800")]
    pub random: u64,
    /// The seed of the random scenarios and secrets.
    #[arg(long, value_name = "N", default_value = "1")]
    pub seed: u64,
    /// A reduced grid (a few hundred scenarios, shorter drift runs), as CI runs it.
    #[arg(long)]
    pub reduced: bool,
    /// The lab folder of a skewsim clone: adapters/, and the .venv,
    /// node/node_modules and built totp-rs adapter that `bash lab/setup.sh`
    /// makes [default: ./lab].
    #[arg(long, value_name = "DIR")]
    pub lab_dir: Option<PathBuf>,
    /// The longest to wait for each answer of an adapter (a duration, or whole seconds).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "30s", value_parser = crate::args::parse_timeout)]
    pub timeout: Duration,
    /// Output format of the summary (the files are the same).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Folder for lab.csv and README.md.
    #[arg(long, value_name = "DIR", default_value = "skewsim-lab")]
    pub out: PathBuf,
}

/// One verifier's run.
struct Run {
    label: String,
    policy: String,
    findings: Vec<(LabScenario, Finding)>,
    seconds: f64,
}

/// The lab folder (`--lab-dir`, or `./lab`) and what `lab/setup.sh`
/// prepared in it for `program` ([`Program::prepared`]). The error says where
/// the adapters come from and how to get them.
fn lab_file(program: Program, lab_dir: Option<&Path>) -> Result<(PathBuf, PathBuf), CliError> {
    let prepared = program.prepared();
    let dir = lab_dir.map_or_else(|| PathBuf::from("lab"), Path::to_path_buf);
    let file = dir.join(prepared);
    if file.exists() {
        return Ok((file, dir));
    }
    if lab_dir.is_some() {
        return Err(CliError::usage(
            "--lab-dir",
            format!(
                "has no {}: run bash lab/setup.sh in the skewsim clone it belongs to (it \
                 installs the verifiers and {})",
                file.display(),
                program.what()
            ),
        ));
    }
    let here = std::env::current_dir()
        .map(|d| d.join("lab").display().to_string())
        .unwrap_or_else(|_| "lab".to_owned());
    let found = if dir.is_dir() {
        format!("{here} has no {prepared} (bash lab/setup.sh has not run there)")
    } else {
        format!("there is no {here}")
    };
    Err(CliError::usage(
        "--verifier",
        format!(
            "needs the verifier lab: the built-in adapters, and {}, come from the lab \
             folder of a skewsim clone after bash lab/setup.sh; without --lab-dir skewsim \
             looks for ./lab, and {found}. Run from a clone after bash lab/setup.sh, or pass \
             --lab-dir DIR (skewsim docs lab)",
            program.beside_the_adapters()
        ),
    ))
}

/// The first file named `name` in PATH's folders.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn argv_for(name: &str, args: &LabArgs) -> Result<Vec<String>, CliError> {
    builtin_argv(name, args.lab_dir.as_deref())
}

/// The command line of built-in adapter `name` (`--verifier`), from
/// `lab_dir` (`--lab-dir`; `./lab` without it).
pub fn builtin_argv(name: &str, lab_dir: Option<&Path>) -> Result<Vec<String>, CliError> {
    let &(_, program, extra) = BUILT_IN
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| {
            CliError::usage(
                "--verifier",
                format!(
                    "is not a built-in verifier (one of: {}, all)",
                    BUILT_IN.map(|b| b.0).join(", ")
                ),
            )
        })?;
    let (prepared, lab_dir) = lab_file(program, lab_dir)?;
    let script = |script: &str| lab_dir.join("adapters").join(script).display().to_string();
    let mut argv = match program {
        Program::Python(file) => vec![prepared.display().to_string(), script(file)],
        Program::Node(file) => {
            let node = on_path("node").ok_or_else(|| {
                CliError::usage(
                    "--verifier",
                    "needs Node.js for this verifier's adapter, and there is no node on PATH: \
                     run bash lab/setup.sh (it installs nodejs where it is missing)",
                )
            })?;
            vec![node.display().to_string(), script(file)]
        }
        Program::Native(_) => vec![prepared.display().to_string()],
    };
    argv.extend(extra.iter().map(|s| (*s).to_owned()));
    Ok(argv)
}

/// Plays every scenario against one adapter; the summary's text goes to
/// `summary`, printed once every file is written.
fn run_one(
    argv: &[String],
    args: &LabArgs,
    file_policy: Option<&Policy>,
    summary: &mut String,
) -> Result<Run, CliError> {
    // An adapter that cannot start, times out, exits or answers outside the
    // protocol is an external command's failure (exit 3).
    let fail =
        |e: skewsim::lab::AdapterError| CliError::External(format!("{}: {e}", argv.join(" ")));
    let started = Instant::now();
    let mut adapter = Adapter::start(argv, args.timeout).map_err(fail)?;
    let hello = adapter.request(&json!({"op": "hello"})).map_err(fail)?;
    let label = hello
        .get("name")
        .and_then(|v| v.as_str())
        .map(skewsim::lab::adapter::printable)
        .unwrap_or_else(|| argv.join(" "));
    let policy = match (
        file_policy.or(args.policy.as_ref()),
        hello.get("policy").and_then(|v| v.as_str()),
    ) {
        (Some(p), _) => p.clone(),
        (None, Some(name)) => preset(name).ok_or_else(|| {
            CliError::External(format!(
                "{label}: its adapter names an unknown preset '{}' (--policy chooses one)",
                skewsim::lab::adapter::printable(name)
            ))
        })?,
        (None, None) => {
            return Err(CliError::usage(
                "--policy",
                "is needed: the adapter names no preset",
            ));
        }
    };
    let plan = scenarios(&policy, args.random, args.seed, args.reduced);
    let bar = crate::progress::bar(plan.len() as u64, "scenarios");
    bar.set_message(label.clone());
    let mut findings = Vec::with_capacity(plan.len());
    for (i, lab) in plan.into_iter().enumerate() {
        let finding = run_scenario(&mut adapter, &format!("u{i}"), &lab)
            .map_err(|e| CliError::External(format!("{label}, scenario {}: {e}", lab.id)))?;
        bar.inc(1);
        findings.push((lab, finding));
    }
    bar.finish_and_clear();
    adapter.finish();
    let run = Run {
        label,
        policy: policy.name.clone(),
        findings,
        seconds: started.elapsed().as_secs_f64(),
    };
    let unexplained = |f: &&Finding| f.disagreement.is_some() && !f.collision;
    let collisions = run.findings.iter().filter(|(_, f)| f.collision).count();
    let disagreements: Vec<&Finding> = run
        .findings
        .iter()
        .map(|(_, f)| f)
        .filter(unexplained)
        .collect();
    let mut text = format!(
        "{} vs preset {}: {} scenarios, {} checks, {} agree, {} code collisions, {} disagree ({:.1}s)\n",
        run.label,
        run.policy,
        run.findings.len(),
        run.findings.iter().map(|(_, f)| f.checks).sum::<usize>(),
        run.findings.len() - disagreements.len() - collisions,
        collisions,
        disagreements.len(),
        run.seconds
    );
    for (_, f) in run.findings.iter().filter(|(_, f)| f.collision).take(3) {
        text.push_str(&format!(
            "  collision {} (another step in the verifier's search has the same 6-digit code: the model's rules on the real codes give the verifier's answers): {}\n",
            f.id,
            f.disagreement.as_deref().unwrap_or("")
        ));
    }
    for f in disagreements.iter().take(10) {
        text.push_str(&format!(
            "  DISAGREE {}: {}\n",
            f.id,
            f.disagreement.as_deref().unwrap_or("")
        ));
    }
    if disagreements.len() > 10 {
        text.push_str(&format!(
            "  … and {} more (see the CSV)\n",
            disagreements.len() - 10
        ));
    }
    if args.format == Format::Text {
        summary.push_str(&text);
    }
    Ok(run)
}

/// Runs the lab and writes the CSV and the summary. Nothing is printed
/// until the files are written, so a failure leaves standard output empty.
pub fn run(args: &LabArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    if args.random > MAX_RANDOM {
        return Err(CliError::usage(
            "--random",
            format!(
                "is too large: at most {MAX_RANDOM} random scenarios per verifier (each is kept \
                 for the CSV, and a slow verifier plays about 5 a second)"
            ),
        ));
    }
    let argvs: Vec<Vec<String>> = match (&args.verifier, &args.adapter) {
        (_, Some(command)) => {
            let argv: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
            if argv.is_empty() {
                return Err(CliError::usage("--adapter", "is empty"));
            }
            vec![argv]
        }
        (Some(name), None) if name == "all" => BUILT_IN
            .iter()
            .map(|b| argv_for(b.0, args))
            .collect::<Result<_, _>>()?,
        (Some(name), None) => vec![argv_for(name, args)?],
        (None, None) => return Err(CliError::usage("--verifier", "or --adapter is needed")),
    };
    // Read before any adapter starts: bad input starts nothing.
    let file_policy = match &args.policy_file {
        Some(path) => Some(crate::policy_arg::read("--policy-file", path)?),
        None => None,
    };
    let mut runs = Vec::new();
    let mut summary = String::new();
    for (i, argv) in argvs.iter().enumerate() {
        let run = run_one(argv, args, file_policy.as_ref(), &mut summary)?;
        if argvs.len() > 1 {
            crate::progress::log_line(&format!(
                "lab: {}/{} {} done ({:.0}s)",
                i + 1,
                argvs.len(),
                run.label,
                run.seconds
            ));
        }
        runs.push(run);
    }
    write_results(&runs, args)?;
    let disagree = runs.iter().any(|r| {
        r.findings
            .iter()
            .any(|(_, f)| f.disagreement.is_some() && !f.collision)
    });
    if args.format == Format::Json {
        json::write(out, "lab", &lab_json(&runs, args))?;
        return Ok(u8::from(disagree));
    }
    summary.push_str(&format!(
        "wrote {} and {}\n",
        skewsim::text::path(&args.out.join("lab.csv")),
        skewsim::text::path(&args.out.join("README.md"))
    ));
    crate::output::write(out, &summary)?;
    Ok(u8::from(disagree))
}

/// `lab`'s JSON document: one summary per verifier, every unexplained
/// disagreement and collision listed.
#[derive(Serialize)]
struct LabJson {
    random: u64,
    seed: u64,
    reduced: bool,
    verifiers: Vec<VerifierJson>,
    files: Vec<String>,
}

#[derive(Serialize)]
struct VerifierJson {
    verifier: String,
    policy: String,
    scenarios: usize,
    checks: usize,
    agree: usize,
    code_collisions: usize,
    disagree: usize,
    seconds: f64,
    disagreements: Vec<ScenarioNoteJson>,
    collisions: Vec<ScenarioNoteJson>,
}

#[derive(Serialize)]
struct ScenarioNoteJson {
    scenario: String,
    what: String,
}

fn lab_json(runs: &[Run], args: &LabArgs) -> LabJson {
    let note = |f: &Finding| ScenarioNoteJson {
        scenario: f.id.clone(),
        what: f.disagreement.clone().unwrap_or_default(),
    };
    LabJson {
        random: args.random,
        seed: args.seed,
        reduced: args.reduced,
        verifiers: runs
            .iter()
            .map(|r| {
                let findings = || r.findings.iter().map(|(_, f)| f);
                let disagreements: Vec<_> = findings()
                    .filter(|f| f.disagreement.is_some() && !f.collision)
                    .map(note)
                    .collect();
                let collisions: Vec<_> = findings().filter(|f| f.collision).map(note).collect();
                VerifierJson {
                    verifier: r.label.clone(),
                    policy: r.policy.clone(),
                    scenarios: r.findings.len(),
                    checks: findings().map(|f| f.checks).sum(),
                    agree: r.findings.len() - disagreements.len() - collisions.len(),
                    code_collisions: collisions.len(),
                    disagree: disagreements.len(),
                    seconds: r.seconds,
                    disagreements,
                    collisions,
                }
            })
            .collect(),
        files: vec![
            json::path_text(&args.out.join("lab.csv")),
            json::path_text(&args.out.join("README.md")),
        ],
    }
}

fn write_results(runs: &[Run], args: &LabArgs) -> Result<(), CliError> {
    let csv_err = |e: csv::Error| CliError::Other(format!("cannot format CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "verifier",
        "policy",
        "scenario",
        "delay_ms",
        "skew_ms",
        "drift_ppb",
        "reaction_ms",
        "login_delay_ms",
        "login_after_ms",
        "attempts",
        "enroll_phase_ms",
        "login_phase_ms",
        "logins",
        "checks",
        "agreed",
        "collision",
        "disagreement",
    ])
    .map_err(csv_err)?;
    let mut md = format!(
        "# Verifier lab: the model held against the running verifiers\n\n\
         Generated by `skewsim lab` (its method: `skewsim docs lab`). Each scenario plays an enrollment and its logins \
         against the real verifier through its adapter and against the matching preset; every check's answer \
         must agree. A *code collision* is a disagreement explained by two steps sharing a 6-digit code: the model's \
         rules run on the real codes, each window searched in the verifier's own order, give the verifier's answers \
         (the model identifies codes by their steps and cannot see it). It happens in every window: about 3 in a \
         million refused checks with a -1..+1 window, a few in a thousand of the long searches (libpam's learning, \
         -1499..+1499 steps; privacyIDEA's resync and AutoResync, -1000..+999). libpam's setup tool makes its own \
         random secret, so its collisions differ from run to run.\n\n\
         Run: `skewsim lab` with {} random scenarios, seed {}{}.\n\n\
         | verifier | preset | scenarios | checks | agree | code collisions | disagree | seconds |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        args.random,
        args.seed,
        if args.reduced { ", reduced grid" } else { "" }
    );
    for r in runs {
        let (mut disagree, mut collisions) = (0, 0);
        for (lab, f) in &r.findings {
            let s = &lab.scenario;
            collisions += usize::from(f.collision);
            disagree += usize::from(f.disagreement.is_some() && !f.collision);
            w.write_record([
                r.label.clone(),
                r.policy.clone(),
                lab.id.clone(),
                s.delay_ms.to_string(),
                s.skew_ms.to_string(),
                s.drift_ppb.to_string(),
                s.reaction_ms.to_string(),
                s.login_delay_ms.to_string(),
                s.login_after_ms.to_string(),
                s.attempts.to_string(),
                lab.enroll_phase_ms.to_string(),
                lab.login_phase_ms.to_string(),
                (lab.more_logins + 1).to_string(),
                f.checks.to_string(),
                f.disagreement.is_none().to_string(),
                f.collision.to_string(),
                f.disagreement.clone().unwrap_or_default(),
            ])
            .map_err(csv_err)?;
        }
        md.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} | {:.1} |\n",
            r.label,
            r.policy,
            r.findings.len(),
            r.findings.iter().map(|(_, f)| f.checks).sum::<usize>(),
            r.findings.len() - disagree - collisions,
            collisions,
            disagree,
            r.seconds
        ));
    }
    let csv = w
        .into_inner()
        .map_err(|e| CliError::Other(format!("cannot format CSV: {e}")))?;
    write_all_atomic(&[
        (args.out.join("lab.csv"), csv),
        (args.out.join("README.md"), md.into_bytes()),
    ])
    .map_err(|e| CliError::write_failed("--out", &e))?;
    Ok(())
}

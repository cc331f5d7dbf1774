//! `skewsim report`: regenerates `reports/`: a sweep per preset, a year of
//! drift per preset, and `reports/README.md` with the thresholds and drift
//! tables and the plots, by running the documented commands themselves.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser};
use skewsim::duration::format_human;
use skewsim::explain::words::{outcome_words, percent};
use skewsim::report::{plot, write_all_atomic};
use skewsim::sim::drift::simulate;
use skewsim::sim::sweep::{CURVE_BUDGET, DelayCurve, delay_curve};
use skewsim::sim::{Onset, Outcome, Scenario, presets, probabilities, thresholds};

use crate::args::Cli;
use crate::error::CliError;

/// Options of `skewsim report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The reports folder.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub dir: PathBuf,
}

/// The commands `report` runs, as argument lists (never re-split, so a
/// folder name with spaces works).
fn commands(dir: &str) -> Vec<Vec<String>> {
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut out = vec![owned(&[
        "skewsim",
        "sweep",
        "--policy",
        "all",
        "--delay",
        "0s..10m:5s",
        "--skew",
        "-3m..3m:10s",
        "--out",
        &format!("{dir}/sweep"),
    ])];
    for policy in presets() {
        out.push(owned(&[
            "skewsim",
            "drift",
            "--policy",
            &policy.name,
            "--drift-ppm",
            "50",
            "--days",
            "365",
            "--out",
            &format!("{dir}/drift"),
        ]));
    }
    out
}

/// A command as a person would type it (arguments with spaces quoted).
fn shown(command: &[String]) -> String {
    command
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `report` writes directly inside `--dir`: its two folders (whose
/// files the internal commands write) and its two files.
const WRITTEN_INSIDE: [&str; 4] = ["sweep", "drift", "comparison.svg", "README.md"];

/// Refuses a symbolic link where `report` writes inside `dir`: the folder
/// given is the user's choice, but a link planted inside it (`DIR/sweep`
/// pointing elsewhere) would send the internal commands' files out of it.
/// (The files themselves are refused as links by the atomic writer.)
fn refuse_links_inside(dir: &std::path::Path) -> Result<(), CliError> {
    for name in WRITTEN_INSIDE {
        let inside = dir.join(name);
        if std::fs::symlink_metadata(&inside).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(CliError::usage(
                "--dir",
                format!(
                    "holds {} as a symbolic link: refusing to write through it \
                     (remove the link, or give another folder)",
                    skewsim::text::path(&inside)
                ),
            ));
        }
    }
    Ok(())
}

/// An internal command's error as `report`'s: the internal commands' `--out`
/// is report's `--dir`, so the error names `--dir`, the flag the user typed.
fn as_dir_error(e: CliError) -> CliError {
    match e {
        CliError::Usage { message, .. } => CliError::usage("--dir", message),
        CliError::External(message) => CliError::External(match message.strip_prefix("--out ") {
            Some(rest) => format!("--dir {rest}"),
            None => message,
        }),
        other => other,
    }
}

/// Runs the commands and writes the README.
pub fn run(args: &ReportArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    refuse_links_inside(&args.dir)?;
    let dir = args.dir.display().to_string();
    let mut log = Vec::new();
    for command in commands(&dir) {
        let cli = Cli::try_parse_from(&command).map_err(|e| {
            CliError::Other(format!(
                "internal command {:?} does not parse: {e}",
                shown(&command)
            ))
        })?;
        crate::dispatch::run(&cli, &mut log).map_err(as_dir_error)?;
    }
    let curves = comparison_curves();
    let chart = plot::comparison_chart(
        "How each verifier ends a late enrollment: outcome shares by submission delay (zero skew)",
        &curves,
    )
    .map_err(|e| CliError::Other(e.to_string()))?;
    let readme = readme(&dir, &Links::beside(&args.dir));
    write_all_atomic(&[
        (args.dir.join("comparison.svg"), chart.into_bytes()),
        (args.dir.join("README.md"), readme.into_bytes()),
    ])
    .map_err(|e| CliError::write_failed("--dir", &e))?;
    let shown = |name: &str| skewsim::text::path(&args.dir.join(name));
    log.extend_from_slice(
        format!(
            "wrote {} and {}\n",
            shown("comparison.svg"),
            shown("README.md")
        )
        .as_bytes(),
    );
    crate::output::write(out, &String::from_utf8_lossy(&log))?;
    Ok(0)
}

/// An onset in plain words: "from 48 s (under 0.1%)", or "not at any delay".
fn onset(o: Option<Onset>, outcome: Outcome) -> String {
    match o {
        None => "not at any delay".to_owned(),
        Some(o) if o.from_ms == 0 => format!("with no delay ({})", percent(o.at.p(outcome))),
        Some(o) => format!(
            "from {} ({})",
            format_human(o.from_ms),
            percent(o.at.p(outcome))
        ),
    }
}

/// The delays of the comparison chart.
const COMPARE_TO_MS: i64 = 600_000;

/// Every preset's exact delay curve at zero skew (the comparison chart).
fn comparison_curves() -> Vec<(String, DelayCurve)> {
    presets()
        .into_iter()
        .map(|p| {
            let name = p.name.clone();
            let s = Scenario::new(p);
            (name, delay_curve(&s, 0, COMPARE_TO_MS, 5_000, CURVE_BUDGET))
        })
        .collect()
}

/// The three lines that open the README, from each preset's thresholds and
/// its probabilities at 90 s (zero skew), as the table below gives them.
fn summary() -> String {
    let (mut onsets, mut never, mut at_90) = (Vec::new(), Vec::new(), Vec::new());
    for policy in presets() {
        let name = policy.name.clone();
        let s = Scenario {
            delay_ms: 90_000,
            ..Scenario::new(policy)
        };
        match thresholds(&s, None).out_of_sync_from() {
            Some(d) => onsets.push((name.clone(), d)),
            None => never.push(format!("`{name}`")),
        }
        let p = probabilities(&s, None).p(Outcome::OutOfSync);
        if p > 0.0 {
            at_90.push(format!("`{name}` {}", percent(p)));
        }
    }
    let earliest = onsets.iter().map(|(_, d)| *d).min();
    format!(
        "1. **Out of sync** happens only where the verifier stores what a late enrollment found: {}.\n\
         2. **Never out of sync** at zero skew, at any delay: {}: a late code is refused and retried (libpam: the \
         check skipped), never stored as a wrong offset.\n\
         3. **A 90 s delay** (the classic slow AWS wizard) ends out of sync with {}; {}.\n",
        onsets
            .iter()
            .map(|(name, d)| format!("`{name}` from {}", format_human(*d)))
            .collect::<Vec<_>>()
            .join(", "),
        never.join(", "),
        if at_90.is_empty() {
            "no verifier".to_owned()
        } else {
            at_90.join(", ")
        },
        match earliest {
            Some(d) => format!(
                "below {} no verifier here goes out of sync at zero skew",
                format_human(d)
            ),
            None => "no verifier here goes out of sync at zero skew".to_owned(),
        }
    )
}

/// How the README names the documents and the lab's results: as relative
/// links where they exist beside the reports folder (the committed
/// `reports/`, written inside the source tree), as `skewsim docs TOPIC` and
/// the command that writes them elsewhere, so that no link dangles.
struct Links {
    /// The model: a link to `../docs/model.md`, or `skewsim docs model`.
    model: String,
    /// The lab's method: a link to `../docs/lab.md`, or `skewsim docs lab`.
    lab_method: String,
    /// The lab's results: a link to `lab/README.md`, or the command that writes it.
    lab_results: String,
}

impl Links {
    /// The links for a README written in `dir`.
    fn beside(dir: &std::path::Path) -> Self {
        let doc = |topic: &str| {
            let file = format!("docs/{topic}.md");
            if dir.join("..").join(&file).is_file() {
                format!("[`{file}`](../{file})")
            } else {
                format!("`skewsim docs {topic}`")
            }
        };
        let lab_results = if dir.join("lab/README.md").is_file() {
            "[`lab/README.md`](lab/README.md)".to_owned()
        } else {
            let lab = dir.join("lab").display().to_string();
            let command = ["skewsim", "lab", "--verifier", "all", "--out", &lab].map(str::to_owned);
            format!("the folder `{}` writes", shown(&command))
        };
        Links {
            model: doc("model"),
            lab_method: doc("lab"),
            lab_results,
        }
    }
}

fn readme(dir: &str, links: &Links) -> String {
    let mut o = format!(
        "# Findings: when does a TOTP enrollment go out of sync?\n\n\
         ![How each verifier ends a late enrollment, by delay: one row per verifier](comparison.svg)\n\n{}\n\
         Each preset follows its verifier's source, except the two `aws-iam` hypotheses (AWS does not publish \
         its rules). Exact probabilities over both phases; the first login a day later.\n\n\
         Generated by `skewsim report` (do not edit by hand), which runs:\n\n```sh\n",
        summary()
    );
    for c in commands(dir) {
        o.push_str(&shown(&c));
        o.push('\n');
    }
    o.push_str(&format!(
        "```\n\nThe model is {}: each preset follows its verifier's source \
         (`skewsim policies --sources` cites file and function), except `aws-iam` and `aws-iam-shift`, two \
         named hypotheses about a verifier whose rules AWS does not publish. A pair enrollment: the person reads \
         code 1, waits for the next code, reads it `reaction` later (2 s here), and the verifier receives both \
         `delay` after code 2 was read. A one-code enrollment: the code is read at a uniform phase and received \
         `delay` later; a refused code is retried with each new code, 3 attempts. The first login is a day later, \
         received 5 s after its code was read. Probabilities are exact over both phases (1 ms resolution).\n\n\
         Every preset except the AWS hypotheses is also held against the running verifier by `skewsim lab` \
         (results in {}, method in {}).\n\n\
         Outcomes: **in sync** (the first login is accepted); **out of sync** (refused, and it would have been \
         accepted had the enrollment stored the device's true offset: the enrollment's doing); **login fails** \
         (refused either way: the clock or the login's own delay; the tables say *login refused anyway*); **rejected** (the enrollment itself).\n\n\
         ## Thresholds per policy (zero skew, no drift)\n\n\
         Each onset gives the least delay (to the second; `skewsim --exact` and `--format json` give the millisecond) and, in \
         brackets, the outcome's probability right there (a jump shows as a large share at once).\n\n\
         | policy | evidence | enrollment | outcome at 90 s | login accepted for certain | wrong offset stored | wrong offset certain | login refused anyway | enrollment refused |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        links.model, links.lab_results, links.lab_method
    ));
    let certain = |v: Option<i64>| {
        v.map_or("not at any delay".to_owned(), |ms| {
            format!("from {}", format_human(ms))
        })
    };
    for policy in presets() {
        let s = Scenario {
            delay_ms: 90_000,
            ..Scenario::new(policy.clone())
        };
        let p = probabilities(&s, None);
        let t = thresholds(&s, None);
        o.push_str(&format!(
            "| `{}` | {} | {} | {} ({}) | {} | {} | {} | {} | {} |\n",
            policy.name,
            if policy.hypothesis {
                "hypothesis"
            } else {
                "source"
            },
            crate::policies::flow_text(&policy),
            outcome_words(p.most_likely()),
            percent(p.p(p.most_likely())),
            match t.in_sync_uncertain_from {
                Some(0) => "at no delay".to_owned(),
                None => "at every delay".to_owned(),
                Some(v) => format!("below {}", format_human(v)),
            },
            onset(t.out_of_sync, Outcome::OutOfSync),
            certain(t.out_of_sync_certain_from),
            onset(t.login_fails, Outcome::LoginFails),
            onset(t.rejected, Outcome::Rejected),
        ));
    }
    o.push_str(FINDINGS);
    o.push_str(
        "\n## Phase diagrams and delay curves\n\n\
         Colours (Okabe-Ito, safe for colour-blind readers, the same in every chart): bluish green login \
         accepted (in sync), vermillion login refused: wrong offset stored (out of sync), sky blue login refused \
         anyway (the clock or the login's own transit), reddish purple enrollment refused. In the phase diagrams each \
         cell shows its most likely outcome, paler where it depends on the phases (75% or more; under 75%); the \
         solid line is the least delay at which out of sync becomes possible at each skew, the dashed line the \
         same for rejection. The delay curves stack the four outcomes' shares, exact (a jump is a jump). Each \
         delay axis ends a little past the last delay at which its chart changes (the legend says what the rest \
         of the sweep, to 10m, holds). CSV beside every plot (`POLICY.csv`: the grid; `POLICY-thresholds.csv`: thresholds per skew).\n\n",
    );
    for policy in presets() {
        o.push_str(&format!(
            "### {}\n\n{}{}\n\n![{} phase diagram](sweep/{}-phase.svg)\n![{} delay curve](sweep/{}-delay.svg)\n\n",
            policy.name,
            if policy.hypothesis { "HYPOTHESIS: " } else { "" },
            policy.summary,
            policy.name,
            policy.name,
            policy.name,
            policy.name
        ));
    }
    o.push_str(
        "## Long horizon: a device drifting 50 ppm (4.3 s a day), a login a day for a year\n\n\
         Each day the person types the code shown; a refused code is followed by the next new codes (3 attempts \
         in all), and a day on which every attempt failed ends with a resync where the verifier has one.\n\n\
         | policy | first code refused | in on a later code (verifier healed itself) | in after a resync | never got in |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for policy in presets() {
        let mut s = Scenario {
            delay_ms: 5_000,
            ..Scenario::new(policy.clone())
        };
        s.drift_ppb = 50_000;
        let year = simulate(&s, 86_400_000, 365, true);
        o.push_str(&format!(
            "| `{}` | {} | {} ({}) | {} | {} |\n",
            policy.name,
            year.first_attempt_failures(),
            year.recovered_by_retrying(),
            year.healed(),
            if policy.resync.is_some() {
                year.recovered_by_resync().to_string()
            } else {
                "no resync".to_owned()
            },
            year.failed()
        ));
    }
    o.push_str(DRIFT_FINDINGS);
    for policy in presets() {
        o.push_str(&format!("![drift {0}](drift/drift-{0}.svg)\n", policy.name));
    }
    o
}

/// What the thresholds table shows, in words (checked against the table by
/// `tests/integration/cli.rs`).
const FINDINGS: &str = "\n\
- **A late pair goes out of sync where the verifier stores what it found and searches wider than its login \
window**: both AWS hypotheses (a 10-step search, -1..+1 logins) and `privacyidea` (a pair is its resync: \
-1000..+999, then -6..+5 around a time shift). The AWS hypotheses agree at 90 s and part near 58 s, where \
whole steps jump from 0% to 83% out of sync and the time shift rises to 40% at 60 s: which one AWS runs is \
not published, so the 58 s region is a hypothesis either way.\n\
- **privacyIDEA absorbs far later pairs** (out of sync only from 2 m 48 s) because its window is 12 steps wide, \
but it is asymmetric (-6..+5) and its time shift points at the centre of code 2's step: 200 s is out of sync \
for certain.\n\
- **One-code enrollments that store nothing (Keycloak, libpam's setup tool, pyotp) are never out of sync**: \
a late code is refused and the person retries with a fresh one, or (libpam) skips the check. They reject \
instead (Keycloak from 58 s) or, with a skewed clock, let the first login fail: the clock's doing, shown as \
*login refused anyway*. django-two-factor-auth stores at most one step, which django-otp's -1..+1 absorbs at zero \
skew. privacyIDEA's verify_enrollment stores a time shift to the start of the code's step: a code accepted \
six steps behind (from 2 m 6 s) leaves the next login outside -6..+5.\n\
- **pyotp's window of 0** makes a prompt enrollment's first login fail whenever its code expires in transit \
(5 s of every 30).\n";

/// What the drift table shows, in words.
const DRIFT_FINDINGS: &str = "\n\
- **libpam heals itself**: the device leaves the -1..+1 window about every two weeks, and each time the next \
two codes teach it the new skew (three codes in consecutive steps): nobody is locked out. With `noskewadj`, \
as with Keycloak and pyotp (no state, no resync), every login after the device leaves the window fails.\n\
- **django-otp and privacyIDEA follow the device** one login at a time (drift and time shift are rewritten on \
each success), so a daily login never falls behind.\n\
- **The AWS hypotheses keep the enrollment's offset** (logins do not update it, as assumed): the device \
falls out of the window and each time a resync recovers it.\n\n";

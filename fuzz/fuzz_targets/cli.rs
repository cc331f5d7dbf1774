//! The command-line layer: arbitrary argument vectors through the binary's
//! own clap definition and validation. Cheap subcommands (the scenario,
//! code, verify, policies) also run; the others stop after parsing, since
//! their work (and their files) is not what is fuzzed here. Checks: no
//! panic; an error is one line `error: …`; nothing is printed on error.
#![no_main]
#![allow(dead_code, unused_imports)]

// The binary's modules, compiled here as they are in src/bin/skewsim.
#[path = "../../src/bin/skewsim/args.rs"]
mod args;
#[path = "../../src/bin/skewsim/bench_report.rs"]
mod bench_report;
#[path = "../../src/bin/skewsim/bulk.rs"]
mod bulk;
#[path = "../../src/bin/skewsim/code.rs"]
mod code;
#[path = "../../src/bin/skewsim/dispatch.rs"]
mod dispatch;
#[path = "../../src/bin/skewsim/drift.rs"]
mod drift;
#[path = "../../src/bin/skewsim/error.rs"]
mod error;
#[path = "../../src/bin/skewsim/keys.rs"]
mod keys;
#[path = "../../src/bin/skewsim/lab.rs"]
mod lab;
#[path = "../../src/bin/skewsim/montecarlo.rs"]
mod montecarlo;
#[path = "../../src/bin/skewsim/output.rs"]
mod output;
#[path = "../../src/bin/skewsim/policies.rs"]
mod policies;
#[path = "../../src/bin/skewsim/progress.rs"]
mod progress;
#[path = "../../src/bin/skewsim/report.rs"]
mod report;
#[path = "../../src/bin/skewsim/scenario.rs"]
mod scenario;
#[path = "../../src/bin/skewsim/sweep.rs"]
mod sweep;
#[path = "../../src/bin/skewsim/vectors.rs"]
mod vectors;
#[path = "../../src/bin/skewsim/verify.rs"]
mod verify;

use clap::Parser;
use libfuzzer_sys::fuzz_target;

use args::{Cli, Command};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let argv: Vec<&str> = std::iter::once("skewsim").chain(text.split('\0')).collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            let line = dispatch::one_line(&e);
            let informational = matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp
                    | clap::error::ErrorKind::DisplayVersion
                    | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            assert!(informational || line.starts_with("error: "), "{line}");
            assert!(!line.contains('\n'));
            return;
        }
    };
    let cheap = match &cli.command {
        None => cli.scenario.model.drift_ppm == 0 || cli.scenario.model.period <= 60_000,
        Some(Command::Code(_) | Command::Policies(_)) => true,
        Some(Command::Verify(v)) => v.window <= 1_000,
        _ => false,
    };
    if cheap {
        let mut out = Vec::new();
        if let Err(e) = dispatch::run(&cli, &mut out) {
            assert!(out.is_empty(), "printed before failing");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
});

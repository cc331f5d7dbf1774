//! The `skewsim` binary: parse, dispatch, and map every outcome to an exit code
//! (0 success, 1 a negative answer, 2 bad input). Errors are one line on stderr.

mod args;
mod bench_report;
mod bulk;
mod code;
mod drift;
mod error;
mod keys;
mod montecarlo;
mod output;
mod policies;
mod report;
mod scenario;
mod sweep;
mod vectors;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use error::CliError;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                // --help and --version are answers, not errors.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // clap's first line names the argument; the rest is advice we leave out
            // so that every error is exactly one line.
            let text = e.render().to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let mut first = lines
                .next()
                .unwrap_or("error: invalid arguments")
                .to_owned();
            // "…were not provided:" puts the arguments on the next line.
            if first.ends_with(':') {
                if let Some(next) = lines.next() {
                    first = format!("{first} {next}");
                }
            }
            eprintln!("{first}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(&cli, &mut out) {
        Ok(code) => ExitCode::from(code),
        Err(CliError::Other(m)) if m == output::BROKEN_PIPE => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Dispatches one parsed command line.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<u8, CliError> {
    match &cli.command {
        None => scenario::run(&cli.scenario, out),
        Some(Command::Code(a)) => code::run(a, out),
        Some(Command::Verify(a)) => verify::run(a, out),
        Some(Command::Vectors(a)) => vectors::run(a, out),
        Some(Command::Policies(a)) => policies::run(a, out),
        Some(Command::Sweep(a)) => sweep::run(a, out),
        Some(Command::Montecarlo(a)) => montecarlo::run_cmd(a, out),
        Some(Command::Drift(a)) => drift::run(a, out),
        Some(Command::Report(a)) => report::run(a, out),
        Some(Command::Bulk(a)) => bulk::run(a, out),
        Some(Command::BenchReport(a)) => bench_report::run(a, out),
    }
}

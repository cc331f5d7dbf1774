//! From a parsed command line to its subcommand, and clap's errors as one line.

use std::io::Write;

use crate::args::{Cli, Command};
use crate::error::CliError;
use crate::{
    bench_report, bulk, code, drift, lab, montecarlo, policies, report, scenario, sweep, vectors,
    verify,
};

/// clap's error as the one line `error: …` the contract asks for: its first
/// line names the argument; the advice after it is left out.
pub fn one_line(e: &clap::Error) -> String {
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
    first
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
        Some(Command::Lab(a)) => lab::run(a, out),
        Some(Command::Report(a)) => report::run(a, out),
        Some(Command::Bulk(a)) => bulk::run(a, out),
        Some(Command::BenchReport(a)) => bench_report::run(a, out),
    }
}

//! `skewsim bench-report`: criterion's results (after `cargo bench --bench
//! bulk`) to a folder (default ./skewsim-bench; the committed dashboard is
//! reports/bench): bench.json for benchmark dashboards, bench.csv,
//! bench.svg and README.md with the table and the machine.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use skewsim::report::bench::{read_criterion_checked, to_csv, to_json, to_svg};
use skewsim::report::write_all_atomic;

use crate::error::CliError;

/// Options of `skewsim bench-report`.
#[derive(Debug, Args)]
pub struct BenchReportArgs {
    /// Criterion's output folder.
    #[arg(long, value_name = "DIR", default_value = "target/criterion")]
    pub criterion: PathBuf,
    /// Where to write bench.json, bench.csv, bench.svg and README.md.
    #[arg(long, value_name = "DIR", default_value = "skewsim-bench")]
    pub out: PathBuf,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let sha = if skewsim::bulk::sha_ni_available() {
        "SHA extensions: yes"
    } else {
        "SHA extensions: no"
    };
    format!("{cpu}, {cores} cores, {sha}")
}

/// Writes the dashboard files.
pub fn run(args: &BenchReportArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let (results, ignored) = read_criterion_checked(&args.criterion).map_err(|e| {
        CliError::usage(
            "--criterion",
            format!("cannot be read: {e} (run `cargo bench --bench bulk` first)"),
        )
    })?;
    for name in &ignored {
        eprintln!(
            "warning: {} left out: its rate is not a positive finite number",
            skewsim::vectors::external::printable(name)
        );
    }
    if results.is_empty() {
        return Err(CliError::usage(
            "--criterion",
            "holds no benchmark with a throughput (run `cargo bench --bench bulk` first)",
        ));
    }
    let machine = machine();
    let csv = to_csv(&results).map_err(|e| CliError::Other(format!("cannot format CSV: {e}")))?;
    let svg = to_svg(&format!("skewsim bulk: codes/s ({machine})"), &results)
        .map_err(|e| CliError::Other(e.to_string()))?;
    let mut readme = format!(
        "# Bulk generation benchmarks\n\nMachine: {machine}.\n\n\
         Regenerate with `cargo bench --bench bulk && cargo run --release -- bench-report`.\n\
         `bench.json` is in the `[{{\"name\", \"unit\", \"value\"}}]` form benchmark-dashboard actions read \
         (bigger is better). Names: `workload/algorithm/implementation/threads`; w1 = one secret over \
         consecutive steps, w2 = one code each of many secrets. `naive` = the core's HMAC per code, \
         `portable` = precomputed key states, `auto` = the fastest on this CPU (SHA-1: SHA extensions, \
         four codes interleaved), `totp-rs` = totp-rs 6.0 through its public API.\n\n\
         ![codes per second](bench.svg)\n\n| benchmark | M codes/s |\n| --- | ---: |\n"
    );
    for r in &results {
        readme.push_str(&format!(
            "| `{}` | {:.1} |\n",
            r.name,
            r.codes_per_sec / 1e6
        ));
    }
    let files: Vec<(std::path::PathBuf, Vec<u8>)> = [
        ("bench.json", to_json(&results).into_bytes()),
        ("bench.csv", csv),
        ("bench.svg", svg.into_bytes()),
        ("README.md", readme.into_bytes()),
    ]
    .into_iter()
    .map(|(name, bytes)| (args.out.join(name), bytes))
    .collect();
    write_all_atomic(&files).map_err(|e| CliError::write_failed("--out", &e))?;
    crate::output::write(
        out,
        &format!("{} benchmarks → {}\n", results.len(), args.out.display()),
    )?;
    Ok(0)
}

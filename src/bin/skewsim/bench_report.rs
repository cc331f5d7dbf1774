//! `skewsim bench-report`: criterion's results (after `cargo bench -p
//! skewsim-benches --bench bulk`) to a folder (default ./skewsim-bench; the
//! committed dashboard is reports/bench): bench.json for benchmark
//! dashboards, bench.csv, bench.svg and README.md with the table and the
//! machine; with `--baseline`, the regression gate on the speed-ups over
//! totp-rs.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use skewsim::report::bench::{
    BenchResult, RUN_RECORD_FILE, RunRecord, compare, criterion_dirs, newest_run, read_baseline,
    read_criterion_checked, speedups, to_csv, to_json, to_svg,
};
use skewsim::report::write_all_atomic;
use skewsim::text::{path as shown_path, printable};

use crate::error::CliError;

/// Options of `skewsim bench-report`.
#[derive(Debug, Args)]
pub struct BenchReportArgs {
    /// Criterion's output folder (default: where criterion writes it:
    /// $CRITERION_HOME, else $CARGO_TARGET_DIR/criterion, else the target
    /// directory `cargo metadata` reports, else ./target/criterion).
    #[arg(long, value_name = "DIR")]
    pub criterion: Option<PathBuf>,
    /// Where to write bench.json, bench.csv, bench.svg and README.md.
    #[arg(long, value_name = "DIR", default_value = "skewsim-bench")]
    pub out: PathBuf,
    /// A bench.json of an earlier run: compare the speed-ups over totp-rs
    /// (not the absolute rates, which differ between machines) and exit 1
    /// if one fell by more than --max-regression.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The largest allowed fall of a speed-up against --baseline.
    #[arg(long, value_name = "PERCENT", default_value = "10%", requires = "baseline", value_parser = parse_percent)]
    pub max_regression: f64,
}

/// `10%` or `10` → 0.10; from 0 (exclusive) to 100.
fn parse_percent(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| "not a percentage (e.g. 10%)".to_owned())?;
    if v > 0.0 && v < 100.0 {
        Ok(v / 100.0)
    } else {
        Err("out of range: more than 0% and less than 100%".to_owned())
    }
}

/// Where criterion writes, in criterion's own order of preference.
fn criterion_candidates(args: &BenchReportArgs) -> Vec<(PathBuf, &'static str)> {
    match &args.criterion {
        Some(dir) => vec![(dir.clone(), "--criterion")],
        None => criterion_dirs(),
    }
}

/// The first place with results, and the warnings and notes about them
/// (printed only if the command succeeds: a failure is one `error:` line);
/// an error naming every place tried.
fn find_results(
    args: &BenchReportArgs,
    notes: &mut Vec<String>,
) -> Result<(PathBuf, Vec<BenchResult>), CliError> {
    let mut tried = Vec::new();
    for (dir, why) in criterion_candidates(args) {
        match read_criterion_checked(&dir) {
            Ok((results, ignored)) => {
                if results.is_empty() {
                    tried.push(format!(
                        "{} ({why}): {}",
                        shown_path(&dir),
                        match ignored.first() {
                            None => "no benchmark with a throughput".to_owned(),
                            Some(name) => format!(
                                "{} benchmark(s), none with a rate that is a positive finite number \
                                 (the first: {})",
                                ignored.len(),
                                printable(name)
                            ),
                        }
                    ));
                    continue;
                }
                for name in &ignored {
                    notes.push(format!(
                        "warning: {} left out: its rate is not a positive finite number",
                        printable(name)
                    ));
                }
                let (results, stale) = newest_run(results);
                if !stale.is_empty() {
                    notes.push(format!(
                        "note: {} result(s) of an earlier run left out (criterion keeps them; the newest run is used)",
                        stale.len()
                    ));
                }
                return Ok((dir, results));
            }
            Err(e) => tried.push(format!("{} ({why}): {e}", shown_path(&dir))),
        }
    }
    Err(CliError::usage(
        "--criterion",
        format!(
            "finds no criterion results; looked in {} (run `cargo bench -p skewsim-benches --bench bulk` first)",
            tried.join("; ")
        ),
    ))
}

/// What the run ran on: the record `benches/bulk.rs` left next to the
/// results, else this machine's CPU (with a note: the backends are then
/// unknown).
fn run_record(dir: &Path, notes: &mut Vec<String>) -> Result<RunRecord, CliError> {
    match RunRecord::read(dir) {
        Some(Ok(record)) => Ok(record),
        Some(Err(e)) => Err(CliError::usage("--criterion", e.to_string())),
        None => {
            notes.push(format!(
                "note: {} has no {RUN_RECORD_FILE} (results of an older skewsim?): \
                 the CPU named is this machine's, the backends that ran are unknown",
                shown_path(dir)
            ));
            let cpu = skewsim::bulk::Cpu::this();
            Ok(RunRecord {
                cpu: cpu.model,
                features: cpu.features.iter().map(|f| (*f).to_owned()).collect(),
                ran: Default::default(),
            })
        }
    }
}

/// The machine line: model, cores, features.
fn machine(record: &RunRecord) -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let features = if record.features.is_empty() {
        "no SHA extensions, AVX2 or AVX-512F".to_owned()
    } else {
        format!("features {}", record.features.join(" "))
    };
    format!("{}, {cores} cores, {features}", printable(&record.cpu))
}

/// A dashboard file is tens of kilobytes; this is far above any.
const MAX_BASELINE_BYTES: u64 = 8 << 20;

/// The baseline's text: a regular file only (checked before opening, since
/// opening a FIFO waits for a writer), read up to a bound.
fn read_baseline_text(path: &Path) -> Result<String, CliError> {
    use std::io::Read;
    let fail = |why: String| CliError::usage("--baseline", why);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(fail(
            "is not a regular file (a FIFO, device or folder is not read)".to_owned(),
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(|e| fail(format!("cannot be read: {e}")))?
        .take(MAX_BASELINE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| fail(format!("cannot be read as text: {e}")))?;
    if text.len() as u64 > MAX_BASELINE_BYTES {
        return Err(fail(format!(
            "is larger than {MAX_BASELINE_BYTES} bytes: not a dashboard file"
        )));
    }
    Ok(text)
}

/// Writes the dashboard files.
pub fn run(args: &BenchReportArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    // Read the baseline first: a bad one is refused before anything is written.
    let baseline = match &args.baseline {
        None => None,
        Some(path) => {
            let text = read_baseline_text(path)?;
            Some(read_baseline(&text).map_err(|e| CliError::usage("--baseline", e.to_string()))?)
        }
    };
    let mut notes = Vec::new();
    let (dir, results) = find_results(args, &mut notes)?;
    let record = run_record(&dir, &mut notes)?;
    // Speed-ups differ between CPU models (SHA-NI's speed, the variant the
    // calibration picks): a gate across models reports a change of machine
    // as a regression.
    if let Some(cpu) = baseline.as_ref().and_then(|b| b.cpu.as_ref())
        && *cpu != record.cpu
    {
        return Err(CliError::usage(
            "--baseline",
            format!(
                "was measured on {}, this run on {}: speed-ups differ between CPU models, \
                 so compare runs of one model (keep a baseline per runner CPU)",
                printable(cpu),
                printable(&record.cpu)
            ),
        ));
    }
    let machine = machine(&record);
    let csv = to_csv(&results, &record)
        .map_err(|e| CliError::Other(format!("cannot format CSV: {e}")))?;
    let svg = to_svg(
        &format!("skewsim bulk: codes/s ({machine})"),
        &results,
        &record,
    )
    .map_err(|e| CliError::Other(e.to_string()))?;
    let out_dir = args.out.display();
    let mut readme = format!(
        "# Bulk generation benchmarks\n\nMachine: {machine}.\n\n\
         Regenerate with `cargo bench -p skewsim-benches --bench bulk && cargo run --release -- bench-report --out {out_dir}` \
         (`skewsim docs bench`).\n\
         `bench.json` is in the `[{{\"name\", \"unit\", \"value\", \"range\", \"extra\"}}]` form benchmark-dashboard \
         actions read (bigger is better): each rate in codes/s, then each implementation's speed-up over \
         totp-rs measured in the same run (unit `x`), the figure that depends least on the machine (it still \
         does: SHA-NI's speed differs between CPUs, so `extra` names the CPU and the backend that ran, and \
         `--baseline` refuses a baseline of another CPU model). Names: `workload/algorithm/implementation/threads`; w1 = one secret over \
         consecutive steps, w2 = one code each of many secrets. `naive` = the core's HMAC per code, \
         `portable` = precomputed key states, `auto` = the variant the calibration found fastest on this CPU \
         (column `ran`: `sha-ni-2`/`sha-ni-4` = SHA extensions, two or four codes per compression call; \
         `avx512`/`avx2` = 8 or 4 codes per instruction stream), `totp-rs` = totp-rs 6.0 through its public API.\n\n\
         ![codes per second and speed-ups](bench.svg)\n\n\
         | benchmark | ran | M codes/s | speed-up over totp-rs |\n| --- | --- | ---: | ---: |\n"
    );
    let ups = speedups(&results);
    for r in &results {
        let up = ups
            .iter()
            .find(|(n, _)| *n == r.name)
            .map_or(String::new(), |(_, x)| format!("{x:.2}×"));
        let ran = record.ran_for(&r.name).map_or(String::new(), |(b, lanes)| {
            format!("{b} ({lanes} lane{})", if *lanes == 1 { "" } else { "s" })
        });
        readme.push_str(&format!(
            "| `{}` | {ran} | {:.1} | {up} |\n",
            r.name,
            r.codes_per_sec / 1e6
        ));
    }
    let files: Vec<(std::path::PathBuf, Vec<u8>)> = [
        ("bench.json", to_json(&results, &record).into_bytes()),
        ("bench.csv", csv),
        ("bench.svg", svg.into_bytes()),
        ("README.md", readme.into_bytes()),
    ]
    .into_iter()
    .map(|(name, bytes)| (args.out.join(name), bytes))
    .collect();
    write_all_atomic(&files).map_err(|e| CliError::write_failed("--out", &e))?;
    // The files are written: the warnings and notes about them can be told.
    for note in &notes {
        eprintln!("{note}");
    }
    let mut text = format!(
        "{} benchmarks from {} → {}\n",
        results.len(),
        shown_path(&dir),
        shown_path(&args.out)
    );
    let Some(baseline) = baseline else {
        crate::output::write(out, &text)?;
        return Ok(0);
    };
    if baseline.cpu.is_none() {
        text.push_str(
            "note: the baseline names no CPU (written before skewsim recorded it): \
             compared as if measured on this run's\n",
        );
    }
    let rows = compare(&baseline.speedups, &results, args.max_regression);
    text.push_str(&format!(
        "{:<44} {:>9} {:>9} {:>8}\n",
        "speed-up", "baseline", "this run", "change"
    ));
    for r in &rows {
        text.push_str(&format!(
            "{:<44} {:>8.2}× {:>9} {:>8}{}\n",
            // The baseline's names are the baseline file's text.
            printable(&r.name),
            r.baseline,
            r.current
                .map_or("missing".to_owned(), |x| format!("{x:.2}×")),
            r.change
                .map_or(String::new(), |c| format!("{:+.1}%", c * 100.0)),
            if r.regressed { "  REGRESSION" } else { "" }
        ));
    }
    let regressed = rows.iter().filter(|r| r.regressed).count();
    text.push_str(&if regressed == 0 {
        format!(
            "no speed-up fell by more than {:.0}% against {}\n",
            args.max_regression * 100.0,
            args.baseline.as_deref().map(shown_path).unwrap_or_default()
        )
    } else {
        format!(
            "{regressed} speed-up(s) fell by more than {:.0}%\n",
            args.max_regression * 100.0
        )
    });
    crate::output::write(out, &text)?;
    Ok(u8::from(regressed > 0))
}

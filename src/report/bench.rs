//! Criterion results to dashboard files: `bench.json` in the
//! `[{"name", "unit", "value", "range"}]` form benchmark-dashboard actions
//! read ("customBiggerIsBetter": bigger is better), a CSV, and a bar chart;
//! and the regression gate that compares a run's speed-ups with a baseline.
//!
//! Absolute rates (codes/s) differ from one CI runner to the next, so each
//! implementation's **speed-up over totp-rs measured in the same run**
//! (unit `x`) is the figure to track and the one the gate compares.
//!
//! Criterion's results are read from its output folder,
//! `<group>/<function>/<value>/new/{benchmark.json,estimates.json}`: the
//! fields used (`full_id`, `throughput.Elements`, `mean.point_estimate` and
//! its `confidence_interval`, in nanoseconds) are pinned by
//! `tests/integration/bench_report.rs`, which runs a real criterion benchmark and reads
//! it back.
//!
//! A speed belongs to a CPU model as much as to the code: `benches/bulk.rs`
//! records the CPU and the backend each `auto` benchmark ran
//! ([`RunRecord`], next to criterion's results), the dashboard files carry
//! them, and a baseline from another CPU model is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::plot;
use serde_json::Value;

/// One benchmark's throughput.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// Criterion's full id (`w1_steps/sha1/auto/2t`).
    pub name: String,
    /// Codes per second (elements / mean time).
    pub codes_per_sec: f64,
    /// Criterion's 95% confidence interval of the rate (codes/s), if given.
    pub ci95: Option<(f64, f64)>,
    /// When criterion wrote it (its `estimates.json`), if known.
    pub written: Option<std::time::SystemTime>,
}

impl BenchResult {
    /// A result without a confidence interval.
    pub fn new(name: impl Into<String>, codes_per_sec: f64) -> BenchResult {
        BenchResult {
            name: name.into(),
            codes_per_sec,
            ci95: None,
            written: None,
        }
    }
}

/// Reads every `*/new/benchmark.json` + `estimates.json` under `dir` (criterion's
/// output folder) that has an element throughput. Sorted by name.
///
/// # Errors
/// The I/O error of the folder itself; unreadable entries are skipped.
pub fn read_criterion(dir: &Path) -> std::io::Result<Vec<BenchResult>> {
    Ok(read_criterion_checked(dir)?.0)
}

/// [`read_criterion`], and the benchmarks left out because their rate is
/// not a positive finite number (a zero or absurd time would hang a plot).
/// Folders are walked without following symbolic links, so a link loop
/// cannot make the walk endless.
///
/// # Errors
/// The I/O error of the folder itself.
pub fn read_criterion_checked(dir: &Path) -> std::io::Result<(Vec<BenchResult>, Vec<String>)> {
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut first = true;
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if first => return Err(e),
            Err(_) => continue,
        };
        first = false;
        for entry in entries.flatten() {
            // file_type() does not follow a symbolic link.
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == "new") {
                match read_one(&path) {
                    Some(Ok(r)) => out.push(r),
                    Some(Err(name)) => ignored.push(name),
                    None => {}
                }
            } else {
                stack.push(path);
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((out, ignored))
}

/// A rate that a plot and a dashboard can hold.
fn plausible(rate: f64) -> bool {
    rate.is_finite() && rate > 0.0 && rate < 1e15
}

/// One benchmark: `None` without a throughput, `Err(name)` when its rate is
/// not a positive finite number.
fn read_one(new: &Path) -> Option<Result<BenchResult, String>> {
    let json = |name: &str| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(new.join(name)).ok()?).ok()
    };
    let bench = json("benchmark.json")?;
    let estimates = json("estimates.json")?;
    let elements = bench.get("throughput")?.get("Elements")?.as_f64()?;
    let mean = estimates.get("mean")?;
    let mean_ns = mean.get("point_estimate")?.as_f64()?;
    let name = bench.get("full_id")?.as_str()?.to_owned();
    let rate = elements / (mean_ns * 1e-9);
    let bound = |which: &str| {
        mean.get("confidence_interval")?
            .get(which)?
            .as_f64()
            .map(|ns| elements / (ns * 1e-9))
            .filter(|r| plausible(*r))
    };
    // The slower bound of time is the lower bound of the rate.
    let ci95 = bound("upper_bound").zip(bound("lower_bound"));
    Some(if mean_ns > 0.0 && elements > 0.0 && plausible(rate) {
        Ok(BenchResult {
            name,
            codes_per_sec: rate,
            ci95,
            written: std::fs::metadata(new.join("estimates.json"))
                .and_then(|m| m.modified())
                .ok(),
        })
    } else {
        Err(name)
    })
}

/// A pause between two results longer than this separates two runs (within
/// a run criterion writes one every few seconds).
pub const RUN_GAP: std::time::Duration = std::time::Duration::from_secs(60);

/// The results of the newest run, and the names of those left from earlier
/// runs. Criterion keeps every benchmark it ever ran in its folder (and CI
/// caches keep the folder), so a subset run would otherwise be mixed with
/// stale figures. A run writes its results seconds apart; the newest run is
/// the newest results back to the first pause longer than [`RUN_GAP`].
/// Results without a time are kept.
pub fn newest_run(results: Vec<BenchResult>) -> (Vec<BenchResult>, Vec<String>) {
    let mut times: Vec<std::time::SystemTime> = results.iter().filter_map(|r| r.written).collect();
    times.sort_unstable();
    let mut start = None;
    for pair in times.windows(2).rev() {
        if pair[1].duration_since(pair[0]).unwrap_or_default() > RUN_GAP {
            start = Some(pair[1]);
            break;
        }
    }
    let Some(start) = start else {
        return (results, Vec::new());
    };
    let (fresh, stale): (Vec<BenchResult>, Vec<BenchResult>) = results
        .into_iter()
        .partition(|r| r.written.is_none_or(|t| t >= start));
    (fresh, stale.into_iter().map(|r| r.name).collect())
}

/// The baseline every speed-up is measured against.
pub const BASELINE_IMPLEMENTATION: &str = "totp-rs";

/// Each result's speed-up over totp-rs at the same workload, algorithm and
/// thread count in the same run (`w1_steps/sha1/auto/2t` → 6.8); results
/// without a totp-rs counterpart (SHA-3) and totp-rs itself have none.
pub fn speedups(results: &[BenchResult]) -> Vec<(String, f64)> {
    results
        .iter()
        .filter_map(|r| {
            let p = parts(&r.name);
            if p.implementation == BASELINE_IMPLEMENTATION {
                return None;
            }
            let base_name = format!(
                "{}/{}/{BASELINE_IMPLEMENTATION}/{}",
                p.workload, p.algorithm, p.threads
            );
            let base = results.iter().find(|b| b.name == base_name)?;
            Some((r.name.clone(), r.codes_per_sec / base.codes_per_sec))
        })
        .collect()
}

/// The dashboard name of a speed-up.
pub fn speedup_name(name: &str) -> String {
    format!("{name} vs {BASELINE_IMPLEMENTATION}")
}

/// The file [`RunRecord`] is kept in, in criterion's output folder.
pub const RUN_RECORD_FILE: &str = "skewsim-run.json";

/// What a benchmark run ran on: the CPU, and the backend and lane count
/// each skewsim benchmark ran (for `auto`, the calibration's choice).
/// `benches/bulk.rs` writes it next to criterion's results; `bench-report`
/// carries it into the dashboard files.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunRecord {
    /// The CPU model (`lscpu`'s model name).
    pub cpu: String,
    /// The features the bulk variants use that the CPU has.
    pub features: Vec<String>,
    /// Benchmark name without its thread count (`w1_steps/sha1/auto`) →
    /// (backend, lanes).
    pub ran: BTreeMap<String, (String, usize)>,
}

/// A run record that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{} is not a run record: {reason}", crate::text::path(.file))]
pub struct RunRecordError {
    /// The file.
    pub file: PathBuf,
    /// What is wrong.
    pub reason: String,
}

impl RunRecord {
    /// The record as JSON: `{"cpu", "features": [..], "ran": {name: {"backend", "lanes"}}}`.
    pub fn to_json(&self) -> String {
        let ran: serde_json::Map<String, Value> = self
            .ran
            .iter()
            .map(|(name, (backend, lanes))| {
                (
                    name.clone(),
                    serde_json::json!({"backend": backend, "lanes": lanes}),
                )
            })
            .collect();
        let doc = serde_json::json!({
            "cpu": self.cpu,
            "features": self.features,
            "ran": ran,
        });
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
        s.push('\n');
        s
    }

    /// Reads [`RUN_RECORD_FILE`] in `dir`: `None` when there is none (a run
    /// of an older skewsim, or criterion results from elsewhere).
    ///
    /// # Errors
    /// When the file exists but is not a record (or over 1 MiB).
    pub fn read(dir: &Path) -> Option<Result<RunRecord, RunRecordError>> {
        let file = dir.join(RUN_RECORD_FILE);
        let meta = std::fs::symlink_metadata(&file).ok()?;
        let fail = |reason: String| RunRecordError {
            file: file.clone(),
            reason,
        };
        if !meta.is_file() || meta.len() > 1 << 20 {
            return Some(Err(fail("not a regular file under 1 MiB".to_owned())));
        }
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => return Some(Err(fail(e.to_string()))),
        };
        Some(Self::from_json(&text).map_err(fail))
    }

    /// Parses [`RunRecord::to_json`]'s form.
    ///
    /// # Errors
    /// What is missing or of the wrong type.
    pub fn from_json(text: &str) -> Result<RunRecord, String> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| crate::text::printable(&e.to_string()))?;
        let cpu = doc
            .get("cpu")
            .and_then(Value::as_str)
            .ok_or("no \"cpu\" text")?
            .to_owned();
        let features = doc
            .get("features")
            .and_then(Value::as_array)
            .ok_or("no \"features\" array")?
            .iter()
            .map(|f| f.as_str().map(str::to_owned).ok_or("a feature is not text"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ran = BTreeMap::new();
        for (name, entry) in doc
            .get("ran")
            .and_then(Value::as_object)
            .ok_or("no \"ran\" object")?
        {
            let backend = entry.get("backend").and_then(Value::as_str);
            let lanes = entry
                .get("lanes")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok());
            let (Some(backend), Some(lanes)) = (backend, lanes) else {
                return Err(format!(
                    "{} has no backend and lanes",
                    crate::text::quoted(name)
                ));
            };
            ran.insert(name.clone(), (backend.to_owned(), lanes));
        }
        Ok(RunRecord { cpu, features, ran })
    }

    /// The backend and lanes of a benchmark (`w1_steps/sha1/auto/2t`).
    pub fn ran_for(&self, name: &str) -> Option<&(String, usize)> {
        let without_threads = name.rsplit_once('/').map_or(name, |(head, _)| head);
        self.ran.get(without_threads)
    }

    /// The `extra` text of a dashboard entry: the CPU, and what ran.
    fn extra(&self, name: &str) -> String {
        match self.ran_for(name) {
            Some((backend, lanes)) => format!(
                "cpu: {}\nbackend: {backend}, {lanes} lane{}",
                self.cpu,
                if *lanes == 1 { "" } else { "s" }
            ),
            None => format!("cpu: {}", self.cpu),
        }
    }
}

/// Where criterion writes its results, in criterion's own order of
/// preference: `$CRITERION_HOME`, `$CARGO_TARGET_DIR/criterion`, the target
/// directory `cargo metadata` reports, `./target/criterion`; each with what
/// pointed there. The first is where criterion writes.
pub fn criterion_dirs() -> Vec<(PathBuf, &'static str)> {
    let mut places: Vec<(PathBuf, &'static str)> = Vec::new();
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        places.push((PathBuf::from(home), "CRITERION_HOME"));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        places.push((PathBuf::from(target).join("criterion"), "CARGO_TARGET_DIR"));
    }
    if let Some(target) = cargo_target_dir() {
        places.push((
            target.join("criterion"),
            "cargo metadata's target directory",
        ));
    }
    places.push((PathBuf::from("target/criterion"), "the default"));
    let mut seen = std::collections::HashSet::new();
    places.retain(|(p, _)| seen.insert(p.clone()));
    places
}

/// The target directory `cargo metadata` reports (it honours
/// CARGO_TARGET_DIR and .cargo/config), if cargo runs here.
fn cargo_target_dir() -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let meta: Value = serde_json::from_slice(&out.stdout).ok()?;
    meta.get("target_directory")?.as_str().map(PathBuf::from)
}

/// The dashboard JSON, `[{"name", "unit", "value", "range"?, "extra"}]`,
/// bigger is better: each rate in `codes/s` (with criterion's 95% interval
/// as `range`), then each speed-up over totp-rs in `x`; `extra` names the
/// CPU and, for skewsim's own benchmarks, the backend and lanes that ran.
pub fn to_json(results: &[BenchResult], record: &RunRecord) -> String {
    let mut items: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut item = serde_json::json!({
                "name": r.name,
                "unit": "codes/s",
                "value": r.codes_per_sec.round(),
            });
            if let Some((lo, hi)) = r.ci95 {
                item["range"] = Value::from(format!("± {:.0}", (hi - lo) / 2.0));
            }
            item["extra"] = Value::from(record.extra(&r.name));
            item
        })
        .collect();
    for (name, x) in speedups(results) {
        items.push(serde_json::json!({
            "name": speedup_name(&name),
            "unit": "x",
            "value": (x * 1000.0).round() / 1000.0,
            "extra": record.extra(&name),
        }));
    }
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
    s.push('\n');
    s
}

/// `name,workload,algorithm,implementation,threads,codes_per_sec,speedup_vs_totp_rs,cpu,backend,lanes`
/// (backend and lanes empty where the record has none: totp-rs).
pub fn to_csv(results: &[BenchResult], record: &RunRecord) -> Result<Vec<u8>, csv::Error> {
    let ups = speedups(results);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "name",
        "workload",
        "algorithm",
        "implementation",
        "threads",
        "codes_per_sec",
        "speedup_vs_totp_rs",
        "cpu",
        "backend",
        "lanes",
    ])?;
    for r in results {
        let p = parts(&r.name);
        let up = ups
            .iter()
            .find(|(n, _)| *n == r.name)
            .map_or(String::new(), |(_, x)| format!("{x:.3}"));
        w.write_record([
            r.name.as_str(),
            p.workload,
            p.algorithm,
            p.implementation,
            p.threads.trim_end_matches('t'),
            &format!("{:.0}", r.codes_per_sec),
            &up,
            &record.cpu,
            record.ran_for(&r.name).map_or("", |(b, _)| b.as_str()),
            &record
                .ran_for(&r.name)
                .map_or(String::new(), |(_, l)| l.to_string()),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Not the dashboard JSON.
    #[error("is not a dashboard JSON array of {{name, unit, value}}: {0}")]
    Format(String),
    /// It holds no speed-up to compare.
    #[error("holds no speed-up (unit \"x\"): write it with this version's bench-report")]
    NoSpeedups,
}

/// A baseline: its speed-ups and the CPU it was measured on.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Each speed-up (`unit: "x"`) by dashboard name.
    pub speedups: Vec<(String, f64)>,
    /// The CPU model its entries name (`extra`'s `cpu:` line); `None` for a
    /// file written before skewsim recorded it.
    pub cpu: Option<String>,
}

/// A dashboard JSON written by [`to_json`], as a baseline.
///
/// # Errors
/// [`BaselineError`] when the text is not that JSON, holds no speed-up, or
/// its entries name more than one CPU.
pub fn read_baseline(json: &str) -> Result<Baseline, BaselineError> {
    // serde_json's reason may quote the file (`invalid type: string "…"`).
    let items: Vec<Value> = serde_json::from_str(json)
        .map_err(|e| BaselineError::Format(crate::text::printable(&e.to_string())))?;
    let speedups = speedups_of(&items)?;
    let mut cpus: Vec<String> = items
        .iter()
        .filter_map(|item| item.get("extra")?.as_str())
        .filter_map(|extra| extra.lines().find_map(|l| l.strip_prefix("cpu: ")))
        .map(str::to_owned)
        .collect();
    cpus.sort();
    cpus.dedup();
    if cpus.len() > 1 {
        return Err(BaselineError::Format(format!(
            "its entries name {} CPUs",
            cpus.len()
        )));
    }
    Ok(Baseline {
        speedups,
        cpu: cpus.pop(),
    })
}

/// The speed-ups among a dashboard file's parsed entries.
fn speedups_of(items: &[Value]) -> Result<Vec<(String, f64)>, BaselineError> {
    let mut out = Vec::new();
    for item in items {
        let field = |k: &str| {
            item.get(k)
                .ok_or_else(|| BaselineError::Format(format!("an entry has no {k:?}")))
        };
        let name = field("name")?
            .as_str()
            .ok_or_else(|| BaselineError::Format("a name is not text".to_owned()))?;
        let unit = field("unit")?.as_str().unwrap_or("");
        // A rate or a speed-up is a positive finite number; anything else
        // would make every comparison against it meaningless.
        let value = field("value")?
            .as_f64()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| {
                BaselineError::Format(format!(
                    "{} has no positive finite value",
                    crate::text::quoted(name)
                ))
            })?;
        if unit == "x" {
            out.push((name.to_owned(), value));
        }
    }
    if out.is_empty() {
        return Err(BaselineError::NoSpeedups);
    }
    Ok(out)
}

/// One speed-up held against its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The dashboard name (`… vs totp-rs`).
    pub name: String,
    /// The baseline's speed-up.
    pub baseline: f64,
    /// This run's, if it has the benchmark.
    pub current: Option<f64>,
    /// current / baseline - 1 (negative: slower).
    pub change: Option<f64>,
    /// Slower than the baseline by more than the allowed regression.
    pub regressed: bool,
}

/// Holds this run's speed-ups against a baseline's: a speed-up more than
/// `max_regression` (0.10 for 10%) below its baseline is a regression. A
/// benchmark missing from this run is listed, not counted as a regression.
pub fn compare(
    baseline: &[(String, f64)],
    results: &[BenchResult],
    max_regression: f64,
) -> Vec<Comparison> {
    let current: Vec<(String, f64)> = speedups(results)
        .into_iter()
        .map(|(n, x)| (speedup_name(&n), x))
        .collect();
    baseline
        .iter()
        .map(|(name, base)| {
            let now = current.iter().find(|(n, _)| n == name).map(|(_, x)| *x);
            let change = now.map(|x| x / base - 1.0);
            Comparison {
                name: name.clone(),
                baseline: *base,
                current: now,
                change,
                regressed: change.is_some_and(|c| c < -max_regression),
            }
        })
        .collect()
}

/// A benchmark name's parts: `w1_steps/sha1/auto/2t`.
struct Parts<'a> {
    workload: &'a str,
    algorithm: &'a str,
    implementation: &'a str,
    threads: &'a str,
}

fn parts(name: &str) -> Parts<'_> {
    let mut it = name.split('/');
    let mut next = || it.next().unwrap_or("");
    Parts {
        workload: next(),
        algorithm: next(),
        implementation: next(),
        threads: next(),
    }
}

/// Implementations in row order, with their colours (Okabe-Ito).
const IMPLEMENTATIONS: [(&str, RGBColor); 4] = [
    ("auto", plot::okabe_ito::BLUE),
    ("portable", plot::okabe_ito::BLUISH_GREEN),
    ("naive", plot::okabe_ito::ORANGE),
    ("totp-rs", plot::okabe_ito::BLACK),
];

/// The shade of a thread count: 1 thread pale, more threads full.
fn shade(colour: RGBColor, threads: &str) -> RGBColor {
    if threads == "1t" {
        plot::tint(colour, 0.45)
    } else {
        colour
    }
}

/// Round ticks (1, 2 or 5 × 10^k apart) from 0 to at least `max`.
fn round_ticks(max: f64, most: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / most as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| max / s <= most as f64)
        .unwrap_or(10.0 * power);
    (0..=most + 1)
        .map(|i| i as f64 * step)
        .take_while(|v| *v <= max + step * 0.999)
        .collect()
}

/// One group's rates: implementation → thread count (`2t`) → codes/s.
type Rates<'a> = std::collections::BTreeMap<&'a str, std::collections::BTreeMap<&'a str, f64>>;

/// The bench chart: codes per second (left) and the speed-up over totp-rs
/// measured in the same run (right), one row per implementation, grouped by
/// workload and algorithm, one bar per thread count, every bar labelled
/// with its value.
pub fn to_svg(
    title: &str,
    results: &[BenchResult],
    record: &RunRecord,
) -> Result<String, plot::PlotError> {
    use std::collections::BTreeMap;
    let fail = |e: &dyn std::fmt::Debug| plot::PlotError::new(format!("{e:?}"));
    // (workload, algorithm) → implementation → threads → rate.
    let mut groups: BTreeMap<(&str, &str), Rates<'_>> = BTreeMap::new();
    for r in results {
        let p = parts(&r.name);
        groups
            .entry((p.workload, p.algorithm))
            .or_default()
            .entry(p.implementation)
            .or_default()
            .insert(p.threads, r.codes_per_sec);
    }
    let threads: Vec<&str> = {
        let mut t: Vec<&str> = results.iter().map(|r| parts(&r.name).threads).collect();
        t.sort_by_key(|t| t.trim_end_matches('t').parse::<u32>().unwrap_or(0));
        t.dedup();
        t
    };
    let (bar_h, gap, group_h) = (10_i32, 3_i32, 24_i32);
    let row_h = threads.len().max(1) as i32 * (bar_h + gap) + 6;
    let rows: usize = groups.values().map(|g| g.len()).sum();
    let height = 120 + groups.len() as i32 * group_h + rows as i32 * row_h;
    let max_rate = results
        .iter()
        .map(|r| r.codes_per_sec / 1e6)
        .fold(0.0, f64::max);
    let ups: std::collections::HashMap<String, f64> = speedups(results).into_iter().collect();
    let max_speedup = ups.values().copied().fold(1.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1180, u32::try_from(height).unwrap_or(600)))
            .into_drawing_area();
        let (area, legend_area) = plot::layout(&root, title)?;
        let font = ("sans-serif", 12).into_font();
        let bold = ("sans-serif", 13).into_font().style(FontStyle::Bold);
        let grey = RGBColor(200, 200, 200);
        // Columns: labels, codes/s panel, speed-up panel.
        let (label_x, a0, a1, b0, b1) = (8, 150, 470, 560, 800);
        let top = 48;
        let bottom = height - 60;
        let rate_ticks = round_ticks(max_rate, 7);
        let rate_max = rate_ticks.last().copied().unwrap_or(1.0);
        let speed_ticks = round_ticks(max_speedup, 5);
        let speed_max = speed_ticks.last().copied().unwrap_or(1.0);
        let x_rate = |v: f64| a0 + ((a1 - a0) as f64 * v / rate_max).round() as i32;
        let x_speed = |v: f64| b0 + ((b1 - b0) as f64 * v / speed_max).round() as i32;
        let text = |s: String, at: (i32, i32), f: &FontDesc| {
            area.draw(&Text::new(s, at, f.clone()))
                .map_err(|e| fail(&e))
        };
        text(
            "codes per second (millions)".to_owned(),
            (a0, top - 28),
            &bold,
        )?;
        text(
            "speed-up over totp-rs (same run)".to_owned(),
            (b0, top - 28),
            &bold,
        )?;
        for (ticks, x, unit) in [
            (&rate_ticks, &x_rate as &dyn Fn(f64) -> i32, ""),
            (&speed_ticks, &x_speed as &dyn Fn(f64) -> i32, "×"),
        ] {
            for &t in ticks.iter() {
                let at = x(t);
                let line_colour = if unit == "×" && (t - 1.0).abs() < 1e-9 {
                    BLACK
                } else {
                    grey
                };
                area.draw(&PathElement::new(
                    vec![(at, top - 6), (at, bottom)],
                    line_colour,
                ))
                .map_err(|e| fail(&e))?;
                text(format!("{t}{unit}"), (at - 6, bottom + 6), &font)?;
            }
        }
        text(
            "million codes per second (more is better)".to_owned(),
            (a0, bottom + 26),
            &font,
        )?;
        text(
            "times totp-rs, same workload and threads".to_owned(),
            (b0, bottom + 26),
            &font,
        )?;
        let mut y = top;
        for ((workload, algorithm), imps) in &groups {
            let heading = match *workload {
                "w1_steps" => "W1, one secret over consecutive steps",
                "w2_secrets" => "W2, one code each of many secrets",
                other => other,
            };
            text(format!("{heading} · {algorithm}"), (label_x, y + 6), &bold)?;
            y += group_h;
            let ordered = IMPLEMENTATIONS
                .iter()
                .filter(|(name, _)| imps.contains_key(name))
                .map(|(name, c)| (*name, *c))
                .chain(
                    imps.keys()
                        .filter(|k| !IMPLEMENTATIONS.iter().any(|(n, _)| n == *k))
                        .map(|k| (*k, plot::okabe_ito::SKY_BLUE)),
                );
            for (imp, colour) in ordered {
                // `auto` names the variant it ran (the record's), e.g. `auto: sha-ni-2`.
                let ran = record
                    .ran
                    .get(&format!("{workload}/{algorithm}/{imp}"))
                    .filter(|(backend, _)| imp == "auto" && backend != imp);
                let label = match ran {
                    Some((backend, _)) => format!("{imp}: {backend}"),
                    None => imp.to_owned(),
                };
                text(label, (label_x + 14, y + 4), &font)?;
                for (i, t) in threads.iter().enumerate() {
                    let by = y + i as i32 * (bar_h + gap);
                    let Some(rate) = imps.get(imp).and_then(|m| m.get(t)) else {
                        continue;
                    };
                    let fill = shade(colour, t).filled();
                    let end = x_rate(rate / 1e6);
                    area.draw(&Rectangle::new(
                        [(a0, by), (end.max(a0 + 1), by + bar_h)],
                        fill,
                    ))
                    .map_err(|e| fail(&e))?;
                    text(format!("{:.1} M/s", rate / 1e6), (end + 4, by - 1), &font)?;
                    if imp == "totp-rs" {
                        continue;
                    }
                    match ups
                        .get(&format!("{workload}/{algorithm}/{imp}/{t}"))
                        .copied()
                    {
                        Some(v) => {
                            let end = x_speed(v);
                            area.draw(&Rectangle::new(
                                [(b0, by), (end.max(b0 + 1), by + bar_h)],
                                fill,
                            ))
                            .map_err(|e| fail(&e))?;
                            text(format!("{v:.2}×"), (end + 4, by - 1), &font)?;
                        }
                        None if i == 0 => {
                            text("no totp-rs baseline".to_owned(), (b0 + 4, by - 1), &font)?;
                        }
                        None => {}
                    }
                }
                y += row_h;
            }
        }
        let mut entries: Vec<plot::Entry> = IMPLEMENTATIONS
            .iter()
            .map(|(name, c)| {
                plot::Entry::new(
                    *name,
                    plot::Mark::Swatches(threads.iter().map(|t| shade(*c, t)).collect()),
                )
            })
            .collect();
        entries.push(plot::Entry::new(
            format!(
                "Shades, left to right: {} worker thread(s)",
                threads
                    .iter()
                    .map(|t| t.trim_end_matches('t'))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            plot::Mark::None,
        ));
        entries.push(plot::Entry::new(
            "auto: the variant the calibration found fastest on this CPU, named after the colon \
             (sha-ni-2/4: SHA extensions, 2 or 4 codes per call; avx512/avx2: 8 or 4 lanes); \
             portable: precomputed key states; naive: the core's HMAC per code; totp-rs: its \
             public API (no SHA-3)",
            plot::Mark::None,
        ));
        plot::legend(&legend_area, "Implementation", &entries)?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(plot::compact(svg))
}

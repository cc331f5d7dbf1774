//! Criterion results to dashboard files: `bench.json` in the
//! `[{"name", "unit", "value"}]` form benchmark-dashboard actions read
//! (bigger is better), a CSV, and a bar chart.

use std::path::Path;

use plotters::prelude::*;
use serde_json::Value;

/// One benchmark's throughput.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// Criterion's full id (`w1_steps/sha1/auto/2t`).
    pub name: String,
    /// Codes per second (elements / mean time).
    pub codes_per_sec: f64,
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

/// One benchmark: `None` without a throughput, `Err(name)` when its rate is
/// not a positive finite number.
fn read_one(new: &Path) -> Option<Result<BenchResult, String>> {
    let json = |name: &str| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(new.join(name)).ok()?).ok()
    };
    let bench = json("benchmark.json")?;
    let estimates = json("estimates.json")?;
    let elements = bench.get("throughput")?.get("Elements")?.as_f64()?;
    let mean_ns = estimates.get("mean")?.get("point_estimate")?.as_f64()?;
    let name = bench.get("full_id")?.as_str()?.to_owned();
    let rate = elements / (mean_ns * 1e-9);
    Some(
        if mean_ns > 0.0 && elements > 0.0 && rate.is_finite() && rate > 0.0 && rate < 1e15 {
            Ok(BenchResult {
                name,
                codes_per_sec: rate,
            })
        } else {
            Err(name)
        },
    )
}

/// The dashboard JSON.
pub fn to_json(results: &[BenchResult]) -> String {
    let items: Vec<Value> = results
        .iter()
        .map(|r| serde_json::json!({"name": r.name, "unit": "codes/s", "value": r.codes_per_sec.round()}))
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
    s.push('\n');
    s
}

/// `name,workload,algorithm,implementation,threads,codes_per_sec`.
pub fn to_csv(results: &[BenchResult]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "name",
        "workload",
        "algorithm",
        "implementation",
        "threads",
        "codes_per_sec",
    ])?;
    for r in results {
        let parts: Vec<&str> = r.name.split('/').collect();
        let part = |i: usize| parts.get(i).copied().unwrap_or("");
        w.write_record([
            r.name.as_str(),
            part(0),
            part(1),
            part(2),
            part(3).trim_end_matches('t'),
            &format!("{:.0}", r.codes_per_sec),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A horizontal bar chart of codes/s, one bar per benchmark.
pub fn to_svg(title: &str, results: &[BenchResult]) -> Result<String, super::plot::PlotError> {
    let fail = |e: &dyn std::fmt::Debug| super::plot::PlotError::new(format!("{e:?}"));
    let n = results.len().max(1);
    let max = results
        .iter()
        .map(|r| r.codes_per_sec / 1e6)
        .fold(1.0, f64::max);
    let mut svg = String::new();
    {
        let height = 80 + 16 * n as u32;
        let root = SVGBackend::with_string(&mut svg, (1000, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(260)
            .build_cartesian_2d(0.0..max * 1.08, 0.0..n as f64)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y| {
                let i = (n as f64 - y - 0.5).round();
                if i >= 0.0 && (i as usize) < results.len() && (y.fract() - 0.5).abs() < 0.01 {
                    results[i as usize].name.clone()
                } else {
                    String::new()
                }
            })
            .x_desc("million codes per second")
            .draw()
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(results.iter().enumerate().map(|(i, r)| {
                let y = (n - 1 - i) as f64;
                let colour = if r.name.ends_with("/1t") {
                    RGBColor(158, 202, 225)
                } else {
                    RGBColor(49, 130, 189)
                };
                Rectangle::new(
                    [(0.0, y + 0.15), (r.codes_per_sec / 1e6, y + 0.85)],
                    colour.filled(),
                )
            }))
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

//! The files criterion writes, read back by `skewsim bench-report`'s reader:
//! a change of their layout or units in a criterion upgrade fails here, not
//! silently in the dashboard (tests/integration/bench_report.rs fakes this
//! layout for its own cases).
//!
//! It lives with the benchmarks because it needs criterion, which
//! `cargo test` at the top does not build; `test = false` keeps it out of
//! that run, and CI runs it by name:
//! `cargo test -p skewsim-benches --test criterion_files`.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use skewsim::report::bench::read_criterion;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skewsim-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A real criterion 0.8 run of known speed reads back with its rate and
/// confidence interval.
#[test]
fn a_real_criterion_run_reads_back_with_its_rate() {
    let dir = temp("real");
    let mut c = Criterion::default()
        .output_directory(&dir)
        .without_plots()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(50))
        .measurement_time(Duration::from_millis(300));
    {
        let mut group = c.benchmark_group("pin");
        group.throughput(Throughput::Elements(1_000));
        // 1,000 elements per at least 2 ms: at most 500,000 per second; a
        // loaded machine sleeps longer, so the floor is loose (it still
        // catches a unit slip of a thousand).
        group.bench_function("sleep", |b| {
            b.iter(|| std::thread::sleep(Duration::from_millis(2)))
        });
        group.finish();
    }
    let results = read_criterion(&dir).expect("readable");
    assert_eq!(results.len(), 1, "{results:?}");
    let r = &results[0];
    assert_eq!(r.name, "pin/sleep");
    assert!(
        (20_000.0..=500_000.0).contains(&r.codes_per_sec),
        "{} codes/s",
        r.codes_per_sec
    );
    let (lo, hi) = r.ci95.expect("criterion writes a confidence interval");
    assert!(
        lo <= r.codes_per_sec && r.codes_per_sec <= hi,
        "{lo} {} {hi}",
        r.codes_per_sec
    );
    let _ = std::fs::remove_dir_all(&dir);
}

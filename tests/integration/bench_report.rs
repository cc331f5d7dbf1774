//! `skewsim bench-report`: criterion's files (in the layout a real criterion
//! run writes, which benches/criterion_files.rs pins) found where criterion
//! puts them, the dashboard JSON's shape, and the regression gate on speed-ups.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skewsim-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn bench_report(args: &[&str], envs: &[(&str, &Path)], cwd: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_skewsim"));
    cmd.arg("bench-report")
        .args(args)
        .current_dir(cwd)
        .env_remove("CRITERION_HOME")
        .env_remove("CARGO_TARGET_DIR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Criterion's files for one benchmark of `rate` codes/s, as criterion
/// writes them (the layout benches/criterion_files.rs pins).
fn fake_result(dir: &Path, name: &str, rate: f64) {
    let new = name
        .split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part))
        .join("new");
    std::fs::create_dir_all(&new).expect("dir");
    let elements = 65_536.0;
    let ns = elements / rate * 1e9;
    std::fs::write(
        new.join("benchmark.json"),
        serde_json::json!({"full_id": name, "throughput": {"Elements": elements}}).to_string(),
    )
    .expect("write");
    std::fs::write(
        new.join("estimates.json"),
        serde_json::json!({"mean": {"point_estimate": ns,
            "confidence_interval": {"lower_bound": ns * 0.98, "upper_bound": ns * 1.02, "confidence_level": 0.95}}})
        .to_string(),
    )
    .expect("write");
}

/// A run: `scale` multiplies skewsim's own rates (not totp-rs's).
fn fake_run(dir: &Path, scale: f64) {
    for (alg, auto, portable, totp_rs) in [("sha1", 70e6, 20e6, 10e6), ("sha256", 50e6, 20e6, 9e6)]
    {
        for (imp, rate) in [
            ("auto", auto * scale),
            ("portable", portable * scale),
            ("totp-rs", totp_rs),
        ] {
            fake_result(dir, &format!("w1_steps/{alg}/{imp}/2t"), rate);
        }
    }
    fake_result(dir, "w1_steps/sha3-256/auto/2t", 3.6e6 * scale);
}

#[test]
fn the_results_are_found_where_criterion_writes_them_or_every_place_is_named() {
    let work = temp("find");
    let nowhere = work.join("nowhere");
    let o = bench_report(
        &["--out", "out"],
        &[
            ("CRITERION_HOME", &nowhere.join("home")),
            ("CARGO_TARGET_DIR", &nowhere.join("target")),
        ],
        &work,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let message = text(&o);
    for place in [
        "home (CRITERION_HOME)",
        "criterion (CARGO_TARGET_DIR)",
        "target/criterion (the default)",
    ] {
        assert!(message.contains(place), "{place} not named in {message}");
    }
    assert_eq!(message.lines().count(), 1, "{message}");
    // CARGO_TARGET_DIR alone is enough, as it is for criterion.
    let target = work.join("target-elsewhere");
    fake_run(&target.join("criterion"), 1.0);
    let o = bench_report(&["--out", "out"], &[("CARGO_TARGET_DIR", &target)], &work);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(work.join("out/bench.json").exists());
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn the_dashboard_json_has_rates_and_speedups_in_the_custom_shape() {
    let work = temp("shape");
    fake_run(&work.join("crit"), 1.0);
    let o = bench_report(&["--criterion", "crit", "--out", "out"], &[], &work);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("out/bench.json")).expect("written"),
    )
    .expect("JSON");
    let items = json.as_array().expect("an array");
    let mut units = std::collections::BTreeMap::new();
    for item in items {
        let obj = item.as_object().expect("objects");
        for key in obj.keys() {
            assert!(
                ["name", "unit", "value", "range", "extra"].contains(&key.as_str()),
                "{key}"
            );
        }
        assert!(obj["name"].is_string());
        assert!(obj["value"].as_f64().is_some_and(|v| v > 0.0), "{item}");
        assert!(
            obj.get("range")
                .is_none_or(|r| r.as_str().is_some_and(|r| r.starts_with("± ")))
        );
        *units
            .entry(obj["unit"].as_str().expect("a unit").to_owned())
            .or_insert(0) += 1;
    }
    // 7 rates; 4 speed-ups (auto and portable for SHA-1 and SHA-256; none for SHA3).
    assert_eq!(units.get("codes/s"), Some(&7));
    assert_eq!(units.get("x"), Some(&4));
    let speedup = items
        .iter()
        .find(|i| i["name"] == "w1_steps/sha1/auto/2t vs totp-rs")
        .expect("the SHA-1 speed-up");
    assert_eq!(speedup["value"], 7.0);
    // Without a run record the CPU is this machine's, the backends unknown.
    assert!(text(&o).contains("has no skewsim-run.json"), "{}", text(&o));
    assert!(
        speedup["extra"]
            .as_str()
            .is_some_and(|e| e.starts_with("cpu: "))
    );
    let csv = std::fs::read_to_string(work.join("out/bench.csv")).expect("written");
    assert!(csv.starts_with(
        "name,workload,algorithm,implementation,threads,codes_per_sec,speedup_vs_totp_rs,cpu,backend,lanes\n"
    ));
    assert!(
        csv.contains("w1_steps/sha1/auto/2t,w1_steps,sha1,auto,2,70000000,7.000,"),
        "{csv}"
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// The record `benches/bulk.rs` leaves next to criterion's results.
fn fake_record(dir: &Path, cpu: &str) {
    std::fs::write(
        dir.join("skewsim-run.json"),
        serde_json::json!({
            "cpu": cpu,
            "features": ["sha", "sse4.1", "avx2"],
            "ran": {
                "w1_steps/sha1/auto": {"backend": "sha-ni-4", "lanes": 4},
                "w1_steps/sha1/portable": {"backend": "portable", "lanes": 1},
            },
        })
        .to_string(),
    )
    .expect("write");
}

#[test]
fn the_dashboard_names_the_cpu_and_backend_and_a_baseline_of_another_cpu_is_refused() {
    let work = temp("cpu");
    fake_run(&work.join("epyc"), 1.0);
    fake_record(&work.join("epyc"), "AMD EPYC 9R14 96-Core Processor");
    let o = bench_report(&["--criterion", "epyc", "--out", "base"], &[], &work);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("base/bench.json")).expect("written"),
    )
    .expect("JSON");
    let entry = |name: &str| {
        json.as_array()
            .expect("array")
            .iter()
            .find(|i| i["name"] == name)
            .cloned()
            .expect(name)
    };
    assert_eq!(
        entry("w1_steps/sha1/auto/2t")["extra"],
        "cpu: AMD EPYC 9R14 96-Core Processor\nbackend: sha-ni-4, 4 lanes"
    );
    assert_eq!(
        entry("w1_steps/sha1/auto/2t vs totp-rs")["extra"],
        "cpu: AMD EPYC 9R14 96-Core Processor\nbackend: sha-ni-4, 4 lanes"
    );
    assert_eq!(
        entry("w1_steps/sha1/totp-rs/2t")["extra"],
        "cpu: AMD EPYC 9R14 96-Core Processor"
    );
    let csv = std::fs::read_to_string(work.join("base/bench.csv")).expect("written");
    assert!(
        csv.contains(
            "w1_steps/sha1/auto/2t,w1_steps,sha1,auto,2,70000000,7.000,AMD EPYC 9R14 96-Core Processor,sha-ni-4,4\n"
        ),
        "{csv}"
    );
    let readme = std::fs::read_to_string(work.join("base/README.md")).expect("written");
    assert!(readme.contains("AMD EPYC 9R14"), "{readme}");
    assert!(
        readme.contains("| `w1_steps/sha1/auto/2t` | sha-ni-4 (4 lanes) |"),
        "{readme}"
    );
    // The same CPU model: compared.
    fake_run(&work.join("epyc2"), 1.0);
    fake_record(&work.join("epyc2"), "AMD EPYC 9R14 96-Core Processor");
    let o = bench_report(
        &[
            "--criterion",
            "epyc2",
            "--out",
            "again",
            "--baseline",
            "base/bench.json",
        ],
        &[],
        &work,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Another model: refused, one line naming both, nothing written.
    fake_run(&work.join("xeon"), 1.0);
    fake_record(&work.join("xeon"), "Intel(R) Xeon(R) Processor");
    let o = bench_report(
        &[
            "--criterion",
            "xeon",
            "--out",
            "other",
            "--baseline",
            "base/bench.json",
        ],
        &[],
        &work,
    );
    let message = text(&o);
    assert_eq!(o.status.code(), Some(2), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: --baseline")
            && message.contains("AMD EPYC 9R14")
            && message.contains("Intel(R) Xeon(R) Processor"),
        "{message}"
    );
    assert!(!work.join("other").exists(), "nothing written");
    // A baseline from before the CPU was recorded: compared, and said so.
    let old: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("base/bench.json")).expect("written"),
    )
    .expect("JSON");
    let stripped: Vec<serde_json::Value> = old
        .as_array()
        .expect("array")
        .iter()
        .map(|i| {
            let mut i = i.clone();
            i.as_object_mut().expect("object").remove("extra");
            i
        })
        .collect();
    std::fs::write(
        work.join("old.json"),
        serde_json::to_string(&stripped).expect("json"),
    )
    .expect("write");
    let o = bench_report(
        &[
            "--criterion",
            "xeon",
            "--out",
            "vs-old",
            "--baseline",
            "old.json",
        ],
        &[],
        &work,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("the baseline names no CPU"),
        "{}",
        text(&o)
    );
    // A damaged record is bad input, not a guess.
    std::fs::write(work.join("xeon/skewsim-run.json"), "{\"cpu\": 3}").expect("write");
    let o = bench_report(&["--criterion", "xeon", "--out", "bad"], &[], &work);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).starts_with("error: --criterion"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn the_gate_fails_a_20_percent_regression_and_passes_the_same_run() {
    let work = temp("gate");
    fake_run(&work.join("before"), 1.0);
    let o = bench_report(&["--criterion", "before", "--out", "base"], &[], &work);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The same run against itself.
    let o = bench_report(
        &[
            "--criterion",
            "before",
            "--out",
            "again",
            "--baseline",
            "base/bench.json",
        ],
        &[],
        &work,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("no speed-up fell by more than 10%"),
        "{}",
        text(&o)
    );
    // skewsim 20% slower, totp-rs unchanged: every speed-up falls 20%.
    fake_run(&work.join("after"), 0.8);
    let o = bench_report(
        &[
            "--criterion",
            "after",
            "--out",
            "slow",
            "--baseline",
            "base/bench.json",
        ],
        &[],
        &work,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("-20.0%  REGRESSION"), "{}", text(&o));
    assert!(
        text(&o).contains("4 speed-up(s) fell by more than 10%"),
        "{}",
        text(&o)
    );
    // A looser gate lets it through; absolute rates alone never fail it.
    let o = bench_report(
        &[
            "--criterion",
            "after",
            "--out",
            "slow",
            "--baseline",
            "base/bench.json",
            "--max-regression",
            "25%",
        ],
        &[],
        &work,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A baseline that is not a dashboard file is bad input.
    std::fs::write(work.join("bad.json"), "{}").expect("write");
    let o = bench_report(
        &[
            "--criterion",
            "after",
            "--out",
            "x",
            "--baseline",
            "bad.json",
        ],
        &[],
        &work,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!work.join("x").exists(), "nothing written on bad input");
    let _ = std::fs::remove_dir_all(&work);
}

/// A FIFO or a huge file given as --baseline is refused at once (issue 22:
/// a FIFO used to block forever), one line naming the flag, nothing written.
#[cfg(unix)]
#[test]
fn a_baseline_that_is_not_a_small_regular_file_is_refused_at_once() {
    let work = temp("fifo");
    fake_run(&work.join("crit"), 1.0);
    let fifo = work.join("baseline.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let huge = work.join("huge.json");
    let file = std::fs::File::create(&huge).expect("create");
    file.set_len(9 << 20).expect("sparse 9 MiB");
    for baseline in ["baseline.fifo", "huge.json", "."] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args([
                "bench-report",
                "--criterion",
                "crit",
                "--out",
                "out",
                "--baseline",
                baseline,
            ])
            .current_dir(&work)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        let started = std::time::Instant::now();
        while child.try_wait().expect("waits").is_none() {
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("--baseline {baseline}: still running after 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let o = child.wait_with_output().expect("output");
        let message = text(&o);
        assert_eq!(o.status.code(), Some(2), "{baseline}: {message}");
        assert_eq!(message.lines().count(), 1, "{baseline}: {message}");
        assert!(
            message.starts_with("error: --baseline"),
            "{baseline}: {message}"
        );
        assert!(!work.join("out").exists(), "nothing written");
    }
    let _ = std::fs::remove_dir_all(&work);
}

//! Reports are written whole or not at all: an interrupt or an error leaves
//! the previous file as it was, and no partial or temporary file behind.

use std::process::{Command, Stdio};
use std::time::Duration;

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("skewsim-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn listing(d: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(d)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn sigint_during_a_long_run_leaves_the_previous_file_intact() {
    let d = dir("sigint");
    let out = d.join("trials.csv");
    std::fs::write(&out, "previous contents\n").expect("seed file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args([
            "montecarlo",
            "--trials",
            "5000000",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    std::thread::sleep(Duration::from_millis(300));
    // 5 million trials with a CSV take seconds; the signal lands mid-run.
    assert!(
        child.try_wait().expect("status").is_none(),
        "the run ended before the signal"
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let code = child.wait().expect("exits");
    assert!(
        !code.success(),
        "an interrupted run must not report success"
    );
    assert_eq!(
        std::fs::read_to_string(&out).expect("still there"),
        "previous contents\n"
    );
    assert_eq!(
        listing(&d),
        ["trials.csv"],
        "no temporary or partial file may remain"
    );
    std::fs::remove_dir_all(&d).expect("cleanup");
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let d = dir("fail");
    // The output path is an existing folder: the rename must fail.
    std::fs::create_dir_all(d.join("taken.csv")).expect("folder");
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["montecarlo", "--trials", "1000", "--out"])
        .arg(d.join("taken.csv"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: --out") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(
        listing(&d),
        ["taken.csv"],
        "the temporary file was not removed"
    );
    std::fs::remove_dir_all(&d).expect("cleanup");
}

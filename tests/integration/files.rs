//! Reports are written whole or not at all: an interrupt or an error leaves
//! the previous file as it was, and no partial or temporary file behind.

use std::path::Path;
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

/// `skewsim montecarlo` computing `trials` on one thread, then writing them
/// all to `out`, silently.
fn montecarlo_writing(trials: usize, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args([
            "montecarlo",
            "--trials",
            &trials.to_string(),
            "--threads",
            "1",
            "--out",
        ])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts")
}

#[test]
fn sigint_during_a_long_run_leaves_the_previous_file_intact() {
    let d = dir("sigint");
    let out = d.join("trials.csv");
    std::fs::write(&out, "previous contents\n").expect("seed file");
    let mut child = montecarlo_writing(5_000_000, &out);
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

/// Issue 13, case 5: SIGINT, SIGTERM or SIGHUP while the output is being
/// written (the temporary exists) removes the temporary; the target is the
/// previous file or the complete new one, never a partial one.
#[test]
fn regression_signals_during_the_final_write_leave_no_temporary() {
    // The three signals side by side: each child computes its trials on one
    // thread before the write starts, so most of the test is that wait.
    std::thread::scope(|scope| {
        for signal in ["INT", "TERM", "HUP"] {
            scope.spawn(move || signal_during_the_final_write(signal));
        }
    });
}

/// One signal of the test above. 500,000 trials write about 22 MB: the
/// temporary lives for a tenth of a second or more, which the 200 µs poll
/// below cannot miss.
fn signal_during_the_final_write(signal: &str) {
    const TRIALS: usize = 500_000;
    let d = dir(&format!("signal-{signal}"));
    let out = d.join("trials.csv");
    std::fs::write(&out, "previous contents\n").expect("seed file");
    let mut child = montecarlo_writing(TRIALS, &out);
    // Wait for the temporary to appear, then signal at once.
    let started = std::time::Instant::now();
    let mut seen = false;
    while started.elapsed() < Duration::from_secs(60) {
        if listing(&d).iter().any(|n| n.starts_with(".skewsim-")) {
            seen = true;
            break;
        }
        if child.try_wait().expect("status").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(
        seen,
        "SIG{signal}: the temporary was never seen (the write was too quick)"
    );
    assert_eq!(
        listing(&d),
        ["trials.csv"],
        "SIG{signal}: a temporary remains"
    );
    let text = std::fs::read_to_string(&out).expect("target readable");
    assert!(
        text == "previous contents\n" || text.lines().count() == TRIALS + 1,
        "SIG{signal}: a partial file ({} lines)",
        text.lines().count()
    );
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// Issue 13, cases 2, 3 and 10: a planted symlink or a device as the target
/// is refused, its destination untouched; a multi-file command that fails
/// on one file writes none.
#[test]
fn regression_no_clobbering_through_links_devices_or_half_written_sets() {
    let d = dir("clobber");
    let victim = d.join("victim");
    std::fs::write(&victim, "precious\n").expect("victim");
    std::os::unix::fs::symlink(&victim, d.join("t.csv")).expect("link");
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["montecarlo", "--trials", "1000", "--out"])
        .arg(d.join("t.csv"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
    // A character device (as root, replacing /dev/null would be a disaster).
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["montecarlo", "--trials", "1000", "--out", "/dev/null"])
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let meta = std::fs::symlink_metadata("/dev/null").expect("/dev/null");
    assert!(
        !meta.file_type().is_file(),
        "/dev/null was replaced by a file"
    );
    // sweep writes four files per policy: one blocked, none written.
    let out = d.join("sweep");
    std::fs::create_dir_all(out.join("aws-iam-delay.svg")).expect("blocker");
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args([
            "sweep",
            "--delay",
            "0s..10s:5s",
            "--skew",
            "0s..0s",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        listing(&out),
        ["aws-iam-delay.svg"],
        "a partial set was written"
    );
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// Output files get the usual mode (0666 less the umask), not the 0600 a
/// temporary file starts with: a report is meant to be shared.
#[cfg(unix)]
#[test]
fn written_files_have_the_ordinary_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir("mode");
    std::fs::create_dir_all(&d).expect("dir");
    let umask = Command::new("sh")
        .args(["-c", "umask"])
        .output()
        .expect("sh runs");
    let umask = u32::from_str_radix(String::from_utf8_lossy(&umask.stdout).trim(), 8)
        .expect("an octal umask");
    let out = d.join("drift");
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["drift", "--days", "2", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let mode = std::fs::metadata(out.join("drift-aws-iam.csv"))
        .expect("written")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o666 & !umask, "umask {umask:03o}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

//! The reduced verifier lab against every built-in verifier (docs/lab.md),
//! and a deliberately wrong adapter that the lab must catch.
//!
//! They need `bash lab/setup.sh` (Debian packages, lab/.venv) and root for
//! libpam. build.rs looks for them when the tests are built: without them the
//! harness reports each test as `ignored, needs …`. `.ci/run` sets
//! SKEWSIM_REQUIRE_TOOLS=1 after installing the lab, which runs them all, and
//! then a missing piece fails the test with its reason.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Why this verifier cannot run here, if it cannot.
fn missing(verifier: &str) -> Option<String> {
    let python = root().join("lab/.venv/bin/python");
    if !python.exists() {
        return Some(format!(
            "{} missing (run bash lab/setup.sh)",
            python.display()
        ));
    }
    let tool = |name: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if verifier == "oathtool" && !tool("oathtool") {
        return Some("oathtool not installed".to_owned());
    }
    if verifier.starts_with("google-authenticator-pam") {
        for t in ["pamtester", "google-authenticator"] {
            if !tool(t) {
                return Some(format!("{t} not installed"));
            }
        }
        let uid = Command::new("id").arg("-u").output().ok();
        if uid.is_none_or(|o| String::from_utf8_lossy(&o.stdout).trim() != "0") {
            return Some("the libpam adapter needs root (it writes /etc/pam.d)".to_owned());
        }
    }
    None
}

/// Fails `test` if `verifier` cannot run here: the build found the lab (or
/// SKEWSIM_REQUIRE_TOOLS=1 demands it), so a missing piece is a failure.
fn require(test: &str, verifier: &str) {
    if let Some(why) = missing(verifier) {
        panic!(
            "{test}: {why} (required: SKEWSIM_REQUIRE_TOOLS=1 is set, or the lab was there \
             when the tests were built)"
        );
    }
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skewsim-lab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn lab(args: &[&str], out: &Path) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .arg("lab")
        .args(args)
        .arg("--lab-dir")
        .arg(root().join("lab"))
        .arg("--out")
        .arg(out)
        .output()
        .expect("skewsim runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The reduced lab: the grid's corners, 60-day drift runs, 150 random scenarios.
fn agrees(verifier: &str) {
    let test = format!("lab {verifier}");
    require(&test, verifier);
    let out = out_dir(verifier);
    let (code, stdout, stderr) = lab(
        &[
            "--verifier",
            verifier,
            "--reduced",
            "--random",
            "150",
            "--seed",
            "7",
        ],
        &out,
    );
    assert_eq!(code, Some(0), "{test}:\n{stdout}\n{stderr}");
    let line = stdout.lines().next().unwrap_or_default();
    assert!(line.contains(" 0 disagree"), "{test}: {line}");
    let scenarios: usize = line
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        scenarios >= 200,
        "{test}: only {scenarios} scenarios: {line}"
    );
    assert!(out.join("lab.csv").exists() && out.join("README.md").exists());
    let _ = std::fs::remove_dir_all(&out);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_pyotp() {
    agrees("pyotp");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_oathtool() {
    agrees("oathtool");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_django_otp() {
    agrees("django-otp");
}

#[cfg_attr(
    not(all(skewsim_lab, skewsim_root)),
    ignore = "needs bash lab/setup.sh, and root (the libpam adapter writes /etc/pam.d)"
)]
#[test]
fn lab_libpam() {
    agrees("google-authenticator-pam");
}

#[cfg_attr(
    not(all(skewsim_lab, skewsim_root)),
    ignore = "needs bash lab/setup.sh, and root (the libpam adapter writes /etc/pam.d)"
)]
#[test]
fn lab_libpam_noskewadj() {
    agrees("google-authenticator-pam-noskewadj");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_privacyidea() {
    agrees("privacyidea");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_privacyidea_autoresync() {
    agrees("privacyidea-autoresync");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_privacyidea_verify() {
    agrees("privacyidea-verify");
}

/// The real pyotp with valid_window=1, announced as the `pyotp` preset
/// (window 0): the lab must report disagreements and exit 1.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_a_wrong_adapter() {
    let test = "lab catches a wrong adapter";
    require(test, "pyotp");
    let python = root().join("lab/.venv/bin/python");
    let script = root().join("lab/adapters/pyotp_adapter.py");
    let adapter = format!("{} {} --window 1", python.display(), script.display());
    let out = out_dir("wrong");
    let (code, stdout, stderr) = lab(
        &["--adapter", &adapter, "--reduced", "--random", "20"],
        &out,
    );
    assert_eq!(code, Some(1), "{test}:\n{stdout}\n{stderr}");
    assert!(stdout.contains("DISAGREE"), "{test}:\n{stdout}");
    assert!(!stdout.contains(" 0 disagree"), "{test}:\n{stdout}");
    let _ = std::fs::remove_dir_all(&out);
}

/// `skewsim probe` on a built-in verifier (`--clock virtual` runs in
/// seconds; real runs on the verifier's own clock): returns the exit code,
/// the output and the policy file written.
fn probe(verifier: &str, extra: &[&str], name: &str) -> (Option<i32>, String, String, PathBuf) {
    let out = out_dir(&format!("probe-{name}"));
    let file = out.join("measured.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["probe", "--verifier", verifier])
        .args(extra)
        .arg("--lab-dir")
        .arg(root().join("lab"))
        .arg("--out")
        .arg(&file)
        .output()
        .expect("skewsim runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        file,
    )
}

/// Issue 18: the probe identifies each verifier the lab runs (virtual
/// clock, so CI takes seconds), and the result behaves as the verifier's
/// preset at every point of the default sweep grid.
fn probe_identifies(verifier: &str) {
    let test = format!("probe {verifier}");
    require(&test, verifier);
    let (code, stdout, stderr, file) = probe(verifier, &["--clock", "virtual"], verifier);
    assert_eq!(code, Some(0), "{test}:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "Against preset {verifier}: the same outcome at every point of the default sweep grid"
        )),
        "{test}:\n{stdout}"
    );
    let text = std::fs::read_to_string(&file).expect("the policy file");
    assert!(text.contains("provenance = \"measured\""), "{test}: {text}");
    if verifier == "privacyidea-autoresync" {
        // The real reach ahead is about +1005, not the model's +999: after
        // the ordinary -6..+5 check fails, HmacOtp.generate has moved its
        // counter to c + 6, and _autosync searches range(c + 6 - 1000,
        // c + 6 + 1000) (privacyidea/lib/tokens/HMAC.py; found by this probe).
        let reach: u32 = text
            .lines()
            .find_map(|l| l.strip_prefix("auto_resync_search = "))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            (1000..=1007).contains(&reach),
            "{test}: AutoResync search {reach}"
        );
        assert!(text.contains("window = \"-999..+999\""), "{test}: {text}");
    }
    assert!(text.contains("[measured]"), "{test}: {text}");
    let _ = std::fs::remove_dir_all(file.parent().expect("a folder"));
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_pyotp() {
    probe_identifies("pyotp");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_oathtool() {
    probe_identifies("oathtool");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_django_otp() {
    probe_identifies("django-otp");
}

#[cfg_attr(
    not(all(skewsim_lab, skewsim_root)),
    ignore = "needs bash lab/setup.sh, and root (the libpam adapter writes /etc/pam.d)"
)]
#[test]
fn probe_libpam() {
    probe_identifies("google-authenticator-pam");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_privacyidea_verify() {
    probe_identifies("privacyidea-verify");
}

/// The resync's and AutoResync's reaches, measured (privacyIDEA's
/// ±1000 searches: ahead 999, the pair ending at +999 heals).
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_privacyidea_autoresync() {
    probe_identifies("privacyidea-autoresync");
}

/// Verifiers no preset describes: the probe's policy must then predict the
/// lab's answers for that verifier with no disagreement.
fn probe_then_lab(verifier: &str, adapter_args: &str, name: &str) {
    let test = format!("probe {verifier} {adapter_args}");
    require(&test, verifier);
    let (code, stdout, stderr, file) = probe(
        verifier,
        &["--clock", "virtual", "--adapter-args", adapter_args],
        name,
    );
    assert_eq!(code, Some(0), "{test}:\n{stdout}\n{stderr}");
    assert!(stdout.contains(": identified"), "{test}:\n{stdout}");
    let script = match verifier {
        "pyotp" => "pyotp_adapter.py",
        "oathtool" => "oathtool_adapter.py",
        _ => "privacyidea_adapter.py",
    };
    let adapter = format!(
        "{} {} {adapter_args}",
        root().join("lab/.venv/bin/python").display(),
        root().join("lab/adapters").join(script).display()
    );
    let out = out_dir(&format!("lab-{name}"));
    let (code, stdout, stderr) = lab(
        &[
            "--adapter",
            &adapter,
            "--policy-file",
            file.to_str().expect("utf-8"),
            "--reduced",
            "--random",
            "100",
        ],
        &out,
    );
    assert_eq!(code, Some(0), "{test}, lab:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" 0 disagree"), "{test}, lab:\n{stdout}");
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(file.parent().expect("a folder"));
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_unlisted_pyotp_window_2() {
    probe_then_lab("pyotp", "--window 2", "pyotp-w2");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_unlisted_oathtool_window_3() {
    probe_then_lab("oathtool", "--window 3", "oathtool-w3");
}

/// One probe on the verifier's real clock, as against a hosted verifier
/// (pyotp: about two minutes, mostly waiting for steps to change).
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn probe_pyotp_on_its_real_clock() {
    let test = "probe pyotp --clock real";
    require(test, "pyotp");
    let (code, stdout, stderr, file) = probe("pyotp", &[], "pyotp-real");
    assert_eq!(code, Some(0), "{test}:\n{stdout}\n{stderr}");
    assert!(stdout.contains("(real clock)"), "{test}:\n{stdout}");
    assert!(
        stdout.contains("Against preset pyotp: the same outcome at every point"),
        "{test}:\n{stdout}"
    );
    let _ = std::fs::remove_dir_all(file.parent().expect("a folder"));
}

/// A code collision inside an ordinary login window is explained, not
/// reported as a disagreement (issue 23): with seed 1, pyotp's ±2 window
/// meets another step with the same code at check 500 of the 50 ppm drift
/// run (found by the probe's agreement check), and the lab exits 0.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_explains_a_collision_in_an_ordinary_window() {
    let test = "lab explains a collision in an ordinary window";
    require(test, "pyotp");
    let out = out_dir("ordinary-collision");
    std::fs::create_dir_all(&out).expect("temp dir");
    let exported = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["policies", "--export", "pyotp"])
        .output()
        .expect("skewsim runs");
    let text = String::from_utf8_lossy(&exported.stdout)
        .replace("\"-0..+0\"", "\"-2..+2\"")
        .replace("name = \"pyotp\"", "name = \"pyotp-window-2\"");
    let file = out.join("pyotp-window-2.toml");
    std::fs::write(&file, text).expect("write");
    let adapter = format!(
        "{} {} --window 2",
        root().join("lab/.venv/bin/python").display(),
        root().join("lab/adapters/pyotp_adapter.py").display()
    );
    let (code, stdout, stderr) = lab(
        &[
            "--adapter",
            &adapter,
            "--policy-file",
            file.to_str().expect("utf-8"),
            "--seed",
            "1",
        ],
        &out.join("results"),
    );
    assert_eq!(code, Some(0), "{test}:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 code collisions, 0 disagree"),
        "{test}:\n{stdout}"
    );
    assert!(
        stdout.contains("collision drift-50ppm-365days"),
        "{test}:\n{stdout}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// Issue 23: a code collision in a preset's own ordinary window, with the
/// built-in adapter, is reported as a collision and the lab exits 0. Seed
/// 4914 was found by a search over seeds with the model alone (the model's
/// rules on the real codes against its verdicts; the unit test
/// `seed_4914_meets_a_collision_in_oathtools_login_window` holds it): in its
/// reduced grid the -200 ppm drift run's 14th check is a login whose code's
/// step lies outside oathtool's -1..+1 while a step inside has the same
/// code. The reduced grid alone (`--random 0`): 64 scenarios, 676 checks,
/// about a second and a half.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_explains_a_collision_in_oathtools_login_window() {
    let test = "lab explains a collision in oathtool's login window";
    require(test, "oathtool");
    let out = out_dir("oathtool-collision");
    let (code, stdout, stderr) = lab(
        &[
            "--verifier",
            "oathtool",
            "--reduced",
            "--random",
            "0",
            "--seed",
            "4914",
        ],
        &out,
    );
    assert_eq!(code, Some(0), "{test}:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 code collisions, 0 disagree"),
        "{test}:\n{stdout}"
    );
    assert!(
        stdout.contains("collision drift--200ppm-60days")
            && stdout.contains("check 14 of 177 (Login {"),
        "{test}:\n{stdout}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// Issue 23: the real privacyIDEA 3.14 and the model, check by check, where
/// a resync meets a lock and a remembered AutoResync code: ten refused
/// logins lock the token, a resync succeeds but leaves it locked (resync()
/// writes timeShift and otp_count only; check_all -> check_failcount refuses
/// until an administrator resets failcount); with AutoResync a remembered
/// far code (otp1c) outlives a resync, so the next far code is compared with
/// it, fails and clears it. The grid never locks a token (at most 4 attempts
/// a day), so this drives the adapter directly: about 30 requests.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn privacyidea_agrees_a_resync_neither_unlocks_nor_forgets() {
    use serde_json::json;
    use skewsim::sim::{State, preset};
    use skewsim::{Algorithm, Digits, Secret, hotp};
    let test = "privacyIDEA: a resync neither unlocks nor forgets";
    require(test, "privacyidea");
    const X: i64 = 30_000;
    let key = Secret::from_bytes(b"12345678901234567890".to_vec()).expect("20 bytes");
    let code = |step: i64| hotp(Algorithm::Sha1, &key, step as u64, Digits::SIX).to_string();
    for (flag, name) in [
        ("", "privacyidea"),
        ("--autoresync", "privacyidea-autoresync"),
    ] {
        let policy = preset(name).expect("preset");
        let mut argv = vec![
            root().join("lab/.venv/bin/python").display().to_string(),
            root()
                .join("lab/adapters/privacyidea_adapter.py")
                .display()
                .to_string(),
        ];
        argv.extend((!flag.is_empty()).then(|| flag.to_owned()));
        let mut adapter = skewsim::lab::Adapter::start(&argv, std::time::Duration::from_secs(30))
            .expect("starts");
        let c0: i64 = 60_000_000;
        let at = |step: i64| step * X + 10_000;
        adapter
            .request(&json!({"op": "setup", "user": "u", "secret_hex": "3132333435363738393031323334353637383930",
                "digits": 6, "period_s": 30, "time_ms": c0 * X}))
            .expect("setup");
        let mut model = State::default();
        let mut both = |request: serde_json::Value, verdict: bool, what: &str| {
            let answer = adapter.check(&request).expect("an answer");
            assert_eq!(
                answer.accepted, verdict,
                "{test}, {name}, {what}: {}",
                answer.state
            );
        };
        // Enrolled with a pair (privacyIDEA's resync).
        let ok = model
            .check_pair(
                policy.flow.window(),
                policy.flow.store(),
                (c0, c0 + 1),
                at(c0 + 1),
                X,
            )
            .is_ok();
        both(
            json!({"op": "enroll", "user": "u", "codes": [code(c0), code(c0 + 1)], "time_ms": at(c0 + 1)}),
            ok,
            "the enrollment",
        );
        if name == "privacyidea-autoresync" {
            // A far code is remembered; a resync; the next far code fails
            // against the stale otp1c; the one after is remembered anew.
            let day = c0 + 2880;
            let far = [(day, day + 300), (day + 3, day + 503), (day + 4, day + 504)];
            let v = model.login(&policy, far[0].1, at(far[0].0), X).accepted();
            both(
                json!({"op": "login", "user": "u", "code": code(far[0].1), "time_ms": at(far[0].0)}),
                v,
                "a far code",
            );
            let v = model.resync(&policy, day + 2, at(day + 2), X);
            both(
                json!({"op": "resync", "user": "u", "codes": [code(day + 1), code(day + 2)], "time_ms": at(day + 2)}),
                v,
                "the resync",
            );
            for (i, (now, step)) in far[1..].iter().enumerate() {
                let v = model.login(&policy, *step, at(*now), X).accepted();
                assert!(!v, "{test}: the model heals after a resync");
                both(
                    json!({"op": "login", "user": "u", "code": code(*step), "time_ms": at(*now)}),
                    v,
                    &format!("far code {}", i + 2),
                );
            }
        } else {
            // Ten refused logins, a resync, then right codes: all refused.
            let day = c0 + 2880;
            for i in 0..10 {
                let v = model
                    .login(&policy, day + i + 100, at(day + i), X)
                    .accepted();
                both(
                    json!({"op": "login", "user": "u", "code": code(day + i + 100), "time_ms": at(day + i)}),
                    v,
                    &format!("refused login {}", i + 1),
                );
            }
            let v = model.resync(&policy, day + 12, at(day + 12), X);
            assert!(v, "{test}: the resync itself succeeds");
            both(
                json!({"op": "resync", "user": "u", "codes": [code(day + 11), code(day + 12)], "time_ms": at(day + 12)}),
                v,
                "the resync",
            );
            for (i, step) in [day + 14, day + 2880].into_iter().enumerate() {
                let v = model.login(&policy, step, at(step), X).accepted();
                assert!(!v, "{test}: the model lets a locked token in");
                both(
                    json!({"op": "login", "user": "u", "code": code(step), "time_ms": at(step)}),
                    v,
                    &format!("right code {}", i + 1),
                );
            }
        }
        adapter.finish();
    }
}

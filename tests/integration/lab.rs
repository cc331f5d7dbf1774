//! The reduced verifier lab against every built-in verifier (docs/lab.md),
//! and a deliberately wrong adapter that the lab must catch.
//!
//! They need `bash lab/setup.sh` (Debian packages, lab/.venv, Node.js and
//! lab/node/node_modules, the built totp-rs adapter) and root for libpam and pam_oath. build.rs looks
//! for them when the tests are built: without them the
//! harness reports each test as `ignored, needs …`. `.ci/run` sets
//! SKEWSIM_REQUIRE_TOOLS=1 after installing the lab, which runs them all, and
//! then a missing piece fails the test with its reason.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The totp-rs adapter that lab/setup.sh builds (lab/totp-rs-adapter).
fn totp_rs_adapter() -> PathBuf {
    root().join("lab/totp-rs-adapter/target/release/totp-rs-adapter")
}

/// The built-in verifiers whose adapters run on Node.js (lab/node).
const NODE_VERIFIERS: [&str; 3] = ["otplib", "otpauth", "speakeasy"];

/// Why this verifier cannot run here, if it cannot.
fn missing(verifier: &str) -> Option<String> {
    if verifier == "totp-rs" {
        let adapter = totp_rs_adapter();
        return (!adapter.exists()).then(|| {
            format!(
                "{} missing (run bash lab/setup.sh: it builds it)",
                adapter.display()
            )
        });
    }
    let tool = |name: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if NODE_VERIFIERS.contains(&verifier) {
        if !tool("node") {
            return Some("node not installed (run bash lab/setup.sh)".to_owned());
        }
        // lab/setup.sh writes this copy of the lock file after `npm ci`.
        let installed = root().join("lab/node/node_modules/.skewsim-lock.json");
        if !installed.exists() {
            return Some(format!(
                "{} missing: the Node.js verifiers are not installed (run bash lab/setup.sh)",
                installed.display()
            ));
        }
        return None;
    }
    let python = root().join("lab/.venv/bin/python");
    if !python.exists() {
        return Some(format!(
            "{} missing (run bash lab/setup.sh)",
            python.display()
        ));
    }
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
    if verifier == "pam-oath" {
        if !tool("pamtester") {
            return Some("pamtester not installed".to_owned());
        }
        for file in [
            "/lib/x86_64-linux-gnu/security/pam_oath.so",
            "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so",
            "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
        ] {
            if !Path::new(file).exists() {
                return Some(format!("{file} missing (run bash lab/setup.sh)"));
            }
        }
        let uid = Command::new("id").arg("-u").output().ok();
        if uid.is_none_or(|o| String::from_utf8_lossy(&o.stdout).trim() != "0") {
            return Some("the pam_oath adapter needs root (it writes /etc/pam.d)".to_owned());
        }
    }
    if verifier == "freeradius-totp" {
        if !tool("radclient") || !(tool("freeradius") || Path::new("/usr/sbin/freeradius").exists())
        {
            return Some(
                "freeradius or radclient not installed (run bash lab/setup.sh)".to_owned(),
            );
        }
        let shim = root().join("lab/.venv/lib/skewsim-nodeepbind.so");
        for file in [
            Path::new("/usr/lib/freeradius/rlm_totp.so"),
            Path::new("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
            shim.as_path(),
        ] {
            if !file.exists() {
                return Some(format!(
                    "{} missing (run bash lab/setup.sh)",
                    file.display()
                ));
            }
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

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_totp_rs() {
    agrees("totp-rs");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_passlib() {
    agrees("passlib");
}

/// A real verifier with a wrong option (`adapter`, a command line for
/// `--adapter`), announced as `verifier`'s preset: the reduced lab with
/// `random` seeded scenarios must report disagreements and exit 1.
fn catches(test: &str, verifier: &str, adapter: &str, random: u64) {
    require(test, verifier);
    // Named after the test: two tests may hold one verifier at once.
    let out = out_dir(&test.replace(' ', "-"));
    let random = random.to_string();
    let (code, stdout, stderr) = lab(
        &["--adapter", adapter, "--reduced", "--random", &random],
        &out,
    );
    assert_eq!(code, Some(1), "{test}:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(" vs preset {verifier}: ")),
        "{test}:\n{stdout}"
    );
    assert!(stdout.contains("DISAGREE"), "{test}:\n{stdout}");
    assert!(!stdout.contains(" 0 disagree"), "{test}:\n{stdout}");
    let _ = std::fs::remove_dir_all(&out);
}

/// totp-rs with skew 0 (the current step only), announced as the `totp-rs`
/// preset (the Builder's default skew 1).
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_totp_rs_with_a_wrong_skew() {
    let adapter = format!("{} --skew 0", totp_rs_adapter().display());
    catches("lab catches totp-rs skew 0", "totp-rs", &adapter, 20);
}

/// passlib with a 60 s window (-2..+2), announced as the `passlib` preset
/// (window=30: -1..+1).
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_passlib_with_a_wrong_window() {
    let adapter = format!(
        "{} {} --window 60",
        root().join("lab/.venv/bin/python").display(),
        root().join("lab/adapters/passlib_adapter.py").display()
    );
    catches("lab catches passlib window 60", "passlib", &adapter, 20);
}

/// passlib without last_counter (Flask-Security's own empty hooks),
/// announced as the `passlib` preset (last_counter kept from every match,
/// the enrollment's included): the login 20 s after the enrollment, with
/// the enrollment's code, is accepted where the preset calls it a replay.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_passlib_without_its_last_counter() {
    let adapter = format!(
        "{} {} --no-last-counter",
        root().join("lab/.venv/bin/python").display(),
        root().join("lab/adapters/passlib_adapter.py").display()
    );
    catches(
        "lab catches passlib no last_counter",
        "passlib",
        &adapter,
        20,
    );
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_otplib() {
    agrees("otplib");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_otpauth() {
    agrees("otpauth");
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_speakeasy() {
    agrees("speakeasy");
}

/// The command line of a Node.js adapter (`lab/adapters/SCRIPT`) with `args`,
/// for `--adapter` (split on spaces: no space in the clone's path).
fn node_adapter(script: &str, args: &str) -> String {
    let script = root().join("lab/adapters").join(script);
    let script = script.to_str().expect("a UTF-8 path");
    assert!(
        !script.contains(' '),
        "--adapter splits on spaces: {script}"
    );
    format!("node {script} {args}")
}

/// A Node.js verifier run with a window its default preset does not have,
/// announced as that preset: the lab must report disagreements and exit 1.
fn catches_wrong_window(verifier: &str, script: &str, args: &str) {
    let test = format!("lab catches {verifier} {args}");
    catches(&test, verifier, &node_adapter(script, args), 20);
}

/// A short reduced lab for CI: the reduced grid (60 scenarios), the four
/// 60-day drift runs and `random` seeded ones; every check must agree.
fn agrees_briefly(verifier: &str, random: u64) {
    let test = format!("lab {verifier}");
    require(&test, verifier);
    let out = out_dir(verifier);
    let random = random.to_string();
    let (code, stdout, stderr) = lab(
        &[
            "--verifier",
            verifier,
            "--reduced",
            "--random",
            &random,
            "--seed",
            "7",
        ],
        &out,
    );
    assert_eq!(code, Some(0), "{test}:\n{stdout}\n{stderr}");
    let line = stdout.lines().next().unwrap_or_default();
    assert!(line.contains(" 0 disagree"), "{test}: {line}");
    assert!(
        line.contains(&format!(
            ": {} scenarios",
            64 + random.parse::<usize>().unwrap_or(0)
        )),
        "{test}: {line}"
    );
    assert!(out.join("lab.csv").exists() && out.join("README.md").exists());
    let _ = std::fs::remove_dir_all(&out);
}

/// A built-in Python adapter with a wrong window, announced as its preset:
/// the lab must report disagreements and exit 1.
fn catches_a_wrong_window(verifier: &str, script: &str, args: &str) {
    let test = format!("lab catches {script} {args}");
    let adapter = format!(
        "{} {} {args}",
        root().join("lab/.venv/bin/python").display(),
        root().join("lab/adapters").join(script).display()
    );
    catches(&test, verifier, &adapter, 10);
}

/// otplib's epochTolerance 30 s is -1..+1 steps; its default is 0.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_otplib_with_a_wrong_window() {
    catches_wrong_window("otplib", "otplib_adapter.cjs", "--epoch-tolerance 30");
}

/// otpauth's window 2 against its default 1.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_otpauth_with_a_wrong_window() {
    catches_wrong_window("otpauth", "otpauth_adapter.cjs", "--window 2");
}

/// speakeasy's window 1 against its default 0.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_speakeasy_with_a_wrong_window() {
    catches_wrong_window("speakeasy", "speakeasy_adapter.cjs", "--window 1");
}

/// speakeasy 2.0.0 given its window as a string ("1", as read from a config
/// file or the environment) searches -1..+10: `totp.verifyDelta` does
/// `options.window += window`, "1" + 1 = "11" (index.js). The real library,
/// held against the default preset with that window, agrees everywhere; the
/// symmetric -1..+1 that the number 1 gives does not.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_speakeasy_window_as_a_string_reaches_ten_steps_ahead() {
    let test = "lab speakeasy --window 1 --window-as-string";
    require(test, "speakeasy");
    let out = out_dir("speakeasy-string-window");
    std::fs::create_dir_all(&out).expect("temp dir");
    let exported = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["policies", "--export", "speakeasy"])
        .output()
        .expect("skewsim runs");
    let adapter = node_adapter("speakeasy_adapter.cjs", "--window 1 --window-as-string");
    for (window, agrees) in [("-1..+10", true), ("-1..+1", false)] {
        let text = String::from_utf8_lossy(&exported.stdout)
            .replace("\"-0..+0\"", &format!("\"{window}\""))
            .replace("name = \"speakeasy\"", "name = \"speakeasy-string-window\"");
        assert!(text.contains(window), "{test}: {text}");
        let file = out.join("speakeasy-string-window.toml");
        std::fs::write(&file, text).expect("write");
        let (code, stdout, stderr) = lab(
            &[
                "--adapter",
                &adapter,
                "--policy-file",
                file.to_str().expect("utf-8"),
                "--reduced",
                "--random",
                "20",
            ],
            &out.join("results"),
        );
        assert_eq!(
            code,
            Some(if agrees { 0 } else { 1 }),
            "{test}, {window}:\n{stdout}\n{stderr}"
        );
        assert_eq!(
            stdout.contains(" 0 disagree"),
            agrees,
            "{test}, {window}:\n{stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `--clock real` of the Node.js adapters (docs/lab.md, "Real-clock mode"):
/// no time is sent, each library reads `Date.now()`, and every answer says
/// when it decided. The current step's code is accepted, one 5 steps ahead
/// refused, and each `time_ms` is the real time.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn node_adapters_answer_on_their_real_clock() {
    use serde_json::json;
    use skewsim::{Algorithm, Digits, Secret, hotp};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    let now_ms = || {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970");
        i64::try_from(since.as_millis()).expect("in range")
    };
    let key = b"12345678901234567890";
    let secret = Secret::from_bytes(key.to_vec()).expect("a key");
    let code = |step: i64| {
        let counter = u64::try_from(step).expect("after 1970");
        hotp(Algorithm::Sha1, &secret, counter, Digits::SIX).to_string()
    };
    for (verifier, script) in [
        ("otplib", "otplib_adapter.cjs"),
        ("otpauth", "otpauth_adapter.cjs"),
        ("speakeasy", "speakeasy_adapter.cjs"),
    ] {
        let test = format!("{verifier} --clock real");
        require(&test, verifier);
        let script = root().join("lab/adapters").join(script);
        let argv = [
            "node".to_owned(),
            script.display().to_string(),
            "--clock".to_owned(),
            "real".to_owned(),
        ];
        let mut adapter =
            skewsim::lab::Adapter::start(&argv, Duration::from_secs(30)).expect("starts");
        let hello = adapter.request(&json!({"op": "hello"})).expect("hello");
        assert_eq!(hello["clock"], "real", "{test}: {hello}");
        assert_eq!(hello["policy"], verifier, "{test}: {hello}");
        adapter
            .request(&json!({"op": "setup", "user": "u", "secret_hex": "3132333435363738393031323334353637383930", "digits": 6, "period_s": 30}))
            .expect("setup");
        // Keep clear of a step boundary, where the code read here and the
        // step the library reads could differ.
        while (now_ms() % 30_000) > 27_000 {
            std::thread::sleep(Duration::from_millis(200));
        }
        for (ahead, accepted) in [(0, true), (5, false)] {
            let before = now_ms();
            let step = before / 30_000 + ahead;
            let answer = adapter
                .check(&json!({"op": "login", "user": "u", "code": code(step)}))
                .expect("an answer");
            let after = now_ms();
            assert_eq!(answer.accepted, accepted, "{test}, step +{ahead}");
            let decided = answer.time_ms.expect("time_ms in real mode");
            assert!(
                (before..=after).contains(&decided),
                "{test}: decided at {decided}, asked between {before} and {after}"
            );
        }
        adapter.finish();
    }
}

/// pam_oath through pamtester (issue 23): 84 scenarios, about 9 s.
#[cfg_attr(
    not(all(skewsim_lab, skewsim_root)),
    ignore = "needs bash lab/setup.sh, and root (the pam_oath adapter writes /etc/pam.d)"
)]
#[test]
fn lab_pam_oath() {
    agrees_briefly("pam-oath", 20);
}

/// The real pam_oath with window=4 held against the preset's default 5 (about 4 s).
#[cfg_attr(
    not(all(skewsim_lab, skewsim_root)),
    ignore = "needs bash lab/setup.sh, and root (the pam_oath adapter writes /etc/pam.d)"
)]
#[test]
fn lab_catches_pam_oath_with_a_wrong_window() {
    catches_a_wrong_window("pam-oath", "pam_oath_adapter.py", "--window 4");
}

/// FreeRADIUS rlm_totp in the adapter's radiusd (issue 23): 84 scenarios, about 16 s
/// (a radclient process per check).
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_freeradius_totp() {
    agrees_briefly("freeradius-totp", 20);
}

/// rlm_totp asked at ±1 step as well (the adapter's --window 1), held
/// against the preset's current step only (about 14 s).
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_freeradius_totp_with_a_wrong_window() {
    catches_a_wrong_window("freeradius-totp", "freeradius_adapter.py", "--window 1");
}

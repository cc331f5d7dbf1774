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

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_pyotp() {
    agrees("pyotp", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_oathtool() {
    agrees("oathtool", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_django_otp() {
    agrees("django-otp", 150);
}

#[cfg_attr(
    not(all(skewsim_lab, skewsim_root)),
    ignore = "needs bash lab/setup.sh, and root (the libpam adapter writes /etc/pam.d)"
)]
#[test]
fn lab_libpam() {
    agrees("google-authenticator-pam", 150);
}

#[cfg_attr(
    not(all(skewsim_lab, skewsim_root)),
    ignore = "needs bash lab/setup.sh, and root (the libpam adapter writes /etc/pam.d)"
)]
#[test]
fn lab_libpam_noskewadj() {
    agrees("google-authenticator-pam-noskewadj", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_privacyidea() {
    agrees("privacyidea", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_privacyidea_autoresync() {
    agrees("privacyidea-autoresync", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_privacyidea_verify() {
    agrees("privacyidea-verify", 150);
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

/// The widest login window a test's probe considers: a step or two past the
/// verifier's own (so the edge check past the candidates still has room),
/// not the default ten, whose candidates make the debug build's probe
/// several times slower.
fn probe_window(verifier: &str) -> &'static str {
    match verifier {
        "privacyidea" | "privacyidea-verify" | "privacyidea-autoresync" => "7",
        _ => "5",
    }
}

/// Issue 18: the probe identifies each verifier the lab runs (virtual
/// clock, so CI takes seconds), and the result behaves as the verifier's
/// preset at every point of the default sweep grid.
fn probe_identifies(verifier: &str) {
    let test = format!("probe {verifier}");
    require(&test, verifier);
    let widest = probe_window(verifier);
    let (code, stdout, stderr, file) = probe(
        verifier,
        &["--clock", "virtual", "--max-login-window", widest],
        verifier,
    );
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
        &[
            "--clock",
            "virtual",
            "--adapter-args",
            adapter_args,
            "--max-login-window",
            probe_window(verifier),
        ],
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
    let (code, stdout, stderr, file) = probe(
        "pyotp",
        &["--max-login-window", probe_window("pyotp")],
        "pyotp-real",
    );
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
    agrees("totp-rs", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_passlib() {
    agrees("passlib", 150);
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
    let adapter = python_adapter("passlib_adapter.py", "--window 60");
    catches("lab catches passlib window 60", "passlib", &adapter, 20);
}

/// passlib without last_counter (Flask-Security's own empty hooks),
/// announced as the `passlib` preset (last_counter kept from every match,
/// the enrollment's included): the login 20 s after the enrollment, with
/// the enrollment's code, is accepted where the preset calls it a replay.
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_passlib_without_its_last_counter() {
    let adapter = python_adapter("passlib_adapter.py", "--no-last-counter");
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
    agrees("otplib", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_otpauth() {
    agrees("otpauth", 150);
}

#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_speakeasy() {
    agrees("speakeasy", 150);
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

/// The reduced lab for CI: the reduced grid (60 scenarios), the four
/// 60-day drift runs and `random` seeded ones; every check must agree.
fn agrees(verifier: &str, random: u64) {
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

/// The command line of a built-in Python adapter (`lab/adapters/SCRIPT`)
/// with `args`, run by the lab's venv, for `--adapter`.
fn python_adapter(script: &str, args: &str) -> String {
    format!(
        "{} {} {args}",
        root().join("lab/.venv/bin/python").display(),
        root().join("lab/adapters").join(script).display()
    )
}

/// A built-in Python adapter with a wrong window, announced as its preset:
/// the lab must report disagreements and exit 1.
fn catches_a_wrong_window(verifier: &str, script: &str, args: &str) {
    let test = format!("lab catches {script} {args}");
    catches(&test, verifier, &python_adapter(script, args), 10);
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
    agrees("pam-oath", 20);
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
    agrees("freeradius-totp", 20);
}

/// rlm_totp asked at ±1 step as well (the adapter's --window 1), held
/// against the preset's current step only (about 14 s).
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
#[test]
fn lab_catches_freeradius_totp_with_a_wrong_window() {
    catches_a_wrong_window("freeradius-totp", "freeradius_adapter.py", "--window 1");
}

// Hostile adapters (issue 22): small adapters written into a temporary
// folder, each breaking the protocol or the process rules one way. They need
// only python3 (and sh), not the lab.

/// A protocol adapter that refuses every check, with misbehaviours chosen by
/// its first argument (comma-separated); its second is a file for its side
/// effects.
const HOSTILE_ADAPTER: &str = r#"import json, os, subprocess, sys, time
modes = set(sys.argv[1].split(","))
side = sys.argv[2]
if "fork-child" in modes:
    # A grandchild in the adapter's group, free of its pipes: 3 s after its
    # start (past a 2 s timeout at hello) it leaves the side file.
    subprocess.Popen(["sh", "-c", "sleep 3; touch '" + side + "'"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
if "stderr" in modes:
    sys.stderr.write("\x1b]0;retitled\x07\x1b[2Jcleared\nerror: forged\n" + "x" * 100000 + "\nlast words\n")
    sys.stderr.flush()
def reply(answer):
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
for line in sys.stdin:
    request = json.loads(line)
    op = request["op"]
    if op == "hello":
        if "exit-early" in modes:
            sys.exit(0)
        if "silent" in modes:
            time.sleep(300)
        if "not-protocol" in modes:
            sys.stdout.write("hello there\n")
            sys.stdout.flush()
            continue
        reply({"ok": True, "name": "hostile", "policy": "pyotp"})
    elif op == "setup":
        if "die-at-setup" in modes:
            with open(side, "w") as f:
                f.write(request["secret_hex"])
            sys.exit(1)
        reply({"ok": True})
    elif op == "bye":
        reply({"ok": True})
        if "bye-hang" in modes:
            time.sleep(300)
        sys.exit(0)
    elif "no-accepted" in modes:
        reply({"ok": True, "pad": "x" * 500000})
    else:
        reply({"ok": True, "accepted": False})
"#;

/// A folder holding the hostile adapter.
fn hostile_dir(name: &str) -> PathBuf {
    let dir = out_dir(&format!("hostile-{name}"));
    std::fs::create_dir_all(&dir).expect("temp folder");
    std::fs::write(dir.join("hostile.py"), HOSTILE_ADAPTER).expect("adapter written");
    dir
}

/// What a bounded run gave: exit code, stdout, stderr, how long it took.
struct Bounded {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: std::time::Duration,
}

/// `program args` in `dir`, its output in files (an adapter that outlives
/// it cannot hold a pipe of ours open); killed, and the test failed, if it
/// runs past `limit`.
fn run_bounded(program: &str, args: &[&str], dir: &Path, limit: u64) -> Bounded {
    let file = |name: &str| std::fs::File::create(dir.join(name)).expect("output file");
    let started = std::time::Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(file("stdout.txt"))
        .stderr(file("stderr.txt"))
        .spawn()
        .expect("runs");
    let code = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status.code();
        }
        if started.elapsed() > std::time::Duration::from_secs(limit) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program} {args:?} still running after {limit} s (killed)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let read = |name: &str| {
        String::from_utf8_lossy(&std::fs::read(dir.join(name)).expect("output")).into_owned()
    };
    Bounded {
        code,
        stdout: read("stdout.txt"),
        stderr: read("stderr.txt"),
        took: started.elapsed(),
    }
}

/// `skewsim lab` against the hostile adapter in `modes`, reduced, with
/// `--timeout 2s`, its output under `dir/out`.
fn hostile_lab(dir: &Path, modes: &str, extra: &[&str]) -> Bounded {
    let adapter = format!("python3 hostile.py {modes} {}", dir.join("side").display());
    let out = dir.join("out");
    let mut args = vec![
        "lab",
        "--adapter",
        &adapter,
        "--reduced",
        "--random",
        "0",
        "--timeout",
        "2s",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    run_bounded(env!("CARGO_BIN_EXE_skewsim"), &args, dir, 60)
}

/// Issue 22: an adapter that never ends its answer line (`cat /dev/zero`)
/// is stopped at 1 MiB, under a 1 GB address-space limit (it used to abort
/// there, exit 134), with one error line naming the adapter, exit 3.
#[test]
fn lab_bounds_an_adapters_answer_line() {
    let dir = out_dir("zero");
    std::fs::create_dir_all(&dir).expect("temp folder");
    let script = format!(
        "ulimit -v 1048576; exec '{}' lab --adapter 'cat /dev/zero' --reduced --random 0 \
         --timeout 2s --out '{}'",
        env!("CARGO_BIN_EXE_skewsim"),
        dir.join("out").display()
    );
    let o = run_bounded("sh", &["-c", &script], &dir, 60);
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.starts_with("error: cat /dev/zero: ")
            && o.stderr.contains("longer than 1048576 bytes"),
        "{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 22: an adapter that answers `bye` and never exits is killed after
/// `--timeout`; the lab ends with its results.
#[cfg_attr(not(skewsim_python3), ignore = "needs python3 on PATH")]
#[test]
fn lab_kills_an_adapter_that_does_not_exit_after_bye() {
    let dir = hostile_dir("bye-hang");
    let o = hostile_lab(&dir, "bye-hang", &[]);
    // Every check refused: disagreements, exit 1, the files written.
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stdout.contains("wrote "), "{}", o.stdout);
    assert!(
        o.took < std::time::Duration::from_secs(20),
        "took {:?}",
        o.took
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 22: a child an adapter forked does not outlive skewsim, whether
/// the lab ends normally or at the adapter's failure (the adapter's
/// process group is killed).
#[cfg_attr(not(skewsim_python3), ignore = "needs python3 on PATH")]
#[test]
fn lab_kills_what_an_adapter_forks() {
    // Both endings side by side: most of the test is the wait below.
    std::thread::scope(|scope| {
        for (modes, code) in [("fork-child", 1), ("fork-child,silent", 3)] {
            scope.spawn(move || {
                let dir = hostile_dir(&modes.replace(',', "-"));
                let o = hostile_lab(&dir, modes, &[]);
                assert_eq!(o.code, Some(code), "{modes}: {}", o.stderr);
                // The grandchild would touch the file 3 s after it started.
                std::thread::sleep(std::time::Duration::from_millis(3500));
                assert!(
                    !dir.join("side").exists(),
                    "{modes}: the adapter's child outlived skewsim"
                );
                let _ = std::fs::remove_dir_all(&dir);
            });
        }
    });
}

/// Issue 22: `--random` has a work budget, checked before anything starts
/// (the adapter here would leave a file): one line, exit 2.
#[test]
fn lab_random_has_a_work_budget() {
    let dir = out_dir("random-budget");
    std::fs::create_dir_all(&dir).expect("temp folder");
    let touch = format!("touch {}", dir.join("started").display());
    for n in ["18446744073709551615", "100001"] {
        let o = run_bounded(
            env!("CARGO_BIN_EXE_skewsim"),
            &["lab", "--adapter", &touch, "--random", n],
            &dir,
            60,
        );
        assert_eq!(o.code, Some(2), "{n}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{n}");
        assert_eq!(o.stderr.lines().count(), 1, "{n}: {}", o.stderr);
        assert!(
            o.stderr
                .starts_with("error: --random is too large: at most 100000"),
            "{n}: {}",
            o.stderr
        );
        assert!(!dir.join("started").exists(), "{n}: the adapter started");
    }
    // The budget itself is allowed: the run goes on to start the adapter.
    let o = run_bounded(
        env!("CARGO_BIN_EXE_skewsim"),
        &[
            "lab",
            "--adapter",
            "/nonexistent/adapter",
            "--random",
            "100000",
        ],
        &dir,
        60,
    );
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    assert!(
        o.stderr.contains("cannot start the adapter"),
        "{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 22: an adapter that cannot start, exits early, times out or
/// answers outside the protocol is an external command's failure: exit 3
/// (docs/cli.md), one error line naming it, nothing on stdout.
#[cfg_attr(not(skewsim_python3), ignore = "needs python3 on PATH")]
#[test]
fn lab_adapter_failures_exit_3() {
    for (modes, expected) in [
        ("exit-early", "exited or closed its output (request: hello)"),
        ("silent", "did not answer within 2s (request: hello)"),
        ("not-protocol", "not a protocol object: hello there"),
        (
            "die-at-setup",
            "exited or closed its output (request: setup for u0)",
        ),
        ("no-accepted", "no 'accepted' in"),
    ] {
        let dir = hostile_dir(modes);
        let o = hostile_lab(&dir, modes, &[]);
        assert_eq!(o.code, Some(3), "{modes}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{modes}: {}", o.stdout);
        assert_eq!(o.stderr.lines().count(), 1, "{modes}: {}", o.stderr);
        assert!(
            o.stderr.starts_with("error: ") && o.stderr.contains(expected),
            "{modes}: {}",
            o.stderr
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let dir = out_dir("no-such-adapter");
    std::fs::create_dir_all(&dir).expect("temp folder");
    let o = run_bounded(
        env!("CARGO_BIN_EXE_skewsim"),
        &["lab", "--adapter", "/nonexistent/adapter", "--reduced"],
        &dir,
        60,
    );
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    assert!(
        o.stderr
            .starts_with("error: /nonexistent/adapter: cannot start the adapter"),
        "{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 22: what an adapter says reaches the terminal escaped and cut
/// short. Dying at `setup` does not show the request (it holds the lab's
/// secret); an answer without `accepted` is quoted in at most a few hundred
/// characters; its standard error comes line by line after `adapter: `,
/// escaped, each line cut short, so it can neither move the cursor nor
/// forge a line of skewsim's.
#[cfg_attr(not(skewsim_python3), ignore = "needs python3 on PATH")]
#[test]
fn lab_adapter_text_is_escaped_and_capped() {
    let dir = hostile_dir("die-secret");
    let o = hostile_lab(&dir, "die-at-setup", &[]);
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    let secret = std::fs::read_to_string(dir.join("side")).expect("the adapter got a secret");
    assert_eq!(secret.len(), 40, "{secret}");
    let all = format!("{}{}", o.stdout, o.stderr).to_lowercase();
    assert!(!all.contains(&secret.to_lowercase()), "{}", o.stderr);
    let _ = std::fs::remove_dir_all(&dir);

    let dir = hostile_dir("no-accepted");
    let o = hostile_lab(&dir, "no-accepted", &[]);
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    assert!(o.stderr.len() < 1_000, "{} bytes", o.stderr.len());
    assert!(o.stderr.contains("no 'accepted' in"), "{}", o.stderr);
    let _ = std::fs::remove_dir_all(&dir);

    let dir = hostile_dir("stderr");
    let o = hostile_lab(&dir, "stderr", &[]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(!o.stderr.contains('\x1b') && !o.stderr.contains('\x07'));
    for line in o.stderr.lines() {
        assert!(line.starts_with("adapter: "), "{line:?}");
        assert!(line.len() < 1_000, "{} bytes", line.len());
    }
    for shown in [
        "adapter: \\u{1b}]0;retitled",
        "adapter: error: forged",
        "adapter: xxxx",
        "adapter: last words",
    ] {
        assert!(o.stderr.contains(shown), "{shown}: {}", o.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 22: when `--out` cannot be written, nothing has gone to stdout
/// before the error line (the summary waits for the files).
#[cfg_attr(not(skewsim_python3), ignore = "needs python3 on PATH")]
#[test]
fn lab_out_failure_prints_nothing_first() {
    let dir = hostile_dir("out-fails");
    // A file where the folder should be.
    let blocked = dir.join("blocked");
    std::fs::write(&blocked, "").expect("file");
    let adapter = format!("python3 hostile.py plain {}", dir.join("side").display());
    let o = run_bounded(
        env!("CARGO_BIN_EXE_skewsim"),
        &[
            "lab",
            "--adapter",
            &adapter,
            "--reduced",
            "--random",
            "0",
            "--out",
            blocked.to_str().expect("utf-8"),
        ],
        &dir,
        60,
    );
    // A file where the folder should be is bad input (exit 2).
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.starts_with("error: --out cannot be written"),
        "{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
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

//! The AWS IAM adapter's Python tests (lab/tests, against moto: never
//! against AWS), run from `cargo test`.
//!
//! They need lab/.venv with boto3 and moto (`bash lab/setup.sh`). build.rs
//! looks for the lab when the tests are built: without it the harness reports
//! the test as `ignored, needs …`; with SKEWSIM_REQUIRE_TOOLS=1 (as `.ci/run`
//! sets after installing the lab) it runs, and a missing piece fails it.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Why the adapter's tests cannot run here, if they cannot.
fn missing() -> Option<String> {
    let python = root().join("lab/.venv/bin/python");
    if !python.exists() {
        return Some(format!(
            "{} missing (run bash lab/setup.sh)",
            python.display()
        ));
    }
    let imports = Command::new(&python)
        .args(["-c", "import boto3, moto, flask_cors"])
        .output();
    match imports {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "boto3, moto or flask-cors missing from lab/.venv (run bash lab/setup.sh): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("{} does not run: {e}", python.display())),
    }
}

#[test]
#[cfg_attr(not(skewsim_lab), ignore = "needs bash lab/setup.sh")]
fn aws_adapter_against_moto() {
    let test = "aws adapter against moto";
    if let Some(why) = missing() {
        panic!(
            "{test}: {why} (required: SKEWSIM_REQUIRE_TOOLS=1 is set, or the lab was there \
             when the tests were built)"
        );
    }
    let o = Command::new(root().join("lab/.venv/bin/python"))
        .args(["-m", "unittest", "discover", "-s", "lab/tests", "-v"])
        .current_dir(root())
        // Never the developer's own AWS account: the tests set dummy
        // credentials themselves, and these must not override them.
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .output()
        .expect("lab/.venv/bin/python runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "{test}:\n{}\n{stderr}",
        String::from_utf8_lossy(&o.stdout)
    );
    // unittest reports on stderr: "Ran N tests", then "OK" (no skips hidden in it).
    let ran: usize = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("Ran ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    assert!(ran >= 20, "{test}: only {ran} tests ran:\n{stderr}");
    assert!(
        stderr.lines().any(|l| l.trim() == "OK"),
        "{test}: not a plain OK:\n{stderr}"
    );
}

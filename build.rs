//! Finds the outside tools some tests drive, once per build, so that a test
//! whose tool is missing is reported as `ignored, needs …` instead of `ok`:
//! `skewsim_lab` (the present lab/setup.sh ran to its end), `skewsim_root` (the libpam
//! adapter writes /etc/pam.d), `skewsim_oathtool` and `skewsim_python3` (on
//! PATH). With SKEWSIM_REQUIRE_TOOLS=1 (CI) every cfg is on, so those tests
//! run and a missing tool fails them. No library or binary code reads them.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    println!(
        "cargo::rustc-check-cfg=cfg(skewsim_lab, skewsim_root, skewsim_oathtool, skewsim_python3)"
    );
    println!("cargo::rerun-if-env-changed=SKEWSIM_REQUIRE_TOOLS");
    println!("cargo::rerun-if-env-changed=PATH");
    let required = env::var_os("SKEWSIM_REQUIRE_TOOLS").is_some_and(|v| v == "1");

    // lab/setup.sh writes the marker last: a copy of the files that decide
    // what it installs (SETUP_INPUTS). A marker left by an older setup
    // differs from them, and the lab's tests are then ignored rather than
    // run against verifiers the tests no longer expect. Cargo reruns a
    // script at every build while a path it watches is missing, so until
    // the marker exists the nearest folder that does is watched (a new
    // file in it shows).
    let marker = Path::new("lab/.venv/.skewsim-setup-done");
    let lab = std::fs::read(marker).is_ok_and(|m| Some(m) == setup_inputs());
    if let Some(watched) = [marker, Path::new("lab/.venv"), Path::new("lab")]
        .into_iter()
        .find(|p| p.exists())
    {
        println!("cargo::rerun-if-changed={}", watched.display());
    }
    for input in SETUP_INPUTS {
        println!("cargo::rerun-if-changed=lab/{input}");
    }
    let found = |cfg: &str, yes: bool| {
        if yes || required {
            println!("cargo::rustc-cfg={cfg}");
        }
    };
    found("skewsim_lab", lab);
    found("skewsim_root", is_root());
    for (cfg, tool) in [
        ("skewsim_oathtool", "oathtool"),
        ("skewsim_python3", "python3"),
    ] {
        let path = on_path(tool);
        if let Some(path) = &path {
            // Removing the tool reruns the script.
            println!("cargo::rerun-if-changed={}", path.display());
        }
        found(cfg, path.is_some());
    }
}

/// What lab/setup.sh installs is decided by these files (paths in lab/);
/// its marker is their contents, one after the other, in this order.
const SETUP_INPUTS: [&str; 8] = [
    "setup.sh",
    "requirements.txt",
    "node/package.json",
    "node/package-lock.json",
    "shim/nodeepbind.c",
    "totp-rs-adapter/Cargo.toml",
    "totp-rs-adapter/Cargo.lock",
    "totp-rs-adapter/src/main.rs",
];

/// The marker an up-to-date lab/setup.sh writes (`None`: an input is missing).
fn setup_inputs() -> Option<Vec<u8>> {
    let mut all = Vec::new();
    for input in SETUP_INPUTS {
        all.extend(std::fs::read(Path::new("lab").join(input)).ok()?);
    }
    Some(all)
}

/// The first file named `name` in PATH's folders.
fn on_path(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Whether the build runs as root (Linux: /proc/self belongs to the
/// process's user).
fn is_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

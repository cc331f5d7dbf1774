//! Finds the outside tools some tests drive, once per build, so that a test
//! whose tool is missing is reported as `ignored, needs …` instead of `ok`:
//! `skewsim_lab` (the present lab/setup.sh ran to its end), `skewsim_root` (the libpam
//! adapter writes /etc/pam.d), `skewsim_oathtool` and `skewsim_python3` (on
//! PATH). With SKEWSIM_REQUIRE_TOOLS=1 (CI) every cfg is on, so those tests
//! run and a missing tool fails them. No library or binary code reads them.
//!
//! Likewise for the CPU: `skewsim_cpu_sha` (SHA extensions and SSE4.1),
//! `skewsim_cpu_avx2` and `skewsim_cpu_avx512f`, found on the machine that
//! builds the tests (on none when cross-compiling), so that a test of a SIMD
//! path this CPU cannot run is `ignored, needs …`. These do not follow
//! SKEWSIM_REQUIRE_TOOLS: a CI machine's CPU is what it is.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    println!(
        "cargo::rustc-check-cfg=cfg(skewsim_lab, skewsim_root, skewsim_oathtool, skewsim_python3)"
    );
    println!("cargo::rustc-check-cfg=cfg(skewsim_cpu_sha, skewsim_cpu_avx2, skewsim_cpu_avx512f)");
    let native = env::var("HOST").is_ok() && env::var("HOST") == env::var("TARGET");
    for (cfg, here) in cpu_features() {
        if native && here {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    println!("cargo::rerun-if-env-changed=SKEWSIM_REQUIRE_TOOLS");
    println!("cargo::rerun-if-env-changed=PATH");
    let required = env::var_os("SKEWSIM_REQUIRE_TOOLS").is_some_and(|v| v == "1");

    // lab/setup.sh writes the marker last: a copy of the files that decide
    // what it installs (its SETUP_INPUTS line). A marker left by an older setup
    // differs from them, and the lab's tests are then ignored rather than
    // run against verifiers the tests no longer expect. Cargo reruns a
    // script at every build while a path it watches is missing, so until
    // the marker exists the nearest folder that does is watched (a new
    // file in it shows).
    let marker = Path::new("lab/.venv/.skewsim-setup-done");
    let inputs = setup_inputs();
    let lab = std::fs::read(marker).is_ok_and(|m| Some(m) == expected_marker(&inputs));
    if let Some(watched) = [marker, Path::new("lab/.venv"), Path::new("lab")]
        .into_iter()
        .find(|p| p.exists())
    {
        println!("cargo::rerun-if-changed={}", watched.display());
    }
    println!("cargo::rerun-if-changed=lab/setup.sh");
    for input in &inputs {
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

/// The files that decide what lab/setup.sh installs (paths in lab/), from
/// its `SETUP_INPUTS="…"` line, the one list both read.
fn setup_inputs() -> Vec<String> {
    let script = std::fs::read_to_string("lab/setup.sh").unwrap_or_default();
    script
        .lines()
        .find_map(|line| line.strip_prefix("SETUP_INPUTS=\""))
        .and_then(|rest| rest.split_once('"'))
        .map(|(list, _)| list.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The marker an up-to-date lab/setup.sh writes: its inputs' contents, one
/// after the other (`None`: the list or an input is missing).
fn expected_marker(inputs: &[String]) -> Option<Vec<u8>> {
    if inputs.is_empty() {
        return None;
    }
    let mut all = Vec::new();
    for input in inputs {
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

/// The CPU features the SIMD paths need, on this (the building) machine.
fn cpu_features() -> [(&'static str, bool); 3] {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        [
            ("skewsim_cpu_sha", has!("sha") && has!("sse4.1")),
            ("skewsim_cpu_avx2", has!("avx2")),
            ("skewsim_cpu_avx512f", has!("avx512f")),
        ]
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        [
            ("skewsim_cpu_sha", false),
            ("skewsim_cpu_avx2", false),
            ("skewsim_cpu_avx512f", false),
        ]
    }
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

//! The binary's self-contained modules, compiled here so that their unit
//! tests run: the binary has no test target of its own (`test = false` in
//! Cargo.toml), which spares a cold `cargo test` a second compilation of it.
//! What needs the rest of the binary is tested through the command line, as
//! below. (clap's own consistency check, `Command::debug_assert`, is what
//! every run of the debug binary does for the whole command tree when
//! `skewsim completions` builds it: `cli::completions_and_the_man_page`.)

use crate::cli::{skewsim_in, stderr, stdout};

// The bar's and spinner's constructors are used only by the binary.
#[allow(dead_code)]
#[path = "../../src/bin/skewsim/progress.rs"]
mod progress;

// What lab.rs does with each program is used only by the binary.
#[allow(dead_code)]
#[path = "../../src/bin/skewsim/adapters.rs"]
mod adapters;

/// `--verifier`'s help (its paragraph of `lab --help`, up to the next
/// option) names every built-in verifier.
#[test]
fn lab_help_names_every_built_in_verifier() {
    let o = skewsim_in(&std::env::temp_dir(), &["lab", "--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let help = stdout(&o);
    let (_, from_verifier) = help
        .split_once("--verifier <")
        .expect("a --verifier option");
    let (paragraph, _) = from_verifier
        .split_once("\n      --")
        .expect("an option after --verifier");
    let words: Vec<&str> = paragraph
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .collect();
    for (name, _, _) in adapters::BUILT_IN {
        assert!(words.contains(&name), "--verifier's help lacks {name}");
    }
}

/// A Node.js verifier in a lab folder without `npm ci`'s node_modules is
/// refused in one line that names the missing file and the fix.
#[test]
fn a_node_verifier_without_node_modules_is_refused() {
    let dir = std::env::temp_dir().join(format!("skewsim-lab-no-node-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("adapters")).expect("temp dir");
    let lab_dir = dir.to_str().expect("utf-8");
    let o = skewsim_in(
        &dir,
        &["lab", "--verifier", "otpauth", "--lab-dir", lab_dir],
    );
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: --lab-dir")
            && err.contains("node/node_modules/.skewsim-lock.json")
            && err.contains("run bash lab/setup.sh"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

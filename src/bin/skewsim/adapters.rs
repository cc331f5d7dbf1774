//! The built-in adapters of `skewsim lab --verifier`: each verifier's name,
//! what runs its adapter, and its arguments. Plain data, no dependency on the
//! rest of the binary: tests/integration/bin_modules.rs compiles this file
//! into the integration tests, where its unit tests run (the binary has none
//! of its own, so that `cargo test` compiles it once).

/// How a built-in adapter is started: each kind needs something that
/// `bash lab/setup.sh` prepares in the lab folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// A Python script (`.py`) in the lab's `adapters/`, run by the venv's
    /// Python (`.venv/bin/python`, with the pinned verifiers).
    Python(&'static str),
    /// A Node.js script (`.cjs`) in the lab's `adapters/`, run by `node` from
    /// PATH; it loads the verifiers that `npm ci` put in `node/node_modules`.
    Node(&'static str),
    /// A program that `lab/setup.sh` builds, by its path in the lab folder
    /// (the totp-rs adapter: a Rust crate of its own).
    Native(&'static str),
}

impl Program {
    /// What `lab/setup.sh` leaves in the lab folder for this program, as a
    /// path relative to it: the venv's Python, the copy of the lock file
    /// written after `npm ci`, or the built program itself.
    pub fn prepared(self) -> &'static str {
        match self {
            Program::Python(_) => ".venv/bin/python",
            Program::Node(_) => "node/node_modules/.skewsim-lock.json",
            Program::Native(path) => path,
        }
    }

    /// What that file stands for, in the error about `--lab-dir`
    /// ("it installs the verifiers and …").
    pub fn what(self) -> &'static str {
        match self {
            Program::Python(_) => "the Python that runs their adapters",
            Program::Node(_) => "the Node.js verifiers their adapters load",
            Program::Native(_) => "builds the adapters that are programs",
        }
    }

    /// What that file stands for, beside the adapters, in the error about
    /// `./lab` ("the built-in adapters, and …, come from the lab folder").
    pub fn beside_the_adapters(self) -> &'static str {
        match self {
            Program::Python(_) => "the Python with the verifiers that runs them",
            Program::Node(_) => "the Node.js verifiers that they load",
            Program::Native(_) => "the ones that are programs, built there",
        }
    }
}

/// The built-in adapters: name, program, arguments. Each verifier once; a
/// program may serve several (libpam's and privacyIDEA's variants).
pub const BUILT_IN: [(&str, Program, &[&str]); 15] = [
    ("pyotp", Program::Python("pyotp_adapter.py"), &[]),
    (
        "oathtool",
        Program::Python("oathtool_adapter.py"),
        &["--window", "1"],
    ),
    ("django-otp", Program::Python("django_adapter.py"), &[]),
    (
        "google-authenticator-pam",
        Program::Python("libpam_adapter.py"),
        &[],
    ),
    (
        "google-authenticator-pam-noskewadj",
        Program::Python("libpam_adapter.py"),
        &["--noskewadj"],
    ),
    (
        "privacyidea",
        Program::Python("privacyidea_adapter.py"),
        &[],
    ),
    (
        "privacyidea-autoresync",
        Program::Python("privacyidea_adapter.py"),
        &["--autoresync"],
    ),
    (
        "privacyidea-verify",
        Program::Python("privacyidea_adapter.py"),
        &["--verify"],
    ),
    ("otplib", Program::Node("otplib_adapter.cjs"), &[]),
    ("otpauth", Program::Node("otpauth_adapter.cjs"), &[]),
    ("speakeasy", Program::Node("speakeasy_adapter.cjs"), &[]),
    ("pam-oath", Program::Python("pam_oath_adapter.py"), &[]),
    (
        "freeradius-totp",
        Program::Python("freeradius_adapter.py"),
        &[],
    ),
    (
        "totp-rs",
        Program::Native("totp-rs-adapter/target/release/totp-rs-adapter"),
        &["--skew", "1"],
    ),
    ("passlib", Program::Python("passlib_adapter.py"), &[]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every built-in verifier is listed once; every script is in
    /// lab/adapters with the extension of what runs it; a built program is a
    /// relative path in the lab folder. (That `--verifier`'s help names each:
    /// `lab_help_names_every_built_in_verifier` in the same file.)
    #[test]
    fn every_built_in_adapter_is_listed_once_and_its_program_fits() {
        let adapters = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/adapters");
        for (i, (name, program, _)) in BUILT_IN.iter().enumerate() {
            assert!(
                BUILT_IN[..i].iter().all(|b| b.0 != *name),
                "{name} listed twice"
            );
            match *program {
                Program::Python(script) | Program::Node(script) => {
                    assert!(adapters.join(script).is_file(), "{name}: {script} missing");
                    let ext = if matches!(program, Program::Python(_)) {
                        ".py"
                    } else {
                        ".cjs"
                    };
                    assert!(script.ends_with(ext), "{name}: {script} is not {ext}");
                }
                Program::Native(path) => {
                    assert!(Path::new(path).is_relative(), "{name}: {path}");
                }
            }
        }
    }
}

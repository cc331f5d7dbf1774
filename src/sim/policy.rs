//! Verifier policies: how a real verifier enrolls a device, checks a login,
//! what it stores and how it heals, with the source of every number.
//!
//! This module holds the types and the rules' vocabulary; the presets are
//! data, the policy files in `policies/` built into the library
//! ([`PRESET_FILES`], read by [`super::policy_file`]). Each preset follows its
//! verifier's own source (repository, file, function); where a verifier
//! publishes nothing (AWS), the preset is a named hypothesis and says so.
//! `docs/model.md` describes each one for users, `docs/policy-files.md` the
//! format.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

pub use crate::totp::Window;

/// What a verifier writes into its per-device state after a code matched
/// step `m` at server time `now` (ms). The state is one step count plus one
/// time shift in ms; the verifier's step at `now` is
/// `floor((now + shift) / period) + steps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Store {
    /// Nothing: the state is left as it was.
    Nothing,
    /// Whole steps: `steps = m - floor(now / period)`, `shift = 0`
    /// (django-otp's `drift`, the `aws-iam` hypothesis).
    Steps,
    /// django-two-factor-auth's `TOTPDeviceForm.clean_token()`: whole steps,
    /// but the offsets -1, 0, +1 are tried in order without stopping, and a
    /// match sets `drift = offset`, which moves the base of the later tries:
    /// a code one step behind matches at -1, then again at 0, and the drift
    /// saved is 0 (found by the verifier lab).
    StepsFormLoop,
    /// A time shift to the start of step `m`, from whole seconds:
    /// `shift = m·period - floor(now / 1 s)·1 s` (privacyIDEA `check_otp`).
    ShiftStart,
    /// A time shift to the centre of step `m`:
    /// `shift = m·period + period/2 - now` (privacyIDEA `resync`).
    ShiftCentre,
}

impl Store {
    /// How the command line and the JSON name it.
    pub fn name(self) -> &'static str {
        match self {
            Store::Nothing => "nothing",
            Store::Steps => "whole steps",
            Store::StepsFormLoop => "whole steps (two-factor-auth's form loop: -1 saved as 0)",
            Store::ShiftStart => "time shift to the step's start",
            Store::ShiftCentre => "time shift to the step's centre",
        }
    }
}

/// How a device is enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Two consecutive codes: the pair is searched in `search` around the
    /// verifier's step (code 2's step must lie in it); one submission.
    Pair {
        /// Where code 2's step may lie, relative to the verifier's step.
        search: Window,
        /// What an accepted pair stores (from code 2's step).
        store: Store,
    },
    /// One code checked in `window`; the person may try again with a fresh
    /// code up to the scenario's attempts.
    Confirm {
        /// Where the code's step may lie.
        window: Window,
        /// What an accepted code stores.
        store: Store,
        /// After the last failed attempt the person skips the check and the
        /// device is enrolled anyway (libpam's setup tool: `-1` skips);
        /// otherwise the enrollment is not completed (REJECTED).
        skip_allowed: bool,
        /// The accepted code counts as used under the login's replay rule,
        /// as a login's would: the login then refuses it again (passlib's
        /// `last_counter`, which the site stores from every match, the
        /// confirmation's included; pam_oath, whose confirmation is a first
        /// login through the module, which writes the code to the users file).
        marks_used: bool,
    },
}

impl Flow {
    /// Where the enrollment code's step may lie.
    pub fn window(&self) -> Window {
        match *self {
            Flow::Pair { search, .. } => search,
            Flow::Confirm { window, .. } => window,
        }
    }

    /// What an accepted enrollment stores.
    pub fn store(&self) -> Store {
        match *self {
            Flow::Pair { store, .. } | Flow::Confirm { store, .. } => store,
        }
    }

    /// Whether the person types two codes.
    pub fn is_pair(&self) -> bool {
        matches!(self, Flow::Pair { .. })
    }

    /// Whether an accepted confirmation code counts as used under the
    /// login's replay rule (a pair's rule is [`super::State::check_pair`]'s own).
    pub fn marks_used(&self) -> bool {
        matches!(
            self,
            Flow::Confirm {
                marks_used: true,
                ..
            }
        )
    }
}

/// Which repeated codes a verifier refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Replay {
    /// None (pyotp leaves it to the caller).
    Off,
    /// Only steps after the last accepted one (django-otp `last_t`,
    /// privacyIDEA `otp_count`).
    LaterOnly,
    /// The exact steps used recently (libpam `DISALLOW_REUSE`, Keycloak's
    /// reusable-code check).
    SameStep,
}

/// The order in which a verifier walks a window looking for a code.
///
/// The model identifies a code by its step, so the order never changes one
/// of its answers; it decides which step the verifier meets first when two
/// steps of a window share a 6-digit code, and so what the verifier stores
/// or remembers. The verifier lab repeats it with the real codes
/// (`lab::explains`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SearchOrder {
    /// From the step furthest behind to the one furthest ahead (pyotp,
    /// django-otp, libpam, privacyIDEA's `checkOtp`).
    #[default]
    Ascending,
    /// The verifier's own step, then one behind, one ahead, two behind …
    /// (Keycloak's `clockSkewIndexToDelta`).
    NearestBehindFirst,
    /// The verifier's own step, then one ahead, one behind, two ahead …
    /// (liboath's `oath_totp_validate4_callback`).
    NearestAheadFirst,
}

/// What a replay rule holds against a code the window search found.
///
/// As [`SearchOrder`], it matters only when two steps share a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReplayCheck {
    /// The step found first is refused if the rule refuses it (privacyIDEA's
    /// `res <= oCount`, libpam's `invalidate_timebased_code`).
    #[default]
    MatchedStep,
    /// Steps the rule refuses are left out of the search, which goes on to
    /// the next step (django-otp's `min_t`).
    NotSearched,
    /// The code found is refused if a recently accepted code was the same
    /// digits, whatever its step (Keycloak's single-use store keyed by the code).
    MatchedCode,
}

/// How a `[[source]]` about a policy's [`Matching`] begins its parameter.
/// Such a source never qualifies an answer of the model (which does not
/// depend on the matching), so the answers leave it out of their caveats.
pub const MATCHING_SOURCE: &str = "search order";

/// How a verifier finds a code in a window: its search order and its replay
/// check. Neither changes an answer of the model, which identifies codes by
/// their steps; both decide what the verifier does when two steps share a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Matching {
    /// The order of every window search but libpam's learning search (which
    /// goes outwards from the raw step, behind first) and AutoResync's
    /// (privacyIDEA's `checkOtp`, ascending).
    pub order: SearchOrder,
    /// What the replay rule holds against the step found.
    pub replay_check: ReplayCheck,
}

/// libpam's automatic skew learning (`check_time_skew`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Learning {
    /// The bound on `i` of the search (`i < search`): a failed code is
    /// compared with the steps `search - 1` each side of the raw step
    /// (libpam: `25*60`, so -1499..+1499).
    pub search: u32,
}

/// privacyIDEA's AutoResync (`_autosync`): a code outside the window but
/// within `search` is remembered, and the next consecutive code is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AutoResync {
    /// `DefaultSyncWindow` N: `checkOtp` searches `range(c - N, c + N)`,
    /// -N..+(N - 1) steps.
    pub search: u32,
}

/// Consequences of failed attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailurePenalty {
    /// None modelled.
    None,
    /// Locked after this many failures in a row (privacyIDEA `maxfail`).
    LockAfter(u32),
    /// After `n` failures in a row every check is refused for `2^(n-1)` s
    /// (django-otp throttling, factor 1).
    Throttle,
}

/// A resync: two consecutive codes searched around the verifier's step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resync {
    /// Where code 2's step may lie.
    pub search: Window,
    /// What it stores.
    pub store: Store,
    /// How the verifier calls it, for the fix text.
    pub how: Arc<str>,
}

/// Whether a number was read in the verifier's source, documented, or is
/// our inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Read in the verifier's source code at a cited place.
    Source,
    /// Stated in the system's official documentation or RFC.
    Documented,
    /// Neither: inferred, an assumption about an unpublished system or a person.
    Inferred,
    /// Measured on the running verifier from outside by `skewsim probe`
    /// (the policy's [`Measured`] says when, on what, and the experiments).
    Measured,
}

impl Provenance {
    /// The label `policies --sources` prints.
    pub fn label(self) -> &'static str {
        match self {
            Provenance::Source => "source",
            Provenance::Documented => "documented",
            Provenance::Inferred => "INFERRED",
            Provenance::Measured => "MEASURED",
        }
    }
}

/// Where one parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The parameter (`login window -1..+1`, `store`, …).
    pub parameter: String,
    /// Source, documented, inferred or measured.
    pub provenance: Provenance,
    /// The citation (repository, file, function), the reasoning, or the experiments.
    pub note: String,
}

/// How a policy was measured by `skewsim probe`: when, on which verifier,
/// and the experiments that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// When the probe ran (RFC 3339, UTC).
    pub date: String,
    /// The verifier, as its adapter named itself (name and version).
    pub verifier: String,
    /// The adapter command the probe drove.
    pub adapter: String,
    /// The skewsim version that probed.
    pub skewsim: String,
    /// Experiments made (each a fresh user).
    pub experiments: u32,
    /// Logins the verifier refused during the probe.
    pub failed_logins: u32,
    /// Real time the probe took.
    pub seconds: f64,
    /// One line per experiment: what was sent, what came back, which
    /// candidates it ruled out.
    pub evidence: Vec<String>,
}

// The seconds are a measurement, never NaN (the reader refuses it).
impl Eq for Measured {}

/// A verifier model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Preset name (`aws-iam`), or the preset's name with `+overrides`.
    pub name: String,
    /// One line on what system this models.
    pub summary: Arc<str>,
    /// A hypothesis about an unpublished verifier (AWS), not a reading of its source.
    pub hypothesis: bool,
    /// How a device is enrolled.
    pub flow: Flow,
    /// Where a login code's step may lie around the verifier's step.
    pub login: Window,
    /// What a successful login writes.
    pub on_login: Store,
    /// Repeated codes.
    pub replay: Replay,
    /// How a window is searched (matters only when two steps share a code).
    pub matching: Matching,
    /// libpam's skew learning, if on.
    pub learning: Option<Learning>,
    /// privacyIDEA's AutoResync, if on.
    pub auto_resync: Option<AutoResync>,
    /// Lockout or throttling.
    pub penalty: FailurePenalty,
    /// The verifier's resync, if it has one.
    pub resync: Option<Resync>,
    /// Where each number comes from.
    pub sources: Arc<[Source]>,
    /// For a policy found by `skewsim probe`: how it was measured.
    pub measured: Option<Arc<Measured>>,
}

impl Policy {
    /// Whether the enrollment can store anything about the device's clock.
    pub fn enrollment_stores(&self) -> bool {
        self.flow.store() != Store::Nothing
    }

    /// The replay rule an accepted confirmation code is recorded under:
    /// the login's when the enrollment marks its code used, else none.
    pub fn confirm_marks(&self) -> Replay {
        if self.flow.marks_used() {
            self.replay
        } else {
            Replay::Off
        }
    }

    /// `-1..+1`: the login window as steps relative to the verifier's.
    pub fn login_range(&self) -> String {
        range_text(self.login)
    }
}

/// `-6..+5` for a window of 6 behind and 5 ahead.
pub fn range_text(w: Window) -> String {
    format!("-{}..+{}", w.behind, w.ahead)
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The `--track-drift` override: what enrollment and logins store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackDrift {
    /// Nothing is stored, ever.
    None,
    /// Enrollment stores (in the policy's form); logins keep it.
    Enroll,
    /// Enrollment stores and every successful login updates it.
    Always,
}

impl TrackDrift {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            TrackDrift::None => "none",
            TrackDrift::Enroll => "enroll",
            TrackDrift::Always => "always",
        }
    }

    /// `policy` with its storing rules replaced. A policy that stores
    /// nothing stores whole steps when asked to store.
    pub fn apply(self, policy: &mut Policy) {
        let form = match policy.flow.store() {
            Store::Nothing => Store::Steps,
            s => s,
        };
        let login_form = match form {
            Store::ShiftCentre | Store::ShiftStart => Store::ShiftStart,
            Store::Nothing | Store::Steps | Store::StepsFormLoop => Store::Steps,
        };
        let (enroll, login) = match self {
            TrackDrift::None => (Store::Nothing, Store::Nothing),
            TrackDrift::Enroll => (form, Store::Nothing),
            TrackDrift::Always => (form, login_form),
        };
        match &mut policy.flow {
            Flow::Pair { store, .. } | Flow::Confirm { store, .. } => *store = enroll,
        }
        policy.on_login = login;
        if let Some(r) = &mut policy.resync {
            r.store = if self == TrackDrift::None {
                Store::Nothing
            } else {
                form
            };
        }
    }
}

impl FromStr for TrackDrift {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(TrackDrift::None),
            "enroll" => Ok(TrackDrift::Enroll),
            "always" => Ok(TrackDrift::Always),
            _ => Err("not one of none, enroll, always".to_owned()),
        }
    }
}

/// The preset files in `policies/`, built into the library; the first is the
/// default. A test holds this list to the folder's contents.
pub const PRESET_FILES: [(&str, &str); 19] = [
    ("aws-iam.toml", include_str!("../../policies/aws-iam.toml")),
    (
        "aws-iam-shift.toml",
        include_str!("../../policies/aws-iam-shift.toml"),
    ),
    (
        "google-authenticator-pam.toml",
        include_str!("../../policies/google-authenticator-pam.toml"),
    ),
    (
        "google-authenticator-pam-noskewadj.toml",
        include_str!("../../policies/google-authenticator-pam-noskewadj.toml"),
    ),
    (
        "privacyidea.toml",
        include_str!("../../policies/privacyidea.toml"),
    ),
    (
        "privacyidea-autoresync.toml",
        include_str!("../../policies/privacyidea-autoresync.toml"),
    ),
    (
        "privacyidea-verify.toml",
        include_str!("../../policies/privacyidea-verify.toml"),
    ),
    (
        "keycloak.toml",
        include_str!("../../policies/keycloak.toml"),
    ),
    (
        "keycloak-legacy.toml",
        include_str!("../../policies/keycloak-legacy.toml"),
    ),
    ("pyotp.toml", include_str!("../../policies/pyotp.toml")),
    (
        "oathtool.toml",
        include_str!("../../policies/oathtool.toml"),
    ),
    (
        "django-otp.toml",
        include_str!("../../policies/django-otp.toml"),
    ),
    ("otplib.toml", include_str!("../../policies/otplib.toml")),
    ("otpauth.toml", include_str!("../../policies/otpauth.toml")),
    (
        "speakeasy.toml",
        include_str!("../../policies/speakeasy.toml"),
    ),
    (
        "pam-oath.toml",
        include_str!("../../policies/pam-oath.toml"),
    ),
    (
        "freeradius-totp.toml",
        include_str!("../../policies/freeradius-totp.toml"),
    ),
    ("totp-rs.toml", include_str!("../../policies/totp-rs.toml")),
    ("passlib.toml", include_str!("../../policies/passlib.toml")),
];

/// The named presets, read once from [`PRESET_FILES`]; the first is the default.
pub fn presets() -> Vec<Policy> {
    static PRESETS: std::sync::OnceLock<Vec<Policy>> = std::sync::OnceLock::new();
    PRESETS
        .get_or_init(|| {
            PRESET_FILES
                .iter()
                .map(|(file, text)| {
                    // Every built-in file is read by the test
                    // `policy_file::tests::every_preset_file_reads_and_is_named_after_its_file`,
                    // so this cannot fail in a build that passed its tests.
                    super::policy_file::parse(text)
                        .unwrap_or_else(|e| panic!("built-in policies/{file}: {e}"))
                })
                .collect()
        })
        .clone()
}

/// A preset by name.
pub fn preset(name: &str) -> Option<Policy> {
    presets().into_iter().find(|p| p.name == name)
}

/// The names of all presets, for error messages and `--help`.
pub fn preset_names() -> Vec<String> {
    presets().into_iter().map(|p| p.name).collect()
}

#[cfg(test)]
mod tests {
    //! The presets' labels say what the rules do and cite where each comes from.

    use super::*;

    fn source<'a>(p: &'a Policy, parameter_starts: &str) -> &'a Source {
        p.sources
            .iter()
            .find(|s| s.parameter.starts_with(parameter_starts))
            .unwrap_or_else(|| panic!("{}: no source for {parameter_starts:?}", p.name))
    }

    #[test]
    fn libpam_learning_is_labelled_with_the_1499_steps_it_searches() {
        let p = preset("google-authenticator-pam").expect("preset");
        let search = p.learning.expect("learning on").search;
        let reach = format!("-{}..+{}", search - 1, search - 1);
        let s = source(&p, "skew learning on");
        assert!(s.parameter.contains(&reach), "{}", s.parameter);
        assert!(s.note.contains("25*60"), "{}", s.note);
        for p in presets() {
            for s in p.sources.iter() {
                let text = format!("{} {}", s.parameter, s.note);
                assert!(
                    !text.contains("1500 steps") && !text.contains("+-1500"),
                    "{}: {text}",
                    p.name
                );
            }
        }
    }

    #[test]
    fn privacyidea_lock_cites_check_failcount_not_the_locked_flag() {
        for name in [
            "privacyidea",
            "privacyidea-autoresync",
            "privacyidea-verify",
        ] {
            let p = preset(name).expect("preset");
            let s = source(&p, "locked after 10 failures");
            assert!(
                s.note.contains("check_all()") && s.note.contains("check_failcount()"),
                "{name}: {}",
                s.note
            );
            // check_token_locked guards the revoked/locked flag, not maxfail.
            assert!(!s.note.contains("check_token_locked"), "{name}: {}", s.note);
            assert!(s.note.contains("a resync does not"), "{name}: {}", s.note);
        }
    }

    #[test]
    fn aws_consecutive_codes_cite_the_console_guide() {
        for name in ["aws-iam", "aws-iam-shift"] {
            let p = preset(name).expect("preset");
            let s = source(&p, "two consecutive codes");
            assert_eq!(s.provenance, Provenance::Documented);
            assert!(
                s.note.starts_with("IAM User Guide")
                    && s.note.contains(
                        "Wait up to 30 seconds for the device to generate a new one-time password"
                    ),
                "{name}: {}",
                s.note
            );
        }
    }

    #[test]
    fn keycloak_legacy_has_no_reuse_check_and_says_why() {
        let p = preset("keycloak-legacy").expect("preset");
        assert_eq!(p.replay, Replay::Off);
        let s = source(&p, "no reuse check");
        assert_eq!(s.provenance, Provenance::Source);
        assert!(s.note.contains("PR #13867"), "{}", s.note);
        let current = preset("keycloak").expect("preset");
        assert_eq!(current.replay, Replay::SameStep);
        assert!(
            source(&current, "replay").note.contains("PR #13867"),
            "the current preset says since when"
        );
    }

    #[test]
    fn every_preset_that_stores_or_remembers_a_step_cites_its_search() {
        // The search order and replay check decide which step a verifier
        // keeps when two steps share a code: each preset that keeps one
        // says where its order comes from.
        for p in presets() {
            let keeps =
                p.enrollment_stores() || p.on_login != Store::Nothing || p.replay != Replay::Off;
            if !keeps {
                continue;
            }
            let cited = p.sources.iter().any(|s| {
                let text = format!("{} {}", s.parameter, s.note).to_lowercase();
                text.contains("upwards")
                    || text.contains("first match")
                    || text.contains("order")
                    || text.contains("not searched")
            });
            assert!(
                cited,
                "{}: no [[source]] says how its windows are searched (the order, and what \
                 its replay rule holds against: [login] search_order and replay_check, \
                 docs/policy-files.md)",
                p.name
            );
        }
    }
}

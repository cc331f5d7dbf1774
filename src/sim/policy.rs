//! Verifier policies: how a real verifier enrolls a device, checks a login,
//! what it stores and how it heals, with the source of every number.
//!
//! Each preset follows its verifier's own source (repository, file,
//! function); where a verifier publishes nothing (AWS), the preset is a named
//! hypothesis and says so. `docs/model.md` describes each one for users.

use std::fmt;
use std::str::FromStr;

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

/// libpam's automatic skew learning (`check_time_skew`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Learning {
    /// A failed code is searched this many steps each side of the raw step.
    pub search: u32,
}

/// privacyIDEA's AutoResync (`_autosync`): a code outside the window but
/// within `search` is remembered, and the next consecutive code is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AutoResync {
    /// Steps each side (`DefaultSyncWindow`).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resync {
    /// Where code 2's step may lie.
    pub search: Window,
    /// What it stores.
    pub store: Store,
    /// How the verifier calls it, for the fix text.
    pub how: &'static str,
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
}

impl Provenance {
    /// The label `policies --sources` prints.
    pub fn label(self) -> &'static str {
        match self {
            Provenance::Source => "source",
            Provenance::Documented => "documented",
            Provenance::Inferred => "INFERRED",
        }
    }
}

/// Where one parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The parameter (`login window -1..+1`, `store`, …).
    pub parameter: &'static str,
    /// Source, documented or inferred.
    pub provenance: Provenance,
    /// The citation (repository, file, function) or the reasoning.
    pub note: &'static str,
}

/// A verifier model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Preset name (`aws-iam`), or the preset's name with `+overrides`.
    pub name: String,
    /// One line on what system this models.
    pub summary: &'static str,
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
    /// libpam's skew learning, if on.
    pub learning: Option<Learning>,
    /// privacyIDEA's AutoResync, if on.
    pub auto_resync: Option<AutoResync>,
    /// Lockout or throttling.
    pub penalty: FailurePenalty,
    /// The verifier's resync, if it has one.
    pub resync: Option<Resync>,
    /// Where each number comes from.
    pub sources: &'static [Source],
}

impl Policy {
    /// Whether the enrollment can store anything about the device's clock.
    pub fn enrollment_stores(&self) -> bool {
        self.flow.store() != Store::Nothing
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

use Provenance::{Documented, Inferred, Source as Src};

const AWS_COMMON: [Source; 7] = [
    Source {
        parameter: "two consecutive codes",
        provenance: Documented,
        note: "IAM API reference, EnableMFADevice: AuthenticationCode1 and 'a subsequent authentication code'",
    },
    Source {
        parameter: "out of sync when submitted late",
        provenance: Documented,
        note: "EnableMFADevice: 'If you generate the codes and then wait too long to submit the request, the MFA device successfully associates with the user but the MFA device becomes out of sync'",
    },
    Source {
        parameter: "resync with two codes",
        provenance: Documented,
        note: "IAM API reference, ResyncMFADevice; IAM user guide 'Resynchronizing virtual and hardware MFA devices'",
    },
    Source {
        parameter: "pair search -10..+10",
        provenance: Inferred,
        note: "AWS publishes no search range; a wide one is what lets a late pair associate at all",
    },
    Source {
        parameter: "login window -1..+1",
        provenance: Inferred,
        note: "unpublished; RFC 6238 section 5.2 recommends at most one step of network delay",
    },
    Source {
        parameter: "logins do not update the stored offset",
        provenance: Inferred,
        note: "unpublished; AWS asks for a resync rather than following the device",
    },
    Source {
        parameter: "resync search -10..+10, replay of older steps refused",
        provenance: Inferred,
        note: "unpublished; assumed like the enrollment search and RFC 6238 section 5.2",
    },
];

const AWS_STEPS: &[Source] = &[
    AWS_COMMON[0],
    AWS_COMMON[1],
    AWS_COMMON[2],
    AWS_COMMON[3],
    AWS_COMMON[4],
    AWS_COMMON[5],
    AWS_COMMON[6],
    Source {
        parameter: "stores whole steps: step(code 2) - verifier step",
        provenance: Inferred,
        note: "HYPOTHESIS (a): the simplest mechanism that produces the documented out-of-sync symptom",
    },
];

const AWS_SHIFT: &[Source] = &[
    AWS_COMMON[0],
    AWS_COMMON[1],
    AWS_COMMON[2],
    AWS_COMMON[3],
    AWS_COMMON[4],
    AWS_COMMON[5],
    AWS_COMMON[6],
    Source {
        parameter: "stores a time shift to the centre of code 2's step",
        provenance: Inferred,
        note: "HYPOTHESIS (b): the privacyIDEA/LinOTP resync formula (privacyidea/lib/tokens/totptoken.py, TotpTokenClass.resync), assumed for AWS",
    },
];

const PAM_COMMON: [Source; 6] = [
    Source {
        parameter: "enrollment: one code at the exact current step, asked again until right; -1 skips",
        provenance: Src,
        note: "google-authenticator-libpam src/google-authenticator.c, main(): 'Enter code from app (-1 to skip)', 'Code incorrect (correct code ...)'; stores no skew",
    },
    Source {
        parameter: "the person skips after the scenario's attempts",
        provenance: Inferred,
        note: "the tool asks for ever; how often a person retries is an assumption (--attempts)",
    },
    Source {
        parameter: "login window -1..+1 (WINDOW_SIZE 3)",
        provenance: Src,
        note: "src/pam_google_authenticator.c, check_timebased_code(): i from -((window-1)/2) to window/2 around tm + TIME_SKEW; window_size() default 3",
    },
    Source {
        parameter: "TIME_SKEW applies to every login; successful logins never change it",
        provenance: Src,
        note: "src/pam_google_authenticator.c, check_timebased_code(): compute_code(tm + skew + i)",
    },
    Source {
        parameter: "DISALLOW_REUSE: the exact step is refused again",
        provenance: Src,
        note: "src/pam_google_authenticator.c, invalidate_timebased_code(); the setup tool asks y/n with no default: this preset assumes yes (INFERRED)",
    },
    Source {
        parameter: "RATE_LIMIT 3 30 not modelled",
        provenance: Inferred,
        note: "it counts every attempt, but the modelled person types one code per step, so no 4 attempts ever fall within 30 s: it cannot change an outcome here",
    },
];

const PAM: &[Source] = &[
    PAM_COMMON[0],
    PAM_COMMON[1],
    PAM_COMMON[2],
    PAM_COMMON[3],
    PAM_COMMON[4],
    PAM_COMMON[5],
    Source {
        parameter: "skew learning on (search +-1500 steps, 3 attempts)",
        provenance: Src,
        note: "src/pam_google_authenticator.c, check_timebased_code() searches 25*60 steps each side; check_time_skew(): three attempts in strictly increasing steps at most 2 apart whose skews agree within 1 store their average (C division) as TIME_SKEW and the third is accepted",
    },
];

const PAM_NOSKEWADJ: &[Source] = &[
    PAM_COMMON[0],
    PAM_COMMON[1],
    PAM_COMMON[2],
    PAM_COMMON[3],
    PAM_COMMON[4],
    PAM_COMMON[5],
    Source {
        parameter: "skew learning off (PAM option noskewadj)",
        provenance: Src,
        note: "src/pam_google_authenticator.c, parse_args(): 'noskewadj'; check_timebased_code() then fails at once",
    },
];

const PI_COMMON: [Source; 5] = [
    Source {
        parameter: "login window -6..+5 (timeWindow 180 s)",
        provenance: Src,
        note: "privacyidea/lib/tokens/totptoken.py, TotpTokenClass.check_otp(): HmacOtp.checkOtp(otp, 180/30, symetric=True) runs range(c-6, c+6), c = int((time.time() + timeShift) / 30)",
    },
    Source {
        parameter: "a login stores timeShift = matched step start - int(now)",
        provenance: Src,
        note: "totptoken.py, check_otp(): new_shift = tokentime - inow with inow = int(time.time()); otp_count = matched step",
    },
    Source {
        parameter: "replay: a step at or below otp_count is refused",
        provenance: Src,
        note: "totptoken.py, check_otp(): 'res <= oCount' -> -1",
    },
    Source {
        parameter: "resync: code 2 in -1000..+999, timeShift to the centre of its step, otp_count = step + 1",
        provenance: Src,
        note: "totptoken.py, TotpTokenClass.resync(): checkOtp(otp2, sync_window=1000), new_shift = (res2 + 0.5) * step - now",
    },
    Source {
        parameter: "locked after 10 failures in a row",
        provenance: Src,
        note: "privacyidea/lib/tokenclass.py: failcount against maxfail (default 10); check_token_locked",
    },
];

const PI_PAIR: &[Source] = &[
    Source {
        parameter: "enrollment with a pair = privacyIDEA's resync",
        provenance: Inferred,
        note: "privacyIDEA's own enrollment takes no code; a site that enrolls with two codes (as AWS does) calls resync(otp1, otp2), which is what this preset models",
    },
    PI_COMMON[0],
    PI_COMMON[1],
    PI_COMMON[2],
    PI_COMMON[3],
    PI_COMMON[4],
    Source {
        parameter: "AutoResync off",
        provenance: Src,
        note: "totptoken.py, _autosync(): get_from_config('AutoResync', False)",
    },
];

const PI_AUTORESYNC: &[Source] = &[
    PI_PAIR[0],
    PI_COMMON[0],
    PI_COMMON[1],
    PI_COMMON[2],
    PI_COMMON[3],
    PI_COMMON[4],
    Source {
        parameter: "AutoResync on: a code in +-1000 is remembered, the next consecutive code accepted",
        provenance: Src,
        note: "totptoken.py, _autosync(): otp1c stored; otp2c == otp1c + 1 and > otp_count accepted, then check_otp writes timeShift as for a login",
    },
];

const PI_VERIFY: &[Source] = &[
    Source {
        parameter: "enrollment: one code through check_otp (verify_enrollment)",
        provenance: Src,
        note: "privacyidea/lib/tokens/hotptoken.py, verify_enrollment() -> check_otp(); -6..+5, stores timeShift as a login does",
    },
    Source {
        parameter: "the person gives up after the scenario's attempts",
        provenance: Inferred,
        note: "how often a person retries is an assumption (--attempts); a token never verified stays unusable",
    },
    PI_COMMON[0],
    PI_COMMON[1],
    PI_COMMON[2],
    PI_COMMON[3],
    PI_COMMON[4],
];

const KEYCLOAK_COMMON: [Source; 3] = [
    Source {
        parameter: "nothing stored but the secret; no resync",
        provenance: Src,
        note: "keycloak TimeBasedOTP.validateTOTP() takes only the secret and the code; the credential has no offset field",
    },
    Source {
        parameter: "replay: the same code refused for period * (2 * look-around + 1)",
        provenance: Src,
        note: "OTP policy isCodeReusable default false",
    },
    Source {
        parameter: "the person gives up after the scenario's attempts",
        provenance: Inferred,
        note: "the form can be sent again; how often a person retries is an assumption (--attempts)",
    },
];

const KEYCLOAK: &[Source] = &[
    Source {
        parameter: "enrollment (UpdateTotp) and logins: one code at -1..+1",
        provenance: Src,
        note: "keycloak common/.../TimeBasedOTP.java, validateTOTP(): look-around 1 checks steps -1..+1 (Keycloak >= 15)",
    },
    KEYCLOAK_COMMON[0],
    KEYCLOAK_COMMON[1],
    KEYCLOAK_COMMON[2],
];

const KEYCLOAK_LEGACY: &[Source] = &[
    Source {
        parameter: "enrollment and logins: one code at -1..0",
        provenance: Src,
        note: "TimeBasedOTP.java before PR #8383 (KEYCLOAK-18880, Keycloak < 15): the look-around window looked back only",
    },
    KEYCLOAK_COMMON[0],
    KEYCLOAK_COMMON[1],
    KEYCLOAK_COMMON[2],
];

const PYOTP: &[Source] = &[
    Source {
        parameter: "window 0 (valid_window=0)",
        provenance: Src,
        note: "pyotp src/pyotp/totp.py, TOTP.verify(otp, for_time, valid_window=0): only the current step",
    },
    Source {
        parameter: "stateless, no replay protection, no resync",
        provenance: Src,
        note: "pyotp keeps no state; replay and drift are left to the caller",
    },
    Source {
        parameter: "enrollment: the site confirms one code with verify()",
        provenance: Inferred,
        note: "pyotp has no enrollment; the usual site checks one code with the same defaults; the person gives up after the scenario's attempts",
    },
];

const OATHTOOL: &[Source] = &[
    Source {
        parameter: "window -1..+1 (oathtool --totp -w 1)",
        provenance: Src,
        note: "oath-toolkit 2.6.7 liboath/totp.c, oath_totp_validate4(): searches the window in both directions; oathtool prints the absolute offset (sign lost) and exits 0, or exits 2",
    },
    Source {
        parameter: "stateless, no replay protection, no resync",
        provenance: Src,
        note: "oathtool keeps no state between calls",
    },
    Source {
        parameter: "enrollment: one code checked the same way",
        provenance: Inferred,
        note: "oathtool has no enrollment; the window is the -w the caller chooses (1 here)",
    },
];

const DJANGO_OTP: &[Source] = &[
    Source {
        parameter: "enrollment: one code at -1..+1; drift saved +1 for +1, else 0",
        provenance: Src,
        note: "django-two-factor-auth two_factor/forms.py, TOTPDeviceForm.clean_token(): the loop over offsets -1..+1 does not stop at a match and a match sets self.drift = offset, the base of the next tries: a code at -1 matches again at 0 (found by skewsim lab; verifier-audit said drift = offset)",
    },
    Source {
        parameter: "login window -1..+1 around step + drift (tolerance 1)",
        provenance: Src,
        note: "django-otp src/django_otp/plugins/otp_totp/models.py, TOTPDevice.verify_token() -> oath.TOTP.verify(token, tolerance, last_t + 1)",
    },
    Source {
        parameter: "a login sets drift to the matched offset (OTP_TOTP_SYNC, default True)",
        provenance: Src,
        note: "TOTPDevice.verify_token(): self.drift = totp.drift, so it moves at most one step per login",
    },
    Source {
        parameter: "replay: only steps after last_t",
        provenance: Src,
        note: "TOTPDevice.verify_token(): min_t = last_t + 1",
    },
    Source {
        parameter: "throttling: after n failures, every check refused for 2^(n-1) s",
        provenance: Src,
        note: "django_otp/models.py, ThrottlingMixin.verify_is_allowed(); OTP_TOTP_THROTTLE_FACTOR 1",
    },
    Source {
        parameter: "no resync; the person gives up after the scenario's attempts",
        provenance: Inferred,
        note: "django-otp has no resync API; how often a person retries is an assumption (--attempts)",
    },
];

const fn w(behind: u32, ahead: u32) -> Window {
    Window { behind, ahead }
}

/// The named presets; the first is the default.
pub fn presets() -> Vec<Policy> {
    let aws = |name: &str, summary, store, sources| Policy {
        name: name.to_owned(),
        summary,
        hypothesis: true,
        flow: Flow::Pair {
            search: w(10, 10),
            store,
        },
        login: w(1, 1),
        on_login: Store::Nothing,
        replay: Replay::LaterOnly,
        learning: None,
        auto_resync: None,
        penalty: FailurePenalty::None,
        resync: Some(Resync {
            search: w(10, 10),
            store,
            how: "AWS: ResyncMFADevice, or 'Resync' in the IAM console",
        }),
        sources,
    };
    let pam = |name: &str, summary, learning, sources| Policy {
        name: name.to_owned(),
        summary,
        hypothesis: false,
        flow: Flow::Confirm {
            window: w(0, 0),
            store: Store::Nothing,
            skip_allowed: true,
        },
        login: w(1, 1),
        on_login: Store::Nothing,
        replay: Replay::SameStep,
        learning,
        auto_resync: None,
        penalty: FailurePenalty::None,
        resync: None,
        sources,
    };
    let pi_resync = Resync {
        search: w(1000, 999),
        store: Store::ShiftCentre,
        how: "privacyIDEA: resync_token / POST /token/resync",
    };
    let pi = |name: &str, summary, flow, auto_resync, sources| Policy {
        name: name.to_owned(),
        summary,
        hypothesis: false,
        flow,
        login: w(6, 5),
        on_login: Store::ShiftStart,
        replay: Replay::LaterOnly,
        learning: None,
        auto_resync,
        penalty: FailurePenalty::LockAfter(10),
        resync: Some(pi_resync),
        sources,
    };
    let stateless = |name: &str, summary, window, replay, sources| Policy {
        name: name.to_owned(),
        summary,
        hypothesis: false,
        flow: Flow::Confirm {
            window,
            store: Store::Nothing,
            skip_allowed: false,
        },
        login: window,
        on_login: Store::Nothing,
        replay,
        learning: None,
        auto_resync: None,
        penalty: FailurePenalty::None,
        resync: None,
        sources,
    };
    let pi_pair = Flow::Pair {
        search: w(1000, 999),
        store: Store::ShiftCentre,
    };
    vec![
        aws(
            "aws-iam",
            "AWS IAM virtual MFA, hypothesis (a): two codes, stores whole steps (windows INFERRED)",
            Store::Steps,
            AWS_STEPS,
        ),
        aws(
            "aws-iam-shift",
            "AWS IAM virtual MFA, hypothesis (b): two codes, stores a time shift as privacyIDEA's resync (windows INFERRED)",
            Store::ShiftCentre,
            AWS_SHIFT,
        ),
        pam(
            "google-authenticator-pam",
            "google-authenticator-libpam 1.08: setup tool's one-code check, -1..+1, learns skew from 3 attempts",
            Some(Learning { search: 1500 }),
            PAM,
        ),
        pam(
            "google-authenticator-pam-noskewadj",
            "google-authenticator-libpam 1.08 with noskewadj: no skew learning",
            None,
            PAM_NOSKEWADJ,
        ),
        pi(
            "privacyidea",
            "privacyIDEA 3.14 TOTP enrolled with a pair (its resync): -6..+5, time shift in seconds",
            pi_pair,
            None,
            PI_PAIR,
        ),
        pi(
            "privacyidea-autoresync",
            "privacyIDEA 3.14 as privacyidea, with AutoResync on",
            pi_pair,
            Some(AutoResync { search: 1000 }),
            PI_AUTORESYNC,
        ),
        pi(
            "privacyidea-verify",
            "privacyIDEA 3.14 TOTP with verify_enrollment: one code at -6..+5",
            Flow::Confirm {
                window: w(6, 5),
                store: Store::ShiftStart,
                skip_allowed: false,
            },
            None,
            PI_VERIFY,
        ),
        stateless(
            "keycloak",
            "Keycloak >= 15: one code at -1..+1, nothing stored, no resync",
            w(1, 1),
            Replay::SameStep,
            KEYCLOAK,
        ),
        stateless(
            "keycloak-legacy",
            "Keycloak < 15: one code at -1..0 (looked back only), nothing stored",
            w(1, 0),
            Replay::SameStep,
            KEYCLOAK_LEGACY,
        ),
        stateless(
            "pyotp",
            "pyotp 2.12 TOTP.verify defaults: current step only, stateless",
            w(0, 0),
            Replay::Off,
            PYOTP,
        ),
        stateless(
            "oathtool",
            "oathtool --totp -w 1 validation mode: -1..+1, stateless",
            w(1, 1),
            Replay::Off,
            OATHTOOL,
        ),
        Policy {
            name: "django-otp".to_owned(),
            summary: "django-otp 1.7 TOTPDevice with django-two-factor-auth's enrollment form: -1..+1, drift follows each login",
            hypothesis: false,
            flow: Flow::Confirm {
                window: w(1, 1),
                store: Store::StepsFormLoop,
                skip_allowed: false,
            },
            login: w(1, 1),
            on_login: Store::Steps,
            replay: Replay::LaterOnly,
            learning: None,
            auto_resync: None,
            penalty: FailurePenalty::Throttle,
            resync: None,
            sources: DJANGO_OTP,
        },
    ]
}

/// A preset by name.
pub fn preset(name: &str) -> Option<Policy> {
    presets().into_iter().find(|p| p.name == name)
}

/// The names of all presets, for error messages and `--help`.
pub fn preset_names() -> Vec<String> {
    presets().into_iter().map(|p| p.name).collect()
}

//! Verifier policies: the handful of parameters that decide an enrollment's
//! fate, and the named presets with the source of every number.

use std::fmt;
use std::str::FromStr;

/// Whether and when the verifier records the device's offset (RFC 6238 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackDrift {
    /// Never: every login is checked around the verifier's own step.
    None,
    /// The offset found at enrollment (or resync) is stored and kept.
    Enroll,
    /// Stored at enrollment and updated by every successful login.
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

/// Whether a number is the system's documented value or our inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Stated in the system's documentation, RFC or code.
    Documented,
    /// Not documented; inferred from documented behaviour.
    Inferred,
}

/// Where one parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The parameter (`enroll-behind`, `login-window`, …).
    pub parameter: &'static str,
    /// Documented or inferred.
    pub provenance: Provenance,
    /// The citation or the reasoning.
    pub note: &'static str,
}

/// A verifier model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Preset name (`aws-iam`), or the preset's name with `+overrides`.
    pub name: String,
    /// One line on what system this models.
    pub summary: &'static str,
    /// Steps behind the verifier's step that the enrollment pair search reaches.
    pub enroll_behind: u32,
    /// Steps ahead.
    pub enroll_ahead: u32,
    /// Steps each side of the stored offset a login code may be.
    pub login_window: u32,
    /// Offset recording.
    pub track_drift: TrackDrift,
    /// A step at or below the last accepted one is refused (RFC 6238 §5.2).
    pub replay_protection: bool,
    /// Steps each side that a resync (two consecutive codes) searches.
    pub resync_range: u32,
    /// Where each number comes from.
    pub sources: &'static [Source],
}

impl Policy {
    /// Whether enrollment stores the offset it found.
    pub fn stores_offset(&self) -> bool {
        self.track_drift != TrackDrift::None
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

use Provenance::{Documented, Inferred};

const AWS: &[Source] = &[
    Source {
        parameter: "two consecutive codes",
        provenance: Documented,
        note: "IAM API EnableMFADevice/ResyncMFADevice: AuthenticationCode1 and 'a subsequent authentication code', 6 digits",
    },
    Source {
        parameter: "out of sync on delay",
        provenance: Documented,
        note: "EnableMFADevice: 'If you generate the codes and then wait too long to submit the request, the MFA device successfully associates with the user but the MFA device becomes out of sync'",
    },
    Source {
        parameter: "enroll-behind/ahead 10",
        provenance: Inferred,
        note: "AWS does not publish its search range; a wide search is what lets a late pair associate at all. 10 steps (5 min) is our assumption",
    },
    Source {
        parameter: "track-drift enroll",
        provenance: Inferred,
        note: "the documented symptom is what storing offset = step(code 2) - step(receipt) produces (as privacyIDEA/LinOTP resync do); logins do not repair it, since AWS asks for a resync",
    },
    Source {
        parameter: "login-window 1",
        provenance: Inferred,
        note: "RFC 6238 §5.2 recommends at most one step of network delay; AWS's window is undocumented",
    },
    Source {
        parameter: "resync",
        provenance: Documented,
        note: "IAM user guide 'Resynchronizing virtual and hardware MFA devices': two consecutive codes via ResyncMFADevice",
    },
];

const RFC6238: &[Source] = &[
    Source {
        parameter: "enroll-behind/ahead 1, login-window 1",
        provenance: Documented,
        note: "RFC 6238 §5.2: 'We RECOMMEND that at most one time step is allowed as the network delay'; §6 allows forward and backward",
    },
    Source {
        parameter: "track-drift always",
        provenance: Documented,
        note: "RFC 6238 §6: 'Upon successful validation, the validation server can record the detected clock drift for the token in terms of the number of time steps'",
    },
    Source {
        parameter: "replay",
        provenance: Documented,
        note: "RFC 6238 §5.2: 'The verifier MUST NOT accept the second attempt of the OTP after the successful validation'",
    },
    Source {
        parameter: "two-code enrollment",
        provenance: Inferred,
        note: "RFC 6238 has no enrollment step; the pair is searched in the validation window",
    },
];

const PAM: &[Source] = &[
    Source {
        parameter: "window 1 (WINDOW_SIZE 3)",
        provenance: Documented,
        note: "google-authenticator-libpam pam_google_authenticator.c: 'Default window size is 3' (steps -1, 0, +1)",
    },
    Source {
        parameter: "track-drift none",
        provenance: Documented,
        note: "TIME_SKEW is only learned after three consecutive failing codes within ±1500 steps (not modelled); a normal login stores nothing",
    },
    Source {
        parameter: "replay",
        provenance: Documented,
        note: "DISALLOW_REUSE, written by the setup tool by default",
    },
    Source {
        parameter: "two-code enrollment",
        provenance: Inferred,
        note: "libpam has no enrollment check; a site built on it checks the pair within the login window",
    },
];

const PRIVACYIDEA: &[Source] = &[
    Source {
        parameter: "login-window 6",
        provenance: Documented,
        note: "privacyIDEA TOTP timeWindow default 180 s = 6 steps of 30 s (its code effectively checks -6..+5)",
    },
    Source {
        parameter: "track-drift always",
        provenance: Documented,
        note: "privacyIDEA totptoken.py rewrites timeShift on every successful check",
    },
    Source {
        parameter: "enroll-behind/ahead 1000, resync 1000",
        provenance: Documented,
        note: "resync(otp1, otp2) searches sync_window (default 1000 steps) and sets timeShift = (step(otp2)+0.5)*step - server time",
    },
];

const KEYCLOAK: &[Source] = &[
    Source {
        parameter: "window 1",
        provenance: Documented,
        note: "Keycloak OTP policy lookAheadWindow default 1 ('look around': ±1 step)",
    },
    Source {
        parameter: "track-drift none",
        provenance: Inferred,
        note: "Keycloak stores no per-credential offset and has no resync API",
    },
    Source {
        parameter: "replay",
        provenance: Documented,
        note: "OTP policy isCodeReusable default false",
    },
];

const PYOTP: &[Source] = &[
    Source {
        parameter: "window 0",
        provenance: Documented,
        note: "pyotp TOTP.verify(valid_window=0): only the current step",
    },
    Source {
        parameter: "track-drift none, no replay",
        provenance: Documented,
        note: "pyotp keeps no state; drift recording (issue #11) and replay are left to the caller",
    },
];

const DJANGO_OTP: &[Source] = &[
    Source {
        parameter: "window 1",
        provenance: Documented,
        note: "django-otp TOTPDevice.tolerance default 1",
    },
    Source {
        parameter: "track-drift always",
        provenance: Documented,
        note: "TOTPDevice.drift updated on every match when OTP_TOTP_SYNC (default True)",
    },
    Source {
        parameter: "replay",
        provenance: Documented,
        note: "TOTPDevice.last_t: only later steps are accepted",
    },
];

/// The named presets; the first is the default.
pub fn presets() -> Vec<Policy> {
    let p = |name: &str,
             summary,
             (enroll_behind, enroll_ahead),
             login_window,
             track_drift,
             replay_protection,
             resync_range,
             sources| Policy {
        name: name.to_owned(),
        summary,
        enroll_behind,
        enroll_ahead,
        login_window,
        track_drift,
        replay_protection,
        resync_range,
        sources,
    };
    vec![
        p(
            "aws-iam",
            "AWS IAM virtual MFA (two-code EnableMFADevice; windows inferred)",
            (10, 10),
            1,
            TrackDrift::Enroll,
            true,
            10,
            AWS,
        ),
        p(
            "rfc6238",
            "RFC 6238's recommendations (±1 step, recorded drift)",
            (1, 1),
            1,
            TrackDrift::Always,
            true,
            1,
            RFC6238,
        ),
        p(
            "google-authenticator-pam",
            "google-authenticator-libpam defaults (WINDOW_SIZE 3, no stored skew)",
            (1, 1),
            1,
            TrackDrift::None,
            true,
            1,
            PAM,
        ),
        p(
            "privacyidea",
            "privacyIDEA TOTP (timeWindow 180 s, timeShift updated on success)",
            (1000, 1000),
            6,
            TrackDrift::Always,
            true,
            1000,
            PRIVACYIDEA,
        ),
        p(
            "keycloak",
            "Keycloak OTP policy defaults (look-around 1, no stored offset)",
            (1, 1),
            1,
            TrackDrift::None,
            true,
            1,
            KEYCLOAK,
        ),
        p(
            "pyotp",
            "pyotp TOTP.verify defaults (current step only)",
            (0, 0),
            0,
            TrackDrift::None,
            false,
            0,
            PYOTP,
        ),
        p(
            "django-otp",
            "django-otp TOTPDevice defaults (tolerance 1, drift synced)",
            (1, 1),
            1,
            TrackDrift::Always,
            true,
            1,
            DJANGO_OTP,
        ),
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

//! otpauth URIs (the Key URI Format of authenticator apps): parse and emit.
//!
//! `otpauth://TYPE/LABEL?secret=…&issuer=…&algorithm=…&digits=…&period=…&counter=…`
//!
//! Leniencies, each seen in the wild: scheme, type and algorithm are
//! case-insensitive; the secret may carry padding, spaces or lower case; `+`
//! in a parameter value means a space (form encoding), but is literal in the
//! label; unknown parameters (`image`, …) are ignored. Strict where a
//! mistake would give wrong codes: a duplicate parameter, a bad escape, an
//! out-of-range number, or a label issuer that contradicts `issuer=` is an error.
//!
//! Not representable, by the format's own rules: a `:` in the issuer or the
//! account, and an account that starts with a space when there is an issuer
//! (spaces after `issuer:` are dropped). Emitting such values does not round-trip.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::algorithm::Algorithm;
use super::error::{Error, Result, UriError};
use super::hotp::Digits;
use super::secret::Secret;
use super::time_step::TimeStep;

/// TOTP (with its period) or HOTP (with its counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpKind {
    /// Time-based, with the period in seconds.
    Totp {
        /// The `period` parameter (default 30).
        period: u64,
    },
    /// Counter-based, with the initial counter.
    Hotp {
        /// The `counter` parameter (required).
        counter: u64,
    },
}

/// A parsed otpauth URI.
///
/// ```
/// use skewsim::{OtpAuthUri, Algorithm};
/// let uri: OtpAuthUri = "otpauth://totp/ACME%20Co:john@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60".parse().unwrap();
/// assert_eq!(uri.issuer.as_deref(), Some("ACME Co"));
/// assert_eq!(uri.account, "john@example.com");
/// assert_eq!(uri.algorithm, Algorithm::Sha256);
/// let again: OtpAuthUri = uri.to_string().parse().unwrap();
/// assert_eq!(again, uri);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpAuthUri {
    /// totp or hotp, with period or counter.
    pub kind: OtpKind,
    /// The issuer, from the `issuer` parameter or the label prefix.
    pub issuer: Option<String>,
    /// The account name (the label after `issuer:`).
    pub account: String,
    /// The shared secret.
    pub secret: Secret,
    /// The `algorithm` parameter (default SHA1).
    pub algorithm: Algorithm,
    /// The `digits` parameter (default 6).
    pub digits: Digits,
}

impl OtpAuthUri {
    /// The TOTP period as a [`TimeStep`] from T0 = 0 (None for HOTP).
    pub fn time_step(&self) -> Option<TimeStep> {
        match self.kind {
            // A parsed period is never zero, so TimeStep::new cannot fail.
            OtpKind::Totp { period } => TimeStep::new(period, 0).ok(),
            OtpKind::Hotp { .. } => None,
        }
    }
}

fn decode_percent(text: &str, part: &str, plus_is_space: bool) -> Result<String, UriError> {
    let bad = || UriError::PercentEncoding {
        part: part.to_owned(),
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

fn parse_number(name: &'static str, value: &str) -> Result<u64, UriError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UriError::Parameter {
            name,
            reason: "not a whole number".to_owned(),
        });
    }
    value.parse().map_err(|_| UriError::Parameter {
        name,
        reason: "too large".to_owned(),
    })
}

impl std::str::FromStr for OtpAuthUri {
    type Err = Error;

    fn from_str(uri: &str) -> Result<Self> {
        let rest = uri
            .get(..10)
            .filter(|s| s.eq_ignore_ascii_case("otpauth://"))
            .map(|_| &uri[10..])
            .ok_or(UriError::Scheme)?;
        let (kind_name, rest) = rest.split_once('/').ok_or(UriError::MissingLabel)?;
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let kind_name = kind_name.to_ascii_lowercase();
        if kind_name != "totp" && kind_name != "hotp" {
            let plain =
                kind_name.len() <= 10 && kind_name.bytes().all(|b| b.is_ascii_alphanumeric());
            let shown = if plain { kind_name } else { String::new() };
            return Err(UriError::Type(shown).into());
        }

        let label = decode_percent(label, "label", false)?;
        let (label_issuer, account) = match label.split_once(':') {
            // The format allows spaces before the account name; only spaces
            // are dropped, so other leading characters survive a round trip.
            Some((issuer, account)) => (
                Some(issuer.to_owned()),
                account.trim_start_matches(' ').to_owned(),
            ),
            None => (None, label.clone()),
        };
        if account.is_empty() {
            return Err(UriError::MissingLabel.into());
        }

        let mut secret = None;
        let mut issuer_param = None;
        let mut algorithm = None;
        let mut digits = None;
        let mut period = None;
        let mut counter = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode_percent(raw_name, "parameter name", true)?.to_ascii_lowercase();
            let known = [
                "secret",
                "issuer",
                "algorithm",
                "digits",
                "period",
                "counter",
            ];
            let Some(&name) = known.iter().find(|k| **k == name) else {
                continue;
            };
            let value = zeroize::Zeroizing::new(decode_percent(raw_value, name, true)?);
            let duplicate = || UriError::DuplicateParameter(name.to_owned());
            match name {
                "secret" => {
                    let parsed = Secret::from_base32(&value).map_err(|e| UriError::Parameter {
                        name: "secret",
                        reason: e.to_string(),
                    })?;
                    if secret.replace(parsed).is_some() {
                        return Err(duplicate().into());
                    }
                }
                "issuer" => {
                    if issuer_param.replace(value.to_string()).is_some() {
                        return Err(duplicate().into());
                    }
                }
                "algorithm" => {
                    let parsed = value
                        .parse::<Algorithm>()
                        .map_err(|e| UriError::Parameter {
                            name: "algorithm",
                            reason: e.to_string(),
                        })?;
                    if algorithm.replace(parsed).is_some() {
                        return Err(duplicate().into());
                    }
                }
                "digits" => {
                    let parsed = Digits::new(parse_number("digits", &value)?).map_err(|e| {
                        UriError::Parameter {
                            name: "digits",
                            reason: e.to_string(),
                        }
                    })?;
                    if digits.replace(parsed).is_some() {
                        return Err(duplicate().into());
                    }
                }
                "period" => {
                    let parsed = parse_number("period", &value)?;
                    if parsed == 0 {
                        return Err(UriError::Parameter {
                            name: "period",
                            reason: "must be at least 1 second".to_owned(),
                        }
                        .into());
                    }
                    if period.replace(parsed).is_some() {
                        return Err(duplicate().into());
                    }
                }
                _ => {
                    if counter.replace(parse_number("counter", &value)?).is_some() {
                        return Err(duplicate().into());
                    }
                }
            }
        }

        let secret = secret.ok_or(UriError::MissingSecret)?;
        let issuer = match (label_issuer, issuer_param) {
            (Some(label), Some(param)) if label != param => {
                return Err(UriError::IssuerMismatch { label, param }.into());
            }
            (label, param) => param.or(label),
        };
        let kind = if kind_name == "totp" {
            OtpKind::Totp {
                period: period.unwrap_or(30),
            }
        } else {
            OtpKind::Hotp {
                counter: counter.ok_or(UriError::MissingCounter)?,
            }
        };
        Ok(OtpAuthUri {
            kind,
            issuer,
            account,
            secret,
            algorithm: algorithm.unwrap_or_default(),
            digits: digits.unwrap_or_default(),
        })
    }
}

/// Everything but the unreserved characters of RFC 3986 is escaped.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

impl fmt::Display for OtpAuthUri {
    /// Emits the canonical form: label `issuer:account`, base32 without
    /// padding, and every parameter spelled out. This string holds the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            OtpKind::Totp { .. } => "totp",
            OtpKind::Hotp { .. } => "hotp",
        };
        write!(f, "otpauth://{kind}/")?;
        if let Some(issuer) = &self.issuer {
            write!(f, "{}:", utf8_percent_encode(issuer, COMPONENT))?;
        }
        write!(f, "{}", utf8_percent_encode(&self.account, COMPONENT))?;
        write!(f, "?secret={}", self.secret.to_base32().as_str())?;
        if let Some(issuer) = &self.issuer {
            write!(f, "&issuer={}", utf8_percent_encode(issuer, COMPONENT))?;
        }
        write!(
            f,
            "&algorithm={}&digits={}",
            self.algorithm.uri_name(),
            self.digits.get()
        )?;
        match self.kind {
            OtpKind::Totp { period } => write!(f, "&period={period}"),
            OtpKind::Hotp { counter } => write!(f, "&counter={counter}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key URI Format: `period` (default 30) is a TOTP's step, counted from
    /// T0 = 0; an HOTP URI has none. In the query a `+` is a space (form
    /// encoding); in the label (the path) it is a plus.
    #[test]
    fn period_is_the_time_step_and_plus_is_a_space_only_in_the_query() {
        let uri: OtpAuthUri = "otpauth://totp/a+b?secret=JBSWY3DPEHPK3PXP&issuer=ACME+Co&period=60"
            .parse()
            .expect("valid");
        assert_eq!(uri.account, "a+b");
        assert_eq!(uri.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(uri.time_step(), Some(TimeStep::new(60, 0).expect("60")));
        let hotp: OtpAuthUri = "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=5"
            .parse()
            .expect("valid");
        assert_eq!(hotp.time_step(), None);
    }

    /// A number parameter is one or more ASCII digits: empty, signed or
    /// lettered values are refused, naming the parameter.
    #[test]
    fn number_parameters_are_digits_only() {
        for (query, name) in [
            ("digits=", "digits"),
            ("period=3O", "period"),
            ("period=-30", "period"),
            // u64::from_str alone would take a leading + (%2B; a bare + is a space).
            ("period=%2B30", "period"),
        ] {
            let err = format!("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&{query}")
                .parse::<OtpAuthUri>()
                .expect_err("not a number")
                .to_string();
            assert!(err.contains(name), "{query}: {err}");
        }
        let ok: OtpAuthUri = "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=8&period=45"
            .parse()
            .expect("valid");
        assert_eq!(ok.kind, OtpKind::Totp { period: 45 });
    }

    /// The canonical form spells every parameter out and reads back as the
    /// same URI.
    #[test]
    fn the_canonical_form_reads_back() {
        let text = "otpauth://totp/ACME%20Co:jo?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co\
                    &algorithm=SHA256&digits=8&period=60";
        let uri: OtpAuthUri = text.parse().expect("valid");
        assert_eq!(uri.to_string(), text);
        let again: OtpAuthUri = uri.to_string().parse().expect("valid");
        assert_eq!(again, uri);
    }
}

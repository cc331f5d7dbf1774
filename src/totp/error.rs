//! The one error type of the TOTP core.
//!
//! Every message is written to follow the name of the argument that caused it
//! (`--secret is not base32: '!' at position 3`), and no message ever contains
//! a secret: at most the single offending character and its position.

use thiserror::Error;

/// Everything that can be wrong with an input to the TOTP core.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A base32 string holds a character outside the RFC 4648 alphabet.
    #[error("not base32: {ch:?} at position {position}")]
    Base32Char {
        /// The offending character (one character, never the whole secret).
        ch: char,
        /// Its 0-based character position in the input as given.
        position: usize,
    },
    /// A base32 string's length (without padding) cannot encode whole bytes.
    #[error(
        "not base32: {len} symbols cannot encode whole bytes (a length of 1, 3 or 6 mod 8 is impossible)"
    )]
    Base32Length {
        /// Number of alphabet symbols after removing padding, spaces and hyphens.
        len: usize,
    },
    /// Padding `=` followed by something other than padding.
    #[error("not base32: '=' padding at position {position} is followed by more symbols")]
    Base32Padding {
        /// 0-based character position of the first `=`.
        position: usize,
    },
    /// A hex string holds a non-hex character.
    #[error("not hex: {ch:?} at position {position}")]
    HexChar {
        /// The offending character.
        ch: char,
        /// Its 0-based character position.
        position: usize,
    },
    /// A hex string with an odd number of digits.
    #[error("not hex: odd number of hex digits ({len})")]
    HexLength {
        /// Number of hex digits.
        len: usize,
    },
    /// A secret with no bytes at all.
    #[error("empty: a secret needs at least one byte")]
    EmptySecret,
    /// An algorithm name we do not know.
    #[error(
        "not a known algorithm: {name:?} (expected sha1, sha256, sha512, sha3-224, sha3-256, sha3-384 or sha3-512)"
    )]
    UnknownAlgorithm {
        /// The name as given when at most 12 characters, else its length only.
        name: String,
    },
    /// A digit count outside 6..=10.
    #[error("out of range: digits must be 6 to 10, got {got}")]
    Digits {
        /// The rejected digit count.
        got: u64,
    },
    /// A time step of zero seconds.
    #[error("zero: the period must be at least 1 second")]
    ZeroPeriod,
    /// A time before the epoch T0 of the time steps.
    #[error("before T0: time {time} < t0 {t0}")]
    TimeBeforeT0 {
        /// The time asked for.
        time: u64,
        /// The epoch.
        t0: u64,
    },
    /// A code to verify that is not a string of exactly `digits` decimal digits.
    #[error("not a {digits}-digit code: {reason}")]
    CodeFormat {
        /// The digit count expected.
        digits: u8,
        /// Why it is not (never echoes the code).
        reason: &'static str,
    },
    /// A malformed or contradictory otpauth URI.
    #[error("not a valid otpauth URI: {0}")]
    Uri(#[from] UriError),
}

/// What is wrong with an otpauth URI.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum UriError {
    /// The scheme is not `otpauth://`.
    #[error("the scheme must be otpauth://")]
    Scheme,
    /// The type (host part) is neither `totp` nor `hotp`. It carries the
    /// type only when that is a short plain word: a URI missing its
    /// `/label` puts the query, secret included, where the type should be.
    #[error("the type must be totp or hotp{}", type_shown(.0))]
    Type(String),
    /// The label (path) is missing or empty.
    #[error("the label (account name) is missing")]
    MissingLabel,
    /// No `secret` parameter.
    #[error("the secret parameter is missing")]
    MissingSecret,
    /// A hotp URI without its `counter` parameter.
    #[error("a hotp URI needs a counter parameter")]
    MissingCounter,
    /// A `%` not followed by two hex digits, or an escape that does not decode to UTF-8.
    #[error("bad percent-encoding in the {part}")]
    PercentEncoding {
        /// Which part of the URI (label, or the parameter's name).
        part: String,
    },
    /// A parameter given twice.
    #[error("the {0} parameter is given twice")]
    DuplicateParameter(String),
    /// A parameter whose value does not parse.
    #[error("the {name} parameter is invalid: {reason}")]
    Parameter {
        /// Parameter name.
        name: &'static str,
        /// What is wrong (never the secret's value).
        reason: String,
    },
    /// The label's issuer prefix and the issuer parameter differ.
    #[error(
        "the label's issuer {} differs from the issuer parameter {}",
        crate::text::quoted(.label),
        crate::text::quoted(.param)
    )]
    IssuerMismatch {
        /// Issuer from the label prefix.
        label: String,
        /// Issuer from the parameter.
        param: String,
    },
}

fn type_shown(shown: &str) -> String {
    if shown.is_empty() {
        ", followed by /label (the part before the first '/' is not shown: it may hold the secret)"
            .to_owned()
    } else {
        format!(", got {shown:?}")
    }
}

/// Shorthand for results of the TOTP core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use crate::totp::OtpAuthUri;

    /// A type that is a short plain word is named in the message; a URI that
    /// lacks its `/label` puts its query, secret included, where the type
    /// should be, and then the message names nothing from it and says what is
    /// missing.
    #[test]
    fn a_wrong_type_is_named_only_when_it_cannot_hold_the_secret() {
        let err = "otpauth://steam/alice?secret=JBSWY3DPEHPK3PXP"
            .parse::<OtpAuthUri>()
            .expect_err("steam is not a type");
        assert_eq!(
            err.to_string(),
            "not a valid otpauth URI: the type must be totp or hotp, got \"steam\""
        );
        let err = "otpauth://totp?secret=JBSWY3DPEHPK3PXP&issuer=a/b"
            .parse::<OtpAuthUri>()
            .expect_err("no label");
        assert_eq!(
            err.to_string(),
            "not a valid otpauth URI: the type must be totp or hotp, followed by /label \
             (the part before the first '/' is not shown: it may hold the secret)"
        );
        // Named only when short (at most 10) and plain (letters and digits).
        for kind in ["t?x=1", "authenticator"] {
            let err = format!("otpauth://{kind}/a?secret=JBSWY3DPEHPK3PXP")
                .parse::<OtpAuthUri>()
                .expect_err("not a type")
                .to_string();
            assert!(
                err.ends_with("it may hold the secret)") && !err.contains(kind),
                "{err}"
            );
        }
    }
}

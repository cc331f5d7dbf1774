//! Judging this crate's own TOTP core against the vectors: every row goes
//! through code generation, and valid rows also through verification, so a
//! vector checks each public path that computes a code.

use super::load::{CodeCase, Expect, SecretCase, UriCase, VectorFile, VectorSet, VerifyCase};
use super::{Failure, FileReport, Filter};
use crate::totp::{
    Algorithm, Digits, Error, OtpAuthUri, OtpKind, Secret, TimeStep, Totp, UriError, Verdict,
    Window, hotp_value, verify,
};

/// Runs every file through the core.
pub fn check_all(files: &[VectorFile], filter: &Filter) -> Vec<FileReport> {
    files.iter().map(|f| check_file(f, filter)).collect()
}

/// Runs one file through the core.
pub fn check_file(file: &VectorFile, filter: &Filter) -> FileReport {
    let mut report = FileReport::new(&file.name, file.kind);
    match &file.set {
        VectorSet::Codes(cases) => {
            for case in cases {
                if !filter.admits(case) {
                    report.skipped += 1;
                    continue;
                }
                let (ok, got) = check_code(case);
                report.record(ok, || Failure::for_code(case, got));
            }
        }
        VectorSet::Verify(cases) => {
            for case in cases {
                if !filter.admits(&case.code) {
                    report.skipped += 1;
                    continue;
                }
                let got = check_verify(case);
                report.record(got == case.verdict, || Failure {
                    id: case.code.id.clone(),
                    comment: case.code.comment.clone(),
                    expected: case.verdict.clone(),
                    got,
                });
            }
        }
        VectorSet::Secrets(cases) => {
            for case in cases {
                let (ok, got) = check_secret(case);
                report.record(ok, || Failure {
                    id: case.id.clone(),
                    comment: case.comment.clone(),
                    expected: expected_of(case.expect, &case.hex, &case.error),
                    got,
                });
            }
        }
        VectorSet::Uris(cases) => {
            for case in cases {
                let (ok, got) = check_uri(case);
                report.record(ok, || Failure {
                    id: case.id.clone(),
                    comment: case.comment.clone(),
                    expected: expected_of(case.expect, "the listed fields", &case.error),
                    got,
                });
            }
        }
    }
    report
}

fn expected_of(expect: Expect, valid: &str, error: &str) -> String {
    match expect {
        Expect::Valid => valid.to_owned(),
        Expect::Invalid => format!("error {error}"),
    }
}

/// Builds the token a code row describes.
///
/// # Errors
/// The core's error for a field it refuses.
pub fn token_of(case: &CodeCase) -> Result<Totp, Error> {
    Ok(Totp::new(
        Secret::from_hex(&case.secret_hex)?,
        case.algorithm.parse::<Algorithm>()?,
        Digits::new(case.digits)?,
        TimeStep::new(case.period, case.t0)?,
    ))
}

/// (passes, what the core gave) for one code row.
fn check_code(case: &CodeCase) -> (bool, String) {
    let totp = match token_of(case) {
        Ok(t) => t,
        Err(e) => return (false, format!("error: {e}")),
    };
    let code = match totp.code_at(case.time) {
        Ok(c) => c.to_string(),
        Err(e) => return (false, format!("error: {e}")),
    };
    match case.expect {
        Expect::Invalid => {
            let ok = code != case.expected;
            (ok, code)
        }
        Expect::Valid => {
            if code != case.expected {
                return (false, code);
            }
            // The same code must verify at offset 0 with a zero window.
            match verify(&totp, &code, case.time, Window::default()) {
                Ok(Verdict::Accepted { offset: 0 }) => {}
                other => return (false, format!("code {code} but verify gave {other:?}")),
            }
            if let (Some(counter), Some((hmac_hex, truncated))) = (case.counter, &case.intermediate)
            {
                let tag_hex = totp.algorithm().hmac(
                    totp.secret().as_bytes(),
                    &counter.to_be_bytes(),
                    |tag| tag.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                );
                let value = hotp_value(totp.algorithm(), totp.secret(), counter);
                if &tag_hex != hmac_hex || value != *truncated {
                    return (false, format!("HMAC {tag_hex}, truncated {value}"));
                }
            }
            (true, code)
        }
    }
}

fn check_verify(case: &VerifyCase) -> String {
    let window = Window {
        behind: case.behind,
        ahead: case.ahead,
    };
    let result =
        token_of(&case.code).and_then(|t| verify(&t, &case.code.expected, case.code.time, window));
    match result {
        Ok(Verdict::Accepted { offset }) => format!("accepted:{offset}"),
        Ok(Verdict::Rejected) => "rejected".to_owned(),
        Err(e) => format!("error: {e}"),
    }
}

/// The error kind a vector file names for a core error.
pub fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Base32Char { .. } | Error::HexChar { .. } => "char",
        Error::Base32Length { .. } | Error::HexLength { .. } => "length",
        Error::Base32Padding { .. } => "padding",
        Error::EmptySecret => "empty",
        Error::UnknownAlgorithm { .. } => "algorithm",
        Error::Digits { .. } => "digits",
        Error::ZeroPeriod => "period",
        Error::TimeBeforeT0 { .. } => "time",
        Error::CodeFormat { .. } => "code",
        Error::Uri(uri) => match uri {
            UriError::Scheme => "scheme",
            UriError::Type(_) => "type",
            UriError::MissingLabel => "label",
            UriError::MissingSecret => "secret",
            UriError::MissingCounter => "counter",
            UriError::PercentEncoding { .. } => "percent",
            UriError::DuplicateParameter(_) => "duplicate",
            UriError::Parameter { name, .. } => name,
            UriError::IssuerMismatch { .. } => "issuer",
        },
    }
}

fn check_secret(case: &SecretCase) -> (bool, String) {
    let parsed = match case.encoding.as_str() {
        "base32" => Secret::from_base32(&case.input),
        "hex" => Secret::from_hex(&case.input),
        other => return (false, format!("unknown encoding {other:?}")),
    };
    match (parsed, case.expect) {
        (Ok(s), Expect::Valid) => {
            let hex = s.to_hex();
            (*hex == case.hex, hex.to_string())
        }
        (Err(e), Expect::Invalid) => (
            error_kind(&e) == case.error,
            format!("error {}", error_kind(&e)),
        ),
        (Ok(s), Expect::Invalid) => (false, format!("accepted as {}", s.to_hex().as_str())),
        (Err(e), Expect::Valid) => (false, format!("error: {e}")),
    }
}

fn check_uri(case: &UriCase) -> (bool, String) {
    match (case.uri.parse::<OtpAuthUri>(), case.expect) {
        (Ok(uri), Expect::Valid) => {
            let (kind, period, counter) = match uri.kind {
                OtpKind::Totp { period } => ("totp", period.to_string(), String::new()),
                OtpKind::Hotp { counter } => ("hotp", String::new(), counter.to_string()),
            };
            let got = [
                ("kind", kind.to_owned()),
                ("secret_hex", uri.secret.to_hex().to_string()),
                ("issuer", uri.issuer.clone().unwrap_or_default()),
                ("account", uri.account.clone()),
                ("algorithm", uri.algorithm.name().to_owned()),
                ("digits", uri.digits.get().to_string()),
                ("period", period),
                ("counter", counter),
            ];
            for (column, value) in &got {
                if case.fields.get(*column) != Some(value) {
                    return (false, format!("{column}={value}"));
                }
            }
            // What we emit must parse back to the same thing.
            match uri.to_string().parse::<OtpAuthUri>() {
                Ok(again) if again == uri => (true, "fields match".to_owned()),
                _ => (false, "emitted URI does not parse back the same".to_owned()),
            }
        }
        (Err(e), Expect::Invalid) => (
            error_kind(&e) == case.error,
            format!("error {}", error_kind(&e)),
        ),
        (Ok(_), Expect::Invalid) => (false, "accepted".to_owned()),
        (Err(e), Expect::Valid) => (false, format!("error: {e}")),
    }
}

//! What a row tests, as Wycheproof-style flags, and which `valid` rows are
//! only `acceptable`: inputs in a form skewsim forgives but that a strict
//! implementation may reasonably refuse (lower-case base32, separators,
//! padding inside an otpauth URI). The conformance API and the JSON export
//! share these rules, so a refusal that passes here is `acceptable` there.

use super::load::{CodeCase, Expect, SecretCase, UriCase, VectorFile, VectorSet, VerifyCase};

/// Wycheproof's three results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowResult {
    /// The implementation must give the expected output.
    Valid,
    /// The implementation must not give it (or must refuse the input).
    Invalid,
    /// Either the expected output or a refusal; anything else fails.
    Acceptable,
}

impl RowResult {
    /// The word used in the JSON export.
    pub fn word(self) -> &'static str {
        match self {
            RowResult::Valid => "valid",
            RowResult::Invalid => "invalid",
            RowResult::Acceptable => "acceptable",
        }
    }
}

/// Every flag the built-in files use, with what it means (the export's
/// `notes`). A flag from a file given with `--dir` that is not listed here
/// gets a generic description.
pub const NOTES: [(&str, &str); 28] = [
    (
        "Rfc4226",
        "RFC 4226 Appendix D: HOTP with the 20-byte seed, counters 0-9",
    ),
    (
        "Rfc6238",
        "RFC 6238 Appendix B with Appendix A's 20/32/64-byte seeds",
    ),
    (
        "SeedErratum",
        "RFC 6238 seed erratum: the 20-byte seed with SHA-256/512 must not give the published value (an implementation that does pads or repeats the key)",
    ),
    ("AlgDigits", "every algorithm with 6 to 10 digits"),
    (
        "Keylen",
        "keys of 1 to 256 bytes around every hash's block size",
    ),
    ("PeriodT0", "periods from 1 s to a day, T0 other than 0"),
    ("Boundary", "one second either side of a step boundary"),
    (
        "Bigtime",
        "times at 2^31-1, 2^32, year 2603, 2^63 and 2^64-1 (32-bit and signed time bugs)",
    ),
    ("Maxperiod", "a period of 2^64-1 seconds"),
    ("T0EqTime", "T0 equal to the time (step 0)"),
    (
        "Byte19",
        "bug: truncation offset taken from byte 19 (SHA-1's last byte) instead of the hash's last byte",
    ),
    ("Time32", "bug: time truncated to 32 bits"),
    ("Counter32", "bug: step counter truncated to 32 bits"),
    (
        "Nomask",
        "bug: the 31-bit mask (0x7fffffff) left out of dynamic truncation",
    ),
    (
        "Keypad",
        "bug: a short key repeated to the hash's output size (old otplib, speakeasy): the 20-byte seed then gives the published SHA-256 codes",
    ),
    ("Round", "bug: the step counter rounded instead of floored"),
    ("NoT0", "bug: T0 ignored"),
    (
        "B32AsAscii",
        "bug: the base32 text used as the key instead of the bytes it encodes",
    ),
    ("Mod32", "bug: 10^10 computed in 32-bit arithmetic"),
    (
        "Window",
        "windowed verification: the nearest matching offset, past before future, or a rejection",
    ),
    ("Base32", "a base32 secret (RFC 4648)"),
    ("Hex", "a hex secret"),
    (
        "LowerCase",
        "lower-case base32: skewsim accepts them, a strict implementation may refuse (acceptable)",
    ),
    (
        "Separators",
        "base32 grouped with spaces or hyphens: skewsim ignores them, a strict implementation may refuse (acceptable)",
    ),
    (
        "CaseInsensitive",
        "an otpauth URI with an upper-case scheme, type or parameter name, or a lower-case secret: skewsim accepts it, a strict implementation may refuse (acceptable)",
    ),
    (
        "Padding",
        "base32 padding inside an otpauth URI, which the Key URI Format omits (acceptable)",
    ),
    ("Totp", "an otpauth://totp URI"),
    ("Hotp", "an otpauth://hotp URI"),
];

/// What a flag means: [`NOTES`], `Invalid…` for an input to refuse with
/// its error kind, generic text for any other.
pub fn note(flag: &str) -> String {
    if let Some((_, d)) = NOTES.iter().find(|(f, _)| *f == flag) {
        return (*d).to_owned();
    }
    match flag.strip_prefix("Invalid") {
        Some(kind) if !kind.is_empty() => format!(
            "an input to refuse, error kind {} (vectors/README.md lists the kinds)",
            kind.to_ascii_lowercase()
        ),
        _ => format!("rows whose id is marked {flag}"),
    }
}

/// `char` → `InvalidChar`: the flag of a row that must be refused.
fn invalid(error: &str) -> String {
    format!("Invalid{}", camel(error))
}

/// `period-t0` → `PeriodT0`.
fn camel(stem: &str) -> String {
    stem.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The flag a code row's id carries: `ext-0001-alg-digits` → `AlgDigits`,
/// `bug-024-time32` → `Time32`, `rfc6238-erratum-…` → `SeedErratum`.
fn code_flags(case: &CodeCase) -> Vec<String> {
    let id = case.id.as_str();
    if id.starts_with("rfc4226") || case.counter.is_some() {
        return vec!["Rfc4226".to_owned()];
    }
    if id.starts_with("rfc6238-erratum") {
        return vec!["SeedErratum".to_owned()];
    }
    if id.starts_with("rfc6238") {
        return vec!["Rfc6238".to_owned()];
    }
    // prefix-NUMBER-stem
    let mut parts = id.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(n), Some(stem)) if n.bytes().all(|b| b.is_ascii_digit()) => {
            vec![camel(stem)]
        }
        _ => Vec::new(),
    }
}

/// Flags of a base32 or hex input a strict decoder may refuse.
fn base32_leniency(input: &str) -> Vec<String> {
    let mut flags = Vec::new();
    if input.bytes().any(|b| b.is_ascii_lowercase()) {
        flags.push("LowerCase".to_owned());
    }
    if input.contains([' ', '-']) {
        flags.push("Separators".to_owned());
    }
    flags
}

/// A secret row's flags and result.
pub fn secret(case: &SecretCase) -> (Vec<String>, RowResult) {
    let mut flags = vec![camel(&case.encoding)];
    if case.encoding == "base32" && case.expect == Expect::Valid {
        let lenient = base32_leniency(case.input.trim());
        if !lenient.is_empty() {
            flags.extend(lenient);
            return (flags, RowResult::Acceptable);
        }
    }
    if case.expect == Expect::Invalid {
        flags.push(invalid(&case.error));
    }
    (flags, verdict_of(case.expect))
}

/// An otpauth row's flags and result: upper-case scheme, type or parameter
/// names, a lower-case secret, separators or padding in the secret make a
/// valid row acceptable.
pub fn uri(case: &UriCase) -> (Vec<String>, RowResult) {
    let mut flags = Vec::new();
    match case.fields.get("kind").map(String::as_str) {
        Some("totp") => flags.push("Totp".to_owned()),
        Some("hotp") => flags.push("Hotp".to_owned()),
        _ => {}
    }
    if case.expect == Expect::Invalid {
        flags.push(invalid(&case.error));
        return (flags, RowResult::Invalid);
    }
    let text = case.uri.as_str();
    let (head, query) = text.split_once('?').unwrap_or((text, ""));
    let query = query.split('#').next().unwrap_or("");
    let head_upper = head
        .split('/')
        .take(3)
        .any(|p| p.bytes().any(|b| b.is_ascii_uppercase()));
    let mut lenient = Vec::new();
    let mut upper_names = false;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        upper_names |= name.bytes().any(|b| b.is_ascii_uppercase());
        if name.eq_ignore_ascii_case("secret") {
            if value.bytes().any(|b| b.is_ascii_lowercase()) {
                lenient.push("CaseInsensitive");
            }
            if value.contains("%20") || value.contains(['+', '-']) {
                lenient.push("Separators");
            }
            if value.contains("%3D") || value.contains("%3d") || value.contains('=') {
                lenient.push("Padding");
            }
        }
    }
    if (head_upper || upper_names) && !lenient.contains(&"CaseInsensitive") {
        lenient.insert(0, "CaseInsensitive");
    }
    if lenient.is_empty() {
        (flags, RowResult::Valid)
    } else {
        flags.extend(lenient.iter().map(|f| (*f).to_owned()));
        (flags, RowResult::Acceptable)
    }
}

/// A code row's flags and result.
pub fn code(case: &CodeCase) -> (Vec<String>, RowResult) {
    (code_flags(case), verdict_of(case.expect))
}

/// A verification row's flags and result (`rejected` rows are `invalid`:
/// the code must be refused).
pub fn verify(case: &VerifyCase) -> (Vec<String>, RowResult) {
    let verdict = if case.verdict == "rejected" {
        RowResult::Invalid
    } else {
        RowResult::Valid
    };
    (vec!["Window".to_owned()], verdict)
}

fn verdict_of(expect: Expect) -> RowResult {
    match expect {
        Expect::Valid => RowResult::Valid,
        Expect::Invalid => RowResult::Invalid,
    }
}

/// Every flag the files use: those of [`NOTES`] in its order, then any other
/// in order of first use.
pub fn used(files: &[VectorFile]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut add = |flags: Vec<String>| {
        for f in flags {
            if !seen.contains(&f) {
                seen.push(f);
            }
        }
    };
    for file in files {
        match &file.set {
            VectorSet::Codes(v) => v.iter().for_each(|c| add(code(c).0)),
            VectorSet::Verify(v) => v.iter().for_each(|c| add(verify(c).0)),
            VectorSet::Secrets(v) => v.iter().for_each(|c| add(secret(c).0)),
            VectorSet::Uris(v) => v.iter().for_each(|c| add(uri(c).0)),
        }
    }
    let rank = |f: &String| {
        NOTES
            .iter()
            .position(|(n, _)| n == f)
            .unwrap_or(NOTES.len())
    };
    // A stable sort: unknown flags keep their order of first use.
    seen.sort_by_key(rank);
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_flag_has_a_note() {
        let files = crate::vectors::load_built_in().expect("built-in vectors parse");
        for flag in used(&files) {
            assert!(
                NOTES.iter().any(|(f, _)| *f == flag) || note(&flag).contains("error kind"),
                "flag {flag} has no entry in NOTES"
            );
        }
    }

    #[test]
    fn stems_become_flags() {
        assert_eq!(camel("period-t0"), "PeriodT0");
        assert_eq!(camel("b32-as-ascii"), "B32AsAscii");
        assert_eq!(camel("no-t0"), "NoT0");
    }
}

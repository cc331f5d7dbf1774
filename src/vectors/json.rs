//! The vectors as one JSON document for other languages, in the shape of
//! C2SP/Wycheproof's test vector files: a header, `notes` for every flag,
//! and `testGroups` (one per file and parameter set) whose tests carry a
//! `tcId`, the row's `id`, a `comment`, `flags` and a `result` (`valid`,
//! `invalid` or `acceptable`). `docs/vectors.schema.json` describes it.
//!
//! Written by hand (a few dozen lines), so the `vectors` feature needs no
//! JSON crate; `tests/json_schema.rs` parses every export and holds it to
//! the schema and to the CSV files, row for row.

use super::flags::{self, RowResult};
use super::load::{CodeCase, SecretCase, UriCase, VectorFile, VectorSet, VerifyCase};

/// The version of the export's layout (`"version"`); it changes only when a
/// field's meaning does.
///
/// ```
/// let json = skewsim::vectors::export_json(&skewsim::vectors::load_built_in()?);
/// assert!(json.contains(&format!("\"version\": {}", skewsim::vectors::json::VERSION)));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
pub const VERSION: u64 = 1;

/// The schema file that describes the export (`"schema"`; in the
/// repository, `docs/vectors.schema.json`).
///
/// ```
/// let json = skewsim::vectors::export_json(&skewsim::vectors::load_built_in()?);
/// assert!(json.contains(&format!("\"schema\": \"{}\"", skewsim::vectors::json::SCHEMA)));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
pub const SCHEMA: &str = "vectors.schema.json";

/// The vector files as a Wycheproof-shaped JSON document (pretty-printed,
/// one test per line, a final newline).
///
/// ```
/// let files = skewsim::vectors::load_built_in()?;
/// let json = skewsim::vectors::export_json(&files);
/// assert!(json.starts_with("{\n  \"algorithm\": \"TOTP\""));
/// assert!(json.contains("\"numberOfTests\": 931"));
/// assert!(json.contains("\"id\": \"rfc6238-erratum-sha256-59\""));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
pub fn export_json(files: &[VectorFile]) -> String {
    let mut groups: Vec<Group> = Vec::new();
    for file in files {
        match &file.set {
            VectorSet::Codes(cases) => {
                for case in cases {
                    let (kind, params, test) = code_test(case);
                    add(&mut groups, file, kind, params, test);
                }
            }
            VectorSet::Verify(cases) => {
                for case in cases {
                    let (params, test) = verify_test(case);
                    add(&mut groups, file, "TotpVerification", params, test);
                }
            }
            VectorSet::Secrets(cases) => {
                for case in cases {
                    let (kind, params, test) = secret_test(case);
                    add(&mut groups, file, kind, params, test);
                }
            }
            VectorSet::Uris(cases) => {
                for case in cases {
                    add(&mut groups, file, "OtpauthUri", Vec::new(), uri_test(case));
                }
            }
        }
    }
    let total: usize = groups.iter().map(|g| g.tests.len()).sum();
    let mut out = String::from("{\n");
    let top = [
        ("algorithm", string("TOTP")),
        ("schema", string(SCHEMA)),
        ("version", VERSION.to_string()),
        (
            "generatorVersion",
            string(&format!("skewsim {}", env!("CARGO_PKG_VERSION"))),
        ),
        ("numberOfTests", total.to_string()),
    ];
    for (key, value) in top {
        out.push_str(&format!("  {}: {value},\n", string(key)));
    }
    out.push_str("  \"header\": [\n");
    let header = [
        "Conformance vectors for HOTP (RFC 4226) and TOTP (RFC 6238): codes, windowed verification, base32 secrets and otpauth URIs.",
        "Exported from skewsim's vectors/*.csv (the source of truth; vectors/README.md gives each file's provenance). Each test's id is the CSV row's id.",
        "result: valid = give exactly the expected output; invalid = must not give it (a known bug's output, an input to refuse, a code to reject); acceptable = the expected output or a refusal.",
        "Times, T0, periods and counters run up to 2^64-1: parse them as 64-bit unsigned integers.",
    ];
    out.push_str(&join_lines(
        header.iter().map(|h| format!("    {}", string(h))),
    ));
    out.push_str("  ],\n  \"notes\": {\n");
    out.push_str(&join_lines(flags::used(files).iter().map(|f| {
        format!(
            "    {}: {{\"description\": {}}}",
            string(f),
            string(&flags::note(f))
        )
    })));
    out.push_str("  },\n  \"testGroups\": [\n");
    let mut tc_id = 0u64;
    let rendered: Vec<String> = groups
        .iter()
        .map(|g| {
            let mut text = String::from("    {\n");
            text.push_str(&format!("      \"type\": {},\n", string(g.kind)));
            text.push_str(&format!("      \"file\": {},\n", string(&g.file)));
            text.push_str(&format!("      \"source\": {},\n", string(&g.source)));
            for (key, value) in &g.params {
                text.push_str(&format!("      {}: {value},\n", string(key)));
            }
            text.push_str("      \"tests\": [\n");
            text.push_str(&join_lines(g.tests.iter().map(|t| {
                tc_id += 1;
                let mut fields = vec![("tcId", tc_id.to_string())];
                fields.extend(t.iter().cloned());
                format!("        {}", object(&fields))
            })));
            text.push_str("      ]\n    }");
            text
        })
        .collect();
    out.push_str(&join_lines(rendered.into_iter()));
    out.push_str("  ]\n}\n");
    out
}

/// A rendered JSON member: key and value text.
type Field = (&'static str, String);

struct Group {
    kind: &'static str,
    file: String,
    source: String,
    params: Vec<Field>,
    tests: Vec<Vec<Field>>,
}

/// Puts a test into the group of its file, kind and parameters (made on
/// first use, so groups keep the order in which the files list them).
fn add(
    groups: &mut Vec<Group>,
    file: &VectorFile,
    kind: &'static str,
    params: Vec<Field>,
    test: Vec<Field>,
) {
    let found = groups
        .iter_mut()
        .find(|g| g.file == file.name && g.kind == kind && g.params == params);
    match found {
        Some(group) => group.tests.push(test),
        None => groups.push(Group {
            kind,
            file: file.name.clone(),
            source: file.source.clone(),
            params,
            tests: vec![test],
        }),
    }
}

/// The members every test starts with.
fn common(id: &str, comment: &str, flags: &[String], result: RowResult) -> Vec<Field> {
    vec![
        ("id", string(id)),
        ("comment", string(comment)),
        (
            "flags",
            format!(
                "[{}]",
                flags
                    .iter()
                    .map(|f| string(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        ("result", string(result.word())),
    ]
}

fn code_test(case: &CodeCase) -> (&'static str, Vec<Field>, Vec<Field>) {
    let (flags, result) = flags::code(case);
    let mut test = common(&case.id, &case.comment, &flags, result);
    test.push(("key", string(&case.secret_hex)));
    let mut params = vec![
        ("algorithm", string(&case.algorithm)),
        ("digits", case.digits.to_string()),
    ];
    let kind = match (case.counter, &case.intermediate) {
        (Some(counter), Some((hmac, truncated))) => {
            test.push(("counter", counter.to_string()));
            test.push(("hmac", string(hmac)));
            test.push(("truncatedHex", string(&format!("{truncated:x}"))));
            test.push(("truncated", truncated.to_string()));
            "HotpGeneration"
        }
        _ => {
            params.push(("period", case.period.to_string()));
            params.push(("t0", case.t0.to_string()));
            test.push(("time", case.time.to_string()));
            "TotpGeneration"
        }
    };
    test.push(("code", string(&case.expected)));
    (kind, params, test)
}

fn verify_test(case: &VerifyCase) -> (Vec<Field>, Vec<Field>) {
    let c = &case.code;
    let (flags, result) = flags::verify(case);
    let params = vec![
        ("algorithm", string(&c.algorithm)),
        ("digits", c.digits.to_string()),
        ("period", c.period.to_string()),
        ("t0", c.t0.to_string()),
        ("behind", case.behind.to_string()),
        ("ahead", case.ahead.to_string()),
    ];
    let mut test = common(&c.id, &c.comment, &flags, result);
    test.push(("key", string(&c.secret_hex)));
    test.push(("time", c.time.to_string()));
    test.push(("code", string(&c.expected)));
    let offset = case
        .verdict
        .strip_prefix("accepted:")
        .and_then(|k| k.parse::<i64>().ok())
        .map_or_else(|| "null".to_owned(), |k| k.to_string());
    test.push(("offset", offset));
    (params, test)
}

fn secret_test(case: &SecretCase) -> (&'static str, Vec<Field>, Vec<Field>) {
    let (flags, result) = flags::secret(case);
    let kind = if case.encoding == "hex" {
        "HexDecoding"
    } else {
        "Base32Decoding"
    };
    let mut test = common(&case.id, &case.comment, &flags, result);
    test.push(("input", string(&case.input)));
    test.push(("bytes", nullable(&case.hex)));
    test.push(("error", nullable(&case.error)));
    (kind, vec![("encoding", string(&case.encoding))], test)
}

fn uri_test(case: &UriCase) -> Vec<Field> {
    let (flags, result) = flags::uri(case);
    let mut test = common(&case.id, &case.comment, &flags, result);
    test.push(("uri", string(&case.uri)));
    let field = |c: &str| case.fields.get(c).map(String::as_str).unwrap_or("");
    let parsed = if result == RowResult::Invalid {
        "null".to_owned()
    } else {
        let number = |c: &str| {
            let v = field(c);
            if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                v.to_owned()
            } else {
                nullable(v)
            }
        };
        object(&[
            ("kind", string(field("kind"))),
            ("key", string(field("secret_hex"))),
            ("issuer", nullable(field("issuer"))),
            ("account", string(field("account"))),
            ("algorithm", string(field("algorithm"))),
            ("digits", number("digits")),
            ("period", number("period")),
            ("counter", number("counter")),
        ])
    };
    test.push(("parsed", parsed));
    test.push(("error", nullable(&case.error)));
    test
}

/// `{"k": v, …}` on one line.
fn object(fields: &[Field]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", string(k)))
        .collect();
    format!("{{{}}}", members.join(", "))
}

/// Lines joined with `,\n`, the last one ended by `\n` alone.
fn join_lines(lines: impl Iterator<Item = String>) -> String {
    let lines: Vec<String> = lines.collect();
    if lines.is_empty() {
        return String::new();
    }
    lines.join(",\n") + "\n"
}

/// A JSON string, or `null` for an empty value.
fn nullable(text: &str) -> String {
    if text.is_empty() {
        "null".to_owned()
    } else {
        string(text)
    }
}

/// A JSON string literal: quotes, backslashes and every control character
/// escaped (so a file given with `--dir` cannot break the document).
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_what_json_requires() {
        assert_eq!(
            string("a\"b\\c\nd\u{1}\u{7f}"),
            r#""a\"b\\c\nd\u0001\u007f""#
        );
        assert_eq!(nullable(""), "null");
    }
}

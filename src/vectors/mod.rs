//! The conformance suite: vector files in `vectors/`, and judging an
//! implementation (ours, or an external command) against them.
//!
//! [`load`] reads each CSV into typed cases, [`core`] runs them through this
//! crate's TOTP core, [`external`] through a command template,
//! [`conformance`] through the caller's own code ([`assert_conforms`] in a
//! test), and [`json`] exports them for other languages (Wycheproof's shape).

pub mod conformance;
pub mod core;
pub mod external;
mod flags;
pub mod json;
pub mod load;

pub use conformance::{
    Answer, Capability, CodeInput, FailureKind, FileSummary, Generator, Implementation, Report,
    RowFailure, UriFields, VerifyInput, assert_conforms, check, check_files,
};
pub use json::export_json;

pub use load::{
    CodeCase, Expect, LoadError, SecretCase, UriCase, VectorFile, VectorSet, VerifyCase, load_dir,
    load_file,
};

/// The project's vector files, built into the library and the binary so that
/// `skewsim vectors` runs from any folder and after `cargo install`. The CSV
/// files in `vectors/` stay the source of truth; a test checks that this
/// list holds every one of them, unchanged.
pub const BUILT_IN: [(&str, &str); 7] = [
    (
        "hotp_rfc4226.csv",
        include_str!("../../vectors/hotp_rfc4226.csv"),
    ),
    (
        "otpauth_uri.csv",
        include_str!("../../vectors/otpauth_uri.csv"),
    ),
    ("secrets.csv", include_str!("../../vectors/secrets.csv")),
    ("totp_bugs.csv", include_str!("../../vectors/totp_bugs.csv")),
    (
        "totp_extended.csv",
        include_str!("../../vectors/totp_extended.csv"),
    ),
    (
        "totp_rfc6238.csv",
        include_str!("../../vectors/totp_rfc6238.csv"),
    ),
    (
        "verify_window.csv",
        include_str!("../../vectors/verify_window.csv"),
    ),
];

/// The built-in vector files, parsed.
///
/// ```
/// let files = skewsim::vectors::load_built_in()?;
/// assert!(files.iter().any(|f| f.name == "totp_rfc6238.csv"));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
///
/// # Errors
/// A [`LoadError`] if a built-in file does not parse (a test rules it out).
pub fn load_built_in() -> Result<Vec<VectorFile>, LoadError> {
    BUILT_IN
        .iter()
        .map(|(name, text)| load::parse_text(std::path::Path::new(name), text))
        .collect()
}

/// One row that did not give what its file says. Every field is text as it
/// came (from a vector file, the core or an external tool, at most a few
/// hundred bytes of a tool's output): show it through
/// [`crate::text::printable`], as [`render_table`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The row's id.
    pub id: String,
    /// The row's comment (what it tests).
    pub comment: String,
    /// What the file expects (for an `invalid` row: what must *not* come out).
    pub expected: String,
    /// What the implementation gave.
    pub got: String,
}

impl Failure {
    /// The failure of a code row: for an `invalid` row, the expected value is
    /// what must *not* come out.
    pub fn for_code(case: &CodeCase, got: String) -> Failure {
        Failure {
            id: case.id.clone(),
            comment: case.comment.clone(),
            expected: match case.expect {
                Expect::Valid => case.expected.clone(),
                Expect::Invalid => format!("anything but {}", case.expected),
            },
            got,
        }
    }
}

/// The result of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// File name (without folder).
    pub file: String,
    /// What the file holds (`totp`, `hotp`, `verify`, `secrets`, `otpauth`).
    pub kind: &'static str,
    /// Rows that gave what was expected.
    pub passed: usize,
    /// Rows left out by a filter or not applicable to the implementation.
    pub skipped: usize,
    /// Rows that did not.
    pub failures: Vec<Failure>,
}

impl FileReport {
    pub(crate) fn new(file: &str, kind: &'static str) -> Self {
        FileReport {
            file: file.to_owned(),
            kind,
            passed: 0,
            skipped: 0,
            failures: Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, ok: bool, failure: impl FnOnce() -> Failure) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(failure());
        }
    }
}

/// Formats reports as the table `skewsim vectors` prints, failures listed below it.
pub fn render_table(reports: &[FileReport]) -> String {
    let mut out = format!(
        "{:<24} {:<8} {:>6} {:>6} {:>6} {:>8}\n",
        "file", "kind", "rows", "pass", "fail", "skipped"
    );
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    for r in reports {
        let rows = r.passed + r.failures.len() + r.skipped;
        out.push_str(&format!(
            "{:<24} {:<8} {:>6} {:>6} {:>6} {:>8}\n",
            crate::text::printable(&r.file),
            r.kind,
            rows,
            r.passed,
            r.failures.len(),
            r.skipped
        ));
        pass += r.passed;
        fail += r.failures.len();
        skip += r.skipped;
    }
    // Ids, comments and verdicts come from the files (--dir: anyone's), and
    // what was given from the core (an otpauth row's account, say) or an
    // external tool: every one escaped and capped.
    use crate::text::printable;
    for r in reports {
        for f in &r.failures {
            out.push_str(&format!(
                "FAIL {} {}: expected {}, got {} ({})\n",
                printable(&r.file),
                printable(&f.id),
                printable(&f.expected),
                printable(&f.got),
                printable(&f.comment)
            ));
        }
    }
    out.push_str(&if fail == 0 {
        format!("all {pass} rows pass ({skip} skipped)\n")
    } else {
        format!("{fail} rows FAIL, {pass} pass ({skip} skipped)\n")
    });
    out
}

/// Which code rows to run (an external implementation may support only some).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these algorithms (by name); all when empty.
    pub algorithms: Vec<String>,
    /// Only these digit counts; all when empty.
    pub digits: Vec<u64>,
    /// Leave out `invalid` rows (bug outputs) as well.
    pub valid_only: bool,
    /// Leave out rows with a time above this (tools with a signed 64-bit `time_t`).
    pub max_time: Option<u64>,
}

impl Filter {
    /// Whether a code row passes the filter.
    pub fn admits(&self, case: &CodeCase) -> bool {
        (self.algorithms.is_empty() || self.algorithms.contains(&case.algorithm))
            && (self.digits.is_empty() || self.digits.contains(&case.digits))
            && !(self.valid_only && case.expect == Expect::Invalid)
            && self.max_time.is_none_or(|max| case.time <= max)
    }
}

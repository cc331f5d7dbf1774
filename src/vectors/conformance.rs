//! Judging the caller's own implementation: every built-in vector file run
//! through the caller's code, in its own `cargo test`.
//!
//! Implement [`Implementation`] for what your code does (each capability is
//! optional: rows of a capability you leave out are skipped, not failed), then
//! call [`assert_conforms`] in a test, or [`check`] for a [`Report`] to read.
//! Closures work too: [`Generator`] wraps a code-generation closure.
//!
//! How rows are judged:
//! - `valid` rows: the implementation must give the expected answer;
//! - `invalid` rows (outputs of known bugs, inputs to refuse, codes to
//!   reject): giving the expected output (or accepting the input) fails;
//!   any other answer, or a refusal, passes;
//! - `acceptable` rows (lower-case or grouped base32, case or padding in
//!   an otpauth URI: forms skewsim accepts that a strict implementation may
//!   refuse): the expected answer or a refusal passes, a wrong answer fails.
//!
//! The same rules give the `result` of each test in the JSON export
//! ([`super::json`]).

use std::fmt;

use thiserror::Error;

use super::flags::{self, RowResult};
use super::load::{
    CodeCase, Expect, LoadError, SecretCase, UriCase, VectorFile, VectorSet, VerifyCase,
};
use crate::text::printable;
use crate::totp::{Algorithm, OtpKind};

/// An implementation's answer to one row.
///
/// A `Result` converts into it (`Ok` → [`Answer::Gave`], `Err` →
/// [`Answer::Refused`] with the error's text):
///
/// ```
/// use skewsim::vectors::Answer;
///
/// let ok: Answer<u32> = Ok::<_, std::num::ParseIntError>(7).into();
/// assert_eq!(ok, Answer::Gave(7));
/// let refused: Answer<u32> = "x".parse::<u32>().into();
/// assert!(matches!(refused, Answer::Refused(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// The implementation's output.
    Gave(T),
    /// The implementation refused the input (its error's text). Right for
    /// `invalid` and `acceptable` rows, a failure for `valid` ones.
    Refused(String),
    /// The implementation does not handle this input (an algorithm or
    /// digit count it lacks, or the whole capability): the row is skipped.
    Unsupported,
}

impl<T, E: fmt::Display> From<Result<T, E>> for Answer<T> {
    fn from(result: Result<T, E>) -> Self {
        match result {
            Ok(value) => Answer::Gave(value),
            Err(e) => Answer::Refused(e.to_string()),
        }
    }
}

/// The parameters of one code to compute. HOTP rows (RFC 4226) arrive as
/// TOTP with period 1, T0 0 and time = counter, with `counter` set as well.
///
/// ```
/// use skewsim::vectors::{Answer, CodeInput, Generator, check};
///
/// // Every HOTP row of the built-in files, counted.
/// let hotp = std::cell::Cell::new(0);
/// let _ = check(&Generator::new(|c: &CodeInput<'_>| {
///     if let Some(counter) = c.counter {
///         assert_eq!((c.period, c.t0, c.time), (1, 0, counter));
///         hotp.set(hotp.get() + 1);
///     }
///     Answer::<String>::Unsupported
/// }))?;
/// assert_eq!(hotp.get(), 10);
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeInput<'a> {
    /// The key's bytes.
    pub secret: &'a [u8],
    /// The hash under HMAC.
    pub algorithm: Algorithm,
    /// The number of digits (6 to 10 in the built-in files).
    pub digits: u32,
    /// The period in seconds (1 to 2^64−1).
    pub period: u64,
    /// T0, the Unix time at which step 0 starts.
    pub t0: u64,
    /// The Unix time to compute the code for (up to 2^64−1).
    pub time: u64,
    /// For an HOTP row, the counter (then period 1, T0 0, time = counter).
    pub counter: Option<u64>,
}

/// One code to verify against a window of steps.
///
/// ```
/// use skewsim::vectors::{Answer, Implementation, VerifyInput};
///
/// struct RejectsAll;
/// impl Implementation for RejectsAll {
///     fn verify(&self, v: &VerifyInput<'_>) -> Answer<Option<i64>> {
///         assert_eq!(v.code.len(), v.params.digits as usize);
///         Answer::Gave(None)
///     }
/// }
/// let report = skewsim::vectors::check(&RejectsAll)?;
/// assert!(report.failed() > 0, "the rows that must be accepted fail");
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyInput<'a> {
    /// The token's parameters and the verifier's time.
    pub params: CodeInput<'a>,
    /// The submitted code.
    pub code: &'a str,
    /// How many steps behind the current one to accept.
    pub behind: u32,
    /// How many steps ahead.
    pub ahead: u32,
}

/// What an otpauth URI holds, as the implementation parsed it.
///
/// ```
/// use skewsim::{Algorithm, OtpKind};
/// use skewsim::vectors::UriFields;
///
/// let fields = UriFields {
///     kind: OtpKind::Totp { period: 30 },
///     secret: b"Hello!\xde\xad\xbe\xef".to_vec(),
///     issuer: Some("Example".to_owned()),
///     account: "alice@google.com".to_owned(),
///     algorithm: Algorithm::Sha1,
///     digits: 6,
/// };
/// assert_eq!(fields.digits, 6);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriFields {
    /// `totp` with its period (default 30) or `hotp` with its counter.
    pub kind: OtpKind,
    /// The decoded secret.
    pub secret: Vec<u8>,
    /// The issuer (from the parameter or the label's prefix), if any.
    pub issuer: Option<String>,
    /// The account name (the label after `issuer:`).
    pub account: String,
    /// The `algorithm` parameter (default SHA1).
    pub algorithm: Algorithm,
    /// The `digits` parameter (default 6).
    pub digits: u32,
}

/// The caller's implementation: every method is optional and answers
/// [`Answer::Unsupported`] unless implemented, which skips its rows.
///
/// ```
/// use skewsim::vectors::{Answer, CodeInput, Implementation, assert_conforms};
///
/// struct Mine;
/// impl Implementation for Mine {
///     fn generate(&self, c: &CodeInput<'_>) -> Answer<String> {
///         // Your own TOTP goes here; skewsim's core stands in for it.
///         let code = || -> Result<String, skewsim::Error> {
///             let totp = skewsim::Totp::new(
///                 skewsim::Secret::from_bytes(c.secret)?,
///                 c.algorithm,
///                 skewsim::Digits::new(c.digits.into())?,
///                 skewsim::TimeStep::new(c.period, c.t0)?,
///             );
///             Ok(totp.code_at(c.time)?.to_string())
///         };
///         code().into()
///     }
/// }
/// assert_conforms(&Mine);
/// ```
pub trait Implementation {
    /// The code for these parameters, as the digits a user would type
    /// (leading zeros kept).
    ///
    /// ```
    /// use skewsim::vectors::{Answer, CodeInput, Implementation};
    ///
    /// struct Nothing;
    /// impl Implementation for Nothing {}
    /// let report = skewsim::vectors::check(&Nothing)?;
    /// assert_eq!(report.passed(), 0, "every row skipped");
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    fn generate(&self, input: &CodeInput<'_>) -> Answer<String> {
        let _ = input;
        Answer::Unsupported
    }

    /// Whether the code is accepted within the window: `Some(offset)` (the
    /// step it matched, relative to the current one: negative behind,
    /// positive ahead; the nearest wins, the past before the future) or
    /// `None` for a rejection.
    ///
    /// ```
    /// use skewsim::vectors::{Answer, Implementation, VerifyInput};
    ///
    /// struct AlwaysNow;
    /// impl Implementation for AlwaysNow {
    ///     fn verify(&self, _: &VerifyInput<'_>) -> Answer<Option<i64>> {
    ///         Answer::Gave(Some(0))
    ///     }
    /// }
    /// assert!(!skewsim::vectors::check(&AlwaysNow)?.conforms());
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    fn verify(&self, input: &VerifyInput<'_>) -> Answer<Option<i64>> {
        let _ = input;
        Answer::Unsupported
    }

    /// The bytes a base32 secret (RFC 4648) encodes.
    ///
    /// ```
    /// use skewsim::vectors::{Answer, Implementation};
    ///
    /// struct Core;
    /// impl Implementation for Core {
    ///     fn decode_base32(&self, text: &str) -> Answer<Vec<u8>> {
    ///         skewsim::Secret::from_base32(text).map(|s| s.as_bytes().to_vec()).into()
    ///     }
    /// }
    /// assert!(skewsim::vectors::check(&Core)?.conforms());
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    fn decode_base32(&self, text: &str) -> Answer<Vec<u8>> {
        let _ = text;
        Answer::Unsupported
    }

    /// The fields of an `otpauth://` URI (Key URI Format).
    ///
    /// ```
    /// use skewsim::vectors::{Answer, Implementation, UriFields};
    ///
    /// struct Core;
    /// impl Implementation for Core {
    ///     fn parse_uri(&self, uri: &str) -> Answer<UriFields> {
    ///         uri.parse::<skewsim::OtpAuthUri>()
    ///             .map(|u| UriFields {
    ///                 kind: u.kind,
    ///                 secret: u.secret.as_bytes().to_vec(),
    ///                 issuer: u.issuer,
    ///                 account: u.account,
    ///                 algorithm: u.algorithm,
    ///                 digits: u.digits.get().into(),
    ///             })
    ///             .into()
    ///     }
    /// }
    /// assert!(skewsim::vectors::check(&Core)?.conforms());
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    fn parse_uri(&self, uri: &str) -> Answer<UriFields> {
        let _ = uri;
        Answer::Unsupported
    }
}

/// An [`Implementation`] from a code-generation closure alone.
///
/// ```
/// use skewsim::vectors::{Answer, Generator, check};
///
/// // A generator that always says 000000 fails the valid rows.
/// let report = check(&Generator::new(|_| Answer::Gave("000000".to_owned())))?;
/// assert!(!report.conforms());
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Generator<F>(F);

impl<F: Fn(&CodeInput<'_>) -> Answer<String>> Generator<F> {
    /// Wraps the closure (through this function, so that Rust infers its
    /// argument's type and lifetime).
    ///
    /// ```
    /// use skewsim::vectors::{Answer, Generator, check};
    ///
    /// let unsupported = Generator::new(|c| {
    ///     assert!(c.digits >= 6);
    ///     Answer::<String>::Unsupported
    /// });
    /// assert_eq!(check(&unsupported)?.passed(), 0);
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    pub fn new(generate: F) -> Self {
        Generator(generate)
    }
}

impl<F: Fn(&CodeInput<'_>) -> Answer<String>> Implementation for Generator<F> {
    fn generate(&self, input: &CodeInput<'_>) -> Answer<String> {
        (self.0)(input)
    }
}

/// Which method of [`Implementation`] a file's rows go through.
///
/// ```
/// use skewsim::vectors::Capability;
/// assert_eq!(Capability::Generate.to_string(), "generate");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// [`Implementation::generate`]: the code files (TOTP and HOTP).
    Generate,
    /// [`Implementation::verify`]: the windowed verification file.
    Verify,
    /// [`Implementation::decode_base32`]: the base32 rows of the secrets file.
    DecodeBase32,
    /// [`Implementation::parse_uri`]: the otpauth URI file.
    ParseUri,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::Generate => "generate",
            Capability::Verify => "verify",
            Capability::DecodeBase32 => "decode_base32",
            Capability::ParseUri => "parse_uri",
        })
    }
}

/// How a row failed.
///
/// ```
/// use skewsim::vectors::FailureKind;
/// assert_eq!(FailureKind::BugReproduced.to_string(), "reproduced a known bug's output");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// A `valid` or `acceptable` row got another answer than the expected one.
    WrongAnswer,
    /// An `invalid` code row got exactly the output of the bug it records.
    BugReproduced,
    /// A `valid` row was refused.
    RefusedValid,
    /// An input or code that must be refused was accepted.
    AcceptedInvalid,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::WrongAnswer => "wrong answer",
            FailureKind::BugReproduced => "reproduced a known bug's output",
            FailureKind::RefusedValid => "refused a valid input",
            FailureKind::AcceptedInvalid => "accepted what must be refused",
        })
    }
}

/// One row the implementation got wrong: the file, the row's id, what it
/// tests, and what was expected and given. Its text escapes control
/// characters (ids and comments may come from files given with `--dir`).
///
/// ```
/// use skewsim::vectors::{Answer, Generator, check};
///
/// let report = check(&Generator::new(|_| Answer::Gave("000000".to_owned())))?;
/// let first = &report.failures[0];
/// assert_eq!((first.file.as_str(), first.id.as_str()), ("hotp_rfc4226.csv", "rfc4226-d-0"));
/// assert_eq!((first.expected.as_str(), first.got.as_str()), ("755224", "000000"));
/// assert!(first.to_string().contains("RFC 4226 Appendix D, count 0"));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "{} {} ({capability}: {kind})\n    expected: {}\n    got:      {}\n    tests:    {}",
    printable(.file),
    printable(.id),
    printable(.expected),
    printable(.got),
    printable(.comment)
)]
pub struct RowFailure {
    /// The vector file (`totp_rfc6238.csv`).
    pub file: String,
    /// The row's id (`rfc6238-erratum-sha256-59`).
    pub id: String,
    /// What the row tests (its comment, with its provenance).
    pub comment: String,
    /// The method the row went through.
    pub capability: Capability,
    /// How it failed.
    pub kind: FailureKind,
    /// What the row expects (for an `invalid` row: what must not come out).
    pub expected: String,
    /// What the implementation gave (`refused: …` for a refusal).
    pub got: String,
}

/// One file's counts.
///
/// ```
/// use skewsim::vectors::{Answer, Capability, Generator, check};
///
/// let report = check(&Generator::new(|_| Answer::Unsupported))?;
/// let rfc = report.files.iter().find(|f| f.file == "totp_rfc6238.csv").expect("a built-in file");
/// assert_eq!((rfc.capability, rfc.skipped), (Capability::Generate, 30));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// The file's name.
    pub file: String,
    /// What it holds (`totp`, `hotp`, `verify`, `secrets`, `otpauth`).
    pub kind: &'static str,
    /// The method its rows go through.
    pub capability: Capability,
    /// Rows that passed.
    pub passed: usize,
    /// Rows that failed (each in [`Report::failures`]).
    pub failed: usize,
    /// Rows skipped: the capability is not implemented, or the row was
    /// answered [`Answer::Unsupported`], or it does not apply (hex secrets).
    pub skipped: usize,
}

/// The result of running the vectors through an implementation. Its text
/// (`Display`) is a table of files followed by every failing row.
///
/// ```
/// use skewsim::vectors::{Answer, Generator, check};
///
/// let report = check(&Generator::new(|_| Answer::Gave("000000".to_owned())))?;
/// let text = report.to_string();
/// assert!(text.contains("FAIL totp_rfc6238.csv rfc6238-b-sha1-59"));
/// assert!(report.failed_ids().contains(&"rfc6238-b-sha1-59"));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Per file, in the order run.
    pub files: Vec<FileSummary>,
    /// Every failing row, in file order.
    pub failures: Vec<RowFailure>,
}

impl Report {
    /// True when no row failed and at least one passed (an implementation
    /// that answers nothing conforms to nothing).
    ///
    /// ```
    /// use skewsim::vectors::{Implementation, check};
    /// struct Nothing;
    /// impl Implementation for Nothing {}
    /// assert!(!check(&Nothing)?.conforms());
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    pub fn conforms(&self) -> bool {
        self.failures.is_empty() && self.passed() > 0
    }

    /// Rows that passed, in every file.
    ///
    /// ```
    /// use skewsim::vectors::{Implementation, check};
    /// struct Nothing;
    /// impl Implementation for Nothing {}
    /// assert_eq!(check(&Nothing)?.passed(), 0);
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    pub fn passed(&self) -> usize {
        self.files.iter().map(|f| f.passed).sum()
    }

    /// Rows that failed, in every file.
    ///
    /// ```
    /// use skewsim::vectors::{Implementation, check};
    /// struct Nothing;
    /// impl Implementation for Nothing {}
    /// assert_eq!(check(&Nothing)?.failed(), 0);
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    pub fn failed(&self) -> usize {
        self.failures.len()
    }

    /// Rows skipped, in every file.
    ///
    /// ```
    /// use skewsim::vectors::{Implementation, check};
    /// struct Nothing;
    /// impl Implementation for Nothing {}
    /// assert_eq!(check(&Nothing)?.skipped(), 931);
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    pub fn skipped(&self) -> usize {
        self.files.iter().map(|f| f.skipped).sum()
    }

    /// The ids of the failing rows, in file order.
    ///
    /// ```
    /// use skewsim::vectors::{Implementation, check};
    /// struct Nothing;
    /// impl Implementation for Nothing {}
    /// assert!(check(&Nothing)?.failed_ids().is_empty());
    /// # Ok::<(), skewsim::vectors::LoadError>(())
    /// ```
    pub fn failed_ids(&self) -> Vec<&str> {
        self.failures.iter().map(|f| f.id.as_str()).collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<24} {:<14} {:>6} {:>6} {:>6} {:>8}",
            "file", "capability", "rows", "pass", "fail", "skipped"
        )?;
        for s in &self.files {
            writeln!(
                f,
                "{:<24} {:<14} {:>6} {:>6} {:>6} {:>8}",
                printable(&s.file),
                s.capability.to_string(),
                s.passed + s.failed + s.skipped,
                s.passed,
                s.failed,
                s.skipped
            )?;
        }
        for failure in &self.failures {
            writeln!(f, "FAIL {failure}")?;
        }
        let (pass, fail, skip) = (self.passed(), self.failed(), self.skipped());
        if fail > 0 {
            writeln!(f, "{fail} rows FAIL, {pass} pass ({skip} skipped)")
        } else if pass == 0 {
            writeln!(
                f,
                "no row ran ({skip} skipped): implement at least one capability"
            )
        } else {
            writeln!(f, "all {pass} rows pass ({skip} skipped)")
        }
    }
}

/// Runs every built-in vector file through `implementation`.
///
/// ```
/// use skewsim::vectors::{Answer, Generator, check};
///
/// let report = check(&Generator::new(|_| Answer::Gave("000000".to_owned())))?;
/// assert!(report.failed() > 600);
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
///
/// # Errors
/// A [`LoadError`] if a built-in file does not parse (a test rules it out).
pub fn check<I: Implementation + ?Sized>(implementation: &I) -> Result<Report, LoadError> {
    Ok(check_files(&super::load_built_in()?, implementation))
}

/// Runs the given vector files (from [`super::load_dir`], say) through
/// `implementation`.
///
/// ```
/// use skewsim::vectors::{Answer, Generator, check_files, load_built_in};
///
/// let files: Vec<_> = load_built_in()?
///     .into_iter()
///     .filter(|f| f.name == "hotp_rfc4226.csv")
///     .collect();
/// let report = check_files(&files, &Generator::new(|_| Answer::Gave("755224".to_owned())));
/// assert_eq!((report.passed(), report.failed()), (1, 9));
/// # Ok::<(), skewsim::vectors::LoadError>(())
/// ```
pub fn check_files<I: Implementation + ?Sized>(files: &[VectorFile], implementation: &I) -> Report {
    let mut report = Report {
        files: Vec::with_capacity(files.len()),
        failures: Vec::new(),
    };
    for file in files {
        let capability = match file.set {
            VectorSet::Codes(_) => Capability::Generate,
            VectorSet::Verify(_) => Capability::Verify,
            VectorSet::Secrets(_) => Capability::DecodeBase32,
            VectorSet::Uris(_) => Capability::ParseUri,
        };
        let mut judge = Judge {
            summary: FileSummary {
                file: file.name.clone(),
                kind: file.kind,
                capability,
                passed: 0,
                failed: 0,
                skipped: 0,
            },
            failures: &mut report.failures,
        };
        match &file.set {
            VectorSet::Codes(cases) => cases.iter().for_each(|c| judge.code(c, implementation)),
            VectorSet::Verify(cases) => cases.iter().for_each(|c| judge.verify(c, implementation)),
            VectorSet::Secrets(cases) => {
                cases.iter().for_each(|c| judge.secret(c, implementation));
            }
            VectorSet::Uris(cases) => cases.iter().for_each(|c| judge.uri(c, implementation)),
        }
        report.files.push(judge.summary);
    }
    report
}

/// Runs every built-in vector file through `implementation` and panics with
/// the [`Report`]'s text (every failing row: file, id, what it tests,
/// expected, got) if a row fails or none ran. For a test:
///
/// ```
/// use skewsim::vectors::{Answer, Generator, assert_conforms};
///
/// // skewsim's own core passes (your implementation goes in its place).
/// assert_conforms(&Generator::new(|c| {
///     let step = skewsim::TimeStep::new(c.period, c.t0);
///     let digits = skewsim::Digits::new(c.digits.into());
///     match (skewsim::Secret::from_bytes(c.secret), step, digits) {
///         (Ok(secret), Ok(step), Ok(digits)) => {
///             let totp = skewsim::Totp::new(secret, c.algorithm, digits, step);
///             totp.code_at(c.time).map(|code| code.to_string()).into()
///         }
///         _ => Answer::Unsupported,
///     }
/// }));
/// ```
///
/// ```should_panic
/// use skewsim::vectors::{Answer, Generator, assert_conforms};
/// assert_conforms(&Generator::new(|_| Answer::Gave("000000".to_owned())));
/// ```
///
/// # Panics
/// On any failing row, when no row ran at all, and if the built-in files
/// do not load (a test rules that out).
#[track_caller]
pub fn assert_conforms<I: Implementation + ?Sized>(implementation: &I) {
    let report = match check(implementation) {
        Ok(report) => report,
        Err(e) => panic!("the built-in vectors do not load: {e}"),
    };
    if !report.conforms() {
        panic!("the implementation does not conform to skewsim's vectors:\n{report}");
    }
}

/// Counts one file's rows and collects its failures.
struct Judge<'r> {
    summary: FileSummary,
    failures: &'r mut Vec<RowFailure>,
}

/// What to record for one row.
enum Outcome {
    Pass,
    Skip,
    Fail(FailureKind, String, String),
}

impl Judge<'_> {
    fn record(&mut self, id: &str, comment: &str, outcome: Outcome) {
        match outcome {
            Outcome::Pass => self.summary.passed += 1,
            Outcome::Skip => self.summary.skipped += 1,
            Outcome::Fail(kind, expected, got) => {
                self.summary.failed += 1;
                self.failures.push(RowFailure {
                    file: self.summary.file.clone(),
                    id: id.to_owned(),
                    comment: comment.to_owned(),
                    capability: self.summary.capability,
                    kind,
                    expected,
                    got,
                });
            }
        }
    }

    fn code<I: Implementation + ?Sized>(&mut self, case: &CodeCase, implementation: &I) {
        let (Some((algorithm, digits)), Some(secret)) =
            (input_of(case), hex_bytes(&case.secret_hex))
        else {
            return self.record(&case.id, &case.comment, Outcome::Skip);
        };
        let input = CodeInput {
            secret: &secret,
            algorithm,
            digits,
            period: case.period,
            t0: case.t0,
            time: case.time,
            counter: case.counter,
        };
        let outcome = judge_code(case, implementation.generate(&input));
        self.record(&case.id, &case.comment, outcome);
    }

    fn verify<I: Implementation + ?Sized>(&mut self, case: &VerifyCase, implementation: &I) {
        let c = &case.code;
        let expected: Option<Option<i64>> = match case.verdict.as_str() {
            "rejected" => Some(None),
            other => other
                .strip_prefix("accepted:")
                .and_then(|k| k.parse().ok())
                .map(Some),
        };
        let (Some((algorithm, digits)), Some(secret), Some(expected)) =
            (input_of(c), hex_bytes(&c.secret_hex), expected)
        else {
            return self.record(&c.id, &c.comment, Outcome::Skip);
        };
        let input = VerifyInput {
            params: CodeInput {
                secret: &secret,
                algorithm,
                digits,
                period: c.period,
                t0: c.t0,
                time: c.time,
                counter: c.counter,
            },
            code: &c.expected,
            behind: case.behind,
            ahead: case.ahead,
        };
        let verdict = |v: Option<i64>| match v {
            Some(k) => format!("accepted at offset {k}"),
            None => "rejected".to_owned(),
        };
        let outcome = match (implementation.verify(&input), expected) {
            (Answer::Unsupported, _) => Outcome::Skip,
            (Answer::Gave(got), want) if got == want => Outcome::Pass,
            (Answer::Refused(_), None) => Outcome::Pass,
            (Answer::Gave(got), None) => Outcome::Fail(
                FailureKind::AcceptedInvalid,
                "rejected".to_owned(),
                verdict(got),
            ),
            (Answer::Gave(got), want) => {
                Outcome::Fail(FailureKind::WrongAnswer, verdict(want), verdict(got))
            }
            (Answer::Refused(why), want) => Outcome::Fail(
                FailureKind::RefusedValid,
                verdict(want),
                format!("refused: {why}"),
            ),
        };
        self.record(&c.id, &c.comment, outcome);
    }

    fn secret<I: Implementation + ?Sized>(&mut self, case: &SecretCase, implementation: &I) {
        if case.encoding != "base32" {
            return self.record(&case.id, &case.comment, Outcome::Skip);
        }
        let result = flags::secret(case).1;
        let outcome = match implementation.decode_base32(&case.input) {
            Answer::Unsupported => Outcome::Skip,
            Answer::Gave(bytes) => {
                let got = hex_text(&bytes);
                match result {
                    RowResult::Invalid => Outcome::Fail(
                        FailureKind::AcceptedInvalid,
                        format!("a refusal (error kind {})", case.error),
                        got,
                    ),
                    _ if got == case.hex.to_ascii_lowercase() => Outcome::Pass,
                    _ => Outcome::Fail(FailureKind::WrongAnswer, case.hex.clone(), got),
                }
            }
            Answer::Refused(why) => match result {
                RowResult::Valid => Outcome::Fail(
                    FailureKind::RefusedValid,
                    case.hex.clone(),
                    format!("refused: {why}"),
                ),
                RowResult::Invalid | RowResult::Acceptable => Outcome::Pass,
            },
        };
        self.record(&case.id, &case.comment, outcome);
    }

    fn uri<I: Implementation + ?Sized>(&mut self, case: &UriCase, implementation: &I) {
        let result = flags::uri(case).1;
        let outcome = match implementation.parse_uri(&case.uri) {
            Answer::Unsupported => Outcome::Skip,
            Answer::Gave(fields) => match result {
                RowResult::Invalid => Outcome::Fail(
                    FailureKind::AcceptedInvalid,
                    format!("a refusal (error kind {})", case.error),
                    "accepted".to_owned(),
                ),
                _ => {
                    let (want, got) = uri_differences(case, &fields);
                    if want.is_empty() {
                        Outcome::Pass
                    } else {
                        Outcome::Fail(FailureKind::WrongAnswer, want, got)
                    }
                }
            },
            Answer::Refused(why) => match result {
                RowResult::Valid => Outcome::Fail(
                    FailureKind::RefusedValid,
                    "the URI's fields".to_owned(),
                    format!("refused: {why}"),
                ),
                RowResult::Invalid | RowResult::Acceptable => Outcome::Pass,
            },
        };
        self.record(&case.id, &case.comment, outcome);
    }
}

/// The algorithm and digit count of a row, or `None` for a row this
/// crate's loader would not have produced (then the row is skipped).
fn input_of(case: &CodeCase) -> Option<(Algorithm, u32)> {
    Some((
        case.algorithm.parse().ok()?,
        u32::try_from(case.digits).ok()?,
    ))
}

fn judge_code(case: &CodeCase, answer: Answer<String>) -> Outcome {
    match (answer, case.expect) {
        (Answer::Unsupported, _) => Outcome::Skip,
        (Answer::Gave(got), Expect::Valid) if got == case.expected => Outcome::Pass,
        (Answer::Gave(got), Expect::Valid) => {
            Outcome::Fail(FailureKind::WrongAnswer, case.expected.clone(), got)
        }
        (Answer::Refused(why), Expect::Valid) => Outcome::Fail(
            FailureKind::RefusedValid,
            case.expected.clone(),
            format!("refused: {why}"),
        ),
        (Answer::Gave(got), Expect::Invalid) if got == case.expected => Outcome::Fail(
            FailureKind::BugReproduced,
            format!("anything but {}", case.expected),
            got,
        ),
        (Answer::Gave(_) | Answer::Refused(_), Expect::Invalid) => Outcome::Pass,
    }
}

/// The row's fields and the implementation's that differ, as
/// `name=value` lists (empty when all agree).
fn uri_differences(case: &UriCase, fields: &UriFields) -> (String, String) {
    let (kind, period, counter) = match fields.kind {
        OtpKind::Totp { period } => ("totp", period.to_string(), String::new()),
        OtpKind::Hotp { counter } => ("hotp", String::new(), counter.to_string()),
    };
    let got = [
        ("kind", kind.to_owned()),
        ("secret_hex", hex_text(&fields.secret)),
        ("issuer", fields.issuer.clone().unwrap_or_default()),
        ("account", fields.account.clone()),
        ("algorithm", fields.algorithm.name().to_owned()),
        ("digits", fields.digits.to_string()),
        ("period", period),
        ("counter", counter),
    ];
    let (mut want_text, mut got_text) = (Vec::new(), Vec::new());
    for (column, value) in got {
        let want = case.fields.get(column).map(String::as_str).unwrap_or("");
        let want = if column == "secret_hex" {
            want.to_ascii_lowercase()
        } else {
            want.to_owned()
        };
        if want != value {
            let shown = |v: &str| {
                if v.is_empty() {
                    "(none)".to_owned()
                } else {
                    v.to_owned()
                }
            };
            want_text.push(format!("{column}={}", shown(&want)));
            got_text.push(format!("{column}={}", shown(&value)));
        }
    }
    (want_text.join(" "), got_text.join(" "))
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn hex_text(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// skewsim's own core through the public API: every capability, no failure.
    struct Core;

    impl Implementation for Core {
        fn generate(&self, c: &CodeInput<'_>) -> Answer<String> {
            let token = || -> Result<String, crate::totp::Error> {
                let totp = crate::totp::Totp::new(
                    crate::totp::Secret::from_bytes(c.secret)?,
                    c.algorithm,
                    crate::totp::Digits::new(c.digits.into())?,
                    crate::totp::TimeStep::new(c.period, c.t0)?,
                );
                Ok(totp.code_at(c.time)?.to_string())
            };
            token().into()
        }

        fn verify(&self, v: &VerifyInput<'_>) -> Answer<Option<i64>> {
            let c = v.params;
            let verdict = || -> Result<Option<i64>, crate::totp::Error> {
                let totp = crate::totp::Totp::new(
                    crate::totp::Secret::from_bytes(c.secret)?,
                    c.algorithm,
                    crate::totp::Digits::new(c.digits.into())?,
                    crate::totp::TimeStep::new(c.period, c.t0)?,
                );
                let window = crate::totp::Window {
                    behind: v.behind,
                    ahead: v.ahead,
                };
                Ok(match crate::totp::verify(&totp, v.code, c.time, window)? {
                    crate::totp::Verdict::Accepted { offset } => Some(offset),
                    crate::totp::Verdict::Rejected => None,
                })
            };
            verdict().into()
        }

        fn decode_base32(&self, text: &str) -> Answer<Vec<u8>> {
            crate::totp::Secret::from_base32(text)
                .map(|s| s.as_bytes().to_vec())
                .into()
        }

        fn parse_uri(&self, uri: &str) -> Answer<UriFields> {
            uri.parse::<crate::totp::OtpAuthUri>()
                .map(|u| UriFields {
                    kind: u.kind,
                    secret: u.secret.as_bytes().to_vec(),
                    issuer: u.issuer,
                    account: u.account,
                    algorithm: u.algorithm,
                    digits: u.digits.get().into(),
                })
                .into()
        }
    }

    #[test]
    fn the_core_conforms_with_every_capability() {
        let report = check(&Core).expect("built-in vectors load");
        assert!(report.conforms(), "{report}");
        // Only the hex secrets do not apply.
        assert_eq!(report.skipped(), 8, "{report}");
    }

    #[test]
    fn a_strict_decoder_may_refuse_the_lenient_forms_but_not_the_rfc_ones() {
        struct Strict;
        impl Implementation for Strict {
            fn decode_base32(&self, text: &str) -> Answer<Vec<u8>> {
                if text
                    .bytes()
                    .any(|b| b.is_ascii_lowercase() || b == b' ' || b == b'-')
                {
                    return Answer::Refused("not RFC 4648".to_owned());
                }
                Core.decode_base32(text)
            }
        }
        let report = check(&Strict).expect("loads");
        assert!(report.conforms(), "{report}");
        struct Lazy;
        impl Implementation for Lazy {
            fn decode_base32(&self, _: &str) -> Answer<Vec<u8>> {
                Answer::Refused("no".to_owned())
            }
        }
        let report = check(&Lazy).expect("loads");
        assert!(report.failed_ids().contains(&"secret-001"));
        assert!(!report.failed_ids().contains(&"secret-003"), "acceptable");
    }

    #[test]
    fn control_characters_in_a_row_are_escaped() {
        let failure = RowFailure {
            file: "x.csv".to_owned(),
            id: "a\nFAIL forged".to_owned(),
            comment: "\u{1b}[2J".to_owned(),
            capability: Capability::Generate,
            kind: FailureKind::WrongAnswer,
            expected: "1".to_owned(),
            got: "2".to_owned(),
        };
        let text = failure.to_string();
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(!text.contains('\u{1b}'));
    }
}

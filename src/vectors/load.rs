//! Reading `vectors/*.csv` into typed cases. Each file's header says its kind;
//! lines starting with `#` are provenance comments.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a vector folder could not be read.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The folder or a file could not be read.
    #[error("cannot read {}: {source}", crate::text::path(.path))]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A CSV syntax error.
    #[error("{}: {source}", crate::text::path(.path))]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: csv::Error,
    },
    /// A header that matches no known kind, or a bad field (`reason` holds
    /// the file's text only as [`crate::text::printable`] made it).
    #[error("{}: {reason}", crate::text::path(.path))]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A folder without any vector file.
    #[error("{}: no .csv vector files in this folder", crate::text::path(.0))]
    Empty(PathBuf),
}

/// What a row expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The implementation must give the expected value.
    Valid,
    /// The implementation must *not* give it (a known bug's output), or must refuse the input.
    Invalid,
}

/// One code to compute: the fields an external command template can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCase {
    /// Row id.
    pub id: String,
    /// Algorithm name as in the file (`sha1`, `sha3-256`, …).
    pub algorithm: String,
    /// The key in hex (these are public test keys).
    pub secret_hex: String,
    /// Digit count.
    pub digits: u64,
    /// Period in seconds.
    pub period: u64,
    /// Epoch.
    pub t0: u64,
    /// Unix time.
    pub time: u64,
    /// HOTP counter, for HOTP rows (then period 1, T0 0 and time = counter).
    pub counter: Option<u64>,
    /// The code the row names.
    pub expected: String,
    /// Valid or invalid.
    pub expect: Expect,
    /// What the row tests.
    pub comment: String,
    /// HOTP rows: the full HMAC and truncated value, checked too.
    pub intermediate: Option<(String, u32)>,
}

/// A verification case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyCase {
    /// The code fields (expected = the submitted code).
    pub code: CodeCase,
    /// Steps behind.
    pub behind: u32,
    /// Steps ahead.
    pub ahead: u32,
    /// `accepted:OFFSET` or `rejected`.
    pub verdict: String,
}

/// A secret-parsing case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretCase {
    /// Row id.
    pub id: String,
    /// `base32` or `hex`.
    pub encoding: String,
    /// The text to parse.
    pub input: String,
    /// Valid or invalid.
    pub expect: Expect,
    /// For valid rows: the bytes in hex.
    pub hex: String,
    /// For invalid rows: the error kind.
    pub error: String,
    /// What the row tests.
    pub comment: String,
}

/// An otpauth URI case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriCase {
    /// Row id.
    pub id: String,
    /// The URI.
    pub uri: String,
    /// Valid or invalid.
    pub expect: Expect,
    /// Expected fields, by column name (valid rows).
    pub fields: HashMap<String, String>,
    /// The error kind (invalid rows).
    pub error: String,
    /// What the row tests.
    pub comment: String,
}

/// One file's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VectorSet {
    /// TOTP (and HOTP) codes.
    Codes(Vec<CodeCase>),
    /// Windowed verification.
    Verify(Vec<VerifyCase>),
    /// base32/hex secrets.
    Secrets(Vec<SecretCase>),
    /// otpauth URIs.
    Uris(Vec<UriCase>),
}

/// A loaded vector file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorFile {
    /// File name without the folder.
    pub name: String,
    /// The `# source:` line.
    pub source: String,
    /// `totp`, `hotp`, `verify`, `secrets` or `otpauth`.
    pub kind: &'static str,
    /// The cases.
    pub set: VectorSet,
}

impl VectorFile {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.set {
            VectorSet::Codes(v) => v.len(),
            VectorSet::Verify(v) => v.len(),
            VectorSet::Secrets(v) => v.len(),
            VectorSet::Uris(v) => v.len(),
        }
    }

    /// True for a file without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Loads every `*.csv` in `dir`, sorted by name.
///
/// # Errors
/// [`LoadError`] naming the file and what is wrong.
pub fn load_dir(dir: &Path) -> Result<Vec<VectorFile>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(LoadError::Empty(dir.to_owned()));
    }
    paths.iter().map(|p| load_file(p)).collect()
}

struct Rows {
    header: HashMap<String, usize>,
    records: Vec<csv::StringRecord>,
}

impl Rows {
    fn get<'a>(&self, record: &'a csv::StringRecord, column: &str) -> &'a str {
        self.header
            .get(column)
            .and_then(|&i| record.get(i))
            .unwrap_or("")
    }
}

/// The largest vector file read: the project's files are tens of
/// kilobytes, and a file past this is refused before it fills memory.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Loads one vector file (a regular file of at most [`MAX_FILE_BYTES`]).
///
/// # Errors
/// [`LoadError`] naming the file and what is wrong.
pub fn load_file(path: &Path) -> Result<VectorFile, LoadError> {
    use std::io::Read;
    let io = |source| LoadError::Io {
        path: path.to_owned(),
        source,
    };
    let too_large = || LoadError::Format {
        path: path.to_owned(),
        reason: format!("is larger than {MAX_FILE_BYTES} bytes: not a vector file"),
    };
    // A FIFO or a device named *.csv would block or never end: regular files only.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(LoadError::Format {
            path: path.to_owned(),
            reason: "is not a regular file (a FIFO, device or folder is not read)".to_owned(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    // Bounded again as it is read: the file may grow after the check.
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    parse_text(path, &text)
}

/// Parses the text of one vector file (`path` names it in errors): every
/// field is checked against its column's grammar.
///
/// # Errors
/// [`LoadError`] naming the file and what is wrong.
pub fn parse_text(path: &Path, text: &str) -> Result<VectorFile, LoadError> {
    let source = text
        .lines()
        .find_map(|l| l.strip_prefix("# source:"))
        .unwrap_or("")
        .trim()
        .to_owned();
    let csv_err = |source| LoadError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header: HashMap<String, usize> = reader
        .headers()
        .map_err(csv_err)?
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_owned(), i))
        .collect();
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(csv_err)?;
    let rows = Rows { header, records };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad = |reason: String| LoadError::Format {
        path: path.to_owned(),
        reason,
    };
    let has = |c: &str| rows.header.contains_key(c);
    let (kind, set) = if has("uri") {
        ("otpauth", VectorSet::Uris(uri_cases(&rows).map_err(bad)?))
    } else if has("encoding") {
        (
            "secrets",
            VectorSet::Secrets(secret_cases(&rows).map_err(bad)?),
        )
    } else if has("behind") {
        (
            "verify",
            VectorSet::Verify(verify_cases(&rows).map_err(bad)?),
        )
    } else if has("counter") {
        ("hotp", VectorSet::Codes(hotp_cases(&rows).map_err(bad)?))
    } else if has("time") {
        ("totp", VectorSet::Codes(totp_cases(&rows).map_err(bad)?))
    } else {
        return Err(bad("header names no known vector kind".to_owned()));
    };
    Ok(VectorFile {
        name,
        source,
        kind,
        set,
    })
}

/// A row's id as an error shows it: the file's text, made printable.
fn shown_id(rows: &Rows, r: &csv::StringRecord) -> String {
    crate::text::printable(rows.get(r, "id"))
}

fn number(rows: &Rows, r: &csv::StringRecord, column: &str) -> Result<u64, String> {
    let id = shown_id(rows, r);
    rows.get(r, column)
        .parse()
        .map_err(|_| format!("row {id}: column {column} is not a whole number"))
}

fn expect(rows: &Rows, r: &csv::StringRecord) -> Result<Expect, String> {
    match rows.get(r, "result") {
        "valid" | "" => Ok(Expect::Valid),
        "invalid" => Ok(Expect::Invalid),
        other => Err(format!(
            "row {}: result must be valid or invalid, got {}",
            shown_id(rows, r),
            crate::text::quoted(other)
        )),
    }
}

/// A field checked against its column's grammar as the file loads, so that
/// no value that reaches an external command or a message is anything but
/// what the column allows.
fn field(rows: &Rows, r: &csv::StringRecord, column: &str) -> Result<String, String> {
    let value = rows.get(r, column);
    let ok = match column {
        "secret_hex" | "hmac_sha1_hex" => {
            value.len().is_multiple_of(2) && value.bytes().all(|b| b.is_ascii_hexdigit())
        }
        "algorithm" => value.parse::<crate::totp::Algorithm>().is_ok(),
        "expected" => {
            !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit())
        }
        _ => true,
    };
    if ok {
        Ok(value.to_owned())
    } else {
        let id = shown_id(rows, r);
        Err(format!(
            "row {id}: column {column} is not {}",
            match column {
                "algorithm" => "an algorithm name",
                "expected" => "1 to 10 decimal digits",
                _ => "an even number of hex digits",
            }
        ))
    }
}

fn code_case(rows: &Rows, r: &csv::StringRecord) -> Result<CodeCase, String> {
    Ok(CodeCase {
        id: rows.get(r, "id").to_owned(),
        algorithm: field(rows, r, "algorithm")?,
        secret_hex: field(rows, r, "secret_hex")?,
        digits: number(rows, r, "digits")?,
        period: number(rows, r, "period")?,
        t0: number(rows, r, "t0")?,
        time: number(rows, r, "time")?,
        counter: None,
        expected: rows.get(r, "expected").to_owned(),
        expect: expect(rows, r)?,
        comment: rows.get(r, "comment").to_owned(),
        intermediate: None,
    })
}

fn totp_cases(rows: &Rows) -> Result<Vec<CodeCase>, String> {
    rows.records
        .iter()
        .map(|r| {
            // In a code file the expected value is a code.
            field(rows, r, "expected")?;
            code_case(rows, r)
        })
        .collect()
}

fn hotp_cases(rows: &Rows) -> Result<Vec<CodeCase>, String> {
    rows.records
        .iter()
        .map(|r| {
            let counter = number(rows, r, "counter")?;
            let truncated = number(rows, r, "truncated_dec")?;
            Ok(CodeCase {
                id: rows.get(r, "id").to_owned(),
                algorithm: "sha1".to_owned(),
                secret_hex: field(rows, r, "secret_hex")?,
                digits: number(rows, r, "digits")?,
                period: 1,
                t0: 0,
                time: counter,
                counter: Some(counter),
                expected: field(rows, r, "expected")?,
                expect: Expect::Valid,
                comment: rows.get(r, "comment").to_owned(),
                intermediate: Some((
                    field(rows, r, "hmac_sha1_hex")?,
                    u32::try_from(truncated).map_err(|_| "truncated_dec too large".to_owned())?,
                )),
            })
        })
        .collect()
}

fn verify_cases(rows: &Rows) -> Result<Vec<VerifyCase>, String> {
    rows.records
        .iter()
        .map(|r| {
            let small = |c: &str| {
                number(rows, r, c)
                    .and_then(|n| u32::try_from(n).map_err(|_| format!("column {c} too large")))
            };
            Ok(VerifyCase {
                code: CodeCase {
                    expected: rows.get(r, "code").to_owned(),
                    ..code_case(rows, r)?
                },
                behind: small("behind")?,
                ahead: small("ahead")?,
                verdict: rows.get(r, "expected").to_owned(),
            })
        })
        .collect()
}

fn secret_cases(rows: &Rows) -> Result<Vec<SecretCase>, String> {
    rows.records
        .iter()
        .map(|r| {
            Ok(SecretCase {
                id: rows.get(r, "id").to_owned(),
                encoding: rows.get(r, "encoding").to_owned(),
                input: rows.get(r, "input").to_owned(),
                expect: expect(rows, r)?,
                hex: rows.get(r, "hex").to_owned(),
                error: rows.get(r, "error").to_owned(),
                comment: rows.get(r, "comment").to_owned(),
            })
        })
        .collect()
}

fn uri_cases(rows: &Rows) -> Result<Vec<UriCase>, String> {
    rows.records
        .iter()
        .map(|r| {
            let fields = [
                "kind",
                "secret_hex",
                "issuer",
                "account",
                "algorithm",
                "digits",
                "period",
                "counter",
            ]
            .iter()
            .map(|c| ((*c).to_owned(), rows.get(r, c).to_owned()))
            .collect();
            Ok(UriCase {
                id: rows.get(r, "id").to_owned(),
                uri: rows.get(r, "uri").to_owned(),
                expect: expect(rows, r)?,
                fields,
                error: rows.get(r, "error").to_owned(),
                comment: rows.get(r, "comment").to_owned(),
            })
        })
        .collect()
}

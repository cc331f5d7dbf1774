//! Judging an external implementation: a command template run once per code
//! row, its standard output compared with the expected code.
//!
//! Placeholders: `{secret_hex}`, `{secret_base32}`, `{time}`, `{algorithm}`,
//! `{digits}`, `{period}`, `{t0}`, `{counter}` (HOTP rows: the counter; TOTP
//! rows: the step).
//!
//! The template is split into arguments once, by shell rules (quotes,
//! backslashes), and run without a shell: a placeholder's value lands inside
//! one argument whatever it contains. With `shell`, the filled template runs
//! under `sh -c` and every value is shell-quoted (vector files are also
//! validated as they load, so values are hex, numbers and algorithm names).
//! Each run has a time limit; the tool's output is parsed (digits only),
//! never echoed raw; a tool that cannot start, or that hangs, stops the run
//! with an error naming the row.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::load::{CodeCase, Expect, VectorFile, VectorSet};
use super::{Failure, FileReport, Filter};
use crate::text::printable;
use crate::totp::Secret;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 8] = [
    "{secret_hex}",
    "{secret_base32}",
    "{time}",
    "{algorithm}",
    "{digits}",
    "{period}",
    "{t0}",
    "{counter}",
];

/// The most output kept from a tool (a code is at most 10 digits).
const KEEP: usize = 256;

/// Why the external tool could not be judged at all.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// The template is unusable.
    #[error("{0}")]
    Template(String),
    /// The program could not be started.
    #[error("cannot start '{program}': {reason}")]
    Start {
        /// The program (the template's first word).
        program: String,
        /// The system's reason.
        reason: String,
    },
    /// A row's run exceeded the time limit.
    #[error("row {row} of {file}: the command did not finish within {limit:?} (killed)")]
    Timeout {
        /// The vector file.
        file: String,
        /// The row's id.
        row: String,
        /// The limit.
        limit: Duration,
    },
}

/// A checked template, ready to run rows.
#[derive(Debug, Clone)]
pub struct Runner {
    words: Vec<String>,
    template: String,
    shell: bool,
    timeout: Duration,
}

/// The values of one row, by placeholder.
fn values(case: &CodeCase) -> [(&'static str, String); 8] {
    let base32 = Secret::from_hex(&case.secret_hex)
        .map(|s| s.to_base32().to_string())
        .unwrap_or_default();
    let counter = case
        .counter
        .or_else(|| {
            case.time
                .checked_sub(case.t0)
                .map(|d| d / case.period.max(1))
        })
        .unwrap_or_default();
    [
        ("{secret_hex}", case.secret_hex.clone()),
        ("{secret_base32}", base32),
        ("{time}", case.time.to_string()),
        ("{algorithm}", case.algorithm.clone()),
        ("{digits}", case.digits.to_string()),
        ("{period}", case.period.to_string()),
        ("{t0}", case.t0.to_string()),
        ("{counter}", counter.to_string()),
    ]
}

fn fill(text: &str, values: &[(&str, String)], quote: bool) -> String {
    values.iter().fold(text.to_owned(), |t, (p, v)| {
        if quote {
            t.replace(p, &shell_words::quote(v))
        } else {
            t.replace(p, v)
        }
    })
}

impl Runner {
    /// Checks `template`: it splits into words by shell rules and uses at
    /// least one placeholder.
    pub fn new(template: &str, shell: bool, timeout: Duration) -> Result<Runner, ExternalError> {
        let words = shell_words::split(template)
            .map_err(|e| ExternalError::Template(format!("does not split into words: {e}")))?;
        if words.is_empty() {
            return Err(ExternalError::Template("is empty".to_owned()));
        }
        if !PLACEHOLDERS.iter().any(|p| template.contains(p)) {
            return Err(ExternalError::Template(
                "uses no placeholder ({secret_hex}, {time}, …): every row would run the same command"
                    .to_owned(),
            ));
        }
        Ok(Runner {
            words,
            template: template.to_owned(),
            shell,
            timeout,
        })
    }

    /// The program and arguments for one row (without a shell), or the
    /// `sh -c` command line (with one).
    pub fn argv(&self, case: &CodeCase) -> Vec<String> {
        let values = values(case);
        if self.shell {
            vec![
                "sh".to_owned(),
                "-c".to_owned(),
                fill(&self.template, &values, true),
            ]
        } else {
            self.words.iter().map(|w| fill(w, &values, false)).collect()
        }
    }

    /// Runs one row: `Ok(Ok(code))` when the tool printed digits and exited
    /// 0, `Ok(Err(why))` for any other answer (a row failure).
    fn run(&self, file: &str, case: &CodeCase) -> Result<Result<String, String>, ExternalError> {
        let argv = self.argv(case);
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ExternalError::Start {
                program: printable(&argv[0]),
                reason: e.to_string(),
            })?;
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = wait(&mut child, self.timeout).ok_or_else(|| ExternalError::Timeout {
            file: printable(file),
            row: printable(&case.id),
            limit: self.timeout,
        })?;
        let out = stdout.join().unwrap_or_default();
        let err = stderr.join().unwrap_or_default();
        if !status.success() {
            let first = String::from_utf8_lossy(&err)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            // Raw here: the table escapes what was given, once.
            return Ok(Err(format!(
                "exit {}: {first}",
                status.code().unwrap_or(-1)
            )));
        }
        let text = String::from_utf8_lossy(&out);
        let got = text.trim();
        if got.is_empty() || got.len() > 12 || !got.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Err(format!("not a code: '{got}'")));
        }
        Ok(Ok(got.to_owned()))
    }
}

/// Reads a pipe to its end in a thread, keeping the first [`KEEP`] bytes,
/// so that a chatty tool neither blocks nor fills memory.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let Some(mut pipe) = pipe else { return kept };
        let mut buf = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = KEEP.saturating_sub(kept.len()).min(n);
            kept.extend_from_slice(&buf[..room]);
        }
        kept
    })
}

/// Waits up to `limit`; kills and returns `None` past it.
fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if start.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Runs every admitted code row of every file through the command. Files that
/// hold no codes (secrets, URIs, verification) are reported as all skipped.
pub fn check_all(
    files: &[VectorFile],
    runner: &Runner,
    filter: &Filter,
) -> Result<Vec<FileReport>, ExternalError> {
    files
        .iter()
        .map(|file| {
            let mut report = FileReport::new(&file.name, file.kind);
            let VectorSet::Codes(cases) = &file.set else {
                report.skipped = file.len();
                return Ok(report);
            };
            let admitted: Vec<&CodeCase> = cases.iter().filter(|c| filter.admits(c)).collect();
            report.skipped = cases.len() - admitted.len();
            let results: Vec<(bool, String)> = admitted
                .par_iter()
                .map(|case| {
                    Ok(match (runner.run(&file.name, case)?, case.expect) {
                        (Ok(got), Expect::Valid) => (got == case.expected, got),
                        (Ok(got), Expect::Invalid) => (got != case.expected, got),
                        // Refusing a row whose expected output is a bug's is fine.
                        (Err(why), Expect::Invalid) => (true, why),
                        (Err(why), Expect::Valid) => (false, why),
                    })
                })
                .collect::<Result<_, ExternalError>>()?;
            for (case, (ok, got)) in admitted.iter().zip(results) {
                report.record(ok, || Failure::for_code(case, got));
            }
            Ok(report)
        })
        .collect()
}

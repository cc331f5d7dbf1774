//! Judging an external implementation: a command template run once per code
//! row, its standard output compared with the expected code.
//!
//! Placeholders: `{secret_hex}`, `{secret_base32}`, `{time}`, `{algorithm}`,
//! `{digits}`, `{period}`, `{t0}`, `{counter}` (HOTP rows: the counter; TOTP
//! rows: the step). The command runs under `sh -c`; every substituted value is
//! hex, base32, a number or an algorithm name, so none needs quoting.

use std::process::Command;

use rayon::prelude::*;

use super::load::{CodeCase, Expect, VectorFile, VectorSet};
use super::{Failure, FileReport, Filter};
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

/// Fills the template for one row.
pub fn render(template: &str, case: &CodeCase) -> String {
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
    template
        .replace("{secret_hex}", &case.secret_hex)
        .replace("{secret_base32}", &base32)
        .replace("{time}", &case.time.to_string())
        .replace("{algorithm}", &case.algorithm)
        .replace("{digits}", &case.digits.to_string())
        .replace("{period}", &case.period.to_string())
        .replace("{t0}", &case.t0.to_string())
        .replace("{counter}", &counter.to_string())
}

/// Runs the rendered command; `Ok(stdout trimmed)` on exit 0, else `Err(why)`.
fn run(command: &str) -> Result<String, String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .output()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    if !out.status.success() {
        let first = String::from_utf8_lossy(&out.stderr)
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect::<String>();
        return Err(format!("exit {}: {first}", out.status.code().unwrap_or(-1)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Runs every admitted code row of every file through the command. Files that
/// hold no codes (secrets, URIs, verification) are reported as all skipped.
pub fn check_all(files: &[VectorFile], template: &str, filter: &Filter) -> Vec<FileReport> {
    files
        .iter()
        .map(|file| {
            let mut report = FileReport::new(&file.name, file.kind);
            let VectorSet::Codes(cases) = &file.set else {
                report.skipped = file.len();
                return report;
            };
            let admitted: Vec<&CodeCase> = cases.iter().filter(|c| filter.admits(c)).collect();
            report.skipped = cases.len() - admitted.len();
            let results: Vec<(bool, String)> = admitted
                .par_iter()
                .map(|case| match (run(&render(template, case)), case.expect) {
                    (Ok(got), Expect::Valid) => (got == case.expected, got),
                    (Ok(got), Expect::Invalid) => (got != case.expected, got),
                    // Refusing a row whose expected output is a bug's is fine.
                    (Err(why), Expect::Invalid) => (true, why),
                    (Err(why), Expect::Valid) => (false, why),
                })
                .collect();
            for (case, (ok, got)) in admitted.iter().zip(results) {
                report.record(ok, || Failure::for_code(case, got));
            }
            report
        })
        .collect()
}

//! `--policy-file`: a policy file (docs/policy-files.md) wherever `--policy`
//! names a preset. Read with a size cap, refused with one line that names the
//! flag, the file and the key.

use std::io::Read;
use std::path::Path;

use skewsim::sim::Policy;
use skewsim::sim::policy_file::parse;

use crate::error::CliError;

/// Policy files are a few kilobytes; a probe's evidence list stays far below this.
const MAX_BYTES: u64 = 1 << 20;

/// Reads and checks the policy file at `path`, given as `flag`.
pub fn read(flag: &str, path: &Path) -> Result<Policy, CliError> {
    let shown = skewsim::text::path(path);
    // Checked before opening: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::usage(flag, format!("{shown} cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(CliError::usage(flag, format!("{shown} is not a file")));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::usage(flag, format!("{shown} cannot be read: {e}")))?;
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::usage(flag, format!("{shown} cannot be read as text: {e}")))?;
    if text.len() as u64 > MAX_BYTES {
        return Err(CliError::usage(
            flag,
            format!("{shown} is larger than {MAX_BYTES} bytes: not a policy file"),
        ));
    }
    parse(&text).map_err(|e| CliError::usage(flag, format!("{shown}: {e}")))
}

/// The policy a command runs: the file's when `--policy-file` is given, else the preset.
pub fn choose(preset: &Policy, file: Option<&Path>) -> Result<Policy, CliError> {
    match file {
        Some(path) => read("--policy-file", path),
        None => Ok(preset.clone()),
    }
}

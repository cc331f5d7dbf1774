//! `skewsim vectors`: the conformance table; exit 1 on any mismatch.

use std::io::Write;

use skewsim::vectors::{self, Filter, load_dir};

use crate::args::VectorsArgs;
use crate::error::CliError;

/// Runs the vectors and prints the table.
pub fn run(args: &VectorsArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let files =
        load_dir(&args.dir).map_err(|e| CliError::usage("--dir", format!("is unusable: {e}")))?;
    let filter = Filter {
        algorithms: args
            .algorithms
            .iter()
            .map(|a| a.name().to_owned())
            .collect(),
        digits: args
            .only_digits
            .iter()
            .map(|d| u64::from(d.get()))
            .collect(),
        valid_only: args.valid_only,
        max_time: args.max_time,
    };
    let reports = match &args.cmd {
        None => vectors::core::check_all(&files, &filter),
        Some(template) => {
            if !vectors::external::PLACEHOLDERS
                .iter()
                .any(|p| template.contains(p))
            {
                return Err(CliError::usage(
                    "--cmd",
                    "uses no placeholder ({secret_hex}, {time}, …): every row would run the same command",
                ));
            }
            vectors::external::check_all(&files, template, &filter)
        }
    };
    crate::output::write(out, &vectors::render_table(&reports))?;
    let failed = reports.iter().any(|r| !r.failures.is_empty());
    Ok(u8::from(failed))
}

//! `skewsim vectors`: the conformance table; exit 1 on any mismatch.

use std::io::Write;

use skewsim::vectors::{self, Filter, load_dir};

use crate::args::VectorsArgs;
use crate::error::CliError;

/// Runs the vectors and prints the table.
pub fn run(args: &VectorsArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let files = match &args.dir {
        Some(dir) => load_dir(dir),
        None => vectors::load_built_in(),
    }
    .map_err(|e| CliError::usage("--dir", format!("is unusable: {e}")))?;
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
            use vectors::external::{ExternalError, Runner, check_all};
            if args.timeout == 0 {
                return Err(CliError::usage(
                    "--timeout",
                    "is zero: no command can finish",
                ));
            }
            let limit = std::time::Duration::from_millis(args.timeout.unsigned_abs());
            let runner = Runner::new(template, args.shell, limit).map_err(|e| match e {
                ExternalError::Template(why) => CliError::usage("--cmd", why),
                other => CliError::External(format!("--cmd: {other}")),
            })?;
            check_all(&files, &runner, &filter)
                .map_err(|e| CliError::External(format!("--cmd: {e}")))?
        }
    };
    crate::output::write(out, &vectors::render_table(&reports))?;
    let failed = reports.iter().any(|r| !r.failures.is_empty());
    Ok(u8::from(failed))
}

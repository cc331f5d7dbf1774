//! `skewsim man [COMMAND]`: the man page (roff), rendered by clap_mangen from
//! the same clap definition as `--help`, printed to stdout.

use std::io::Write;

use clap::{Args, CommandFactory};

use crate::args::Cli;
use crate::error::CliError;

/// skewsim(1)'s NAME line.
const NAME_LINE: &str = "TOTP timing harness: MFA enrollment skew simulator, RFC 4226/6238 conformance suite, bulk code generator";

/// `skewsim man`.
#[derive(Debug, Args)]
#[command(after_help = "Read it with `skewsim man | man -l -`, or install it:
  skewsim man > ~/.local/share/man/man1/skewsim.1
  skewsim man code > ~/.local/share/man/man1/skewsim-code.1")]
pub struct ManArgs {
    /// A subcommand (code, verify, …) whose own page, skewsim-COMMAND(1), to print
    /// instead of skewsim(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Prints the page.
pub fn run(args: &ManArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building names the subcommands skewsim-code, … as their pages' titles.
    cmd.build();
    let page = match &args.command {
        // NAME wants one line; the whole paragraph of --help goes to DESCRIPTION.
        None => {
            let long = cmd.get_long_about().or(cmd.get_about()).cloned();
            match long {
                Some(long) => cmd.about(NAME_LINE).long_about(long),
                None => cmd.about(NAME_LINE),
            }
        }
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                return Err(CliError::usage(
                    "COMMAND",
                    format!(
                        "is not a skewsim subcommand (give one of {}, or none for skewsim(1))",
                        names.join(", ")
                    ),
                ));
            }
        },
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(concat!("skewsim ", env!("CARGO_PKG_VERSION")))
        .manual("skewsim manual")
        .render(&mut roff)
        .map_err(|e| CliError::Other(format!("cannot render the man page: {e}")))?;
    crate::output::write_bytes(out, &roff)?;
    Ok(0)
}

//! `skewsim completions SHELL`: a completion script derived from the same
//! clap definition as `--help` (clap_complete), printed to stdout.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::args::Cli;
use crate::error::CliError;

/// `skewsim completions`.
#[derive(Debug, Args)]
#[command(after_help = "Install, for example:
  bash:        skewsim completions bash > ~/.local/share/bash-completion/completions/skewsim
  zsh:         skewsim completions zsh > ~/.zfunc/_skewsim   (with fpath+=~/.zfunc before compinit)
  fish:        skewsim completions fish > ~/.config/fish/completions/skewsim.fish
  powershell:  skewsim completions powershell | Out-String | Invoke-Expression   (in $PROFILE)
  elvish:      eval (skewsim completions elvish | slurp)   (in rc.elv)")]
pub struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Prints the script.
pub fn run(args: &CompletionsArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "skewsim", &mut script);
    crate::output::write_bytes(out, &script)?;
    Ok(0)
}

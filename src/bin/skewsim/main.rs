//! The `skewsim` binary: parse, dispatch, and map every outcome to an exit code
//! (0 success, 1 a negative answer, 2 bad input). Errors are one line on stderr.

mod adapters;
mod args;
mod bench_report;
mod bulk;
mod code;
mod completions;
mod dispatch;
mod docs;
mod drift;
mod error;
mod json;
mod keys;
mod lab;
mod man;
mod montecarlo;
mod output;
mod policies;
mod policy_arg;
mod probe;
mod progress;
mod report;
mod scenario;
mod secret;
mod sweep;
mod vectors;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use dispatch::run;

use clap::Parser;

use args::Cli;
use error::CliError;

/// The argument that is not UTF-8, named by its flag (or its position),
/// never echoed: clap's own message names none.
fn non_utf8_argument() -> Option<String> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let bad = args.iter().position(|a| a.to_str().is_none())?;
    let flag = |a: &std::ffi::OsString| {
        a.to_str()
            .filter(|s| s.starts_with("--"))
            .map(str::to_owned)
    };
    Some(match bad.checked_sub(1).and_then(|i| flag(&args[i])) {
        Some(name) if bad > 1 => format!("{name} is not valid UTF-8"),
        _ => format!("argument {bad} is not valid UTF-8"),
    })
}

fn main() -> ExitCode {
    // SIGINT, SIGTERM, SIGHUP: kill the external processes running (lab
    // adapters, vectors --cmd tools: each in a process group of its own,
    // which the terminal's Ctrl-C does not reach) with their children,
    // remove the temporaries being written, then exit as interrupted
    // (128 + SIGINT). If the handler cannot be set, the writes are still
    // atomic; only a temporary could be left behind.
    let _ = ctrlc::set_handler(|| {
        skewsim::process::kill_all();
        skewsim::report::exit_removing_pending(130)
    });
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                // --help and --version are answers, not errors; but an
                // answer that could not be written (a closed or full
                // stdout) is a failure, and a broken pipe is not.
                let written = write!(std::io::stdout(), "{}", e.render())
                    .and_then(|()| std::io::stdout().flush());
                return match written {
                    Err(w) if w.kind() != std::io::ErrorKind::BrokenPipe => {
                        eprintln!("error: cannot write to stdout: {w}");
                        ExitCode::from(3)
                    }
                    _ => ExitCode::SUCCESS,
                };
            }
            if e.kind() == ErrorKind::InvalidUtf8
                && let Some(which) = non_utf8_argument()
            {
                eprintln!("error: {which}");
                return ExitCode::from(2);
            }
            eprintln!("{}", dispatch::one_line(&e));
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(&cli, &mut out) {
        Ok(code) => ExitCode::from(code),
        Err(CliError::Other(m)) if m == output::BROKEN_PIPE => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("error: {}", skewsim::text::line(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

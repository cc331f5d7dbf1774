//! From a parsed command line to its subcommand, and clap's errors as one line.

use std::io::Write;

use crate::args::{Cli, Command};
use crate::error::CliError;
use crate::{
    bench_report, bulk, code, completions, drift, lab, man, montecarlo, policies, probe, report,
    scenario, secret, sweep, vectors, verify,
};

/// clap's error as the one line `error: …` the contract asks for: its first
/// line names the argument; clap's suggestion (`--dely`: did you mean
/// `--delay`?) is kept. A word clap did not expect is never echoed, nor a
/// rejected value longer than 12 characters: either may be a pasted secret
/// (`--secret KRSX G5CT …` unquoted).
pub fn one_line(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let string = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let hidden = |word: &str| format!("[{} characters, not shown]", word.chars().count());
    let escaped = |word: &str| format!("'{}'", word.escape_debug());
    // The words clap quotes, made safe in the whole text before it is cut
    // to one line (a newline inside a value must not end the message early).
    let mut text = e.render().to_string();
    let mut replace = |word: Option<String>, hide: &dyn Fn(&str) -> bool| {
        if let Some(word) = word {
            let safe = if hide(&word) {
                hidden(&word)
            } else {
                escaped(&word)
            };
            text = text.replace(&format!("'{word}'"), &safe);
        }
    };
    // An argument of the definition (`--secret <BASE32|->`, `<SHELL>`) is
    // shown; any other word is the user's: a dash-led one is shown only as
    // a typo of a real flag (clap suggests one), since a pasted secret can
    // start with a dash too (`--secret --KRSX…`).
    let typo_of_a_flag = e.get(ContextKind::SuggestedArg).is_some();
    replace(string(ContextKind::InvalidArg), &|w: &str| {
        let placeholder = w
            .strip_prefix('<')
            .and_then(|w| w.strip_suffix('>'))
            .is_some_and(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            });
        // clap names a flag of the definition with its value: `--delay <DUR>`.
        let flag = w.split(" <").next().unwrap_or(w);
        let definition = w.contains(" <") && w.ends_with('>') && looks_like_a_flag(flag);
        !(typo_of_a_flag || definition || looks_like_a_flag(w) || placeholder)
    });
    replace(string(ContextKind::InvalidSubcommand), &|_: &str| true);
    replace(string(ContextKind::InvalidValue), &|w: &str| {
        w.chars().count() > 12
    });
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut first = lines
        .next()
        .unwrap_or("error: invalid arguments")
        .to_owned();
    // "…were not provided:" puts the arguments on the next line.
    if first.ends_with(':')
        && let Some(next) = lines.next()
    {
        first = format!("{first} {next}");
    }
    // The allowed values are the definition's words (`bash, elvish, …`),
    // which clap puts on a line of their own.
    if let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue)
        && !valid.is_empty()
    {
        first = format!("{first} (one of: {})", valid.join(", "));
    }
    for kind in [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand] {
        let suggestion = match e.get(kind) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(list)) if !list.is_empty() => list.join("', '"),
            _ => continue,
        };
        first = format!("{first}; did you mean '{suggestion}'?");
    }
    single_line(&first)
}

/// A word shaped like a flag (`--bogus`, `-x`): dashes, then at most 30
/// lowercase letters and hyphens with at most one digit (`--t0`). Pasted
/// secrets (base32: upper case, or digits 2-7 all through) are not.
fn looks_like_a_flag(word: &str) -> bool {
    let Some(rest) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) else {
        return false;
    };
    !rest.is_empty()
        && rest.len() <= 30
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && rest.bytes().filter(u8::is_ascii_digit).count() <= 1
}

/// `text` with control characters escaped: one line, whatever an argument,
/// a path or a value held, so no one can forge a second `error:` line.
pub fn single_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_debug().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// Dispatches one parsed command line.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<u8, CliError> {
    match &cli.command {
        None => scenario::run(&cli.scenario, out),
        Some(Command::Code(a)) => code::run(a, out),
        Some(Command::Verify(a)) => verify::run(a, out),
        Some(Command::Vectors(a)) => vectors::run(a, out),
        Some(Command::Policies(a)) => policies::run(a, out),
        Some(Command::Sweep(a)) => sweep::run(a, out),
        Some(Command::Montecarlo(a)) => montecarlo::run_cmd(a, out),
        Some(Command::Drift(a)) => drift::run(a, out),
        Some(Command::Lab(a)) => lab::run(a, out),
        Some(Command::Probe(a)) => probe::run(a, out),
        Some(Command::Report(a)) => report::run(a, out),
        Some(Command::Bulk(a)) => bulk::run(a, out),
        Some(Command::BenchReport(a)) => bench_report::run(a, out),
        Some(Command::Secret(a)) => secret::run(a, out),
        Some(Command::Completions(a)) => completions::run(a, out),
        Some(Command::Man(a)) => man::run(a, out),
    }
}

//! From a parsed command line to its subcommand, and clap's errors as one line.

use std::io::Write;

use crate::args::{Cli, Command};
use crate::error::CliError;
use crate::{
    bench_report, bulk, code, completions, docs, drift, lab, man, montecarlo, policies, probe,
    report, scenario, secret, sweep, vectors, verify,
};

/// clap's error as the one line `error: …` the contract asks for: its first
/// line names the argument; clap's suggestion (`--dely`: did you mean
/// `--delay`?, `sweeep`: did you mean `sweep`?) is kept. Only what could be
/// a pasted secret is hidden (`--secret KRSX G5CT …` unquoted): a word clap
/// did not expect, unless it is shaped like a flag or is a command name
/// mistyped (clap suggests one, and it is lower case with at most one
/// digit); and a rejected value longer than 12 characters. A hidden word
/// that looks like a secret gets a hint to pass it with `--secret`.
pub fn one_line(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    if let Some(line) = crate::keys::env_conflict(e) {
        return line;
    }
    let string = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let hidden = |word: &str| format!("[{} characters, not shown]", word.chars().count());
    let escaped = |word: &str| format!("'{}'", skewsim::text::printable(word));
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
    // An argument of the definition (`--secret <BASE32|->`, `<SHELL>`, `[TOPIC]`) is
    // shown; any other word is the user's: a dash-led one is shown only as
    // a typo of a real flag (clap suggests one), since a pasted secret can
    // start with a dash too (`--secret --KRSX…`).
    let typo_of_a_flag = e.get(ContextKind::SuggestedArg).is_some();
    replace(string(ContextKind::InvalidArg), &|w: &str| {
        // `<SHELL>`, or an optional positional's `[TOPIC]`.
        let placeholder = w
            .strip_prefix('<')
            .and_then(|w| w.strip_suffix('>'))
            .or_else(|| w.strip_prefix('[').and_then(|w| w.strip_suffix(']')))
            .is_some_and(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            });
        // clap names a flag of the definition with its value: `--delay <DUR>`.
        let flag = w.split(" <").next().unwrap_or(w);
        let definition = w.contains(" <") && w.ends_with('>') && looks_like_a_flag(flag);
        !(typo_of_a_flag || definition || looks_like_a_flag(w) || placeholder)
    });
    // A command name is shown when clap suggests the command it is a typo
    // of: `sweeep` is no secret, but any other word may be one.
    let typo_of_a_command = e.get(ContextKind::SuggestedSubcommand).is_some();
    let subcommand = string(ContextKind::InvalidSubcommand);
    let hidden_subcommand = subcommand
        .as_deref()
        .is_some_and(|w| !(typo_of_a_command && looks_like_a_word(w)));
    // A bare word where none belongs (`skewsim code JBSWY3DPEHPK3PXP`, as an
    // oathtool user types it): hidden, and if it looks like a secret, the
    // flag that takes one is named.
    let positional =
        string(ContextKind::InvalidArg).filter(|w| !w.starts_with('-') && !typo_of_a_flag);
    let secret_hint = subcommand
        .as_deref()
        .filter(|_| hidden_subcommand)
        .into_iter()
        .chain(positional.as_deref())
        .any(looks_like_a_secret);
    replace(subcommand, &|w: &str| {
        !(typo_of_a_command && looks_like_a_word(w))
    });
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
    if secret_hint {
        first = format!("{first}; {SECRET_HINT}");
    } else if hidden_subcommand {
        first = format!("{first}; 'skewsim --help' lists the commands");
    }
    skewsim::text::line(&first)
}

/// What a secret-looking bare word is told (`skewsim code JBSWY3DPEHPK3PXP`).
pub const SECRET_HINT: &str = "a secret goes after --secret (--secret - reads it from stdin, \
    out of the shell history), never as a bare word";

/// A word shaped like a command name (`sweeep`, `bench-reprot`): lower
/// case letters and hyphens, at most one digit, at most 30 characters.
fn looks_like_a_word(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= 30
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && word.bytes().filter(u8::is_ascii_digit).count() <= 1
}

/// A word that may be a secret: base32 (letters, digits 2-7, `=` padding)
/// or hex, and either long (16 characters, 80 bits in base32) or with an
/// upper-case letter or a digit (a piece of one: `KRSX`).
fn looks_like_a_secret(word: &str) -> bool {
    let base32 = word
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || (b'2'..=b'7').contains(&b) || b == b'=');
    let hex = word.bytes().all(|b| b.is_ascii_hexdigit());
    // All digits is a code or a time (`verify 123456`), not a secret.
    let digits = word.bytes().all(|b| b.is_ascii_digit());
    word.len() >= 4
        && (base32 || hex)
        && !digits
        && (word.len() >= 16
            || word
                .bytes()
                .any(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
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
        Some(Command::Docs(a)) => docs::run(a, out),
    }
}

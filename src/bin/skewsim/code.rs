//! `skewsim code`: the code and a newline; with `--counter` an HOTP code,
//! with `--window` the codes around it (oathtool -w), with `-v` the step and
//! its times first (oathtool -v, without the secret).

use std::io::Write;

use skewsim::{Code, TimeStep, Totp};

use serde::Serialize;

use crate::args::{CodeArgs, format_rfc3339};
use crate::error::CliError;
use crate::json::Format;
use crate::keys::key_from;

/// What the code is for: a time step, or an HOTP counter.
#[derive(Clone, Copy)]
enum Mode {
    /// RFC 6238: the step of `time`.
    Totp {
        /// The period and T0.
        step: TimeStep,
        /// The time the code is for.
        time: u64,
        /// The step of `time`.
        counter: u64,
    },
    /// RFC 4226: `--counter`, or an hotp URI's counter.
    Hotp {
        /// The counter.
        counter: u64,
    },
}

impl Mode {
    fn counter(self) -> u64 {
        match self {
            Mode::Totp { counter, .. } | Mode::Hotp { counter } => counter,
        }
    }

    /// The largest counter there is: for TOTP, the step of the last Unix second.
    fn max_counter(self) -> u64 {
        match self {
            // u64::MAX is never before T0, so counter_at cannot fail; the
            // fallback only keeps an unwrap out.
            Mode::Totp { step, .. } => step.counter_at(u64::MAX).unwrap_or(u64::MAX),
            Mode::Hotp { .. } => u64::MAX,
        }
    }
}

/// The current step's bounds: start, end (the next step's start; `None`
/// past the last Unix second) and the seconds left until that end.
struct StepTimes {
    start: u64,
    end: Option<u64>,
    seconds_left: u64,
}

fn step_times(step: TimeStep, time: u64, counter: u64) -> StepTimes {
    // `counter` is the step of `time`, so its start is at most `time`.
    let start = step.start_of(counter).unwrap_or(time);
    let end = start.checked_add(step.period());
    StepTimes {
        start,
        end,
        // time - start < period, so this never underflows; it counts the
        // seconds to the end even where that end is past u64::MAX.
        seconds_left: step.period() - (time - start),
    }
}

/// One line of `--window`.
#[derive(Serialize)]
struct WindowRow {
    /// The row's counter minus the current one.
    offset: i64,
    /// The step (HOTP: the counter).
    counter: u64,
    /// Zero-padded, as a string.
    code: String,
}

/// The codes `n` steps each side of `counter`, leaving out counters that do not exist.
fn window_rows(totp: &Totp, counter: u64, n: u32, max_counter: u64) -> Vec<WindowRow> {
    let n = i64::from(n);
    (-n..=n)
        .filter_map(|offset| {
            let c = counter.checked_add_signed(offset)?;
            (c <= max_counter).then(|| WindowRow {
                offset,
                counter: c,
                code: totp.code_for_counter(c).to_string(),
            })
        })
        .collect()
}

/// Refuses the TOTP flags that mean nothing for an HOTP code.
fn refuse_time_flags(args: &CodeArgs, because: &str) -> Result<(), CliError> {
    let time_flags = [
        (args.key.time.is_some(), "--time"),
        (args.key.period.is_some(), "--period"),
        (args.key.t0.is_some(), "--t0"),
    ];
    for (given, flag) in time_flags {
        if given {
            return Err(CliError::usage(
                flag,
                format!(
                    "cannot be used with {because}: an HOTP code follows a counter, not the time"
                ),
            ));
        }
    }
    Ok(())
}

/// Prints the code (and its window, and its parameters).
pub fn run(args: &CodeArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    if args.counter.is_some() {
        refuse_time_flags(args, "--counter")?;
    }
    let key = key_from(&args.key)?;
    let mode = match (args.counter, key.hotp_counter) {
        (Some(counter), _) => Mode::Hotp { counter },
        (None, Some(counter)) => {
            refuse_time_flags(args, "an hotp URI")?;
            Mode::Hotp { counter }
        }
        (None, None) => Mode::Totp {
            step: key.totp.time_step(),
            time: key.time,
            counter: key.counter()?,
        },
    };
    let counter = mode.counter();
    let code = key.totp.code_for_counter(counter);
    let window = args
        .window
        .map(|n| window_rows(&key.totp, counter, n, mode.max_counter()));
    if args.format == Format::Json {
        return write_json(&key.totp, mode, code, window, out).map(|()| 0);
    }
    let mut text = String::new();
    if args.verbose {
        text.push_str(&verbose(&key.totp, mode));
        text.push('\n');
    }
    match &window {
        Some(rows) => text.push_str(&window_table(rows, mode)),
        None => text.push_str(&format!("{code}\n")),
    }
    crate::output::write(out, &text)?;
    Ok(0)
}

/// `-v`: one `name: value` line per parameter, never the secret.
fn verbose(totp: &Totp, mode: Mode) -> String {
    let mut lines: Vec<(&str, String)> = Vec::new();
    let hex = |n: u64| format!("{n} ({n:#x})");
    let at = |t: u64| format!("{} ({t})", format_rfc3339(t));
    match mode {
        Mode::Totp { .. } => lines.push(("mode", "TOTP (RFC 6238)".to_owned())),
        Mode::Hotp { .. } => lines.push(("mode", "HOTP (RFC 4226)".to_owned())),
    }
    lines.push((
        "secret",
        format!("{} bytes (not shown)", totp.secret().len()),
    ));
    lines.push(("algorithm", totp.algorithm().name().to_owned()));
    lines.push(("digits", totp.digits().get().to_string()));
    match mode {
        Mode::Totp {
            step,
            time,
            counter,
        } => {
            let times = step_times(step, time, counter);
            lines.push(("period", format!("{} s", step.period())));
            lines.push(("t0", at(step.t0())));
            lines.push(("time", at(time)));
            lines.push(("step", hex(counter)));
            lines.push(("step start", at(times.start)));
            lines.push((
                "step end",
                times
                    .end
                    .map_or_else(|| "past the last Unix second".to_owned(), at),
            ));
            lines.push(("seconds left", times.seconds_left.to_string()));
        }
        Mode::Hotp { counter } => lines.push(("counter", hex(counter))),
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    lines
        .iter()
        .map(|(k, v)| format!("{:<width$} {v}\n", format!("{k}:")))
        .collect()
}

/// `--window` as a table: the current row marked `>`.
///
/// ```text
///   offset  step  code
///       -1     0  755224
/// >      0     1  287082
///       +1     2  359152
/// ```
fn window_table(rows: &[WindowRow], mode: Mode) -> String {
    let label = match mode {
        Mode::Totp { .. } => "step",
        Mode::Hotp { .. } => "counter",
    };
    let signed = |o: i64| {
        if o == 0 {
            "0".to_owned()
        } else {
            format!("{o:+}")
        }
    };
    let ow = rows
        .iter()
        .map(|r| signed(r.offset).len())
        .chain(["offset".len()])
        .max()
        .unwrap_or(0);
    let cw = rows
        .iter()
        .map(|r| r.counter.to_string().len())
        .chain([label.len()])
        .max()
        .unwrap_or(0);
    let mut text = format!("  {:>ow$}  {label:>cw$}  code\n", "offset");
    for r in rows {
        let mark = if r.offset == 0 { '>' } else { ' ' };
        text.push_str(&format!(
            "{mark} {:>ow$}  {:>cw$}  {}\n",
            signed(r.offset),
            r.counter,
            r.code
        ));
    }
    text
}

fn write_json(
    totp: &Totp,
    mode: Mode,
    code: Code,
    window: Option<Vec<WindowRow>>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (time, step, times) = match mode {
        Mode::Totp {
            step,
            time,
            counter,
        } => (
            Some(time),
            Some(step),
            Some(step_times(step, time, counter)),
        ),
        Mode::Hotp { .. } => (None, None, None),
    };
    let doc = CodeJson {
        code: code.to_string(),
        counter: mode.counter(),
        mode: match mode {
            Mode::Totp { .. } => "totp",
            Mode::Hotp { .. } => "hotp",
        },
        time_unix: time,
        algorithm: totp.algorithm().name(),
        digits: totp.digits().get(),
        secret_bytes: totp.secret().len(),
        period_s: step.map(TimeStep::period),
        t0_unix: step.map(TimeStep::t0),
        step_start_unix: times.as_ref().map(|t| t.start),
        step_end_unix: times.as_ref().and_then(|t| t.end),
        seconds_left: times.as_ref().map(|t| t.seconds_left),
        window,
    };
    crate::json::write(out, "code", &doc)
}

/// `code`'s JSON document.
#[derive(Serialize)]
struct CodeJson {
    /// Zero-padded, as a string.
    code: String,
    /// The HOTP counter (the time step for TOTP).
    counter: u64,
    /// `totp` or `hotp` (`--counter`, an hotp URI).
    mode: &'static str,
    /// The time (null for HOTP).
    time_unix: Option<u64>,
    algorithm: &'static str,
    digits: u8,
    /// The key's length (the key itself is never printed).
    secret_bytes: usize,
    /// The step (null for HOTP).
    period_s: Option<u64>,
    /// T0 (null for HOTP).
    t0_unix: Option<u64>,
    /// The first second of the step (null for HOTP).
    step_start_unix: Option<u64>,
    /// The next step's first second (null for HOTP, or past u64).
    step_end_unix: Option<u64>,
    /// Until the step ends (null for HOTP).
    seconds_left: Option<u64>,
    /// `--window`'s codes, oldest first (null without it).
    window: Option<Vec<WindowRow>>,
}

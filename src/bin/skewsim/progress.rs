//! Progress bars on stderr, shown only on a terminal (never in pipes, CI or tests).
//! Self-contained: tests/integration/bin_modules.rs compiles it into the
//! integration tests, where its unit tests run.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

/// A bar for `total` units of `what`, hidden unless stderr is a terminal.
/// Its rate is a whole number (`14,238,980/s`), not indicatif's four decimals.
pub fn bar(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what} ({{rate}}, {{eta}} left)");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    // A display only: a failed write loses a bar frame.
                    let _ = w.write_str(&rate_text(state.per_sec()));
                },
            ),
    );
    bar
}

/// A rate per second as a whole number with thousands separators:
/// `14,238,980/s`; under 10 a second, one decimal (`2.5/s`); `0/s` for a
/// rate not yet known (NaN, infinite or negative).
pub fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "0/s".to_owned();
    }
    if per_sec < 9.95 {
        return format!("{per_sec:.1}/s");
    }
    // Rounded first; u64 covers any rate a bar can see.
    let digits = (per_sec.round().min(u64::MAX as f64) as u64).to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}/s")
}

/// One line on stderr where the bars are hidden (stderr is not a terminal:
/// a log, CI), so that a run of minutes still shows it advances there.
pub fn log_line(text: &str) {
    if !std::io::stderr().is_terminal() {
        eprintln!("{text}");
    }
}

/// A spinner with a message (the current step of a task of unknown length),
/// hidden unless stderr is a terminal.
pub fn spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    let template = format!("{{spinner}} {what} {{elapsed}}: {{wide_msg}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::rate_text;

    #[test]
    fn rates_are_whole_numbers_with_thousands_separators() {
        assert_eq!(rate_text(14_238_979.648_2), "14,238,980/s");
        assert_eq!(rate_text(999.5), "1,000/s");
        assert_eq!(rate_text(123.4), "123/s");
        assert_eq!(rate_text(1_000_000.0), "1,000,000/s");
        assert_eq!(rate_text(2.54), "2.5/s");
        assert_eq!(rate_text(9.96), "10/s");
        assert_eq!(rate_text(0.0), "0/s");
        assert_eq!(rate_text(f64::NAN), "0/s");
        assert_eq!(rate_text(f64::INFINITY), "0/s");
    }
}

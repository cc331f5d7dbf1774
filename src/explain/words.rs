//! Plain words at an honest precision: percentages without exponents,
//! durations a person reads ([`format_human`]), steps and stored states.

use crate::duration::format_human;
use crate::sim::policy::{Window, range_text};
use crate::sim::{Outcome, State};

/// A probability as a person reads it: whole percent, one decimal near 0%
/// and 100%, and "under 0.1%" / "over 99.9%" rather than a rounding that
/// would claim certainty (or impossibility) that is not there. Never an
/// exponent.
///
/// ```
/// use skewsim::explain::words::percent;
/// assert_eq!(percent(0.0), "0%");
/// assert_eq!(percent(1.0), "100%");
/// assert_eq!(percent(5.0 / 6.0), "83%");
/// assert_eq!(percent(1.0 / 30_000.0), "under 0.1%");
/// assert_eq!(percent(0.004), "0.4%");
/// assert_eq!(percent(0.99999), "over 99.9%");
/// ```
pub fn percent(p: f64) -> String {
    let x = p * 100.0;
    if p <= 0.0 {
        "0%".to_owned()
    } else if p >= 1.0 {
        "100%".to_owned()
    } else if x < 0.1 {
        "under 0.1%".to_owned()
    } else if x < 1.0 {
        format!("{x:.1}%")
    } else if x > 99.9 {
        "over 99.9%".to_owned()
    } else if x > 99.0 {
        format!("{x:.1}%")
    } else {
        format!("{x:.0}%")
    }
}

/// A probability to the precision of its exact count (up to 1 in 10⁶ of a
/// percent), in plain decimals: for `--exact`.
///
/// ```
/// use skewsim::explain::words::percent_exact;
/// assert_eq!(percent_exact(1.0 / 30_000.0), "0.003333%");
/// assert_eq!(percent_exact(5.0 / 6.0), "83.333333%");
/// assert_eq!(percent_exact(0.5), "50%");
/// ```
pub fn percent_exact(p: f64) -> String {
    let text = format!("{:.6}", p * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// The outcome as what happened at the login, for tables and the chances
/// line: "login accepted", "login refused: wrong offset stored", "login
/// refused: not the enrollment's doing", "enrollment refused".
pub fn outcome_words(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::InSync => "login accepted",
        Outcome::OutOfSync => "login refused: wrong offset stored",
        Outcome::LoginFails => "login refused: not the enrollment's doing",
        Outcome::Rejected => "enrollment refused",
    }
}

/// `1 step`, `3 steps`.
pub(crate) fn steps(n: i64) -> String {
    match n.abs() {
        1 => "1 step".to_owned(),
        a => format!("{a} steps"),
    }
}

/// Where a code's step lay relative to the verifier's clock: "3 steps
/// behind the verifier's clock", "in the verifier's own step".
pub(crate) fn relative(code_minus_verifier: i64) -> String {
    match code_minus_verifier {
        0 => "in the verifier's own step".to_owned(),
        n if n < 0 => format!("{} behind the verifier's clock", steps(n)),
        n => format!("{} ahead of the verifier's clock", steps(n)),
    }
}

/// What a state holds, in words: "no offset", "an offset of -3 steps",
/// "a time shift of -1 m 17 s".
pub(crate) fn stored(state: &State) -> String {
    match (state.steps, state.shift_ms) {
        (0, 0) => "no offset".to_owned(),
        (n, 0) => format!("an offset of {n:+} steps"),
        (0, ms) => format!("a time shift of {}", format_human(ms)),
        (n, ms) => format!("{n:+} steps and a time shift of {}", format_human(ms)),
    }
}

/// `-1..+1 steps` of a window.
pub(crate) fn window(w: Window) -> String {
    format!("{} steps", range_text(w))
}

/// "1 attempt", "3 attempts".
pub(crate) fn attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{n} attempts")
    }
}

/// "2nd", "3rd".
pub(crate) fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The caveats that qualify a claim, to set after it: ` (INFERRED, …; …)`,
/// or nothing when there is none.
pub fn beside(caveats: &[super::Caveat]) -> String {
    if caveats.is_empty() {
        String::new()
    } else {
        let notes: Vec<&str> = caveats.iter().map(|c| c.note.as_str()).collect();
        format!(" ({})", notes.join("; "))
    }
}

//! Durations as the command line writes them: `90s`, `1m30s`, `1m 30s`,
//! `500ms`, `90sec`, `2h`, `1d`, `2w`, `0s`, optionally signed (`-45s`), with
//! decimal fractions (`1.5s`).
//!
//! Everything is integer milliseconds: a step boundary must never depend on
//! floating point rounding.

use thiserror::Error;

/// Why a duration did not parse. Messages follow the option name
/// (`--delay is not a duration: …`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    /// Empty text.
    #[error("empty: expected a duration such as 90s, 1m30s or 500ms")]
    Empty,
    /// Something that is not `<number><unit>`.
    #[error("not a duration: {0} (expected e.g. 90s, 1m30s, 500ms, 2h)")]
    Syntax(&'static str),
    /// A unit we do not know (named only when at most 4 characters: a long
    /// "unit" may be a secret pasted in the wrong place).
    #[error("not a duration: unknown unit {0:?} (use ms, s/sec, m/min, h, d or w)")]
    Unit(String),
    /// Finer than a millisecond.
    #[error("not a whole number of milliseconds")]
    SubMillisecond,
    /// Too large for i64 milliseconds.
    #[error("out of range: too large")]
    Overflow,
    /// A negative duration where only non-negative ones make sense.
    #[error("negative: it must be 0 or more")]
    Negative,
}

/// Parses a signed duration into milliseconds.
///
/// ```
/// use skewsim::duration::parse_duration_ms;
/// assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
/// assert_eq!(parse_duration_ms("-45s"), Ok(-45_000));
/// assert_eq!(parse_duration_ms("1.5s"), Ok(1_500));
/// assert_eq!(parse_duration_ms("1m 30s"), Ok(90_000));
/// assert_eq!(parse_duration_ms("90sec"), Ok(90_000));
/// assert_eq!(parse_duration_ms("2w"), Ok(1_209_600_000));
/// assert!(parse_duration_ms("90x").is_err());
/// ```
///
/// # Errors
/// [`DurationError`] saying what is wrong; never panics on any input.
pub fn parse_duration_ms(text: &str) -> Result<i64, DurationError> {
    // Spaces between the parts are allowed (`1m 30s`).
    let spaced: String = text.trim().chars().filter(|c| *c != ' ').collect();
    let text = spaced.as_str();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let (negative, body) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body == "0" {
        return Ok(0);
    }
    if body.is_empty() {
        return Err(DurationError::Syntax("a sign alone"));
    }
    // Accumulated in i128 so that no intermediate product can overflow.
    let mut total: i128 = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or(DurationError::Syntax("a number needs a unit"))?;
        if number_len == 0 {
            return Err(DurationError::Syntax("a unit needs a number before it"));
        }
        let number = &rest[..number_len];
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit_ms: i128 = match unit {
            "ms" | "msec" => 1,
            "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 604_800_000,
            // Named only when short enough to be a typo.
            other if other.chars().count() <= 4 => {
                return Err(DurationError::Unit(other.to_owned()));
            }
            _ => return Err(DurationError::Syntax("a long word where a unit should be")),
        };
        total += parse_scaled(number, unit_ms)?;
        if total > i128::from(i64::MAX) {
            return Err(DurationError::Overflow);
        }
    }
    let total = i64::try_from(total).map_err(|_| DurationError::Overflow)?;
    Ok(if negative { -total } else { total })
}

/// Parses a duration that must not be negative.
///
/// # Errors
/// As [`parse_duration_ms`], plus [`DurationError::Negative`].
pub fn parse_nonnegative_ms(text: &str) -> Result<i64, DurationError> {
    let ms = parse_duration_ms(text)?;
    if ms < 0 {
        return Err(DurationError::Negative);
    }
    Ok(ms)
}

/// `number` (digits, at most one '.') times `unit_ms`, exactly.
fn parse_scaled(number: &str, unit_ms: i128) -> Result<i128, DurationError> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(DurationError::Syntax("a malformed number"));
    }
    if whole.len() > 30 || fraction.len() > 30 {
        return Err(DurationError::Overflow);
    }
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| DurationError::Overflow)?
    };
    let mut value = whole.checked_mul(unit_ms).ok_or(DurationError::Overflow)?;
    if !fraction.is_empty() {
        let digits: i128 = fraction.parse().map_err(|_| DurationError::Overflow)?;
        let scale = 10i128.pow(u32::try_from(fraction.len()).map_err(|_| DurationError::Overflow)?);
        let scaled = digits.checked_mul(unit_ms).ok_or(DurationError::Overflow)?;
        if scaled % scale != 0 {
            return Err(DurationError::SubMillisecond);
        }
        value = value
            .checked_add(scaled / scale)
            .ok_or(DurationError::Overflow)?;
    }
    Ok(value)
}

/// Formats milliseconds the way they are parsed: `1m30s`, `-45s`, `500ms`, `0s`.
///
/// ```
/// use skewsim::duration::format_ms;
/// assert_eq!(format_ms(90_000), "1m30s");
/// assert_eq!(format_ms(-1_500), "-1.5s");
/// ```
pub fn format_ms(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    let (hours, rem) = (abs / 3_600_000, abs % 3_600_000);
    let (minutes, rem) = (rem / 60_000, rem % 60_000);
    let (seconds, millis) = (rem / 1_000, rem % 1_000);
    let mut out = String::from(sign);
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    match (seconds, millis) {
        (0, 0) => {}
        (s, 0) => out.push_str(&format!("{s}s")),
        (0, m) if hours == 0 && minutes == 0 => out.push_str(&format!("{m}ms")),
        (s, m) => {
            let frac = format!("{m:03}");
            out.push_str(&format!("{s}.{}s", frac.trim_end_matches('0')));
        }
    }
    out
}

/// A duration at a resolution that means something to a person, with
/// spaced units: whole seconds below an hour (`48 s`, `1 m 32 s`), whole
/// minutes below a day (`8 h 20 m`), whole hours beyond (`1 d 2 h`); only a
/// duration under a second keeps its milliseconds (`500 ms`). Each is
/// rounded to the nearest unit; the exact value is [`format_ms`]'s. The text
/// reads back with [`parse_duration_ms`].
///
/// ```
/// use skewsim::duration::format_human;
/// assert_eq!(format_human(48_001), "48 s");
/// assert_eq!(format_human(92_000), "1 m 32 s");
/// assert_eq!(format_human(300_000), "5 m");
/// assert_eq!(format_human(30_028_000), "8 h 20 m");
/// assert_eq!(format_human(86_400_000), "1 d");
/// assert_eq!(format_human(-45_000), "-45 s");
/// assert_eq!(format_human(0), "0 s");
/// assert_eq!(format_human(500), "500 ms");
/// ```
pub fn format_human(ms: i64) -> String {
    if ms == 0 {
        return "0 s".to_owned();
    }
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    if abs < 1_000 {
        return format!("{sign}{abs} ms");
    }
    let round = |unit: u64| (abs + unit / 2) / unit;
    let parts: Vec<(u64, &str)> = if abs < 3_600_000 - 500 {
        let s = round(1_000);
        vec![(s / 60, "m"), (s % 60, "s")]
    } else if abs < 86_400_000 - 30_000 {
        let m = round(60_000);
        vec![(m / 60, "h"), (m % 60, "m")]
    } else {
        let h = round(3_600_000);
        vec![(h / 24, "d"), (h % 24, "h")]
    };
    let text: Vec<String> = parts
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    format!("{sign}{}", text.join(" "))
}

/// Unix seconds as RFC 3339 in UTC (`1970-01-01T00:00:59Z`), the form the
/// command line's `--time` reads ([`parse_rfc3339`]). Years past 9999 get
/// more digits.
///
/// ```
/// assert_eq!(skewsim::duration::format_rfc3339(1_111_111_109), "2005-03-18T01:58:29Z");
/// ```
pub fn format_rfc3339(secs: u64) -> String {
    // u64::MAX / 86 400 fits an i64 with room to spare.
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Hinnant), the inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An RFC 3339 time, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, as Unix
/// seconds (the command line's `--time`), the inverse of [`format_rfc3339`].
/// The fraction is dropped and a leap second (`:60`) counts as `:59`.
/// `None` for anything else, an impossible date or a time before 1970.
///
/// ```
/// use skewsim::duration::parse_rfc3339;
/// assert_eq!(parse_rfc3339("2005-03-18T01:58:29Z"), Some(1_111_111_109));
/// assert_eq!(parse_rfc3339("2005-03-18T03:58:29.5+02:00"), Some(1_111_111_109));
/// assert_eq!(parse_rfc3339("2005-02-29T00:00:00Z"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d, h, mi, s) = (
        num(0, 4)?,
        num(5, 2)?,
        num(8, 2)?,
        num(11, 2)?,
        num(14, 2)?,
        num(17, 2)?,
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d < 1
        || d > month_days[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || s > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &fraction[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let r = rest.as_bytes();
            if r.len() != 6 || r[3] != b':' {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s.min(59) - offset;
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text: an answer, never a panic (`--time` hands it whatever
        /// the user typed), including text shaped like a time with any
        /// characters, multi-byte ones too, in any place.
        #[test]
        fn parse_rfc3339_never_panics(
            text in prop_oneof![
                any::<String>(),
                "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}.{0,12}",
            ]
        ) {
            let _ = parse_rfc3339(&text);
        }

        /// Every second of years 1970..=9999 formats and parses back to itself.
        #[test]
        fn every_second_round_trips(t in 0u64..=253_402_300_799) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
    }

    #[test]
    fn rfc3339_formats_what_it_parses() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(59), "1970-01-01T00:00:59Z");
        assert_eq!(format_rfc3339(1_111_111_109), "2005-03-18T01:58:29Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        for t in [
            0,
            1,
            59,
            86_399,
            951_782_400,
            1_700_000_000,
            4_102_444_800,
            253_402_300_799,
        ] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t), "{t}");
        }
        // The largest time still formats (more year digits), without overflow.
        assert!(format_rfc3339(u64::MAX).ends_with('Z'));
    }

    #[test]
    fn accepts_the_contract_forms() {
        for (text, ms) in [
            ("90s", 90_000),
            ("1m30s", 90_000),
            ("2m", 120_000),
            ("500ms", 500),
            ("1h", 3_600_000),
            ("0s", 0),
            ("0", 0),
            ("-45s", -45_000),
            ("+5s", 5_000),
            ("1d", 86_400_000),
            ("0.25s", 250),
            ("1h2m3s4ms", 3_723_004),
        ] {
            assert_eq!(parse_duration_ms(text), Ok(ms), "{text}");
        }
    }

    #[test]
    fn rejects_the_rest() {
        for text in [
            "",
            "90",
            "90x",
            "ninety",
            "s",
            "-",
            "1e999s",
            "1..5s",
            "1.0005s",
            "NaN",
            "inf",
            "99999999999999999999999999999999d",
            "106751991167301d",
            "5 x",
            "--5s",
            "1fortnight",
        ] {
            assert!(parse_duration_ms(text).is_err(), "{text}");
        }
        // Spaces between parts and long unit names are fine.
        for (text, ms) in [
            ("5 s", 5_000),
            ("1m 30s", 90_000),
            ("2 weeks", 1_209_600_000),
            ("3 hrs", 10_800_000),
        ] {
            assert_eq!(parse_duration_ms(text), Ok(ms), "{text}");
        }
        assert_eq!(parse_nonnegative_ms("-5s"), Err(DurationError::Negative));
    }

    #[test]
    fn format_round_trips() {
        for ms in [
            0, 1, 999, 1_000, 1_500, 59_999, 90_000, -45_000, 3_723_004, 86_400_000,
        ] {
            assert_eq!(parse_duration_ms(&format_ms(ms)), Ok(ms), "{ms}");
        }
    }
}

//! Windowed verification that reports the matched offset, and two-code resync.
//!
//! The offset is what a verifier would record as the device's drift (RFC 6238
//! §6), so it is the answer, not a side detail: `verify` returns it.

use subtle::ConstantTimeEq;

use super::error::{Error, Result};
use super::hotp::Code;
use super::token::Totp;

/// How many steps behind and ahead of the verifier's step a code may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Window {
    /// Steps in the past (a late code, or a device clock behind).
    pub behind: u32,
    /// Steps in the future (a device clock ahead).
    pub ahead: u32,
}

impl Window {
    /// `n` steps each side.
    pub fn symmetric(n: u32) -> Self {
        Window {
            behind: n,
            ahead: n,
        }
    }

    /// The offsets, most preferred first: 0, -1, +1, -2, +2, …, restricted to
    /// the window. A code that matches several steps (6-digit codes repeat)
    /// is reported at the first of these.
    fn offsets_by_preference(self) -> impl Iterator<Item = i64> {
        let reach = i64::from(self.behind.max(self.ahead));
        std::iter::once(0)
            .chain((1..=reach).flat_map(|d| [-d, d]))
            .filter(move |&o| o >= -i64::from(self.behind) && o <= i64::from(self.ahead))
    }
}

/// The answer of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The code is that of the verifier's step plus `offset`.
    Accepted {
        /// Matched step minus the verifier's step (negative: the code is older).
        offset: i64,
    },
    /// No step in the window has this code.
    Rejected,
}

/// Parses a submitted code: exactly `digits` ASCII digits.
///
/// # Errors
/// [`Error::CodeFormat`], which never echoes the code.
pub fn parse_code(text: &str, digits: super::hotp::Digits) -> Result<Code> {
    let want = usize::from(digits.get());
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::CodeFormat {
            digits: digits.get(),
            reason: "only the digits 0-9 are allowed",
        });
    }
    if text.len() != want {
        return Err(Error::CodeFormat {
            digits: digits.get(),
            reason: "wrong number of digits",
        });
    }
    // At most 10 ASCII digits: below 10^10 but possibly above u32::MAX.
    let value: u64 = text.parse().map_err(|_| Error::CodeFormat {
        digits: digits.get(),
        reason: "not a number",
    })?;
    let value = u32::try_from(value).map_err(|_| Error::CodeFormat {
        digits: digits.get(),
        reason: "larger than any truncated HOTP value",
    })?;
    Ok(Code::new(value, digits))
}

/// Checks `code` against every step of `window` around the step of `time`.
///
/// Every candidate step is computed and compared in constant time, whether or
/// not an earlier one matched, so the time taken does not say which matched.
/// Steps outside the counter range (before T0, past u64) are skipped.
///
/// ```
/// use skewsim::{verify, Secret, Totp, Verdict, Window, Algorithm, Digits, TimeStep};
/// let totp = Totp::new(Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap(),
///     Algorithm::Sha1, Digits::SIX, TimeStep::RFC6238);
/// let old = totp.code_at(1_000_000 - 30).unwrap().to_string();
/// assert_eq!(verify(&totp, &old, 1_000_000, Window::symmetric(1)).unwrap(),
///            Verdict::Accepted { offset: -1 });
/// ```
///
/// # Errors
/// [`Error::CodeFormat`] for a code that is not `digits` digits, and
/// [`Error::TimeBeforeT0`].
pub fn verify(totp: &Totp, code: &str, time: u64, window: Window) -> Result<Verdict> {
    let submitted = parse_code(code, totp.digits())?;
    let now = totp.time_step().counter_at(time)?;
    let mut found = None;
    for offset in window.offsets_by_preference() {
        let Some(counter) = now.checked_add_signed(offset) else {
            continue;
        };
        let candidate = totp.code_for_counter(counter);
        let same = candidate.value().ct_eq(&submitted.value());
        if bool::from(same) && found.is_none() {
            found = Some(offset);
        }
    }
    Ok(match found {
        Some(offset) => Verdict::Accepted { offset },
        None => Verdict::Rejected,
    })
}

/// Two-code resynchronisation (RFC 4226 §7.4, the AWS enrollment/resync call):
/// finds a step `j` with `code(j) == first` and `code(j+1) == second`, where
/// `j+1` lies within `range` of the step of `time`, and returns the offset
/// `(j+1) - step(time)`: the drift a verifier would store.
///
/// Several pairs can match in a wide range; the one nearest the verifier's step wins.
///
/// # Errors
/// [`Error::CodeFormat`] and [`Error::TimeBeforeT0`], as for [`verify`].
pub fn resync(
    totp: &Totp,
    first: &str,
    second: &str,
    time: u64,
    range: Window,
) -> Result<Option<i64>> {
    let first = parse_code(first, totp.digits())?;
    let second = parse_code(second, totp.digits())?;
    let now = totp.time_step().counter_at(time)?;
    let mut found = None;
    for offset in range.offsets_by_preference() {
        let Some(later) = now.checked_add_signed(offset) else {
            continue;
        };
        let Some(earlier) = later.checked_sub(1) else {
            continue;
        };
        let pair = totp.code_for_counter(earlier).value().ct_eq(&first.value())
            & totp.code_for_counter(later).value().ct_eq(&second.value());
        if bool::from(pair) && found.is_none() {
            found = Some(offset);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::totp::{Algorithm, Digits, Secret, TimeStep};

    fn token() -> Totp {
        Totp::new(
            Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap(),
            Algorithm::Sha1,
            Digits::SIX,
            TimeStep::RFC6238,
        )
    }

    #[test]
    fn resync_finds_a_consecutive_pair_and_its_offset() {
        let t = token();
        let now = 1_700_000_000u64;
        let step = t.time_step().counter_at(now).unwrap();
        for shift in [-7i64, -1, 0, 1, 5] {
            let second = step.checked_add_signed(shift).unwrap();
            let c1 = t.code_for_counter(second - 1).to_string();
            let c2 = t.code_for_counter(second).to_string();
            assert_eq!(
                resync(&t, &c1, &c2, now, Window::symmetric(10)).unwrap(),
                Some(shift)
            );
            // Outside the range: not found.
            assert_eq!(
                resync(&t, &c1, &c2, now, Window::symmetric(0)).unwrap(),
                (shift == 0).then_some(0)
            );
        }
    }

    #[test]
    fn resync_refuses_codes_in_the_wrong_order_or_not_consecutive() {
        let t = token();
        let now = 1_700_000_000u64;
        let step = t.time_step().counter_at(now).unwrap();
        let code = |c: u64| t.code_for_counter(c).to_string();
        let w = Window::symmetric(10);
        assert_eq!(
            resync(&t, &code(step), &code(step - 1), now, w).unwrap(),
            None
        );
        assert_eq!(
            resync(&t, &code(step - 2), &code(step), now, w).unwrap(),
            None
        );
        assert!(resync(&t, "12345", &code(step), now, w).is_err());
    }

    #[test]
    fn resync_near_counter_zero_does_not_wrap() {
        let t = token();
        let c0 = t.code_for_counter(0).to_string();
        let c1 = t.code_for_counter(1).to_string();
        assert_eq!(
            resync(&t, &c0, &c1, 0, Window::symmetric(3)).unwrap(),
            Some(1)
        );
        assert_eq!(resync(&t, &c1, &c0, 0, Window::symmetric(3)).unwrap(), None);
    }
}

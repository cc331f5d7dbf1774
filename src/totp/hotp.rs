//! RFC 4226 HOTP: HMAC over the 8-byte big-endian counter, dynamic truncation,
//! and the decimal code.

use std::fmt;

use super::algorithm::Algorithm;
use super::error::{Error, Result};
use super::secret::Secret;

/// A number of code digits, 6 to 10.
///
/// Ten digits is the most the 31-bit truncated value can fill (its 10th digit
/// is only ever 0, 1 or 2), so larger counts are refused rather than padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digits(u8);

impl Digits {
    /// Six digits, the default everywhere.
    pub const SIX: Digits = Digits(6);

    /// Checks the range 6..=10.
    ///
    /// # Errors
    /// [`Error::Digits`] outside that range.
    pub fn new(digits: u64) -> Result<Self> {
        match u8::try_from(digits) {
            Ok(d @ 6..=10) => Ok(Digits(d)),
            _ => Err(Error::Digits { got: digits }),
        }
    }

    /// The count.
    pub fn get(self) -> u8 {
        self.0
    }

    /// 10^digits, the modulus of the code.
    pub fn modulus(self) -> u64 {
        10u64.pow(u32::from(self.0))
    }
}

impl Default for Digits {
    fn default() -> Self {
        Digits::SIX
    }
}

/// A one-time code: its value and how many digits it is shown with.
///
/// `Display` zero-pads to the digit count.
/// ```
/// use skewsim::{Code, Digits};
/// let code = Code::new(7081804, Digits::new(8).unwrap());
/// assert_eq!(code.to_string(), "07081804");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    value: u32,
    digits: Digits,
}

impl Code {
    /// A code from its value; the value is reduced modulo 10^digits.
    pub fn new(value: u32, digits: Digits) -> Self {
        // value % 10^d < 10^d, and also <= value, so it fits a u32.
        let reduced = (u64::from(value) % digits.modulus()) as u32;
        Code {
            value: reduced,
            digits,
        }
    }

    /// The numeric value (below 10^digits).
    pub fn value(self) -> u32 {
        self.value
    }

    /// The digit count.
    pub fn digits(self) -> Digits {
        self.digits
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:0width$}",
            self.value,
            width = usize::from(self.digits.0)
        )
    }
}

/// RFC 4226 §5.3 dynamic truncation: the low nibble of the last byte picks an
/// offset, and the 31 bits at that offset are the value.
///
/// Returns `None` for a tag too short to hold offset + 4 bytes (no HMAC in
/// [`Algorithm`] is: the shortest, SHA-1's, has 20 bytes and needs at most 19).
pub fn dynamic_truncate(tag: &[u8]) -> Option<u32> {
    let offset = usize::from(tag.last()? & 0x0f);
    let bytes: [u8; 4] = tag.get(offset..offset + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes) & 0x7fff_ffff)
}

/// The full 31-bit truncated HOTP value for `counter` (RFC 4226's "Decimal" column).
pub fn hotp_value(algorithm: Algorithm, secret: &Secret, counter: u64) -> u32 {
    algorithm.hmac(secret.as_bytes(), &counter.to_be_bytes(), |tag| {
        // Every tag of `Algorithm` is at least 20 bytes, so truncation succeeds.
        dynamic_truncate(tag).unwrap_or_default()
    })
}

/// The HOTP code for `counter`.
///
/// ```
/// use skewsim::{hotp, Algorithm, Digits, Secret};
/// let key = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
/// assert_eq!(hotp(Algorithm::Sha1, &key, 0, Digits::SIX).to_string(), "755224");
/// ```
pub fn hotp(algorithm: Algorithm, secret: &Secret, counter: u64, digits: Digits) -> Code {
    Code::new(hotp_value(algorithm, secret, counter), digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code keeps the digit count it was made with: RFC 4226 Appendix D's
    /// counter 0 value 1284755224 is `84755224` in 8 digits and `755224` in 6.
    #[test]
    fn a_code_keeps_its_digit_count() {
        let key = Secret::from_bytes(b"12345678901234567890".to_vec()).expect("20 bytes");
        for (digits, shown) in [(8, "84755224"), (6, "755224")] {
            let d = Digits::new(digits).expect("6..=10");
            let code = hotp(Algorithm::Sha1, &key, 0, d);
            assert_eq!(code.digits(), d);
            assert_eq!(code.to_string(), shown);
        }
    }
}

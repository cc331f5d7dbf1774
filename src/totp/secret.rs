//! The shared secret: parsed from base32, hex or bytes; wiped on drop; never shown.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::error::{Error, Result};

/// A TOTP/HOTP shared secret (the HMAC key).
///
/// The bytes are zeroized when the value is dropped, and `Debug` prints only
/// the length. Any length from one byte up is accepted: HMAC hashes keys longer
/// than the hash block first (RFC 2104), so long keys work as well.
///
/// ```
/// use skewsim::Secret;
/// let s = Secret::from_base32("GEZD GNBV-gy3t qojq").unwrap();
/// assert_eq!(s.as_bytes(), b"1234567890");
/// assert_eq!(format!("{s:?}"), "Secret([REDACTED; 10 bytes])");
/// ```
#[derive(Clone)]
pub struct Secret(Vec<u8>);

// Written out rather than derived: zeroize's derive is the only thing that
// would compile a second `syn` for this crate (the core's whole build).
impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}

/// Equality in constant time for keys of equal length (`subtle`), so that
/// comparing secrets leaks no prefix through timing; the lengths themselves
/// are not secret.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == other.0.len() && bool::from(self.0.ct_eq(&other.0))
    }
}

impl Eq for Secret {}

impl Secret {
    /// Takes ownership of raw key bytes.
    ///
    /// # Errors
    /// [`Error::EmptySecret`] for an empty key.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(Error::EmptySecret);
        }
        Ok(Self(bytes))
    }

    /// Parses RFC 4648 base32: case-insensitive, padding optional, spaces and
    /// hyphens ignored (as authenticator apps display secrets in groups).
    ///
    /// # Errors
    /// [`Error::Base32Char`] names the first character outside the alphabet
    /// and its position; [`Error::Base32Padding`] for `=` inside the data;
    /// [`Error::Base32Length`] for a symbol count that cannot encode whole bytes;
    /// [`Error::EmptySecret`] when nothing is left.
    pub fn from_base32(text: &str) -> Result<Self> {
        let mut symbols = Zeroizing::new(String::with_capacity(text.len()));
        let mut padding_at = None;
        for (position, ch) in text.chars().enumerate() {
            match ch {
                ' ' | '-' => {}
                '=' => {
                    padding_at.get_or_insert(position);
                }
                'a'..='z' | 'A'..='Z' | '2'..='7' => {
                    if let Some(position) = padding_at {
                        return Err(Error::Base32Padding { position });
                    }
                    symbols.push(ch.to_ascii_uppercase());
                }
                _ => return Err(Error::Base32Char { ch, position }),
            }
        }
        if matches!(symbols.len() % 8, 1 | 3 | 6) {
            return Err(Error::Base32Length { len: symbols.len() });
        }
        // Every symbol was checked against the alphabet and the length is one
        // that encodes whole bytes, so the decoder cannot fail here; the error
        // arm is kept rather than an unwrap.
        let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &symbols)
            .ok_or(Error::Base32Length { len: symbols.len() })?;
        Self::from_bytes(bytes)
    }

    /// Parses hex (either case; spaces ignored).
    ///
    /// # Errors
    /// [`Error::HexChar`], [`Error::HexLength`], or [`Error::EmptySecret`].
    pub fn from_hex(text: &str) -> Result<Self> {
        let mut nibbles = Zeroizing::new(Vec::with_capacity(text.len()));
        for (position, ch) in text.chars().enumerate() {
            if ch == ' ' {
                continue;
            }
            let value = ch.to_digit(16).ok_or(Error::HexChar { ch, position })?;
            // to_digit(16) is at most 15, so it fits a u8.
            nibbles.push(value as u8);
        }
        if nibbles.len() % 2 == 1 {
            return Err(Error::HexLength { len: nibbles.len() });
        }
        Self::from_bytes(
            nibbles
                .chunks_exact(2)
                .map(|pair| (pair[0] << 4) | pair[1])
                .collect::<Vec<u8>>(),
        )
    }

    /// The key bytes. Handle with care: this is the secret.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Number of key bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `Secret` holds at least one byte.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Canonical base32 (upper case, no padding), as otpauth URIs carry it;
    /// wiped when dropped.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            &self.0,
        ))
    }

    /// Lower-case hex; wiped when dropped.
    pub fn to_hex(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.0.len() * 2));
        for byte in &self.0 {
            out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
        }
        out
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([REDACTED; {} bytes])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_forms_decode_alike() {
        let want = b"12345678901234567890";
        for form in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
            "gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq",
        ] {
            assert_eq!(
                Secret::from_base32(form).unwrap().as_bytes(),
                want,
                "{form}"
            );
        }
        assert_eq!(Secret::from_base32("MZXW6===").unwrap().as_bytes(), b"foo");
        // Equality compares bytes (in constant time).
        let a = Secret::from_bytes(b"foo".to_vec()).unwrap();
        assert!(a == Secret::from_base32("MZXW6===").unwrap());
        assert!(a != Secret::from_bytes(b"fop".to_vec()).unwrap());
        assert!(a != Secret::from_bytes(b"fo".to_vec()).unwrap());
        assert_eq!(Secret::from_base32("MZXW6").unwrap().as_bytes(), b"foo");
    }

    #[test]
    fn base32_errors_name_position_not_secret() {
        assert_eq!(
            Secret::from_base32("GEZ!GNBV"),
            Err(Error::Base32Char {
                ch: '!',
                position: 3
            })
        );
        assert_eq!(
            Secret::from_base32("MZ=XW6"),
            Err(Error::Base32Padding { position: 2 })
        );
        assert_eq!(
            Secret::from_base32("ABC"),
            Err(Error::Base32Length { len: 3 })
        );
        assert_eq!(Secret::from_base32(" = "), Err(Error::EmptySecret));
        assert_eq!(
            Secret::from_base32("GEZ1"),
            Err(Error::Base32Char {
                ch: '1',
                position: 3
            })
        );
    }

    #[test]
    fn hex_parses_and_rejects() {
        assert_eq!(
            Secret::from_hex("3132 ab").unwrap().as_bytes(),
            &[0x31, 0x32, 0xab]
        );
        assert_eq!(Secret::from_hex("313"), Err(Error::HexLength { len: 3 }));
        assert_eq!(
            Secret::from_hex("31g2"),
            Err(Error::HexChar {
                ch: 'g',
                position: 2
            })
        );
        assert_eq!(Secret::from_hex(""), Err(Error::EmptySecret));
        assert_eq!(&*Secret::from_hex("00ff").unwrap().to_hex(), "00ff");
    }

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from_bytes(b"hunter2".to_vec()).unwrap();
        assert_eq!(format!("{s:?}"), "Secret([REDACTED; 7 bytes])");
        let shown = format!("{s:?} {s:#?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("104"),
            "{shown}"
        );
    }

    /// RFC 6238's SHA-1 seed, the ASCII "12345678901234567890": 20 bytes,
    /// never empty, and in RFC 4648 base32 (no padding: 160 bits are 32 whole
    /// symbols) `GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ`, which reads back to it.
    #[test]
    fn a_secret_knows_its_length_and_its_base32() {
        let s = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        assert_eq!(s.len(), 20);
        assert!(!s.is_empty());
        assert_eq!(&*s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(Secret::from_base32(&s.to_base32()).unwrap(), s);
        let one = Secret::from_hex("ab").unwrap();
        assert_eq!((one.len(), one.as_bytes()), (1, &[0xab][..]));
    }

    /// Every odd number of hex digits is refused, not only 3: the last digit
    /// would be dropped by the pairing.
    #[test]
    fn hex_of_any_odd_length_is_refused() {
        for text in ["3", "313", "31323", "3132333"] {
            assert_eq!(
                Secret::from_hex(text),
                Err(Error::HexLength { len: text.len() }),
                "{text}"
            );
        }
    }
}

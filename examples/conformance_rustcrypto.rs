//! TOTP written directly on RustCrypto (`hmac`, `sha1`, `sha2`, `sha3`),
//! not on skewsim's own core, judged by skewsim's vectors through the
//! conformance API: what a crate with its own TOTP puts in its `cargo test`.
//!
//! ```sh
//! cargo run --example conformance_rustcrypto            # passes: exit 0
//! cargo run --example conformance_rustcrypto -- seed    # a planted bug: exit 1, the rows named
//! cargo run --example conformance_rustcrypto -- offset
//! cargo run --example conformance_rustcrypto -- time32
//! ```
//!
//! In a test of your own crate it is one line:
//! `skewsim::vectors::assert_conforms(&RustCryptoTotp { bug: Bug::None })`.
//! It implements generation, verification and a strict base32 decoder
//! (upper case, no separators: the lenient forms skewsim accepts are
//! `acceptable` rows, so refusing them passes); it leaves out URI parsing,
//! whose rows are then skipped, not failed.
//!
//! The planted bugs are the classic ones, each caught by rows named in
//! `tests/vectors.rs`:
//! - `seed`: a short key repeated to the hash's output size (old otplib and
//!   speakeasy did), which turns RFC 6238's 20-byte seed into its 32- and
//!   64-byte ones, so the 20-byte seed "reproduces" the published
//!   SHA-256/512 codes (the seed erratum);
//! - `offset`: the dynamic-truncation offset read from byte 19 (SHA-1's
//!   last byte) whatever the hash;
//! - `time32`: the time held in 32 bits, wrong from 2106 on.

use std::process::ExitCode;

use hmac::{Hmac, KeyInit, Mac, SimpleHmac};
use skewsim::Algorithm;
use skewsim::vectors::{Answer, CodeInput, Implementation, VerifyInput};
use subtle::ConstantTimeEq;

/// A planted bug (or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bug {
    /// The correct implementation.
    None,
    /// A short key repeated to the hash's output size for SHA-256/512.
    KeyRepeatedToHashSize,
    /// The truncation offset from byte 19, not the last byte.
    OffsetFromByte19,
    /// The time truncated to 32 bits.
    Time32,
}

/// TOTP (and HOTP, as TOTP with period 1) on RustCrypto.
#[derive(Debug, Clone, Copy)]
pub struct RustCryptoTotp {
    /// The bug to plant.
    pub bug: Bug,
}

/// HMAC under one RustCrypto hash.
fn mac<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Result<Vec<u8>, String> {
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|e| e.to_string())?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn hmac(algorithm: Algorithm, key: &[u8], message: &[u8]) -> Result<Vec<u8>, String> {
    match algorithm {
        Algorithm::Sha1 => mac::<Hmac<sha1::Sha1>>(key, message),
        Algorithm::Sha256 => mac::<Hmac<sha2::Sha256>>(key, message),
        Algorithm::Sha512 => mac::<Hmac<sha2::Sha512>>(key, message),
        Algorithm::Sha3_224 => mac::<SimpleHmac<sha3::Sha3_224>>(key, message),
        Algorithm::Sha3_256 => mac::<SimpleHmac<sha3::Sha3_256>>(key, message),
        Algorithm::Sha3_384 => mac::<SimpleHmac<sha3::Sha3_384>>(key, message),
        Algorithm::Sha3_512 => mac::<SimpleHmac<sha3::Sha3_512>>(key, message),
    }
}

impl RustCryptoTotp {
    /// The step counter at the input's time: floor((time - T0) / period).
    fn counter(&self, c: &CodeInput<'_>) -> Result<u64, String> {
        let time = if self.bug == Bug::Time32 {
            u64::from(c.time as u32)
        } else {
            c.time
        };
        let elapsed = time.checked_sub(c.t0).ok_or("time before T0")?;
        elapsed
            .checked_div(c.period)
            .ok_or_else(|| "period 0".to_owned())
    }

    /// RFC 4226 §5.3: HMAC of the counter, dynamic truncation, modulo 10^digits.
    fn code(&self, c: &CodeInput<'_>, counter: u64) -> Result<String, String> {
        let mut key = c.secret.to_vec();
        let size = match c.algorithm {
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
            _ => 0,
        };
        if self.bug == Bug::KeyRepeatedToHashSize && !key.is_empty() && key.len() < size {
            key = c.secret.iter().copied().cycle().take(size).collect();
        }
        let tag = hmac(c.algorithm, &key, &counter.to_be_bytes())?;
        let offset_byte = if self.bug == Bug::OffsetFromByte19 {
            tag.get(19)
        } else {
            tag.last()
        };
        let offset = usize::from(offset_byte.ok_or("short tag")? & 0x0f);
        let word: [u8; 4] = tag
            .get(offset..offset + 4)
            .and_then(|w| w.try_into().ok())
            .ok_or("short tag")?;
        let value = u32::from_be_bytes(word) & 0x7fff_ffff;
        let modulus = 10u64.checked_pow(c.digits).ok_or("too many digits")?;
        let width = c.digits as usize;
        Ok(format!("{:0width$}", u64::from(value) % modulus))
    }
}

impl Implementation for RustCryptoTotp {
    fn generate(&self, c: &CodeInput<'_>) -> Answer<String> {
        self.counter(c).and_then(|n| self.code(c, n)).into()
    }

    fn verify(&self, v: &VerifyInput<'_>) -> Answer<Option<i64>> {
        let c = &v.params;
        let now = match self.counter(c) {
            Ok(n) => n,
            Err(why) => return Answer::Refused(why),
        };
        // The nearest step first, the past before the future: 0, -1, +1, -2, +2, …
        let reach = i64::from(v.behind.max(v.ahead));
        let order = std::iter::once(0).chain((1..=reach).flat_map(|d| [-d, d]));
        for offset in order {
            if -offset > i64::from(v.behind) || offset > i64::from(v.ahead) {
                continue;
            }
            // Steps before counter 0 (or past u64) do not exist.
            let Some(counter) = now.checked_add_signed(offset) else {
                continue;
            };
            match self.code(c, counter) {
                Ok(code) if bool::from(code.as_bytes().ct_eq(v.code.as_bytes())) => {
                    return Answer::Gave(Some(offset));
                }
                Ok(_) => {}
                Err(why) => return Answer::Refused(why),
            }
        }
        Answer::Gave(None)
    }

    /// Strict RFC 4648 base32: upper case, no separators, padding optional
    /// but only at the end.
    fn decode_base32(&self, text: &str) -> Answer<Vec<u8>> {
        let body = text.trim_end_matches('=');
        if body.is_empty() {
            return Answer::Refused("empty".to_owned());
        }
        if !matches!(body.len() % 8, 0 | 2 | 4 | 5 | 7) {
            return Answer::Refused("a length no whole number of bytes has".to_owned());
        }
        let (mut bits, mut count, mut out) = (0u32, 0u32, Vec::new());
        for symbol in body.bytes() {
            let value = match symbol {
                b'A'..=b'Z' => symbol - b'A',
                b'2'..=b'7' => symbol - b'2' + 26,
                _ => {
                    return Answer::Refused(format!("{:?} is not in the alphabet", symbol as char));
                }
            };
            bits = (bits << 5) | u32::from(value);
            count += 5;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
                bits &= (1 << count) - 1;
            }
        }
        Answer::Gave(out)
    }
}

fn main() -> ExitCode {
    let bug = match std::env::args().nth(1).as_deref() {
        None => Bug::None,
        Some("seed") => Bug::KeyRepeatedToHashSize,
        Some("offset") => Bug::OffsetFromByte19,
        Some("time32") => Bug::Time32,
        Some(other) => {
            eprintln!("error: unknown bug {other:?}: seed, offset or time32");
            return ExitCode::from(2);
        }
    };
    match skewsim::vectors::check(&RustCryptoTotp { bug }) {
        Ok(report) => {
            print!("{report}");
            ExitCode::from(u8::from(!report.conforms()))
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

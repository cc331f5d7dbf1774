//! Bulk code generation: many codes of one secret over consecutive steps, or
//! one code each of many secrets, in parallel (rayon), allocation-free per
//! code, streamed into a checksum or a callback so that 10^9 codes need no
//! memory.
//!
//! The portable path precomputes the HMAC key state once per secret (two
//! compressions per code instead of four) on RustCrypto's compression
//! functions; [`Backend::Naive`] is the core's per-code `Hmac` path, kept as
//! the baseline and the reference. Where the CPU has them (checked at run
//! time): SHA-1 and SHA-256 on the SHA extensions, two or four codes
//! interleaved, key states included for many keys (`shani`); SHA-512 eight
//! codes per AVX-512 instruction stream or four on AVX2 (`sha512x`); the four
//! SHA-3 sizes likewise on Keccak (`keccakx`); `lanes` holds what the last
//! two share. Those four modules are the only ones with `unsafe`.
//!
//! Which variant is fastest depends on the CPU, so [`Backend::Auto`] times
//! them on first use (`calibrate`) and [`Cpu`] names the machine for the
//! record; `backend` says what each variant runs and needs.

mod backend;
mod calibrate;
mod cpu;
mod keccakx;
mod lanes;
mod portable;
mod sha512x;
mod shani;

pub use backend::{Backend, BackendError, UnknownBackend, Workload};
pub use calibrate::{Calibration, calibration};
pub use cpu::Cpu;

use rayon::prelude::*;

use crate::totp::{Algorithm, Digits, Secret, hotp_value};
use lanes::Width;
use portable::{Sha1Keyed, Sha3Keyed, Sha256Keyed, Sha512Keyed};
use shani::InFlight;

/// A secret made ready for bulk generation.
#[derive(Clone, Debug)]
// The SHA-3 states are 400 bytes; boxing them would put an allocation on the
// per-secret path of workload 2, and a Keyed lives on the stack anyway.
#[allow(clippy::large_enum_variant)]
pub enum Keyed {
    /// SHA-1, precomputed.
    Sha1(Sha1Keyed),
    /// SHA-1 on the SHA extensions, two or four codes per compression call.
    Sha1Ni(shani::Sha1Ni),
    /// SHA-256, precomputed.
    Sha256(Sha256Keyed),
    /// SHA-256 on the SHA extensions, two or four codes per compression call.
    Sha256Ni(shani::Sha256Ni),
    /// SHA-512, precomputed.
    Sha512(Sha512Keyed),
    /// SHA-512 on AVX-512 (8 codes at a time) or AVX2 (4).
    Sha512Simd(lanes::Multi<Sha512Keyed>),
    /// SHA-3, precomputed.
    Sha3(Sha3Keyed),
    /// SHA-3 on AVX-512 (8 codes at a time) or AVX2 (4).
    Sha3Simd(lanes::Multi<Sha3Keyed>),
    /// The core path.
    Naive(Algorithm, Secret),
}

impl Keyed {
    /// Prepares `key` for `algorithm` on `backend` (`Auto`: the
    /// calibration's choice for one secret on this CPU); an error when a
    /// named backend cannot run it here.
    ///
    /// ```
    /// use skewsim::bulk::{Backend, Keyed};
    /// use skewsim::Algorithm;
    /// let keyed = Keyed::new(Algorithm::Sha256, b"key", Backend::Auto)?;
    /// assert_ne!(keyed.backend(), Backend::Auto);
    /// assert!(Keyed::new(Algorithm::Sha256, b"key", Backend::Avx512).is_err());
    /// # Ok::<(), skewsim::bulk::BackendError>(())
    /// ```
    pub fn new(algorithm: Algorithm, key: &[u8], backend: Backend) -> Result<Keyed, BackendError> {
        let ran = backend.resolve(algorithm, Workload::OneSecret)?;
        Ok(Keyed::on(algorithm, key, ran))
    }

    /// `key` on `backend`, which [`Backend::resolve`] accepted (else the
    /// portable path: a variant the CPU lacks is never run).
    fn on(algorithm: Algorithm, key: &[u8], backend: Backend) -> Keyed {
        // An empty key cannot be a `Secret`; HMAC still defines it, so the
        // naive backend hands it to the portable path of the same algorithm.
        if backend == Backend::Naive
            && let Ok(secret) = Secret::from_bytes(key.to_vec())
        {
            return Keyed::Naive(algorithm, secret);
        }
        let in_flight = match backend {
            Backend::ShaNi4 => Some(InFlight::Four),
            Backend::ShaNi2 => Some(InFlight::Two),
            _ => None,
        };
        let width = match backend {
            Backend::Avx512 => Some(Width::Avx512),
            Backend::Avx2 => Some(Width::Avx2),
            _ => None,
        };
        match algorithm {
            Algorithm::Sha1 => {
                let portable = Sha1Keyed::new(key);
                in_flight
                    .and_then(|n| shani::Sha1Ni::new(portable, n))
                    .map_or(Keyed::Sha1(portable), Keyed::Sha1Ni)
            }
            Algorithm::Sha256 => {
                let portable = Sha256Keyed::new(key);
                in_flight
                    .and_then(|n| shani::Sha256Ni::new(portable, n))
                    .map_or(Keyed::Sha256(portable), Keyed::Sha256Ni)
            }
            Algorithm::Sha512 => {
                let portable = Sha512Keyed::new(key);
                width
                    .and_then(|w| lanes::Multi::new(portable, w))
                    .map_or(Keyed::Sha512(portable), Keyed::Sha512Simd)
            }
            alg => {
                let portable = Sha3Keyed::new(alg, key);
                width
                    .and_then(|w| lanes::Multi::new(portable, w))
                    .map_or(Keyed::Sha3(portable), Keyed::Sha3Simd)
            }
        }
    }

    /// The backend that computes its codes (never `Auto`).
    pub fn backend(&self) -> Backend {
        match self {
            Keyed::Sha1Ni(k) => k.backend(),
            Keyed::Sha256Ni(k) => k.backend(),
            Keyed::Sha512Simd(k) => k.backend(),
            Keyed::Sha3Simd(k) => k.backend(),
            Keyed::Naive(..) => Backend::Naive,
            Keyed::Sha1(_) | Keyed::Sha256(_) | Keyed::Sha512(_) | Keyed::Sha3(_) => {
                Backend::Portable
            }
        }
    }

    /// The 31-bit truncated HOTP value for `counter`.
    #[inline]
    pub fn value(&self, counter: u64) -> u32 {
        match self {
            Keyed::Sha1(k) => k.value(counter),
            Keyed::Sha1Ni(k) => k.portable().value(counter),
            Keyed::Sha256(k) => k.value(counter),
            Keyed::Sha256Ni(k) => k.portable().value(counter),
            Keyed::Sha512(k) => k.value(counter),
            Keyed::Sha512Simd(k) => k.portable().value(counter),
            Keyed::Sha3(k) => k.value(counter),
            Keyed::Sha3Simd(k) => k.portable().value(counter),
            Keyed::Naive(alg, secret) => hotp_value(*alg, secret, counter),
        }
    }

    /// The wrapping sum of the codes of counters `first..first+count`
    /// (counters past u64::MAX wrap around, as the counter field does).
    pub fn sum_codes(&self, first: u64, count: u64, modulus: u32) -> u64 {
        match self {
            Keyed::Sha1Ni(k) => return k.sum_codes(first, count, modulus),
            Keyed::Sha256Ni(k) => return k.sum_codes(first, count, modulus),
            Keyed::Sha512Simd(k) => return k.sum_codes(first, count, modulus),
            Keyed::Sha3Simd(k) => return k.sum_codes(first, count, modulus),
            _ => {}
        }
        let mut sum = 0u64;
        for i in 0..count {
            sum = sum.wrapping_add(u64::from(self.value(first.wrapping_add(i)) % modulus));
        }
        sum
    }
}

/// Codes per parallel work unit: large enough to amortise scheduling, small
/// enough to keep both cores busy to the end.
pub const CHUNK: u64 = 1 << 14;

/// Workload 1: the wrapping sum of the codes of one secret over `steps`
/// consecutive counters from `first`.
///
/// ```
/// use skewsim::bulk::{Backend, Keyed, steps_checksum};
/// use skewsim::{Algorithm, Digits};
/// // RFC 6238's SHA-1 key at T = 59 s (counter 1) and the next step.
/// let keyed = Keyed::new(Algorithm::Sha1, b"12345678901234567890", Backend::Auto)?;
/// let sum = steps_checksum(&keyed, 1, 2, Digits::new(8)?);
/// assert_eq!(sum, 94_287_082 + 37_359_152);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn steps_checksum(keyed: &Keyed, first: u64, steps: u64, digits: Digits) -> u64 {
    steps_checksum_with(keyed, first, steps, digits, &|_| {})
}

/// [`steps_checksum`], telling `progress` the number of codes of each finished chunk.
pub fn steps_checksum_with(
    keyed: &Keyed,
    first: u64,
    steps: u64,
    digits: Digits,
    progress: &(dyn Fn(u64) + Sync),
) -> u64 {
    let modulus = modulus(digits);
    (0..steps.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let start = chunk * CHUNK;
            let count = CHUNK.min(steps - start);
            let sum = keyed.sum_codes(first.wrapping_add(start), count, modulus);
            progress(count);
            sum
        })
        .reduce(|| 0, u64::wrapping_add)
}

/// 10^digits as u32 (at most 10^10, which does not fit: then every 31-bit value is its own code).
fn modulus(digits: Digits) -> u32 {
    u32::try_from(digits.modulus()).unwrap_or(u32::MAX)
}

/// The `i`-th splitmix64 secret of `key_len` bytes (docs/cli.md):
/// little-endian outputs of splitmix64 started at state `i`.
pub fn splitmix_key(i: u64, out: &mut [u8]) {
    let mut state = i;
    for chunk in out.chunks_mut(8) {
        let z = splitmix_next(&mut state);
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
}

/// The `i`-th splitmix key of `key_len` bytes (at most `8 * W`) as the
/// little-endian 64-bit words of its zero-padded block: what
/// [`splitmix_key`] writes, read back as words without going through bytes
/// (the SIMD paths of workload 2 load keys this way).
#[inline(always)]
fn splitmix_key_words<const W: usize>(i: u64, key_len: usize) -> [u64; W] {
    let mut state = i;
    let mut words = [0u64; W];
    for (j, word) in words.iter_mut().enumerate().take(key_len.div_ceil(8)) {
        let z = splitmix_next(&mut state);
        let valid = (key_len - 8 * j).min(8);
        *word = if valid == 8 {
            z
        } else {
            z & ((1u64 << (8 * valid)) - 1)
        };
    }
    words
}

/// The next splitmix64 output of `state`.
#[inline(always)]
fn splitmix_next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The longest splitmix key `secrets_checksum` accepts.
pub const MAX_KEY_LEN: usize = 1024;

/// Workload 2: the wrapping sum of the code at `counter` of each of the
/// secrets `0..secrets` (splitmix keys of `key_len` bytes, 1..=1024) on
/// `backend` (`Auto`: the calibration's choice for many secrets); an error
/// when a named backend cannot run it here.
///
/// ```
/// use skewsim::bulk::{Backend, secrets_checksum};
/// use skewsim::{Algorithm, Digits};
/// let fast = secrets_checksum(Algorithm::Sha1, Backend::Auto, 1000, 20, 1, Digits::SIX)?;
/// let core = secrets_checksum(Algorithm::Sha1, Backend::Naive, 1000, 20, 1, Digits::SIX)?;
/// assert_eq!(fast, core);
/// # Ok::<(), skewsim::bulk::BackendError>(())
/// ```
pub fn secrets_checksum(
    algorithm: Algorithm,
    backend: Backend,
    secrets: u64,
    key_len: usize,
    counter: u64,
    digits: Digits,
) -> Result<u64, BackendError> {
    secrets_checksum_with(
        algorithm,
        backend,
        secrets,
        key_len,
        counter,
        digits,
        &|_| {},
    )
}

/// [`secrets_checksum`], telling `progress` the number of codes of each finished chunk.
pub fn secrets_checksum_with(
    algorithm: Algorithm,
    backend: Backend,
    secrets: u64,
    key_len: usize,
    counter: u64,
    digits: Digits,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, BackendError> {
    let modulus = modulus(digits);
    let key_len = key_len.clamp(1, MAX_KEY_LEN);
    let ran = backend.resolve(algorithm, Workload::ManySecrets { key_len })?;
    Ok((0..secrets.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let start = chunk * CHUNK;
            let count = CHUNK.min(secrets - start);
            let sum = chunk_sum(algorithm, ran, start, count, key_len, counter, modulus);
            progress(count);
            sum
        })
        .reduce(|| 0, u64::wrapping_add))
}

/// Workload 2 over the keys `start..start + count` on `backend` (resolved:
/// not `Auto`), summed.
fn chunk_sum(
    algorithm: Algorithm,
    backend: Backend,
    start: u64,
    count: u64,
    key_len: usize,
    counter: u64,
    modulus: u32,
) -> u64 {
    // Keys of up to a block: key states and codes a few keys at a time,
    // SHA-1 and SHA-256 on the SHA extensions, SHA-512 and SHA-3 in the
    // AVX-512 or AVX2 lanes.
    let on_simd = match (backend, algorithm) {
        (Backend::ShaNi2, _) => shani::sum_keys(
            algorithm,
            InFlight::Two,
            start,
            count,
            key_len,
            counter,
            modulus,
        ),
        (Backend::ShaNi4, _) => shani::sum_keys(
            algorithm,
            InFlight::Four,
            start,
            count,
            key_len,
            counter,
            modulus,
        ),
        (Backend::Avx512 | Backend::Avx2, Algorithm::Sha512) => {
            sha512x::sum_keys(width_of(backend), start, count, key_len, counter, modulus)
        }
        (Backend::Avx512 | Backend::Avx2, _) => keccakx::sum_keys(
            algorithm,
            width_of(backend),
            start,
            count,
            key_len,
            counter,
            modulus,
        ),
        _ => None,
    };
    if let Some(sum) = on_simd {
        return sum;
    }
    // The portable and naive paths, one key at a time.
    let mut key = [0u8; MAX_KEY_LEN];
    let mut sum = 0u64;
    for i in start..start + count {
        splitmix_key(i, &mut key[..key_len]);
        let code = Keyed::on(algorithm, &key[..key_len], backend).value(counter) % modulus;
        sum = sum.wrapping_add(u64::from(code));
    }
    sum
}

/// The lane width of an AVX backend.
fn width_of(backend: Backend) -> Width {
    if backend == Backend::Avx512 {
        Width::Avx512
    } else {
        Width::Avx2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_2_agrees_across_backends_on_every_algorithm() {
        for alg in Algorithm::ALL {
            for key_len in [1usize, 20, 65] {
                let want =
                    secrets_checksum(alg, Backend::Naive, 1_003, key_len, 56_666_666, Digits::SIX);
                for backend in Backend::ALL {
                    let workload = Workload::ManySecrets { key_len };
                    if backend.resolve(alg, workload).is_err() {
                        continue;
                    }
                    let got =
                        secrets_checksum(alg, backend, 1_003, key_len, 56_666_666, Digits::SIX);
                    assert_eq!(got, want, "{alg} key {key_len} {backend:?}");
                }
            }
        }
    }

    #[test]
    fn an_empty_key_gives_the_same_codes_on_every_backend() {
        for alg in Algorithm::ALL {
            let want = Keyed::on(alg, &[], Backend::Portable).value(7);
            // RFC 2104 zero-pads the key: an empty key is the all-zero block,
            // which is also what a one-byte zero key gives.
            let zero = Secret::from_bytes(vec![0u8]).unwrap();
            assert_eq!(want, hotp_value(alg, &zero, 7), "{alg}");
            for backend in Backend::ALL {
                let Ok(keyed) = Keyed::new(alg, &[], backend) else {
                    continue;
                };
                assert_eq!(keyed.value(7), want, "{alg} {backend:?}");
            }
        }
    }

    #[test]
    fn every_backend_matches_the_core_on_every_algorithm() {
        for alg in Algorithm::ALL {
            for len in [1usize, 20, 64, 65, 72, 104, 128, 129, 136, 144, 145, 300] {
                let mut key = vec![0u8; len];
                splitmix_key(len as u64, &mut key);
                let secret = Secret::from_bytes(key.clone()).unwrap();
                for backend in Backend::ALL {
                    let Ok(keyed) = Keyed::new(alg, &key, backend) else {
                        assert!(!backend.runs(alg) || !backend.on_this_cpu());
                        continue;
                    };
                    assert_eq!(
                        keyed.backend(),
                        backend.resolve(alg, Workload::OneSecret).unwrap()
                    );
                    for counter in [0u64, 1, 56_666_666, u64::MAX] {
                        assert_eq!(
                            keyed.value(counter),
                            hotp_value(alg, &secret, counter),
                            "{alg} key {len} {backend:?} counter {counter}"
                        );
                    }
                }
            }
        }
    }
}

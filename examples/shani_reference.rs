//! The yardstick for `skewsim bulk` on the SHA extensions: SHA-1 and
//! SHA-256 HMAC-OTP written as one flat loop per workload, every
//! compression inlined (a macro, not a call), `--lanes` codes interleaved,
//! on as many threads as asked. Same workloads, same splitmix secrets, same
//! checksum as `skewsim bulk`, so the two print the same checksum and the
//! ratio of their rates is the headroom left (docs/bench.md).
//!
//! ```sh
//! cargo run --release --example shani_reference -- --algorithm sha1 --lanes 2 \
//!     --threads 2 --secret-hex 3132333435363738393031323334353637383930 --steps 50000000
//! cargo run --release --example shani_reference -- --algorithm sha256 --lanes 4 --secrets 20000000
//! ```
//!
//! It prints `codes=N checksum=C seconds=S codes_per_sec=R threads=T lanes=L`.
//! Keys of up to 64 bytes; x86_64 with the SHA extensions only. Before
//! timing, it holds the sum of the first 1,000 codes of the workload against
//! RustCrypto's `hmac` (exit 1 if they differ): a fast wrong answer is no
//! yardstick.

#![allow(unsafe_code)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Codes per work unit, as `skewsim bulk` uses.
const CHUNK: u64 = 1 << 14;

/// One run's settings.
#[derive(Debug, Clone)]
struct Settings {
    sha256: bool,
    lanes: usize,
    threads: usize,
    /// `Some(key)`: workload 1 over `steps` steps; `None`: workload 2.
    key: Option<Vec<u8>>,
    steps: u64,
    secrets: u64,
    key_len: usize,
    counter: u64,
    modulus: u32,
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    eprintln!(
        "usage: shani_reference [--algorithm sha1|sha256] [--lanes 1|2|4] [--threads N] \
         (--secret-hex HEX [--steps N] | --secrets N [--key-len 1..64]) [--from UNIX] [--digits 6..9]"
    );
    ExitCode::from(2)
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut s = Settings {
        sha256: false,
        lanes: 2,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        key: None,
        steps: 10_000_000,
        secrets: 0,
        key_len: 20,
        counter: 1_700_000_000 / 30,
        modulus: 1_000_000,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a whole number"))
        };
        match flag.as_str() {
            "--algorithm" => {
                s.sha256 = match value.as_str() {
                    "sha1" => false,
                    "sha256" => true,
                    _ => return Err("--algorithm: sha1 or sha256".to_owned()),
                }
            }
            "--lanes" => {
                s.lanes = match number()? {
                    n @ (1 | 2 | 4) => n as usize,
                    _ => return Err("--lanes: 1, 2 or 4".to_owned()),
                }
            }
            "--threads" => s.threads = number()?.clamp(1, 1024) as usize,
            "--secret-hex" => {
                let bytes = (0..value.len())
                    .step_by(2)
                    .map(|i| {
                        value
                            .get(i..i + 2)
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                    })
                    .collect::<Option<Vec<u8>>>()
                    .filter(|k| (1..=64).contains(&k.len()))
                    .ok_or("--secret-hex: 1 to 64 bytes of hex")?;
                s.key = Some(bytes);
            }
            "--steps" => s.steps = number()?,
            "--secrets" => s.secrets = number()?,
            "--key-len" => {
                s.key_len = match number()? {
                    n @ 1..=64 => n as usize,
                    _ => return Err("--key-len: 1 to 64".to_owned()),
                }
            }
            "--from" => s.counter = number()? / 30,
            "--digits" => {
                s.modulus = match number()? {
                    d @ 6..=9 => 10u32.pow(d as u32),
                    _ => return Err("--digits: 6 to 9".to_owned()),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if s.key.is_none() && s.secrets == 0 {
        return Err("give --secret-hex or --secrets".to_owned());
    }
    Ok(s)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match parse(&args) {
        Ok(s) => s,
        Err(message) => return usage(&message),
    };
    #[cfg(target_arch = "x86_64")]
    {
        if !(std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse4.1"))
        {
            eprintln!("error: this CPU has no SHA extensions");
            return ExitCode::from(3);
        }
        let codes = settings
            .key
            .as_ref()
            .map_or(settings.secrets, |_| settings.steps);
        let probe = codes.min(1_000);
        // SAFETY: the SHA extensions and SSE4.1 were detected above.
        let fast = unsafe { x86::chunk(&settings, 0, probe) };
        let slow = scalar_sum(&settings, probe);
        if fast != slow {
            eprintln!(
                "error: the first {probe} codes sum to {fast}, RustCrypto's hmac says {slow}"
            );
            return ExitCode::from(1);
        }
        let chunks = codes.div_ceil(CHUNK);
        let next = AtomicU64::new(0);
        let started = Instant::now();
        let checksum = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..settings.threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut sum = 0u64;
                        loop {
                            let chunk = next.fetch_add(1, Ordering::Relaxed);
                            if chunk >= chunks {
                                return sum;
                            }
                            let start = chunk * CHUNK;
                            let count = CHUNK.min(codes - start);
                            // SAFETY: the SHA extensions and SSE4.1 were detected above.
                            let part = unsafe { x86::chunk(&settings, start, count) };
                            sum = sum.wrapping_add(part);
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or(0))
                .fold(0u64, u64::wrapping_add)
        });
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "codes={codes} checksum={checksum} seconds={seconds:.3} codes_per_sec={:.0} threads={} lanes={}",
            codes as f64 / seconds.max(1e-9),
            settings.threads,
            settings.lanes
        );
        ExitCode::SUCCESS
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = settings;
        eprintln!("error: x86_64 only");
        ExitCode::from(3)
    }
}

/// The sum of the first `count` codes of the workload on RustCrypto's
/// `hmac`, `sha1` and `sha2`, one at a time.
fn scalar_sum(s: &Settings, count: u64) -> u64 {
    use hmac::{Hmac, KeyInit, Mac};
    fn tag<M: Mac + KeyInit>(key: &[u8], counter: u64) -> Vec<u8> {
        // Hmac takes a key of any length: the error cannot occur.
        let Ok(mut mac) = <M as KeyInit>::new_from_slice(key) else {
            return Vec::new();
        };
        mac.update(&counter.to_be_bytes());
        mac.finalize().into_bytes().to_vec()
    }
    let mut sum = 0u64;
    for i in 0..count {
        let (key, counter) = match &s.key {
            Some(k) => (k.clone(), s.counter.wrapping_add(i)),
            None => {
                let mut key = vec![0u8; s.key_len];
                let mut state = i;
                for chunk in key.chunks_mut(8) {
                    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let mut z = state;
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    z ^= z >> 31;
                    let n = chunk.len();
                    chunk.copy_from_slice(&z.to_le_bytes()[..n]);
                }
                (key, s.counter)
            }
        };
        let t = if s.sha256 {
            tag::<Hmac<sha2::Sha256>>(&key, counter)
        } else {
            tag::<Hmac<sha1::Sha1>>(&key, counter)
        };
        let Some(&last) = t.last() else {
            return 0;
        };
        let o = usize::from(last & 0xf);
        let value = u32::from_be_bytes([t[o], t[o + 1], t[o + 2], t[o + 3]]) & 0x7fff_ffff;
        sum = sum.wrapping_add(u64::from(value % s.modulus));
    }
    sum
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Settings;
    use std::arch::x86_64::*;

    const SHA1_IV: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    const SHA256_IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// One chunk of either workload, with the lane count of `s`.
    ///
    /// # Safety
    /// The CPU has the SHA extensions and SSE4.1.
    pub unsafe fn chunk(s: &Settings, start: u64, count: u64) -> u64 {
        // SAFETY (all arms): the caller guarantees the features.
        unsafe {
            match (s.sha256, s.lanes) {
                (false, 1) => sha1::<1>(s, start, count),
                (false, 2) => sha1::<2>(s, start, count),
                (false, _) => sha1::<4>(s, start, count),
                (true, 1) => sha256::<1>(s, start, count),
                (true, 2) => sha256::<2>(s, start, count),
                (true, _) => sha256::<4>(s, start, count),
            }
        }
    }

    /// The splitmix64 key `i` of `len` bytes as the 16 big-endian words of
    /// its zero-padded HMAC key block.
    #[inline(always)]
    fn key_block(i: u64, len: usize) -> [u32; 16] {
        let mut bytes = [0u8; 64];
        let mut state = i;
        for chunk in bytes[..len].chunks_mut(8) {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let n = chunk.len();
            chunk.copy_from_slice(&z.to_le_bytes()[..n]);
        }
        std::array::from_fn(|w| {
            u32::from_be_bytes([
                bytes[4 * w],
                bytes[4 * w + 1],
                bytes[4 * w + 2],
                bytes[4 * w + 3],
            ])
        })
    }

    /// A key given as bytes (workload 1) as the same 16 words.
    fn key_block_of(key: &[u8]) -> [u32; 16] {
        let mut bytes = [0u8; 64];
        bytes[..key.len()].copy_from_slice(key);
        std::array::from_fn(|w| {
            u32::from_be_bytes([
                bytes[4 * w],
                bytes[4 * w + 1],
                bytes[4 * w + 2],
                bytes[4 * w + 3],
            ])
        })
    }

    /// RFC 4226 dynamic truncation of a digest given as big-endian words.
    #[inline(always)]
    fn truncate(words: &[u32]) -> u32 {
        let last = words[words.len() - 1];
        let offset = (last & 0xf) as usize;
        // The 4 bytes at `offset` straddle words offset/4 and offset/4 + 1.
        let hi = u64::from(words[offset / 4]);
        let lo = u64::from(*words.get(offset / 4 + 1).unwrap_or(&0));
        let both = (hi << 32) | lo;
        ((both >> (32 - 8 * (offset % 4))) as u32) & 0x7fff_ffff
    }

    /// SHA-1: four 32-bit words per vector, W0 in the top lane.
    macro_rules! sha1_compress {
        ($lanes:expr, $abcd:expr, $e:expr, $w:expr) => {{
            let start_abcd = $abcd;
            let start_e = $e;
            let mut w = $w;
            let mut a = start_abcd;
            let mut saved = start_abcd;
            let mut ew = [_mm_setzero_si128(); $lanes];
            for l in 0..$lanes {
                ew[l] = _mm_add_epi32(start_e[l], w[l][0]);
            }
            macro_rules! group {
                ($g:literal, $f:literal) => {
                    for l in 0..$lanes {
                        if $g >= 4 {
                            let m = _mm_sha1msg1_epu32(w[l][$g % 4], w[l][($g + 1) % 4]);
                            let m = _mm_xor_si128(m, w[l][($g + 2) % 4]);
                            w[l][$g % 4] = _mm_sha1msg2_epu32(m, w[l][($g + 3) % 4]);
                        }
                        if $g >= 1 {
                            ew[l] = _mm_sha1nexte_epu32(saved[l], w[l][$g % 4]);
                        }
                        saved[l] = a[l];
                        a[l] = _mm_sha1rnds4_epu32::<$f>(a[l], ew[l]);
                    }
                };
            }
            group!(0, 0);
            group!(1, 0);
            group!(2, 0);
            group!(3, 0);
            group!(4, 0);
            group!(5, 1);
            group!(6, 1);
            group!(7, 1);
            group!(8, 1);
            group!(9, 1);
            group!(10, 2);
            group!(11, 2);
            group!(12, 2);
            group!(13, 2);
            group!(14, 2);
            group!(15, 3);
            group!(16, 3);
            group!(17, 3);
            group!(18, 3);
            group!(19, 3);
            let mut e_out = [_mm_setzero_si128(); $lanes];
            for l in 0..$lanes {
                e_out[l] = _mm_sha1nexte_epu32(saved[l], start_e[l]);
                a[l] = _mm_add_epi32(a[l], start_abcd[l]);
            }
            (a, e_out)
        }};
    }

    /// SHA-256: (ABEF, CDGH) states, W0 in the lowest lane.
    macro_rules! sha256_compress {
        ($lanes:expr, $abef:expr, $cdgh:expr, $w:expr) => {{
            let (start0, start1) = ($abef, $cdgh);
            let (mut s0, mut s1) = (start0, start1);
            let mut w = $w;
            for g in 0..16 {
                let k = _mm_set_epi32(
                    K[4 * g + 3] as i32,
                    K[4 * g + 2] as i32,
                    K[4 * g + 1] as i32,
                    K[4 * g] as i32,
                );
                for l in 0..$lanes {
                    if g >= 4 {
                        let t = _mm_alignr_epi8::<4>(w[l][(g + 3) % 4], w[l][(g + 2) % 4]);
                        let m =
                            _mm_add_epi32(_mm_sha256msg1_epu32(w[l][g % 4], w[l][(g + 1) % 4]), t);
                        w[l][g % 4] = _mm_sha256msg2_epu32(m, w[l][(g + 3) % 4]);
                    }
                    let wk = _mm_add_epi32(w[l][g % 4], k);
                    s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], wk);
                    s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], _mm_shuffle_epi32::<0x0E>(wk));
                }
            }
            for l in 0..$lanes {
                s0[l] = _mm_add_epi32(s0[l], start0[l]);
                s1[l] = _mm_add_epi32(s1[l], start1[l]);
            }
            (s0, s1)
        }};
    }

    /// Big-endian words as SHA-1 message vectors (W0 top).
    #[target_feature(enable = "sse2")]
    #[inline]
    fn sha1_vectors(words: &[u32; 16]) -> [__m128i; 4] {
        std::array::from_fn(|v| {
            _mm_set_epi32(
                words[4 * v] as i32,
                words[4 * v + 1] as i32,
                words[4 * v + 2] as i32,
                words[4 * v + 3] as i32,
            )
        })
    }

    /// Big-endian words as SHA-256 message vectors (W0 lowest).
    #[target_feature(enable = "sse2")]
    #[inline]
    fn sha256_vectors(words: &[u32; 16]) -> [__m128i; 4] {
        std::array::from_fn(|v| {
            _mm_set_epi32(
                words[4 * v + 3] as i32,
                words[4 * v + 2] as i32,
                words[4 * v + 1] as i32,
                words[4 * v] as i32,
            )
        })
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn sha1<const L: usize>(s: &Settings, start: u64, count: u64) -> u64 {
        let iv_a = _mm_set_epi32(
            SHA1_IV[0] as i32,
            SHA1_IV[1] as i32,
            SHA1_IV[2] as i32,
            SHA1_IV[3] as i32,
        );
        let iv_e = _mm_set_epi32(SHA1_IV[4] as i32, 0, 0, 0);
        // The inner and outer states of the lane keys (workload 1: one key).
        let key_states = |blocks: [[u32; 16]; L]| {
            let pad = |x: u32| blocks.map(|b| sha1_vectors(&b.map(|w| w ^ x)));
            let inner = sha1_compress!(L, [iv_a; L], [iv_e; L], pad(0x3636_3636));
            let outer = sha1_compress!(L, [iv_a; L], [iv_e; L], pad(0x5c5c_5c5c));
            (inner, outer)
        };
        let fixed = s.key.as_ref().map(|k| key_states([key_block_of(k); L]));
        let mut sum = 0u64;
        let mut i = 0u64;
        while i < count {
            let n = (count - i).min(L as u64) as usize;
            let ((ia, ie), (oa, oe)) = match fixed {
                Some(states) => states,
                None => key_states(std::array::from_fn(|l| {
                    key_block(start + i + l.min(n - 1) as u64, s.key_len)
                })),
            };
            let mut inner = [[_mm_setzero_si128(); 4]; L];
            for (l, block) in inner.iter_mut().enumerate() {
                let c = if fixed.is_some() {
                    s.counter.wrapping_add(start + i + l.min(n - 1) as u64)
                } else {
                    s.counter
                };
                let mut words = [0u32; 16];
                words[0] = (c >> 32) as u32;
                words[1] = c as u32;
                words[2] = 0x8000_0000;
                words[15] = (64 + 8) * 8;
                *block = sha1_vectors(&words);
            }
            let (ha, he) = sha1_compress!(L, ia, ie, inner);
            let mut outer = [[_mm_setzero_si128(); 4]; L];
            for l in 0..L {
                let words = [
                    _mm_extract_epi32::<3>(ha[l]),
                    _mm_extract_epi32::<2>(ha[l]),
                    _mm_extract_epi32::<1>(ha[l]),
                    _mm_extract_epi32::<0>(ha[l]),
                    _mm_extract_epi32::<3>(he[l]),
                    0x8000_0000u32 as i32,
                ];
                outer[l] = [
                    _mm_set_epi32(words[0], words[1], words[2], words[3]),
                    _mm_set_epi32(words[4], words[5], 0, 0),
                    _mm_setzero_si128(),
                    _mm_set_epi32(0, 0, 0, (64 + 20) * 8),
                ];
            }
            let (ta, te) = sha1_compress!(L, oa, oe, outer);
            for l in 0..n {
                let digest = [
                    _mm_extract_epi32::<3>(ta[l]) as u32,
                    _mm_extract_epi32::<2>(ta[l]) as u32,
                    _mm_extract_epi32::<1>(ta[l]) as u32,
                    _mm_extract_epi32::<0>(ta[l]) as u32,
                    _mm_extract_epi32::<3>(te[l]) as u32,
                ];
                sum = sum.wrapping_add(u64::from(truncate(&digest) % s.modulus));
            }
            i += n as u64;
        }
        sum
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn sha256<const L: usize>(s: &Settings, start: u64, count: u64) -> u64 {
        let v = &SHA256_IV;
        let iv0 = _mm_set_epi32(v[0] as i32, v[1] as i32, v[4] as i32, v[5] as i32);
        let iv1 = _mm_set_epi32(v[2] as i32, v[3] as i32, v[6] as i32, v[7] as i32);
        let key_states = |blocks: [[u32; 16]; L]| {
            let pad = |x: u32| blocks.map(|b| sha256_vectors(&b.map(|w| w ^ x)));
            let inner = sha256_compress!(L, [iv0; L], [iv1; L], pad(0x3636_3636));
            let outer = sha256_compress!(L, [iv0; L], [iv1; L], pad(0x5c5c_5c5c));
            (inner, outer)
        };
        let fixed = s.key.as_ref().map(|k| key_states([key_block_of(k); L]));
        let mut sum = 0u64;
        let mut i = 0u64;
        while i < count {
            let n = (count - i).min(L as u64) as usize;
            let ((i0, i1), (o0, o1)) = match fixed {
                Some(states) => states,
                None => key_states(std::array::from_fn(|l| {
                    key_block(start + i + l.min(n - 1) as u64, s.key_len)
                })),
            };
            let mut inner = [[_mm_setzero_si128(); 4]; L];
            for (l, block) in inner.iter_mut().enumerate() {
                let c = if fixed.is_some() {
                    s.counter.wrapping_add(start + i + l.min(n - 1) as u64)
                } else {
                    s.counter
                };
                let mut words = [0u32; 16];
                words[0] = (c >> 32) as u32;
                words[1] = c as u32;
                words[2] = 0x8000_0000;
                words[15] = (64 + 8) * 8;
                *block = sha256_vectors(&words);
            }
            let (h0, h1) = sha256_compress!(L, i0, i1, inner);
            let mut outer = [[_mm_setzero_si128(); 4]; L];
            for l in 0..L {
                let mut words = [0u32; 16];
                words[..8].copy_from_slice(&digest256(h0[l], h1[l]));
                words[8] = 0x8000_0000;
                words[15] = (64 + 32) * 8;
                outer[l] = sha256_vectors(&words);
            }
            let (t0, t1) = sha256_compress!(L, o0, o1, outer);
            for l in 0..n {
                sum = sum.wrapping_add(u64::from(truncate(&digest256(t0[l], t1[l])) % s.modulus));
            }
            i += n as u64;
        }
        sum
    }

    /// `[A..H]` from (ABEF, CDGH).
    #[target_feature(enable = "sse4.1")]
    #[inline]
    fn digest256(abef: __m128i, cdgh: __m128i) -> [u32; 8] {
        [
            _mm_extract_epi32::<3>(abef) as u32,
            _mm_extract_epi32::<2>(abef) as u32,
            _mm_extract_epi32::<3>(cdgh) as u32,
            _mm_extract_epi32::<2>(cdgh) as u32,
            _mm_extract_epi32::<1>(abef) as u32,
            _mm_extract_epi32::<0>(abef) as u32,
            _mm_extract_epi32::<1>(cdgh) as u32,
            _mm_extract_epi32::<0>(cdgh) as u32,
        ]
    }
}

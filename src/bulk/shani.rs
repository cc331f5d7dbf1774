//! SHA-1 and SHA-256 HMAC on the x86 SHA extensions, several independent
//! codes interleaved.
//!
//! The one module with `unsafe`: calling functions compiled for CPU features
//! (`sha`, `sse4.1`) that are checked at run time first. Inside them every
//! intrinsic works on values (no pointers), so the rounds themselves are
//! safe code.
//!
//! Why it is fast: the key's inner/outer states are precomputed (two
//! compressions per code); the message blocks are built as vectors directly
//! (the counter, the padding and the length are known), with no byte
//! shuffling; and several codes run side by side, so the `sha1rnds4` latency
//! of one code is hidden behind the others. How many is a choice
//! ([`InFlight`]): two per compression call or four. Which wins depends on
//! the CPU (docs/bench.md): on the Xeon measured two SHA-1 codes, since four
//! spill out of the sixteen registers the SHA instructions can address, and
//! four SHA-256 codes; on an AMD EPYC (Zen 4) four SHA-1 codes. The bulk
//! module's calibration picks at run time. Workload 2 builds each key's
//! states the same way, a few keys at a time.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::portable::Sha1Keyed;
use crate::totp::Algorithm;

/// Whether this CPU has what [`Sha1Ni`] needs.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("sha") && std::arch::is_x86_feature_detected!("sse4.1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// How many codes (or keys) one compression call interleaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InFlight {
    /// Two: fits the registers the SHA instructions address.
    Two,
    /// Four: hides more latency, spills on some CPUs.
    Four,
}

impl InFlight {
    /// The number of codes in flight.
    pub fn lanes(self) -> usize {
        match self {
            InFlight::Two => 2,
            InFlight::Four => 4,
        }
    }

    /// The backend of this lane count.
    fn backend(self) -> super::Backend {
        match self {
            InFlight::Two => super::Backend::ShaNi2,
            InFlight::Four => super::Backend::ShaNi4,
        }
    }
}

/// A SHA-1 HMAC key state for the SHA-NI path. Only constructed through
/// [`Sha1Ni::new`], which checks the CPU, so holding one proves the features.
#[derive(Clone, Copy, Debug)]
pub struct Sha1Ni {
    keyed: Sha1Keyed,
    in_flight: InFlight,
}

impl Sha1Ni {
    /// `Some` when the CPU has the SHA extensions and SSE4.1.
    pub fn new(keyed: Sha1Keyed, in_flight: InFlight) -> Option<Self> {
        available().then_some(Sha1Ni { keyed, in_flight })
    }

    /// The portable state it was built from.
    pub fn portable(&self) -> &Sha1Keyed {
        &self.keyed
    }

    /// The backend it is.
    pub fn backend(&self) -> super::Backend {
        self.in_flight.backend()
    }

    /// The 31-bit truncated values of four counters.
    #[inline]
    pub fn values4(&self, counters: [u64; 4]) -> [u32; 4] {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a Sha1Ni exists only if `available()` returned true, so
            // the `sha` and `sse4.1` features this function is compiled for
            // are present on this CPU.
            unsafe {
                match self.in_flight {
                    InFlight::Two => values4::<true>(&self.keyed, counters),
                    InFlight::Four => values4::<false>(&self.keyed, counters),
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            counters.map(|c| self.keyed.value(c))
        }
    }

    /// The wrapping sum of the codes of `count` counters from `first`.
    pub fn sum_codes(&self, first: u64, count: u64, modulus: u32) -> u64 {
        sum_by_fours(
            first,
            count,
            modulus,
            |c| self.values4(c),
            |c| self.keyed.value(c),
        )
    }
}

/// The wrapping sum of `count` codes from `first`, four lanes at a time,
/// the remainder one by one.
fn sum_by_fours(
    first: u64,
    count: u64,
    modulus: u32,
    four: impl Fn([u64; 4]) -> [u32; 4],
    one: impl Fn(u64) -> u32,
) -> u64 {
    let mut sum = 0u64;
    let mut i = 0;
    while i + 4 <= count {
        let c = first.wrapping_add(i);
        for x in four([c, c.wrapping_add(1), c.wrapping_add(2), c.wrapping_add(3)]) {
            sum = sum.wrapping_add(u64::from(x % modulus));
        }
        i += 4;
    }
    for j in i..count {
        sum = sum.wrapping_add(u64::from(one(first.wrapping_add(j)) % modulus));
    }
    sum
}

/// `N` lanes of SHA-1 compression of one block each, from the states
/// `(abcd, e)` (abcd with `a` in the top lane, `e` in the top lane of its
/// vector), over message vectors `w` (W0 in the top lane of `w[0]`).
///
/// Kept a function (LLVM does not inline it): inlining it by a macro into
/// workload 2's loop made that loop 12% slower (register pressure; measured
/// against the reference, docs/bench.md).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress<const N: usize>(
    abcd: [__m128i; N],
    e: [__m128i; N],
    mut w: [[__m128i; 4]; N],
) -> ([__m128i; N], [__m128i; N]) {
    let mut a = abcd;
    let mut saved = abcd;
    let mut ew = [_mm_setzero_si128(); N];
    for l in 0..N {
        ew[l] = _mm_add_epi32(e[l], w[l][0]);
    }
    // One group of four rounds: FUNC is the round function (0..=3).
    macro_rules! group {
        ($g:expr, $func:expr) => {
            for l in 0..N {
                if $g >= 4 {
                    // W[g] = msg2(msg1(W[g-4], W[g-3]) ^ W[g-2], W[g-1]), in a ring of four.
                    let m1 = _mm_sha1msg1_epu32(w[l][$g % 4], w[l][($g + 1) % 4]);
                    let x = _mm_xor_si128(m1, w[l][($g + 2) % 4]);
                    w[l][$g % 4] = _mm_sha1msg2_epu32(x, w[l][($g + 3) % 4]);
                }
                if $g >= 1 {
                    ew[l] = _mm_sha1nexte_epu32(saved[l], w[l][$g % 4]);
                }
                saved[l] = a[l];
                a[l] = _mm_sha1rnds4_epu32::<$func>(a[l], ew[l]);
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
    let mut e_out = [_mm_setzero_si128(); N];
    for l in 0..N {
        e_out[l] = _mm_sha1nexte_epu32(saved[l], e[l]);
        a[l] = _mm_add_epi32(a[l], abcd[l]);
    }
    (a, e_out)
}

/// Workload 2 on the SHA extensions: the wrapping sum of the codes at
/// `counter` of the splitmix keys `first..first + count` of `key_len` bytes,
/// for SHA-1 or SHA-256. `None` for other algorithms, when the CPU lacks the
/// extensions or when the keys are longer than a block (HMAC would hash
/// them first; the portable path does that).
pub fn sum_keys(
    algorithm: Algorithm,
    in_flight: InFlight,
    first: u64,
    count: u64,
    key_len: usize,
    counter: u64,
    modulus: u32,
) -> Option<u64> {
    if !matches!(algorithm, Algorithm::Sha1 | Algorithm::Sha256)
        || !available()
        || !(1..=64).contains(&key_len)
    {
        return None;
    }
    let lanes = in_flight.lanes() as u64;
    let whole = count - count % lanes;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `available()` just confirmed the `sha` and `sse4.1` features.
    let mut sum = unsafe {
        match (algorithm, in_flight) {
            (Algorithm::Sha1, InFlight::Two) => {
                sha1_sum_keys_ni::<2>(first, whole, key_len, counter, modulus)
            }
            (Algorithm::Sha1, InFlight::Four) => {
                sha1_sum_keys_ni::<4>(first, whole, key_len, counter, modulus)
            }
            (_, InFlight::Two) => sha256_sum_keys_ni::<2>(first, whole, key_len, counter, modulus),
            (_, InFlight::Four) => sha256_sum_keys_ni::<4>(first, whole, key_len, counter, modulus),
        }
    };
    #[cfg(not(target_arch = "x86_64"))]
    let mut sum = 0u64;
    // The keys that do not fill the lanes, one by one.
    let mut key = [0u8; 64];
    for j in whole..count {
        super::splitmix_key(first.wrapping_add(j), &mut key[..key_len]);
        let key = &key[..key_len];
        let value = match algorithm {
            Algorithm::Sha1 => Sha1Keyed::new(key).value(counter),
            _ => super::portable::Sha256Keyed::new(key).value(counter),
        };
        sum = sum.wrapping_add(u64::from(value % modulus));
    }
    Some(sum)
}

/// The splitmix key `i` of `key_len` (1..=64) bytes as its HMAC key block:
/// four big-endian 128-bit chunks, zero past the key.
#[inline(always)]
fn key_block_words(i: u64, key_len: usize) -> [u128; 4] {
    let words: [u64; 8] = super::splitmix_key_words(i, key_len);
    // Big-endian reading of little-endian words is the byte-swapped words.
    [0, 1, 2, 3].map(|j| {
        (u128::from(words[2 * j].swap_bytes()) << 64) | u128::from(words[2 * j + 1].swap_bytes())
    })
}

/// `x` as a vector, its most significant 32 bits in the top lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn vector_of(x: u128) -> __m128i {
    _mm_set_epi64x((x >> 64) as i64, x as i64)
}

/// [`sum_keys`] for SHA-1 over `count` keys, a multiple of `N`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha1_sum_keys_ni<const N: usize>(
    first: u64,
    count: u64,
    key_len: usize,
    counter: u64,
    modulus: u32,
) -> u64 {
    let (iv_a, iv_e) = state_vectors(&super::portable::SHA1_IV);
    let zero = _mm_setzero_si128();
    let ipad = _mm_set1_epi32(0x3636_3636);
    let opad = _mm_set1_epi32(0x5c5c_5c5c);
    let c = counter;
    // Every key's inner message is the same block: counter, padding, 72 bytes.
    let inner_msg = [
        _mm_set_epi32((c >> 32) as i32, c as i32, 0x8000_0000u32 as i32, 0),
        zero,
        zero,
        _mm_set_epi32(0, 0, 0, 576),
    ];
    let outer_len = _mm_set_epi32(0, 0, 0, 672);
    let mut sum = 0u64;
    let mut i = 0u64;
    while i + N as u64 <= count {
        let mut inner_w = [[zero; 4]; N];
        let mut outer_w = [[zero; 4]; N];
        for l in 0..N {
            let words = key_block_words(first.wrapping_add(i + l as u64), key_len);
            for v in 0..4 {
                let x = vector_of(words[v]);
                inner_w[l][v] = _mm_xor_si128(x, ipad);
                outer_w[l][v] = _mm_xor_si128(x, opad);
            }
        }
        let (ia, ie) = compress::<N>([iv_a; N], [iv_e; N], inner_w);
        let (oa, oe) = compress::<N>([iv_a; N], [iv_e; N], outer_w);
        let (ha, he) = compress::<N>(ia, ie, [inner_msg; N]);
        let mut msg = [[zero; 4]; N];
        for l in 0..N {
            let e = _mm_extract_epi32::<3>(he[l]);
            msg[l] = [
                ha[l],
                _mm_set_epi32(e, 0x8000_0000u32 as i32, 0, 0),
                zero,
                outer_len,
            ];
        }
        let (ta, te) = compress::<N>(oa, oe, msg);
        for l in 0..N {
            let words = [
                _mm_extract_epi32::<3>(ta[l]) as u32,
                _mm_extract_epi32::<2>(ta[l]) as u32,
                _mm_extract_epi32::<1>(ta[l]) as u32,
                _mm_extract_epi32::<0>(ta[l]) as u32,
                _mm_extract_epi32::<3>(te[l]) as u32,
            ];
            let value = super::portable::truncate_words(&words);
            sum = sum.wrapping_add(u64::from(value % modulus));
        }
        i += N as u64;
    }
    sum
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn state_vectors(state: &[u32; 5]) -> (__m128i, __m128i) {
    // _mm_set_epi32 takes the top lane first: a ends up in the top lane.
    (
        _mm_set_epi32(
            state[0] as i32,
            state[1] as i32,
            state[2] as i32,
            state[3] as i32,
        ),
        _mm_set_epi32(state[4] as i32, 0, 0, 0),
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn values4<const PAIRS: bool>(keyed: &Sha1Keyed, counters: [u64; 4]) -> [u32; 4] {
    let (ia, ie) = state_vectors(&keyed.inner);
    let (oa, oe) = state_vectors(&keyed.outer);
    lanes4::<PAIRS>([ia; 4], [ie; 4], [oa; 4], [oe; 4], counters)
}

/// Four SHA-1 lanes as two calls of two (`PAIRS`) or one call of four.
/// Pairs were faster on the Xeon measured (workload 1: 13.2 against 11.9 M
/// codes/s at 1 thread), because four lanes of state and schedule do not fit
/// the sixteen registers the SHA instructions can address and spill; on Zen 4
/// four were faster (docs/bench.md).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress_pairs<const PAIRS: bool>(
    abcd: [__m128i; 4],
    e: [__m128i; 4],
    w: [[__m128i; 4]; 4],
) -> ([__m128i; 4], [__m128i; 4]) {
    if !PAIRS {
        return compress::<4>(abcd, e, w);
    }
    let (a0, e0) = compress::<2>([abcd[0], abcd[1]], [e[0], e[1]], [w[0], w[1]]);
    let (a1, e1) = compress::<2>([abcd[2], abcd[3]], [e[2], e[3]], [w[2], w[3]]);
    ([a0[0], a0[1], a1[0], a1[1]], [e0[0], e0[1], e1[0], e1[1]])
}

/// HMAC over four lanes with their own inner/outer states.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn lanes4<const PAIRS: bool>(
    ia: [__m128i; 4],
    ie: [__m128i; 4],
    oa: [__m128i; 4],
    oe: [__m128i; 4],
    counters: [u64; 4],
) -> [u32; 4] {
    let zero = _mm_setzero_si128();
    // Inner block: counter (W0, W1), 0x80 padding (W2), length 72 bytes = 576 bits (W15).
    let mut inner_w = [[zero; 4]; 4];
    for l in 0..4 {
        let c = counters[l];
        inner_w[l] = [
            _mm_set_epi32((c >> 32) as i32, c as i32, 0x8000_0000u32 as i32, 0),
            zero,
            zero,
            _mm_set_epi32(0, 0, 0, 576),
        ];
    }
    let (ha, he) = compress_pairs::<PAIRS>(ia, ie, inner_w);
    // Outer block: the inner digest (W0..W4), padding (W5), length 84 bytes = 672 bits.
    let mut outer_w = [[zero; 4]; 4];
    for l in 0..4 {
        let e = _mm_extract_epi32::<3>(he[l]);
        outer_w[l] = [
            ha[l],
            _mm_set_epi32(e, 0x8000_0000u32 as i32, 0, 0),
            zero,
            _mm_set_epi32(0, 0, 0, 672),
        ];
    }
    let (ta, te) = compress_pairs::<PAIRS>(oa, oe, outer_w);
    let mut out = [0u32; 4];
    for l in 0..4 {
        let words = [
            _mm_extract_epi32::<3>(ta[l]) as u32,
            _mm_extract_epi32::<2>(ta[l]) as u32,
            _mm_extract_epi32::<1>(ta[l]) as u32,
            _mm_extract_epi32::<0>(ta[l]) as u32,
            _mm_extract_epi32::<3>(te[l]) as u32,
        ];
        out[l] = super::portable::truncate_words(&words);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::splitmix_key;

    #[test]
    #[cfg_attr(not(skewsim_cpu_sha), ignore = "needs a CPU with the SHA extensions")]
    fn matches_the_portable_path() {
        assert!(
            available(),
            "built on a CPU with the SHA extensions, running on one without: rebuild the tests here"
        );
        for (len, in_flight) in [1usize, 20, 64, 65, 100]
            .into_iter()
            .flat_map(|len| [(len, InFlight::Two), (len, InFlight::Four)])
        {
            let mut key = vec![0u8; len];
            splitmix_key(len as u64 * 7, &mut key);
            let portable = Sha1Keyed::new(&key);
            let ni = Sha1Ni::new(portable, in_flight).expect("available");
            for base in [0u64, 1, 56_666_666, u64::MAX - 2] {
                let counters = [
                    base,
                    base.wrapping_add(1),
                    base.wrapping_add(2),
                    base.wrapping_add(3),
                ];
                assert_eq!(
                    ni.values4(counters),
                    counters.map(|c| portable.value(c)),
                    "key {len} {in_flight:?} base {base}"
                );
            }
        }
    }

    /// The portable workload-2 sum of `count` splitmix keys from `first`.
    fn portable_sum(sha256: bool, first: u64, count: u64, key_len: usize, counter: u64) -> u64 {
        let mut sum = 0u64;
        for i in 0..count {
            let mut key = vec![0u8; key_len];
            splitmix_key(first.wrapping_add(i), &mut key);
            let value = if sha256 {
                crate::bulk::portable::Sha256Keyed::new(&key).value(counter)
            } else {
                Sha1Keyed::new(&key).value(counter)
            };
            sum = sum.wrapping_add(u64::from(value % 1_000_000));
        }
        sum
    }

    #[test]
    #[cfg_attr(not(skewsim_cpu_sha), ignore = "needs a CPU with the SHA extensions")]
    fn workload_2_matches_the_portable_path_for_every_key_length() {
        assert!(
            available(),
            "built on a CPU with the SHA extensions, running on one without: rebuild the tests here"
        );
        for (sha256, alg) in [(false, Algorithm::Sha1), (true, Algorithm::Sha256)] {
            // Every key length a block holds (the splitmix words split at
            // 8 and 16 bytes), counts that leave a remainder for every lane
            // count, and keys whose index wraps around.
            for key_len in 1..=64 {
                for (first, count) in [(0u64, 9u64), (u64::MAX - 3, 7), (1_000, 0)] {
                    for in_flight in [InFlight::Two, InFlight::Four] {
                        assert_eq!(
                            sum_keys(alg, in_flight, first, count, key_len, 56_666_666, 1_000_000),
                            Some(portable_sum(sha256, first, count, key_len, 56_666_666)),
                            "sha256 {sha256} {in_flight:?} key {key_len} first {first} count {count}"
                        );
                    }
                }
            }
            // Longer keys are hashed first: that is the portable path's job.
            assert_eq!(sum_keys(alg, InFlight::Two, 0, 4, 65, 1, 1_000_000), None);
            assert_eq!(sum_keys(alg, InFlight::Four, 0, 4, 0, 1, 1_000_000), None);
        }
        // Other algorithms are not this module's.
        assert_eq!(
            sum_keys(Algorithm::Sha512, InFlight::Two, 0, 4, 20, 1, 1_000_000),
            None
        );
    }
}

/// SHA-256's round constants (FIPS 180-4 §4.2.2).
const K256: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// A SHA-256 HMAC key state for the SHA-NI path (constructed only after the CPU check).
#[derive(Clone, Copy, Debug)]
pub struct Sha256Ni {
    keyed: super::portable::Sha256Keyed,
    in_flight: InFlight,
}

impl Sha256Ni {
    /// `Some` when the CPU has the SHA extensions and SSE4.1.
    pub fn new(keyed: super::portable::Sha256Keyed, in_flight: InFlight) -> Option<Self> {
        available().then_some(Sha256Ni { keyed, in_flight })
    }

    /// The portable state it was built from.
    pub fn portable(&self) -> &super::portable::Sha256Keyed {
        &self.keyed
    }

    /// The backend it is.
    pub fn backend(&self) -> super::Backend {
        self.in_flight.backend()
    }

    /// The 31-bit truncated values of four counters.
    #[inline]
    pub fn values4(&self, counters: [u64; 4]) -> [u32; 4] {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a Sha256Ni exists only if `available()` returned true.
            unsafe {
                match self.in_flight {
                    InFlight::Two => sha256_values4::<true>(&self.keyed, counters),
                    InFlight::Four => sha256_values4::<false>(&self.keyed, counters),
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            counters.map(|c| self.keyed.value(c))
        }
    }

    /// The wrapping sum of the codes of `count` counters from `first`.
    pub fn sum_codes(&self, first: u64, count: u64, modulus: u32) -> u64 {
        sum_by_fours(
            first,
            count,
            modulus,
            |c| self.values4(c),
            |c| self.keyed.value(c),
        )
    }
}

/// A state `[A..H]` as the (ABEF, CDGH) vector pair `sha256rnds2` works on.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn abef_cdgh(s: &[u32; 8]) -> (__m128i, __m128i) {
    (
        _mm_set_epi32(s[0] as i32, s[1] as i32, s[4] as i32, s[5] as i32),
        _mm_set_epi32(s[2] as i32, s[3] as i32, s[6] as i32, s[7] as i32),
    )
}

/// The words `[A..H]` of an (ABEF, CDGH) pair.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn words_of(abef: __m128i, cdgh: __m128i) -> [u32; 8] {
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

/// `N` lanes of SHA-256 compression of one block each. Message vectors hold
/// W0 in the lowest lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress256<const N: usize>(
    abef: [__m128i; N],
    cdgh: [__m128i; N],
    mut w: [[__m128i; 4]; N],
) -> ([__m128i; N], [__m128i; N]) {
    let (mut s0, mut s1) = (abef, cdgh);
    for g in 0..16 {
        let k = _mm_set_epi32(
            K256[4 * g + 3] as i32,
            K256[4 * g + 2] as i32,
            K256[4 * g + 1] as i32,
            K256[4 * g] as i32,
        );
        for l in 0..N {
            if g >= 4 {
                // W[g] = msg2(msg1(W[g-4], W[g-3]) + W[g-2..g-1] shifted by one word, W[g-1]).
                let t7 = _mm_alignr_epi8::<4>(w[l][(g + 3) % 4], w[l][(g + 2) % 4]);
                let x = _mm_add_epi32(_mm_sha256msg1_epu32(w[l][g % 4], w[l][(g + 1) % 4]), t7);
                w[l][g % 4] = _mm_sha256msg2_epu32(x, w[l][(g + 3) % 4]);
            }
            let wk = _mm_add_epi32(w[l][g % 4], k);
            s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], wk);
            s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], _mm_shuffle_epi32::<0x0E>(wk));
        }
    }
    for l in 0..N {
        s0[l] = _mm_add_epi32(s0[l], abef[l]);
        s1[l] = _mm_add_epi32(s1[l], cdgh[l]);
    }
    (s0, s1)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_values4<const PAIRS: bool>(
    keyed: &super::portable::Sha256Keyed,
    counters: [u64; 4],
) -> [u32; 4] {
    let (ia, ic) = abef_cdgh(&keyed.inner);
    let (oa, oc) = abef_cdgh(&keyed.outer);
    sha256_lanes4::<PAIRS>([ia; 4], [ic; 4], [oa; 4], [oc; 4], counters)
}

/// Four SHA-256 lanes as two calls of two (`PAIRS`) or one call of four.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress256_pairs<const PAIRS: bool>(
    abef: [__m128i; 4],
    cdgh: [__m128i; 4],
    w: [[__m128i; 4]; 4],
) -> ([__m128i; 4], [__m128i; 4]) {
    if !PAIRS {
        return compress256::<4>(abef, cdgh, w);
    }
    let (a0, c0) = compress256::<2>([abef[0], abef[1]], [cdgh[0], cdgh[1]], [w[0], w[1]]);
    let (a1, c1) = compress256::<2>([abef[2], abef[3]], [cdgh[2], cdgh[3]], [w[2], w[3]]);
    ([a0[0], a0[1], a1[0], a1[1]], [c0[0], c0[1], c1[0], c1[1]])
}

/// [`sum_keys`] for SHA-256 over `count` keys, a multiple of `N`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_sum_keys_ni<const N: usize>(
    first: u64,
    count: u64,
    key_len: usize,
    counter: u64,
    modulus: u32,
) -> u64 {
    let (iv_a, iv_c) = abef_cdgh(&super::portable::SHA256_IV);
    let zero = _mm_setzero_si128();
    let ipad = _mm_set1_epi32(0x3636_3636);
    let opad = _mm_set1_epi32(0x5c5c_5c5c);
    let c = counter;
    // Every key's inner message is the same block: counter, padding, 72 bytes.
    let inner_msg = [
        _mm_set_epi32(0, 0x8000_0000u32 as i32, c as i32, (c >> 32) as i32),
        zero,
        zero,
        _mm_set_epi32(576, 0, 0, 0),
    ];
    // Outer block after the digest: padding (W8), length 96 bytes = 768 bits.
    let outer_pad = _mm_set_epi32(0, 0, 0, 0x8000_0000u32 as i32);
    let outer_len = _mm_set_epi32(768, 0, 0, 0);
    let mut sum = 0u64;
    let mut i = 0u64;
    while i + N as u64 <= count {
        let mut inner_w = [[zero; 4]; N];
        let mut outer_w = [[zero; 4]; N];
        for l in 0..N {
            let words = key_block_words(first.wrapping_add(i + l as u64), key_len);
            for v in 0..4 {
                // W0 in the lowest lane for the SHA-256 instructions.
                let x = _mm_shuffle_epi32::<0x1B>(vector_of(words[v]));
                inner_w[l][v] = _mm_xor_si128(x, ipad);
                outer_w[l][v] = _mm_xor_si128(x, opad);
            }
        }
        let (ia, ic) = compress256::<N>([iv_a; N], [iv_c; N], inner_w);
        let (oa, oc) = compress256::<N>([iv_a; N], [iv_c; N], outer_w);
        let (ha, hc) = compress256::<N>(ia, ic, [inner_msg; N]);
        let mut msg = [[zero; 4]; N];
        for l in 0..N {
            msg[l] = digest_message(ha[l], hc[l], outer_pad, outer_len);
        }
        let (ta, tc) = compress256::<N>(oa, oc, msg);
        for l in 0..N {
            let value = truncate256(&words_of(ta[l], tc[l]));
            sum = sum.wrapping_add(u64::from(value % modulus));
        }
        i += N as u64;
    }
    sum
}

/// The outer message of SHA-256 HMAC: the inner digest (W0..W7), then the
/// padding and length vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
#[inline]
fn digest_message(abef: __m128i, cdgh: __m128i, pad: __m128i, len: __m128i) -> [__m128i; 4] {
    let d = words_of(abef, cdgh);
    [
        _mm_set_epi32(d[3] as i32, d[2] as i32, d[1] as i32, d[0] as i32),
        _mm_set_epi32(d[7] as i32, d[6] as i32, d[5] as i32, d[4] as i32),
        pad,
        len,
    ]
}

/// RFC 4226 dynamic truncation of a SHA-256 tag held as eight words.
#[inline(always)]
fn truncate256(words: &[u32; 8]) -> u32 {
    let mut tag = [0u8; 32];
    for (bytes, word) in tag.chunks_exact_mut(4).zip(words) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    super::portable::truncate_bytes(&tag)
}

/// SHA-256 HMAC over four lanes with their own (ABEF, CDGH) inner/outer states.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_lanes4<const PAIRS: bool>(
    ia: [__m128i; 4],
    ic: [__m128i; 4],
    oa: [__m128i; 4],
    oc: [__m128i; 4],
    counters: [u64; 4],
) -> [u32; 4] {
    let zero = _mm_setzero_si128();
    // Inner block: counter (W0, W1), padding (W2), length 72 bytes = 576 bits (W15).
    let mut inner_w = [[zero; 4]; 4];
    for l in 0..4 {
        let c = counters[l];
        inner_w[l] = [
            _mm_set_epi32(0, 0x8000_0000u32 as i32, c as i32, (c >> 32) as i32),
            zero,
            zero,
            _mm_set_epi32(576, 0, 0, 0),
        ];
    }
    let (ha, hc) = compress256_pairs::<PAIRS>(ia, ic, inner_w);
    // Outer block: the inner digest (W0..W7), padding (W8), length 96 bytes = 768 bits.
    let pad = _mm_set_epi32(0, 0, 0, 0x8000_0000u32 as i32);
    let len = _mm_set_epi32(768, 0, 0, 0);
    let mut outer_w = [[zero; 4]; 4];
    for l in 0..4 {
        outer_w[l] = digest_message(ha[l], hc[l], pad, len);
    }
    let (ta, tc) = compress256_pairs::<PAIRS>(oa, oc, outer_w);
    let mut out = [0u32; 4];
    for l in 0..4 {
        out[l] = truncate256(&words_of(ta[l], tc[l]));
    }
    out
}

#[cfg(test)]
mod sha256_tests {
    use super::*;
    use crate::bulk::portable::Sha256Keyed;
    use crate::bulk::splitmix_key;

    #[test]
    #[cfg_attr(not(skewsim_cpu_sha), ignore = "needs a CPU with the SHA extensions")]
    fn sha256_matches_the_portable_path() {
        assert!(
            available(),
            "built on a CPU with the SHA extensions, running on one without: rebuild the tests here"
        );
        for (len, in_flight) in [1usize, 20, 32, 64, 65, 100]
            .into_iter()
            .flat_map(|len| [(len, InFlight::Two), (len, InFlight::Four)])
        {
            let mut key = vec![0u8; len];
            splitmix_key(len as u64 * 13, &mut key);
            let portable = Sha256Keyed::new(&key);
            let ni = Sha256Ni::new(portable, in_flight).expect("available");
            for base in [0u64, 1, 56_666_666, u64::MAX - 2] {
                let counters = [
                    base,
                    base.wrapping_add(1),
                    base.wrapping_add(2),
                    base.wrapping_add(3),
                ];
                assert_eq!(
                    ni.values4(counters),
                    counters.map(|c| portable.value(c)),
                    "key {len} {in_flight:?} base {base}"
                );
            }
        }
    }
}

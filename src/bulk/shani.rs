//! SHA-1 HMAC on the x86 SHA extensions, four independent codes interleaved.
//!
//! The one module with `unsafe`: calling functions compiled for CPU features
//! (`sha`, `sse4.1`) that are checked at run time first. Inside them every
//! intrinsic works on values (no pointers), so the rounds themselves are
//! safe code.
//!
//! Why it is fast: the key's inner/outer states are precomputed (two
//! compressions per code); the message blocks are built as vectors directly
//! (the counter, the padding and the length are known), with no byte
//! shuffling; and four codes run side by side, so the `sha1rnds4` latency of
//! one code is hidden behind the other three.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::portable::Sha1Keyed;

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

/// A SHA-1 HMAC key state for the SHA-NI path. Only constructed through
/// [`Sha1Ni::new`], which checks the CPU, so holding one proves the features.
#[derive(Clone, Copy, Debug)]
pub struct Sha1Ni {
    keyed: Sha1Keyed,
}

impl Sha1Ni {
    /// `Some` when the CPU has the SHA extensions and SSE4.1.
    pub fn new(keyed: Sha1Keyed) -> Option<Self> {
        available().then_some(Sha1Ni { keyed })
    }

    /// The portable state it was built from.
    pub fn portable(&self) -> &Sha1Keyed {
        &self.keyed
    }

    /// The 31-bit truncated values of four counters.
    #[inline]
    pub fn values4(&self, counters: [u64; 4]) -> [u32; 4] {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a Sha1Ni exists only if `available()` returned true, so
            // the `sha` and `sse4.1` features this function is compiled for
            // are present on this CPU.
            unsafe { values4(&self.keyed, counters) }
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

/// The codes of four keys at one counter, when the CPU has the extensions
/// (`None` otherwise).
pub fn values4_keys_checked(keys: [&[u8]; 4], counter: u64) -> Option<[u32; 4]> {
    if !available() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `available()` just confirmed the `sha` and `sse4.1` features.
        Some(unsafe { values4_keys(keys, counter) })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (keys, counter);
        None
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

/// A 64-byte block as sixteen big-endian words.
#[inline(always)]
fn be_words(block: &[u8; 64]) -> [i32; 16] {
    let mut words = [0i32; 16];
    for (word, bytes) in words.iter_mut().zip(block.chunks_exact(4)) {
        *word = i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    words
}

/// Four lanes of SHA-1 compression of one block each, from the states
/// `(abcd, e)` (abcd with `a` in the top lane, `e` in the top lane of its
/// vector), over message vectors `w` (W0 in the top lane of `w[0]`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress4(
    abcd: [__m128i; 4],
    e: [__m128i; 4],
    mut w: [[__m128i; 4]; 4],
) -> ([__m128i; 4], [__m128i; 4]) {
    let mut a = abcd;
    let mut saved = abcd;
    let mut ew = [_mm_setzero_si128(); 4];
    for l in 0..4 {
        ew[l] = _mm_add_epi32(e[l], w[l][0]);
    }
    // One group of four rounds: FUNC is the round function (0..=3).
    macro_rules! group {
        ($g:expr, $func:expr) => {
            for l in 0..4 {
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
    let mut e_out = [_mm_setzero_si128(); 4];
    for l in 0..4 {
        e_out[l] = _mm_sha1nexte_epu32(saved[l], e[l]);
        a[l] = _mm_add_epi32(a[l], abcd[l]);
    }
    (a, e_out)
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
fn values4(keyed: &Sha1Keyed, counters: [u64; 4]) -> [u32; 4] {
    let (ia, ie) = state_vectors(&keyed.inner);
    let (oa, oe) = state_vectors(&keyed.outer);
    lanes4([ia; 4], [ie; 4], [oa; 4], [oe; 4], counters)
}

/// Codes of four different keys (one counter each): the key states are
/// themselves computed four at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn values4_keys(keys: [&[u8]; 4], counter: u64) -> [u32; 4] {
    // Plain loops, no closures: a closure would not inherit the target
    // features and its intrinsics would become calls (measured: 2x slower).
    let (iv_a, iv_e) = state_vectors(&super::portable::SHA1_IV);
    let zero = _mm_setzero_si128();
    let ipad = _mm_set1_epi32(0x3636_3636);
    let opad = _mm_set1_epi32(0x5c5c_5c5c);
    let mut inner_w = [[zero; 4]; 4];
    let mut outer_w = [[zero; 4]; 4];
    for l in 0..4 {
        let block = super::portable::sha1_key_block(keys[l]);
        let words = be_words(&block);
        for v in 0..4 {
            let x = _mm_set_epi32(
                words[4 * v],
                words[4 * v + 1],
                words[4 * v + 2],
                words[4 * v + 3],
            );
            inner_w[l][v] = _mm_xor_si128(x, ipad);
            outer_w[l][v] = _mm_xor_si128(x, opad);
        }
    }
    let (ia, ie) = compress4([iv_a; 4], [iv_e; 4], inner_w);
    let (oa, oe) = compress4([iv_a; 4], [iv_e; 4], outer_w);
    lanes4(ia, ie, oa, oe, [counter; 4])
}

/// HMAC over four lanes with their own inner/outer states.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn lanes4(
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
    let (ha, he) = compress4(ia, ie, inner_w);
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
    let (ta, te) = compress4(oa, oe, outer_w);
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
    fn matches_the_portable_path() {
        let Some(_) = Sha1Ni::new(Sha1Keyed::new(b"probe")) else {
            eprintln!("skipped: no SHA extensions on this CPU");
            return;
        };
        for len in [1usize, 20, 64, 65, 100] {
            let mut key = vec![0u8; len];
            splitmix_key(len as u64 * 7, &mut key);
            let portable = Sha1Keyed::new(&key);
            let ni = Sha1Ni::new(portable).expect("available");
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
                    "key {len} base {base}"
                );
            }
        }
        let mut keys = [[0u8; 80]; 4];
        for (l, k) in keys.iter_mut().enumerate() {
            splitmix_key(l as u64, k);
        }
        for len in [1usize, 20, 64, 65, 80] {
            let refs = [0, 1, 2, 3].map(|l| &keys[l][..len]);
            let want = refs.map(|k| Sha1Keyed::new(k).value(123_456));
            assert_eq!(
                values4_keys_checked(refs, 123_456),
                Some(want),
                "key length {len}"
            );
        }
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
}

impl Sha256Ni {
    /// `Some` when the CPU has the SHA extensions and SSE4.1.
    pub fn new(keyed: super::portable::Sha256Keyed) -> Option<Self> {
        available().then_some(Sha256Ni { keyed })
    }

    /// The portable state it was built from.
    pub fn portable(&self) -> &super::portable::Sha256Keyed {
        &self.keyed
    }

    /// The 31-bit truncated values of four counters.
    #[inline]
    pub fn values4(&self, counters: [u64; 4]) -> [u32; 4] {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a Sha256Ni exists only if `available()` returned true.
            unsafe { sha256_values4(&self.keyed, counters) }
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

/// Four lanes of SHA-256 compression of one block each. Message vectors hold
/// W0 in the lowest lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress256x4(
    abef: [__m128i; 4],
    cdgh: [__m128i; 4],
    mut w: [[__m128i; 4]; 4],
) -> ([__m128i; 4], [__m128i; 4]) {
    let (mut s0, mut s1) = (abef, cdgh);
    for g in 0..16 {
        let k = _mm_set_epi32(
            K256[4 * g + 3] as i32,
            K256[4 * g + 2] as i32,
            K256[4 * g + 1] as i32,
            K256[4 * g] as i32,
        );
        for l in 0..4 {
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
    for l in 0..4 {
        s0[l] = _mm_add_epi32(s0[l], abef[l]);
        s1[l] = _mm_add_epi32(s1[l], cdgh[l]);
    }
    (s0, s1)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_values4(keyed: &super::portable::Sha256Keyed, counters: [u64; 4]) -> [u32; 4] {
    let (ia, ic) = abef_cdgh(&keyed.inner);
    let (oa, oc) = abef_cdgh(&keyed.outer);
    sha256_lanes4([ia; 4], [ic; 4], [oa; 4], [oc; 4], counters)
}

/// SHA-256 codes of four keys at one counter, the key states computed four
/// at a time too (plain loops: closures would lose the target features).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_values4_keys(keys: [&[u8]; 4], counter: u64) -> [u32; 4] {
    let (iv_a, iv_c) = abef_cdgh(&super::portable::SHA256_IV);
    let zero = _mm_setzero_si128();
    let ipad = _mm_set1_epi32(0x3636_3636);
    let opad = _mm_set1_epi32(0x5c5c_5c5c);
    let mut inner_w = [[zero; 4]; 4];
    let mut outer_w = [[zero; 4]; 4];
    for l in 0..4 {
        let block = super::portable::sha256_key_block(keys[l]);
        let words = be_words(&block);
        for v in 0..4 {
            // W0 in the lowest lane for the SHA-256 instructions.
            let x = _mm_set_epi32(
                words[4 * v + 3],
                words[4 * v + 2],
                words[4 * v + 1],
                words[4 * v],
            );
            inner_w[l][v] = _mm_xor_si128(x, ipad);
            outer_w[l][v] = _mm_xor_si128(x, opad);
        }
    }
    let (ia, ic) = compress256x4([iv_a; 4], [iv_c; 4], inner_w);
    let (oa, oc) = compress256x4([iv_a; 4], [iv_c; 4], outer_w);
    sha256_lanes4(ia, ic, oa, oc, [counter; 4])
}

/// The SHA-256 codes of four keys at one counter when the CPU has the
/// extensions (`None` otherwise).
pub fn sha256_values4_keys_checked(keys: [&[u8]; 4], counter: u64) -> Option<[u32; 4]> {
    if !available() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `available()` just confirmed the `sha` and `sse4.1` features.
        Some(unsafe { sha256_values4_keys(keys, counter) })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (keys, counter);
        None
    }
}

/// SHA-256 HMAC over four lanes with their own (ABEF, CDGH) inner/outer states.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_lanes4(
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
    let (ha, hc) = compress256x4(ia, ic, inner_w);
    // Outer block: the inner digest (W0..W7), padding (W8), length 96 bytes = 768 bits.
    let mut outer_w = [[zero; 4]; 4];
    for l in 0..4 {
        let d = words_of(ha[l], hc[l]);
        outer_w[l] = [
            _mm_set_epi32(d[3] as i32, d[2] as i32, d[1] as i32, d[0] as i32),
            _mm_set_epi32(d[7] as i32, d[6] as i32, d[5] as i32, d[4] as i32),
            _mm_set_epi32(0, 0, 0, 0x8000_0000u32 as i32),
            _mm_set_epi32(768, 0, 0, 0),
        ];
    }
    let (ta, tc) = compress256x4(oa, oc, outer_w);
    let mut out = [0u32; 4];
    for l in 0..4 {
        let words = words_of(ta[l], tc[l]);
        let mut tag = [0u8; 32];
        for i in 0..8 {
            let b = words[i].to_be_bytes();
            tag[4 * i] = b[0];
            tag[4 * i + 1] = b[1];
            tag[4 * i + 2] = b[2];
            tag[4 * i + 3] = b[3];
        }
        let offset = usize::from(tag[31] & 0x0f);
        out[l] = u32::from_be_bytes([
            tag[offset],
            tag[offset + 1],
            tag[offset + 2],
            tag[offset + 3],
        ]) & 0x7fff_ffff;
    }
    out
}

#[cfg(test)]
mod sha256_tests {
    use super::*;
    use crate::bulk::portable::Sha256Keyed;
    use crate::bulk::splitmix_key;

    #[test]
    fn sha256_matches_the_portable_path() {
        if !available() {
            eprintln!("skipped: no SHA extensions on this CPU");
            return;
        }
        for len in [1usize, 20, 32, 64, 65, 100] {
            let mut key = vec![0u8; len];
            splitmix_key(len as u64 * 13, &mut key);
            let portable = Sha256Keyed::new(&key);
            let ni = Sha256Ni::new(portable).expect("available");
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
                    "key {len} base {base}"
                );
            }
        }
    }
}

//! SHA-512 HMAC, several codes per instruction stream: 8 lanes on AVX-512,
//! 4 on AVX2 (`lanes::Multi` chooses at run time) (the portable path is the fallback, and
//! `--backend portable` forces it).
//!
//! A code costs two SHA-512 compressions from precomputed key states; the
//! message blocks are known but for the counter (inner) and the inner digest
//! (outer), so they are built as vectors directly, one lane per code. For
//! many secrets (workload 2, [`sum_keys`]) each lane first compresses its
//! own key's two blocks. Only the round function is vectorised; the dynamic
//! truncation of each lane's tag is scalar.
//!
//! `unsafe` here only calls functions compiled for CPU features after
//! checking those features at run time; inside them every intrinsic works on
//! values (loads and stores go through arrays), so the rounds are safe code.

#![allow(unsafe_code)]

use super::lanes::Width;
use super::portable::{SHA512_IV, Sha512Keyed, truncate_bytes};

/// Workload 2 on the lanes: the wrapping sum of the codes at `counter` of
/// the splitmix keys `first..first + count` of `key_len` bytes, `width`
/// lanes at a time. `None` when this CPU lacks `width`, or when the keys are
/// longer than a block (HMAC hashes those first: the portable path does).
pub fn sum_keys(
    width: Width,
    first: u64,
    count: u64,
    key_len: usize,
    counter: u64,
    modulus: u32,
) -> Option<u64> {
    if !(1..=128).contains(&key_len) {
        return None;
    }
    if !width.on_this_cpu() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        Some(super::lanes::sum_keys(
            width,
            first,
            count,
            modulus,
            // SAFETY: lanes::sum_keys calls this only on Width::Avx512,
            // which `on_this_cpu` just found (avx512f).
            |at| unsafe { avx512::key_values(at, key_len, counter) },
            // SAFETY: likewise only on Width::Avx2, found with avx2.
            |at| unsafe { avx2::key_values(at, key_len, counter) },
            |at| {
                let mut key = [0u8; 128];
                super::splitmix_key(at, &mut key[..key_len]);
                Sha512Keyed::new(&key[..key_len]).value(counter)
            },
        ))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (width, first, count, counter, modulus);
        None
    }
}

/// FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube
/// roots of the first 80 primes (generated, then checked against sha2 by the
/// lane tests).
const K: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];
/// The inner block's fixed words: 0x80 after the 8-byte counter, and the
/// length (128 + 8 bytes, in bits).
const INNER_PAD: u64 = 0x8000_0000_0000_0000;
const INNER_LEN: u64 = (128 + 8) * 8;
/// The outer block: 0x80 after the 64-byte inner digest; 128 + 64 bytes.
const OUTER_LEN: u64 = (128 + 64) * 8;

crate::bulk::lanes::lane_keyed!(Sha512Keyed);

/// The HMAC tag of a lane from its outer state words, truncated.
fn truncate_words(words: [u64; 8]) -> u32 {
    let mut tag = [0u8; 64];
    for (i, w) in words.iter().enumerate() {
        tag[8 * i..8 * i + 8].copy_from_slice(&w.to_be_bytes());
    }
    truncate_bytes(&tag)
}

/// The 80 rounds and the schedule, written once for any vector type whose
/// helpers (`add`, `xor3`, `big_sigma0`…) the invoking module defines
/// with its target feature.
macro_rules! compress_rounds {
    ($V:ty, $feature:literal, $lanes:literal, $zero:expr, $store:ident, $load:ident) => {
        /// One SHA-512 compression of a block per lane.
        #[target_feature(enable = $feature)]
        #[inline]
        fn compress(state: [$V; 8], mut w: [$V; 16]) -> [$V; 8] {
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
            for (i, &k) in K.iter().enumerate() {
                if i >= 16 {
                    let w15 = w[(i - 15) & 15];
                    let w2 = w[(i - 2) & 15];
                    w[i & 15] = add(
                        add(w[i & 15], small_sigma0(w15)),
                        add(w[(i - 7) & 15], small_sigma1(w2)),
                    );
                }
                let t1 = add(
                    add(add(h, big_sigma1(e)), add(ch(e, f, g), set1(k))),
                    w[i & 15],
                );
                let t2 = add(big_sigma0(a), maj(a, b, c));
                h = g;
                g = f;
                f = e;
                e = add(d, t1);
                d = c;
                c = b;
                b = a;
                a = add(t1, t2);
            }
            [
                add(state[0], a),
                add(state[1], b),
                add(state[2], c),
                add(state[3], d),
                add(state[4], e),
                add(state[5], f),
                add(state[6], g),
                add(state[7], h),
            ]
        }

        #[target_feature(enable = $feature)]
        #[inline]
        fn splat(state: &[u64; 8]) -> [$V; 8] {
            let mut v = [$zero; 8];
            for (v, &word) in v.iter_mut().zip(state) {
                *v = set1(word);
            }
            v
        }

        /// The codes of one key at one counter per lane.
        #[target_feature(enable = $feature)]
        pub(super) fn values(keyed: &Sha512Keyed, counters: [u64; $lanes]) -> [u32; $lanes] {
            let (inner, outer) = keyed.states();
            hmac(splat(inner), splat(outer), counters)
        }

        /// Workload 2: the code at `counter` of each lane's own splitmix
        /// key (`first + lane`, `key_len` of 1..=128 bytes), the key states
        /// compressed in the lanes too.
        #[target_feature(enable = $feature)]
        pub(super) fn key_values(first: u64, key_len: usize, counter: u64) -> [u32; $lanes] {
            // Word i of every lane's key block, side by side for one load;
            // SHA-512 reads big-endian words, so each key word byte-swapped.
            let mut words = [[0u64; $lanes]; 16];
            for l in 0..$lanes {
                let key: [u64; 16] =
                    crate::bulk::splitmix_key_words(first.wrapping_add(l as u64), key_len);
                for (w, k) in words.iter_mut().zip(key) {
                    w[l] = k.swap_bytes();
                }
            }
            let (ipad, opad) = (set1(0x3636_3636_3636_3636), set1(0x5c5c_5c5c_5c5c_5c5c));
            let mut inner_w = [$zero; 16];
            let mut outer_w = [$zero; 16];
            for i in 0..16 {
                // SAFETY: `words[i]` is $lanes × 8 readable bytes; unaligned load.
                let k = unsafe { $load(words[i].as_ptr().cast()) };
                inner_w[i] = xor3(k, ipad, $zero);
                outer_w[i] = xor3(k, opad, $zero);
            }
            let iv = splat(&SHA512_IV);
            hmac(
                compress(iv, inner_w),
                compress(iv, outer_w),
                [counter; $lanes],
            )
        }

        /// The codes of one counter per lane from the lanes' key states
        /// (after key ⊕ ipad and key ⊕ opad).
        #[target_feature(enable = $feature)]
        #[inline]
        fn hmac(inner: [$V; 8], outer: [$V; 8], counters: [u64; $lanes]) -> [u32; $lanes] {
            // SAFETY: `counters` is $lanes × 8 readable bytes; unaligned load.
            let c = unsafe { $load(counters.as_ptr().cast()) };
            let mut w = [$zero; 16];
            w[0] = c;
            w[1] = set1(INNER_PAD);
            w[15] = set1(INNER_LEN);
            let digest = compress(inner, w);
            let mut w = [$zero; 16];
            w[..8].copy_from_slice(&digest);
            w[8] = set1(INNER_PAD);
            w[15] = set1(OUTER_LEN);
            let words = compress(outer, w);
            let mut tag = [[0u64; $lanes]; 8];
            for (t, word) in tag.iter_mut().zip(&words) {
                // SAFETY: `t` is $lanes × 8 writable bytes; unaligned store.
                unsafe { $store(t.as_mut_ptr().cast(), *word) };
            }
            let mut out = [0u32; $lanes];
            for (lane, o) in out.iter_mut().enumerate() {
                *o = truncate_words(tag.map(|word| word[lane]));
            }
            out
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{INNER_LEN, INNER_PAD, K, OUTER_LEN, SHA512_IV, Sha512Keyed, truncate_words};

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn add(a: __m512i, b: __m512i) -> __m512i {
        _mm512_add_epi64(a, b)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn set1(v: u64) -> __m512i {
        _mm512_set1_epi64(v as i64)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn xor3(a: __m512i, b: __m512i, c: __m512i) -> __m512i {
        // 0x96: a ^ b ^ c in one instruction.
        _mm512_ternarylogic_epi64::<0x96>(a, b, c)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn big_sigma0(x: __m512i) -> __m512i {
        xor3(
            _mm512_ror_epi64::<28>(x),
            _mm512_ror_epi64::<34>(x),
            _mm512_ror_epi64::<39>(x),
        )
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn big_sigma1(x: __m512i) -> __m512i {
        xor3(
            _mm512_ror_epi64::<14>(x),
            _mm512_ror_epi64::<18>(x),
            _mm512_ror_epi64::<41>(x),
        )
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn small_sigma0(x: __m512i) -> __m512i {
        xor3(
            _mm512_ror_epi64::<1>(x),
            _mm512_ror_epi64::<8>(x),
            _mm512_srli_epi64::<7>(x),
        )
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn small_sigma1(x: __m512i) -> __m512i {
        xor3(
            _mm512_ror_epi64::<19>(x),
            _mm512_ror_epi64::<61>(x),
            _mm512_srli_epi64::<6>(x),
        )
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn ch(e: __m512i, f: __m512i, g: __m512i) -> __m512i {
        // 0xCA: e ? f : g.
        _mm512_ternarylogic_epi64::<0xCA>(e, f, g)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn maj(a: __m512i, b: __m512i, c: __m512i) -> __m512i {
        // 0xE8: the majority of a, b, c.
        _mm512_ternarylogic_epi64::<0xE8>(a, b, c)
    }

    compress_rounds!(
        __m512i,
        "avx512f",
        8,
        _mm512_setzero_si512(),
        _mm512_storeu_si512,
        _mm512_loadu_si512
    );
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{INNER_LEN, INNER_PAD, K, OUTER_LEN, SHA512_IV, Sha512Keyed, truncate_words};

    #[target_feature(enable = "avx2")]
    #[inline]
    fn add(a: __m256i, b: __m256i) -> __m256i {
        _mm256_add_epi64(a, b)
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn set1(v: u64) -> __m256i {
        _mm256_set1_epi64x(v as i64)
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn xor3(a: __m256i, b: __m256i, c: __m256i) -> __m256i {
        _mm256_xor_si256(_mm256_xor_si256(a, b), c)
    }

    /// Rotation right by N (M = 64 - N: AVX2 has no 64-bit rotate).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn rotr<const N: i32, const M: i32>(x: __m256i) -> __m256i {
        _mm256_or_si256(_mm256_srli_epi64::<N>(x), _mm256_slli_epi64::<M>(x))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn big_sigma0(x: __m256i) -> __m256i {
        xor3(rotr::<28, 36>(x), rotr::<34, 30>(x), rotr::<39, 25>(x))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn big_sigma1(x: __m256i) -> __m256i {
        xor3(rotr::<14, 50>(x), rotr::<18, 46>(x), rotr::<41, 23>(x))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn small_sigma0(x: __m256i) -> __m256i {
        xor3(
            rotr::<1, 63>(x),
            rotr::<8, 56>(x),
            _mm256_srli_epi64::<7>(x),
        )
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn small_sigma1(x: __m256i) -> __m256i {
        xor3(
            rotr::<19, 45>(x),
            rotr::<61, 3>(x),
            _mm256_srli_epi64::<6>(x),
        )
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn ch(e: __m256i, f: __m256i, g: __m256i) -> __m256i {
        _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn maj(a: __m256i, b: __m256i, c: __m256i) -> __m256i {
        _mm256_or_si256(
            _mm256_and_si256(a, b),
            _mm256_and_si256(c, _mm256_or_si256(a, b)),
        )
    }

    compress_rounds!(
        __m256i,
        "avx2",
        4,
        _mm256_setzero_si256(),
        _mm256_storeu_si256,
        _mm256_loadu_si256
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::splitmix_key;
    use proptest::prelude::*;

    /// The portable code at `counter` of splitmix key `i`.
    fn portable(i: u64, key_len: usize, counter: u64) -> u32 {
        let mut key = vec![0u8; key_len];
        splitmix_key(i, &mut key);
        Sha512Keyed::new(&key).value(counter)
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn workload_2_lanes_of_both_widths_match_the_portable_path() {
        for key_len in [1usize, 7, 8, 9, 20, 64, 127, 128] {
            for first in [0u64, u64::MAX - 2] {
                let want: Vec<u32> = (0..8)
                    .map(|l| portable(first.wrapping_add(l), key_len, 9))
                    .collect();
                let got = crate::bulk::lanes::on_both_widths(
                    // SAFETY: on_both_widths runs this only after detecting avx512f.
                    || unsafe { avx512::key_values(first, key_len, 9) },
                    // SAFETY: and this only after detecting avx2.
                    || unsafe { avx2::key_values(first, key_len, 9) },
                );
                for got in got {
                    assert_eq!(got, want[..got.len()], "key {key_len} first {first}");
                }
            }
        }
    }

    /// Each width this CPU has (`lanes::tests` says which it lacks).
    #[test]
    #[cfg_attr(
        not(any(skewsim_cpu_avx2, skewsim_cpu_avx512f)),
        ignore = "needs a CPU with AVX2 or AVX-512F"
    )]
    fn workload_2_sums_match_the_portable_path() {
        let widths: Vec<Width> = [Width::Avx512, Width::Avx2]
            .into_iter()
            .filter(|w| w.on_this_cpu())
            .collect();
        assert!(
            !widths.is_empty(),
            "built on a CPU with AVX2 or AVX-512F, running on one without: rebuild the tests here"
        );
        for width in widths {
            for key_len in [1usize, 20, 128] {
                for (first, count) in [(0u64, 13u64), (u64::MAX - 5, 9), (3, 0)] {
                    let want = (0..count).fold(0u64, |sum, i| {
                        let v = portable(first.wrapping_add(i), key_len, 56_666_666);
                        sum.wrapping_add(u64::from(v % 1_000_000))
                    });
                    assert_eq!(
                        sum_keys(width, first, count, key_len, 56_666_666, 1_000_000),
                        Some(want),
                        "{width:?} key {key_len} first {first} count {count}"
                    );
                }
            }
            // Longer keys are hashed first: the portable path's job.
            assert_eq!(sum_keys(width, 0, 8, 129, 1, 1_000_000), None);
            assert_eq!(sum_keys(width, 0, 8, 0, 1, 1_000_000), None);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every lane of both widths (those this CPU has) against the
        /// portable path, for any key (longer than a block too) and counters.
        #[test]
        fn every_lane_agrees_with_the_portable_path(
            key in prop::collection::vec(any::<u8>(), 1..300),
            counters in prop::array::uniform8(any::<u64>()),
        ) {
            let keyed = Sha512Keyed::new(&key);
            let want: Vec<u32> = counters.iter().map(|&c| keyed.value(c)).collect();
            #[cfg(target_arch = "x86_64")]
            {
                let four: [u64; 4] = [counters[0], counters[1], counters[2], counters[3]];
                let got = crate::bulk::lanes::on_both_widths(
                    // SAFETY: on_both_widths runs this only after detecting avx512f.
                    || unsafe { avx512::values(&keyed, counters) },
                    // SAFETY: and this only after detecting avx2.
                    || unsafe { avx2::values(&keyed, four) },
                );
                for got in got {
                    prop_assert_eq!(&got[..], &want[..got.len()]);
                }
            }
        }
    }
}

//! HMAC-SHA3 (224/256/384/512), several codes per instruction stream: 8
//! Keccak states side by side on AVX-512, 4 on AVX2 (`lanes::Multi`
//! chooses at run time)
//! (the portable path is the fallback, and `--backend portable` forces it).
//!
//! A code costs two Keccak-f[1600] permutations from precomputed key states
//! (key ⊕ ipad and key ⊕ opad absorbed). For one secret (workload 1) the
//! lanes differ only by counter, which is absorbed as a vector; for many
//! secrets (workload 2, [`sum_keys`]) each lane absorbs and permutes its own
//! key first, two more permutations per code. The permutation is
//! vectorised, the dynamic truncation of each tag is scalar.
//!
//! `unsafe` here only calls functions compiled for CPU features after
//! checking those features at run time; inside them every intrinsic works on
//! values (loads and stores go through arrays).

#![allow(unsafe_code)]

use super::lanes::Width;
use super::portable::{Sha3Keyed, sha3_sizes, truncate_bytes};
use crate::totp::Algorithm;

/// FIPS 202 §3.2.5: the round constants, from the LFSR x^8+x^6+x^5+x^4+1.
const RC: [u64; 24] = round_constants();

/// FIPS 202 §3.2.2: the ρ offsets by lane index x + 5y.
const RHO: [u32; 25] = rho_offsets();

/// FIPS 202 §3.2.3: π takes lane x + 5y to lane y + 5(2x + 3y); this is
/// the inverse, the lane each lane comes from.
const PI_FROM: [usize; 25] = pi_sources();

const fn rc_bit(t: usize) -> u64 {
    if t.is_multiple_of(255) {
        return 1;
    }
    let mut r: u16 = 1;
    let mut i = 0;
    while i < t % 255 {
        // Shift left; feed back the top bit into bits 0, 4, 5, 6.
        r <<= 1;
        if r & 0x100 != 0 {
            r ^= 0x171;
        }
        i += 1;
    }
    (r & 1) as u64
}

const fn round_constants() -> [u64; 24] {
    let mut rc = [0u64; 24];
    let mut round = 0;
    while round < 24 {
        let mut j = 0;
        while j <= 6 {
            rc[round] |= rc_bit(j + 7 * round) << ((1 << j) - 1);
            j += 1;
        }
        round += 1;
    }
    rc
}

const fn rho_offsets() -> [u32; 25] {
    let mut r = [0u32; 25];
    let (mut x, mut y) = (1usize, 0usize);
    let mut t = 0;
    while t < 24 {
        r[x + 5 * y] = (((t + 1) * (t + 2) / 2) % 64) as u32;
        let next = (2 * x + 3 * y) % 5;
        x = y;
        y = next;
        t += 1;
    }
    r
}

const fn pi_sources() -> [usize; 25] {
    let mut p = [0usize; 25];
    let mut i = 0;
    while i < 25 {
        let (x, y) = (i % 5, i / 5);
        p[y + 5 * ((2 * x + 3 * y) % 5)] = i;
        i += 1;
    }
    p
}

crate::bulk::lanes::lane_keyed!(Sha3Keyed);

/// Workload 2 on the lanes: the wrapping sum of the codes at `counter` of
/// the splitmix keys `first..first + count` of `key_len` bytes for a SHA-3
/// `algorithm`, `width` lanes at a time. `None` when this CPU lacks `width`,
/// or when the keys are longer than the rate (HMAC hashes those first: the
/// portable path does).
pub fn sum_keys(
    algorithm: Algorithm,
    width: Width,
    first: u64,
    count: u64,
    key_len: usize,
    counter: u64,
    modulus: u32,
) -> Option<u64> {
    let (rate, digest) = sha3_sizes(algorithm);
    if !(1..=rate).contains(&key_len) {
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
            |at| unsafe { avx512::key_values(at, key_len, counter, rate, digest) },
            // SAFETY: likewise only on Width::Avx2, found with avx2.
            |at| unsafe { avx2::key_values(at, key_len, counter, rate, digest) },
            |at| {
                let mut key = [0u8; 144];
                super::splitmix_key(at, &mut key[..key_len]);
                Sha3Keyed::new(algorithm, &key[..key_len]).value(counter)
            },
        ))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (width, first, count, counter, modulus, digest);
        None
    }
}

/// A lane's tag (the first `digest` bytes of its state), truncated.
fn truncate_state(lanes: &[u64; 8], digest: usize) -> u32 {
    let mut tag = [0u8; 64];
    for (i, lane) in lanes.iter().enumerate() {
        tag[8 * i..8 * i + 8].copy_from_slice(&lane.to_le_bytes());
    }
    truncate_bytes(&tag[..digest])
}

/// The permutation and the HMAC of one counter per lane, written once for
/// any vector type whose helpers (`xor`, `rotl`, `chi`, `set1`…) the
/// invoking module defines with its target feature.
macro_rules! keccak_lanes {
    ($V:ty, $feature:literal, $lanes:literal, $zero:expr, $store:ident, $load:ident) => {
        /// Keccak-f[1600] on every lane.
        #[target_feature(enable = $feature)]
        #[inline]
        fn f1600(a: &mut [$V; 25]) {
            // Arrays built element by element (`from_fn`), never
            // zero-filled first: a `[zero; 25]` scratch array was a
            // 1600-byte memset per round that LLVM kept (19% of the time
            // on the Xeon, 10% on Zen 4).
            for &rc in RC.iter() {
                // θ
                let c: [$V; 5] = std::array::from_fn(|x| {
                    xor(
                        xor(xor(a[x], a[x + 5]), xor(a[x + 10], a[x + 15])),
                        a[x + 20],
                    )
                });
                for x in 0..5 {
                    let d = xor(c[(x + 4) % 5], rotl(c[(x + 1) % 5], 1));
                    for y in 0..5 {
                        a[x + 5 * y] = xor(a[x + 5 * y], d);
                    }
                }
                // ρ and π
                let b: [$V; 25] = std::array::from_fn(|j| rotl(a[PI_FROM[j]], RHO[PI_FROM[j]]));
                // χ
                for y in 0..5 {
                    for x in 0..5 {
                        a[x + 5 * y] =
                            chi(b[x + 5 * y], b[(x + 1) % 5 + 5 * y], b[(x + 2) % 5 + 5 * y]);
                    }
                }
                // ι
                a[0] = xor(a[0], set1(rc));
            }
        }

        #[target_feature(enable = $feature)]
        #[inline]
        fn splat(state: &[u64; 25]) -> [$V; 25] {
            let mut v = [$zero; 25];
            for (v, &lane) in v.iter_mut().zip(state) {
                *v = set1(lane);
            }
            v
        }

        /// Byte `at` of every lane ^= `byte`.
        #[target_feature(enable = $feature)]
        #[inline]
        fn absorb_byte(a: &mut [$V; 25], at: usize, byte: u8) {
            a[at / 8] = xor(a[at / 8], set1(u64::from(byte) << (8 * (at % 8))));
        }

        /// The HMAC of one counter per lane, truncated.
        #[target_feature(enable = $feature)]
        pub(super) fn values(keyed: &Sha3Keyed, counters: [u64; $lanes]) -> [u32; $lanes] {
            let (inner, outer, rate, digest) = keyed.parts();
            hmac(splat(inner), splat(outer), counters, rate, digest)
        }

        /// Workload 2: the code at `counter` of each lane's own splitmix
        /// key (`first + lane`, `key_len` of 1..=`rate` bytes), the key
        /// states absorbed and permuted in the lanes too.
        #[target_feature(enable = $feature)]
        pub(super) fn key_values(
            first: u64,
            key_len: usize,
            counter: u64,
            rate: usize,
            digest: usize,
        ) -> [u32; $lanes] {
            // Word i of every lane's key block, side by side for one load
            // (Keccak absorbs little-endian words, as the key words are).
            let mut words = [[0u64; $lanes]; 18];
            for l in 0..$lanes {
                let key: [u64; 18] =
                    crate::bulk::splitmix_key_words(first.wrapping_add(l as u64), key_len);
                for (w, k) in words.iter_mut().zip(key) {
                    w[l] = k;
                }
            }
            let ipad = set1(0x3636_3636_3636_3636);
            let opad = set1(0x5c5c_5c5c_5c5c_5c5c);
            let mut inner = [$zero; 25];
            let mut outer = [$zero; 25];
            for i in 0..rate / 8 {
                // SAFETY: `words[i]` is $lanes × 8 readable bytes; unaligned load.
                let k = unsafe { $load(words[i].as_ptr().cast()) };
                inner[i] = xor(k, ipad);
                outer[i] = xor(k, opad);
            }
            f1600(&mut inner);
            f1600(&mut outer);
            hmac(inner, outer, [counter; $lanes], rate, digest)
        }

        /// The HMAC of one counter per lane from the lanes' key states
        /// (after key ⊕ ipad and key ⊕ opad), truncated.
        #[target_feature(enable = $feature)]
        #[inline]
        fn hmac(
            mut a: [$V; 25],
            mut o: [$V; 25],
            counters: [u64; $lanes],
            rate: usize,
            digest: usize,
        ) -> [u32; $lanes] {
            // The counter's 8 big-endian bytes are lane 0, read little-endian.
            let mut swapped = [0u64; $lanes];
            for (s, c) in swapped.iter_mut().zip(counters) {
                *s = c.swap_bytes();
            }
            // SAFETY: `swapped` is $lanes × 8 readable bytes; unaligned load.
            let c = unsafe { $load(swapped.as_ptr().cast()) };
            a[0] = xor(a[0], c);
            absorb_byte(&mut a, 8, 0x06);
            absorb_byte(&mut a, rate - 1, 0x80);
            f1600(&mut a);
            // The inner digest: its first `digest` bytes, absorbed into the outer state.
            let whole = digest / 8;
            for i in 0..whole {
                o[i] = xor(o[i], a[i]);
            }
            if digest % 8 != 0 {
                let mask = set1((1u64 << (8 * (digest % 8))) - 1);
                o[whole] = xor(o[whole], and(a[whole], mask));
            }
            absorb_byte(&mut o, digest, 0x06);
            absorb_byte(&mut o, rate - 1, 0x80);
            f1600(&mut o);
            let mut lanes = [[0u64; $lanes]; 8];
            for (l, v) in lanes.iter_mut().zip(&o) {
                // SAFETY: `l` is $lanes × 8 writable bytes; unaligned store.
                unsafe { $store(l.as_mut_ptr().cast(), *v) };
            }
            let mut out = [0u32; $lanes];
            for (lane, o) in out.iter_mut().enumerate() {
                let mut words = [0u64; 8];
                for (w, l) in words.iter_mut().zip(&lanes) {
                    *w = l[lane];
                }
                *o = truncate_state(&words, digest);
            }
            out
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{PI_FROM, RC, RHO, Sha3Keyed, truncate_state};

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn xor(a: __m512i, b: __m512i) -> __m512i {
        _mm512_xor_si512(a, b)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn and(a: __m512i, b: __m512i) -> __m512i {
        _mm512_and_si512(a, b)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn set1(v: u64) -> __m512i {
        _mm512_set1_epi64(v as i64)
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn rotl(x: __m512i, n: u32) -> __m512i {
        _mm512_rolv_epi64(x, _mm512_set1_epi64(i64::from(n)))
    }

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn chi(b0: __m512i, b1: __m512i, b2: __m512i) -> __m512i {
        // 0xD2: b0 ^ (!b1 & b2) in one instruction.
        _mm512_ternarylogic_epi64::<0xD2>(b0, b1, b2)
    }

    keccak_lanes!(
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

    use super::{PI_FROM, RC, RHO, Sha3Keyed, truncate_state};

    #[target_feature(enable = "avx2")]
    #[inline]
    fn xor(a: __m256i, b: __m256i) -> __m256i {
        _mm256_xor_si256(a, b)
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn and(a: __m256i, b: __m256i) -> __m256i {
        _mm256_and_si256(a, b)
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn set1(v: u64) -> __m256i {
        _mm256_set1_epi64x(v as i64)
    }

    /// Rotation left by n (0 to 63): AVX2 has variable shifts but no rotate;
    /// a shift by 64 gives 0, so n = 0 works too.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn rotl(x: __m256i, n: u32) -> __m256i {
        let left = _mm256_set1_epi64x(i64::from(n));
        let right = _mm256_set1_epi64x(64 - i64::from(n));
        _mm256_or_si256(_mm256_sllv_epi64(x, left), _mm256_srlv_epi64(x, right))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn chi(b0: __m256i, b1: __m256i, b2: __m256i) -> __m256i {
        _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2))
    }

    keccak_lanes!(
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
    use crate::totp::Algorithm;
    use proptest::prelude::*;

    #[test]
    fn the_derived_constants_are_fips_202s() {
        // Spot checks against FIPS 202's tables.
        assert_eq!(RC[0], 0x0000_0000_0000_0001);
        assert_eq!(RC[1], 0x0000_0000_0000_8082);
        assert_eq!(RC[23], 0x8000_0000_8000_8008);
        assert_eq!(RHO[1], 1);
        assert_eq!(RHO[0], 0);
        assert_eq!(RHO[24], 14);
        assert_eq!(RHO[2], 62);
        // π moves lane (1, 0) to (0, 2), and (0, 1) to (1, 3).
        assert_eq!(PI_FROM[10], 1);
        assert_eq!(PI_FROM[16], 5);
        let mut sorted = PI_FROM;
        sorted.sort_unstable();
        assert_eq!(sorted, std::array::from_fn(|i| i), "a permutation");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn workload_2_lanes_of_both_widths_match_the_portable_path() {
        for alg in [Algorithm::Sha3_224, Algorithm::Sha3_512] {
            let (rate, digest) = sha3_sizes(alg);
            for key_len in [1usize, 7, 8, 9, 71, 72, rate] {
                let first = u64::MAX - 2;
                let want: Vec<u32> = (0..8)
                    .map(|l| {
                        let mut key = vec![0u8; key_len];
                        crate::bulk::splitmix_key(first.wrapping_add(l), &mut key);
                        Sha3Keyed::new(alg, &key).value(9)
                    })
                    .collect();
                let got = crate::bulk::lanes::on_both_widths(
                    // SAFETY: on_both_widths runs this only after detecting avx512f.
                    || unsafe { avx512::key_values(first, key_len, 9, rate, digest) },
                    // SAFETY: and this only after detecting avx2.
                    || unsafe { avx2::key_values(first, key_len, 9, rate, digest) },
                );
                for got in got {
                    assert_eq!(got, want[..got.len()], "{alg} key {key_len}");
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
    fn workload_2_matches_the_portable_path_for_every_rate() {
        let widths: Vec<Width> = [Width::Avx512, Width::Avx2]
            .into_iter()
            .filter(|w| w.on_this_cpu())
            .collect();
        assert!(
            !widths.is_empty(),
            "built on a CPU with AVX2 or AVX-512F, running on one without: rebuild the tests here"
        );
        let algorithms = [
            Algorithm::Sha3_224,
            Algorithm::Sha3_256,
            Algorithm::Sha3_384,
            Algorithm::Sha3_512,
        ];
        for (alg, width) in algorithms
            .into_iter()
            .flat_map(|alg| widths.iter().map(move |&w| (alg, w)))
        {
            let (rate, _) = sha3_sizes(alg);
            // Whole and cut words, the shortest rate's edge, each rate's
            // edge; counts below, at and past the lanes; wrapping indexes.
            for key_len in [1, 7, 8, 9, 20, 71, 72, rate - 1, rate] {
                for (first, count) in [(0u64, 13u64), (u64::MAX - 5, 9), (3, 0)] {
                    let mut want = 0u64;
                    for i in 0..count {
                        let mut key = vec![0u8; key_len];
                        crate::bulk::splitmix_key(first.wrapping_add(i), &mut key);
                        let v = Sha3Keyed::new(alg, &key).value(56_666_666);
                        want = want.wrapping_add(u64::from(v % 1_000_000));
                    }
                    assert_eq!(
                        sum_keys(alg, width, first, count, key_len, 56_666_666, 1_000_000),
                        Some(want),
                        "{alg} {width:?} key {key_len} first {first} count {count}"
                    );
                }
            }
            // Longer keys are hashed first: the portable path's job.
            assert_eq!(sum_keys(alg, width, 0, 8, rate + 1, 1, 1_000_000), None);
            assert_eq!(sum_keys(alg, width, 0, 8, 0, 1, 1_000_000), None);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Every lane of both widths (those this CPU has) against the
        /// portable path, for every SHA-3 size, any key and counters.
        #[test]
        fn every_lane_agrees_with_the_portable_path(
            key in prop::collection::vec(any::<u8>(), 1..200),
            counters in prop::array::uniform8(any::<u64>()),
            which in 0usize..4,
        ) {
            let alg = [Algorithm::Sha3_224, Algorithm::Sha3_256, Algorithm::Sha3_384, Algorithm::Sha3_512][which];
            let keyed = Sha3Keyed::new(alg, &key);
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

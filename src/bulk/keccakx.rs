//! HMAC-SHA3 (224/256/384/512), several codes per instruction stream: 8
//! Keccak states side by side on AVX-512, 4 on AVX2 (`lanes::Multi`
//! chooses at run time)
//! (the portable path is the fallback, and `--backend portable` forces it).
//!
//! A code costs two Keccak-f[1600] permutations from precomputed key states
//! (key ⊕ ipad and key ⊕ opad absorbed). The lanes differ only by counter,
//! which is absorbed as a vector; the permutation is vectorised, the
//! dynamic truncation of each tag is scalar.
//!
//! `unsafe` here only calls functions compiled for CPU features after
//! checking those features at run time; inside them every intrinsic works on
//! values (loads and stores go through arrays).

#![allow(unsafe_code)]

use super::portable::{Sha3Keyed, truncate_bytes};

/// FIPS 202 §3.2.5: the round constants, from the LFSR x^8+x^6+x^5+x^4+1.
const RC: [u64; 24] = round_constants();

/// FIPS 202 §3.2.2: the ρ offsets by lane index x + 5y.
const RHO: [u32; 25] = rho_offsets();

/// FIPS 202 §3.2.3: π takes lane x + 5y to lane y + 5(2x + 3y).
const PI: [usize; 25] = pi_targets();

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

const fn pi_targets() -> [usize; 25] {
    let mut p = [0usize; 25];
    let mut i = 0;
    while i < 25 {
        let (x, y) = (i % 5, i / 5);
        p[i] = y + 5 * ((2 * x + 3 * y) % 5);
        i += 1;
    }
    p
}

crate::bulk::lanes::lane_keyed!(Sha3Keyed);

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
            for &rc in RC.iter() {
                // θ
                let mut c = [$zero; 5];
                for (x, c) in c.iter_mut().enumerate() {
                    *c = xor(
                        xor(xor(a[x], a[x + 5]), xor(a[x + 10], a[x + 15])),
                        a[x + 20],
                    );
                }
                for x in 0..5 {
                    let d = xor(c[(x + 4) % 5], rotl(c[(x + 1) % 5], 1));
                    for y in 0..5 {
                        a[x + 5 * y] = xor(a[x + 5 * y], d);
                    }
                }
                // ρ and π
                let mut b = [$zero; 25];
                for i in 0..25 {
                    b[PI[i]] = rotl(a[i], RHO[i]);
                }
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
            // The counter's 8 big-endian bytes are lane 0, read little-endian.
            let mut swapped = [0u64; $lanes];
            for (s, c) in swapped.iter_mut().zip(counters) {
                *s = c.swap_bytes();
            }
            // SAFETY: `swapped` is $lanes × 8 readable bytes; unaligned load.
            let c = unsafe { $load(swapped.as_ptr().cast()) };
            let mut a = splat(inner);
            a[0] = xor(a[0], c);
            absorb_byte(&mut a, 8, 0x06);
            absorb_byte(&mut a, rate - 1, 0x80);
            f1600(&mut a);
            // The inner digest: its first `digest` bytes, absorbed into the outer state.
            let mut o = splat(outer);
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

    use super::{PI, RC, RHO, Sha3Keyed, truncate_state};

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

    use super::{PI, RC, RHO, Sha3Keyed, truncate_state};

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
        // π moves lane (1, 0) to (0, 2).
        assert_eq!(PI[1], 10);
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
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: avx512f was just detected.
                    prop_assert_eq!(unsafe { avx512::values(&keyed, counters) }.to_vec(), want.clone());
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut c = [0u64; 4];
                    c.copy_from_slice(&counters[..4]);
                    // SAFETY: avx2 was just detected.
                    prop_assert_eq!(unsafe { avx2::values(&keyed, c) }.to_vec(), want[..4].to_vec());
                }
            }
        }
    }
}

//! What the SIMD paths of SHA-512 (`sha512x`) and SHA-3 (`keccakx`) share:
//! the vector width this CPU offers, a key state computed one code per
//! lane with the counters batched into lanes (workload 1), and the batching
//! of many keys into lanes (workload 2).
//!
//! `unsafe` here only calls a [`LaneKeyed`] method whose CPU feature a
//! [`Multi`] proved present when it was made.

#![allow(unsafe_code)]

/// The vector width this CPU offers for 64-bit lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// 8 lanes of 64 bits (AVX-512F).
    Avx512,
    /// 4 lanes of 64 bits (AVX2).
    Avx2,
}

impl Width {
    /// Codes per call.
    pub fn lanes(self) -> usize {
        match self {
            Width::Avx512 => 8,
            Width::Avx2 => 4,
        }
    }
}

impl Width {
    /// Whether this CPU has the instructions of this width.
    pub fn on_this_cpu(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Width::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
                Width::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

/// A precomputed HMAC key state whose codes a SIMD module computes several
/// at a time.
pub trait LaneKeyed: Copy {
    /// One code on the portable path.
    fn value(&self, counter: u64) -> u32;

    /// Eight codes at eight counters.
    ///
    /// # Safety
    /// The CPU has AVX-512F.
    unsafe fn values8(&self, counters: [u64; 8]) -> [u32; 8];

    /// Four codes at four counters.
    ///
    /// # Safety
    /// The CPU has AVX2.
    unsafe fn values4(&self, counters: [u64; 4]) -> [u32; 4];
}

/// Implements [`LaneKeyed`] for a key type whose SIMD module defines
/// `avx512::values` (8 lanes) and `avx2::values` (4 lanes) next to the
/// invocation.
macro_rules! lane_keyed {
    ($T:ty) => {
        impl crate::bulk::lanes::LaneKeyed for $T {
            fn value(&self, counter: u64) -> u32 {
                <$T>::value(self, counter)
            }

            unsafe fn values8(&self, counters: [u64; 8]) -> [u32; 8] {
                #[cfg(target_arch = "x86_64")]
                {
                    // SAFETY: the caller guarantees avx512f, which
                    // `avx512::values` is compiled for.
                    unsafe { avx512::values(self, counters) }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    counters.map(|c| self.value(c))
                }
            }

            unsafe fn values4(&self, counters: [u64; 4]) -> [u32; 4] {
                #[cfg(target_arch = "x86_64")]
                {
                    // SAFETY: the caller guarantees avx2, which
                    // `avx2::values` is compiled for.
                    unsafe { avx2::values(self, counters) }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    counters.map(|c| self.value(c))
                }
            }
        }
    };
}
pub(super) use lane_keyed;

/// Workload 2 on the lanes: the wrapping sum of the codes of the keys
/// `first..first + count`, a vector of keys at a time (`eight` on AVX-512,
/// `four` on AVX2, each given the first key of its group), the remainder one
/// by one with `one`. `eight` and `four` are called only on the `width`
/// they are for, which the caller checked with [`Width::on_this_cpu`].
pub fn sum_keys(
    width: Width,
    first: u64,
    count: u64,
    modulus: u32,
    eight: impl Fn(u64) -> [u32; 8],
    four: impl Fn(u64) -> [u32; 4],
    one: impl Fn(u64) -> u32,
) -> u64 {
    let mut sum = 0u64;
    let mut add = |v: u32| sum = sum.wrapping_add(u64::from(v % modulus));
    let lanes = width.lanes() as u64;
    let mut i = 0u64;
    while i + lanes <= count {
        let at = first.wrapping_add(i);
        match width {
            Width::Avx512 => eight(at).into_iter().for_each(&mut add),
            Width::Avx2 => four(at).into_iter().for_each(&mut add),
        }
        i += lanes;
    }
    for j in i..count {
        add(one(first.wrapping_add(j)));
    }
    sum
}

/// Runs `eight` if this CPU has AVX-512F and `four` if it has AVX2, and
/// returns what they gave: for tests to hold every lane of both widths
/// against the portable path.
#[cfg(all(test, target_arch = "x86_64"))]
pub(super) fn on_both_widths(
    eight: impl FnOnce() -> [u32; 8],
    four: impl FnOnce() -> [u32; 4],
) -> Vec<Vec<u32>> {
    let mut got = Vec::new();
    if std::arch::is_x86_feature_detected!("avx512f") {
        got.push(eight().to_vec());
    }
    if std::arch::is_x86_feature_detected!("avx2") {
        got.push(four().to_vec());
    }
    got
}

/// A key state for the SIMD path. Only made by [`Multi::new`], which checks
/// the CPU: holding one proves the features its width needs.
#[derive(Clone, Copy, Debug)]
pub struct Multi<K> {
    keyed: K,
    width: Width,
}

impl<K: LaneKeyed> Multi<K> {
    /// `Some` when the CPU has the instructions of `width`.
    pub fn new(keyed: K, width: Width) -> Option<Self> {
        width.on_this_cpu().then_some(Multi { keyed, width })
    }

    /// The portable state it was built from.
    pub fn portable(&self) -> &K {
        &self.keyed
    }

    /// The backend it is.
    pub fn backend(&self) -> super::Backend {
        match self.width {
            Width::Avx512 => super::Backend::Avx512,
            Width::Avx2 => super::Backend::Avx2,
        }
    }

    /// The 31-bit truncated values of `counters` into `out` (the vector
    /// path when they fill its lanes, else one by one).
    pub fn values(&self, counters: &[u64], out: &mut [u32]) {
        let n = counters.len().min(out.len());
        match (self.width, n) {
            (Width::Avx512, 8) => {
                let mut c = [0u64; 8];
                c.copy_from_slice(&counters[..8]);
                // SAFETY: a Multi with Width::Avx512 exists only if
                // `on_this_cpu` found avx512f.
                out[..8].copy_from_slice(&unsafe { self.keyed.values8(c) });
            }
            (Width::Avx2, 4) => {
                let mut c = [0u64; 4];
                c.copy_from_slice(&counters[..4]);
                // SAFETY: a Multi with Width::Avx2 exists only if
                // `on_this_cpu` found avx2.
                out[..4].copy_from_slice(&unsafe { self.keyed.values4(c) });
            }
            _ => {
                for (o, &c) in out.iter_mut().zip(counters).take(n) {
                    *o = self.keyed.value(c);
                }
            }
        }
    }

    /// The wrapping sum of `count` codes from `first` (counters wrap at
    /// 2^64 as the counter field does), a vector of lanes at a time.
    pub fn sum_codes(&self, first: u64, count: u64, modulus: u32) -> u64 {
        let lanes = self.width.lanes();
        let mut sum = 0u64;
        let mut counters = [0u64; 8];
        let mut out = [0u32; 8];
        let mut i = 0u64;
        while i < count {
            let n = usize::try_from((count - i).min(lanes as u64)).unwrap_or(lanes);
            for (l, c) in counters.iter_mut().enumerate().take(n) {
                *c = first.wrapping_add(i + l as u64);
            }
            self.values(&counters[..n], &mut out[..n]);
            for v in &out[..n] {
                sum = sum.wrapping_add(u64::from(v % modulus));
            }
            i += n as u64;
        }
        sum
    }
}

/// The lane tests of `sha512x` and `keccakx` (their property tests too)
/// check each width this CPU has, so a width it lacks is checked by none of
/// them. Its test here is then `ignored, needs …` in the summary, instead of
/// the gap passing unseen.
#[cfg(test)]
mod tests {
    use super::Width;

    #[test]
    #[cfg_attr(
        not(skewsim_cpu_avx512f),
        ignore = "needs AVX-512F: no test checks the 8-lane paths on this CPU"
    )]
    fn the_8_lane_paths_run_and_are_checked_here() {
        assert!(
            Width::Avx512.on_this_cpu(),
            "built on a CPU with AVX-512F, running on one without: rebuild the tests here"
        );
    }

    #[test]
    #[cfg_attr(
        not(skewsim_cpu_avx2),
        ignore = "needs AVX2: no test checks the 4-lane paths on this CPU"
    )]
    fn the_4_lane_paths_run_and_are_checked_here() {
        assert!(
            Width::Avx2.on_this_cpu(),
            "built on a CPU with AVX2, running on one without: rebuild the tests here"
        );
    }
}

//! Which implementation computes the codes: the variants, what each runs
//! and needs, and how a request (`auto` or a named variant) becomes the one
//! that runs.

use std::fmt;
use std::str::FromStr;

use crate::totp::Algorithm;

/// An implementation of bulk generation, or `Auto` to let the calibration
/// choose per algorithm and workload on this CPU.
///
/// ```
/// use skewsim::bulk::{Backend, Workload};
/// use skewsim::Algorithm;
/// let ran = Backend::Auto.resolve(Algorithm::Sha1, Workload::OneSecret).unwrap();
/// assert_ne!(ran, Backend::Auto);
/// assert!(ran.runs(Algorithm::Sha1));
/// assert_eq!("sha-ni-4".parse::<Backend>().unwrap(), Backend::ShaNi4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Backend {
    /// The fastest variant on this CPU, measured on first use (a few
    /// milliseconds) and kept for the process.
    #[default]
    Auto,
    /// Precomputed key states on the portable compression functions (every
    /// CPU, every algorithm).
    Portable,
    /// The core's `Hmac` per code: the baseline and the reference.
    Naive,
    /// SHA-1 and SHA-256 on the x86 SHA extensions, two codes per
    /// compression call.
    ShaNi2,
    /// SHA-1 and SHA-256 on the x86 SHA extensions, four codes per
    /// compression call.
    ShaNi4,
    /// SHA-512 and SHA-3 on AVX-512F, eight codes per instruction stream.
    Avx512,
    /// SHA-512 and SHA-3 on AVX2, four codes per instruction stream.
    Avx2,
}

/// What is computed: the layout decides which variants can run and which
/// is fastest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Many codes of one secret over consecutive steps.
    OneSecret,
    /// One code each of many secrets of `key_len` bytes.
    ManySecrets {
        /// Each secret's length in bytes.
        key_len: usize,
    },
}

impl Workload {
    /// `one_secret` or `many_secrets` (the JSON names).
    pub fn name(self) -> &'static str {
        match self {
            Workload::OneSecret => "one_secret",
            Workload::ManySecrets { .. } => "many_secrets",
        }
    }
}

/// Why a named backend cannot run a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The backend implements other algorithms only.
    #[error("{backend} does not run {algorithm}: it runs {runs}")]
    NotForAlgorithm {
        /// The backend asked for.
        backend: Backend,
        /// The algorithm asked for.
        algorithm: Algorithm,
        /// The algorithms it runs, in words.
        runs: &'static str,
    },
    /// This CPU lacks the instructions the backend needs.
    #[error("{backend} needs {needs}, which this CPU does not have")]
    NotOnThisCpu {
        /// The backend asked for.
        backend: Backend,
        /// The CPU features it needs, in words.
        needs: &'static str,
    },
    /// Many secrets longer than the backend's lanes take (HMAC hashes such
    /// keys first, which only the portable and naive backends do).
    #[error(
        "{backend} takes {algorithm} keys of at most {max} bytes in the many-secrets workload \
         (longer keys run on portable or naive)"
    )]
    KeyTooLong {
        /// The backend asked for.
        backend: Backend,
        /// The algorithm asked for.
        algorithm: Algorithm,
        /// The longest key its lanes take.
        max: usize,
    },
}

impl Backend {
    /// Every backend, `Auto` first.
    pub const ALL: [Backend; 7] = [
        Backend::Auto,
        Backend::Portable,
        Backend::Naive,
        Backend::ShaNi2,
        Backend::ShaNi4,
        Backend::Avx512,
        Backend::Avx2,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Portable => "portable",
            Backend::Naive => "naive",
            Backend::ShaNi2 => "sha-ni-2",
            Backend::ShaNi4 => "sha-ni-4",
            Backend::Avx512 => "avx512",
            Backend::Avx2 => "avx2",
        }
    }

    /// Codes computed side by side per compression call or instruction
    /// stream (`None` for `Auto`, which is not an implementation).
    pub fn lanes(self) -> Option<usize> {
        match self {
            Backend::Auto => None,
            Backend::Portable | Backend::Naive => Some(1),
            Backend::ShaNi2 => Some(2),
            Backend::ShaNi4 | Backend::Avx2 => Some(4),
            Backend::Avx512 => Some(8),
        }
    }

    /// The CPU features it runs on (empty: any CPU).
    pub fn features(self) -> &'static [&'static str] {
        match self {
            Backend::ShaNi2 | Backend::ShaNi4 => &["sha", "sse4.1"],
            Backend::Avx512 => &["avx512f"],
            Backend::Avx2 => &["avx2"],
            Backend::Auto | Backend::Portable | Backend::Naive => &[],
        }
    }

    /// Whether it implements `algorithm` (`Auto` runs everything).
    pub fn runs(self, algorithm: Algorithm) -> bool {
        match self {
            Backend::ShaNi2 | Backend::ShaNi4 => {
                matches!(algorithm, Algorithm::Sha1 | Algorithm::Sha256)
            }
            Backend::Avx512 | Backend::Avx2 => {
                !matches!(algorithm, Algorithm::Sha1 | Algorithm::Sha256)
            }
            Backend::Auto | Backend::Portable | Backend::Naive => true,
        }
    }

    /// Whether this CPU has what it needs.
    pub fn on_this_cpu(self) -> bool {
        match self {
            Backend::ShaNi2 | Backend::ShaNi4 => super::shani::available(),
            Backend::Avx512 => super::lanes::Width::Avx512.on_this_cpu(),
            Backend::Avx2 => super::lanes::Width::Avx2.on_this_cpu(),
            Backend::Auto | Backend::Portable | Backend::Naive => true,
        }
    }

    /// The longest key its lanes take in the many-secrets workload (`None`:
    /// any length).
    pub fn max_key_len(self, algorithm: Algorithm) -> Option<usize> {
        match self {
            Backend::ShaNi2 | Backend::ShaNi4 => Some(64),
            Backend::Avx512 | Backend::Avx2 => Some(match algorithm {
                Algorithm::Sha512 => 128,
                // The SHA-3 rate: a key of up to a block is absorbed as is.
                other => super::portable::sha3_sizes(other).0,
            }),
            Backend::Auto | Backend::Portable | Backend::Naive => None,
        }
    }

    /// Whether this (non-`Auto`) backend can run `workload` of `algorithm`
    /// on this CPU.
    pub fn check(self, algorithm: Algorithm, workload: Workload) -> Result<(), BackendError> {
        if !self.runs(algorithm) {
            let runs = match self {
                Backend::ShaNi2 | Backend::ShaNi4 => "SHA-1 and SHA-256",
                _ => "SHA-512 and the four SHA-3 sizes",
            };
            return Err(BackendError::NotForAlgorithm {
                backend: self,
                algorithm,
                runs,
            });
        }
        if !self.on_this_cpu() {
            let needs = match self {
                Backend::Avx512 => "AVX-512F",
                Backend::Avx2 => "AVX2",
                _ => "the SHA extensions and SSE4.1",
            };
            return Err(BackendError::NotOnThisCpu {
                backend: self,
                needs,
            });
        }
        if let (Workload::ManySecrets { key_len }, Some(max)) =
            (workload, self.max_key_len(algorithm))
            && key_len > max
        {
            return Err(BackendError::KeyTooLong {
                backend: self,
                algorithm,
                max,
            });
        }
        Ok(())
    }

    /// The backend that runs `workload` of `algorithm` when this one is
    /// asked for: itself if it can ([`Backend::check`]), and for `Auto` the
    /// calibration's choice on this CPU ([`super::calibration`]).
    pub fn resolve(
        self,
        algorithm: Algorithm,
        workload: Workload,
    ) -> Result<Backend, BackendError> {
        match self {
            Backend::Auto => Ok(super::calibrate::choice(algorithm, workload)),
            named => named.check(algorithm, workload).map(|()| named),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a backend's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a backend: one of auto, portable, naive, sha-ni-2, sha-ni-4, avx512, avx2")]
pub struct UnknownBackend;

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == text)
            .ok_or(UnknownBackend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_lanes_are_stated() {
        for backend in Backend::ALL {
            assert_eq!(backend.name().parse::<Backend>(), Ok(backend));
            assert_eq!(backend.lanes().is_none(), backend == Backend::Auto);
        }
        assert_eq!("sha-ni".parse::<Backend>(), Err(UnknownBackend));
    }

    #[test]
    fn a_named_backend_refuses_what_it_cannot_run() {
        let err = Backend::ShaNi2
            .check(Algorithm::Sha512, Workload::OneSecret)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "sha-ni-2 does not run sha512: it runs SHA-1 and SHA-256"
        );
        let err = Backend::Avx2
            .check(Algorithm::Sha1, Workload::OneSecret)
            .unwrap_err();
        assert!(matches!(err, BackendError::NotForAlgorithm { .. }));
        for (backend, alg, max) in [
            (Backend::ShaNi4, Algorithm::Sha256, 64),
            (Backend::Avx512, Algorithm::Sha512, 128),
            (Backend::Avx2, Algorithm::Sha3_256, 136),
            (Backend::Avx2, Algorithm::Sha3_512, 72),
        ] {
            let long = Workload::ManySecrets { key_len: max + 1 };
            let fits = Workload::ManySecrets { key_len: max };
            if backend.on_this_cpu() {
                assert_eq!(
                    backend.check(alg, long),
                    Err(BackendError::KeyTooLong {
                        backend,
                        algorithm: alg,
                        max
                    })
                );
                assert_eq!(backend.check(alg, fits), Ok(()));
            } else {
                assert!(matches!(
                    backend.check(alg, fits),
                    Err(BackendError::NotOnThisCpu { .. })
                ));
            }
        }
        // The portable paths take anything.
        for alg in Algorithm::ALL {
            let any = Workload::ManySecrets { key_len: 1024 };
            assert_eq!(Backend::Portable.resolve(alg, any), Ok(Backend::Portable));
            assert_eq!(Backend::Naive.resolve(alg, any), Ok(Backend::Naive));
        }
    }
}

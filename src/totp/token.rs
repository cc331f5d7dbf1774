//! A TOTP token: the secret together with its parameters.

use super::algorithm::Algorithm;
use super::error::Result;
use super::hotp::{Code, Digits, hotp};
use super::secret::Secret;
use super::time_step::TimeStep;

/// Everything needed to compute a TOTP code, apart from the time.
///
/// ```
/// use skewsim::{Algorithm, Digits, Secret, TimeStep, Totp};
/// let key = Secret::from_hex("3132333435363738393031323334353637383930").unwrap();
/// let totp = Totp::new(key, Algorithm::Sha1, Digits::new(8).unwrap(), TimeStep::RFC6238);
/// assert_eq!(totp.code_at(59).unwrap().to_string(), "94287082");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totp {
    secret: Secret,
    algorithm: Algorithm,
    digits: Digits,
    step: TimeStep,
}

impl Totp {
    /// Assembles a token from already-validated parts.
    pub fn new(secret: Secret, algorithm: Algorithm, digits: Digits, step: TimeStep) -> Self {
        Totp {
            secret,
            algorithm,
            digits,
            step,
        }
    }

    /// The code shown at Unix time `time`.
    ///
    /// # Errors
    /// [`crate::totp::Error::TimeBeforeT0`] when `time` precedes T0.
    pub fn code_at(&self, time: u64) -> Result<Code> {
        Ok(self.code_for_counter(self.step.counter_at(time)?))
    }

    /// The code of time step `counter`.
    pub fn code_for_counter(&self, counter: u64) -> Code {
        hotp(self.algorithm, &self.secret, counter, self.digits)
    }

    /// The secret (the HMAC key).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The hash under HMAC.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The digit count.
    pub fn digits(&self) -> Digits {
        self.digits
    }

    /// The time-step mapping.
    pub fn time_step(&self) -> TimeStep {
        self.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token hands back the parts it was assembled from.
    #[test]
    fn a_token_keeps_its_parts() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).expect("20 bytes");
        let step = TimeStep::new(60, 7).expect("non-zero period");
        let digits = Digits::new(8).expect("6..=10");
        let t = Totp::new(secret.clone(), Algorithm::Sha256, digits, step);
        assert_eq!(t.algorithm(), Algorithm::Sha256);
        assert_eq!(t.digits(), digits);
        assert_eq!(t.time_step(), step);
        assert_eq!(t.secret(), &secret);
    }
}

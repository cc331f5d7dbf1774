//! The HMAC hash choice, and the one place that maps it to a RustCrypto `Hmac<D>`.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac, SimpleHmac};

use super::error::Error;

/// The hash under HMAC: RFC 6238's three, and the SHA-3 family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Algorithm {
    /// HMAC-SHA-1 (the default of RFC 4226/6238 and of every authenticator app).
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
    /// HMAC-SHA3-224.
    Sha3_224,
    /// HMAC-SHA3-256.
    Sha3_256,
    /// HMAC-SHA3-384.
    Sha3_384,
    /// HMAC-SHA3-512.
    Sha3_512,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [Algorithm; 7] = [
        Algorithm::Sha1,
        Algorithm::Sha256,
        Algorithm::Sha512,
        Algorithm::Sha3_224,
        Algorithm::Sha3_256,
        Algorithm::Sha3_384,
        Algorithm::Sha3_512,
    ];

    /// The lower-case name used on our command line and in vector files (`sha3-256`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
            Algorithm::Sha3_224 => "sha3-224",
            Algorithm::Sha3_256 => "sha3-256",
            Algorithm::Sha3_384 => "sha3-384",
            Algorithm::Sha3_512 => "sha3-512",
        }
    }

    /// The upper-case name of the Key URI Format (`SHA1`, `SHA256`, `SHA3-256`).
    pub fn uri_name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
            Algorithm::Sha3_224 => "SHA3-224",
            Algorithm::Sha3_256 => "SHA3-256",
            Algorithm::Sha3_384 => "SHA3-384",
            Algorithm::Sha3_512 => "SHA3-512",
        }
    }

    /// HMAC(key, message) under this hash, handed to `use_tag` without a heap
    /// allocation. This `match` is the only place the enum meets the hash types.
    pub fn hmac<R>(self, key: &[u8], message: &[u8], use_tag: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Algorithm::Sha1 => mac_with::<Hmac<sha1::Sha1>, R>(key, message, use_tag),
            Algorithm::Sha256 => mac_with::<Hmac<sha2::Sha256>, R>(key, message, use_tag),
            Algorithm::Sha512 => mac_with::<Hmac<sha2::Sha512>, R>(key, message, use_tag),
            // sha3 0.12 exposes no eager block API, so HMAC runs over the plain Digest.
            Algorithm::Sha3_224 => mac_with::<SimpleHmac<sha3::Sha3_224>, R>(key, message, use_tag),
            Algorithm::Sha3_256 => mac_with::<SimpleHmac<sha3::Sha3_256>, R>(key, message, use_tag),
            Algorithm::Sha3_384 => mac_with::<SimpleHmac<sha3::Sha3_384>, R>(key, message, use_tag),
            Algorithm::Sha3_512 => mac_with::<SimpleHmac<sha3::Sha3_512>, R>(key, message, use_tag),
        }
    }
}

fn mac_with<M: KeyInit + Mac, R>(
    key: &[u8],
    message: &[u8],
    use_tag: impl FnOnce(&[u8]) -> R,
) -> R {
    // HMAC takes a key of any length (long keys are hashed first), so the
    // InvalidLength error of `new_from_slice` cannot occur for Hmac<D>.
    let mut mac = match <M as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(message);
    let tag = mac.finalize().into_bytes();
    use_tag(&tag)
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    /// Case-insensitive; `-` and `_` are optional (`SHA256`, `sha-256`, `SHA3_256`).
    fn from_str(name: &str) -> Result<Self, Error> {
        let folded: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Ok(match folded.as_str() {
            "sha1" => Algorithm::Sha1,
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            "sha3224" => Algorithm::Sha3_224,
            "sha3256" => Algorithm::Sha3_256,
            "sha3384" => Algorithm::Sha3_384,
            "sha3512" => Algorithm::Sha3_512,
            _ => {
                // A long "name" may be a secret pasted in the wrong place:
                // shown only when it is short enough to be a typo.
                let shown = if name.chars().count() <= 12 {
                    name.to_owned()
                } else {
                    format!("[{} characters, not shown]", name.chars().count())
                };
                return Err(Error::UnknownAlgorithm { name: shown });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Key URI Format names the algorithms `SHA1`, `SHA256` and `SHA512`
    /// (upper case, no dash); the SHA-3 ones follow as `SHA3-256` and so on.
    /// Every URI name reads back as its own algorithm.
    #[test]
    fn uri_names_are_the_key_uri_format_names_and_read_back() {
        let want = [
            "SHA1", "SHA256", "SHA512", "SHA3-224", "SHA3-256", "SHA3-384", "SHA3-512",
        ];
        for (algorithm, name) in Algorithm::ALL.into_iter().zip(want) {
            assert_eq!(algorithm.uri_name(), name);
            assert_eq!(name.parse::<Algorithm>(), Ok(algorithm), "{name}");
        }
    }

    /// An unknown name is echoed only while it is short enough to be a typo
    /// (12 characters); a longer one may be a secret pasted into the wrong
    /// argument, and only its length is shown (the project's rule: secrets
    /// are never printed).
    #[test]
    fn an_unknown_name_is_echoed_only_when_short() {
        let short = "sha-1024-xyz";
        assert_eq!(short.chars().count(), 12);
        assert_eq!(
            short.parse::<Algorithm>(),
            Err(Error::UnknownAlgorithm {
                name: short.to_owned()
            })
        );
        let secret = "JBSWY3DPEHPK3PXP";
        let err = secret.parse::<Algorithm>().expect_err("not an algorithm");
        assert_eq!(
            err,
            Error::UnknownAlgorithm {
                name: "[16 characters, not shown]".to_owned()
            }
        );
        assert!(!err.to_string().contains(secret), "{err}");
    }
}

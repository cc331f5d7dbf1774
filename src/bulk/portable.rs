//! Portable keyed HMAC states: the key's inner and outer blocks compressed
//! once, so that each code costs two compressions (SHA-1/SHA-2) or two
//! Keccak-f permutations (SHA-3) instead of four. Built on the RustCrypto
//! compression functions, so it runs on every CPU.

use sha1::block_api::compress as sha1_compress;
use sha2::block_api::{compress256, compress512};

use crate::totp::Algorithm;

/// SHA-1's initial state (FIPS 180-4 §5.3.1).
pub const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];
/// SHA-256's initial state (FIPS 180-4 §5.3.3).
pub const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
/// SHA-512's initial state (FIPS 180-4 §5.3.5).
pub(super) const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// The HMAC key block (RFC 2104): the key, hashed first if longer than the
/// block, zero-padded to `N` bytes.
fn key_block<const N: usize>(algorithm: Algorithm, key: &[u8]) -> [u8; N] {
    let mut block = [0u8; N];
    if key.len() > N {
        let digest = hash(algorithm, key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    block
}

fn hash(algorithm: Algorithm, data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    match algorithm {
        Algorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Algorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Algorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
        Algorithm::Sha3_224 => sha3::Sha3_224::digest(data).to_vec(),
        Algorithm::Sha3_256 => sha3::Sha3_256::digest(data).to_vec(),
        Algorithm::Sha3_384 => sha3::Sha3_384::digest(data).to_vec(),
        Algorithm::Sha3_512 => sha3::Sha3_512::digest(data).to_vec(),
    }
}

fn xor<const N: usize>(block: &[u8; N], pad: u8) -> [u8; N] {
    block.map(|b| b ^ pad)
}

/// RFC 4226 dynamic truncation over a tag held in big-endian words.
#[inline(always)]
pub(super) fn truncate_bytes(tag: &[u8]) -> u32 {
    let offset = usize::from(tag[tag.len() - 1] & 0x0f);
    u32::from_be_bytes([
        tag[offset],
        tag[offset + 1],
        tag[offset + 2],
        tag[offset + 3],
    ]) & 0x7fff_ffff
}

/// SHA-1 HMAC with precomputed inner/outer states.
#[derive(Clone, Copy, Debug)]
pub struct Sha1Keyed {
    /// State after compressing key ⊕ ipad.
    pub inner: [u32; 5],
    /// State after compressing key ⊕ opad.
    pub outer: [u32; 5],
}

impl Sha1Keyed {
    /// Precomputes the states for `key`.
    pub fn new(key: &[u8]) -> Self {
        let block: [u8; 64] = key_block(Algorithm::Sha1, key);
        let (mut inner, mut outer) = (SHA1_IV, SHA1_IV);
        sha1_compress(&mut inner, &[xor(&block, 0x36)]);
        sha1_compress(&mut outer, &[xor(&block, 0x5c)]);
        Sha1Keyed { inner, outer }
    }

    /// The inner message block for `counter`: 8 bytes, padding, length 72 bytes.
    #[inline(always)]
    pub fn inner_block(counter: u64) -> [u8; 64] {
        let mut block = [0u8; 64];
        block[..8].copy_from_slice(&counter.to_be_bytes());
        block[8] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 8) * 8).to_be_bytes());
        block
    }

    /// The outer message block for an inner digest: 20 bytes, padding, length 84 bytes.
    #[inline(always)]
    pub fn outer_block(inner: &[u32; 5]) -> [u8; 64] {
        let mut block = [0u8; 64];
        for (i, word) in inner.iter().enumerate() {
            block[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
        }
        block[20] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 20) * 8).to_be_bytes());
        block
    }

    /// The 31-bit truncated value for `counter`.
    #[inline]
    pub fn value(&self, counter: u64) -> u32 {
        let mut inner = self.inner;
        sha1_compress(&mut inner, &[Self::inner_block(counter)]);
        let mut outer = self.outer;
        sha1_compress(&mut outer, &[Self::outer_block(&inner)]);
        truncate_words(&outer)
    }
}

/// Dynamic truncation over a SHA-1 state (five big-endian words).
#[inline(always)]
pub fn truncate_words(state: &[u32; 5]) -> u32 {
    let mut tag = [0u8; 20];
    for (i, word) in state.iter().enumerate() {
        tag[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    truncate_bytes(&tag)
}

/// SHA-256 HMAC with precomputed states.
#[derive(Clone, Copy, Debug)]
pub struct Sha256Keyed {
    /// State after key ⊕ ipad.
    pub inner: [u32; 8],
    /// State after key ⊕ opad.
    pub outer: [u32; 8],
}

impl Sha256Keyed {
    /// Precomputes the states for `key`.
    pub fn new(key: &[u8]) -> Self {
        let block: [u8; 64] = key_block(Algorithm::Sha256, key);
        let (mut inner, mut outer) = (SHA256_IV, SHA256_IV);
        compress256(&mut inner, &[xor(&block, 0x36)]);
        compress256(&mut outer, &[xor(&block, 0x5c)]);
        Sha256Keyed { inner, outer }
    }

    /// The inner block for `counter` (same layout as SHA-1's).
    #[inline(always)]
    pub fn inner_block(counter: u64) -> [u8; 64] {
        Sha1Keyed::inner_block(counter)
    }

    /// The outer block for an inner digest: 32 bytes, padding, length 96 bytes.
    #[inline(always)]
    pub fn outer_block(inner: &[u32; 8]) -> [u8; 64] {
        let mut block = [0u8; 64];
        for (i, word) in inner.iter().enumerate() {
            block[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
        }
        block[32] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        block
    }

    /// The 31-bit truncated value for `counter`.
    #[inline]
    pub fn value(&self, counter: u64) -> u32 {
        let mut inner = self.inner;
        compress256(&mut inner, &[Self::inner_block(counter)]);
        let mut outer = self.outer;
        compress256(&mut outer, &[Self::outer_block(&inner)]);
        let mut tag = [0u8; 32];
        for (i, word) in outer.iter().enumerate() {
            tag[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
        }
        truncate_bytes(&tag)
    }
}

/// SHA-512 HMAC with precomputed states.
#[derive(Clone, Copy, Debug)]
pub struct Sha512Keyed {
    inner: [u64; 8],
    outer: [u64; 8],
}

impl Sha512Keyed {
    /// The states after key ⊕ ipad and key ⊕ opad (the SIMD lanes start there).
    pub(super) fn states(&self) -> (&[u64; 8], &[u64; 8]) {
        (&self.inner, &self.outer)
    }

    /// Precomputes the states for `key`.
    pub fn new(key: &[u8]) -> Self {
        let block: [u8; 128] = key_block(Algorithm::Sha512, key);
        let (mut inner, mut outer) = (SHA512_IV, SHA512_IV);
        compress512(&mut inner, &[xor(&block, 0x36)]);
        compress512(&mut outer, &[xor(&block, 0x5c)]);
        Sha512Keyed { inner, outer }
    }

    /// The 31-bit truncated value for `counter`.
    #[inline]
    pub fn value(&self, counter: u64) -> u32 {
        let mut block = [0u8; 128];
        block[..8].copy_from_slice(&counter.to_be_bytes());
        block[8] = 0x80;
        block[112..].copy_from_slice(&((128u128 + 8) * 8).to_be_bytes());
        let mut inner = self.inner;
        compress512(&mut inner, &[block]);
        let mut block = [0u8; 128];
        for (i, word) in inner.iter().enumerate() {
            block[8 * i..8 * i + 8].copy_from_slice(&word.to_be_bytes());
        }
        block[64] = 0x80;
        block[112..].copy_from_slice(&((128u128 + 64) * 8).to_be_bytes());
        let mut outer = self.outer;
        compress512(&mut outer, &[block]);
        let mut tag = [0u8; 64];
        for (i, word) in outer.iter().enumerate() {
            tag[8 * i..8 * i + 8].copy_from_slice(&word.to_be_bytes());
        }
        truncate_bytes(&tag)
    }
}

/// HMAC-SHA3 with the Keccak states after absorbing key ⊕ ipad / ⊕ opad
/// (one full rate block each), so a code costs two permutations.
#[derive(Clone, Copy, Debug)]
pub struct Sha3Keyed {
    inner: [u64; 25],
    outer: [u64; 25],
    /// Rate in bytes (the HMAC block size).
    rate: usize,
    /// Digest length in bytes.
    digest: usize,
    f1600: keccak::Fn1600,
}

/// XORs `bytes` into the state lanes (little-endian), starting at byte 0.
fn absorb(state: &mut [u64; 25], bytes: &[u8]) {
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let mut lane = [0u8; 8];
        lane[..chunk.len()].copy_from_slice(chunk);
        state[i] ^= u64::from_le_bytes(lane);
    }
}

/// XORs one byte at position `at`.
fn absorb_byte(state: &mut [u64; 25], at: usize, byte: u8) {
    state[at / 8] ^= u64::from(byte) << (8 * (at % 8));
}

/// A SHA-3 variant's rate (its HMAC block) and digest length in bytes
/// (others get SHA3-256's; the dispatchers never ask for them).
pub(super) fn sha3_sizes(algorithm: Algorithm) -> (usize, usize) {
    match algorithm {
        Algorithm::Sha3_224 => (144, 28),
        Algorithm::Sha3_384 => (104, 48),
        Algorithm::Sha3_512 => (72, 64),
        _ => (136, 32),
    }
}

impl Sha3Keyed {
    /// The states after key ⊕ ipad and key ⊕ opad, the rate and the digest
    /// length in bytes (the SIMD lanes start there).
    pub(super) fn parts(&self) -> (&[u64; 25], &[u64; 25], usize, usize) {
        (&self.inner, &self.outer, self.rate, self.digest)
    }

    /// Precomputes the states for `key`; `algorithm` must be a SHA-3 variant
    /// (others get SHA3-256's sizes; the dispatcher never asks for them).
    pub fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        let (rate, digest) = sha3_sizes(algorithm);
        let mut f1600: keccak::Fn1600 = |_| {};
        keccak::Keccak::new().with_f1600(|f| f1600 = f);
        let mut block = [0u8; 144];
        if key.len() > rate {
            let d = hash(algorithm, key);
            block[..d.len()].copy_from_slice(&d);
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut inner = [0u64; 25];
        let mut outer = [0u64; 25];
        let ipad: Vec<u8> = block[..rate].iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = block[..rate].iter().map(|b| b ^ 0x5c).collect();
        absorb(&mut inner, &ipad);
        f1600(&mut inner);
        absorb(&mut outer, &opad);
        f1600(&mut outer);
        Sha3Keyed {
            inner,
            outer,
            rate,
            digest,
            f1600,
        }
    }

    /// The 31-bit truncated value for `counter`.
    #[inline]
    pub fn value(&self, counter: u64) -> u32 {
        let mut inner = self.inner;
        absorb(&mut inner, &counter.to_be_bytes());
        absorb_byte(&mut inner, 8, 0x06);
        absorb_byte(&mut inner, self.rate - 1, 0x80);
        (self.f1600)(&mut inner);
        let mut digest = [0u8; 64];
        for (i, lane) in inner.iter().take(8).enumerate() {
            digest[8 * i..8 * i + 8].copy_from_slice(&lane.to_le_bytes());
        }
        let mut outer = self.outer;
        absorb(&mut outer, &digest[..self.digest]);
        absorb_byte(&mut outer, self.digest, 0x06);
        absorb_byte(&mut outer, self.rate - 1, 0x80);
        (self.f1600)(&mut outer);
        let mut tag = [0u8; 64];
        for (i, lane) in outer.iter().take(8).enumerate() {
            tag[8 * i..8 * i + 8].copy_from_slice(&lane.to_le_bytes());
        }
        truncate_bytes(&tag[..self.digest])
    }
}

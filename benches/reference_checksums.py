#!/usr/bin/env python3
"""The checksums of `skewsim bulk`'s two workloads, computed independently of
the Rust code (vectors/generate.py's HOTP: Python's standard `hmac`/`hashlib`),
for tests/integration/cli.rs's check that every backend reproduces them.

    python3 benches/reference_checksums.py              # the test's workloads
    python3 benches/reference_checksums.py --documented # docs/cli.md's 10^7 ones (minutes)

Workload 1: the sum of the codes of one secret (RFC 6238's 20-byte SHA-1
seed) over N consecutive steps from --from 1700000000, period 30.
Workload 2: the sum of the code at that step of each of the secrets 0..N,
secret i being the first 20 bytes of the little-endian outputs of splitmix64
started at state i. Six digits; the sums wrap at 2^64 (they never do here).
"""
import os
import sys

# HOTP as vectors/generate.py computes every vector (hmac/hashlib, RFC 4226 §5.3).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors"))
from generate import hotp_value  # noqa: E402

ALGORITHMS = ["sha1", "sha256", "sha512", "sha3-256"]
SEED = b"12345678901234567890"
FROM = 1700000000
PERIOD = 30
MASK = (1 << 64) - 1
# Three full chunks of 16,384 codes (src/bulk/mod.rs CHUNK) and an odd tail,
# so the parallel split and every backend's partial lanes are both exercised.
CODES = 50_001


def splitmix_key(i, length=20):
    state, out = i, b""
    while len(out) < length:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out += (z ^ (z >> 31)).to_bytes(8, "little")
    return out[:length]


def steps_checksum(alg, n):
    first = FROM // PERIOD
    return sum(hotp_value(alg, SEED, first + i) % 10**6 for i in range(n)) & MASK


def secrets_checksum(alg, n):
    counter = FROM // PERIOD
    return sum(hotp_value(alg, splitmix_key(i), counter) % 10**6 for i in range(n)) & MASK


def main():
    if "--documented" in sys.argv:
        cases = [("sha1", 10_000_000)]
    else:
        cases = [(alg, CODES) for alg in ALGORITHMS]
    print("algorithm,codes,steps_checksum,secrets_checksum")
    for alg, n in cases:
        print(f"{alg},{n},{steps_checksum(alg, n)},{secrets_checksum(alg, n)}")


if __name__ == "__main__":
    main()

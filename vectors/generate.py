#!/usr/bin/env python3
"""Regenerates every CSV in vectors/ from an implementation independent of the
Rust code: Python's standard `hmac` and `hashlib`, written from RFC 4226 §5.3
and RFC 6238 §4 directly. Rows are cross-checked, where the tool supports
them, against Debian's `oathtool` and PyPI's `pyotp` when those are installed.

    python3 vectors/generate.py            # rewrite the files
    python3 vectors/generate.py --check    # fail if a file would change

The RFC files are transcriptions of the RFC tables (constants below); the
script recomputes every value and refuses to write if one disagrees.
"""
import base64
import csv
import hashlib
import hmac
import io
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

HASHES = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
    "sha3-224": hashlib.sha3_224,
    "sha3-256": hashlib.sha3_256,
    "sha3-384": hashlib.sha3_384,
    "sha3-512": hashlib.sha3_512,
}
BLOCK = {"sha1": 64, "sha256": 64, "sha512": 128, "sha3-224": 144, "sha3-256": 136, "sha3-384": 104, "sha3-512": 72}

SEED20 = b"12345678901234567890"
SEED32 = b"12345678901234567890123456789012"
SEED64 = b"1234567890123456789012345678901234567890123456789012345678901234"


def mac(alg, key, counter_bytes):
    return hmac.new(key, counter_bytes, HASHES[alg]).digest()


def truncate(tag):
    off = tag[-1] & 0x0F
    return int.from_bytes(tag[off:off + 4], "big") & 0x7FFFFFFF


def hotp_value(alg, key, counter):
    return truncate(mac(alg, key, counter.to_bytes(8, "big")))


def code(value, digits):
    return str(value % 10 ** digits).zfill(digits)


def totp(alg, key, digits, period, t0, time):
    assert time >= t0 and period > 0
    return code(hotp_value(alg, key, (time - t0) // period), digits)


def test_key(n, tag="key"):
    """A deterministic n-byte key: SHA-256 of a label, repeated."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"skewsim-{tag}-{n}-{i}".encode()).digest()
        i += 1
    return out[:n]


# ---------------------------------------------------------------- cross-checks
CROSS = {"oathtool": 0, "pyotp": 0}


def oathtool(alg, key, digits, period, t0, time):
    if not shutil.which("oathtool") or alg not in ("sha1", "sha256", "sha512") or digits > 8:
        return None
    out = subprocess.run(
        ["oathtool", f"--totp={alg}", "-d", str(digits), "-s", f"{period}s", "-S", f"@{t0}", "-N", f"@{time}", key.hex()],
        capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def pyotp_code(alg, key, digits, period, t0, time):
    try:
        import pyotp  # noqa: F401
    except ImportError:
        return None
    if len(key) < 14:  # pyotp refuses keys under 112 bits
        return None
    secret = base64.b32encode(key).decode().rstrip("=")
    # pyotp's TOTP takes no T0, periods up to 120 s and years up to 9999.
    if t0 == 0 and period <= 120 and time < 253402300800:
        return pyotp.TOTP(secret, digits=digits, digest=HASHES[alg], interval=period).at(time)
    return pyotp.HOTP(secret, digits=digits, digest=HASHES[alg]).at((time - t0) // period)


def cross_check(row):
    """Asserts oathtool and pyotp agree with our value wherever they apply."""
    alg, key = row["algorithm"], bytes.fromhex(row["secret_hex"])
    args = (alg, key, int(row["digits"]), int(row["period"]), int(row["t0"]), int(row["time"]))
    want = totp(*args)
    # oathtool parses times as time_t and dates through the C library: keep to sane years.
    if int(row["time"]) < 2 ** 40 and len(key) <= 64 * 4:
        got = oathtool(*args)
        if got is not None:
            assert got == want, (row, got)
            CROSS["oathtool"] += 1
    if int(row["digits"]) <= 10:
        got = pyotp_code(*args)
        if got is not None:
            assert got == want, (row, got)
            CROSS["pyotp"] += 1


# ---------------------------------------------------------------- RFC 4226
RFC4226 = [  # count, HMAC-SHA-1, truncated hex, truncated decimal, HOTP (Appendix D, verbatim)
    (0, "cc93cf18508d94934c64b65d8ba7667fb7cde4b0", "4c93cf18", 1284755224, "755224"),
    (1, "75a48a19d4cbe100644e8ac1397eea747a2d33ab", "41397eea", 1094287082, "287082"),
    (2, "0bacb7fa082fef30782211938bc1c5e70416ff44", "82fef30", 137359152, "359152"),
    (3, "66c28227d03a2d5529262ff016a1e6ef76557ece", "66ef7655", 1726969429, "969429"),
    (4, "a904c900a64b35909874b33e61c5938a8e15ed1c", "61c5938a", 1640338314, "338314"),
    (5, "a37e783d7b7233c083d4f62926c7a25f238d0316", "33c083d4", 868254676, "254676"),
    (6, "bc9cd28561042c83f219324d3c607256c03272ae", "7256c032", 1918287922, "287922"),
    (7, "a4fb960c0bc06e1eabb804e5b397cdc4b45596fa", "4e5b397", 82162583, "162583"),
    (8, "1b3c89f65e6c9e883012052823443f048b4332db", "2823443f", 673399871, "399871"),
    (9, "1637409809a679dc698207310c8c7fc07290d9e5", "2679dc69", 645520489, "520489"),
]


def rfc4226_rows():
    rows = []
    for count, tag_hex, trunc_hex, trunc_dec, otp in RFC4226:
        tag = mac("sha1", SEED20, count.to_bytes(8, "big"))
        assert tag.hex() == tag_hex and truncate(tag) == trunc_dec and int(trunc_hex, 16) == trunc_dec
        assert code(trunc_dec, 6) == otp
        rows.append({"id": f"rfc4226-d-{count}", "secret_hex": SEED20.hex(), "counter": count,
                     "hmac_sha1_hex": tag_hex, "truncated_hex": trunc_hex, "truncated_dec": trunc_dec,
                     "digits": 6, "expected": otp, "comment": f"RFC 4226 Appendix D, count {count}"})
    return rows


# ---------------------------------------------------------------- RFC 6238
RFC6238 = [  # time, SHA1, SHA256, SHA512 (Appendix B, verbatim)
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
TOTP_FIELDS = ["id", "algorithm", "secret_hex", "digits", "period", "t0", "time", "expected", "result", "comment"]


def rfc6238_rows():
    rows = []
    seeds = {"sha1": SEED20, "sha256": SEED32, "sha512": SEED64}
    for time, *otps in RFC6238:
        for alg, otp in zip(("sha1", "sha256", "sha512"), otps):
            assert totp(alg, seeds[alg], 8, 30, 0, time) == otp, (alg, time)
            rows.append({"id": f"rfc6238-b-{alg}-{time}", "algorithm": alg, "secret_hex": seeds[alg].hex(),
                         "digits": 8, "period": 30, "t0": 0, "time": time, "expected": otp, "result": "valid",
                         "comment": f"RFC 6238 Appendix B, {alg.upper()}, {len(seeds[alg])}-byte seed as in Appendix A"})
    for time, _, sha256, sha512 in RFC6238:
        for alg, otp in (("sha256", sha256), ("sha512", sha512)):
            wrong = totp(alg, SEED20, 8, 30, 0, time)
            assert wrong != otp
            rows.append({"id": f"rfc6238-erratum-{alg}-{time}", "algorithm": alg, "secret_hex": SEED20.hex(),
                         "digits": 8, "period": 30, "t0": 0, "time": time, "expected": otp, "result": "invalid",
                         "comment": f"seed erratum: the 20-byte seed must NOT give the published {alg.upper()} value "
                                    f"(it gives {wrong}); an implementation that passes here pads or reuses seeds"})
    return rows


# ---------------------------------------------------------------- extended
def extended_rows():
    rows = []

    def add(tag, alg, key, digits, period, t0, time, comment):
        rows.append({"id": f"ext-{len(rows) + 1:04d}-{tag}", "algorithm": alg, "secret_hex": key.hex(),
                     "digits": digits, "period": period, "t0": t0, "time": time,
                     "expected": totp(alg, key, digits, period, t0, time), "result": "valid", "comment": comment})

    # 1. Every algorithm x every digit count, at the RFC times, with the RFC seeds.
    for alg in HASHES:
        key = SEED64 if alg in ("sha512", "sha3-512", "sha3-384") else SEED32 if alg != "sha1" else SEED20
        for digits in range(6, 11):
            for time in (59, 1111111109, 2000000000, 20000000000):
                add("alg-digits", alg, key, digits, 30, 0, time, f"{alg}, {digits} digits, RFC seed of {len(key)} bytes")
    # 2. Key lengths around every block size (keys longer than the block are hashed first).
    lengths = sorted({1, 10, 16, 20, 32, 63, 64, 65, 71, 72, 73, 103, 104, 105, 127, 128, 129, 135, 136, 137, 143, 144, 145, 200, 256})
    for alg in HASHES:
        for n in lengths:
            add("keylen", alg, test_key(n), 6 + n % 5, 30, 0, 1700000000 + n,
                f"{alg}, {n}-byte key (block {BLOCK[alg]})")
    # 3. Periods from 1 s to a day, and T0 other than 0.
    for period in (1, 2, 15, 30, 45, 60, 90, 300, 3600, 86400):
        for t0 in (0, 1, 29, 1000, 1700000000):
            for alg in ("sha1", "sha256", "sha3-256"):
                time = t0 + 123456789
                add("period-t0", alg, test_key(20, "p"), 6 if period < 60 else 8, period, t0, time,
                    f"period {period}s, T0 {t0}")
    # 4. Step boundaries: the last second of a step, its first, the next.
    for period in (1, 30, 60, 3600):
        for t0 in (0, 7):
            for k in (1, 2, 56666666):
                edge = t0 + k * period
                for time in (edge - 1, edge, edge + 1):
                    if time >= t0:
                        add("boundary", "sha1", SEED20, 6, period, t0, time,
                            f"step boundary {edge} (period {period}, T0 {t0}), time {time - edge:+d}")
    # 5. T0 equal to the time (counter 0).
    for alg in ("sha1", "sha512", "sha3-224"):
        add("t0-eq-time", alg, test_key(20, "t0"), 6, 30, 1234567890, 1234567890, "time equal to T0: counter 0")
    # 6. Times at the 32-bit edges, the year 2603 and far beyond (64-bit counters).
    for time in (2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 20000000000, 2**40, 2**53 + 1, 2**62, 2**63 - 1, 2**63, 2**64 - 1):
        for period in (1, 30):
            for alg in ("sha1", "sha256", "sha3-512"):
                add("bigtime", alg, SEED20, 8, period, 0, time, f"time {time} (counter {time // period:#x})")
    # 7. Period as large as it gets.
    add("maxperiod", "sha1", SEED20, 6, 2**64 - 1, 0, 2**64 - 2, "period u64::MAX: counter 0")
    add("maxperiod", "sha1", SEED20, 6, 2**64 - 1, 0, 2**64 - 1, "period u64::MAX: counter 1 at the very last second")
    return rows


# ---------------------------------------------------------------- classic bugs
def bug_rows():
    """What well-known bugs print, where it differs from the right code.
    A conforming implementation must NOT reproduce any `expected` here."""
    rows = []

    def add(bug, alg, key, digits, period, t0, time, wrong, comment):
        right = totp(alg, key, digits, period, t0, time)
        if wrong == right:
            return
        rows.append({"id": f"bug-{len(rows) + 1:03d}-{bug}", "algorithm": alg, "secret_hex": key.hex(),
                     "digits": digits, "period": period, "t0": t0, "time": time, "expected": wrong,
                     "result": "invalid", "comment": f"{comment} (right: {right})"})

    times = (59, 1111111109, 1234567890, 1700000000, 2000000000, 20000000000)
    for alg in ("sha256", "sha512", "sha3-256", "sha3-512"):
        for time in times:
            tag = mac(alg, SEED32, (time // 30).to_bytes(8, "big"))
            off = tag[19] & 0x0F
            wrong = code(int.from_bytes(tag[off:off + 4], "big") & 0x7FFFFFFF, 8)
            add("byte19", alg, SEED32, 8, 30, 0, time, wrong, "truncation offset taken from byte 19 (SHA-1's last) not the last byte")
    for time in (2**32, 2**32 + 12345, 2**33, 20000000000 * 3):
        wrong = code(hotp_value("sha1", SEED20, (time % 2**32) // 30), 8)
        add("time32", "sha1", SEED20, 8, 30, 0, time, wrong, "time truncated to 32 bits")
    for time in (2**32, 2**32 + 99, 2**33 + 5, 2**40):
        wrong = code(hotp_value("sha1", SEED20, time % 2**32), 6)
        add("counter32", "sha1", SEED20, 6, 1, 0, time, wrong, "counter truncated to 32 bits")
    for time in range(0, 3000, 30):
        tag = mac("sha1", SEED20, (time // 30).to_bytes(8, "big"))
        off = tag[-1] & 0x0F
        unmasked = int.from_bytes(tag[off:off + 4], "big")
        if unmasked >= 2**31:
            add("nomask", "sha1", SEED20, 6, 30, 0, time, code(unmasked, 6), "top bit not masked (0x7fffffff missing)")
        if len([r for r in rows if "nomask" in r["id"]]) >= 6:
            break
    for alg, n in (("sha256", 32), ("sha512", 64)):
        padded = (SEED20 * 4)[:n]
        for time in times[:4]:
            add("keypad", alg, SEED20, 8, 30, 0, time, totp(alg, padded, 8, 30, 0, time),
                f"20-byte key repeated to {n} bytes (old otplib/speakeasy)")
    for time in (1700000014, 1700000016, 1700000044, 1111111125):
        add("round", "sha1", SEED20, 6, 30, 0, time, code(hotp_value("sha1", SEED20, round(time / 30)), 6),
            "T rounded instead of floored")
    for t0 in (100, 1000, 86400):
        time = 1700000000
        add("no-t0", "sha1", SEED20, 6, 30, t0, time, totp("sha1", SEED20, 6, 30, 0, time), "T0 ignored")
    for time in (59, 1111111109, 1234567890, 2000000000):
        secret_b32 = base64.b32encode(SEED20).decode()
        add("b32-as-ascii", "sha1", SEED20, 6, 30, 0, time, totp("sha1", secret_b32.encode(), 6, 30, 0, time),
            "base32 text used as the key instead of its decoded bytes")
    for time in (59, 1111111109, 1234567890, 2000000000, 20000000000):
        value = hotp_value("sha1", SEED20, time // 30)
        add("mod32", "sha1", SEED20, 10, 30, 0, time, str(value % (10**10 % 2**32)).zfill(10),
            "10^10 computed in 32-bit arithmetic (wraps to 1410065408)")
    return rows


# ---------------------------------------------------------------- verification windows
VERIFY_FIELDS = ["id", "algorithm", "secret_hex", "digits", "period", "t0", "time", "code", "behind", "ahead", "expected", "comment"]


def verify_rows():
    rows = []

    def preferred(behind, ahead):
        out = [0] if True else []
        for d in range(1, max(behind, ahead) + 1):
            out += [-d, d]
        return [o for o in out if -behind <= o <= ahead]

    for alg, key in (("sha1", SEED20), ("sha256", SEED32)):
        for behind, ahead in ((0, 0), (1, 1), (2, 0), (0, 2), (3, 1), (10, 10)):
            for shift in range(-4, 5):
                time = 1700000000 + 17
                now = (time - 0) // 30
                if now + shift < 0:
                    continue
                submitted = code(hotp_value(alg, key, now + shift), 6)
                matches = [o for o in preferred(behind, ahead) if code(hotp_value(alg, key, now + o), 6) == submitted]
                expected = f"accepted:{matches[0]}" if matches else "rejected"
                rows.append({"id": f"verify-{len(rows) + 1:03d}", "algorithm": alg, "secret_hex": key.hex(),
                             "digits": 6, "period": 30, "t0": 0, "time": time, "code": submitted,
                             "behind": behind, "ahead": ahead, "expected": expected,
                             "comment": f"code of step {shift:+d}, window -{behind}/+{ahead}"})
    # Near counter 0: steps before T0 do not exist and must not wrap around.
    for time in (0, 29, 30, 59):
        for shift in (-1, 0, 1):
            now = time // 30
            if now + shift < 0:
                continue
            submitted = code(hotp_value("sha1", SEED20, now + shift), 6)
            matches = [o for o in preferred(2, 2) if now + o >= 0 and code(hotp_value("sha1", SEED20, now + o), 6) == submitted]
            rows.append({"id": f"verify-{len(rows) + 1:03d}", "algorithm": "sha1", "secret_hex": SEED20.hex(),
                         "digits": 6, "period": 30, "t0": 0, "time": time, "code": submitted, "behind": 2, "ahead": 2,
                         "expected": f"accepted:{matches[0]}" if matches else "rejected",
                         "comment": f"near counter 0 (time {time}), code of step {shift:+d}"})
    # Codes that are simply wrong.
    for wrong in ("000000", "999999", "123456"):
        time = 1700000000
        now = time // 30
        matches = [o for o in preferred(1, 1) if code(hotp_value("sha1", SEED20, now + o), 6) == wrong]
        rows.append({"id": f"verify-{len(rows) + 1:03d}", "algorithm": "sha1", "secret_hex": SEED20.hex(),
                     "digits": 6, "period": 30, "t0": 0, "time": time, "code": wrong, "behind": 1, "ahead": 1,
                     "expected": f"accepted:{matches[0]}" if matches else "rejected", "comment": "an arbitrary code"})
    return rows


# ---------------------------------------------------------------- secrets
SECRET_FIELDS = ["id", "encoding", "input", "result", "hex", "error", "comment"]


def secret_rows():
    rows = []

    def ok(enc, text, raw, comment):
        rows.append({"id": f"secret-{len(rows) + 1:03d}", "encoding": enc, "input": text, "result": "valid",
                     "hex": raw.hex(), "error": "", "comment": comment})

    def bad(enc, text, error, comment):
        rows.append({"id": f"secret-{len(rows) + 1:03d}", "encoding": enc, "input": text, "result": "invalid",
                     "hex": "", "error": error, "comment": comment})

    # RFC 4648 §10 test vectors, with and without padding.
    for raw in (b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"):
        b32 = base64.b32encode(raw).decode()
        ok("base32", b32, raw, f"RFC 4648 §10 BASE32({raw.decode()!r}), padded")
        ok("base32", b32.rstrip("="), raw, f"RFC 4648 §10 BASE32({raw.decode()!r}), unpadded")
        ok("base32", b32.lower(), raw, f"RFC 4648 §10 BASE32({raw.decode()!r}), lower case")
    b32 = base64.b32encode(SEED20).decode()
    ok("base32", b32, SEED20, "RFC 6238 seed")
    ok("base32", " ".join(b32[i:i + 4] for i in range(0, len(b32), 4)), SEED20, "grouped by 4 with spaces, as apps show it")
    ok("base32", "-".join(b32[i:i + 4].lower() for i in range(0, len(b32), 4)), SEED20, "grouped with hyphens, lower case")
    ok("base32", "JBSWY3DPEHPK3PXP", base64.b32decode("JBSWY3DPEHPK3PXP"), "the Key URI Format's example secret")
    for n in (1, 2, 3, 4, 5, 10, 16, 26, 32, 64, 100):
        raw = test_key(n, "b32")
        ok("base32", base64.b32encode(raw).decode().rstrip("="), raw, f"{n} bytes, unpadded")
    ok("base32", base64.b32encode(test_key(16, "b32")).decode() + "", test_key(16, "b32"), "16 bytes, 26 symbols + 6 '='")
    bad("base32", "GEZ!GNBV", "char", "'!' is not in the alphabet")
    bad("base32", "GEZDGNB1", "char", "'1' is not in the base32 alphabet (only 2-7)")
    bad("base32", "GEZDGNB0", "char", "'0' is not in the alphabet")
    bad("base32", "GEZDGNB8", "char", "'8' is not in the alphabet")
    bad("base32", "GEZD_GNBV", "char", "underscore is not a separator")
    bad("base32", "GEZD\tGNBV", "char", "tab is not a separator")
    bad("base32", "GEZDGNBVÉ", "char", "non-ASCII letter")
    bad("base32", "MZ=XW6", "padding", "padding in the middle")
    bad("base32", "MZXW6===A", "padding", "data after padding")
    bad("base32", "A", "length", "1 symbol cannot encode a byte")
    bad("base32", "ABC", "length", "3 symbols leave a partial byte")
    bad("base32", "ABCDEF", "length", "6 symbols leave a partial byte")
    bad("base32", "ABCDEFGHA", "length", "9 symbols (8+1)")
    bad("base32", "", "empty", "empty")
    bad("base32", "   ", "empty", "only spaces")
    bad("base32", "====", "empty", "only padding")
    ok("hex", SEED20.hex(), SEED20, "RFC 4226 seed")
    ok("hex", SEED20.hex().upper(), SEED20, "upper case")
    ok("hex", "00", b"\x00", "one zero byte")
    ok("hex", "ff" * 200, b"\xff" * 200, "200 bytes, longer than every block")
    bad("hex", "313", "length", "odd number of digits")
    bad("hex", "31g2", "char", "g is not hex")
    bad("hex", "0x3132", "char", "no 0x prefix")
    bad("hex", "", "empty", "empty")
    return rows


# ---------------------------------------------------------------- otpauth URIs
URI_FIELDS = ["id", "uri", "result", "kind", "secret_hex", "issuer", "account", "algorithm", "digits", "period", "counter", "error", "comment"]


def uri_rows():
    rows = []
    jbs = base64.b32decode("JBSWY3DPEHPK3PXP").hex()

    def ok(uri, kind, secret_hex, issuer, account, alg, digits, period, counter, comment):
        rows.append({"id": f"uri-{len(rows) + 1:03d}", "uri": uri, "result": "valid", "kind": kind, "secret_hex": secret_hex,
                     "issuer": issuer, "account": account, "algorithm": alg, "digits": digits, "period": period,
                     "counter": counter, "error": "", "comment": comment})

    def bad(uri, error, comment):
        rows.append({"id": f"uri-{len(rows) + 1:03d}", "uri": uri, "result": "invalid", "kind": "", "secret_hex": "",
                     "issuer": "", "account": "", "algorithm": "", "digits": "", "period": "", "counter": "",
                     "error": error, "comment": comment})

    ok("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example", "totp", jbs, "Example",
       "alice@google.com", "sha1", 6, 30, "", "the Key URI Format's own example")
    ok("otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
       "totp", base64.b32decode("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ").hex(), "ACME Co", "john.doe@email.com", "sha1", 6, 30, "",
       "the Key URI Format's full example")
    ok("otpauth://totp/ACME%20Co%3Ajohn?secret=JBSWY3DPEHPK3PXP", "totp", jbs, "ACME Co", "john", "sha1", 6, 30, "",
       "issuer prefix with an encoded colon, no issuer parameter")
    ok("otpauth://totp/ACME:%20%20john?secret=JBSWY3DPEHPK3PXP&issuer=ACME", "totp", jbs, "ACME", "john", "sha1", 6, 30, "",
       "spaces after the colon are dropped")
    ok("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP", "totp", jbs, "", "john", "sha1", 6, 30, "", "no issuer at all")
    ok("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&issuer=Big+Corp", "totp", jbs, "Big Corp", "john", "sha1", 6, 30, "",
       "'+' in a parameter is a space (form encoding)")
    ok("otpauth://totp/j%C3%B6rg?secret=JBSWY3DPEHPK3PXP", "totp", jbs, "", "jörg", "sha1", 6, 30, "", "UTF-8 in the label")
    ok("OTPAUTH://TOTP/john?SECRET=jbswy3dpehpk3pxp&Algorithm=sha256", "totp", jbs, "", "john", "sha256", 6, 30, "",
       "scheme, type, parameter names and values in other cases")
    ok("otpauth://totp/john?secret=JBSW%20Y3DP%20EHPK%203PXP", "totp", jbs, "", "john", "sha1", 6, 30, "", "spaces in the secret")
    ok("otpauth://totp/john?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ%3D%3D%3D%3D", "totp", SEED20.hex(), "", "john", "sha1", 6, 30, "",
       "encoded padding in the secret")
    ok("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60", "totp", jbs, "", "john", "sha512", 8, 60, "",
       "SHA512, 8 digits, 60 s")
    ok("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&algorithm=SHA3-256&digits=10&period=1", "totp", jbs, "", "john", "sha3-256", 10, 1, "",
       "SHA3-256 (our extension), 10 digits, 1 s")
    ok("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fexample.com%2Fa.png", "totp", jbs, "", "john", "sha1", 6, 30, "",
       "unknown parameters are ignored")
    ok("otpauth://hotp/john?secret=JBSWY3DPEHPK3PXP&counter=0", "hotp", jbs, "", "john", "sha1", 6, "", 0, "hotp with counter 0")
    ok("otpauth://hotp/Co:john?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551615&issuer=Co", "hotp", jbs, "Co", "john", "sha1", 6, "",
       2**64 - 1, "hotp with the largest counter")
    ok("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP#fragment", "totp", jbs, "", "john", "sha1", 6, 30, "", "a fragment is ignored")
    bad("https://totp/john?secret=JBSWY3DPEHPK3PXP", "scheme", "wrong scheme")
    bad("otpauth:/totp/john?secret=JBSWY3DPEHPK3PXP", "scheme", "one slash")
    bad("otpauth://motp/john?secret=JBSWY3DPEHPK3PXP", "type", "unknown type")
    bad("otpauth://totp?secret=JBSWY3DPEHPK3PXP", "label", "no label")
    bad("otpauth://totp/?secret=JBSWY3DPEHPK3PXP", "label", "empty label")
    bad("otpauth://totp/Issuer:?secret=JBSWY3DPEHPK3PXP", "label", "issuer but no account")
    bad("otpauth://totp/john", "secret", "no query")
    bad("otpauth://totp/john?issuer=X", "secret", "missing secret")
    bad("otpauth://totp/john?secret=", "secret", "empty secret")
    bad("otpauth://totp/john?secret=JBSW!3DP", "secret", "secret not base32")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP", "duplicate", "secret twice")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&digits=6&digits=8", "duplicate", "digits twice")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&digits=abc", "digits", "digits not a number")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&digits=5", "digits", "digits below 6")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&digits=11", "digits", "digits above 10")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&digits=-6", "digits", "negative digits")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&period=0", "period", "period 0")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&period=30s", "period", "period with a unit")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&period=18446744073709551616", "period", "period past u64")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", "algorithm", "unknown algorithm")
    bad("otpauth://hotp/john?secret=JBSWY3DPEHPK3PXP", "counter", "hotp without counter")
    bad("otpauth://hotp/john?secret=JBSWY3DPEHPK3PXP&counter=x", "counter", "counter not a number")
    bad("otpauth://totp/A:john?secret=JBSWY3DPEHPK3PXP&issuer=B", "issuer", "label issuer contradicts issuer parameter")
    bad("otpauth://totp/jo%zzhn?secret=JBSWY3DPEHPK3PXP", "percent", "bad escape in the label")
    bad("otpauth://totp/john%?secret=JBSWY3DPEHPK3PXP", "percent", "truncated escape in the label")
    bad("otpauth://totp/john%C3?secret=JBSWY3DPEHPK3PXP", "percent", "escape that is not UTF-8")
    bad("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&issuer=%G1", "percent", "bad escape in a parameter")
    return rows


# ---------------------------------------------------------------- output
def render(fields, rows, source):
    buf = io.StringIO()
    buf.write(f"# source: {source}\n")
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow(row)
    return buf.getvalue()


def main():
    check = "--check" in sys.argv
    files = {
        "hotp_rfc4226.csv": render(["id", "secret_hex", "counter", "hmac_sha1_hex", "truncated_hex", "truncated_dec", "digits", "expected", "comment"],
                                   rfc4226_rows(), "RFC 4226 Appendix D (transcribed; recomputed by vectors/generate.py)"),
        "totp_rfc6238.csv": render(TOTP_FIELDS, rfc6238_rows(),
                                   "RFC 6238 Appendix B with Appendix A's 20/32/64-byte seeds, plus the seed-erratum negatives (recomputed by vectors/generate.py)"),
        "totp_extended.csv": render(TOTP_FIELDS, extended_rows(),
                                    "skewsim: Python hmac/hashlib (vectors/generate.py), cross-checked with oathtool and pyotp where they apply"),
        "totp_bugs.csv": render(TOTP_FIELDS, bug_rows(),
                                "skewsim: outputs of classic TOTP bugs (vectors/generate.py); a conforming implementation reproduces none"),
        "verify_window.csv": render(VERIFY_FIELDS, verify_rows(), "skewsim: windowed verification (vectors/generate.py)"),
        "secrets.csv": render(SECRET_FIELDS, secret_rows(), "RFC 4648 §10 and skewsim's base32/hex forms (vectors/generate.py)"),
        "otpauth_uri.csv": render(URI_FIELDS, uri_rows(), "Key URI Format examples and skewsim's cases (vectors/generate.py)"),
    }
    for name in ("totp_rfc6238.csv", "totp_extended.csv"):
        for row in csv.DictReader(line for line in io.StringIO(files[name]) if not line.startswith("#")):
            if row["result"] == "valid":
                cross_check(row)
    stale = []
    for name, text in files.items():
        path = os.path.join(HERE, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(name)
            if not check:
                with open(path + ".tmp", "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(path + ".tmp", path)
    print(f"cross-checked rows: oathtool {CROSS['oathtool']}, pyotp {CROSS['pyotp']}")
    if check and stale:
        sys.exit(f"stale: {', '.join(stale)}")
    print("changed: " + (", ".join(stale) if stale else "nothing"))


if __name__ == "__main__":
    main()

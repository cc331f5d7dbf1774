"""pyotp 2.12 as a verifier: TOTP.verify(code, for_time=T, valid_window=W).
Stateless; a site confirms the enrollment code the same way. `--window W`
(default 0, pyotp's default) exists so that the lab can be shown to fail: the
real pyotp with window 1 announced as the `pyotp` preset (window 0).
`--clock real`: for_time=None, pyotp reads its own clock."""

import argparse
import base64
from importlib.metadata import version

import pyotp

from protocol import Clock, add_clock_argument, serve, stamp


class PyOtp:
    def __init__(self, window, clock):
        self.window = window
        self.clock = clock
        self.users = {}

    def op_hello(self, _):
        return {"name": f"pyotp {version('pyotp')} (valid_window={self.window})", "policy": "pyotp",
                "enroll_codes": 1}

    def op_setup(self, r):
        secret = base64.b32encode(bytes.fromhex(r["secret_hex"])).decode()
        self.users[r["user"]] = pyotp.TOTP(secret, digits=r["digits"], interval=r["period_s"])
        return {}

    def check(self, r, code):
        totp = self.users[r["user"]]
        at = self.clock.seconds(r)
        accepted, time_ms = self.clock.decide(r, lambda: totp.verify(code, for_time=at, valid_window=self.window))
        return stamp({"accepted": accepted, "state": {}}, time_ms)

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("pyotp confirms one code")
        return self.check(r, r["codes"][0])

    def op_login(self, r):
        return self.check(r, r["code"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=int, default=0)
    add_clock_argument(parser)
    args = parser.parse_args()
    serve(PyOtp(args.window, Clock(args.clock)))

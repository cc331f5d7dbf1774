"""passlib 1.7.4 as a verifier: TOTP.match(code, time=T, window=W, skew=S,
last_counter=L). `window` and `skew` are in seconds (passlib's defaults 30
and 0: steps -1..+1); passlib reads the time as whole seconds (int() of a
float) and searches the steps (T + S - W) // period .. (T + S + W) // period,
never below `last_counter`, and refuses a match at `last_counter` itself
(UsedTokenError).

`last_counter` is state the caller keeps. The adapter keeps it per user the
way Flask-Security 5.9's `Totp.verify_totp` passes it: `get_last_counter(user)`
into every match, `set_last_counter(user, match)` after every success (the
enrollment's confirmation included), a subclass storing `match.counter` as
passlib's documentation advises (TotpMatch.counter: "ignore tokens matching
this counter or earlier"). `--no-last-counter`: the hooks as Flask-Security
ships them (None, nothing stored: no replay protection).

`--window SECONDS` (default 30), `--skew SECONDS` (default 0). A window no
preset describes is still announced as the `passlib` preset (`hello`'s name
says which), so that the lab can be shown to fail. `--clock real`: time=None,
passlib reads its own clock."""

import argparse
import base64
import warnings
from importlib.metadata import version

# passlib.utils imports the standard `crypt` module (for the host's crypt(3)
# hashes, not used by TOTP), which Python 3.11 and 3.12 deprecate with a
# DeprecationWarning on import. Hidden by default anyway; filtered here so
# that the adapter's stderr stays clean under -W default or PYTHONWARNINGS.
warnings.filterwarnings("ignore", message="'crypt' is deprecated", category=DeprecationWarning)

from passlib.exc import TokenError  # noqa: E402
from passlib.totp import TOTP  # noqa: E402

from protocol import Clock, add_clock_argument, serve, stamp  # noqa: E402


class Passlib:
    def __init__(self, window, skew, keep_last_counter, clock):
        self.window = window
        self.skew = skew
        self.keep_last_counter = keep_last_counter
        self.clock = clock
        self.users = {}
        self.last_counters = {}

    def op_hello(self, _):
        keeps = "kept" if self.keep_last_counter else "not kept"
        return {"name": f"passlib {version('passlib')} TOTP.match (window={self.window}, skew={self.skew}, "
                        f"last_counter {keeps})",
                "policy": "passlib", "enroll_codes": 1}

    def op_setup(self, r):
        # base32 as a site stores it (passlib's default format).
        key = base64.b32encode(bytes.fromhex(r["secret_hex"])).decode()
        self.users[r["user"]] = TOTP(key=key, digits=r["digits"], period=r["period_s"])
        self.last_counters.pop(r["user"], None)
        return {}

    # Flask-Security's hooks (flask_security/totp.py, Totp.get_last_counter
    # and set_last_counter), implemented as its docstring asks.
    def get_last_counter(self, user):
        return self.last_counters.get(user) if self.keep_last_counter else None

    def set_last_counter(self, user, match):
        if self.keep_last_counter:
            self.last_counters[user] = match.counter

    def check(self, r, code):
        user = r["user"]
        totp = self.users[user]
        # A float: passlib's normalize_time takes int() of it, as of time.time().
        at = self.clock.seconds(r)
        last = self.get_last_counter(user)

        def match():
            try:
                return totp.match(code, time=at, window=self.window, skew=self.skew, last_counter=last), None
            except TokenError as e:  # invalid, malformed, or already used
                return None, type(e).__name__

        (found, refusal), time_ms = self.clock.decide(r, match)
        if found is not None:
            self.set_last_counter(user, found)
        state = {"last_counter": self.get_last_counter(user)}
        if found is not None:
            state["matched"] = found.counter
        else:
            state["refused"] = refusal
        return stamp({"accepted": found is not None, "state": state}, time_ms)

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("passlib confirms one code")
        return self.check(r, r["codes"][0])

    def op_login(self, r):
        return self.check(r, r["code"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=int, default=30, help="TOTP.match's window in seconds (default 30)")
    parser.add_argument("--skew", type=int, default=0, help="TOTP.match's skew in seconds (default 0)")
    parser.add_argument("--no-last-counter", action="store_true",
                        help="pass last_counter=None (Flask-Security's default hooks): no replay protection")
    add_clock_argument(parser)
    args = parser.parse_args()
    serve(Passlib(args.window, args.skew, not args.no_last_counter, Clock(args.clock)))

"""privacyIDEA 3.14 as a verifier, in process: the Flask app on an in-memory
SQLite database, tokens made with init_token, logins through
check_serial_pass (the full path: failcount, maxfail, AutoResync), pairs
through resync_token, one-code enrollment through the token's
verify_enrollment (check_otp); the virtual clock patched as time.time.

`--autoresync` turns the AutoResync setting on (preset
privacyidea-autoresync); `--verify` enrolls with one code (preset
privacyidea-verify); without either, a pair enrollment is privacyIDEA's
resync (preset privacyidea).

`--time-window SECONDS` sets each token's timeWindow (tokeninfo, given to
init_token; privacyIDEA's default 180 s): with W = int(timeWindow /
timeStep), check_otp searches range(counter - W, counter + W), W steps behind
the token's time and W - 1 ahead, so below one step nothing is accepted. No
preset describes other values; the adapter still names the preset it
otherwise matches. `--clock real` leaves time.time alone."""

import argparse
import os
import tempfile
import time
from importlib.metadata import version

from protocol import Clock, add_clock_argument, seconds, serve, stamp

NOW = [0.0]


class PrivacyIdea:
    def __init__(self, autoresync, verify, time_window, clock):
        self.autoresync = autoresync
        self.verify = verify
        self.time_window = time_window
        self.clock = clock
        work = tempfile.mkdtemp(prefix="skewsim-privacyidea-")
        enc = os.path.join(work, "enckey")
        with open(enc, "wb") as f:
            f.write(os.urandom(96))
        cfg = os.path.join(work, "pi.cfg")
        # The log goes with the rest into the temporary folder: privacyIDEA's
        # default is ./privacyidea.log, which would land wherever the lab runs.
        log = os.path.join(work, "privacyidea.log")
        with open(cfg, "w") as f:
            f.write(f"PI_ENCFILE = {enc!r}\nPI_LOGFILE = {log!r}\nPI_LOGLEVEL = 40\nPI_AUDIT_NO_SIGN = True\n")
        os.environ["TEST_DATABASE_URL"] = "sqlite://"
        from privacyidea.app import create_app
        from privacyidea.lib.config import save_config_timestamp, set_privacyidea_config
        from privacyidea.models import db

        self.app = create_app("testing", config_file=cfg, silent=True)
        self.ctx = self.app.app_context()
        self.ctx.push()
        db.create_all()
        if autoresync:
            set_privacyidea_config("AutoResync", True)
        save_config_timestamp()
        db.session.commit()
        if not clock.real:
            # The clock from here on is virtual (config reads above used the real one).
            time.time = lambda: NOW[0]
        from privacyidea.lib import token as lib

        self.lib = lib

    def op_hello(self, _):
        preset = "privacyidea" + ("-autoresync" if self.autoresync else "") + ("-verify" if self.verify else "")
        return {"name": f"privacyIDEA {version('privacyidea')}" + (" AutoResync" if self.autoresync else "")
                + (" verify_enrollment" if self.verify else "")
                + (f" timeWindow={self.time_window}s" if self.time_window is not None else ""),
                "policy": preset, "enroll_codes": 1 if self.verify else 2}

    def set_clock(self, r):
        if not self.clock.real:
            NOW[0] = seconds(r)

    def op_setup(self, r):
        self.set_clock(r)
        params = {"type": "totp", "otpkey": r["secret_hex"], "pin": "", "serial": r["user"],
                  "otplen": r["digits"], "timeStep": r["period_s"]}
        if self.time_window is not None:
            # TotpTokenClass.update writes it to the tokeninfo, where check_otp reads it.
            params["timeWindow"] = self.time_window
        self.lib.init_token(params)
        return {}

    def token(self, user):
        return self.lib.get_tokens(serial=user)[0]

    def state(self, user):
        t = self.token(user)
        return {"timeShift": t.get_tokeninfo("timeShift"), "otp_count": t.token.count,
                "failcount": t.token.failcount}

    def decide(self, r, call):
        self.set_clock(r)
        ok, time_ms = self.clock.decide(r, call)
        return stamp({"accepted": bool(ok), "state": self.state(r["user"])}, time_ms)

    def op_enroll(self, r):
        codes = r["codes"]
        if len(codes) == 2 and not self.verify:
            return self.decide(r, lambda: self.lib.resync_token(r["user"], codes[0], codes[1]))
        if len(codes) == 1 and self.verify:
            return self.decide(r, lambda: self.token(r["user"]).verify_enrollment(codes[0]))
        raise ValueError(f"this adapter enrolls with {'one code' if self.verify else 'a pair'}")

    def op_login(self, r):
        return self.decide(r, lambda: self.lib.check_serial_pass(r["user"], r["code"])[0])

    def op_resync(self, r):
        return self.decide(r, lambda: self.lib.resync_token(r["user"], r["codes"][0], r["codes"][1]))


def non_negative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more seconds")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--autoresync", action="store_true")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--time-window", type=non_negative, metavar="SECONDS",
                        help="the tokens' timeWindow (privacyIDEA's default 180)")
    add_clock_argument(parser)
    args = parser.parse_args()
    serve(PrivacyIdea(args.autoresync, args.verify, args.time_window, Clock(args.clock)))

"""pam_oath (OATH Toolkit 2.6.7, Debian libpam-oath) as a verifier, driven
as it runs for SSH and sudo: the real PAM module through `pamtester`, one
users file per person (`usersfile=DIR/${USER}`), which the module rewrites
after every accepted code (the last OTP and its time: its replay state,
which the adapter reports as `state`).

- setup: writes the person's users-file line `HOTP/T30 user - HEXKEY` (mode
  0600), as an administrator does; pam_oath has no enrollment of its own.
- enroll: the person's first login through the module (one code), which
  records its code like any login.
- login: one `pamtester SERVICE user authenticate`, the code on stdin.

Virtual time: each `pamtester` runs under libfaketime frozen at the
request's time (whole seconds, floored, as the module's `time(NULL)`).
pam_oath looks the person up with getpwnam() before anything else, so the
simulated people are given to it by nss_wrapper (a passwd file of the
adapter's own) rather than as system accounts.

Needs root (a PAM service file in /etc/pam.d). `--window W` adds the PAM
option `window=W`; without it the module's default (5) applies.
`--clock real` runs without libfaketime, on the real clock."""

import argparse
import os
import re
import shutil
import subprocess
import tempfile

from protocol import Clock, add_clock_argument, serve, stamp

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
NSS_WRAPPER = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"
MODULE = "/lib/x86_64-linux-gnu/security/pam_oath.so"
# The uid and gid the simulated people get (nss_wrapper only; the users files
# stay root's, as /etc/users.oath is).
UID = 64000
# The module's own verdict, from its `debug` output:
# "authenticate rc -6 (OATH_INVALID_OTP: ...)".
VERDICT = re.compile(r"\] authenticate rc (-?\d+) \((\w+)")
REFUSED = ("OATH_INVALID_OTP", "OATH_REPLAYED_OTP")
USER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def redacted(text):
    """Module output for an error message, without codes or keys."""
    return re.sub(r"[0-9a-fA-F]{6,}", "<…>", text)


class PamOath:
    def __init__(self, window, clock):
        for path, package in ((MODULE, "libpam-oath"), (NSS_WRAPPER, "libnss-wrapper")):
            if not os.path.exists(path):
                raise SystemExit(f"{path} missing: install {package} (bash lab/setup.sh)")
        if shutil.which("pamtester") is None:
            raise SystemExit("pamtester missing: bash lab/setup.sh")
        self.window = window
        self.clock = clock
        self.dir = tempfile.mkdtemp(prefix="skewsim-pam-oath-")
        os.chmod(self.dir, 0o700)
        self.users_dir = os.path.join(self.dir, "users")
        os.mkdir(self.users_dir, 0o700)
        self.passwd = os.path.join(self.dir, "passwd")
        self.group = os.path.join(self.dir, "group")
        with open(self.passwd, "w"):
            pass
        with open(self.group, "w") as f:
            f.write(f"skewsim-lab:x:{UID}:\n")
        # One service file per adapter process, so that two labs can run at once.
        self.service = f"skewsim-lab-{os.getpid()}-pam-oath"
        options = f" window={window}" if window is not None else ""
        with open(f"/etc/pam.d/{self.service}", "w") as f:
            f.write(f"auth required pam_oath.so usersfile={self.users_dir}/${{USER}}{options} debug\n"
                    "account required pam_permit.so\n")
        self.users = set()

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            os.remove(f"/etc/pam.d/{self.service}")
        except OSError:
            pass

    def op_hello(self, _):
        dpkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libpam-oath"],
                              capture_output=True, text=True).stdout
        window = f"window={self.window}" if self.window is not None else "window=5, the default"
        return {"name": f"pam_oath {dpkg} ({window})", "policy": "pam-oath", "enroll_codes": 1}

    def op_setup(self, r):
        user = r["user"]
        if not USER_NAME.match(user):
            raise ValueError("a user name of 1 to 32 letters, digits, - and _")
        if r["period_s"] not in (30, 60) or r["digits"] not in (6, 7, 8):
            raise ValueError("pam_oath's users file takes 30 or 60 s steps and 6 to 8 digits")
        if user not in self.users:
            with open(self.passwd, "a") as f:
                f.write(f"{user}:x:{UID}:{UID}:skewsim lab:/nonexistent:/usr/sbin/nologin\n")
            self.users.add(user)
        path = os.path.join(self.users_dir, user)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"HOTP/T{r['period_s']}/{r['digits']}\t{user}\t-\t{r['secret_hex']}\n")
        return {}

    def state(self, user):
        """The person's users-file line after its key: the moving factor (not
        used for TOTP), the last accepted OTP and when."""
        try:
            fields = open(os.path.join(self.users_dir, user)).read().split()
        except OSError:
            return {}
        names = ("moving_factor", "last_otp", "last_login")
        return dict(zip(names, fields[4:]))

    def check(self, r, code):
        user = r["user"]
        env = dict(os.environ, LD_PRELOAD=NSS_WRAPPER, NSS_WRAPPER_PASSWD=self.passwd,
                   NSS_WRAPPER_GROUP=self.group)
        if not self.clock.real:
            env.update(LD_PRELOAD=f"{NSS_WRAPPER} {FAKETIME}", FAKETIME_FMT="%s",
                       FAKETIME=str(r["time_ms"] // 1000))
        run, time_ms = self.clock.decide(r, lambda: subprocess.run(
            ["pamtester", self.service, user, "authenticate"],
            input=code + "\n", capture_output=True, text=True, env=env, timeout=20))
        # The module's debug lines go to stdout, pamtester's own to stderr.
        output = run.stdout + run.stderr
        verdicts = VERDICT.findall(output)
        # A configuration error (a missing user, an unreadable file) refuses
        # like a wrong code: only the module's own verdict tells them apart.
        if not verdicts or run.returncode not in (0, 1):
            raise RuntimeError(f"pamtester exited {run.returncode} without pam_oath's verdict: "
                               f"{redacted(output.strip())[-300:]}")
        _, name = verdicts[-1]
        accepted = name == "OATH_OK"
        if not accepted and name not in REFUSED:
            raise RuntimeError(f"pam_oath answered {name}: {redacted(output.strip())[-300:]}")
        if accepted != (run.returncode == 0):
            raise RuntimeError(f"pam_oath answered {name} but pamtester exited {run.returncode}")
        state = self.state(user)
        state["verdict"] = name
        return stamp({"accepted": accepted, "state": state}, time_ms)

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("pam_oath confirms one code")
        return self.check(r, r["codes"][0])

    def op_login(self, r):
        return self.check(r, r["code"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=int, default=None,
                        help="the PAM option window=W (default: none, the module's own 5)")
    add_clock_argument(parser)
    args = parser.parse_args()
    if args.window is not None and args.window < 0:
        parser.error("--window must be 0 or more")
    serve(PamOath(args.window, Clock(args.clock)))

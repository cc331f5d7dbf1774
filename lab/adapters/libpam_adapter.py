"""google-authenticator-libpam (Debian libpam-google-authenticator 20191231,
upstream 1.08) as a verifier, driven as it runs:

- enrollment: the real setup tool `google-authenticator`, interactive, under
  libfaketime with a timestamp file that the adapter moves before each answer
  (FAKETIME_NO_CACHE), so its "Enter code from app (-1 to skip)" loop checks
  each code at the virtual time; it makes its own secret, which `setup`
  returns to the driver;
- logins: the real PAM module through `pamtester`, under libfaketime frozen
  at the receipt time, with the secret file the setup tool wrote (TOTP,
  WINDOW_SIZE 3, DISALLOW_REUSE, RATE_LIMIT 3 30).

Needs root (a PAM service file in /etc/pam.d). `--noskewadj` adds the PAM
option that turns skew learning off.

`--clock real` runs both the same way without libfaketime: the setup tool
checks each confirmation code when it reads it, at the real time, and the
module's RATE_LIMIT (3 logins in 30 s) and DISALLOW_REUSE then run in real
time too."""

import argparse
import base64
import os
import re
import select
import shutil
import subprocess
import tempfile
import time

from protocol import Clock, add_clock_argument, serve, stamp

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
PROMPT = b"(-1 to skip): "


def redacted(out):
    """The setup tool's output without its secrets (the key, the correct code
    it prints after a wrong one, the scratch codes), for error messages."""
    out = re.sub(rb"[A-Z2-7]{16,}", b"<key>", out)
    return re.sub(rb"\d{6,}", b"<code>", out)


class LibPam:
    def __init__(self, noskewadj, clock):
        self.noskewadj = noskewadj
        self.clock = clock
        self.dir = tempfile.mkdtemp(prefix="skewsim-libpam-")
        os.chmod(self.dir, 0o700)
        # One service file per adapter process: two labs at once (a test run
        # beside a probe) would otherwise share one file, each pointing PAM at
        # its own secrets (users u0, u1, ... in both) and removing it at exit.
        self.service = f"skewsim-lab-{os.getpid()}" + ("-noskewadj" if noskewadj else "")
        options = " noskewadj" if noskewadj else ""
        with open(f"/etc/pam.d/{self.service}", "w") as f:
            f.write(
                f"auth required pam_google_authenticator.so secret={self.dir}/${{USER}} user=root{options}\n"
                "account required pam_permit.so\n")
        self.tools = {}

    def close(self):
        for tool in self.tools.values():
            tool.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            os.remove(f"/etc/pam.d/{self.service}")
        except OSError:
            pass

    def op_hello(self, _):
        dpkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libpam-google-authenticator"],
                              capture_output=True, text=True).stdout
        name = f"google-authenticator-libpam {dpkg}" + (" noskewadj" if self.noskewadj else "")
        policy = "google-authenticator-pam" + ("-noskewadj" if self.noskewadj else "")
        return {"name": name, "policy": policy, "enroll_codes": 1}

    def clock_file(self, user):
        return os.path.join(self.dir, user + ".time")

    def set_clock(self, user, time_ms):
        with open(self.clock_file(user), "w") as f:
            f.write(f"{time_ms // 1000}\n")

    def read_until(self, tool, marks, timeout=10):
        buf = b""
        end = time.time() + timeout
        while time.time() < end:
            for mark in marks:
                if mark in buf:
                    return buf
            ready, _, _ = select.select([tool.stdout], [], [], 0.2)
            if ready:
                data = os.read(tool.stdout.fileno(), 4096)
                if not data:
                    return buf
                buf += data
        raise TimeoutError(f"setup tool said {redacted(buf)[-200:]!r}")

    def op_setup(self, r):
        user = r["user"]
        env = None
        if not self.clock.real:
            self.set_clock(user, r["time_ms"])
            env = dict(os.environ, LD_PRELOAD=FAKETIME, FAKETIME_FMT="%s",
                       FAKETIME_TIMESTAMP_FILE=self.clock_file(user), FAKETIME_NO_CACHE="1")
        tool = subprocess.Popen(
            ["google-authenticator", "-t", "-d", "-f", "-r", "3", "-R", "30", "-w", "3", "-Q", "NONE",
             "-s", os.path.join(self.dir, user)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        self.tools[user] = tool
        out = self.read_until(tool, [PROMPT]).decode()
        key = out.split("Your new secret key is:")[1].split()[0]
        secret = base64.b32decode(key + "=" * (-len(key) % 8))
        return {"secret_hex": secret.hex()}

    def answer(self, r, text):
        """One answer to the running setup tool's prompt: accepted (the tool
        finished and wrote the secret file) or refused (it asks again)."""
        user = r["user"]
        tool = self.tools[user]
        if not self.clock.real:
            self.set_clock(user, r["time_ms"])

        def send():
            # The tool reads the clock when it reads the line, between the
            # write and its reply.
            tool.stdin.write(text.encode() + b"\n")
            tool.stdin.flush()
            return self.read_until(tool, [PROMPT, b"Code confirmed", b"skipped"])

        out, time_ms = self.clock.decide(r, send)
        if PROMPT in out:
            return False, time_ms
        tool.stdin.close()
        tool.wait(timeout=10)
        del self.tools[user]
        return True, time_ms

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("the setup tool confirms one code")
        accepted, time_ms = self.answer(r, r["codes"][0])
        return stamp({"accepted": accepted, "state": self.state(r["user"])}, time_ms)

    def op_skip(self, r):
        accepted, time_ms = self.answer(r, "-1")
        return stamp({"accepted": accepted, "state": self.state(r["user"])}, time_ms)

    def state(self, user):
        path = os.path.join(self.dir, user)
        if not os.path.exists(path):
            return {}
        lines = [l for l in open(path).read().split("\n") if l.startswith('" ')]
        return {l.split()[1]: " ".join(l.split()[2:]) for l in lines}

    def op_login(self, r):
        env = None
        if not self.clock.real:
            env = dict(os.environ, LD_PRELOAD=FAKETIME, FAKETIME_FMT="%s", FAKETIME=str(r["time_ms"] // 1000))
        run, time_ms = self.clock.decide(r, lambda: subprocess.run(
            ["pamtester", self.service, r["user"], "authenticate"],
            input=r["code"] + "\n", capture_output=True, text=True, env=env, timeout=20))
        if run.returncode not in (0, 1):
            raise RuntimeError(f"pamtester exited {run.returncode}: {run.stderr.strip()[:200]}")
        return stamp({"accepted": run.returncode == 0, "state": self.state(r["user"])}, time_ms)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--noskewadj", action="store_true")
    add_clock_argument(parser)
    args = parser.parse_args()
    serve(LibPam(args.noskewadj, Clock(args.clock)))

"""oathtool (Debian oath-toolkit) in validation mode as a verifier:
`oathtool --totp -w W -N @T KEY CODE` exits 0 when CODE is within -W..+W
steps of T (both directions), 2 otherwise. Stateless; one process per check."""

import argparse
import subprocess

from protocol import serve


class Oathtool:
    def __init__(self, window):
        self.window = window
        self.users = {}

    def op_hello(self, _):
        version = subprocess.run(["oathtool", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        return {"name": f"{version} (-w {self.window})", "policy": "oathtool"}

    def op_setup(self, r):
        self.users[r["user"]] = (r["secret_hex"], r["digits"], r["period_s"])
        return {}

    def check(self, r, code):
        key, digits, period = self.users[r["user"]]
        # Whole seconds, as oathtool takes them: the step is the same.
        at = r["time_ms"] // 1000
        run = subprocess.run(
            ["oathtool", "--totp", "-d", str(digits), "-s", f"{period}s", "-w", str(self.window),
             "-N", f"@{at}", key, code],
            capture_output=True, text=True)
        if run.returncode not in (0, 2):
            raise RuntimeError(f"oathtool exited {run.returncode}: {run.stderr.strip()[:200]}")
        return {"accepted": run.returncode == 0, "state": {"printed": run.stdout.strip()}}

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("oathtool confirms one code")
        return self.check(r, r["codes"][0])

    def op_login(self, r):
        return self.check(r, r["code"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=int, default=1)
    serve(Oathtool(parser.parse_args().window))

"""oathtool (Debian oath-toolkit) in validation mode as a verifier:
`oathtool --totp -w W -N @T KEY CODE` exits 0 when CODE is within -W..+W
steps of T (both directions), 2 otherwise. Stateless; one process per check.
`--clock real`: no `-N`, oathtool reads its own clock."""

import argparse
import subprocess

from protocol import Clock, add_clock_argument, serve, stamp


class Oathtool:
    def __init__(self, window, clock):
        self.window = window
        self.clock = clock
        self.users = {}

    def op_hello(self, _):
        version = subprocess.run(["oathtool", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        return {"name": f"{version} (-w {self.window})", "policy": "oathtool", "enroll_codes": 1}

    def op_setup(self, r):
        self.users[r["user"]] = (r["secret_hex"], r["digits"], r["period_s"])
        return {}

    def check(self, r, code):
        key, digits, period = self.users[r["user"]]
        argv = ["oathtool", "--totp", "-d", str(digits), "-s", f"{period}s", "-w", str(self.window)]
        if not self.clock.real:
            # Whole seconds, as oathtool takes them: the step is the same.
            argv += ["-N", f"@{r['time_ms'] // 1000}"]
        run, time_ms = self.clock.decide(
            r, lambda: subprocess.run(argv + [key, code], capture_output=True, text=True))
        if run.returncode not in (0, 2):
            raise RuntimeError(f"oathtool exited {run.returncode}: {run.stderr.strip()[:200]}")
        return stamp({"accepted": run.returncode == 0, "state": {"printed": run.stdout.strip()}}, time_ms)

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("oathtool confirms one code")
        return self.check(r, r["codes"][0])

    def op_login(self, r):
        return self.check(r, r["code"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=int, default=1)
    add_clock_argument(parser)
    args = parser.parse_args()
    serve(Oathtool(args.window, Clock(args.clock)))

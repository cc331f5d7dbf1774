"""AWS IAM virtual MFA as a verifier, on the real clock, through boto3.

NEVER TESTED AGAINST REAL AWS FROM THE PROJECT'S MACHINES: they reach no
network but package registries. The tests (lab/tests/test_aws_adapter.py)
run it against moto, which does not check TOTP codes at all (see below), so
what AWS actually accepts has only ever been seen by users probing their own
account (docs/probe.md, 'AWS IAM: the recipe').

The protocol is the lab's (docs/lab.md) in real-clock mode: requests carry no
`time_ms`; every verification answer carries `time_ms`, the Unix time in ms
at the midpoint of the API call (the best guess of when AWS checked the
code), and `state.rtt_ms`, the call's round trip.

- `hello` -> name, `"policy": "aws-iam"`, `"clock": "real"`, `"enroll_codes": 2`.
- `setup` (digits 6, period 30 only): a throwaway IAM user
  `<prefix><lab user>-<random hex>` (prefix `skewsim-probe-` by default), an
  access key for it, and a virtual MFA device of the same name
  (CreateVirtualMFADevice). AWS makes the seed; the answer's `secret_hex` is
  the base32-decoded `Base32StringSeed` (the requested secret is ignored).
  Then it waits until the new access key works (STS GetCallerIdentity, which
  needs no permission), since IAM is eventually consistent.
- `enroll` (two codes) -> EnableMFADevice; `InvalidAuthenticationCode` is a
  refusal (`accepted: false`).
- `login` -> STS GetSessionToken(SerialNumber, TokenCode, DurationSeconds=900)
  signed with the throwaway user's own access key (a client built from that
  key; the session credentials it returns are dropped unread); `AccessDenied`
  is a refusal.
- `resync` (two codes) -> ResyncMFADevice; `InvalidAuthenticationCode` is a
  refusal.
- `bye` -> everything is deleted; the answer is ok:false, naming what is left,
  if a deletion failed.

Any other AWS error is `ok: false` with its code and message (never a seed or
a key). The three verifying calls are made with botocore's retries off: a
retried GetSessionToken could spend the code on the first attempt and be
refused for reuse on the second, so a throttle or a 5xx is reported instead.

Cleanup runs on every way out: bye, stdin closed, an exception, SIGINT,
SIGTERM, SIGHUP (a second signal during cleanup is ignored; SIGKILL cannot be
caught: see docs/probe.md, 'AWS IAM: the recipe' for finding leftovers by the prefix). For each
user: DeactivateMFADevice (if an enable was attempted), DeleteVirtualMFADevice,
DeleteAccessKey, DeleteUser, each step on its own (one failing does not stop
the others), NoSuchEntity counted as done, so running it twice is harmless;
if DeleteUser meets a DeleteConflict it lists the user's keys and MFA devices
and deletes those first.

Options: --region (STS endpoint; IAM is global; default the profile's region,
else us-east-1), --profile (a boto3 profile; otherwise the standard
credential chain: your own account), --prefix, --endpoint-url (moto in the
tests), --max-users N (the safety budget: setup is refused past N users in
one run; default 30), --key-wait S (how long to wait for a new access key to
work, default 60).

IAM permissions the calling identity needs (docs/probe.md, 'AWS IAM: the recipe' has a policy):
  iam:CreateUser, iam:DeleteUser, iam:CreateAccessKey, iam:DeleteAccessKey,
  iam:CreateVirtualMFADevice, iam:DeleteVirtualMFADevice,
  iam:EnableMFADevice, iam:DeactivateMFADevice, iam:ResyncMFADevice,
  iam:ListAccessKeys and iam:ListMFADevices (only when a DeleteUser conflict
  has to be cleared).
The throwaway users need none: sts:GetSessionToken and
sts:GetCallerIdentity are allowed to every IAM user.

Secrets: the seed is never kept after the setup answer, the access key lives
in memory only, and neither is ever written to stdout (except secret_hex in
the setup answer) or stderr; botocore's loggers are held at WARNING.
"""

import argparse
import base64
import json
import logging
import re
import secrets
import signal
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from protocol import reply

DEFAULT_PREFIX = "skewsim-probe-"
NAME_OK = re.compile(r"^[\w+=,.@-]+$")  # IAM userNameType / virtualMFADeviceName
RETRYABLE_CLEANUP = {"EntityTemporarilyUnmodifiable", "ConcurrentModification", "DeleteConflict",
                     "Throttling", "ServiceFailure"}


class AdapterError(Exception):
    """A clear, secret-free reason for ok:false."""


def err_text(e):
    if isinstance(e, ClientError):
        error = e.response.get("Error", {})
        return f"{e.operation_name}: {error.get('Code', '?')}: {error.get('Message', '')}"
    return f"{type(e).__name__}: {e}"


def err_code(e):
    return e.response.get("Error", {}).get("Code", "") if isinstance(e, ClientError) else ""


def log(msg):
    sys.stderr.write(f"aws_adapter: {msg}\n")
    sys.stderr.flush()


class Probe:
    """One throwaway IAM user and what was made for it. Each `*_tried` flag
    means the creating call was made (it may have succeeded even if its answer
    was lost), so cleanup tries to delete it; each `*_gone` flag means the
    deletion is done."""

    def __init__(self, lab_user, name):
        self.lab_user = lab_user
        self.name = name
        self.user_tried = self.key_tried = self.device_tried = self.enable_tried = False
        self.key_id = None
        self.serial = None
        self.sts = None  # a client signed with the user's own key
        self.user_gone = self.key_gone = self.device_gone = self.mfa_off = False

    def __repr__(self):  # never the key
        return f"Probe({self.name!r})"

    def clean(self):
        return ((self.mfa_off or not self.enable_tried) and (self.device_gone or not self.device_tried)
                and (self.key_gone or not self.key_tried) and (self.user_gone or not self.user_tried))


class AwsIam:
    def __init__(self, session, region, endpoint_url=None, prefix=DEFAULT_PREFIX, max_users=60,
                 key_wait_s=60.0, sleep=time.sleep):
        if not NAME_OK.match(prefix) or len(prefix) > 40:
            raise ValueError("--prefix must be 1-40 of the characters IAM allows in names ([A-Za-z0-9_+=,.@-])")
        self.session = session
        self.region = region
        self.endpoint_url = endpoint_url
        self.prefix = prefix
        self.max_users = max_users
        self.key_wait_s = key_wait_s
        self.sleep = sleep
        self.probes = []  # every user this run tried to create, in order
        self.by_user = {}
        kw = {"region_name": region}
        if endpoint_url:
            kw["endpoint_url"] = endpoint_url
        self.client_kw = kw
        # Setup and cleanup: botocore's standard retries. The verifying calls: none.
        self.iam = session.client("iam", config=Config(retries={"mode": "standard", "total_max_attempts": 5}), **kw)
        self.check_config = Config(retries={"mode": "standard", "total_max_attempts": 1})
        self.iam_check = session.client("iam", config=self.check_config, **kw)

    # -- the protocol --------------------------------------------------------

    def op_hello(self, _):
        return {"name": f"AWS IAM virtual MFA via boto3 {boto3.__version__} "
                        "(real clock; never tested against real AWS here)",
                "policy": "aws-iam", "clock": "real", "enroll_codes": 2}

    def op_setup(self, r):
        if r.get("digits", 6) != 6 or r.get("period_s", 30) != 30:
            raise AdapterError(f"AWS virtual MFA devices are 6 digits every 30 s; asked for "
                               f"{r.get('digits')} digits every {r.get('period_s')} s")
        lab_user = str(r["user"])
        if lab_user in self.by_user:
            raise AdapterError(f"user {lab_user!r} was already set up")
        if len(self.probes) >= self.max_users:
            raise AdapterError(f"setup refused: the budget of --max-users {self.max_users} throwaway "
                               "IAM users for this run is spent")
        room = 64 - len(self.prefix) - 9
        safe = re.sub(r"[^\w+=,.@-]", "_", lab_user)[:room]
        name = f"{self.prefix}{safe}-{secrets.token_hex(4)}"
        p = Probe(lab_user, name)
        self.probes.append(p)
        self.by_user[lab_user] = p

        p.user_tried = True
        arn = self.iam.create_user(UserName=name)["User"]["Arn"]
        # arn:PARTITION:iam::ACCOUNT:user/NAME: the device's serial is known
        # before it is made, so that the cleanup can delete the device even if
        # CreateVirtualMFADevice's answer is lost.
        parts = arn.split(":")
        p.serial = f"arn:{parts[1]}:iam::{parts[4]}:mfa/{name}"
        log(f"created IAM user {name}")

        p.key_tried = True
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        p.key_id = key["AccessKeyId"]
        p.sts = self.session.client("sts", aws_access_key_id=key["AccessKeyId"],
                                    aws_secret_access_key=key["SecretAccessKey"],
                                    config=self.check_config, **self.client_kw)
        del key

        p.device_tried = True
        device = self.iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
        p.serial = device["SerialNumber"]
        seed = device.pop("Base32StringSeed")
        device.pop("QRCodePNG", None)  # the seed again, as a picture
        seed = seed.decode("ascii") if isinstance(seed, bytes) else seed
        secret_hex = base64.b32decode(seed + "=" * (-len(seed) % 8)).hex()
        del seed, device

        self.wait_for_key(p)
        return {"secret_hex": secret_hex}

    def op_enroll(self, r):
        p = self.probe(r)
        codes = r.get("codes") or []
        if len(codes) != 2:
            raise AdapterError("AWS enrolls with two consecutive codes (EnableMFADevice)")
        p.enable_tried = True
        p.mfa_off = False
        return self.timed(lambda: self.iam_check.enable_mfa_device(
            UserName=p.name, SerialNumber=p.serial, AuthenticationCode1=str(codes[0]),
            AuthenticationCode2=str(codes[1])), refusals={"InvalidAuthenticationCode"})

    def op_login(self, r):
        p = self.probe(r)
        return self.timed(lambda: p.sts.get_session_token(
            SerialNumber=p.serial, TokenCode=str(r["code"]), DurationSeconds=900),
            refusals={"AccessDenied"})

    def op_resync(self, r):
        p = self.probe(r)
        codes = r.get("codes") or []
        if len(codes) != 2:
            raise AdapterError("ResyncMFADevice takes two consecutive codes")
        return self.timed(lambda: self.iam_check.resync_mfa_device(
            UserName=p.name, SerialNumber=p.serial, AuthenticationCode1=str(codes[0]),
            AuthenticationCode2=str(codes[1])), refusals={"InvalidAuthenticationCode"})

    # -- helpers -------------------------------------------------------------

    def probe(self, r):
        if "time_ms" in r:
            raise AdapterError("AWS has only the real clock (hello says clock: real): requests carry no time_ms")
        p = self.by_user.get(str(r.get("user")))
        if p is None or p.serial is None or p.sts is None:
            raise AdapterError(f"user {r.get('user')!r} was not set up")
        return p

    def timed(self, call, refusals):
        t0 = time.time_ns()
        try:
            call()
            accepted, state = True, {}
        except ClientError as e:
            t1 = time.time_ns()
            if err_code(e) not in refusals:
                raise AdapterError(err_text(e)) from None
            accepted = False
            state = {"error": err_code(e), "message": e.response.get("Error", {}).get("Message", "")}
        else:
            t1 = time.time_ns()
        state["rtt_ms"] = round((t1 - t0) / 1e6, 1)
        return {"accepted": accepted, "time_ms": (t0 + t1) // 2 // 1_000_000, "state": state}

    def wait_for_key(self, p):
        """IAM is eventually consistent: a new access key may be refused for a
        few seconds. GetCallerIdentity needs no permission and checks no MFA."""
        deadline = time.monotonic() + self.key_wait_s
        while True:
            try:
                p.sts.get_caller_identity()
                return
            except ClientError as e:
                if time.monotonic() >= deadline:
                    raise AdapterError(f"the new access key of {p.name} did not work within "
                                       f"{self.key_wait_s:g} s: {err_text(e)}") from None
                self.sleep(2)

    # -- cleanup -------------------------------------------------------------

    def step(self, what, call, tries=4):
        """One deletion. True when done (or already gone), False when it failed."""
        for attempt in range(tries):
            try:
                call()
                return True
            except ClientError as e:
                if err_code(e) == "NoSuchEntity":
                    return True
                if err_code(e) in RETRYABLE_CLEANUP and attempt + 1 < tries:
                    self.sleep(2 ** attempt)
                    continue
                log(f"cleanup: {what} failed: {err_text(e)}")
                return False
            except Exception as e:  # a network error: the other steps still run
                log(f"cleanup: {what} failed: {err_text(e)}")
                return False
        return False

    def clear_conflicts(self, p):
        """DeleteUser said DeleteConflict: delete whatever keys and MFA devices the user has."""
        try:
            for k in self.iam.list_access_keys(UserName=p.name)["AccessKeyMetadata"]:
                self.step(f"DeleteAccessKey of {p.name}", lambda k=k: self.iam.delete_access_key(
                    UserName=p.name, AccessKeyId=k["AccessKeyId"]))
            for d in self.iam.list_mfa_devices(UserName=p.name)["MFADevices"]:
                self.step(f"DeactivateMFADevice of {p.name}", lambda d=d: self.iam.deactivate_mfa_device(
                    UserName=p.name, SerialNumber=d["SerialNumber"]))
                self.step(f"DeleteVirtualMFADevice of {p.name}", lambda d=d: self.iam.delete_virtual_mfa_device(
                    SerialNumber=d["SerialNumber"]))
        except Exception as e:
            log(f"cleanup: listing what {p.name} still has failed: {err_text(e)}")

    def cleanup_one(self, p):
        if p.enable_tried and p.serial and not p.mfa_off:
            p.mfa_off = self.step(f"DeactivateMFADevice of {p.name}", lambda: self.iam.deactivate_mfa_device(
                UserName=p.name, SerialNumber=p.serial))
        if p.device_tried and p.serial and not p.device_gone:
            p.device_gone = self.step(f"DeleteVirtualMFADevice {p.name}", lambda: self.iam.delete_virtual_mfa_device(
                SerialNumber=p.serial))
        if p.key_tried and not p.key_gone:
            if p.key_id is None:  # the CreateAccessKey answer was lost: DeleteUser's conflict path finds it
                p.key_gone = True
            else:
                p.key_gone = self.step(f"DeleteAccessKey of {p.name}", lambda: self.iam.delete_access_key(
                    UserName=p.name, AccessKeyId=p.key_id))
        if p.user_tried and not p.user_gone:
            p.user_gone = self.step(f"DeleteUser {p.name}", lambda: self.iam.delete_user(UserName=p.name), tries=2)
            if not p.user_gone:
                self.clear_conflicts(p)
                p.user_gone = self.step(f"DeleteUser {p.name}", lambda: self.iam.delete_user(UserName=p.name))
        p.sts = None
        left = [what for what, gone in (("MFA device still enabled", p.mfa_off or not p.enable_tried),
                                        ("virtual MFA device", p.device_gone or not p.device_tried),
                                        ("access key", p.key_gone or not p.key_tried),
                                        ("user", p.user_gone or not p.user_tried)) if not gone]
        return [f"{p.name}: {', '.join(left)}"] if left else []

    def cleanup(self):
        """Deletes everything this run created; idempotent. Returns what is left."""
        left = []
        todo = [p for p in self.probes if not p.clean()]
        for p in todo:
            try:
                left += self.cleanup_one(p)
            except BaseException as e:  # keep going for the others
                log(f"cleanup of {p.name} stopped: {err_text(e)}")
                left.append(f"{p.name}: cleanup stopped")
        if todo:
            done = sum(1 for p in todo if p.user_gone)
            log(f"cleanup: {done} of {len(todo)} throwaway users deleted"
                + (f"; left: {'; '.join(left)}" if left else ""))
        return left


class Interrupted(BaseException):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def on_signal(signum, _frame):
    raise Interrupted(signum)


def serve(adapter):
    """The lab's loop (protocol.serve) with the cleanup for bye in it."""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            op = request.get("op", "")
            if op == "bye":
                left = cleanup(adapter)
                reply({"ok": True} if not left else
                      {"ok": False, "error": "cleanup left (delete by hand, docs/probe.md, 'AWS IAM: the recipe'): " + "; ".join(left)})
                return
            method = getattr(adapter, "op_" + op, None)
            if method is None:
                reply({"ok": False, "error": f"unsupported op {op!r}"})
                continue
            answer = method(request) or {}
            answer["ok"] = True
            reply(answer)
        except (AdapterError, ClientError) as e:
            reply({"ok": False, "error": str(e) if isinstance(e, AdapterError) else err_text(e)})
        except Exception as e:
            reply({"ok": False, "error": err_text(e)})


def hold_signals(signum, _frame):
    log(f"signal {signum} during the cleanup: cleaning up anyway; please wait")


def cleanup(adapter, restore=True):
    """The cleanup with signals held off: a second Ctrl-C does not cut it short."""
    old = {s: signal.signal(s, hold_signals) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        return adapter.cleanup()
    finally:
        if restore:
            for s, h in old.items():
                signal.signal(s, h)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", help="STS region (IAM is global); default the profile's, else us-east-1")
    parser.add_argument("--profile", help="a boto3 profile (default: the standard credential chain)")
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="names of the throwaway users and devices")
    parser.add_argument("--endpoint-url", help="an AWS-compatible endpoint (moto in the tests)")
    parser.add_argument("--max-users", type=int, default=60, help="refuse setup past this many users")
    parser.add_argument("--key-wait", type=float, default=60.0, help="seconds to wait for a new key to work")
    args = parser.parse_args(argv)
    for name in ("botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    adapter = None
    status = 0
    try:
        session = boto3.Session(profile_name=args.profile)
        adapter = AwsIam(session, args.region or session.region_name or "us-east-1", args.endpoint_url,
                         args.prefix, args.max_users, args.key_wait)
        serve(adapter)
    except Interrupted as e:
        log(f"signal {e.signum}: cleaning up")
        status = 128 + e.signum
    finally:
        while adapter is not None:  # again if a signal slips in before the handlers are swapped
            try:
                if cleanup(adapter, restore=False):
                    status = status or 1
                break
            except Interrupted as e:
                status = 128 + e.signum
    return status


if __name__ == "__main__":
    sys.exit(main())

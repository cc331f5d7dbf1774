"""lab/adapters/aws_adapter.py against moto (never against AWS: this machine
reaches no network but package registries).

What moto 5.2 does and does not check, and so what these tests can show:
- moto makes a random 64-character base32 seed per virtual MFA device, so
  setup's secret_hex can be checked against moto's own record of it;
- moto accepts ANY pair of 6-digit codes in EnableMFADevice and any TokenCode
  in GetSessionToken: no TOTP is verified, so accepted:true here says nothing
  about AWS's window (test_moto_checks_no_codes pins that down);
- moto has no ResyncMFADevice (NotImplementedError in process, HTTP 500 from
  its server), so a resync answer is injected with a botocore hook;
- moto lets DeleteUser through while the user still has an access key or an
  MFA device, and DeleteVirtualMFADevice while the device is enabled; real IAM
  answers DeleteConflict. The in-process tests add that rule back (strict_iam)
  so that the cleanup's order is held to AWS's, not only recorded;
- the refusals AWS gives (InvalidAuthenticationCode, AccessDenied) are
  injected as AWS's XML error bodies, parsed by botocore as from AWS.

In-process tests drive the adapter class through its real serve loop under
mock_aws, recording every call's parameters with botocore's event hooks. The
subprocess tests run the adapter as the lab would, against moto's
ThreadedMotoServer on 127.0.0.1 (--endpoint-url, dummy credentials), and end
it by bye, by closing stdin, by a broken stdout, by SIGTERM and by SIGINT.
"""

import base64
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import unittest
from contextlib import redirect_stderr
from pathlib import Path
from unittest import mock

# Nothing here may ever find real credentials: dummy ones, no config files.
for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(var, None)
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
                  AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                  AWS_EC2_METADATA_DISABLED="true")

import boto3  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from botocore.parsers import create_parser  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402

LAB = Path(__file__).resolve().parents[1]
ADAPTER = LAB / "adapters" / "aws_adapter.py"
sys.path.insert(0, str(LAB / "adapters"))
import aws_adapter  # noqa: E402

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SETUP = {"op": "setup", "user": "u7", "secret_hex": "3132333435363738393031323334353637383930",
         "digits": 6, "period_s": 30}


def backend():
    return iam_backends[DEFAULT_ACCOUNT_ID]["aws"]


class Raw:
    """The raw body botocore reads from an AWSResponse."""

    def __init__(self, body):
        self.body = body

    def stream(self, **_):
        yield self.body


def xml_error(code, message, ns=IAM_NS):
    return (f'<ErrorResponse xmlns="{ns}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>").encode()


def xml_ok(op, ns=IAM_NS):
    return (f'<{op}Response xmlns="{ns}"><ResponseMetadata><RequestId>r-1</RequestId>'
            f"</ResponseMetadata></{op}Response>").encode()


def aws_answer(model, status, body):
    """What a before-call hook returns to answer in AWS's place: the HTTP
    response and botocore's own parse of AWS's XML body. (A before-send hook
    cannot: moto's stubber, also a before-send hook, would run anyway.)"""
    parsed = create_parser(model.service_model.protocol).parse(
        {"status_code": status, "headers": {}, "body": body}, model.output_shape)
    return AWSResponse("https://aws.invalid/", status, {}, Raw(body)), parsed


def answers_with(status, code=None, message="", ns=IAM_NS):
    """A before-call hook answering every call with AWS's error (or success)."""
    def hook(model, **_):
        body = xml_error(code, message, ns) if code else xml_ok(model.name, ns)
        return aws_answer(model, status, body)
    return hook


class Recorder:
    """Every API call's service, operation, parameters and the access key that
    signed it, in order, from botocore's event hooks."""

    def __init__(self, session):
        self.calls = []
        self.signers = {}
        session.events.register("before-parameter-build", self.params)
        # register_first: mock_aws answers from a before-send hook, which would end the emit.
        session.events.register_first("before-send", self.sent)

    def params(self, params, model, **_):
        self.calls.append((model.service_model.service_name, model.name, dict(params), model))

    def sent(self, request, event_name, **_):
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        op = ".".join(event_name.split(".")[1:])
        self.signers.setdefault(op, auth.split("Credential=")[1].split("/")[0] if "Credential=" in auth else None)

    def ops(self):
        return [f"{s}.{op}" for s, op, _, _ in self.calls]

    def of(self, op):
        return [p for _, o, p, _ in self.calls if o == op]


def strict_iam(session):
    """Real IAM's DeleteConflict rules, which moto does not have."""

    def check(model, params, **_):
        f, b = params.get("body") or {}, backend()
        if model.name == "DeleteUser":
            user = b.users.get(f.get("UserName"))
            if user is not None and (user.access_keys or user.mfa_devices):
                return aws_answer(model, 409, xml_error("DeleteConflict", "Cannot delete entity, must delete "
                                                        "access keys and MFA devices first."))
        if model.name == "DeleteVirtualMFADevice":
            device = b.virtual_mfa_devices.get(f.get("SerialNumber"))
            if device is not None and device.user is not None:
                return aws_answer(model, 409, xml_error("DeleteConflict", "MFA device is still in use."))
        return None

    for op in ("DeleteUser", "DeleteVirtualMFADevice"):
        session.events.register_first(f"before-call.iam.{op}", check)


def talk(adapter, requests):
    """Runs the adapter's serve loop on these request lines; returns the answers."""
    out = io.StringIO()
    stdin = io.StringIO("".join(json.dumps(r) + "\n" for r in requests))
    with mock.patch.object(sys, "stdin", stdin), mock.patch.object(sys, "stdout", out):
        aws_adapter.serve(adapter)
    return [json.loads(line) for line in out.getvalue().splitlines()]


class InProcess(unittest.TestCase):
    def setUp(self):
        self.moto = mock_aws()
        self.moto.start()
        self.addCleanup(self.moto.stop)
        self.session = boto3.Session(region_name="us-east-1")
        self.rec = Recorder(self.session)
        strict_iam(self.session)
        self.sleeps = []
        self.stderr = io.StringIO()
        ctx = redirect_stderr(self.stderr)
        ctx.__enter__()
        self.addCleanup(ctx.__exit__, None, None, None)

    def adapter(self, **kw):
        return aws_adapter.AwsIam(self.session, "us-east-1", sleep=self.sleeps.append, **kw)

    def assert_nothing_left(self):
        b = backend()
        self.assertEqual(list(b.users), [], "IAM users left")
        self.assertEqual(list(b.virtual_mfa_devices), [], "virtual MFA devices left")
        self.assertEqual(list(b.access_keys), [], "access keys left")

    def test_hello(self):
        [hello] = talk(self.adapter(), [{"op": "hello"}])
        self.assertEqual(hello, {"ok": True, "name": f"AWS IAM virtual MFA via boto3 {boto3.__version__} "
                                 "(real clock; never tested against real AWS here)",
                                 "policy": "aws-iam", "clock": "real", "enroll_codes": 2})
        self.assertEqual(self.rec.calls, [], "hello calls nothing")

    def test_setup_answers_aws_seed(self):
        a = self.adapter()
        [answer] = talk(a, [SETUP])
        self.assertTrue(answer["ok"], answer)
        [device] = backend().virtual_mfa_devices.values()
        self.assertEqual(len(device.base32_string_seed), 64)
        # AWS's seed, base32-decoded, not the secret asked for.
        self.assertEqual(answer["secret_hex"], base64.b32decode(device.base32_string_seed).hex())
        self.assertNotEqual(answer["secret_hex"], SETUP["secret_hex"])
        self.assertEqual(len(bytes.fromhex(answer["secret_hex"])), 40)
        [name] = backend().users
        self.assertRegex(name, r"^skewsim-probe-u7-[0-9a-f]{8}$")
        self.assertEqual(device.serial_number, f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:mfa/{name}")
        self.assertEqual(len(backend().users[name].access_keys), 1)
        self.assertEqual(a.cleanup(), [])
        self.assert_nothing_left()

    def test_setup_names_prefix_and_odd_users(self):
        a = self.adapter(prefix="my-lab.")
        answers = talk(a, [dict(SETUP, user="a b/c" + "x" * 80), dict(SETUP, user="u8")])
        self.assertTrue(all(x["ok"] for x in answers), answers)
        for name in backend().users:
            self.assertTrue(name.startswith("my-lab."), name)
            self.assertLessEqual(len(name), 64)
            self.assertRegex(name, r"^[\w+=,.@-]+$")
        a.cleanup()
        self.assert_nothing_left()
        with self.assertRaises(ValueError):
            self.adapter(prefix="bad prefix")

    def test_setup_refuses_other_digits_or_period(self):
        a = self.adapter()
        answers = talk(a, [dict(SETUP, digits=8), dict(SETUP, period_s=60)])
        for x in answers:
            self.assertFalse(x["ok"])
            self.assertIn("6 digits every 30 s", x["error"])
        self.assertEqual(self.rec.calls, [], "no call made")
        self.assertEqual(list(backend().users), [])

    def test_call_shapes(self):
        """Every call with the parameters AWS requires (botocore's service
        model), in the order real IAM needs, GetSessionToken signed by the
        throwaway user's own key, and nothing left."""
        inject_resync_ok(self.session)
        a = self.adapter()
        answers = talk(a, [{"op": "hello"}, SETUP, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
                           {"op": "login", "user": "u7", "code": "123456"},
                           {"op": "resync", "user": "u7", "codes": ["111111", "222222"]}, {"op": "bye"}])
        self.assertTrue(all(x["ok"] for x in answers), answers)
        self.assertEqual(self.rec.ops(), [
            "iam.CreateUser", "iam.CreateAccessKey", "iam.CreateVirtualMFADevice", "sts.GetCallerIdentity",
            "iam.EnableMFADevice", "sts.GetSessionToken", "iam.ResyncMFADevice",
            "iam.DeactivateMFADevice", "iam.DeleteVirtualMFADevice", "iam.DeleteAccessKey", "iam.DeleteUser"])
        for service, op, params, model in self.rec.calls:
            missing = set(model.input_shape.required_members) - set(params) if model.input_shape else set()
            self.assertEqual(missing, set(), f"{service}.{op} lacks required {missing}")
        p = a.probes[0]
        name, serial = p.name, p.serial
        self.assertEqual(self.rec.of("CreateUser"), [{"UserName": name}])
        self.assertEqual(self.rec.of("CreateAccessKey"), [{"UserName": name}])
        self.assertEqual(self.rec.of("CreateVirtualMFADevice"), [{"VirtualMFADeviceName": name}])
        self.assertEqual(self.rec.of("EnableMFADevice"), [{"UserName": name, "SerialNumber": serial,
                                                           "AuthenticationCode1": "123456",
                                                           "AuthenticationCode2": "654321"}])
        self.assertEqual(self.rec.of("GetSessionToken"), [{"SerialNumber": serial, "TokenCode": "123456",
                                                           "DurationSeconds": 900}])
        self.assertEqual(self.rec.of("ResyncMFADevice"), [{"UserName": name, "SerialNumber": serial,
                                                           "AuthenticationCode1": "111111",
                                                           "AuthenticationCode2": "222222"}])
        self.assertEqual(self.rec.of("DeactivateMFADevice"), [{"UserName": name, "SerialNumber": serial}])
        self.assertEqual(self.rec.of("DeleteVirtualMFADevice"), [{"SerialNumber": serial}])
        self.assertEqual(self.rec.of("DeleteAccessKey"), [{"UserName": name, "AccessKeyId": p.key_id}])
        self.assertEqual(self.rec.of("DeleteUser"), [{"UserName": name}])
        # Who signed what: the throwaway key for STS, the caller's for IAM.
        signers = self.rec.signers  # (ResyncMFADevice was answered before signing)
        self.assertEqual(signers["sts.GetSessionToken"], p.key_id)
        self.assertEqual(signers["sts.GetCallerIdentity"], p.key_id)
        self.assertTrue(p.key_id.startswith("AKIA"))
        for op in ("iam.CreateUser", "iam.EnableMFADevice", "iam.DeleteUser"):
            self.assertNotEqual(signers[op], p.key_id)
        self.assert_nothing_left()

    def test_answers_accepted_and_time_ms(self):
        inject_resync_ok(self.session)
        a = self.adapter()
        talk(a, [SETUP])
        for req in ({"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
                    {"op": "login", "user": "u7", "code": "123456"},
                    {"op": "resync", "user": "u7", "codes": ["123456", "654321"]}):
            before = time.time_ns() // 1_000_000
            [x] = talk(a, [req])
            after = time.time_ns() // 1_000_000
            self.assertIs(x["ok"], True, x)
            self.assertIs(x["accepted"], True, x)
            self.assertIsInstance(x["time_ms"], int)
            self.assertTrue(before <= x["time_ms"] <= after, (before, x, after))
            self.assertIsInstance(x["state"]["rtt_ms"], float)
        a.cleanup()
        self.assert_nothing_left()

    def test_refusals_are_accepted_false(self):
        """AWS's refusals, as AWS's XML error bodies, are accepted:false, with the code in state."""
        invalid = "Authentication code for device is not valid."
        self.session.events.register_first("before-call.iam.EnableMFADevice",
                                           answers_with(403, "InvalidAuthenticationCode", invalid))
        self.session.events.register_first("before-call.iam.ResyncMFADevice",
                                           answers_with(403, "InvalidAuthenticationCode", invalid))
        self.session.events.register_first("before-call.sts.GetSessionToken", answers_with(
            403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.", STS_NS))
        a = self.adapter()
        answers = talk(a, [SETUP, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
                           {"op": "login", "user": "u7", "code": "123456"},
                           {"op": "resync", "user": "u7", "codes": ["123456", "654321"]}])
        for x, code in zip(answers[1:], ("InvalidAuthenticationCode", "AccessDenied", "InvalidAuthenticationCode")):
            self.assertIs(x["ok"], True, x)
            self.assertIs(x["accepted"], False, x)
            self.assertIsInstance(x["time_ms"], int)
            self.assertEqual(x["state"]["error"], code)
        a.cleanup()
        self.assert_nothing_left()

    def test_other_errors_are_ok_false_and_not_retried(self):
        """Anything else is ok:false with AWS's code; the verifying calls are
        made once (a retried GetSessionToken could spend the code)."""
        attempts = []

        def fail(code, status, ns=IAM_NS):
            # before-send, so that botocore's retry logic sees it; moto's stubber
            # still runs after it (and enables the device: harmless here).
            def hook(request, event_name, **_):
                attempts.append(code)
                body = xml_error(code, "try later", ns)
                return AWSResponse(request.url, status, {}, Raw(body))
            return hook

        self.session.events.register_first("before-send.sts.GetSessionToken", fail("ServiceUnavailable", 503, STS_NS))
        self.session.events.register_first("before-send.iam.EnableMFADevice", fail("Throttling", 400))
        self.session.events.register_first("before-call.iam.ResyncMFADevice", answers_with(500, "ServiceFailure", "oops"))
        a = self.adapter()
        answers = talk(a, [SETUP, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
                           {"op": "login", "user": "u7", "code": "123456"},
                           {"op": "resync", "user": "u7", "codes": ["123456", "654321"]}])
        self.assertEqual([x["ok"] for x in answers], [True, False, False, False], answers)
        self.assertIn("EnableMFADevice: Throttling", answers[1]["error"])
        self.assertIn("GetSessionToken: ServiceUnavailable", answers[2]["error"])
        self.assertIn("ResyncMFADevice: ServiceFailure", answers[3]["error"])
        self.assertEqual(attempts, ["Throttling", "ServiceUnavailable"], "one attempt each")
        # The control: the same answers are retried by a client with botocore's retries on.
        sts = self.session.client("sts", config=Config(retries={"mode": "standard", "total_max_attempts": 2}))
        with self.assertRaises(ClientError):
            sts.get_session_token(SerialNumber=a.probes[0].serial, TokenCode="123456", DurationSeconds=900)
        self.assertEqual(attempts[2:], ["ServiceUnavailable"] * 2)
        a.cleanup()
        self.assert_nothing_left()

    def test_protocol_errors(self):
        a = self.adapter()
        answers = talk(a, [SETUP, {"op": "enroll", "user": "u7", "codes": ["123456"]},
                           {"op": "login", "user": "u7", "code": "123456", "time_ms": 1},
                           {"op": "login", "user": "nobody", "code": "123456"},
                           {"op": "skip", "user": "u7"}, SETUP])
        self.assertTrue(answers[0]["ok"])
        self.assertIn("two consecutive codes", answers[1]["error"])
        self.assertIn("only the real clock", answers[2]["error"])
        self.assertIn("was not set up", answers[3]["error"])
        self.assertIn("unsupported op 'skip'", answers[4]["error"])
        self.assertIn("already set up", answers[5]["error"])
        self.assertEqual(len(backend().users), 1)
        a.cleanup()
        self.assert_nothing_left()

    def test_moto_checks_no_codes(self):
        """What moto does: any 6-digit pair enrolls and any code logs in; no
        ResyncMFADevice at all. (AWS checks all three; moto cannot show how.)"""
        a = self.adapter()
        answers = talk(a, [SETUP, {"op": "enroll", "user": "u7", "codes": ["000000", "000000"]},
                           {"op": "login", "user": "u7", "code": "999999"},
                           {"op": "login", "user": "u7", "code": "999999"},
                           {"op": "resync", "user": "u7", "codes": ["123456", "654321"]}])
        self.assertEqual([x.get("accepted") for x in answers[1:4]], [True, True, True])
        self.assertFalse(answers[4]["ok"])
        self.assertIn("resync_mfa_device action has not been implemented", answers[4]["error"])
        a.cleanup()
        self.assert_nothing_left()

    def test_cleanup_after_failing_setup(self):
        """CreateVirtualMFADevice fails mid-setup: ok:false, and the user and
        key already made are deleted (the device's serial was known from the
        user's ARN, so its deletion is tried too: NoSuchEntity is done)."""
        self.session.events.register_first(
            "before-call.iam.CreateVirtualMFADevice", answers_with(409, "LimitExceeded", "too many MFA devices"))
        a = self.adapter()
        answers = talk(a, [SETUP, {"op": "bye"}])
        self.assertFalse(answers[0]["ok"])
        self.assertIn("CreateVirtualMFADevice: LimitExceeded", answers[0]["error"])
        self.assertEqual(answers[1], {"ok": True})
        self.assertEqual(self.rec.ops()[-3:], ["iam.DeleteVirtualMFADevice", "iam.DeleteAccessKey", "iam.DeleteUser"])
        self.assert_nothing_left()

    def test_cleanup_after_exception_mid_session(self):
        """A Python exception (not an AWS answer) in the middle: ok:false, the
        session goes on, and the cleanup still deletes everything."""
        def boom(**_):
            raise ConnectionResetError("connection reset by peer")

        self.session.events.register_first("before-call.sts.GetSessionToken", boom)
        a = self.adapter()
        answers = talk(a, [SETUP, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
                           {"op": "login", "user": "u7", "code": "123456"}, dict(SETUP, user="u8"), {"op": "bye"}])
        self.assertEqual([x["ok"] for x in answers], [True, True, False, True, True], answers)
        self.assertIn("connection reset", answers[2]["error"])
        self.assert_nothing_left()

    def test_cleanup_is_robust_and_idempotent(self):
        """One failing step does not stop the others; bye names what is left;
        a second cleanup finishes the job and a third does nothing."""
        broken = [True]

        def deny(model, params, **_):  # u7's device only
            if broken[0] and "-u7-" in params["body"]["SerialNumber"]:
                return aws_answer(model, 403, xml_error("AccessDenied", "not allowed"))
            return None

        def unreachable(**_):
            if broken[0]:
                raise ConnectionError("no route to host")

        self.session.events.register_first("before-call.iam.DeleteVirtualMFADevice", deny)
        self.session.events.register_first("before-call.iam.DeactivateMFADevice", unreachable)
        a = self.adapter()
        answers = talk(a, [SETUP, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
                           dict(SETUP, user="u8"), {"op": "bye"}])
        self.assertFalse(answers[-1]["ok"])
        self.assertIn("cleanup left", answers[-1]["error"])
        u7, u8 = (p.name for p in a.probes)
        # u8 (never enrolled) is gone entirely; u7 keeps its device and so (real IAM's rule) its user.
        self.assertNotIn(u8, answers[-1]["error"])
        self.assertIn(f"{u7}: MFA device still enabled, virtual MFA device, user", answers[-1]["error"])
        self.assertEqual(list(backend().users), [u7])
        self.assertEqual(len(backend().users[u7].access_keys), 0, "the key went even though the device did not")
        broken[0] = False
        n = len(self.rec.calls)
        self.assertEqual(a.cleanup(), [])
        self.assertEqual(self.rec.ops()[n:], ["iam.DeactivateMFADevice", "iam.DeleteVirtualMFADevice",
                                              "iam.DeleteUser"], "only the steps still to do")
        self.assert_nothing_left()
        n = len(self.rec.calls)
        self.assertEqual(a.cleanup(), [])
        self.assertEqual(len(self.rec.calls), n, "nothing more to do")

    def test_cleanup_finds_a_key_whose_answer_was_lost(self):
        """If CreateAccessKey's answer never came, DeleteUser's DeleteConflict
        leads to ListAccessKeys and the key's deletion."""
        a = self.adapter()
        talk(a, [SETUP])
        a.probes[0].key_id = None  # as if the answer had been lost
        self.assertEqual(a.cleanup(), [])
        ops = self.rec.ops()
        self.assertIn("iam.ListAccessKeys", ops)
        self.assertIn("iam.DeleteAccessKey", ops)
        self.assertEqual(ops[-1], "iam.DeleteUser")
        self.assert_nothing_left()

    def test_max_users_budget(self):
        a = self.adapter(max_users=2)
        answers = talk(a, [dict(SETUP, user=f"u{i}") for i in range(3)])
        self.assertEqual([x["ok"] for x in answers], [True, True, False])
        self.assertIn("--max-users 2", answers[2]["error"])
        self.assertEqual(len(backend().users), 2)
        self.assertEqual(self.rec.of("CreateUser").__len__(), 2)
        a.cleanup()
        self.assert_nothing_left()

    def test_new_key_is_waited_for(self):
        """IAM is eventually consistent: setup waits until the new key works."""
        refusals = [2]

        def not_yet(model, **_):
            if refusals[0]:
                refusals[0] -= 1
                return aws_answer(model, 403, xml_error(
                    "InvalidClientTokenId", "The security token included in the request is invalid.", STS_NS))
            return None

        self.session.events.register_first("before-call.sts.GetCallerIdentity", not_yet)
        a = self.adapter()
        [x] = talk(a, [SETUP])
        self.assertTrue(x["ok"], x)
        self.assertEqual(self.sleeps, [2, 2])
        refusals[0] = 100
        b = aws_adapter.AwsIam(self.session, "us-east-1", key_wait_s=0, sleep=self.sleeps.append)
        [x] = talk(b, [dict(SETUP, user="u8")])
        self.assertFalse(x["ok"])
        self.assertIn("did not work within 0 s", x["error"])
        a.cleanup()
        b.cleanup()
        self.assert_nothing_left()

    def test_seed_and_keys_only_in_secret_hex(self):
        out = io.StringIO()
        stdin = io.StringIO("".join(json.dumps(r) + "\n" for r in [
            {"op": "hello"}, SETUP, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
            {"op": "login", "user": "u7", "code": "123456"}, {"op": "bye"}]))
        seen = {}

        def keep(**_):  # the seed and key as moto holds them, before the cleanup deletes them
            [device] = backend().virtual_mfa_devices.values()
            [user] = backend().users.values()
            seen.update(seed=device.base32_string_seed, key=user.access_keys[0].access_key_id,
                        secret=user.access_keys[0].secret_access_key)

        self.session.events.register_first("before-call.iam.DeactivateMFADevice", keep)
        a = self.adapter()  # after the hooks: a client copies its session's hooks when made
        with mock.patch.object(sys, "stdin", stdin), mock.patch.object(sys, "stdout", out):
            aws_adapter.serve(a)
        check_no_leak(self, out.getvalue(), self.stderr.getvalue(), **seen)
        self.assertIn("created IAM user skewsim-probe-u7-", self.stderr.getvalue())
        self.assert_nothing_left()


def inject_resync_ok(session):
    """moto has no ResyncMFADevice: AWS's empty success answer instead."""
    session.events.register_first("before-call.iam.ResyncMFADevice", answers_with(200))


def check_no_leak(test, stdout, stderr, seed, key, secret):
    hex_seed = base64.b32decode(seed).hex()
    lines = stdout.splitlines()
    with_hex = [line for line in lines if hex_seed in line]
    test.assertEqual(len(with_hex), 1, "secret_hex once")
    test.assertEqual(json.loads(with_hex[0]), {"ok": True, "secret_hex": hex_seed})
    for s, what in ((seed, "base32 seed"), (key, "access key id"), (secret, "secret access key")):
        test.assertNotIn(s, stdout, what)
        test.assertNotIn(s, stderr, what)
    test.assertNotIn(hex_seed, stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Subprocess(unittest.TestCase):
    """The adapter as the lab runs it, against moto's server on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        from moto.server import ThreadedMotoServer

        cls.port = free_port()
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=cls.port, verbose=False)
        # werkzeug logs every request, and the traceback of moto's expected
        # HTTP 500 for ResyncMFADevice (not implemented): quiet.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        cls.server.start()
        cls.url = f"http://127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        import requests

        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()
        self.iam = boto3.client("iam", endpoint_url=self.url, region_name="us-east-1")

    def start(self, *args):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        p = subprocess.Popen([sys.executable, str(ADAPTER), "--endpoint-url", self.url, "--region", "us-east-1",
                              *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
        self.addCleanup(self.finish, p)
        return p

    @staticmethod
    def finish(p):
        if p.poll() is None:
            p.kill()
            p.wait()
        for stream in (p.stdin, p.stdout, p.stderr):
            try:
                stream.close()
            except (BrokenPipeError, OSError):
                pass

    def ask(self, p, request):
        p.stdin.write(json.dumps(request) + "\n")
        p.stdin.flush()
        line = p.stdout.readline()
        self.assertTrue(line, "the adapter answered")
        return json.loads(line)

    def assert_nothing_left(self):
        self.assertEqual(self.iam.list_users()["Users"], [], "IAM users left")
        self.assertEqual(self.iam.list_virtual_mfa_devices()["VirtualMFADevices"], [], "MFA devices left")
        self.assertEqual(list(backend().access_keys), [], "access keys left")

    def moto_secrets(self):
        """The seed and key as moto's server (in this process) holds them."""
        [device] = backend().virtual_mfa_devices.values()
        [user] = backend().users.values()
        return dict(seed=device.base32_string_seed, key=user.access_keys[0].access_key_id,
                    secret=user.access_keys[0].secret_access_key)

    def session_to_enroll(self, p):
        hello = self.ask(p, {"op": "hello"})
        self.assertEqual(hello["clock"], "real")
        self.assertEqual(hello["policy"], "aws-iam")
        self.assertEqual(hello["enroll_codes"], 2)
        self.assertIn("never tested against real AWS", hello["name"])
        setup = self.ask(p, SETUP)
        self.assertTrue(setup["ok"], setup)
        self.assertEqual(len(bytes.fromhex(setup["secret_hex"])), 40)
        self.assertEqual(len(self.iam.list_users()["Users"]), 1)
        enroll = self.ask(p, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]})
        self.assertEqual((enroll["ok"], enroll["accepted"]), (True, True), enroll)
        self.assertIsInstance(enroll["time_ms"], int)
        self.assertEqual(len(self.iam.list_mfa_devices(UserName=self.iam.list_users()["Users"][0]["UserName"])
                             ["MFADevices"]), 1)
        return self.moto_secrets()

    def test_protocol_to_bye(self):
        p = self.start()
        self.session_to_enroll(p)
        login = self.ask(p, {"op": "login", "user": "u7", "code": "123456"})
        self.assertEqual((login["ok"], login["accepted"]), (True, True), login)
        now = time.time_ns() // 1_000_000
        self.assertTrue(now - 60_000 < login["time_ms"] <= now)
        resync = self.ask(p, {"op": "resync", "user": "u7", "codes": ["123456", "654321"]})
        self.assertFalse(resync["ok"])  # moto's server: HTTP 500, not implemented
        self.assertEqual(self.ask(p, {"op": "bye"}), {"ok": True})
        out, err = p.communicate(timeout=60)
        self.assertEqual((p.returncode, out), (0, ""), err)
        self.assertNotIn("Traceback", err)
        self.assertIn("1 of 1 throwaway users deleted", err)
        self.assert_nothing_left()

    def test_seed_never_leaks(self):
        """All of stdout and stderr of a whole session, read at the end."""
        p = self.start()
        requests = [{"op": "hello"}, SETUP, {"op": "enroll", "user": "u7", "codes": ["123456", "654321"]},
                    {"op": "login", "user": "u7", "code": "123456"}]
        p.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
        p.stdin.flush()
        lines = [p.stdout.readline() for _ in requests]
        secrets = self.moto_secrets()
        p.stdin.write(json.dumps({"op": "bye"}) + "\n")
        out, err = p.communicate(timeout=60)
        check_no_leak(self, "".join(lines) + out, err, **secrets)
        self.assert_nothing_left()

    def test_stdin_closed(self):
        p = self.start()
        self.session_to_enroll(p)
        p.stdin.close()
        self.assertEqual(p.wait(timeout=60), 0)
        self.assertIn("1 of 1 throwaway users deleted", p.stderr.read())
        self.assert_nothing_left()

    def test_sigterm(self):
        p = self.start()
        self.session_to_enroll(p)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=60), 128 + signal.SIGTERM)
        err = p.stderr.read()
        self.assertIn("1 of 1 throwaway users deleted", err)
        self.assert_nothing_left()

    def test_sigint(self):
        p = self.start()
        self.session_to_enroll(p)
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=60), 128 + signal.SIGINT)
        self.assert_nothing_left()

    def test_failing_call_then_stdin_closed(self):
        """A failing API call in the middle (moto's server has no
        ResyncMFADevice: HTTP 500): ok:false, then the lab goes away."""
        p = self.start()
        self.session_to_enroll(p)
        resync = self.ask(p, {"op": "resync", "user": "u7", "codes": ["123456", "654321"]})
        self.assertFalse(resync["ok"])
        p.stdin.close()
        self.assertEqual(p.wait(timeout=60), 0)
        self.assert_nothing_left()

    def test_broken_stdout(self):
        """An exception that escapes the loop (the reader of stdout is gone): cleanup still runs."""
        p = self.start()
        self.session_to_enroll(p)
        p.stdout.close()
        p.stdin.write(json.dumps({"op": "login", "user": "u7", "code": "123456"}) + "\n")
        p.stdin.close()
        p.wait(timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("BrokenPipeError", p.stderr.read())
        self.assert_nothing_left()

    def test_max_users(self):
        p = self.start("--max-users", "1", "--prefix", "budget-")
        self.assertTrue(self.ask(p, SETUP)["ok"])
        refused = self.ask(p, dict(SETUP, user="u8"))
        self.assertFalse(refused["ok"])
        self.assertIn("--max-users 1", refused["error"])
        [user] = self.iam.list_users()["Users"]
        self.assertTrue(user["UserName"].startswith("budget-u7-"))
        self.assertEqual(self.ask(p, {"op": "bye"}), {"ok": True})
        self.assertEqual(p.wait(timeout=60), 0)
        self.assert_nothing_left()


if __name__ == "__main__":
    unittest.main()

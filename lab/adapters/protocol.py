"""The skewsim lab protocol (docs/lab.md): one JSON request per line on
stdin, one JSON answer per line on stdout. An adapter is a class with one
method per operation, `op_<name>(request) -> dict`; this module runs the loop,
adds `"ok": true`, and turns any exception into `{"ok": false, "error": ...}`
so that the driver sees a clear error rather than a hang.

The clock (docs/lab.md, "Real-clock mode"): with `--clock virtual` (the
default) the verifier's clock is set to each request's `time_ms`; with
`--clock real` the verifier keeps its own clock and every check's answer says
when the verifier decided. An adapter with a `clock` attribute (a `Clock`)
gets `"clock"` added to its `hello` answer, and a check answered without
`time_ms` in real mode becomes an error rather than an unusable answer."""

import json
import sys
import time

# The operations the verifier decides; their answers carry `time_ms`.
CHECKS = ("enroll", "skip", "login", "resync")


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def now_ms():
    """The real clock, in integer Unix milliseconds."""
    return time.time_ns() // 1_000_000


def add_clock_argument(parser):
    parser.add_argument(
        "--clock", choices=("virtual", "real"), default="virtual",
        help="virtual (default): the verifier's clock is set to each request's time_ms; "
             "real: the verifier keeps its own clock and each check's answer says when it decided")


class Clock:
    """Which clock the verifier keeps (`--clock`), and when it decided."""

    def __init__(self, mode):
        if mode not in ("virtual", "real"):
            raise ValueError(f"unknown clock {mode!r}")
        self.name = mode
        self.real = mode == "real"

    def seconds(self, request):
        """The time to give the verifier: the request's, or None (its own) in real mode."""
        return None if self.real else seconds(request)

    def decide(self, request, call):
        """Runs `call()`, the verifier's decision, and returns (its result, time_ms).
        Virtual: the request's time. Real: the midpoint of the clock read right
        before and right after the call: a few milliseconds apart in process,
        more around a subprocess (oathtool, pamtester), whose own clock read
        falls somewhere in between. A request's `time_ms` is ignored."""
        if not self.real:
            return call(), request["time_ms"]
        before = now_ms()
        result = call()
        return result, (before + now_ms()) // 2


def stamp(answer, time_ms):
    """The answer with the moment the verifier decided."""
    answer["time_ms"] = int(time_ms)
    return answer


def serve(adapter):
    clock = getattr(adapter, "clock", None)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            op = request.get("op", "")
            if op == "bye":
                getattr(adapter, "close", lambda: None)()
                reply({"ok": True})
                return
            method = getattr(adapter, "op_" + op, None)
            if method is None:
                reply({"ok": False, "error": f"unsupported op {op!r}"})
                continue
            answer = method(request) or {}
            if clock is not None and op == "hello":
                answer["clock"] = clock.name
            if clock is not None and clock.real and op in CHECKS and "time_ms" not in answer:
                raise RuntimeError(f"the adapter answered {op!r} without time_ms in real-clock mode")
            answer["ok"] = True
            reply(answer)
        except Exception as e:  # the driver reports it and stops
            reply({"ok": False, "error": f"{type(e).__name__}: {e}"})
    getattr(adapter, "close", lambda: None)()


def seconds(request):
    """The request's virtual time in (float) seconds."""
    return request["time_ms"] / 1000.0

"""The skewsim lab protocol (docs/lab.md): one JSON request per line on
stdin, one JSON answer per line on stdout. An adapter is a class with one
method per operation, `op_<name>(request) -> dict`; this module runs the loop,
adds `"ok": true`, and turns any exception into `{"ok": false, "error": ...}`
so that the driver sees a clear error rather than a hang."""

import json
import sys


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(adapter):
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
            answer["ok"] = True
            reply(answer)
        except Exception as e:  # the driver reports it and stops
            reply({"ok": False, "error": f"{type(e).__name__}: {e}"})
    getattr(adapter, "close", lambda: None)()


def seconds(request):
    """The request's virtual time in (float) seconds."""
    return request["time_ms"] / 1000.0

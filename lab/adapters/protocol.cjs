"use strict";
/*
 * The skewsim lab protocol (docs/lab.md) for adapters written in JavaScript:
 * the same loop as protocol.py. One JSON request per line on stdin, one JSON
 * answer per line on stdout. An adapter is an object with one method per
 * operation, `op_<name>(request) -> object`; `serve` runs the loop, adds
 * `"ok": true`, and turns any exception into `{"ok": false, "error": ...}` so
 * that the driver sees a clear error rather than a hang.
 *
 * The clock (docs/lab.md, "Real-clock mode"): with `--clock virtual` (the
 * default) the verifier's clock is set to each request's `time_ms`; with
 * `--clock real` the verifier keeps its own clock and every check's answer
 * says when it decided.
 *
 * The verifiers come from lab/node/node_modules (`npm ci` in lab/setup.sh,
 * pinned by lab/node/package-lock.json): `verifiers` resolves them there,
 * whatever the working folder.
 */

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { createRequire } = require("module");

// The operations the verifier decides; their answers carry `time_ms`.
const CHECKS = new Set(["enroll", "skip", "login", "resync"]);

// lab/node: the pinned npm project whose node_modules hold the verifiers.
const NODE_PROJECT = path.resolve(__dirname, "..", "node");

/** `require` as seen from lab/node, so that `verifiers.require("otplib")` is the pinned one. */
const verifiers = {
  require: createRequire(path.join(NODE_PROJECT, "package.json")),
  /** The installed version of package `name` (its package.json, read directly:
   * some packages do not export it). */
  version(name) {
    const file = path.join(NODE_PROJECT, "node_modules", name, "package.json");
    return JSON.parse(fs.readFileSync(file, "utf8")).version;
  },
};

/** The real clock, in integer Unix milliseconds. */
function nowMs() {
  return Date.now();
}

/** Which clock the verifier keeps (`--clock`), and when it decided. */
class Clock {
  constructor(mode) {
    if (mode !== "virtual" && mode !== "real") {
      throw new Error(`unknown clock ${JSON.stringify(mode)}`);
    }
    this.name = mode;
    this.real = mode === "real";
  }

  /** The request's virtual time in ms, or undefined (the verifier's own clock) in real mode. */
  ms(request) {
    if (this.real) {
      return undefined;
    }
    const t = request.time_ms;
    if (!Number.isSafeInteger(t) || t < 0) {
      throw new Error(`time_ms must be a non-negative integer, not ${JSON.stringify(t)}`);
    }
    return t;
  }

  /** Runs `call()`, the verifier's decision (its value or a promise of it),
   * and resolves to [its result, time_ms].
   * Virtual: the request's time. Real: the midpoint of the clock read right
   * before and right after the call (in process: well under a millisecond). */
  async decide(request, call) {
    if (!this.real) {
      return [await call(), request.time_ms];
    }
    const before = nowMs();
    const result = await call();
    return [result, Math.floor((before + nowMs()) / 2)];
  }
}

/** The answer with the moment the verifier decided. */
function stamp(answer, timeMs) {
  answer.time_ms = Math.trunc(timeMs);
  return answer;
}

function reply(obj) {
  // A pipe's writes are synchronous on Linux, so the answer is out before
  // the next request is read (and before exit after `bye`).
  process.stdout.write(JSON.stringify(obj) + "\n");
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (with `=` padding) of hex digits: the form sites store and
 * authenticator apps scan, which every library here takes. */
function base32FromHex(hex) {
  if (typeof hex !== "string" || !/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    throw new Error("secret_hex must be an even number of hex digits");
  }
  const bytes = Buffer.from(hex, "hex");
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) {
    out += BASE32[(value << (5 - bits)) & 31];
  }
  while (out.length % 8 !== 0) {
    out += "=";
  }
  return out;
}

/** The options in argv, by `spec` (`{name: {fallback, parse, help}}`, or
 * `{flag: true}` for one without a value): `--name VALUE` is `parse(VALUE)`.
 * An unknown argument or a value `parse` refuses (undefined) is a usage
 * error: `error: ...` on stderr, exit 2, as argparse does for the Python
 * adapters. */
function parseArgs(argv, spec) {
  const out = {};
  for (const [name, { fallback }] of Object.entries(spec)) {
    out[name] = fallback;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.replace(/^--/, "");
    const entry = spec[name];
    if (!arg.startsWith("--") || entry === undefined) {
      usage(`unknown argument ${arg}`);
    }
    if (entry.flag) {
      out[name] = true;
      continue;
    }
    if (i + 1 >= argv.length) {
      usage(`${arg} needs a value`);
    }
    const value = argv[++i];
    const parsed = entry.parse(value);
    if (parsed === undefined) {
      usage(`${arg} ${value}: ${entry.help}`);
    }
    out[name] = parsed;
  }
  return out;
}

function usage(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** `--clock virtual|real`, as every built-in adapter takes it. */
const CLOCK_ARG = {
  clock: {
    fallback: "virtual",
    parse: (v) => (v === "virtual" || v === "real" ? v : undefined),
    help: "one of virtual, real",
  },
};

/** A whole number of steps, 0 or more. */
function parseSteps(v) {
  return /^[0-9]{1,4}$/.test(v) ? Number(v) : undefined;
}

/** Serves `adapter` until `bye` or the end of stdin. */
async function serve(adapter) {
  const clock = adapter.clock;
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === "") {
      continue;
    }
    try {
      let request;
      try {
        request = JSON.parse(line);
      } catch {
        // Not JSON.parse's message: it quotes the line, which may hold a secret.
        throw new SyntaxError("the request is not one JSON object");
      }
      if (request === null || typeof request !== "object" || Array.isArray(request)) {
        throw new SyntaxError("the request is not one JSON object");
      }
      const op = typeof request.op === "string" ? request.op : "";
      if (op === "bye") {
        if (adapter.close) adapter.close();
        reply({ ok: true });
        lines.close();
        return;
      }
      const method = adapter["op_" + op];
      if (typeof method !== "function") {
        reply({ ok: false, error: `unsupported op ${JSON.stringify(op)}` });
        continue;
      }
      const answer = (await method.call(adapter, request)) || {};
      if (clock && op === "hello") {
        answer.clock = clock.name;
      }
      if (clock && clock.real && CHECKS.has(op) && answer.time_ms === undefined) {
        throw new Error(`the adapter answered ${JSON.stringify(op)} without time_ms in real-clock mode`);
      }
      answer.ok = true;
      reply(answer);
    } catch (e) {
      // The driver reports it and stops.
      const name = e && e.name ? e.name : "Error";
      reply({ ok: false, error: `${name}: ${e && e.message ? e.message : String(e)}` });
    }
  }
  if (adapter.close) adapter.close();
}

module.exports = {
  CLOCK_ARG,
  Clock,
  base32FromHex,
  parseArgs,
  parseSteps,
  serve,
  stamp,
  verifiers,
};

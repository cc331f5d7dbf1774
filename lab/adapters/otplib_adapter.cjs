"use strict";
/*
 * otplib 13.5 as a verifier: its functional API, `verify({ secret, token,
 * epoch, epochTolerance })` (the README's "recommended" API; @otplib/totp
 * src/index.ts, verify() and getTOTPVerifyOptions()). Stateless; a site
 * confirms the enrollment code the same way. `epoch` is whole Unix seconds,
 * as otplib's own default (`Math.floor(Date.now() / 1000)`).
 *
 * --epoch-tolerance S | PAST,FUTURE   otplib's `epochTolerance`, in seconds
 *     (default 0, otplib's default: the current step only). The steps searched
 *     are floor((epoch - PAST) / period) .. floor((epoch + FUTURE) / period):
 *     a multiple of the period is a window in steps (30 = -1..+1); any other
 *     value reaches a step further or not depending on where in its step the
 *     code arrives, which no preset describes. A tolerance other than 0 is
 *     still announced as the `otplib` preset, so that the lab can be shown
 *     to fail.
 * --clock virtual|real   real: no epoch, otplib reads its own clock.
 */

const { CLOCK_ARG, Clock, base32FromHex, parseArgs, serve, stamp, verifiers } = require("./protocol.cjs");

const otplib = verifiers.require("otplib");

/** `S` or `PAST,FUTURE`, whole seconds (otplib refuses others). */
function parseTolerance(v) {
  const m = /^([0-9]{1,6})(?:,([0-9]{1,6}))?$/.exec(v);
  if (!m) return undefined;
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

class OtpLib {
  constructor(tolerance, clock) {
    this.tolerance = tolerance;
    this.clock = clock;
    this.users = new Map();
  }

  op_hello() {
    const t = Array.isArray(this.tolerance) ? `[${this.tolerance.join(", ")}]` : this.tolerance;
    return {
      name: `otplib ${verifiers.version("otplib")} (verify, epochTolerance=${t})`,
      policy: "otplib",
      enroll_codes: 1,
    };
  }

  op_setup(r) {
    this.users.set(r.user, { secret: base32FromHex(r.secret_hex), digits: r.digits, period: r.period_s });
    return {};
  }

  async check(r, token) {
    const user = this.users.get(r.user);
    if (user === undefined) throw new Error(`unknown user ${JSON.stringify(r.user)}`);
    const ms = this.clock.ms(r);
    const epoch = ms === undefined ? undefined : Math.floor(ms / 1000);
    const [result, timeMs] = await this.clock.decide(r, () =>
      otplib.verify({
        secret: user.secret,
        token,
        digits: user.digits,
        period: user.period,
        epoch,
        epochTolerance: this.tolerance,
      }),
    );
    const state = result.valid ? { delta: result.delta, timeStep: result.timeStep } : {};
    return stamp({ accepted: result.valid, state }, timeMs);
  }

  op_enroll(r) {
    if (!Array.isArray(r.codes) || r.codes.length !== 1) throw new Error("otplib confirms one code");
    return this.check(r, r.codes[0]);
  }

  op_login(r) {
    return this.check(r, r.code);
  }
}

const args = parseArgs(process.argv.slice(2), {
  ...CLOCK_ARG,
  "epoch-tolerance": {
    fallback: 0,
    parse: parseTolerance,
    help: "whole seconds, S or PAST,FUTURE",
  },
});
serve(new OtpLib(args["epoch-tolerance"], new Clock(args.clock)));

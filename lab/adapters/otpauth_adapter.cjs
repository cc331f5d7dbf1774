"use strict";
/*
 * otpauth 9.5 as a verifier: `new OTPAuth.TOTP({ secret }).validate({ token,
 * timestamp, window })` (dist/otpauth.node.cjs, TOTP.validate() and
 * HOTP.validate()). It returns the delta of the matching step, or null; the
 * adapter accepts a non-null delta, as the README's `delta !== null` check
 * does. Stateless; a site confirms the enrollment code the same way.
 * `timestamp` is Unix milliseconds, as otpauth's own default (`Date.now()`).
 *
 * --window W   otpauth's `window` (default: none given, so otpauth's default
 *     1: the steps -1..+1, tried in the order 0, -1, +1, ..., -W, +W). A
 *     window other than 1 is still announced as the `otpauth` preset, so
 *     that the lab can be shown to fail.
 * --clock virtual|real   real: no timestamp, otpauth reads its own clock.
 */

const { CLOCK_ARG, Clock, base32FromHex, parseArgs, parseSteps, serve, stamp, verifiers } = require("./protocol.cjs");

const OTPAuth = verifiers.require("otpauth");

class OtpAuth {
  constructor(window, clock) {
    this.window = window;
    this.clock = clock;
    this.users = new Map();
  }

  op_hello() {
    const w = this.window === undefined ? "default 1" : this.window;
    return {
      name: `otpauth ${verifiers.version("otpauth")} (TOTP.validate, window=${w})`,
      policy: "otpauth",
      enroll_codes: 1,
    };
  }

  op_setup(r) {
    const totp = new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(base32FromHex(r.secret_hex)),
      digits: r.digits,
      period: r.period_s,
    });
    this.users.set(r.user, totp);
    return {};
  }

  async check(r, token) {
    const totp = this.users.get(r.user);
    if (totp === undefined) throw new Error(`unknown user ${JSON.stringify(r.user)}`);
    const timestamp = this.clock.ms(r);
    // `window: undefined` leaves otpauth's own default in force.
    const [delta, timeMs] = await this.clock.decide(r, () =>
      totp.validate({ token, timestamp, window: this.window }),
    );
    return stamp({ accepted: delta !== null, state: { delta } }, timeMs);
  }

  op_enroll(r) {
    if (!Array.isArray(r.codes) || r.codes.length !== 1) throw new Error("otpauth confirms one code");
    return this.check(r, r.codes[0]);
  }

  op_login(r) {
    return this.check(r, r.code);
  }
}

const args = parseArgs(process.argv.slice(2), {
  ...CLOCK_ARG,
  window: { fallback: undefined, parse: parseSteps, help: "a whole number of steps, 0 to 9999" },
});
serve(new OtpAuth(args.window, new Clock(args.clock)));

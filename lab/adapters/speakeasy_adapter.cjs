"use strict";
/*
 * speakeasy 2.0 as a verifier: `speakeasy.totp.verifyDelta({ secret,
 * encoding: "base32", token, time, window })` (index.js, totp.verifyDelta()
 * over hotp.verifyDelta()), the call its README shows; `totp.verify` is the
 * same with a boolean. It returns `{ delta }` or undefined. Stateless; a site
 * confirms the enrollment code the same way. `time` is Unix seconds with the
 * milliseconds as a fraction: speakeasy's own default is `Date.now()` in ms.
 *
 * --window W   speakeasy's `window` (default: none given, so 0: the current
 *     step only). A number W searches -W..+W, upwards from -W. A window
 *     other than 0 is still announced as the `speakeasy` preset, so that the
 *     lab can be shown to fail.
 * --window-as-string   pass W as a string, as a site does that reads it from
 *     a config file or the environment without parsing it. verifyDelta then
 *     does `options.window += window` on the string: "1" + 1 = "11", and
 *     hotp.verifyDelta searches from C - W through C - W + parseInt("11"):
 *     -1..+10 for "1", -2..+20 for "2" (no preset describes it).
 * --clock virtual|real   real: no time, speakeasy reads its own clock.
 */

const { CLOCK_ARG, Clock, base32FromHex, parseArgs, parseSteps, serve, stamp, verifiers } = require("./protocol.cjs");

const speakeasy = verifiers.require("speakeasy");

class Speakeasy {
  constructor(window, asString, clock) {
    this.window = asString && window !== undefined ? String(window) : window;
    this.clock = clock;
    this.users = new Map();
  }

  op_hello() {
    const w = this.window === undefined ? "default 0" : JSON.stringify(this.window);
    return {
      name: `speakeasy ${verifiers.version("speakeasy")} (totp.verifyDelta, window=${w})`,
      policy: "speakeasy",
      enroll_codes: 1,
    };
  }

  op_setup(r) {
    this.users.set(r.user, { secret: base32FromHex(r.secret_hex), digits: r.digits, step: r.period_s });
    return {};
  }

  async check(r, token) {
    const user = this.users.get(r.user);
    if (user === undefined) throw new Error(`unknown user ${JSON.stringify(r.user)}`);
    const ms = this.clock.ms(r);
    const time = ms === undefined ? undefined : ms / 1000;
    const options = { secret: user.secret, encoding: "base32", token, digits: user.digits, step: user.step, time };
    if (this.window !== undefined) options.window = this.window;
    const [found, timeMs] = await this.clock.decide(r, () => speakeasy.totp.verifyDelta(options));
    const accepted = found !== undefined && found !== null;
    return stamp({ accepted, state: accepted ? { delta: found.delta } : {} }, timeMs);
  }

  op_enroll(r) {
    if (!Array.isArray(r.codes) || r.codes.length !== 1) throw new Error("speakeasy confirms one code");
    return this.check(r, r.codes[0]);
  }

  op_login(r) {
    return this.check(r, r.code);
  }
}

const args = parseArgs(process.argv.slice(2), {
  ...CLOCK_ARG,
  window: { fallback: undefined, parse: parseSteps, help: "a whole number of steps, 0 to 9999" },
  "window-as-string": { flag: true, fallback: false },
});
serve(new Speakeasy(args.window, args["window-as-string"], new Clock(args.clock)));

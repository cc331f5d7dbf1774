"""FreeRADIUS rlm_totp (Debian freeradius 3.2.1) as a verifier, driven as a
VPN or a switch would: a radiusd of the adapter's own, bound to 127.0.0.1 on
a free port, asked with `radclient` (Access-Request with User-Name and
User-Password; Access-Accept or Access-Reject).

The server's configuration is the least that runs rlm_totp: the people's
secrets in SQLite (`radcheck`: `TOTP-Secret := BASE32`, read by rlm_sql into
control:TOTP-Secret, where rlm_totp looks), `authorize` copies User-Password
to TOTP-Password and sets Auth-Type totp, `authenticate` runs the module.
rlm_totp keeps no state: `state` is empty.

Virtual time: radiusd runs under libfaketime with a timestamp file
(FAKETIME_TIMESTAMP_FILE, FAKETIME_NO_CACHE=1) that the adapter rewrites
before each request (whole seconds, floored, as rlm_totp's `time(NULL)`).
radiusd opens its modules with RTLD_DEEPBIND, which would bind rlm_totp's
time() to libc's own; the preload shim lab/shim/nodeepbind.c (built by
lab/setup.sh) clears that flag. At start the adapter checks that the module
really follows the file: a code of a time a day away from the real clock
must be accepted there and refused an hour later.

The adapter starts radiusd when it starts and stops it at `bye` or when its
input ends (and radiusd gets SIGTERM if the adapter dies first): nothing is
left running. `--window W` (default 0) is not rlm_totp 3.2.1, which has no
window: the adapter then also asks at W steps either side and accepts if
any is accepted, as a windowed verifier would; it exists to show that the
lab catches a wrong window. `--clock real` runs radiusd on the real clock."""

import argparse
import base64
import ctypes
import hashlib
import hmac
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time

from protocol import Clock, add_clock_argument, serve, stamp

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
SHIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".venv", "lib",
                    "skewsim-nodeepbind.so")
MODULE = "/usr/lib/freeradius/rlm_totp.so"
USER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# The time of the start-up check: far from any real clock this lab runs on.
CHECK_TIME = 1_900_000_000
RECEIVED = re.compile(r"Received (Access-Accept|Access-Reject) ")

RADIUSD_CONF = """\
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = {dir}
raddbdir = {dir}
radacctdir = {dir}
name = radiusd
confdir = {dir}
modconfdir = {dir}
run_dir = {dir}
db_dir = {dir}
libdir = /usr/lib/freeradius
pidfile = {dir}/radiusd.pid
max_request_time = 30
# No duplicate cache: every radclient request is a new one, and the clock
# jumps by days between them.
cleanup_delay = 0
max_requests = 1024
hostname_lookups = no
log {{
  destination = files
  file = {dir}/radius.log
  auth = no
}}
security {{
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = no
}}
client lab {{
  ipaddr = 127.0.0.1
  secret = {client_secret}
}}
modules {{
  totp {{
  }}
  sql {{
    driver = "rlm_sql_sqlite"
    dialect = "sqlite"
    sqlite {{
      filename = "{dir}/secrets.db"
    }}
    radius_db = "radius"
    read_groups = no
    read_profiles = no
    sql_user_name = "%{{User-Name}}"
    authcheck_table = "radcheck"
    authreply_table = "radreply"
    groupcheck_table = "radgroupcheck"
    groupreply_table = "radgroupreply"
    usergroup_table = "radusergroup"
    acct_table1 = "radacct"
    acct_table2 = "radacct"
    postauth_table = "radpostauth"
    authorize_check_query = "SELECT id, username, attribute, value, op FROM radcheck WHERE username = '%{{SQL-User-Name}}' ORDER BY id"
    authorize_reply_query = "SELECT id, username, attribute, value, op FROM radcheck WHERE 0"
    group_membership_query = "SELECT username FROM radcheck WHERE 0"
    pool {{
      start = 1
      min = 1
      max = 1
      spare = 0
      uses = 0
      lifetime = 0
      idle_timeout = 0
    }}
  }}
}}
server lab {{
  listen {{
    type = auth
    ipaddr = 127.0.0.1
    port = {port}
  }}
  authorize {{
    sql
    update request {{
      &TOTP-Password := &User-Password
    }}
    update control {{
      &Auth-Type := totp
    }}
  }}
  authenticate {{
    totp
  }}
}}
"""

# radclient needs only these two attributes; the full dictionary costs it
# about 30 ms a request.
RADCLIENT_DICTIONARY = "$INCLUDE /usr/share/freeradius/dictionary.rfc2865\n"


def free_port():
    """A UDP port on 127.0.0.1 that nothing holds now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent():
    """In the child before exec: SIGTERM when the adapter dies (prctl
    PR_SET_PDEATHSIG), so that radiusd never outlives it."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class FreeRadius:
    def __init__(self, window, clock):
        self.window = window
        self.clock = clock
        self.server = None
        self.dir = tempfile.mkdtemp(prefix="skewsim-freeradius-")
        os.chmod(self.dir, 0o700)
        self.clock_file = os.path.join(self.dir, "now")
        self.db = sqlite3.connect(os.path.join(self.dir, "secrets.db"))
        self.db.execute("CREATE TABLE radcheck (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                        "username TEXT NOT NULL, attribute TEXT NOT NULL, "
                        "op TEXT NOT NULL DEFAULT ':=', value TEXT NOT NULL)")
        self.db.commit()
        self.secret_file = os.path.join(self.dir, "client-secret")
        with open(self.secret_file, "w") as f:
            f.write(secrets.token_hex(16))
        # radclient reads DIR/dictionary too (-d): an empty one.
        with open(os.path.join(self.dir, "dictionary"), "w"):
            pass
        self.dict_dir = os.path.join(self.dir, "radclient-dictionary")
        os.mkdir(self.dict_dir)
        with open(os.path.join(self.dict_dir, "dictionary"), "w") as f:
            f.write(RADCLIENT_DICTIONARY)

    def binary(self):
        for name in ("freeradius", "radiusd"):
            path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
            if path:
                return path
        raise RuntimeError("no freeradius (radiusd) binary: bash lab/setup.sh")

    def start(self):
        """Starts radiusd on a free port, unless it runs, and waits until it
        serves; a port taken in between is retried with another. Called by
        the first request, so that a failure is the protocol's error."""
        if self.server is not None and self.server.poll() is None:
            return
        for path, what in ((MODULE, "freeradius"), (FAKETIME, "libfaketime")):
            if not os.path.exists(path):
                raise RuntimeError(f"{path} missing: install {what} (bash lab/setup.sh)")
        if not self.clock.real and not os.path.exists(SHIM):
            raise RuntimeError(f"{os.path.normpath(SHIM)} missing: bash lab/setup.sh builds it")
        if shutil.which("radclient") is None:
            raise RuntimeError("radclient missing: install freeradius-utils (bash lab/setup.sh)")
        with open(self.secret_file) as f:
            client_secret = f.read().strip()
        env = dict(os.environ)
        if not self.clock.real:
            self.set_clock(CHECK_TIME)
            env.update(LD_PRELOAD=f"{os.path.normpath(SHIM)} {FAKETIME}", FAKETIME_FMT="%s",
                       FAKETIME_TIMESTAMP_FILE=self.clock_file, FAKETIME_NO_CACHE="1")
        log = os.path.join(self.dir, "radius.log")
        last = ""
        for _ in range(3):
            self.port = free_port()
            with open(os.path.join(self.dir, "radiusd.conf"), "w") as f:
                f.write(RADIUSD_CONF.format(dir=self.dir, port=self.port, client_secret=client_secret))
            if os.path.exists(log):
                os.remove(log)
            self.server = subprocess.Popen(
                [self.binary(), "-f", "-s", "-d", self.dir, "-l", log],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=env, preexec_fn=die_with_parent)
            end = time.monotonic() + 20
            while time.monotonic() < end and self.server.poll() is None:
                if os.path.exists(log) and "Ready to process requests" in open(log).read():
                    self.check_clock()
                    return
                time.sleep(0.05)
            last = open(log).read()[-400:] if os.path.exists(log) else "(no log)"
            self.stop()
        raise RuntimeError(f"radiusd did not start: {last}")

    def check_clock(self):
        """rlm_totp must read the timestamp file, not the real clock: a
        code of CHECK_TIME accepted there, refused an hour later."""
        if self.clock.real:
            return
        key = secrets.token_bytes(20)
        self.add_secret("skewsim-clock-check", key)
        code = totp(key, CHECK_TIME)
        self.set_clock(CHECK_TIME)
        now = self.ask("skewsim-clock-check", code)
        self.set_clock(CHECK_TIME + 3600)
        later = self.ask("skewsim-clock-check", code)
        if not now or later:
            raise RuntimeError("rlm_totp does not follow libfaketime's clock (accepted at the faked "
                               f"time: {now}, an hour later: {later}); is the preload shim built?")

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def close(self):
        self.stop()
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def op_hello(self, _):
        self.start()
        dpkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "freeradius"],
                              capture_output=True, text=True).stdout
        window = f", adapter's window ±{self.window}: not rlm_totp" if self.window else ""
        return {"name": f"FreeRADIUS rlm_totp {dpkg}{window}", "policy": "freeradius-totp",
                "enroll_codes": 1}

    def add_secret(self, user, key):
        self.db.execute("DELETE FROM radcheck WHERE username = ?", (user,))
        self.db.execute("INSERT INTO radcheck (username, attribute, op, value) "
                        "VALUES (?, 'TOTP-Secret', ':=', ?)",
                        (user, base64.b32encode(key).decode()))
        self.db.commit()

    def op_setup(self, r):
        if not USER_NAME.match(r["user"]):
            raise ValueError("a user name of 1 to 32 letters, digits, - and _")
        self.start()
        if r["period_s"] != 30 or r["digits"] != 6:
            raise ValueError("rlm_totp 3.2.1 takes 30 s steps and 6 digits only")
        self.add_secret(r["user"], bytes.fromhex(r["secret_hex"]))
        return {}

    def set_clock(self, seconds):
        # Written whole, then renamed: libfaketime never reads half a number.
        tmp = self.clock_file + ".new"
        with open(tmp, "w") as f:
            f.write(f"{seconds}\n")
        os.replace(tmp, self.clock_file)

    def ask(self, user, code):
        """One Access-Request: whether radiusd accepted it."""
        if self.server is None or self.server.poll() is not None:
            raise RuntimeError("radiusd is not running (it stopped, or no hello or setup came first)")
        run = subprocess.run(
            ["radclient", "-D", self.dict_dir, "-d", self.dir, "-r", "1", "-t", "5",
             "-S", self.secret_file, f"127.0.0.1:{self.port}", "auth"],
            input=f'User-Name = "{user}", User-Password = "{code}"\n',
            capture_output=True, text=True, timeout=30)
        got = RECEIVED.findall(run.stdout)
        if len(got) != 1:
            raise RuntimeError(f"radclient exited {run.returncode} with no answer: "
                               f"{(run.stdout + run.stderr).strip()[-300:]}")
        return got[0] == "Access-Accept"

    def check(self, r, code):
        user = r["user"]

        def decide():
            if self.clock.real:
                return self.ask(user, code)
            base = r["time_ms"] // 1000
            # Offsets 0, +1, -1, ... (--window 0: only the request's time).
            for i in range(self.window + 1):
                for sign in ((1, -1) if i else (1,)):
                    self.set_clock(base + sign * i * 30)
                    if self.ask(user, code):
                        return True
            return False

        accepted, time_ms = self.clock.decide(r, decide)
        return stamp({"accepted": accepted, "state": {}}, time_ms)

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("rlm_totp checks one code")
        return self.check(r, r["codes"][0])

    def op_login(self, r):
        return self.check(r, r["code"])


def totp(key, seconds):
    """RFC 6238 with SHA-1, 30 s, 6 digits: the start-up check's code."""
    mac = hmac.new(key, struct.pack(">Q", seconds // 30), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=int, default=0,
                        help="0 (default): rlm_totp as it is; W > 0: also ask at W steps either side "
                             "(a deliberately wrong variant, for the lab's own test)")
    add_clock_argument(parser)
    args = parser.parse_args()
    if args.window < 0:
        parser.error("--window must be 0 or more")
    if args.window and args.clock == "real":
        parser.error("--window needs the virtual clock")
    serve(FreeRadius(args.window, Clock(args.clock)))

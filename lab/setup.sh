#!/usr/bin/env bash
# Installs what `skewsim lab` drives: the Debian packages (oathtool, the
# libpam module and its setup tool, pamtester, libfaketime, pam_oath with
# nss_wrapper, FreeRADIUS with radclient), a Python venv in lab/.venv with the
# pinned verifiers of lab/requirements.txt, the Node.js verifiers in
# lab/node/node_modules (npm ci, lab/node/package-lock.json), a small preload
# shim for radiusd, and the totp-rs adapter (lab/totp-rs-adapter, built with
# cargo). Idempotent: a second run installs nothing new.
# Needs root for apt-get (and the libpam and pam_oath adapters need root to
# write their PAM service files).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v oathtool >/dev/null 2>&1 || need+=(oathtool)
command -v pamtester >/dev/null 2>&1 || need+=(pamtester)
command -v google-authenticator >/dev/null 2>&1 \
  && [ -e /lib/x86_64-linux-gnu/security/pam_google_authenticator.so ] \
  || need+=(libpam-google-authenticator)
[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || need+=(libfaketime)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
# pam_oath (OATH Toolkit) through pamtester, with nss_wrapper so that the
# simulated people need no system accounts.
[ -e /lib/x86_64-linux-gnu/security/pam_oath.so ] || need+=(libpam-oath)
[ -e /usr/lib/x86_64-linux-gnu/libnss_wrapper.so ] || need+=(libnss-wrapper)
# FreeRADIUS's rlm_totp in a radiusd of the adapter's own, asked with
# radclient; a C compiler for the small preload shim below.
[ -e /usr/lib/freeradius/rlm_totp.so ] || need+=(freeradius)
command -v radclient >/dev/null 2>&1 || need+=(freeradius-utils)
command -v cc >/dev/null 2>&1 || need+=(gcc)
fresh_radius=no
case " ${need[*]} " in *" freeradius "*) fresh_radius=yes ;; esac
if [ ${#need[@]} -gt 0 ]; then
  echo "lab/setup.sh: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Installing freeradius enables its system service; under systemd it starts
# at once, on every address. The lab runs its own radiusd on 127.0.0.1, so
# the service this script brought in is stopped and disabled again.
if [ "$fresh_radius" = yes ] && [ -d /run/systemd/system ]; then
  echo "lab/setup.sh: stopping and disabling the freeradius service (the lab starts its own radiusd)"
  systemctl disable --now freeradius >/dev/null 2>&1 || true
fi

if [ ! -x .venv/bin/python ]; then
  echo "lab/setup.sh: creating lab/.venv"
  python3 -m venv .venv
fi
# pip does nothing when every pin is already satisfied.
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
# The Node.js verifiers (otplib, otpauth, speakeasy), pinned by
# lab/node/package-lock.json. Their crypto dependency (@noble/hashes 2.4)
# needs Node.js >= 20.19; Debian 12's own nodejs is 18.20, so there the
# apt-get fallback ends in the version check's error.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "lab/setup.sh: node or npm missing: apt-get install nodejs npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
    || { echo "lab/setup.sh: error: could not install nodejs and npm (the Node.js verifiers need Node.js >= 20.19 and npm)" >&2; exit 1; }
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "lab/setup.sh: error: node $(node --version) is too old: the Node.js verifiers (lab/node/package-lock.json) need Node.js >= 20.19" >&2
  exit 1
fi
# npm ci replaces node_modules from the lock file; the stamp (a copy of the
# lock, written after it succeeded) makes a second run install nothing.
if ! cmp -s node/package-lock.json node/node_modules/.skewsim-lock.json; then
  echo "lab/setup.sh: npm ci in lab/node"
  (cd node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  cp node/package-lock.json node/node_modules/.skewsim-lock.json
fi

# radiusd opens its modules with RTLD_DEEPBIND, which hides libfaketime from
# rlm_totp; the shim clears that flag (lab/shim/nodeepbind.c). Rebuilt when
# its source is newer.
shim=.venv/lib/skewsim-nodeepbind.so
if [ ! -e "$shim" ] || [ shim/nodeepbind.c -nt "$shim" ]; then
  echo "lab/setup.sh: building $shim"
  cc -shared -fPIC -O2 -Wall -Werror -o "$shim" shim/nodeepbind.c -ldl
fi

# The totp-rs adapter: a Rust crate of its own (not in skewsim's workspace, so
# skewsim's cargo test never builds it), pinned by its Cargo.lock, built into
# its own target folder whatever CARGO_TARGET_DIR says; cargo rebuilds nothing
# when it is up to date.
cargo build --release --locked --quiet --manifest-path totp-rs-adapter/Cargo.toml \
  --target-dir totp-rs-adapter/target
# The mark that everything above succeeded: build.rs looks for it, and
# without it `cargo test` reports the lab's tests as ignored. It holds the
# files that decide what is installed (SETUP_INPUTS, in its order; build.rs
# reads the list from this line), so that after any of them changes the
# tests wait for this script to run again instead of failing against the
# old installation.
SETUP_INPUTS="setup.sh requirements.txt node/package.json node/package-lock.json shim/nodeepbind.c totp-rs-adapter/Cargo.toml totp-rs-adapter/Cargo.lock totp-rs-adapter/src/main.rs"
# shellcheck disable=SC2086 # the list is split on purpose
cat $SETUP_INPUTS >.venv/.skewsim-setup-done.tmp
mv .venv/.skewsim-setup-done.tmp .venv/.skewsim-setup-done
echo "lab/setup.sh: ready (Python $(.venv/bin/python -c 'import sys; print(sys.version.split()[0])'), Node.js $(node --version))"

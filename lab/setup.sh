#!/usr/bin/env bash
# Installs what `skewsim lab` drives: the Debian packages (oathtool, the
# libpam module and its setup tool, pamtester, libfaketime), a Python venv
# in lab/.venv with the pinned verifiers of lab/requirements.txt, and the
# totp-rs adapter (lab/totp-rs-adapter, built with cargo). Idempotent:
# a second run installs nothing new. Needs root for apt-get (and the libpam
# adapter needs root to write its PAM service file).
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
if [ ${#need[@]} -gt 0 ]; then
  echo "lab/setup.sh: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "lab/setup.sh: creating lab/.venv"
  python3 -m venv .venv
fi
# pip does nothing when every pin is already satisfied.
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
# The totp-rs adapter: a Rust crate of its own (not in skewsim's workspace, so
# skewsim's cargo test never builds it), pinned by its Cargo.lock, built into
# its own target folder whatever CARGO_TARGET_DIR says; cargo rebuilds nothing
# when it is up to date.
cargo build --release --locked --quiet --manifest-path totp-rs-adapter/Cargo.toml \
  --target-dir totp-rs-adapter/target
# The mark that everything above succeeded: build.rs looks for it, and
# without it `cargo test` reports the lab's tests as ignored.
[ -e .venv/.skewsim-setup-done ] || : >.venv/.skewsim-setup-done
echo "lab/setup.sh: ready ($(.venv/bin/python -c 'import sys; print(sys.version.split()[0])'))"

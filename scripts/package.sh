#!/usr/bin/env bash
# Builds the Python wheel of attune-ops in target/wheels/ (maturin,
# bindings = "bin"): `pip install target/wheels/attune_ops-*.whl` puts a
# working `attune-ops` on the venv's PATH, offline — the binary carries its
# site. Idempotent; maturin comes from PyPI into .tools/py the first time.
#
# Usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MATURIN_VERSION=1.9.4
VENV="$PWD/.tools/py"
say() { printf '\033[1;34m[package]\033[0m %s\n' "$*"; }

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
if ! "$VENV/bin/maturin" --version 2>/dev/null | grep -q "$MATURIN_VERSION"; then
  say "installing maturin $MATURIN_VERSION into .tools/py"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "maturin==$MATURIN_VERSION"
fi
# The site first: the binary maturin builds embeds it (server/build.rs).
say "building the site"
scripts/build.sh --frontend-only
say "building the wheel"
rm -f target/wheels/attune_ops-*.whl
"$VENV/bin/maturin" build --release --manifest-path server/Cargo.toml --out target/wheels
wheel="$(ls target/wheels/attune_ops-*.whl)"
say "built $wheel"
say "install it: pip install $wheel   (then: attune-ops --project-root /path/to/project)"

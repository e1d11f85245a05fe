#!/usr/bin/env bash
# Installs everything the build and the tests need, idempotently.
#
# Each step checks first and does nothing when the tool is already present at
# the right version, so running this on every `make`-style invocation is cheap
# (a few seconds). On a fresh machine it takes about 25 minutes, most of it
# compiling cargo-leptos.
#
# Usage: scripts/setup.sh [--browser]   (--browser also installs Chromium and
#                                        the Playwright npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen` pin in Cargo.toml
BINARYEN_VERSION=132
TOOLS_DIR="$PWD/.tools"        # npm-installed wasm-opt lives here (git-ignored)

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

want_browser=0
for a in "$@"; do
  case "$a" in
    --browser) want_browser=1 ;;
    *) echo "unknown option: $a" >&2; exit 2 ;;
  esac
done

export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

# 1. wasm target (no-op when present).
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. cargo-leptos, pinned: 0.3.11 needs a newer rustc than these machines have.
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 19 minutes on 2 cores)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION" --features no_downloads
fi

# 3. wasm-bindgen CLI, in lockstep with the crate (a mismatch fails every build).
#    No --locked: its lockfile names a crate version the registry mirror lacks.
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# 4. wasm-opt for release builds, from npm (Debian's binaryen 108 produces wasm
#    that fails to hydrate; cargo-leptos would otherwise try GitHub).
if ! "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "$BINARYEN_VERSION"; then
  say "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
  mkdir -p "$TOOLS_DIR"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "binaryen@$BINARYEN_VERSION"
fi

# 5. cargo-nextest (usually present).
if ! cargo nextest --version >/dev/null 2>&1; then
  say "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

if [ "$want_browser" = 1 ]; then
  # 6. Debian packages the tests use: Chromium (never a test tool's own
  #    browser download), faketime (the e2e suite at a fixed month edge,
  #    E2E_FAKETIME) and redis-server (Memory and Collab).
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v faketime >/dev/null 2>&1 || missing+=(faketime)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # 7. Playwright test runner (downloads no browser).
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    say "installing Playwright npm packages"
    (cd end2end && npm ci --silent --no-audit --no-fund 2>/dev/null || npm install --silent --no-audit --no-fund)
  fi
fi
say "tools ready"

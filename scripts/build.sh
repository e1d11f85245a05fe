#!/usr/bin/env bash
# The release build: the site, then the `attune-ops` binary that embeds it.
# `--split`: every page is a lazy route (app/src/pages/lazy.rs) whose wasm
# is its own chunk; a build without it would not load. Expects the tools
# of scripts/setup.sh.
#
# Usage: scripts/build.sh [--frontend-only]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
exec cargo leptos build --release --split "$@"

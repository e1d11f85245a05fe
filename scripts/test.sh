#!/usr/bin/env bash
# Runs every check: formatting, clippy (server and wasm builds), unit and
# integration tests, a release build, and the Playwright suite in Debian's
# Chromium (each page with JavaScript off and hydrated). Installs what it
# needs first (idempotent; about 25 minutes the first time on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }
t0=$SECONDS

step "rustfmt"
cargo fmt --all --check

step "clippy (server side)"
cargo clippy --locked --all-targets -- -D warnings

step "clippy (browser side, wasm32)"
cargo clippy --locked -p attune-ops-app --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests"
cargo nextest run --locked --no-fail-fast

step "release build (cargo leptos)"
scripts/build.sh

step "end-to-end tests (Playwright in Chromium: SSR and hydrated)"
(cd end2end && npx playwright test)

# Once more at a month edge (the first minutes of a month, the day after a
# non-leap February): dashboard, demo generator and API imitations under
# libfaketime, the browser's clock set to theirs. Tests must not depend on
# today's date; this run proves it on any day CI runs.
step "end-to-end tests at a month edge (E2E_FAKETIME=${E2E_EDGE:=2027-03-01 00:05:00})"
(cd end2end && E2E_FAKETIME="$E2E_EDGE" npx playwright test)

step "all checks passed in $((SECONDS - t0)) s"

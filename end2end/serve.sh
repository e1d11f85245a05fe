#!/usr/bin/env bash
# Starts attune-ops on a fresh copy of the demo world for the end-to-end
# tests (Playwright's webServer runs this from the repository root).
#
# E2E_FAKETIME='2027-03-01 00:20:00' (UTC) runs everything below — the
# demo-home generator, the API imitations and the dashboard — under
# libfaketime, starting at that instant with the clock ticking. The tests
# read the server's clock from its Date header and set the browser's to it
# (tests/fixtures.ts), so both sides agree on "now".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ -n "${E2E_FAKETIME:-}" ] && [ -z "${FAKETIME:-}" ]; then
  command -v faketime >/dev/null || { echo "E2E_FAKETIME needs faketime (scripts/setup.sh --browser installs it)" >&2; exit 1; }
  # The monotonic clock is shifted too (it still ticks at the real rate):
  # with it left alone, libfaketime turns Python's absolute-deadline sleeps
  # into invalid ones (EINVAL).
  export TZ=UTC
  exec faketime "$E2E_FAKETIME" bash "$0" "$@"
fi
HOME_DIR="$ROOT/target/e2e-home"
PROJECT="$ROOT/target/e2e-project"
rm -rf "$PROJECT" && cp -R examples/demo "$PROJECT"
python3 examples/gen_demo_home.py --home "$HOME_DIR" --project "$PROJECT" --force >/dev/null
source scripts/fake-apis.sh
start_fake_apis "$HOME_DIR"
# Memory and Collab read a real Redis, seeded with the demo's index.
source scripts/demo-redis.sh
start_demo_redis "$HOME_DIR/redis"
export ATTUNE_HOME="$HOME_DIR" CLAUDE_CONFIG_DIR="$HOME_DIR/claude" PYTHONDONTWRITEBYTECODE=1
export ATTUNE_OPS_PENDING_WRITES="$HOME_DIR/pending_writes.jsonl" ATTUNE_OPS_SWEEP_RESULTS=1
# Both projects press Refresh on the Cost page and expect a live fetch with
# progress: no 30 s limit between forced refreshes here (it has its own
# integration tests).
export ANTHROPIC_COST_MIN_REFRESH_SECONDS=0
# The binary as users get it: copied alone to a directory of its own
# outside the checkout and started from another one, so every page tested
# is served from what it embeds (no target/site beside it to fall back on).
BIN_DIR="${TMPDIR:-/tmp}/attune-ops-e2e-bin-${E2E_PORT:-18799}"
rm -rf "$BIN_DIR" && mkdir -p "$BIN_DIR"
cp "${E2E_BIN:-$ROOT/target/release/attune-ops}" "$BIN_DIR/attune-ops"
unset LEPTOS_SITE_ROOT
version="$("$BIN_DIR/attune-ops" --version)"
case "$version" in
  *"embedded, precompressed"*) ;;
  *) echo "the release binary does not carry its site ($version): build it with scripts/build.sh" >&2; exit 1 ;;
esac
cd "$HOME_DIR"
exec "$BIN_DIR/attune-ops" --project-root "$PROJECT" --allow-run --specs-candidates --max-concurrent-runs 2 \
  --port "${E2E_PORT:-18799}" --no-browser

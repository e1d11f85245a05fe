#!/usr/bin/env bash
# Builds attune-ops and starts it on the bundled demo world (a fresh copy of
# examples/demo), with runs and spec candidates enabled. Installs what the build needs first (idempotent).
#
#   scripts/demo.sh            # http://127.0.0.1:8765 (or $PORT)
#   scripts/demo.sh --port 9000 --no-browser
#
# Extra arguments go to attune-ops.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$ROOT/.tools/node_modules/.bin:$PATH"

echo "[demo] building (release)…"
"$ROOT/scripts/build.sh"

HOME_DIR="$ROOT/target/demo-home"
# A fresh copy of the demo codebase each time: status flips and workflow
# runs change files, and the checkout stays clean.
PROJECT="$ROOT/target/demo-project"
rm -rf "$PROJECT" && cp -R examples/demo "$PROJECT"
python3 examples/gen_demo_home.py --home "$HOME_DIR" --project "$PROJECT" --force

# Anthropic spend (Cost page) and GitHub (spec "Ready to close?" checks),
# from offline imitations of both APIs.
source scripts/fake-apis.sh
start_fake_apis "$HOME_DIR"
# Memory and Collab: a redis-server on a free port, seeded with the demo's
# memory index and round-table threads.
source scripts/demo-redis.sh
start_demo_redis "$HOME_DIR/redis"
export ATTUNE_OPS_PENDING_WRITES="$HOME_DIR/pending_writes.jsonl"
# Keep each discovery sweep's result (the Workflows row's chips).
export ATTUNE_OPS_SWEEP_RESULTS=1

# Other actors "running" workflows, for the bulletin strip.
python3 examples/demo_actors.py --home "$HOME_DIR" --project "$PROJECT" &
ACTORS=$!
trap 'kill $ACTORS 2>/dev/null || true' EXIT

export ATTUNE_HOME="$HOME_DIR"
export CLAUDE_CONFIG_DIR="$HOME_DIR/claude"
export PYTHONDONTWRITEBYTECODE=1
# Not exec: the trap above must outlive the dashboard to stop the actors.
target/release/attune-ops --project-root "$PROJECT" --allow-run --specs-candidates "$@"

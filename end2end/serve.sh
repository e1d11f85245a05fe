#!/usr/bin/env bash
# Starts attune-ops on a fresh copy of the demo world for the end-to-end
# tests (Playwright's webServer runs this from the repository root).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
HOME_DIR="$ROOT/target/e2e-home"
PROJECT="$ROOT/target/e2e-project"
rm -rf "$PROJECT" && cp -R examples/demo "$PROJECT"
python3 examples/gen_demo_home.py --home "$HOME_DIR" --project "$PROJECT" --force >/dev/null
source scripts/fake-apis.sh
start_fake_apis "$HOME_DIR"
export ATTUNE_HOME="$HOME_DIR" CLAUDE_CONFIG_DIR="$HOME_DIR/claude" PYTHONDONTWRITEBYTECODE=1
export ATTUNE_OPS_PENDING_WRITES="$HOME_DIR/pending_writes.jsonl"
exec "${E2E_BIN:-$ROOT/target/release/attune-ops}" --project-root "$PROJECT" --allow-run --specs-candidates --max-concurrent-runs 2 \
  --port "${E2E_PORT:-18799}" --no-browser

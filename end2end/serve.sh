#!/usr/bin/env bash
# Starts attune-ops on a fresh copy of the demo world for the end-to-end
# tests (Playwright's webServer runs this from the repository root).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
HOME_DIR="$ROOT/target/e2e-home"
python3 examples/gen_demo_home.py --home "$HOME_DIR" --project "$ROOT/examples/demo" --force >/dev/null
source scripts/fake-admin-api.sh
start_fake_admin_api "$HOME_DIR"
export ATTUNE_HOME="$HOME_DIR" CLAUDE_CONFIG_DIR="$HOME_DIR/claude" PYTHONDONTWRITEBYTECODE=1
exec "${E2E_BIN:-$ROOT/target/release/attune-ops}" --project-root "$ROOT/examples/demo" --allow-run --max-concurrent-runs 2 \
  --port "${E2E_PORT:-18799}" --no-browser

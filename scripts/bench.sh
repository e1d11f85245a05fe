#!/usr/bin/env bash
# Benchmarks attune-ops (figures, not pass/fail): builds the release binary,
# then runs benches/ against it. `scripts/bench.sh sse` runs one group.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
# The same build as the demo (server and site must come from one build).
scripts/build.sh
cargo run --release -p attune-ops-bench -- "$@"

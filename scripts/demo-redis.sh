# Sourced by scripts/demo.sh and end2end/serve.sh: starts Debian's
# redis-server on a free loopback port (no persistence), seeds it with the
# demo world's memory index and round-table threads (examples/demo_redis.txt
# plus a hydration stamp three hours old), and points the dashboard at it
# (REDIS_URL). The server stops when the calling shell's process (or what
# it exec'd into) ends. Without redis-server, Memory and Collab say Redis
# is unreachable and everything else works.
#
#   start_demo_redis <dir for its files>
#
# Redis does not run under libfaketime (its allocator's start-up recursion
# aborts it, and redis-cli hangs): under E2E_FAKETIME both run on the real
# clock. What is seeded is relative (TTLs) or stamped by `date`, which the
# fake clock does move, so the dashboard still sees a three-hour-old index.
_real_clock() { env -u LD_PRELOAD -u FAKETIME -u DYLD_INSERT_LIBRARIES "$@"; }
_cli() { _real_clock timeout 5 redis-cli "$@"; }
start_demo_redis() {
  local dir="$1" port pid i
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "[demo] redis-server is not installed (scripts/setup.sh installs it): Memory and Collab will say Redis is unreachable" >&2
    return 0
  fi
  mkdir -p "$dir"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  _real_clock redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
  pid=$!
  # Stop it with the process that started it (demo.sh, or the dashboard
  # serve.sh exec'd into).
  ( parent=$$; while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill "$pid" 2>/dev/null ) >/dev/null 2>&1 &
  for i in $(seq 1 100); do
    [ "$(_cli -p "$port" ping 2>/dev/null)" = "PONG" ] && break
    sleep 0.1
  done
  if [ "$(_cli -p "$port" ping 2>/dev/null)" != "PONG" ]; then
    echo "[demo] redis-server did not start (see $dir/redis.log): Memory and Collab will say Redis is unreachable" >&2
    return 0
  fi
  _cli -p "$port" <examples/demo_redis.txt >/dev/null
  _cli -p "$port" SET attune:memory:hydrated_at "$(date -u -d '3 hours ago' +%Y-%m-%dT%H:%M:%S+00:00)" >/dev/null
  export REDIS_URL="redis://127.0.0.1:$port/0"
}

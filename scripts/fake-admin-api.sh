# Sourced by scripts/demo.sh and end2end/serve.sh: starts the offline
# imitation of the Anthropic Admin API (examples/fake_admin_api.py) and
# points the dashboard at it with a demo admin key. The imitation exits by
# itself when the calling shell's process (or what it exec'd into) ends.
#
#   start_fake_admin_api <dir for its port file>
start_fake_admin_api() {
  local dir="$1" key="sk-ant-admin01-demo-key-not-a-real-one"
  local port_file="$dir/.fake-admin-api.port"
  mkdir -p "$dir"
  rm -f "$port_file"
  python3 examples/fake_admin_api.py --key "$key" --port-file "$port_file" --exit-with $$ &
  local i
  for i in $(seq 1 100); do
    [ -s "$port_file" ] && break
    sleep 0.1
  done
  if [ ! -s "$port_file" ]; then
    echo "[demo] the fake Admin API did not start; the Cost page will show an error" >&2
    return 0
  fi
  export ANTHROPIC_BASE_URL="http://127.0.0.1:$(cat "$port_file")"
  export ANTHROPIC_ADMIN_API_KEY="$key"
}

# Sourced by scripts/demo.sh and end2end/serve.sh: starts the offline
# imitations of the Anthropic Admin and Messages APIs and GitHub's REST API
# (examples/fake_apis.py) and points the dashboard at them with demo
# credentials. The imitation exits by itself when the calling shell's
# process (or what it exec'd into) ends.
#
#   start_fake_apis <dir for its port file>
start_fake_apis() {
  local dir="$1" key="sk-ant-admin01-demo-key-not-a-real-one" gh="demo-github-token" api_key="sk-ant-api03-demo-key-not-a-real-one"
  local port_file="$dir/.fake-apis.port"
  mkdir -p "$dir"
  rm -f "$port_file"
  python3 examples/fake_apis.py --key "$key" --github-token "$gh" --api-key "$api_key" --port-file "$port_file" --exit-with $$ &
  local i
  for i in $(seq 1 100); do
    [ -s "$port_file" ] && break
    sleep 0.1
  done
  if [ ! -s "$port_file" ]; then
    echo "[demo] the fake APIs did not start; Cost and spec candidates will show errors" >&2
    return 0
  fi
  local base="http://127.0.0.1:$(cat "$port_file")"
  export ANTHROPIC_BASE_URL="$base" ANTHROPIC_ADMIN_API_KEY="$key" ANTHROPIC_API_KEY="$api_key"
  export GITHUB_API_URL="$base" GH_TOKEN="$gh" ATTUNE_OPS_GITHUB_REPO="demo-org/demo-shop"
}

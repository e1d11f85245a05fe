#!/usr/bin/env bash
# Builds attune-ops and installs the one binary — its web site embedded —
# to PREFIX/bin (default ~/.local/bin). Works from a plain shell: the
# build tools are installed and put on PATH here. Running it again
# rebuilds what changed and replaces the installed binary.
#
# Usage: scripts/install.sh [--prefix DIR]
set -euo pipefail
here="$PWD"
cd "$(dirname "$0")/.."

prefix="$HOME/.local"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "--prefix needs a directory" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) sed -n '2,8p' scripts/install.sh | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (usage: scripts/install.sh [--prefix DIR])" >&2; exit 2 ;;
  esac
done
# Relative to where it was asked from; a quoted `~/…` means home.
case "$prefix" in
  "~") prefix="$HOME" ;;
  "~/"*) prefix="$HOME/${prefix#"~/"}" ;;
  /*) ;;
  *) prefix="$here/$prefix" ;;
esac

say() { printf '\033[1;34m[install]\033[0m %s\n' "$*"; }

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
say "building (release; the site is embedded in the binary)"
scripts/build.sh
built=target/release/attune-ops
version="$("$built" --version)"
case "$version" in
  *"embedded, precompressed"*) ;;
  *) echo "the built binary does not carry its site ($version)" >&2; exit 1 ;;
esac

mkdir -p "$prefix/bin"
# Copied beside, then renamed over: a running attune-ops keeps its file.
install -m 0755 "$built" "$prefix/bin/.attune-ops.new"
mv -f "$prefix/bin/.attune-ops.new" "$prefix/bin/attune-ops"
say "installed $prefix/bin/attune-ops — $version"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) say "$prefix/bin is not on your PATH; add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
say "run it on a project: attune-ops --project-root /path/to/project"

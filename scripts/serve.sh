#!/usr/bin/env bash
# Build the playground (release) and serve it with `impnet serve` on http://127.0.0.1:8080
# (loopback only), with the live-mode WebSocket endpoint on /ws.
#   scripts/serve.sh             # setup if needed, trunk release build, serve dist/
#   PORT=9000 scripts/serve.sh   # another port
#   IMPNET_NO_SPLIT=1 scripts/serve.sh   # the wasm in one piece (no scripts/split.sh)
# The build is the shipped bundle's (lib.sh, bundle_env: std rebuilt for size, panics abort).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Idempotent and quick once everything is installed.
[ "${IMPNET_SKIP_SETUP:-}" = 1 ] || scripts/setup.sh
load_route

say "trunk build --release=true"
bundle_env trunk build --release=true
if [ "${IMPNET_NO_SPLIT:-}" != 1 ]; then
    scripts/split.sh
fi
say "http://127.0.0.1:${PORT:-8080}/ (and ws://127.0.0.1:${PORT:-8080}/ws for live mode)"
exec cargo run --profile native -p impnet -- serve --addr "127.0.0.1:${PORT:-8080}" --dist dist

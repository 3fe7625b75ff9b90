#!/usr/bin/env bash
# Run one command with the wasm toolchain scripts/setup.sh chose: under route B, Debian's
# cargo/rustc first on PATH and build-std on; always, npm binaryen's wasm-opt on PATH (trunk).
# `trunk` runs with the shipped bundle's toolchain instead (std rebuilt for size, lib.sh).
#   scripts/wasm-env.sh trunk build --release=true
#   scripts/wasm-env.sh cargo test -p impnet-playground --target wasm32-unknown-unknown
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: scripts/wasm-env.sh COMMAND [ARGS...]"
[ -f "$ENV_FILE" ] || die "no ${ENV_FILE#"$ROOT"/}: run scripts/setup.sh first"
load_route
# trunk builds the shipped bundle: it gets the bundle's toolchain (lib.sh, bundle_env).
if [ "$1" = trunk ]; then
    bundle_env "$@"
else
    wasm_env "$@"
fi

#!/usr/bin/env bash
# Every test, in order, stopping at the first failure:
#   1. native      cargo test --workspace
#   2. wasm        the root package's tests (tests/*.rs) in headless Chromium
#   3. imports     the core's wasm build imports nothing from `env`
#   4. route B     Debian's rustc-web + build-std builds the core for wasm32 (skipped if absent)
#   5. trunk       the release bundle (dist/): std rebuilt for size, panics abort at once
#                  (lib.sh, bundle_env), wasm-opt -Oz
#      split       dist/'s wasm in two halves by what the first paint runs (scripts/split.sh);
#                  then the sizes
#   6. e2e         e2e/*.test.mjs against dist/ (split) in headless Chromium (node --test)
#   7. arm        impnet cross-built for aarch64 and armv7, run under qemu-user (scripts/cross.sh)
#   8. bench       only with IMPNET_BENCH=1: tests/bench_wasm.rs (1e6 agent.send in Chromium)
# Runs scripts/setup.sh first unless IMPNET_SKIP_SETUP=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

if [ "${IMPNET_SKIP_SETUP:-}" != 1 ]; then
    phase setup scripts/setup.sh
fi
load_route

# Test builds without debug info: smaller, faster links; failures still name file and line.
export CARGO_PROFILE_DEV_DEBUG=0
# wasm-bindgen-test-runner finds chromedriver and webdriver.json through .cargo/config.toml [env].

phase native cargo test --workspace

phase wasm wasm_env cargo test -p impnet-playground --target "$WASM_TARGET"

probe() { # probe CARGO_TARGET_DIR: build the probe, check its imports, print its trace hash and its Squirrel result hash
    local dir=$1 out
    cargo build -p impnet-wasm-probe --target "$WASM_TARGET" --target-dir "$dir"
    out=$(node scripts/wasm-imports.mjs "$dir/$WASM_TARGET/debug/impnet_wasm_probe.wasm") || {
        echo "$out"
        return 1
    }
    echo "$out" >&2
    echo "$out" | sed -n 's/^\(probe_hash\|squirrel_hash\)() = //p' | paste -sd' '
}

imports() {
    PROBE_HASH=$(wasm_env probe "$ROOT/target")
}
phase imports imports

route_b() {
    if [ "$IMPNET_WASM_ROUTE" = debian ]; then
        echo "route B is this machine's wasm route: the phases above already used it"
    elif ! debian_rust_present || [ ! -d "$TOOLS/debian-shim" ]; then
        echo "SKIPPED: Debian's rustc-web is not installed (scripts/setup.sh installs it unless IMPNET_SKIP_ROUTE_B=1)"
    else
        # Own target dir: Debian's rustc 1.96 and rustup's 1.95 would keep rebuilding each other's
        # artifacts in one.
        local hash
        hash=$(debian_env probe "$ROOT/target/route-b")
        [ "$hash" = "$PROBE_HASH" ] ||
            die "route B's probe trace hash $hash differs from route A's $PROBE_HASH (SPEC §1)"
        echo "route B: same trace hash as route A ($hash)"
    fi
}
phase "route B" route_b

# The shipped bundle: std rebuilt for size, panic immediate-abort (lib.sh, bundle_env).
say "bundle toolchain: $IMPNET_BUNDLE_ROUTE"
phase trunk bundle_env trunk build --release=true
phase split scripts/split.sh
scripts/size.sh

# Every e2e/*.test.mjs, one at a time (each starts its own Chromium).
phase e2e node --test --test-concurrency=1 e2e/*.test.mjs

phase arm scripts/cross.sh

if [ "${IMPNET_BENCH:-}" = 1 ]; then
    # wasm-release (index.html's profile) with the wasm route's prebuilt std, not the bundle's
    # rebuilt one (its panics would lose their messages). The runner's default 20 s per-test
    # timeout is too short.
    phase bench wasm_env env WASM_BINDGEN_TEST_TIMEOUT=900 cargo test --profile wasm-release -p impnet-playground \
        --target "$WASM_TARGET" --test bench_wasm -- --include-ignored --nocapture
fi

say "all tests passed"

# Shared by scripts/*.sh (sourced, not run). Defines the repo root, logging, phase timing and
# the wasm toolchain environment that scripts/setup.sh chose (route A: rustup's wasm32 target;
# route B: Debian's rustc-web with build-std, TOOLCHAIN.md §1).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
ENV_FILE="$TOOLS/toolchain.env"
WASM_TARGET=wasm32-unknown-unknown

# Versions pinned in one place each: wasm-bindgen comes from Cargo.lock (see wasm_bindgen_version),
# trunk and the npm tools here or in their package-lock.json.
TRUNK_VERSION=0.22.1

# cargo-installed tools and rustup live here; a fresh non-login shell may not have it on PATH.
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
# wasm-opt from npm binaryen (Debian's binaryen 108 cannot parse wasm-bindgen 0.2.130 output).
PATH="$TOOLS/npm/node_modules/.bin:$PATH"
export PATH

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Phase timing: `phase NAME CMD...` runs CMD and records its wall time; callers use set -e, so a
# failing CMD ends the script. `phase_report` (an EXIT trap) prints the table, failure included.
PHASES=()
CURRENT_PHASE=
phase() {
    local name=$1; shift
    say "$name: $*"
    CURRENT_PHASE=$name CURRENT_T0=$SECONDS
    "$@"
    PHASES+=("$(printf '%5ds  %s' $((SECONDS - CURRENT_T0)) "$name")")
    echo "($name took $((SECONDS - CURRENT_T0)) s)"
    CURRENT_PHASE=
}
phase_report() {
    [ ${#PHASES[@]} -gt 0 ] || [ -n "$CURRENT_PHASE" ] || return 0
    say "timings ($(basename "$0"))"
    printf '%s\n' "${PHASES[@]}"
    if [ -n "$CURRENT_PHASE" ]; then
        printf '%5ds  %s  <- FAILED\n' $((SECONDS - CURRENT_T0)) "$CURRENT_PHASE"
    fi
}
trap phase_report EXIT

# The exact wasm-bindgen version the lockfile resolved; wasm-bindgen-cli and Trunk.toml must match.
wasm_bindgen_version() {
    awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock"
}

# Run a command that builds for wasm32 under the chosen route. Route B puts Debian's
# cargo/rustc/rustdoc first on PATH (trunk ignores $CARGO and runs whatever `cargo` is on PATH)
# and switches build-std on through the environment only, so native builds stay on rustup.
load_route() {
    IMPNET_WASM_ROUTE=rustup IMPNET_BUNDLE_ROUTE=plain
    # shellcheck disable=SC1090
    [ -f "$ENV_FILE" ] && . "$ENV_FILE"
}
wasm_env() {
    if [ "${IMPNET_WASM_ROUTE:-rustup}" = debian ]; then
        debian_env "$@"
    else
        "$@"
    fi
}
debian_env() { # a subshell, so shell functions can be run too
    (
        unset RUSTC RUSTDOC
        export PATH="$TOOLS/debian-shim:$PATH" RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort
        "$@"
    )
}

# The shipped bundle (trunk's release build: what serve.sh serves and e2e loads) is built with
# the standard library rebuilt for it (issue 10 item 6, docs/playground.md "Toolchain"):
# std/core/alloc compiled with the bundle's own profile (opt-level "z", LTO) and the
# `optimize_for_size` std feature, and panic strategy `immediate-abort`, which drops every
# panic message, location and the formatting behind them: a panic is a bare `unreachable` trap
# that index.html's handler reports on the page. IMPNET_BUNDLE_ROUTE (written by setup.sh):
#   nightly  rustup's nightly toolchain with its rust-src component;
#   debian   route B's Debian rustc-web with RUSTC_BOOTSTRAP=1;
#   plain    neither works: the wasm route's prebuilt std with `panic = "abort"` (bigger).
# Only the target's (wasm32) flags are set, so build scripts and proc macros are untouched.
BUNDLE_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
build_std_env() { # exports for a subshell
    export CARGO_UNSTABLE_BUILD_STD=std,panic_abort CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$BUNDLE_RUSTFLAGS"
}
bundle_env() {
    case "${IMPNET_BUNDLE_ROUTE:-plain}" in
        nightly) nightly_env "$@" ;;
        debian) debian_env build_std_env_run "$@" ;;
        *) wasm_env "$@" ;;
    esac
}
build_std_env_run() {
    build_std_env
    "$@"
}
nightly_env() {
    (
        unset RUSTC RUSTDOC RUSTC_BOOTSTRAP
        # The toolchain's own bin first, like route B's shim: trunk runs whatever `cargo` is on
        # PATH, which need not be rustup's proxy (Debian's /usr/bin/cargo may come first).
        local cargo
        cargo=$(rustup which cargo --toolchain nightly) || exit 1
        export PATH="${cargo%/*}:$PATH" RUSTUP_TOOLCHAIN=nightly
        build_std_env
        "$@"
    )
}
# Does TOOLCHAIN_ENV (nightly_env or debian_env) have a rustc that takes the bundle's flags?
bundle_flags_ok() {
    "$1" sh -c "rustc $BUNDLE_RUSTFLAGS --print cfg --target $WASM_TARGET" 2>/dev/null |
        grep -qx 'panic="immediate-abort"'
}

DEBIAN_RUST_PKGS=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)
debian_rust_present() {
    [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ]
}

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
    IMPNET_WASM_ROUTE=rustup
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

DEBIAN_RUST_PKGS=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)
debian_rust_present() {
    [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ]
}

#!/usr/bin/env bash
# Cross-build the `impnet` binary for 64- and 32-bit ARM Linux and smoke-run it under
# qemu-user: `impnet --version`, then `impnet run` on a preset.
#
# Installs what it needs when missing (rustup targets, Debian's cross gcc and qemu-user-static).
# Linkers are set for these two targets only, through CARGO_TARGET_<TRIPLE>_LINKER, so native
# builds are untouched. Debug profile: it is a smoke test of the build, and saves CI time.
#
# Usage: scripts/cross.sh [--release]        Env: CROSS_TARGETS="aarch64-unknown-linux-gnu …"
set -euo pipefail
cd "$(dirname "$0")/.."

profile_flag=""
profile_dir="debug"
if [[ "${1:-}" == "--release" ]]; then
    profile_flag="--release"
    profile_dir="release"
fi

targets=(${CROSS_TARGETS:-aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf})

# triple -> gcc prefix, Debian packages, qemu binary, sysroot for qemu -L
declare -A gcc=([aarch64-unknown-linux-gnu]=aarch64-linux-gnu [armv7-unknown-linux-gnueabihf]=arm-linux-gnueabihf)
declare -A pkgs=([aarch64-unknown-linux-gnu]="gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
                 [armv7-unknown-linux-gnueabihf]="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross")
declare -A qemu=([aarch64-unknown-linux-gnu]=qemu-aarch64-static [armv7-unknown-linux-gnueabihf]=qemu-arm-static)

log() { printf 'cross: %s\n' "$*" >&2; }

install_debs() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    timeout 600 $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 900 $sudo apt-get install -y -qq "${missing[@]}"
}

started=$(date +%s)
for t in "${targets[@]}"; do
    [[ -n "${gcc[$t]:-}" ]] || { log "unknown target $t"; exit 2; }
    install_debs ${pkgs[$t]} qemu-user-static
    if ! rustup target list --installed | grep -qx "$t"; then
        log "rustup target add $t"
        timeout 300 rustup target add "$t"
    fi
done

for t in "${targets[@]}"; do
    upper=$(echo "$t" | tr 'a-z-' 'A-Z_')
    export "CARGO_TARGET_${upper}_LINKER=${gcc[$t]}-gcc"
    t0=$(date +%s)
    log "building impnet for $t ($profile_dir)"
    cargo build -p impnet --target "$t" $profile_flag --locked
    bin="target/$t/$profile_dir/impnet"
    file "$bin" 2>/dev/null | sed 's/^/cross: /' >&2 || true
    sysroot="/usr/${gcc[$t]}"
    run() { "${qemu[$t]}" -L "$sysroot" "$bin" "$@"; }
    log "$t: $(run --version)"
    # One preset end to end under emulation; its summary line is the proof it ran.
    out=$(run run window-bound --json --summary-only)
    grep -q '"summary"' <<<"$out" || { log "$t: impnet run printed no summary: $out"; exit 1; }
    log "$t: run window-bound -> $out"
    log "$t: done in $(( $(date +%s) - t0 )) s"
done
log "all targets in $(( $(date +%s) - started )) s"

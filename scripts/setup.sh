#!/usr/bin/env bash
# Make this machine ready to build, serve and test impnet. Idempotent: every step checks first
# and skips what is already in place, so a second run takes seconds.
#
#   scripts/setup.sh                         # route A (rustup wasm32 target), Debian fallback
#   IMPNET_TOOLCHAIN=debian scripts/setup.sh # force route B (Debian rustc-web + build-std)
#   IMPNET_SKIP_ROUTE_B=1 scripts/setup.sh   # don't install Debian's Rust (test.sh skips its check)
#   IMPNET_BUNDLE=plain scripts/setup.sh     # ship the bundle without rebuilding std (lib.sh)
#
# Installs: chromium + chromium-driver, ARM cross gcc + qemu-user-static (apt), the wasm32
# standard library (rustup, or Debian's rustc-web route), nightly's rust-src for the shipped
# bundle's build-std, wasm-bindgen-cli at the exact Cargo.lock version, trunk, wasm-opt from npm
# binaryen into .tools/npm, and e2e's npm packages. Writes the chosen routes (wasm tests, shipped
# bundle) to .tools/toolchain.env.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p "$TOOLS"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# --- versions must agree before anything is installed -------------------------------------
WB_VERSION=$(wasm_bindgen_version)
[ -n "$WB_VERSION" ] || die "no wasm-bindgen package in Cargo.lock"
TRUNK_WB=$(sed -n 's/^wasm_bindgen *= *"\(.*\)"/\1/p' Trunk.toml)
[ "$TRUNK_WB" = "$WB_VERSION" ] ||
    die "Trunk.toml [tools] wasm_bindgen = \"$TRUNK_WB\" but Cargo.lock has wasm-bindgen $WB_VERSION; make them equal"
BINARYEN_VERSION=$(node -p 'require(process.argv[1]).devDependencies.binaryen' "$ROOT/scripts/npm/package.json")
TRUNK_WO=$(sed -n 's/^wasm_opt *= *"version_\(.*\)"/\1/p' Trunk.toml)
[ "$TRUNK_WO.0.0" = "$BINARYEN_VERSION" ] ||
    die "Trunk.toml [tools] wasm_opt = \"version_$TRUNK_WO\" but scripts/npm/package.json pins binaryen $BINARYEN_VERSION"

# --- apt -----------------------------------------------------------------------------------
APT_UPDATED=
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
apt_install() {
    local missing=() p
    for p in "$@"; do dpkg_has "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ -z "$APT_UPDATED" ]; then
        $SUDO apt-get update -qq
        APT_UPDATED=1
    fi
    echo "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

say "apt: chromium, chromium-driver; ARM cross gcc and qemu-user for scripts/cross.sh"
apt_install chromium chromium-driver qemu-user-static \
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross

# Route B's packages: needed when route B is the wasm route, and for test.sh's route-B check.
ROUTE_B_OK=
if [ "${IMPNET_SKIP_ROUTE_B:-}" != 1 ] || [ "${IMPNET_TOOLCHAIN:-}" = debian ]; then
    say "apt: Debian's Rust for route B (${DEBIAN_RUST_PKGS[*]})"
    if apt_install "${DEBIAN_RUST_PKGS[@]}" && debian_rust_present; then
        ROUTE_B_OK=1
    else
        warn "Debian's rustc-web could not be installed; route B is unavailable"
    fi
fi
if [ -n "$ROUTE_B_OK" ]; then
    # Symlinks so one PATH entry puts Debian's cargo, rustc and rustdoc first (trunk too).
    mkdir -p "$TOOLS/debian-shim"
    for t in cargo rustc rustdoc; do ln -sfn "/usr/bin/$t" "$TOOLS/debian-shim/$t"; done
fi

# --- the wasm32 standard library: route A, else B ------------------------------------------
say "wasm32 toolchain"
ROUTE=
if [ "${IMPNET_TOOLCHAIN:-}" = debian ]; then
    echo "IMPNET_TOOLCHAIN=debian: forcing route B"
elif rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
    ROUTE=rustup
elif timeout 180 rustup target add "$WASM_TARGET"; then
    ROUTE=rustup
else
    warn "rustup target add $WASM_TARGET failed or timed out; falling back to Debian's toolchain"
fi
if [ -z "$ROUTE" ]; then
    [ -n "$ROUTE_B_OK" ] || die "no wasm32 standard library: rustup failed and Debian's rustc-web is not installed"
    ROUTE=debian
fi
# scripts/cross.sh's targets (it checks again, so it also runs alone).
for t in aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf; do
    rustup target list --installed | grep -qx "$t" || timeout 300 rustup target add "$t"
done

# The shipped bundle's std, rebuilt for size (lib.sh, bundle_env): nightly's rust-src, else
# route B's Debian rustc-web, else the wasm route's prebuilt std (a bigger bundle, and a warning).
say "bundle toolchain: build-std, panic immediate-abort"
BUNDLE=
if [ "${IMPNET_BUNDLE:-}" = plain ]; then
    echo "IMPNET_BUNDLE=plain: the bundle uses the prebuilt std"
elif [ "${IMPNET_TOOLCHAIN:-}" != debian ] && rustup toolchain list 2>/dev/null | grep -q '^nightly-' &&
    timeout 180 rustup component add rust-src --toolchain nightly && bundle_flags_ok nightly_env; then
    BUNDLE=nightly
elif [ -n "$ROUTE_B_OK" ] && bundle_flags_ok debian_env; then
    BUNDLE=debian
else
    warn "neither rustup's nightly (with rust-src) nor Debian's rustc-web takes $BUNDLE_RUSTFLAGS: the bundle will use the prebuilt std (larger)"
fi
printf '# written by scripts/setup.sh\nIMPNET_WASM_ROUTE=%s\nIMPNET_BUNDLE_ROUTE=%s\n' "$ROUTE" "${BUNDLE:-plain}" >"$ENV_FILE"
load_route
echo "route: $IMPNET_WASM_ROUTE, bundle: $IMPNET_BUNDLE_ROUTE (saved in ${ENV_FILE#"$ROOT"/})"

# trunk builds offline (Trunk.toml), so every crate must be fetched by an online step first;
# under route B that includes the standard library's own dependencies.
say "cargo fetch"
cargo fetch --quiet
if [ "$IMPNET_WASM_ROUTE" = debian ]; then
    debian_env cargo fetch --quiet --target "$WASM_TARGET"
fi
if [ "$IMPNET_BUNDLE_ROUTE" != plain ]; then
    bundle_env cargo fetch --quiet --target "$WASM_TARGET"
fi

# --- cargo-installed tools (rustup's cargo; these dominate a cold setup) --------------------
say "wasm-bindgen-cli $WB_VERSION (from Cargo.lock)"
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $WB_VERSION" ] &&
    command -v wasm-bindgen-test-runner >/dev/null; then
    echo "present"
else
    # Not --locked: wasm-bindgen-cli 0.2.130's lockfile pins a version missing from crates.io.
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

say "trunk $TRUNK_VERSION"
if [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
    echo "present"
else
    # trunk declares a newer rust-version than rustup stable here; it builds and works with it.
    cargo install trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version --force
fi

# --- npm packages, pinned by package-lock.json; reinstalled only when the lock changes -------
npm_ci() { # npm_ci DIR: `npm ci` in DIR unless node_modules matches DIR/package-lock.json
    local dir=$1 stamp=$1/node_modules/.impnet-lock-sha
    local want
    want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        echo "present"
    else
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$stamp"
    fi
}

say "wasm-opt (npm binaryen $BINARYEN_VERSION) into .tools/npm"
mkdir -p "$TOOLS/npm"
cp scripts/npm/package.json scripts/npm/package-lock.json "$TOOLS/npm/"
npm_ci "$TOOLS/npm"
wasm-opt --version

say "e2e npm packages"
npm_ci "$ROOT/e2e"

say "setup done (wasm route: $IMPNET_WASM_ROUTE)"

#!/usr/bin/env bash
# Sizes of the release bundle in dist/ (run after `trunk build --release=true`): raw and gzip -9
# bytes of each .wasm and .js file, their totals, and the wasm before wasm-opt for comparison.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

shopt -s nullglob
files=(dist/*.wasm dist/*.js)
[ ${#files[@]} -gt 0 ] || die "no dist/*.wasm or dist/*.js: run \`trunk build --release=true\` first"
printf '%-48s %10s %10s\n' file raw gzip-9
raw_total=0 gz_total=0
for f in "${files[@]}"; do
    raw=$(stat -c %s "$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    raw_total=$((raw_total + raw)) gz_total=$((gz_total + gz))
    printf '%-48s %10d %10d\n' "$f" "$raw" "$gz"
done
printf '%-48s %10d %10d\n' total "$raw_total" "$gz_total"
load_route
echo "bundle toolchain setup.sh chose (.tools/toolchain.env): $IMPNET_BUNDLE_ROUTE"
# trunk writes wasm-bindgen's output under the mode (release) or the profile (wasm-release).
for f in target/wasm-bindgen/release/*_bg.wasm target/wasm-bindgen/wasm-release/*_bg.wasm; do
    printf '%-48s %10d %10d\n' "(before wasm-opt) ${f##*/}" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done

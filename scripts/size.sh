#!/usr/bin/env bash
# Sizes of the release bundle in dist/ (run after `trunk build --release=true` and scripts/split.sh):
# raw and gzip -9 bytes of each .wasm and .js file, the first load (primary wasm + JS), the
# secondary wasm, their total, and the wasm before wasm-opt for comparison.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

shopt -s nullglob
files=(dist/*.wasm dist/*.js)
[ ${#files[@]} -gt 0 ] || die "no dist/*.wasm or dist/*.js: run \`trunk build --release=true\` first"
# A split bundle (scripts/split.sh) has a secondary *_rest.wasm that the page fetches after the
# primary has started: the first load is everything else.
printf '%-48s %10s %10s\n' file raw gzip-9
first_raw=0 first_gz=0 rest_raw=0 rest_gz=0
for f in "${files[@]}"; do
    raw=$(stat -c %s "$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    case $f in
        *_rest.wasm) rest_raw=$((rest_raw + raw)) rest_gz=$((rest_gz + gz)) ;;
        *) first_raw=$((first_raw + raw)) first_gz=$((first_gz + gz)) ;;
    esac
    printf '%-48s %10d %10d\n' "$f" "$raw" "$gz"
done
printf '%-48s %10d %10d\n' "first load (primary wasm + JS)" "$first_raw" "$first_gz"
if [ "$rest_raw" -gt 0 ]; then
    printf '%-48s %10d %10d\n' "secondary (fetched once the primary runs)" "$rest_raw" "$rest_gz"
else
    echo "(unsplit: no secondary wasm; scripts/split.sh makes one)"
fi
printf '%-48s %10d %10d\n' total "$((first_raw + rest_raw))" "$((first_gz + rest_gz))"
load_route
echo "bundle toolchain setup.sh chose (.tools/toolchain.env): $IMPNET_BUNDLE_ROUTE"
# trunk writes wasm-bindgen's output under the mode (release) or the profile (wasm-release).
for f in target/wasm-bindgen/release/*_bg.wasm target/wasm-bindgen/wasm-release/*_bg.wasm; do
    printf '%-48s %10d %10d\n' "(before wasm-opt) ${f##*/}" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done

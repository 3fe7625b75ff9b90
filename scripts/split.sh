#!/usr/bin/env bash
# The bundle in two halves (issue 10 item 6, docs/playground.md "The first load in two halves"):
# run after `trunk build --release=true`; rewrites dist/ in place.
#   1. `impnet-split instrument` the wasm into a copy of dist/ (a mark byte per function);
#   2. open that copy in headless Chromium on its bare address (a first visit), until the first
#      program has run and the page is idle, and read which functions ran
#      (e2e/split-profile.mjs); any other way in waits for the secondary (src/split.rs);
#   3. `impnet-split split --map`: those functions stay in the primary wasm (what the page loads
#      first), the rest, and the statics only they use (wasm-ld's map of the build, written by
#      build.rs), go to a secondary wasm that the page fetches as soon as the primary starts
#      (index.html's loader, src/split.rs);
#   4. wasm-opt both halves (the primary drops the stubs nothing in it calls), then
#      `impnet-split minify-imports` shortens the primary's import names in it and the JS glue;
#   5. put the primary, the secondary and the glue in dist/ named by content hash, and name them
#      in dist/index.html: trunk's script and preload links, and <meta name="impnet-rest">.
# Any failure exits non-zero and leaves dist/ as trunk wrote it (unsplit).
#   scripts/split.sh             # dist/
#   scripts/split.sh DIR         # another trunk output
#   IMPNET_SPLIT_PROFILE=all scripts/split.sh     # profile every way in, not only a bare first
#                                                 # visit (e2e/split-profile.mjs)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

DIST=${1:-dist}
INDEX="$DIST/index.html"
[ -f "$INDEX" ] || die "no $INDEX: run \`trunk build --release=true\` first"
! grep -q '<meta name="impnet-rest" content=' "$INDEX" ||
    die "$DIST is already split (its index.html names a secondary wasm): rebuild it with trunk first"
shopt -s nullglob
wasms=("$DIST"/*_bg.wasm)
[ ${#wasms[@]} -eq 1 ] || die "expected one $DIST/*_bg.wasm from trunk, found ${#wasms[@]}"
wasm=${wasms[0]}
name=${wasm##*/}
grep -qF "/$name" "$INDEX" || die "$INDEX does not name $name"
# trunk's NAME-HASH_bg.wasm: the halves keep NAME with their own hashes.
stem=${name%-*_bg.wasm}
globs=("$DIST/$stem"-*.js)
[ ${#globs[@]} -eq 1 ] || die "expected one $DIST/$stem-*.js (the JS glue) from trunk, found ${#globs[@]}"
js=${globs[0]##*/}
grep -qF "/$js" "$INDEX" || die "$INDEX does not name $js"
# The linker's map of the build trunk just made (build.rs; impnet-split refuses another build's).
MAP="$ROOT/target/$WASM_TARGET/wasm-release/impnet-playground.map"
[ -f "$MAP" ] || die "no ${MAP#"$ROOT"/}: build.rs writes it at every wasm32 link; rebuild with trunk"
WASM_OPT="$TOOLS/npm/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || die "no ${WASM_OPT#"$ROOT"/} (npm binaryen): run scripts/setup.sh"

say "impnet-split (cargo build --profile native -p impnet-split)"
cargo build --quiet --profile native -p impnet-split || die "cannot build impnet-split (crates/impnet-split)"
tool="$ROOT/target/native/impnet-split"

tmp=$(mktemp -d)
# New files written into $DIST before index.html names them; removed unless the split finished.
added=()
cleanup() {
    local rc=$?
    [ $rc -eq 0 ] || { [ ${#added[@]} -eq 0 ] || rm -f "${added[@]}"; }
    rm -rf "$tmp"
    phase_report
    return $rc
}
trap cleanup EXIT

say "profile: instrument $name, open the page in headless Chromium"
cp -r "$DIST" "$tmp/profile"
"$tool" instrument "$wasm" "$tmp/profile/$name"
node e2e/split-profile.mjs "$tmp/profile" "$tmp/marks.bin" "${IMPNET_SPLIT_TIMEOUT_MS:-300000}" "${IMPNET_SPLIT_PROFILE:-first}"

say "split $name by the profile"
"$tool" split "$wasm" --profile "$tmp/marks.bin" --map "$MAP" --primary "$tmp/primary.wasm" --secondary "$tmp/rest.wasm"
# No feature flags: binaryen reads the target_features section (with --all-features it may emit
# encodings Chromium refuses).
"$WASM_OPT" -Oz --zero-filled-memory --low-memory-unused "$tmp/primary.wasm" -o "$tmp/primary.wasm"
"$WASM_OPT" -Oz "$tmp/rest.wasm" -o "$tmp/rest.wasm"
cp "$DIST/$js" "$tmp/glue.js"
"$tool" minify-imports "$tmp/primary.wasm" "$tmp/glue.js"

hash16() { sha256sum "$1" | cut -c1-16; }
primary="$stem-$(hash16 "$tmp/primary.wasm")_bg.wasm"
rest="$stem-$(hash16 "$tmp/rest.wasm")_rest.wasm"
glue="$stem-$(hash16 "$tmp/glue.js").js"
# The page: trunk's references to the wasm and the glue name the new ones; the meta names the
# secondary (read by index.html's loader) with trunk's path prefix (its public_url).
prefix=$(grep -o "[^'\"]*/$name" "$INDEX" | head -1)
prefix=${prefix%"$name"}
sed -e "s|/$name|/$primary|g" -e "s|/$js|/$glue|g" \
    -e "s|</head>|<meta name=\"impnet-rest\" content=\"$prefix$rest\"></head>|" "$INDEX" >"$tmp/index.html"
[ "$(grep -c '<meta name="impnet-rest" content=' "$tmp/index.html")" = 1 ] || die "could not add the impnet-rest meta to $INDEX"

# Into dist/: the new files first, then index.html switches to them, then trunk's go.
for f in "$primary" "$rest" "$glue"; do [ -e "$DIST/$f" ] || added+=("$DIST/$f"); done
cp "$tmp/primary.wasm" "$DIST/$primary"
cp "$tmp/rest.wasm" "$DIST/$rest"
cp "$tmp/glue.js" "$DIST/$glue"
cp "$tmp/index.html" "$INDEX.split"
mv "$INDEX.split" "$INDEX"
added=()
[ "$DIST/$primary" = "$wasm" ] || rm -f "$wasm"
[ "$DIST/$glue" = "$DIST/$js" ] || rm -f "$DIST/$js"
echo "split: $DIST/$primary + $DIST/$glue (first load), $DIST/$rest (fetched once the primary runs)"

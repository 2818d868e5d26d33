#!/usr/bin/env bash
# Builds the browser side of the console into $BATCH_SITE_ROOT/pkg (default target/site for
# release, target/site-debug for debug):
# the hydrate bundle (batch.js + batch_bg.wasm) and the stylesheet (batch.css).
#   scripts/build-site.sh debug     fast to build, larger (tests)
#   scripts/build-site.sh release   small (the run command): wasm-opt -Oz, precompressed
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-debug}
# Debug and release bundles live apart so a test run never swaps the bundle a running console serves.
case "${1:-debug}" in release) default_root=target/site ;; *) default_root=target/site-debug ;; esac
site_root=${BATCH_SITE_ROOT:-$default_root}
pkg="$site_root/pkg"
mkdir -p "$pkg"

case "$mode" in
  debug)
    cargo build -p frontend --lib --target wasm32-unknown-unknown
    wasm=target/wasm32-unknown-unknown/debug/frontend.wasm ;;
  release)
    cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
    wasm=target/wasm32-unknown-unknown/wasm-release/frontend.wasm ;;
  *) echo "usage: $0 debug|release" >&2; exit 2 ;;
esac

# Splitting, the bindings and wasm-opt take seconds to minutes: skip them when cargo left the
# module unchanged.
if [ "$pkg/batch_bg.wasm" -nt "$wasm" ] && [ -f "$pkg/batch.js" ]; then
  echo "browser bundle unchanged"
else
  # The new bundle is made beside the one a running console may be serving, then swapped in.
  next="$pkg.next"
  rm -rf "$next" && mkdir -p "$next"
  # A chunk per group of pages (app/src/routes.rs) and per set of groups sharing code: the main
  # module keeps the frame, and imports a group's chunks from __wasm_split.js when one of its
  # pages first opens.
  wasm-split-cli "$wasm" "$next" --out-name batch --target web
  mv "$next/batch.wasm" "$next/batch_split.wasm"
  wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
    --out-dir "$next" --out-name batch "$next/batch_split.wasm"
  rm "$next/batch_split.wasm"
  if [ "$mode" = release ]; then
    # Debian's wasm-opt 108 produces bundles that fail to hydrate; the npm build works. Each
    # module is optimised on its own, two at a time.
    # It warns once a module about the name section wasm-bindgen keeps for the splitter's
    # chunks ("unknown name subsection"), which -Oz drops anyway: only other output is shown.
    ls "$next"/*.wasm | xargs -P 2 -I{} target/tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory \
      --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-reference-types --enable-multivalue -o {} {} 2>"$next.log" || { cat "$next.log" >&2; exit 1; }
    grep -v "unknown name subsection" "$next.log" >&2 || true
    rm -f "$next.log"
  fi
  # A chunk's code assumes the memory layout of the main module it was cut from. So each chunk's
  # name carries its build (a hash of that main module), and the previous build's chunks are
  # kept beside the new ones: a page left open across a rebuild (an upgrade) goes on fetching
  # the chunks of the main module it runs, never another build's.
  build_id=$(sha256sum "$next/batch_bg.wasm" | cut -c1-12)
  for chunk in "$next"/chunk_*.wasm "$next"/split_*.wasm; do
    mv "$chunk" "${chunk%.wasm}.$build_id.wasm"
  done
  sed -i -E "s#\"\./((chunk|split)_[A-Za-z0-9_]+)\.wasm\"#\"./\1.$build_id.wasm\"#g" "$next/__wasm_split.js"
  echo "$build_id" >"$next/build-id"
  if [ "$mode" = release ]; then
    for f in "$next"/*.wasm "$next"/*.js; do gzip -9 -k -f "$f"; done
  fi
  if [ -f "$pkg/build-id" ] && [ "$(cat "$pkg/build-id")" != "$build_id" ]; then
    previous=$(cat "$pkg/build-id")
    for f in "$pkg"/*."$previous".wasm "$pkg"/*."$previous".wasm.gz; do
      if [ -e "$f" ]; then cp "$f" "$next/"; fi
    done
  fi
  rm -rf "$pkg.old"
  [ -d "$pkg" ] && mv "$pkg" "$pkg.old"
  mv "$next" "$pkg"
  rm -rf "$pkg.old"
fi
cp style/main.css "$pkg/batch.css"
if [ "$mode" = release ]; then
  gzip -9 -k -f "$pkg/batch.css"
fi
echo "site built ($mode): $(du -h "$pkg/batch_bg.wasm" | cut -f1) wasm in $pkg"

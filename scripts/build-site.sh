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

# The bindings and wasm-opt take seconds: skip them when cargo left the module unchanged.
if [ "$pkg/batch_bg.wasm" -nt "$wasm" ] && [ -f "$pkg/batch.js" ]; then
  echo "browser bundle unchanged"
else
  wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name batch "$wasm"
  if [ "$mode" = release ]; then
    # Debian's wasm-opt 108 produces bundles that fail to hydrate; the npm build works.
    # Should it fail, the module is removed: left in place, it is newer than cargo's and the
    # next build would take it for an optimised one and serve it as is.
    target/tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      -o "$pkg/batch_bg.wasm" "$pkg/batch_bg.wasm" || { rm -f "$pkg/batch_bg.wasm"; exit 1; }
  fi
fi
cp style/main.css "$pkg/batch.css"
if [ "$mode" = release ]; then
  for f in "$pkg"/batch_bg.wasm "$pkg"/batch.js "$pkg"/batch.css; do gzip -9 -k -f "$f"; done
else
  rm -f "$pkg"/*.gz
fi
echo "site built ($mode): $(du -h "$pkg/batch_bg.wasm" | cut -f1) wasm in $pkg"

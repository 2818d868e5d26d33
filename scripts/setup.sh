#!/usr/bin/env bash
# Installs what the product needs on this kind of machine (Debian 12, Rust by rustup, root,
# package registries only) and starts a Docker engine if none answers. Idempotent: a second
# run finds everything in place and only checks.
#   scripts/setup.sh run    what the console needs
#   scripts/setup.sh test   that, plus Postgres binaries, Chromium and the browser-test packages
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

WASM_BINDGEN_VERSION=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
BINARYEN_VERSION=132.0.0
WASM_SPLIT_VERSION=0.2.4
EXAMPLE_IMAGE=batch-examples/busybox:latest

apt_packages=()
need_apt() { dpkg -s "$1" >/dev/null 2>&1 || apt_packages+=("$1"); }
command -v dockerd >/dev/null || need_apt docker.io
need_apt busybox-static
need_apt curl
if [ "$purpose" = test ]; then
  need_apt chromium
  need_apt chromium-driver
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt postgresql-15
  need_apt python3-venv
  need_apt openssl
  need_apt iproute2  # `ip netns`: the browser tests' own network (scripts/browser-net.sh)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  say "installing ${apt_packages[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (must match the library)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  say "installing wasm-split-cli $WASM_SPLIT_VERSION (cuts the browser bundle into chunks loaded as pages open)"
  cargo install --locked wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary
fi
if [ "$purpose" = run ] && [ ! -x target/tools/node_modules/.bin/wasm-opt ]; then
  # Debian's binaryen breaks hydration; the npm build of wasm-opt works.
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  npm install --silent --no-audit --no-fund --prefix target/tools "binaryen@$BINARYEN_VERSION"
fi
if [ "$purpose" = test ] && [ ! -f end2end/node_modules/.package-lock.json -o end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing the browser-test packages"
  npm ci --silent --no-audit --no-fund --prefix end2end
fi
# boto3 and the AWS CLI for the API-compatibility tests, pinned, in a venv of their own.
aws_venv=target/tools/aws-venv
if [ "$purpose" = test ] && [ ! -f "$aws_venv/.installed" -o end2end/aws/requirements.txt -nt "$aws_venv/.installed" ]; then
  say "installing boto3 and the AWS CLI into $aws_venv"
  python3 -m venv "$aws_venv"
  "$aws_venv/bin/pip" install -q --disable-pip-version-check -r end2end/aws/requirements.txt
  touch "$aws_venv/.installed"
fi

# A Docker engine: the one that answers, else dockerd started in the background.
scripts/engine.sh ensure
if ! docker image inspect "$EXAMPLE_IMAGE" >/dev/null 2>&1; then
  say "building the example image $EXAMPLE_IMAGE from busybox-static"
  context=$(mktemp -d)
  cp examples/busybox/Dockerfile "$context/"
  cp /bin/busybox "$context/busybox"
  DOCKER_BUILDKIT=0 docker build -q -t "$EXAMPLE_IMAGE" "$context" >/dev/null
  rm -rf "$context"
fi
say "ready ($purpose)"

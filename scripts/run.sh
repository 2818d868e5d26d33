#!/usr/bin/env bash
# Installs what is missing, builds the console (release) and starts it on the embedded
# default: SQLite in ./data, the local Docker engine, http://127.0.0.1:3000.
# Settings: see README.md (a batch.toml file, or BATCH_LISTEN, DATABASE_URL, DOCKER_HOST, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
scripts/build-site.sh release
cargo build --release -p server
export BATCH_SITE_ROOT=${BATCH_SITE_ROOT:-$PWD/target/site}
exec target/release/server "$@"

#!/usr/bin/env bash
# Runs every test: unit and property tests, integration tests against Postgres AND SQLite and
# the real Docker engine, browser tests in headless Chromium against the real server, and the
# AWS-compatible API driven by boto3 and the AWS CLI.
# Installs what is missing first, starts a throwaway Postgres, and cleans up on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }
started=$(date +%s)

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# Format and lints first: they fail in seconds, before anything is installed or started.
say "cargo fmt --check, leptosfmt --check, cargo clippy --all-targets -D warnings"
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
cargo fmt --check
# view! macros are formatted by leptosfmt (settings in leptosfmt.toml), which rustfmt cannot do.
command -v leptosfmt >/dev/null 2>&1 || cargo install leptosfmt --version 0.1.33 --locked --quiet
leptosfmt --check --quiet app/src frontend/src
cargo clippy --all-targets -- -D warnings
# The store boundary (ARCHITECTURE.md §10): queries live in service/src/store only. Exempt: the
# test helpers' set-up SQL, and group_commit's own test of the mechanism on a scratch table.
say "store boundary: no query outside service/src/store"
query='EntityTrait|ColumnTrait|::Column::|QueryFilter|QuerySelect|QueryOrder|ActiveModelTrait|PaginatorTrait|sea_query|Statement|execute_unprepared|execute_raw|query_(one|all)_raw|get_database_backend|DatabaseBackend'
leaks=$(grep -rlE "$query" service/src --include='*.rs' | grep -v -e '^service/src/store/' -e '^service/src/testing.rs$' -e '^service/src/group_commit.rs$' || true)
if [ -n "$leaks" ]; then
  echo "queries outside the store boundary (move them into service/src/store):"
  echo "$leaks"
  exit 1
fi

scripts/setup.sh test

work=$(mktemp -d /tmp/batch-test.XXXXXX)
chmod 755 "$work"
pg_bin=/usr/lib/postgresql/15/bin
watch_pid=""
cleanup() {
  status=$?
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
  [ -f "$work/e2e-server.pid" ] && kill "$(cat "$work/e2e-server.pid")" 2>/dev/null || true
  [ -f "$work/sqlite-server.pid" ] && kill "$(cat "$work/sqlite-server.pid")" 2>/dev/null || true
  if [ -f "$work/pg/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  # Containers a failed test may have left behind.
  docker ps -aq --filter label=io.batch.managed | xargs -r docker rm -f >/dev/null 2>&1 || true
  # And the networks of tests that made their own (Docker has room for about 30 bridges).
  docker network ls -q --filter label=io.batch.test-network | xargs -r docker network rm >/dev/null 2>&1 || true
  scripts/browser-net.sh down batch-browser
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

# An engine that hangs mid-run is restarted, and the run says so at the end (scripts/engine.sh).
scripts/engine.sh watch "$work/engine-restarts" &
watch_pid=$!

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

say "starting a throwaway Postgres"
pg_port=$(free_port)
mkdir -p "$work/pg" && chown postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" \
  -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
say "Postgres on port $pg_port"

say "building the browser bundle"
scripts/build-site.sh debug
export BATCH_SITE_ROOT=$PWD/target/site-debug

say "unit, property and integration tests (Postgres, SQLite, Docker)"
cargo test -p domain -p migrations -p service -p app -p server

say "browser tests (headless Chromium) against the server on Postgres"
e2e_port=$(free_port)
psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE batch_e2e" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/batch_e2e" BATCH_DATA_DIR="$work/data"
export E2E_ADMIN=admin E2E_PASSWORD="end-to-end admin password"
BATCH_PASSWORD="$E2E_PASSWORD" target/debug/server users create --username "$E2E_ADMIN" --role admin
# On every address, so job containers reach the API (job credentials, ARCHITECTURE.md §17).
# Through scripts/e2e-server.sh, which a browser test also uses to kill and restart it.
export E2E_PORT="$e2e_port" E2E_WORK="$work" E2E_HOST_NETNS="/proc/$$/ns/net" E2E_SERVER="$PWD/scripts/e2e-server.sh"
scripts/e2e-server.sh start
# In a network namespace of its own: Chromium fails the requests in flight whenever the engine
# adds or removes a container's interface on this host (scripts/browser-net.sh).
browser_host=$(scripts/browser-net.sh up batch-browser 213)
BASE_URL="http://$browser_host:$e2e_port" ip netns exec batch-browser npm --prefix end2end test \
  || { tail -50 "$work/server.log"; exit 1; }

# boto3 and the AWS CLI against the same server (Postgres), then against one on SQLite.
api_tests() {
  ENDPOINT="$1" SERVER_BIN="$PWD/target/debug/server" PATH="$PWD/target/tools/aws-venv/bin:$PATH" \
    target/tools/aws-venv/bin/python end2end/aws/test_api.py 2>&1 | tail -25
  return "${PIPESTATUS[0]}"
}
say "AWS API tests (boto3, AWS CLI) against the server on Postgres"
api_tests "http://127.0.0.1:$e2e_port" || { tail -50 "$work/server.log"; exit 1; }
say "AWS API tests (boto3, AWS CLI) against a server on SQLite"
sqlite_port=$(free_port)
(unset DATABASE_URL; export BATCH_DATA_DIR="$work/sqlite"
  BATCH_LISTEN="0.0.0.0:$sqlite_port" target/debug/server >"$work/sqlite-server.log" 2>&1 &
  echo $! >"$work/sqlite-server.pid")
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$sqlite_port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
(unset DATABASE_URL; export BATCH_DATA_DIR="$work/sqlite"; api_tests "http://127.0.0.1:$sqlite_port") \
  || { tail -50 "$work/sqlite-server.log"; exit 1; }

if [ -s "$work/engine-restarts" ]; then
  say "the Docker engine hung and was restarted during the run, at: $(tr '\n' ' ' <"$work/engine-restarts")"
fi
say "all tests passed in $(( $(date +%s) - started )) s"

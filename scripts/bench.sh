#!/usr/bin/env bash
# Every benchmark in one command; BENCHMARKS.md quotes the table it writes.
#
# Starts what it needs: two throwaway Postgres clusters, one with the test suite's settings
# (fsync off) and one durable (fsync, synchronous_commit and full_page_writes on); the Docker
# engine and the example image (scripts/setup.sh test); moto's Batch server from PyPI in a
# throwaway virtual environment. Runs each benchmark BENCH_RUNS times (default 3), the stores
# interleaved run by run, and writes:
#   target/bench/figures.jsonl   every figure of every run, one JSON object a line
#   target/bench/results.json    the median of each figure, with the machine, commit and date
#   target/bench/results.md      the same as Markdown tables
# BENCH_ONLY="lifecycle docker" runs some of: lifecycle api_submit api_lifecycle store backlog
# docker moto. Cleans up what it started on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
runs=${BENCH_RUNS:-3}
only=${BENCH_ONLY:-lifecycle api_submit api_lifecycle store backlog docker moto}
wanted() { [[ " $only " == *" $1 "* ]]; }

scripts/setup.sh test
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

out=$PWD/target/bench
mkdir -p "$out"
export BENCH_RESULTS=$out/figures.jsonl
: >"$BENCH_RESULTS"
work=$(mktemp -d /tmp/batch-bench.XXXXXX)
chmod 755 "$work"
pg_bin=/usr/lib/postgresql/15/bin
cleanup() {
  status=$?
  for cluster in "$work"/pg-*; do
    [ -f "$cluster/postmaster.pid" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$cluster" -m immediate stop >/dev/null 2>&1
  done
  docker ps -aq --filter label=io.batch.managed | xargs -r docker rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_cluster NAME SETTINGS...: prints the cluster's URL.
start_cluster() {
  local dir=$work/pg-$1 port
  shift
  port=$(free_port)
  mkdir -p "$dir" && chown postgres "$dir"
  runuser -u postgres -- "$pg_bin/initdb" -D "$dir" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir" -w -l "$dir/log" \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 $*" start >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}
say "starting Postgres: test settings (fsync off) and durable (fsync, synchronous_commit on)"
test_url=$(start_cluster test -c fsync=off)
durable_url=$(start_cluster durable -c fsync=on -c synchronous_commit=on -c full_page_writes=on)

# on STORE COMMAND...: runs COMMAND against sqlite, postgres or postgres-durable.
on() {
  local store=$1
  shift
  (
    case $store in
      sqlite) export BENCH_BACKEND=sqlite TEST_DATABASE_URL="$test_url" ;;
      postgres) export BENCH_BACKEND=postgres TEST_DATABASE_URL="$test_url" BENCH_STORE_LABEL=postgres ;;
      postgres-durable) export BENCH_BACKEND=postgres TEST_DATABASE_URL="$durable_url" BENCH_STORE_LABEL=postgres-durable ;;
    esac
    "$@"
  )
}

say "building the benchmarks (release)"
cargo bench -p service -p server --no-run -q
# bench PACKAGE NAME [VAR=VALUE...]: a bench that fails is reported and the rest still run;
# the script then exits non-zero.
failures=$work/failures
bench() {
  local package=$1 name=$2
  shift 2
  env "$@" cargo bench -q -p "$package" --bench "$name" || {
    say "FAILED: $name ${BENCH_STORE_LABEL:-${BENCH_BACKEND:-}} $*"
    echo "$name ${BENCH_STORE_LABEL:-${BENCH_BACKEND:-}} $*" >>"$failures"
  }
}

if wanted moto; then
  say "installing moto's Batch server into a throwaway virtual environment"
  python3 -m venv "$work/moto-venv"
  "$work/moto-venv/bin/pip" install -q 'moto[server,batch]' boto3 docker
fi

for run in $(seq 1 "$runs"); do
  say "run $run of $runs"
  for store in sqlite postgres postgres-durable; do
    if wanted lifecycle; then
      for pollers in 0 32; do
        on $store bench service lifecycle BENCH_ARRAYS=10 BENCH_ARRAY_SIZE=10000 BENCH_POLLERS=$pollers
      done
    fi
    wanted api_submit && on $store bench server api_submit BENCH_REQUESTS=20000
    wanted api_lifecycle && on $store bench server api_lifecycle BENCH_JOBS=100000
  done
  # Reads and the backlog: fsync plays no part in the reads; the durable cluster takes the writes.
  for store in sqlite postgres; do
    wanted store && on $store bench service store BENCH_JOBS=1000000
  done
  for store in sqlite postgres-durable; do
    wanted backlog && on $store bench service backlog
  done
  if wanted docker; then
    for store in sqlite postgres-durable; do
      for parallelism in 4 8; do
        for jobs in 50 200; do
          on $store bench service docker BENCH_PARALLELISM=$parallelism BENCH_SHORT_JOBS=$jobs
        done
      done
    done
  fi
  if wanted moto; then
    "$work/moto-venv/bin/python" end2end/bench/moto_peer.py --jobs 50 --image batch-examples/busybox:latest || echo moto >>"$failures"
  fi
done

python3 scripts/bench_table.py "$BENCH_RESULTS" "$out"
say "figures: $out/results.json, table: $out/results.md"
if [ -s "$failures" ]; then
  say "failed:"
  cat "$failures" >&2
  exit 1
fi

#!/usr/bin/env bash
# The browser tests' server. scripts/test.sh starts it; the test of a server restart under an
# open page (end2end/tests/server_restart.test.js) kills it with SIGKILL and starts it again.
#
#   scripts/e2e-server.sh start   starts target/debug/server and waits until it is ready
#   scripts/e2e-server.sh kill    kill -9, as a crash would, and waits until it is gone
#
# Settings come from the environment test.sh exports: E2E_PORT (the port, on every address),
# E2E_WORK (a folder for the pid file and server.log), E2E_HOST_NETNS (the host's network
# namespace, e.g. /proc/PID/ns/net of test.sh), and the server's own (DATABASE_URL,
# BATCH_DATA_DIR, BATCH_SITE_ROOT).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${E2E_PORT:?}" "${E2E_WORK:?}" "${E2E_HOST_NETNS:?}"

# Called from the browser's namespace (scripts/browser-net.sh), the server must still start in
# the host's: the browser reaches it through the host's end of its link.
if [ "$(readlink /proc/self/ns/net)" != "$(readlink "$E2E_HOST_NETNS")" ]; then
  exec nsenter --net="$E2E_HOST_NETNS" "$0" "$@"
fi

pidfile=$E2E_WORK/e2e-server.pid

case "${1:-}" in
  start)
    BATCH_LISTEN="0.0.0.0:$E2E_PORT" target/debug/server >>"$E2E_WORK/server.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 300); do
      curl -fs "http://127.0.0.1:$E2E_PORT/readyz" >/dev/null 2>&1 && exit 0
      kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -30 "$E2E_WORK/server.log"; exit 1; }
      sleep 0.2
    done
    echo "the server was not ready within 60 s" >&2
    exit 1
    ;;
  kill)
    pid=$(cat "$pidfile")
    kill -9 "$pid" 2>/dev/null || true
    # Gone, or a zombie (its parent, the shell that started it, has exited long ago).
    while kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do sleep 0.05; done
    ;;
  *)
    echo "usage: $0 start|kill" >&2
    exit 2
    ;;
esac

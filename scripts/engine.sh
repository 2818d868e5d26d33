#!/usr/bin/env bash
# The Docker engine on this machine, for run.sh and test.sh (as root).
#   scripts/engine.sh ensure   an engine that answers: the running one, else dockerd started in
#                              the background with --live-restore (containers outlive the
#                              daemon, as production hosts are set up: ARCHITECTURE.md §5)
#   scripts/engine.sh watch    while the tests run: restarts an engine that stops answering
#
# Why a watch: Debian 12's docker.io (20.10.24, the only engine apt offers here) can deadlock
# when many containers on one network start and exit at once (moby/moby#46661: a lock-order
# inversion in libnetwork between getSvcRecords and processEndpointDelete; the 20.10 fix,
# moby/libnetwork#2679, is not in that package). A deadlocked engine never answers again.
# Restarted with --live-restore it keeps every container, and the service waits out an engine
# away for less than 60 s (ENGINE_GRACE), so the jobs running through it are not lost.
set -euo pipefail
say() { printf '\033[1m[engine]\033[0m %s\n' "$*"; }
LOG=/var/log/batch-dockerd.log

answers() { timeout "${1:-20}" docker info >/dev/null 2>&1; }
# The engine on the default socket only: the tests run engines of their own beside it.
PIDFILE=/var/run/docker.pid
engine_pid() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }

start() {
  say "starting dockerd --live-restore (log: $LOG)"
  nohup dockerd --live-restore >>"$LOG" 2>&1 &
  for _ in $(seq 1 60); do answers 5 && return 0; sleep 0.5; done
  echo "dockerd did not start; see $LOG" >&2
  exit 1
}

# A goroutine dump first (dockerd writes it under /var/run/docker), so the cause can be read.
restart() {
  local pid
  if pid=$(engine_pid); then
    kill -USR1 "$pid" && sleep 2
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  start
}

case "${1:-}" in
  ensure)
    answers && exit 0
    if engine_pid >/dev/null; then
      say "dockerd runs but has not answered in 20 s: restarting it"
      restart
    else
      start
    fi
    ;;
  watch)
    # Every 5 s; two checks in a row unanswered for 10 s each (about 30 s at most) is a hung
    # engine, not a busy one: a busy engine answers `docker info` in well under a second.
    restarts=${2:-/dev/null}
    misses=0
    while sleep 5; do
      if answers 10; then misses=0; continue; fi
      misses=$((misses + 1))
      if [ "$misses" -ge 2 ]; then
        say "the Docker engine has not answered for 30 s (moby/moby#46661?): restarting it; goroutine dump in /var/run/docker"
        echo "$(date -u +%FT%TZ)" >>"$restarts"
        restart
        misses=0
      fi
    done
    ;;
  *)
    echo "usage: scripts/engine.sh ensure | watch [file to count restarts in]" >&2
    exit 2
    ;;
esac

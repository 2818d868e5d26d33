#!/usr/bin/env bash
# A network namespace of its own for the browser tests (ARCHITECTURE.md §5).
#
# Chromium aborts the requests it has in flight with net::ERR_NETWORK_CHANGED whenever an
# interface or address appears or goes on its host, and the Docker engine adds and removes one
# (a veth) for every job container it starts. A page load, a server function or a live stream
# that meets a container's start failed at random. In a namespace of its own the browser sees
# only its end of one veth pair, and reaches the server (which listens on every address) at the
# host's end.
#
#   scripts/browser-net.sh up NAME N     makes namespace NAME on 10.213.N.0/30; prints the
#                                         host's address (what the browser's BASE_URL uses)
#   scripts/browser-net.sh down NAME     removes it (and its veth pair)
#   ip netns exec NAME COMMAND...        runs COMMAND inside it
set -euo pipefail

name=${2:?usage: browser-net.sh up|down NAME [N]}
# Interface names are at most 15 characters: the namespace's name is not part of them.
host_end="${name:0:11}-h"
ns_end="${name:0:11}-n"

down() {
  ip netns delete "$name" 2>/dev/null || true
  ip link delete "$host_end" 2>/dev/null || true
}

case "$1" in
  up)
    subnet=${3:?usage: browser-net.sh up NAME N}
    down
    ip netns add "$name"
    ip link add "$host_end" type veth peer name "$ns_end"
    ip link set "$ns_end" netns "$name"
    ip addr add "10.213.$subnet.1/30" dev "$host_end"
    ip link set "$host_end" up
    ip -n "$name" addr add "10.213.$subnet.2/30" dev "$ns_end"
    ip -n "$name" link set "$ns_end" up
    ip -n "$name" link set lo up
    echo "10.213.$subnet.1"
    ;;
  down) down ;;
  *) echo "usage: browser-net.sh up|down NAME [N]" >&2; exit 2 ;;
esac

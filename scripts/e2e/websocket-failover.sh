#!/usr/bin/env bash
# A WebSocket through the VIP of a pair finishes on the old node during `tandem failover`: the upgraded connection
# counts as open, so the handover waits out the drain window while the socket keeps echoing, and the client's
# close handshake completes before the VIP moves. New sockets after the handover reach the peer.
#
# Usage: websocket-failover.sh PATH/TO/tandem      (root; iproute2, python3 with websockets, curl)
# Lab: scripts/lib/ha-pair.sh (198.18.0.0/24 and 198.18.1.0/24 only).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="wf$$"
source "$ROOT/scripts/lib/ha-pair.sh"
python3 -c 'import websockets' 2>/dev/null || pip install -q websockets >/dev/null 2>&1 || fail "cannot install websockets"
PAIR_SHOW='*.out'
PAIR_EXTRA_FRONTENDS='  - { name: chat, bind: 198.18.0.100:8000, backend: ws }'
PAIR_EXTRA_BACKENDS='  - name: ws
    servers: [{ name: ws1, address: 198.18.0.21:8001 }]'
ws="$ROOT/scripts/e2e/websocket/ws.py"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

make_lab
ip netns exec "$ns_be" python3 "$ws" server 8001 198.18.0.21 >>"$dir/ws-server.log" 2>&1 & other_pids+=($!)
run_pair 100ms

# One socket, a message every 50 ms for 2.5 s, then the close handshake; the failover starts 0.5 s in, drains 3 s.
ip netns exec "$ns_cl" timeout 20 python3 "$ws" session ws://198.18.0.100:8000/chat 2.5 >"$dir/session.out" 2>&1 &
session=$!; other_pids+=($session)
sleep 0.5
"$tandem" failover --admin "$dir/lb-a.admin" --drain 3s --hold 5s --json >"$dir/failover.json" 2>"$dir/failover.log" ||
    fail "failover: $(cat "$dir/failover.json" "$dir/failover.log")"
wait "$session" || fail "the WebSocket session failed: $(cat "$dir/session.out")"
[[ $(field "$dir/session.out" 'd["closeCode"] == 1000 and d["echoed"] == d["sent"] and d["sent"] >= 40') == True ]] ||
    fail "session: $(cat "$dir/session.out")"
[[ $(field "$dir/failover.json" 'd["peerState"] == "ACTIVE" and d["drainMs"] >= 3000') == True ]] ||
    fail "failover: $(cat "$dir/failover.json")"
wait_until 5 holder_is lb-b || fail "lb-b does not hold the VIP after the failover (holders: $(holders))"
echo "websocket: $(field "$dir/session.out" 'd["echoed"]') messages echoed on lb-a during the drain, closed with" \
    "$(field "$dir/session.out" 'd["closeCode"]'); handover after $(field "$dir/failover.json" 'd["drainMs"]') ms of drain"
ip netns exec "$ns_cl" timeout 20 python3 "$ws" session ws://198.18.0.100:8000/chat 0.3 >"$dir/after.out" 2>&1 ||
    fail "a new socket after the handover failed: $(cat "$dir/after.out")"
echo ok

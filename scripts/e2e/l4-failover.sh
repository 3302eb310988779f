#!/usr/bin/env bash
# Layer 4 through the VIP of a pair in the lab: a `mode: tcp` frontend on 198.18.0.100:7000 in front of an echo
# server. The standby listens on the VIP before it holds it; `tandem drill --probe tcp://VIP:7000` measures the
# layer-4 outage of a planned handover; a long-lived stream through the VIP breaks when the ACTIVE daemon is
# killed, and the client's reconnection reaches the peer, which echoes again.
#
# Usage: l4-failover.sh PATH/TO/tandem      (root; iproute2, python3, curl)
# Lab: scripts/lib/ha-pair.sh (198.18.0.0/24 and 198.18.1.0/24 only).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="l4$$"
source "$ROOT/scripts/lib/ha-pair.sh"
PAIR_SHOW='*.out'
PAIR_EXTRA_FRONTENDS='  - { name: l4, bind: 198.18.0.100:7000, mode: tcp, backend: echo }'
PAIR_EXTRA_BACKENDS='  - name: echo
    health: { tcp: true, interval: 200ms, timeout: 150ms, rise: 1, fall: 2 }
    servers: [{ name: echo1, address: 198.18.0.21:7001 }]'
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

make_lab
cat >"$dir/echo.py" <<'PY'
import socketserver
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(65536):
            self.request.sendall(data)
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
Server(("198.18.0.21", 7001), Echo).serve_forever()
PY
ip netns exec "$ns_be" python3 "$dir/echo.py" >>"$dir/echo.log" 2>&1 & other_pids+=($!)
run_pair 100ms

# The standby's tcp listener is bound to the VIP it does not hold (IP_FREEBIND).
ip netns exec "$ns_b" ss -ltn | grep -q '198.18.0.100:7000' || fail "lb-b does not listen on the VIP for layer 4"

ip netns exec "$ns_cl" "$tandem" drill --admin "$dir/lb-a.admin" --probe tcp://198.18.0.100:7000 \
    --duration 1s --hold 3s --json >"$dir/drill.json" 2>"$dir/drill.log" || fail "drill: $(cat "$dir/drill.json")"
[[ $(field "$dir/drill.json" 'd["passed"] and d["probes"] >= 100') == True ]] || fail "drill: $(cat "$dir/drill.json")"
echo "layer-4 drill: handover $(field "$dir/drill.json" 'd["handoverMs"]') ms, outage" \
    "$(field "$dir/drill.json" 'd["outageMs"]') ms, $(field "$dir/drill.json" 'd["failed"]') of" \
    "$(field "$dir/drill.json" 'd["probes"]') probes failed"
wait_until 5 holder_is lb-b || fail "lb-b does not hold the VIP after the drill"

# A long-lived stream: one line every 20 ms for at most 6 s, reconnecting (bounded) when the stream breaks.
cat >"$dir/stream.py" <<'PY'
import json, socket, sys, time
deadline = time.monotonic() + 6
sock, reconnects, echoed, gap_start, gaps = None, 0, 0, None, []
while time.monotonic() < deadline:
    try:
        if sock is None:
            sock = socket.create_connection(("198.18.0.100", 7000), timeout=0.2)
        line = b"line %d\n" % echoed
        sock.sendall(line)
        got = b""
        while len(got) < len(line):
            chunk = sock.recv(len(line) - len(got))
            if not chunk:
                raise ConnectionError("closed")
            got += chunk
        if got != line:
            raise ConnectionError("wrong echo")
        echoed += 1
        if gap_start is not None:
            gaps.append(round((time.monotonic() - gap_start) * 1000))
            gap_start = None
    except OSError:
        if sock is not None:
            sock.close()
            sock = None
            reconnects += 1
        if gap_start is None:
            gap_start = time.monotonic()
    time.sleep(0.02)
print(json.dumps({"echoed": echoed, "reconnects": reconnects, "gapsMs": gaps}))
PY
ip netns exec "$ns_cl" python3 "$dir/stream.py" >"$dir/stream.out" 2>&1 & stream=$!; other_pids+=($stream)
sleep 1.5
kill_role daemon-lb-b
wait "$stream"
[[ $(field "$dir/stream.out" 'd["reconnects"] >= 1 and d["echoed"] > 100 and len(d["gapsMs"]) >= 1') == True ]] ||
    fail "stream: $(cat "$dir/stream.out")"
holder_is lb-a || fail "lb-a does not hold the VIP after lb-b's daemon died (holders: $(holders))"
echo "layer-4 stream: $(field "$dir/stream.out" 'd["echoed"]') lines echoed," \
    "$(field "$dir/stream.out" 'd["reconnects"]') reconnect(s), gap $(field "$dir/stream.out" 'd["gapsMs"]') ms at the kill"
echo ok

#!/usr/bin/env bash
# Crash failover without the dead window (issue 14, item 2). The pair runs with interval 1s (a dead window
# of 3 s), so a fast takeover can only come from the crash farewell: SIGKILL the ACTIVE's daemon; its VIP
# helper sees the connection break, releases the VIP, then sends the farewell the daemon signed at start;
# the peer claims. Measured from the kill (a timestamp taken just before it) to the VIP's arrival on the
# peer's eth0 (`ip -ts monitor address`, same clock), five kills alternating between the nodes; the median
# must be under 20 ms and every kill under 100 ms (generous for a loaded CI host).
# Then the captured farewell is replayed at the peer after the crashed node restarted: it is refused
# (older epoch) and nothing moves. A SIGTERM still hands over at once, and a link death still takes the
# dead window (no farewell can cross a dead link; ha-scenarios covers it).
#
# Usage: crash-failover.sh PATH/TO/tandem      (root; iproute2, tcpdump, python3)
# Addresses: 198.18.0.0/24 only (switch .1, lb-a .11, lb-b .12, backend .21, client .31, VIP .100).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="cf$$"
source "$ROOT/scripts/lib/ha-pair.sh"
pair_require tcpdump:tcpdump

ns_of_node() { ns_of "$1"; }

# crash ACTIVE STANDBY — sets `outage` to ms from the SIGKILL to the VIP on STANDBY.
crash() {
    local active=$1 standby=$2
    : >"$dir/mon.txt"
    ip -n "$(ns_of "$standby")" -ts monitor address >"$dir/mon.txt" 2>/dev/null &
    local monitor_pid=$!
    other_pids+=("$monitor_pid")
    sleep 0.3
    local before
    before=$(date +%s.%N)
    kill -9 "${pid_of[daemon-$active]}"
    wait "${pid_of[daemon-$active]}" 2>/dev/null
    pid_of[daemon-$active]=""
    wait_until 5 holder_is "$standby" || fail "$standby did not take over after the crash (holders: $(holders))"
    sleep 0.05
    kill "$monitor_pid" 2>/dev/null; wait "$monitor_pid" 2>/dev/null
    outage=$(python3 - "$dir/mon.txt" "$before" <<'PY'
import sys, datetime, re
before = float(sys.argv[2])
for line in open(sys.argv[1]):
    m = re.match(r"\[(\S+)\]\s*(?:\d+:\s*)?\S+\s+inet 198\.18\.0\.100/", line)
    if m and not line.split("]", 1)[1].lstrip().startswith("Deleted"):
        print(f"{(datetime.datetime.fromisoformat(m.group(1)).timestamp() - before) * 1000:.1f}")
        sys.exit(0)
sys.exit(1)
PY
) || fail "no VIP arrival seen on $standby"
}

make_lab
start_backend
PAIR_HA_LOG=1
run_pair 1s

# Capture the farewells on lb-b's side for the replay at the end.
ip netns exec "$ns_b" tcpdump -i eth0 -n -U -w "$dir/farewell.pcap" "udp and src host 198.18.0.11 and dst port 7946" \
    2>"$dir/tcpdump.log" &
capture_pid=$!
other_pids+=("$capture_pid")
wait_until 5 grep -qs "listening on" "$dir/tcpdump.log" || fail "tcpdump did not start"

samples=()
active=lb-a standby=lb-b
for round in 1 2 3 4 5; do
    crash "$active" "$standby"
    echo "round $round: $active killed, $standby holds the VIP ${outage} ms after the kill"
    samples+=("$outage")
    grep -q "farewell" "$dir/daemon-$standby.log" || fail "$standby's log does not name the farewell"
    start_daemon "$active"
    wait_until 10 state_is "$active" STANDBY || fail "the restarted $active did not become STANDBY"
    tmp=$active; active=$standby; standby=$tmp
done
python3 - "${samples[@]}" <<'PY' || fail "crash failover too slow: ${samples[*]} ms"
import statistics, sys
values = [float(v) for v in sys.argv[1:]]
median = statistics.median(values)
print(f"crash failover: median {median:.1f} ms, max {max(values):.1f} ms over {len(values)} kills (dead window 3000 ms)")
sys.exit(0 if median < 20 and max(values) < 100 else 1)
PY

sleep 0.5
kill "$capture_pid"; wait "$capture_pid" 2>/dev/null

# Replay lb-a's first-run farewell at lb-b, from lb-a's address: refused as from an older epoch, nothing moves.
wait_until 5 state_is lb-b ACTIVE || fail "lb-b should be ACTIVE before the replay (it is $(status_field lb-b 's["ha"]["state"]'))"
before_stale=$(status_field lb-b 's["ha"]["rejected"]["staleEpoch"]')
before_transitions=$(status_field lb-b 's["ha"]["transitions"]')
ip netns exec "$ns_a" python3 - "$dir/farewell.pcap" <<'PY' || fail "could not replay the farewell"
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
offset, farewells = 24, []
while offset + 16 <= len(data):
    caplen = struct.unpack("<I", data[offset + 8:offset + 12])[0]
    frame = data[offset + 16:offset + 16 + caplen]
    offset += 16 + caplen
    payload = frame[14 + 20 + 8:]  # Ethernet, IPv4 without options, UDP
    if payload[:4] == b"TDHA" and payload[5] == 2:
        farewells.append(payload)
if not farewells:
    sys.exit("no farewell in the capture")
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    sock.sendto(farewells[0], ("198.18.0.12", 7946))
print(f"replayed a {len(farewells[0])}-byte farewell 3 times")
PY
sleep 0.5
after_stale=$(status_field lb-b 's["ha"]["rejected"]["staleEpoch"]')
(( after_stale >= before_stale + 3 )) || fail "the replayed farewell was not refused as stale ($before_stale -> $after_stale)"
[[ $(status_field lb-b 's["ha"]["transitions"]') == "$before_transitions" ]] || fail "the replay moved lb-b"
holder_is lb-b || fail "the replay moved the VIP (holders: $(holders))"
echo "replayed farewell: refused as staleEpoch, no transition, lb-b still holds the VIP"
echo "ok ($(elapsed_ms) ms)"

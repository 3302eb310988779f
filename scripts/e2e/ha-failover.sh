#!/usr/bin/env bash
# Two real `tandem run` processes (each with its own `tandem vip-helper`) in network namespaces on one
# bridge: exactly one holds the VIP, both statuses agree, a client reaches the backend through the VIP;
# SIGKILL of the ACTIVE's daemon → its helper releases the VIP and the standby holds it within
# interval × dead_after + 100 ms of the killed node's last heartbeat (tcpdump on the standby for the last
# heartbeat, `ip monitor` for the address; both kernel timestamps on the standby's side).
#
# HA_MEASURE=1: instead, kill the ACTIVE 10 times for interval 50ms and 100ms (dead_after 3, preempt off)
# and print the median takeover of each.
#
# Usage: ha-failover.sh PATH/TO/tandem      (root; iproute2, tcpdump, python3, curl)
# Addresses: 198.18.0.0/24 only (switch .1, lb-a .11, lb-b .12, backend .21, client .31, VIP .100).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="t5$$"
source "$ROOT/scripts/lib/ha-pair.sh"
pair_require tcpdump:tcpdump

# measure_takeover ACTIVE STANDBY — SIGKILLs ACTIVE's daemon; sets `takeover` to the ms from its last
# heartbeat (as captured on the standby) to the VIP's arrival on the standby's eth0. Runs in this shell
# (not in $(...)): it waits for its own children and updates pid_of.
measure_takeover() {
    local active=$1 standby=$2 ns_standby active_ip
    if [[ $standby == lb-b ]]; then ns_standby=$ns_b active_ip=198.18.0.11; else ns_standby=$ns_a active_ip=198.18.0.12; fi
    : >"$dir/hb.txt"; : >"$dir/mon.txt"; : >"$dir/tcpdump.log"
    ip netns exec "$ns_standby" tcpdump -i eth0 -n -tt -l -U "udp and src host $active_ip and dst port 7946" \
        >"$dir/hb.txt" 2>"$dir/tcpdump.log" &
    local tcpdump_pid=$!
    ip -n "$ns_standby" -ts monitor address >"$dir/mon.txt" 2>/dev/null &
    local monitor_pid=$!
    other_pids+=("$tcpdump_pid" "$monitor_pid")
    wait_until 5 grep -qs "listening on" "$dir/tcpdump.log" || fail "tcpdump did not start"
    wait_until 2 test -s "$dir/hb.txt" || fail "no heartbeat from $active seen by $standby"
    kill -9 "${pid_of[daemon-$active]}"
    wait "${pid_of[daemon-$active]}" 2>/dev/null
    pid_of[daemon-$active]=""
    wait_until 5 holder_is "$standby" || fail "$standby did not take the VIP over (holders: $(holders))"
    sleep 0.05
    kill "$tcpdump_pid" "$monitor_pid" 2>/dev/null
    wait "$tcpdump_pid" "$monitor_pid" 2>/dev/null
    takeover=$(python3 - "$dir/hb.txt" "$dir/mon.txt" <<'PY'
import sys, datetime, re
beats = [float(line.split()[0]) for line in open(sys.argv[1]) if line.strip() and line[0].isdigit()]
added = None
for line in open(sys.argv[2]):
    m = re.match(r"\[(\S+)\]\s*(?:\d+:\s*)?\S+\s+inet 198\.18\.0\.100/", line)
    if m and not line.split("]", 1)[1].lstrip().startswith("Deleted"):
        added = datetime.datetime.fromisoformat(m.group(1)).timestamp()
        break
if added is None or not beats:
    print("error: no VIP event or no heartbeat captured", file=sys.stderr); sys.exit(1)
last = max(b for b in beats if b <= added) if any(b <= added for b in beats) else None
if last is None:
    print("error: no heartbeat before the VIP arrived", file=sys.stderr); sys.exit(1)
print(f"{(added - last) * 1000:.1f}")
PY
) || fail "takeover not measured"
}

# --- the run -----------------------------------------------------------------------------------------
make_lab

# A world-readable key is refused by `tandem check` and `tandem run`, naming the file.
write_config lb-a 150 11 12 50ms
cp "$dir/ha.key" "$dir/open.key"; chmod 644 "$dir/open.key"
sed "s|$dir/ha.key|$dir/open.key|" "$dir/lb-a.yaml" >"$dir/open.yaml"
out=$("$tandem" check --config "$dir/open.yaml" 2>&1); status=$?
[[ $status -eq 1 && "$out" == *"$dir/open.key"*"chmod 600"* ]] || fail "check accepted a mode 644 key ($status): $out"
out=$(ip netns exec "$ns_a" "$tandem" run --config "$dir/open.yaml" 2>&1); status=$?
[[ $status -eq 1 && "$out" == *"$dir/open.key"* ]] || fail "run accepted a mode 644 key ($status): $out"
"$tandem" check --config "$dir/lb-a.yaml" >/dev/null || fail "check refused a good config"

# `tandem status` without a daemon: exit 1 and a clear message.
out=$("$tandem" status --admin "$dir/nobody.admin" 2>&1); status=$?
[[ $status -eq 1 && "$out" == *"no tandem daemon is running"* ]] || fail "status without daemon ($status): $out"

if [[ -n "${HA_MEASURE:-}" ]]; then
    for interval in 50ms 100ms; do
        run_pair "$interval"
        samples=()
        active=lb-a standby=lb-b
        for round in $(seq 1 10); do
            measure_takeover "$active" "$standby"
            sample=$takeover
            samples+=("$sample")
            echo "interval $interval round $round: $active killed, $standby took over ${sample} ms after the last heartbeat"
            limit=$(( ${interval%ms} * 3 + 100 ))
            python3 -c "import sys; sys.exit(0 if $sample <= $limit else 1)" || fail "takeover $sample ms > $limit ms"
            start_daemon "$active"
            wait_until 5 state_is "$active" STANDBY || fail "$active did not come back as STANDBY"
            tmp=$active; active=$standby; standby=$tmp
        done
        median=$(printf '%s\n' "${samples[@]}" | sort -n | python3 -c 'import sys,statistics; print(statistics.median(float(l) for l in sys.stdin))')
        echo "interval $interval dead_after 3: median takeover ${median} ms over 10 kills (samples: ${samples[*]})"
        stop_pair
    done
    echo "ok ($(elapsed_ms) ms)"
    exit 0
fi

run_pair 50ms
[[ $(holders) == lb-a ]] || fail "lb-a (priority 150) should hold the VIP, holders: $(holders)"
agree=$(python3 - "$("$tandem" status --json --admin "$dir/lb-a.admin")" "$("$tandem" status --json --config "$dir/lb-b.yaml")" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ok = (a["ha"]["state"] == "ACTIVE" and b["ha"]["state"] == "STANDBY"
      and a["ha"]["peer"]["name"] == "lb-b" and b["ha"]["peer"]["name"] == "lb-a"
      and a["ha"]["peer"]["state"] == "STANDBY" and b["ha"]["peer"]["state"] == "ACTIVE"
      and [v["holder"] for v in a["ha"]["vips"]] == ["lb-a"] == [v["holder"] for v in b["ha"]["vips"]]
      and sum(a["ha"]["rejected"].values()) == 0 and a["ha"]["accepted"] > 0
      and a["ha"]["failingTracks"] == [] == b["ha"]["failingTracks"])
print("yes" if ok else "no: %s / %s" % (a["ha"], b["ha"]))
PY
)
[[ $agree == yes ]] || fail "statuses disagree: $agree"
"$tandem" status --admin "$dir/lb-b.admin" | grep -q '^vip .*held by lb-a$' || fail "human status of lb-b"

body=$(ip netns exec "$ns_cl" curl -s -m 2 http://198.18.0.100/) || fail "curl through the VIP failed"
[[ $body == "hello from the backend" ]] || fail "unexpected body through the VIP: $body"

measure_takeover lb-a lb-b
echo "takeover: ${takeover} ms after lb-a's last heartbeat (limit 250 ms)"
python3 -c "import sys; sys.exit(0 if float('$takeover') <= 250 else 1)" || fail "takeover took ${takeover} ms"
[[ $(holders) == lb-b ]] || fail "after the kill exactly lb-b should hold the VIP, holders: $(holders)"
wait_until 5 state_is lb-b ACTIVE || fail "lb-b does not report ACTIVE"
body=$(ip netns exec "$ns_cl" curl -s -m 2 http://198.18.0.100/) || fail "curl through the VIP after failover failed"
[[ $body == "hello from the backend" ]] || fail "unexpected body after failover: $body"

# The old ACTIVE comes back: it stays STANDBY (preempt off), and still only lb-b holds the VIP.
start_daemon lb-a
wait_until 5 state_is lb-a STANDBY || fail "lb-a did not come back as STANDBY"
[[ $(holders) == lb-b ]] || fail "after lb-a's return, holders: $(holders)"

# SIGTERM on the ACTIVE hands over at once (release + FAULT heartbeat), then the daemon exits 0.
kill -TERM "${pid_of[daemon-lb-b]}"
wait_until 2 holder_is lb-a || fail "lb-a did not claim after lb-b's SIGTERM (holders: $(holders))"
wait "${pid_of[daemon-lb-b]}"; status=$?; pid_of[daemon-lb-b]=""
[[ $status -eq 0 ]] || fail "lb-b exited $status after SIGTERM"

# The gateway (the switch's 198.18.0.1) goes away: the ACTIVE goes FAULT and releases the VIP; when the
# gateway is back it claims again (its peer is down).
ip -n "$ns_sw" addr del 198.18.0.1/24 dev br0
wait_until 5 state_is lb-a FAULT || fail "lb-a did not go FAULT without its gateway"
[[ $(status_field lb-a 's["ha"]["failingTracks"]') == "['gateway:198.18.0.1']" ]] || fail "failing track not shown"
wait_until 2 holder_is "" || fail "lb-a in FAULT still holds the VIP"
ip -n "$ns_sw" addr add 198.18.0.1/24 dev br0
wait_until 10 holder_is lb-a || fail "lb-a did not claim again after the gateway came back"

# Without its helper the daemon waits a few seconds, then exits 1 naming the socket.
sed "s|$dir/lb-b.vip.sock|$dir/missing.sock|; s|$dir/lb-b.admin|$dir/other.admin|" "$dir/lb-b.yaml" >"$dir/nohelper.yaml"
out=$(ip netns exec "$ns_b" timeout 20 "$tandem" run --config "$dir/nohelper.yaml" 2>&1); status=$?
[[ $status -eq 1 && "$out" == *"$dir/missing.sock"*"cannot connect to the VIP helper"* ]] ||
    fail "run without a helper ($status): $out"
echo "ok ($(elapsed_ms) ms)"

#!/usr/bin/env bash
# The operator's HA scenarios on a namespaced pair (interval 100ms, dead_after 3, preempt on with a 1 s
# delay), each asserted from the client's side where it matters:
#   - `tandem drill` refused on the STANDBY; on the ACTIVE, run from the client namespace, its --json report
#     (handover, outage, probes, final states); failback with preempt when the step-down ends;
#   - `tandem failover` with a keep-alive client that retries idempotent requests: nothing lost;
#   - SIGKILL of the ACTIVE's daemon: the client's outage (`tandem probe`) is under 2 s, the standby holds the VIP, and the old
#     node takes the VIP back by preemption when it returns;
#   - the ACTIVE's helper killed: the node goes FAULT and the peer takes over (fail-safe); when the helper is
#     back the stale address is removed and preemption returns the VIP;
#   - a partition of the heartbeat path (the direct heartbeat link down): both claim; after the heal at most
#     one node holds the VIP within one interval (+ the helper's netlink call);
#   - every backend of the peer down (it says so in its heartbeats): the drill refuses.
# Usage: ha-scenarios.sh PATH/TO/tandem      (root; iproute2, python3, curl)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="t6$$"
source "$ROOT/scripts/lib/ha-pair.sh"
client="$ROOT/scripts/lib/http-client.py"
# check FILE EXPR — a python expression over the JSON object `d` in FILE must hold.
check() { python3 -c "import json,sys; d=json.load(open('$1')); sys.exit(0 if ($2) else 1)" || fail "$1: not ($2): $(cat "$1")"; }
field() { python3 -c "import json; d=json.load(open('$1')); print($2)"; }

make_lab

# HA_DRILLS=N [HA_INTERVAL=100ms]: instead, run N drills (each on the node that is ACTIVE then, preempt off,
# probing from the client namespace) and print every outage and their median.
if [[ -n "${HA_DRILLS:-}" ]]; then
    run_pair "${HA_INTERVAL:-100ms}"
    active=lb-a standby=lb-b outages=()
    for round in $(seq 1 "$HA_DRILLS"); do
        ip netns exec "$ns_cl" "$tandem" drill --admin "$dir/$active.admin" --probe http://198.18.0.100/ \
            --duration 1s --hold 2s --json >"$dir/drill-$round.json" || fail "drill $round: $(cat "$dir/drill-$round.json")"
        outage=$(field "$dir/drill-$round.json" 'd["outageMs"]')
        outages+=("$outage")
        echo "drill $round: $active → $standby, handover $(field "$dir/drill-$round.json" 'd["handoverMs"]') ms," \
            "outage $outage ms, $(field "$dir/drill-$round.json" 'd["failed"]')/$(field "$dir/drill-$round.json" 'd["probes"]') probes failed"
        sleep 2.5   # the step-down hold ends; preempt is off, so the new ACTIVE keeps the VIP
        tmp=$active; active=$standby; standby=$tmp
    done
    median=$(printf '%s\n' "${outages[@]}" | python3 -c 'import sys,statistics; print(statistics.median(float(l) for l in sys.stdin))')
    echo "interval ${HA_INTERVAL:-100ms}: median drill outage ${median} ms over $HA_DRILLS drills (${outages[*]})"
    exit 0
fi

export PAIR_PREEMPT=true PAIR_PREEMPT_DELAY=1s
run_pair 100ms

# --- drill ---------------------------------------------------------------------------------------------
out=$("$tandem" drill --admin "$dir/lb-b.admin" --probe http://198.18.0.100/ 2>&1); status=$?
[[ $status -eq 1 && $out == *"not ACTIVE"*"lb-a"* ]] || fail "drill on the STANDBY ($status): $out"
[[ $(holders) == lb-a ]] || fail "a refused drill moved the VIP"

ip netns exec "$ns_cl" "$tandem" drill --admin "$dir/lb-a.admin" --config "$dir/lb-a.yaml" \
    --duration 1s --hold 3s --json >"$dir/drill.json" 2>"$dir/drill.log" || fail "drill: $(cat "$dir/drill.json")"
check "$dir/drill.json" 'd["passed"] and d["node"] == "lb-a" and d["peer"] == "lb-b"'
check "$dir/drill.json" 'd["nodeState"] == "STANDBY" and d["peerState"] == "ACTIVE"'
check "$dir/drill.json" '0 < d["handoverMs"] < 1000 and d["outageMs"] is not None and d["outageMs"] < 2000'
check "$dir/drill.json" 'd["probes"] >= 150 and d["succeeded"] > 100 and d["intervalMs"] == 10'
[[ $(holders) == lb-b ]] || fail "after the drill lb-b should hold the VIP, holders: $(holders)"
echo "drill: handover $(field "$dir/drill.json" 'd["handoverMs"]') ms, outage $(field "$dir/drill.json" 'd["outageMs"]') ms, $(field "$dir/drill.json" 'd["failed"]') of $(field "$dir/drill.json" 'd["probes"]') probes failed"
# The drill's step-down lasts 3 s; then lb-a (150) preempts lb-b (100) after the 1 s delay.
wait_until 8 holder_is lb-a || fail "no failback to lb-a after the drill's hold (holders: $(holders))"
wait_until 3 state_is lb-b STANDBY || fail "lb-b not STANDBY after the failback"

# --- an operator's failover beats an older hold ---------------------------------------------------------
# A drill holds lb-a down for a minute; `tandem failover` on lb-b hands the VIP straight back to it.
ip netns exec "$ns_cl" "$tandem" drill --admin "$dir/lb-a.admin" --probe http://198.18.0.100/ --duration 500ms \
    --hold 60s --json >"$dir/drill-hold.json" 2>>"$dir/drill.log" || fail "drill with a long hold: $(cat "$dir/drill-hold.json")"
wait_until 3 holder_is lb-b || fail "the long-hold drill did not move the VIP (holders: $(holders))"
left=$(status_field lb-a 's["ha"].get("holdRemainingMs") or 0')
(( left > 50000 )) || fail "tandem status does not show lb-a's hold (${left} ms left)"
"$tandem" status --admin "$dir/lb-a.admin" | grep -q "hold .* left" || fail "tandem status text does not show the hold"
"$tandem" failover --admin "$dir/lb-b.admin" --hold 2s --json >"$dir/failover-back.json" 2>"$dir/failover-back.log" ||
    fail "failover back to the held lb-a: $(cat "$dir/failover-back.json" "$dir/failover-back.log")"
wait_until 3 holder_is lb-a || fail "the operator's failover did not hand the VIP back to lb-a (holders: $(holders))"
[[ $(status_field lb-a 's["ha"]["steppedDown"]') == False ]] || fail "lb-a is still held after the failover to it"
echo "failover beats a hold: lb-a (held ${left} ms more) took the VIP back from lb-b"
not_held() { [[ $(status_field "$1" 's["ha"]["steppedDown"]') == False ]]; }    # re-read at every poll
wait_until 5 not_held lb-b || fail "lb-b's own 2 s hold did not end"
wait_until 5 state_is lb-b STANDBY || fail "lb-b not STANDBY after handing back"

# --- planned failover with a keep-alive client ----------------------------------------------------------
ip netns exec "$ns_cl" python3 "$client" keepalive http://198.18.0.100/ 4 >"$dir/keepalive.json" &
keepalive_pid=$!; other_pids+=($keepalive_pid)
sleep 1
"$tandem" failover --admin "$dir/lb-a.admin" --drain 1s --hold 2s --json >"$dir/failover.json" 2>"$dir/failover.log" ||
    fail "failover: $(cat "$dir/failover.json" "$dir/failover.log")"
wait "$keepalive_pid"
check "$dir/failover.json" 'd["handoverMs"] is not None and d["peerState"] == "ACTIVE" and d["drainMs"] >= 1000'

check "$dir/keepalive.json" 'd["lost"] == 0 and d["ok"] > 50 and d["connections"] >= 2'
echo "failover: $(cat "$dir/keepalive.json"), handover $(field "$dir/failover.json" 'd["handoverMs"]') ms"
wait_until 8 holder_is lb-a || fail "no failback to lb-a after the failover's hold (holders: $(holders))"
wait_until 3 state_is lb-b STANDBY || fail "lb-b not STANDBY"

# --- SIGKILL of the ACTIVE's daemon, then failback by preemption ------------------------------------------
ip netns exec "$ns_cl" "$tandem" probe http://198.18.0.100/ --duration 3s --json >"$dir/kill-probe.json" \
    2>"$dir/kill-probe.log" &
probe_pid=$!; other_pids+=($probe_pid)
sleep 1
kill_role daemon-lb-a
wait_until 3 holder_is lb-b || fail "lb-b did not take over after the SIGKILL (holders: $(holders))"
wait "$probe_pid" || fail "tandem probe: the VIP did not answer at the end: $(cat "$dir/kill-probe.json")"
check "$dir/kill-probe.json" 'd["outageMs"] is not None and d["outageMs"] < 2000 and d["succeeded"] > 50'
echo "SIGKILL of the ACTIVE: client outage $(field "$dir/kill-probe.json" 'd["outageMs"]') ms"
start_daemon lb-a
wait_until 5 state_is lb-a STANDBY || wait_until 5 state_is lb-a ACTIVE || fail "lb-a did not come back"
wait_until 6 holder_is lb-a || fail "no failback with preempt after lb-a's return (holders: $(holders))"
wait_until 3 state_is lb-b STANDBY || fail "lb-b not STANDBY after the failback"

# --- the ACTIVE's helper killed: fail-safe --------------------------------------------------------------
kill_role helper-lb-a
wait_until 3 state_is lb-a FAULT || fail "lb-a did not go FAULT without its helper"
wait_until 3 state_is lb-b ACTIVE || fail "lb-b did not take over from a node without helper"
[[ $(status_field lb-a 's["ha"]["failingTracks"]') == *vip-helper* ]] || fail "vip-helper track not failing"
body=$(ip netns exec "$ns_cl" curl -s -m 2 http://198.18.0.100/) || fail "no service while lb-a's helper is down"
[[ $body == "hello from the backend" ]] || fail "unexpected body: $body"
# Nobody could remove lb-a's address while its helper was dead: once back, the daemon has it released.
start_helper lb-a
wait_until 5 state_is lb-a STANDBY || wait_until 5 state_is lb-a ACTIVE || fail "lb-a did not leave FAULT"
wait_until 6 holder_is lb-a || fail "VIP not back on lb-a alone after its helper returned (holders: $(holders))"

# --- partition of the heartbeat path, then heal -----------------------------------------------------------
# Heartbeats move to the direct link hb0 (as with a dedicated heartbeat cable); taking it down cuts only the
# heartbeat path: both nodes still see the gateway and the clients, so both claim (split brain).
stop_pair
PAIR_HB_NET=198.18.1 run_pair 100ms
ip -n "$ns_a" link set hb0 down
wait_until 3 holder_is "lb-a lb-b" || fail "partitioned: lb-b did not claim (holders: $(holders))"
healed=$(now_ms)
ip -n "$ns_a" link set hb0 up
wait_until 2 one_holder || fail "both still hold the VIP 2 s after the heal"
settled=$(( $(now_ms) - healed ))
echo "partition healed: one holder after ${settled} ms (interval 100 ms)"
(( settled <= 300 )) || fail "two holders for ${settled} ms after the heal (limit: one interval + 200 ms)"
wait_until 3 holder_is lb-a || fail "lb-a (higher priority) should hold the VIP after the heal: $(holders)"
wait_until 3 state_is lb-b STANDBY || fail "lb-b not STANDBY after the heal"
# --- every backend of the peer down: the drill refuses ---------------------------------------------------
kill -9 "$backend_pid"; wait "$backend_pid" 2>/dev/null
peer_backends_down() { [[ $(status_field lb-a 's["ha"]["peer"]["backendsDown"]') == True ]]; }
wait_until 5 peer_backends_down ||
    fail "lb-a does not see lb-b's backends down"
out=$("$tandem" drill --admin "$dir/lb-a.admin" --probe http://198.18.0.100/ 2>&1); status=$?
[[ $status -eq 1 && $out == *"every backend server of peer lb-b is down"* ]] || fail "drill with the peer's backends down ($status): $out"
"$tandem" status --admin "$dir/lb-a.admin" | grep -q "lb-b STANDBY (all its backends down)" || fail "status does not show the peer's backends down"
[[ $(holders) == lb-a ]] || fail "a refused drill moved the VIP"
echo "ok ($(elapsed_ms) ms)"

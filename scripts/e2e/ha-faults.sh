#!/usr/bin/env bash
# The pair under faults (issue 14, items 3, 4 and 5), on a real pair in the lab:
# - VIP convergence: a VIP removed by hand from the ACTIVE comes back, one claimed behind the STANDBY's back
#   is released (reconciliation every 5 s, both ways); a VIP left on a node before its daemon starts is
#   removed at start;
# - a claim that keeps failing (the helper refuses the VIP) is retried, then the node goes FAULT with the
#   reason in status and the peer takes over; once the helper agrees and the FAULT's hold (10 s) ends, it
#   is STANDBY (no preemption here, so the peer keeps the VIP);
# - a 2 s stall of every proxy event loop under client load moves nothing (the heartbeat has its own loop);
# - wall-clock steps of ±1 hour on either node, at run time and across a restart, move nothing, cause no
#   rejection, and the skew is shown in status.
#
# Usage: ha-faults.sh PATH/TO/tandem      (root; iproute2, python3, curl)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="hf$$"
source "$ROOT/scripts/lib/ha-pair.sh"

transitions() { status_field "$1" 's["ha"]["transitions"]'; }
rejected() { status_field "$1" 'sum(s["ha"]["rejected"].values()) - s["ha"]["rejected"]["duplicate"]'; }
vip_on() { ip -n "$(ns_of "$1")" -4 -o addr show dev eth0 | grep -c ' 198\.18\.0\.100/' || true; }

make_lab
start_backend
PAIR_HA_LOG=1
PAIR_DAEMON_ENV="TANDEM_DEBUG_COMMANDS=1"
run_pair 50ms

# --- reconciliation, both ways ------------------------------------------------------------------------------
ip -n "$ns_a" addr del 198.18.0.100/24 dev eth0
wait_until 8 eval '[[ $(vip_on lb-a) == 1 ]]' || fail "the VIP removed by hand from the ACTIVE did not come back"
grep -q '"reconcile".*claiming again' "$dir/lb-a.ha.log" || fail "lb-a's log does not record the reconciliation"
echo "reconcile: the VIP deleted by hand on lb-a is back"
python3 - "$dir/lb-b.vip.sock" >"$dir/rogue.out" 2>&1 <<'PY' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(json.dumps({"op": "claim", "vip": "198.18.0.100/24", "interface": "eth0"}).encode() + b"\n")
print(s.recv(4096).decode().strip(), flush=True)
time.sleep(10)
PY
rogue_pid=$!
other_pids+=("$rogue_pid")
wait_until 3 eval '[[ $(vip_on lb-b) == 1 ]]' || fail "the rogue claim on lb-b's helper did not add the VIP: $(cat "$dir/rogue.out")"
wait_until 8 eval '[[ $(vip_on lb-b) == 0 ]]' || fail "the STANDBY did not release a VIP claimed behind its back"
grep -q '"reconcile".*releasing' "$dir/lb-b.ha.log" || fail "lb-b's log does not record the reconciliation"
kill "$rogue_pid" 2>/dev/null; wait "$rogue_pid" 2>/dev/null
holder_is lb-a || fail "after the reconciliations only lb-a should hold (holders: $(holders))"
echo "reconcile: the VIP claimed behind lb-b's back was released"

# --- a VIP left before start is removed -----------------------------------------------------------------------
kill -TERM "${pid_of[daemon-lb-b]}"; wait "${pid_of[daemon-lb-b]}" 2>/dev/null; pid_of[daemon-lb-b]=""
ip -n "$ns_b" addr add 198.18.0.100/24 dev eth0
start_daemon lb-b
wait_until 5 eval '[[ $(vip_on lb-b) == 0 ]]' || fail "the VIP left on lb-b before its start stayed"
wait_until 5 state_is lb-b STANDBY || fail "lb-b did not come back STANDBY"
holder_is lb-a || fail "only lb-a should hold (holders: $(holders))"
echo "start: the VIP left on lb-b was removed before it listened"

# --- a 2 s stall of the data plane under load moves nothing ------------------------------------------------
before_a=$(transitions lb-a) before_b=$(transitions lb-b)
(for _ in $(seq 1 300); do ip netns exec "$ns_cl" curl -s -o /dev/null -m 3 http://198.18.0.100/ || true; done) &
load_pid=$!
other_pids+=("$load_pid")
sleep 0.5
"$tandem" debug stall-proxy 2000 --admin "$dir/lb-a.admin" >/dev/null || fail "debug stall-proxy failed"
asked=$(now_ms)
[[ $(status_field lb-a 's["ha"]["state"]') == ACTIVE ]] || fail "tandem status did not answer during the stall"
(( $(now_ms) - asked < 1000 )) || fail "tandem status waited for the stalled proxy ($(( $(now_ms) - asked )) ms)"
for _ in $(seq 1 30); do holder_is lb-a || fail "the VIP moved during the stall (holders: $(holders))"; sleep 0.1; done
kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null
[[ $(transitions lb-a) == "$before_a" && $(transitions lb-b) == "$before_b" ]] || fail "the stall caused a transition"
grep -q "stalling every proxy event loop" "$dir/daemon-lb-a.log" || fail "the stall did not happen"
echo "stall: every proxy loop of lb-a blocked 2 s under load at interval 50ms; status answered at once; no transition"

# --- wall-clock steps of an hour, at run time and across restarts ------------------------------------------
before_a=$(transitions lb-a) before_b=$(transitions lb-b) rejected_a=$(rejected lb-a) rejected_b=$(rejected lb-b)
"$tandem" debug clock-step +3600 --admin "$dir/lb-a.admin" >/dev/null || fail "clock-step failed"
sleep 1
skew=$(status_field lb-b 'round(s["ha"]["clockSkewMs"] / 1000)')
[[ $skew == 3600 ]] || fail "lb-b does not show lb-a's clock 3600 s ahead (skew $skew s)"
"$tandem" status --admin "$dir/lb-b.admin" | grep -q "clock skew .*ahead" || fail "the status text shows no skew"
"$tandem" debug clock-step -7200 --admin "$dir/lb-b.admin" >/dev/null || fail "clock-step failed"
sleep 1
[[ $(transitions lb-a) == "$before_a" && $(transitions lb-b) == "$before_b" ]] || fail "a clock step caused a transition"
[[ $(rejected lb-a) == "$rejected_a" && $(rejected lb-b) == "$rejected_b" ]] || fail "a clock step caused rejections"
echo "clock steps at run time: lb-a +1 h, lb-b -2 h (skew shown: $(status_field lb-a 'round(s["ha"]["clockSkewMs"] / 1000)') s); nothing moved"
# Restart lb-a with its clock an hour behind, then lb-b an hour ahead: epochs from the state file keep growing.
kill -TERM "${pid_of[daemon-lb-a]}"; wait "${pid_of[daemon-lb-a]}" 2>/dev/null; pid_of[daemon-lb-a]=""
wait_until 5 holder_is lb-b || fail "lb-b did not take over from the stopped lb-a"
PAIR_DAEMON_ENV="TANDEM_DEBUG_COMMANDS=1 TANDEM_DEBUG_WALL_CLOCK_OFFSET=-3600" start_daemon lb-a
wait_until 5 state_is lb-a STANDBY || fail "lb-a restarted an hour behind is not STANDBY"
kill -TERM "${pid_of[daemon-lb-b]}"; wait "${pid_of[daemon-lb-b]}" 2>/dev/null; pid_of[daemon-lb-b]=""
wait_until 5 holder_is lb-a || fail "lb-a did not take over from the stopped lb-b"
PAIR_DAEMON_ENV="TANDEM_DEBUG_COMMANDS=1 TANDEM_DEBUG_WALL_CLOCK_OFFSET=3600" start_daemon lb-b
wait_until 5 state_is lb-b STANDBY || fail "lb-b restarted an hour ahead is not STANDBY"
sleep 0.5
for node in lb-a lb-b; do
    [[ $(status_field $node 's["ha"]["rejected"]["staleEpoch"] + s["ha"]["rejected"]["late"]') == 0 ]] ||
        fail "$node refused heartbeats after the clock-stepped restarts"
done
holder_is lb-a || fail "only lb-a should hold (holders: $(holders))"
echo "clock steps across restarts (lb-a -1 h, lb-b +1 h): no stale epoch, no late heartbeat, one holder"

# --- a claim that keeps failing gives way ----------------------------------------------------------------------
kill_role daemon-lb-a
wait_until 5 holder_is lb-b || fail "lb-b did not take over"
kill_role helper-lb-a
ip netns exec "$ns_a" "$tandem" vip-helper --socket "$dir/lb-a.vip.sock" --allow 198.18.0.101/24@eth0 \
    >>"$dir/helper-lb-a.log" 2>&1 &
pid_of[helper-lb-a]=$!
kill -TERM "${pid_of[daemon-lb-b]}"; wait "${pid_of[daemon-lb-b]}" 2>/dev/null; pid_of[daemon-lb-b]=""
start_daemon lb-a
wait_until 5 state_is lb-a FAULT || fail "lb-a whose helper refuses the VIP did not go FAULT"
problem=$(status_field lb-a 's["ha"].get("vipProblem") or ""')
[[ $problem == *"allow list"* ]] || fail "the status does not say why the claim failed: '$problem'"
grep -q '"vip_fault"' "$dir/lb-a.ha.log" || fail "no vip_fault line in lb-a's heartbeat log"
start_daemon lb-b
wait_until 5 holder_is lb-b || fail "lb-b did not take over from the faulted lb-a (holders: $(holders))"
echo "failing claim: lb-a FAULT ('$problem'), lb-b holds"
kill_role helper-lb-a; start_helper lb-a
wait_until 20 state_is lb-a STANDBY || fail "lb-a did not become a candidate again after its helper agreed"
holder_is lb-b || fail "only lb-b should hold (holders: $(holders))"
echo "failing claim: once the helper agrees and the FAULT's hold ends, lb-a is STANDBY again"
echo "ok ($(elapsed_ms) ms)"

#!/usr/bin/env bash
# The one-command demonstration of a Tandem pair failing over and back, on the two-host lab
# (scripts/lab.sh: network namespaces on one machine, 198.18.0.0/24 only, VIP 198.18.0.100).
#
# As root on a fresh Debian machine: installs what is missing, builds Tandem (release), brings the lab up,
# runs `tandem vip-helper` + `tandem run` on lb-a (priority 150) and lb-b (priority 100) with configs
# derived from deploy/examples/, sends a client load through the VIP (one GET every 10 ms on a new
# connection, and one every 10 ms on a keep-alive connection; 200 ms timeout each), kills lb-a, lets lb-b
# take over, brings lb-a back (preempt returns the VIP to it after 3 s), and prints a report: who was
# ACTIVE when, requests ok/failed, and the client-visible outage of the failover and of the failback.
# Always tears down (processes by pid, then `scripts/lab.sh down`). Takes under 5 minutes once built;
# exit 0 when the verdict is PASS, 1 otherwise.
#
# Environment: TANDEM_BIN=PATH uses that binary instead of building (e.g. .build/debug/tandem);
# LAB_PREFIX / LAB_STATE as for scripts/lab.sh; DEMO_KEEP=1 keeps the work directory (configs, logs).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

[[ $(id -u) -eq 0 ]] || die "the demo needs root (network namespaces); run: sudo scripts/demo.sh"
export LAB_PREFIX=${LAB_PREFIX:-tdm} LAB_STATE=${LAB_STATE:-/run/tandem-lab}
VIP=198.18.0.100
PERIOD_MS=10 TIMEOUT_MS=200 MAX_OUTAGE_MS=2000
here="$ROOT/scripts/demo"

ensure_packages ip:iproute2 nginx:nginx-light curl:curl python3:python3 openssl:openssl

if [[ -n "${TANDEM_BIN:-}" ]]; then
    tandem=$(readlink -f "$TANDEM_BIN")
    [[ -x "$tandem" ]] || die "TANDEM_BIN=$TANDEM_BIN is not an executable"
else
    ensure_build_packages
    log "building tandem (release; a few minutes the first time)"
    swift build -c release --product tandem >/tmp/tandem-demo-build.log 2>&1 ||
        { tail -n 40 /tmp/tandem-demo-build.log; die "release build failed (log: /tmp/tandem-demo-build.log)"; }
    tandem="$ROOT/.build/release/tandem"
fi

dir=$(mktemp -d /tmp/tandem-demo.XXXXXX)
declare -A pid_of=()        # helper-lb-a, daemon-lb-a, ..., prober, poller → pid
ns() { echo "$LAB_PREFIX-$1"; }

cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    set +e
    for pid in "${pid_of[@]}"; do [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; done
    for pid in "${pid_of[@]}"; do [[ -n "$pid" ]] && wait "$pid" 2>/dev/null; done
    bash "$ROOT/scripts/lab.sh" down >/dev/null 2>&1 || true
    if [[ -n "${DEMO_KEEP:-}" ]]; then log "work directory kept: $dir"; else rm -rf "$dir"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# failed MESSAGE — prints the tails of the logs, then dies (the trap tears down).
failed() {
    local file
    for file in "$dir"/*.log; do [[ -f "$file" ]] && { echo "--- $file"; tail -n 20 "$file"; } >&2; done
    die "$*"
}

# mark KEY TEXT... — records a demo action with its CLOCK_MONOTONIC time (the clock the probes use).
mark() { python3 -c 'import sys, time; print(f"{time.monotonic():.6f}", *sys.argv[1:])' "$@" >>"$dir/events.txt"; }

# Status polls spawn processes: every 100 ms is enough and leaves the CPU to the client load.
export WAIT_POLL=0.1

# pause_until START SECONDS — sleeps until SECONDS after START (an $EPOCHREALTIME), so the steps of the
# sequence keep their spacing however long the commands between them took.
pause_until() {
    local left
    left=$(python3 -c 'import sys, time; print(max(0.0, float(sys.argv[1]) + float(sys.argv[2]) - time.time()))' "$@")
    sleep "$left"
}

state_of() {
    "$tandem" status --json --admin "$dir/$1.admin" 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["ha"]["state"])' 2>/dev/null || echo down
}
state_is() { [[ $(state_of "$1") == "$2" ]]; }
vip_answers() { ip netns exec "$(ns client)" curl -fs -m 1 -o /dev/null "http://$VIP/"; }
vip_on() { ip -n "$(ns "$1")" -4 -o addr show dev eth0 | grep -q " $VIP/"; }

# --- lab, key, configs ------------------------------------------------------------------------------------
log "bringing the lab up (prefix $LAB_PREFIX)"
if ip netns list | grep -q "^$LAB_PREFIX-"; then
    log "removing a lab left over with prefix $LAB_PREFIX"
    bash "$ROOT/scripts/lab.sh" down >/dev/null
fi
bash "$ROOT/scripts/lab.sh" up

umask 077
echo "1 $(openssl rand -hex 32)" >"$dir/ha.key"      # same key on both nodes, mode 0600
umask 022

# derive_config NODE — deploy/examples/NODE.yaml with the paths moved into the work directory and a 3 s
# preempt delay; addresses, priorities, preempt and the tracks are kept as the example has them.
derive_config() {
    local node=$1 example="$ROOT/deploy/examples/$1.yaml" out="$dir/$1.yaml" key
    sed -e "s|^\(  admin:\).*|\1 $dir/$node.admin|" \
        -e "s|^\(  key_file:\).*|\1 $dir/ha.key|" \
        -e "s|^\(  helper:\).*|\1 $dir/$node.vip.sock|" \
        -e "s|^\(  log:\).*|\1 $dir/$node.heartbeat.log|" \
        -e "s|^\(  preempt_delay:\).*|\1 3s|" "$example" >"$out"
    for key in "admin: $dir/" "key_file: $dir/" "helper: $dir/" "log: $dir/" "preempt_delay: 3s" "preempt: true"; do
        grep -q "^  $key" "$out" || die "$example has no '${key%% *}' line where the demo expects one"
    done
    "$tandem" check --config "$out" >/dev/null || { "$tandem" check --config "$out"; die "$out is not valid"; }
}
derive_config lb-a
derive_config lb-b

# start_node NODE — the VIP helper and the daemon in the node's namespace (`ip netns exec` execs, so $! is
# the tandem process itself).
start_node() {
    local node=$1
    ip netns exec "$(ns "$node")" "$tandem" vip-helper --socket "$dir/$node.vip.sock" --allow "$VIP/24@eth0" \
        --garp-count 3 --garp-spacing 50 >>"$dir/$node.helper.log" 2>&1 &
    pid_of[helper-$node]=$!
    wait_until 5 test -S "$dir/$node.vip.sock" || failed "the VIP helper of $node did not start"
    ip netns exec "$(ns "$node")" "$tandem" run --config "$dir/$node.yaml" >>"$dir/$node.daemon.log" 2>&1 &
    pid_of[daemon-$node]=$!
}

log "starting the VIP helper and the daemon on lb-a (priority 150) and lb-b (priority 100)"
start_node lb-a
start_node lb-b
wait_until 20 state_is lb-a ACTIVE || failed "lb-a did not become ACTIVE (state: $(state_of lb-a))"
wait_until 10 state_is lb-b STANDBY || failed "lb-b did not become STANDBY (state: $(state_of lb-b))"
wait_until 20 vip_answers || failed "the VIP does not answer from the client"
vip_on lb-a && ! vip_on lb-b || failed "the VIP should be on lb-a only"
log "lb-a is ACTIVE, lb-b is STANDBY, the VIP answers"

# --- load, kill, return ------------------------------------------------------------------------------------
python3 "$here/poller.py" "$tandem" 100 120 "$dir/stop" lb-a="$dir/lb-a.admin" lb-b="$dir/lb-b.admin" \
    >"$dir/states.txt" 2>"$dir/poller.log" &
pid_of[poller]=$!
mark load-start client load
ip netns exec "$(ns client)" python3 "$here/prober.py" "$VIP" 80 / "$PERIOD_MS" "$TIMEOUT_MS" 120 "$dir/stop" \
    >"$dir/probes.txt" 2>"$dir/prober.log" &
pid_of[prober]=$!
load_started=$EPOCHREALTIME
log "client load running: GET http://$VIP/ every $PERIOD_MS ms on new connections and on a keep-alive one"
pause_until "$load_started" 3

# lb-a "dies" the way a host does: its link goes down (it vanishes from the switch at one instant), then its
# daemon and VIP helper are SIGKILLed. A SIGKILLed helper cannot release the VIP, so the address stays on
# lb-a's eth0; it is deleted by hand, as a reboot would — otherwise lb-a would answer ARP for the VIP the
# moment its link came back, next to lb-b.
log "killing lb-a: link down, SIGKILL to its daemon and its VIP helper"
killed=$EPOCHREALTIME
mark kill "link down, SIGKILL daemon + helper"
ip -n "$(ns lb-a)" link set eth0 down
kill -9 "${pid_of[helper-lb-a]}" "${pid_of[daemon-lb-a]}" || true     # one may have died already: the report shows it
wait "${pid_of[helper-lb-a]}" "${pid_of[daemon-lb-a]}" 2>/dev/null || true
pid_of[helper-lb-a]="" pid_of[daemon-lb-a]=""
ip -n "$(ns lb-a)" addr del "$VIP/24" dev eth0 2>/dev/null || true
wait_until 5 state_is lb-b ACTIVE && log "lb-b is ACTIVE" || log "lb-b did not become ACTIVE within 5 s"
pause_until "$killed" 5

log "bringing lb-a back: link up, VIP helper and daemon (it preempts after 3 s)"
mark restart "link up, helper + daemon started"
ip -n "$(ns lb-a)" link set eth0 up
ip -n "$(ns lb-a)" route replace default via 198.18.0.1 2>/dev/null || true
start_node lb-a
wait_until 20 state_is lb-a ACTIVE && log "lb-a is ACTIVE again" || log "lb-a did not become ACTIVE within 20 s"
sleep 3     # the load continues on lb-a

log "stopping the client load"
mark load-stop client load
touch "$dir/stop"
wait "${pid_of[prober]}" || failed "the prober failed"
wait "${pid_of[poller]}" || failed "the status poller failed"
pid_of[prober]="" pid_of[poller]=""

python3 "$here/report.py" "$dir" lb-a lb-b "$PERIOD_MS" "$TIMEOUT_MS" "$MAX_OUTAGE_MS"

#!/usr/bin/env bash
# The one-command demonstration of a Tandem pair failing over and back, on the pair lab of the end-to-end checks
# (scripts/lib/ha-pair.sh: network namespaces on one machine, 198.18.0.0/24 only, VIP 198.18.0.100).
#
# As root on a fresh Debian machine: installs what is missing, builds Tandem (release), brings the lab up with two
# backends (198.18.0.21:80 and 198.18.0.22:80), runs `tandem vip-helper` + `tandem run` on lb-a (priority 150) and
# lb-b (priority 100) with the configs of deploy/examples/ (the paths moved into the work directory, a 3 s preempt
# delay), sends a client load through the VIP with `tandem probe --lines` in the client namespace, one process per
# stream (a GET every 10 ms on a new connection each, and one every 10 ms on one keep-alive connection; 200 ms
# timeout each), kills lb-a the way a host dies, lets lb-b take over, brings lb-a back (preempt returns the VIP to
# it after 3 s), and prints a report (scripts/demo/report.py): who was ACTIVE when, probes ok/failed, and the
# client-visible outage of the failover and of the failback per stream. Always tears down (ha-pair.sh's trap:
# processes by pid, then the namespaces). Takes under a minute once built; exit 0 when the verdict is PASS,
# 1 otherwise.
#
# `scripts/demo.sh --active-active`: the same story for an active-active pair (deploy/examples/active-active/):
# two VIP groups, web-a (198.18.0.100, lb-a preferred) and web-b (198.18.0.101, lb-b preferred), client load on
# both VIPs, lb-a killed (lb-b then holds both), lb-a back (web-a returns to it by preemption, web-b never moves);
# one report per group, each with its outages.
#
# Environment: TANDEM_BIN=PATH uses that binary instead of building (e.g. .build/debug/tandem); DEMO_KEEP=1 keeps
# the work directory (configs, daemon and helper logs, the probes' lines, the status rounds).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

# ha-pair.sh skips without root, as a check does; the demo refuses.
[[ $(id -u) -eq 0 ]] || die "the demo needs root (network namespaces); run: sudo scripts/demo.sh"
ensure_packages ip:iproute2 python3:python3 curl:curl ping:iputils-ping

active_active=""
case "${1:-}" in
    "") ;;
    --active-active) active_active=1 ;;
    *) die "usage: scripts/demo.sh [--active-active]" ;;
esac

PERIOD_MS=10 TIMEOUT_MS=200 MAX_OUTAGE_MS=2000
# What the demo serves and measures: the VIPs (on eth0, /24) and the probe streams, "GROUP NAME URL MODE" each
# (GROUP: the VIP group the URL's VIP belongs to; MODE new: a new connection per probe; keep-alive: one kept
# connection).
if [[ -n $active_active ]]; then
    PERIOD_MS=20    # four streams: the same client load as the pair's two at 10 ms
    EXAMPLES="$ROOT/deploy/examples/active-active"
    VIPS=(198.18.0.100 198.18.0.101)
    STREAMS=("web-a new-a http://198.18.0.100/ new" "web-a keep-alive-a http://198.18.0.100/ keep-alive"
        "web-b new-b http://198.18.0.101/ new" "web-b keep-alive-b http://198.18.0.101/ keep-alive")
else
    EXAMPLES="$ROOT/deploy/examples"
    VIPS=(198.18.0.100)
    STREAMS=("default new http://198.18.0.100/ new" "default keep-alive http://198.18.0.100/ keep-alive")
fi
here="$ROOT/scripts/demo"

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

# The backends the examples name; DEMO_KEEP keeps ha-pair.sh's work directory.
tag="dm$$"
export PAIR_BACKENDS="198.18.0.21:80 198.18.0.22:80" PAIR_KEEP_DIR=${DEMO_KEEP:-}
source "$ROOT/scripts/lib/ha-pair.sh"

# Status polls spawn processes: every 100 ms is enough and leaves the CPU to the client load.
export WAIT_POLL=0.1

# mark KEY TEXT... — records a demo action with its CLOCK_MONOTONIC time (the clock the probes' lines use).
mark() { python3 -c 'import sys, time; print(f"{time.monotonic():.6f}", *sys.argv[1:])' "$@" >>"$dir/events.txt"; }

# pause_until START SECONDS — sleeps until SECONDS after START (an $EPOCHREALTIME), so the steps of the
# sequence keep their spacing however long the commands between them took.
pause_until() {
    local left
    left=$(python3 -c 'import sys, time; print(max(0.0, float(sys.argv[1]) + float(sys.argv[2]) - time.time()))' "$@")
    sleep "$left"
}

state_of() { status_field "$1" 's["ha"]["state"]' || echo down; }
vips_answer() {
    local vip
    for vip in "${VIPS[@]}"; do ip netns exec "$ns_cl" curl -fs -m 1 -o /dev/null "http://$vip/" || return 1; done
}
vips_on() { # NODE — true when NODE holds every VIP
    local vip
    for vip in "${VIPS[@]}"; do [[ " $(holders "$vip") " == *" $1 "* ]] || return 1; done
}

# --- lab, configs, pair -------------------------------------------------------------------------------------------
log "bringing the lab up (namespaces $tag-*)"
make_lab

# derive_config NODE — $EXAMPLES/NODE.yaml with the paths moved into the work directory and a 3 s preempt
# delay; addresses, priorities, preempt, the tracks, the VIP and the backends are kept as the example has them.
derive_config() {
    local node=$1 example="$EXAMPLES/$1.yaml" out="$dir/$1.yaml" key
    sed -e "s|^\(  admin:\).*|\1 $dir/$node.admin|" \
        -e "s|^\(  key_file:\).*|\1 $dir/ha.key|" \
        -e "s|^\(  helper:\).*|\1 $dir/$node.vip.sock|" \
        -e "s|^\(  log:\).*|\1 $dir/$node.heartbeat.log|" \
        -e "s|^\(  preempt_delay:\).*|\1 3s|" "$example" >"$out"
    for key in "admin: $dir/" "key_file: $dir/" "helper: $dir/" "log: $dir/" "preempt_delay: 3s" "preempt: true"; do
        grep -q "^  $key" "$out" || fail "$example has no '${key%% *}' line where the demo expects one"
    done
    "$tandem" check --config "$out" >/dev/null || { "$tandem" check --config "$out"; fail "$out is not valid"; }
}
derive_config lb-a
derive_config lb-b

# own_groups — true when lb-a holds 198.18.0.100 and lb-b 198.18.0.101, each alone (active-active).
own_groups() { [[ $(holders 198.18.0.100) == lb-a && $(holders 198.18.0.101) == lb-b ]]; }
if [[ -n $active_active ]]; then
    log "starting the VIP helper and the daemon on lb-a (web-a 150, web-b 100) and lb-b (web-a 100, web-b 150)"
    start_helper lb-a; start_helper lb-b
    start_daemon lb-a; start_daemon lb-b
    wait_until 20 own_groups || fail "web-a should be on lb-a and web-b on lb-b (holders: $(holders 198.18.0.100) / $(holders 198.18.0.101))"
    wait_until 20 vips_answer || fail "the VIPs do not answer from the client"
    log "lb-a holds web-a, lb-b holds web-b, both VIPs answer"
else
    log "starting the VIP helper and the daemon on lb-a (priority 150) and lb-b (priority 100)"
    start_pair "start"
    wait_until 20 vips_answer || fail "the VIP does not answer from the client"
    vips_on lb-a && [[ $(holders) == lb-a ]] || fail "the VIP should be on lb-a only (holders: $(holders))"
    log "lb-a is ACTIVE, lb-b is STANDBY, the VIP answers"
fi

# --- load, kill, return -------------------------------------------------------------------------------------------
python3 "$here/poller.py" "$tandem" 100 120 "$dir/stop" lb-a="$dir/lb-a.admin" lb-b="$dir/lb-b.admin" \
    >"$dir/states.txt" 2>"$dir/poller.log" &
poller_pid=$!
other_pids+=("$poller_pid")
mark load-start client load
probe_pids=()
for stream in "${STREAMS[@]}"; do
    read -r group name url mode <<<"$stream"
    keep=()
    [[ $mode == keep-alive ]] && keep=(--keep-alive)
    # `ip netns exec` execs, so $! is the prober itself; bounded by --duration, ended early by the stop file.
    ip netns exec "$ns_cl" "$tandem" probe "$url" "${keep[@]}" --interval "${PERIOD_MS}ms" --timeout "${TIMEOUT_MS}ms" \
        --duration 120s --stop-file "$dir/stop" --lines --json >"$dir/probe-$name.jsonl" 2>"$dir/probe-$name.log" &
    probe_pids+=($!)
    other_pids+=($!)
    echo "$name $dir/probe-$name.jsonl $url $mode" >>"$dir/streams.txt"
    echo "$name $dir/probe-$name.jsonl $url $mode" >>"$dir/streams-$group.txt"
done
load_started=$EPOCHREALTIME
log "client load running: ${#STREAMS[@]} streams of tandem probe, GET every $PERIOD_MS ms (new connections, keep-alive)"
pause_until "$load_started" 3

# lb-a "dies" the way a host does: its link goes down (it vanishes from the switch at one instant), then its
# daemon and VIP helper are SIGKILLed. A SIGKILLed helper cannot release the VIP, so the address stays on
# lb-a's eth0; it is deleted by hand, as a reboot would — otherwise lb-a would answer ARP for the VIP the
# moment its link came back, next to lb-b.
log "killing lb-a: link down, SIGKILL to its daemon and its VIP helper"
killed=$EPOCHREALTIME
mark kill "link down, SIGKILL daemon + helper"
pair_link lb-a eth0 down
kill -9 "${pid_of[helper-lb-a]}" "${pid_of[daemon-lb-a]}" 2>/dev/null   # one may have died already: the report shows it
wait "${pid_of[helper-lb-a]}" "${pid_of[daemon-lb-a]}" 2>/dev/null
pid_of[helper-lb-a]="" pid_of[daemon-lb-a]=""
for vip in "${VIPS[@]}"; do ip -n "$ns_a" addr del "$vip/24" dev eth0 2>/dev/null; done
if wait_until 5 vips_on lb-b; then log "lb-b is ACTIVE and holds every VIP"; else log "lb-b did not take every VIP within 5 s"; fi
pause_until "$killed" 5

log "bringing lb-a back: link up, VIP helper and daemon (it preempts after 3 s)"
mark restart "link up, helper + daemon started"
pair_link lb-a eth0 up
start_helper lb-a
wait_until 5 test -S "$dir/lb-a.vip.sock" || fail "the VIP helper of lb-a did not start"
start_daemon lb-a
if wait_until 20 state_is lb-a ACTIVE; then log "lb-a is ACTIVE again"; else log "lb-a did not become ACTIVE within 20 s"; fi
sleep 3     # the load continues on lb-a

log "stopping the client load"
mark load-stop client load
touch "$dir/stop"
for pid in "${probe_pids[@]}"; do
    wait "$pid"
    (($? <= 1)) || fail "tandem probe failed (exit status not 0 or 1)"    # 1: the VIP did not answer at the end
done
wait "$poller_pid" || fail "the status poller failed"

if [[ -z $active_active ]]; then
    python3 "$here/report.py" "$dir" lb-a lb-b "$PERIOD_MS" "$TIMEOUT_MS" "$MAX_OUTAGE_MS"
    exit
fi
# Active-active: web-a fails over to lb-b and comes back; web-b stays on lb-b throughout.
verdict=0
python3 "$here/report.py" "$dir" lb-a lb-b "$PERIOD_MS" "$TIMEOUT_MS" "$MAX_OUTAGE_MS" \
    --group web-a --streams streams-web-a.txt || verdict=1
python3 "$here/report.py" "$dir" lb-b lb-a "$PERIOD_MS" "$TIMEOUT_MS" "$MAX_OUTAGE_MS" \
    --group web-b --streams streams-web-b.txt --steady || verdict=1
exit $verdict

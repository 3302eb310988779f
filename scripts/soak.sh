#!/usr/bin/env bash
# The fault soak: random faults on a Tandem pair in the namespaced lab (scripts/lib/ha-pair.sh, heartbeats on
# the direct link hb0) while the invariants are checked over every instant of the run:
#   - never two VIP holders, except during a heartbeat partition or while the ACTIVE is frozen, unheard (its
#     heartbeats dropped) or without its helper, and for one interval (+ 100 ms) after such a fault's heal; an
#     overlap of at most one interval + 100 ms elsewhere (a stalled node resuming) is allowed and listed;
#   - a holder at every instant outside detection windows (dead window or gateway detection + 500 ms after a
#     fault's start or heal; a handover gap of up to one interval + 100 ms is allowed anywhere);
#   - no daemon or helper exits unless the soak killed it, SIGTERM at the end exits 0, the pair settles after
#     every heal (one holder, one ACTIVE and one STANDBY, both answering `tandem status`);
#   - flat RSS and descriptor counts per daemon and helper (scripts/lib/soak-monitor.py says how flat).
# One fault at a time, chosen with a seeded random generator (the seed is printed: --seed repeats the run's
# choices), injected for 0.5-5 s on the ACTIVE node (2 in 3) or the STANDBY, then healed:
#   sigkill     SIGKILL of the daemon, restarted at the heal
#   sigstop     SIGSTOP of the daemon, SIGCONT at the heal
#   linkdown    the node's eth0 down (it loses the gateway and clients; heartbeats still pass on hb0)
#   partition   hb0 down: only the heartbeats are cut, both nodes claim
#   oneway      nftables drops the heartbeats the node sends: only its peer stops hearing it
#   helperkill  SIGKILL of the node's vip-helper (its daemon goes FAULT, the peer takes over), restarted
#   cpu         stress-ng --cpu 2 (whole seconds, bounded by its --timeout)
#   load        wrk from the client namespace against http://198.18.0.100/ (whole seconds, -d bounded)
#   stall       every proxy event loop of the node blocked (`tandem debug stall-proxy`) under a small wrk load;
#               skipped (and reported) while the binary has no `tandem debug stall-proxy`
#   clock       the daemon's wall clock stepped by ±2 s ... ±1 h (`tandem debug clock-step`, or a restart with
#               TANDEM_DEBUG_WALL_CLOCK_OFFSET), stepped back at the heal; skipped (and reported) while the
#               binary has no `tandem debug clock-step`
# The report: seed, faults per kind (and skipped), breaks per kind with the fault in effect and the heartbeat
# log lines around them, outages, settle times, RSS/descriptors per process. Exit 1 if anything broke; the
# lab's logs are then kept (the report says where).
#
# Usage: scripts/soak.sh [--duration 10m] [--seed N] [--interval 20ms] [--tandem PATH] [--report FILE]
#                        [--keep DIR]      (root; installs iproute2, python3, curl, stress-ng, wrk, nftables)
# Without --tandem it builds with `swift build` and uses .build/debug/tandem. Durations: 90, 90s, 10m, 2h.
# Network: only the lab's namespaces (198.18.0.0/24, 198.18.1.0/24), all removed at the end.
set -uo pipefail
export LC_ALL=C
source "$(dirname "$0")/lib/common.sh"

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
seconds_of() {   # 90 | 90s | 10m | 2h → seconds
    [[ $1 =~ ^([0-9]+)(s|m|h)?$ ]] || die "bad duration: $1 (e.g. 60s, 10m, 2h)"
    case ${BASH_REMATCH[2]} in m) echo $((BASH_REMATCH[1] * 60)) ;; h) echo $((BASH_REMATCH[1] * 3600)) ;; *) echo "${BASH_REMATCH[1]}" ;; esac
}
duration=10m seed="" interval=20ms tandem="" report_file="" keep=""
while (($#)); do
    case $1 in
        --duration) duration=${2:?}; shift 2 ;;
        --seed) seed=${2:?}; shift 2 ;;
        --interval) interval=${2:?}; shift 2 ;;
        --tandem) tandem=${2:?}; shift 2 ;;
        --report) report_file=${2:?}; shift 2 ;;
        --keep) keep=${2:?}; shift 2 ;;
        -h | --help) usage ;;
        *) echo "unknown argument: $1" >&2; usage 2 ;;
    esac
done
duration_s=$(seconds_of "$duration")
[[ $interval =~ ^([0-9]+)ms$ ]] || die "--interval takes milliseconds, e.g. 20ms"
interval_ms=${BASH_REMATCH[1]}
[[ -z $seed || $seed =~ ^[0-9]+$ ]] || die "--seed takes a number"
[[ -n $seed ]] || seed=$(((RANDOM << 15 | RANDOM) % 1000000))
[[ -n $report_file ]] && report_file=$(readlink -f "$report_file")
if [[ -z $tandem ]]; then
    (cd "$ROOT" && swift build) || die "swift build failed"
    tandem="$ROOT/.build/debug/tandem"
fi
[[ -x $tandem ]] || die "no tandem binary at $tandem"
tandem=$(readlink -f "$tandem")
monitor="$ROOT/scripts/lib/soak-monitor.py"

tag="sk$$"
PAIR_HB_NET=198.18.1   # heartbeats on hb0: a partition cuts only them, a link down only the LAN side
PAIR_HA_LOG=1          # $dir/NODE.ha.log, quoted as evidence around each break
source "$ROOT/scripts/lib/ha-pair.sh"
pair_require stress-ng:stress-ng wrk:wrk nft:nftables
PAIR_DAEMON_ENV="TANDEM_DEBUG_COMMANDS=1"   # `tandem debug` reaches the daemons (older binaries ignore it)

echo "soak: seed $seed, duration ${duration_s}s, interval $interval (repeat with --seed $seed)"
RANDOM=$seed   # every choice below comes from $RANDOM in this shell only (never in a subshell)

# ---- bookkeeping --------------------------------------------------------------------------------------
load_pids=()          # stress-ng (own process group) and wrk of the fault in effect
soak_cleanup() {
    local pid
    for pid in "${load_pids[@]}"; do kill -9 -- "-$pid" 2>/dev/null; kill -9 "$pid" 2>/dev/null; done
    if [[ -n $keep && -d $dir ]]; then mkdir -p "$keep" && cp -r "$dir"/. "$keep"/ && echo "soak: logs kept in $keep"; fi
}
trap 'soak_cleanup; pair_cleanup' EXIT

ev() { printf '%s %s\n' "$EPOCHREALTIME" "$*" >>"$dir/events.txt"; }
now_us() { NOW=${EPOCHREALTIME/./}; }
# rand N — REPLY = a random number in 0..N-1 (from the seeded $RANDOM, so no subshell).
rand() { REPLY=$((RANDOM % $1)); }
# sleep_ms N
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

roles=(daemon-lb-a daemon-lb-b helper-lb-a helper-lb-b)
write_pids() {
    local role
    : >"$dir/pids.new"
    for role in "${roles[@]}"; do [[ -n ${pid_of[$role]:-} ]] && echo "$role ${pid_of[$role]}" >>"$dir/pids.new"; done
    mv "$dir/pids.new" "$dir/pids"
}
# started ROLE — records a (re)started process for the sampler and the report.
started() { ev pid "$1" "${pid_of[$1]}"; write_pids; }
helper_listening() { (($(grep -c 'VIP helper listening' "$dir/helper-$1.log") >= $2)); }
role_gone() { ! role_alive "$1"; }
# killed ROLE — SIGKILL by the soak (an expected exit).
killed() { ev killed "$1" "${pid_of[$1]:-}"; kill_role "$1"; write_pids; }
restart_role() {
    case $1 in daemon-*) start_daemon "${1#daemon-}" ;; helper-*) start_helper "${1#helper-}" ;; esac
    started "$1"
}

crashes=0 aborted=""
# check_crashes — a daemon or helper that is gone although the soak did not kill it: records its exit status and
# log tail, then restarts it.
check_crashes() {
    local role pid status log
    for role in "${roles[@]}"; do
        pid=${pid_of[$role]:-}
        [[ -z $pid ]] && continue
        role_alive "$role" && continue
        wait "$pid" 2>/dev/null; status=$?
        crashes=$((crashes + 1))
        log="$dir/crash-$crashes-$role.txt"
        tail -n 40 "$dir/$role.log" >"$log" 2>/dev/null
        ev crash "$role" "$pid" "$status" "$(basename "$log")"
        echo "soak: $role (pid $pid) exited with status $status without being killed:" >&2
        sed 's/^/    /' "$log" | tail -n 10 >&2
        pid_of[$role]=""
        ((crashes <= 20)) || { aborted="more than 20 unexpected exits"; return; }
        restart_role "$role"
    done
}

active=lb-a
other() { if [[ $1 == lb-a ]]; then echo lb-b; else echo lb-a; fi; }
# pair_state — STATE="holders stateA stateB" (holders comma separated, - for none).
pair_state() {
    local h a b
    h=$(holders); h=${h// /,}
    a=$(status_field lb-a 's["ha"]["state"]'); b=$(status_field lb-b 's["ha"]["state"]')
    STATE="${h:--} ${a:-none} ${b:-none}"
}
# settle LIMIT_S — waits until one node holds the VIP, it is the ACTIVE and the other is STANDBY, every process
# runs and both daemons answer status; sets `active`. Records `settled` (or `nosettle`, return 1).
settle() {
    local limit=$1 deadline h
    now_us; deadline=$((NOW + limit * 1000000))
    while :; do
        check_crashes
        [[ -z $aborted ]] || { ev nosettle "aborted: $aborted"; return 1; }
        h=$(holders)
        if [[ -n $h && $h != *" "* ]]; then
            pair_state
            read -r h a b <<<"$STATE"
            if [[ $h == lb-a && $a == ACTIVE && $b == STANDBY ]] || [[ $h == lb-b && $b == ACTIVE && $a == STANDBY ]]; then
                ev settled "$STATE"
                active=$h
                return 0
            fi
        fi
        now_us
        if ((NOW > deadline)); then
            pair_state
            ev nosettle "holders,lb-a,lb-b: $STATE"
            return 1
        fi
        sleep 0.05
    done
}

debug_help=$("$tandem" debug --help 2>/dev/null || true)
clock_support="" stall_support=""
[[ $debug_help == *clock-step* ]] && clock_support=yes
[[ $debug_help == *stall-proxy* ]] && stall_support=yes

# ---- faults --------------------------------------------------------------------------------------------
# inject KIND NODE MS — one fault on NODE for about MS milliseconds, then its heal. Returns 1 when skipped.
loads=0
inject() {
    local kind=$1 node=$2 ms=$3 role=standby ns secs pid out
    [[ $node == "$active" ]] && role=active
    ns=$(ns_of "$node")
    secs=$(((ms + 999) / 1000))
    case $kind in
        sigkill)
            ev fault sigkill "$node" "$role"
            killed "daemon-$node"
            sleep_ms "$ms"
            restart_role "daemon-$node"
            ;;
        sigstop)
            ev fault sigstop "$node" "$role"
            kill -STOP "${pid_of[daemon-$node]}"
            sleep_ms "$ms"
            kill -CONT "${pid_of[daemon-$node]}"
            ;;
        linkdown)
            ev fault linkdown "$node" "$role"
            pair_link "$node" eth0 down
            sleep_ms "$ms"
            pair_link "$node" eth0 up
            ;;
        partition)
            ev fault partition "$node" "$role" hb0
            pair_link "$node" hb0 down
            sleep_ms "$ms"
            pair_link "$node" hb0 up
            ;;
        oneway)
            ev fault oneway "$node" "$role" "its heartbeats dropped"
            pair_drop_heartbeats "$node" || { ev note "nft failed on $node"; }
            sleep_ms "$ms"
            pair_pass_heartbeats "$node"
            ;;
        helperkill)
            ev fault helperkill "$node" "$role"
            killed "helper-$node"
            sleep_ms "$ms"
            # Healed when the new helper listens (its log says so), not when its process starts.
            local listening
            listening=$(grep -c 'VIP helper listening' "$dir/helper-$node.log")
            restart_role "helper-$node"
            wait_until 5 helper_listening "$node" $((listening + 1)) || ev note "helper-$node did not listen in 5 s"
            ;;
        cpu)
            ms=$((secs * 1000))
            ev fault cpu - - "stress-ng --cpu 2 ${secs}s"
            setsid timeout -k 2 $((secs + 5)) stress-ng --cpu 2 --timeout "${secs}s" --quiet >>"$dir/stress.log" 2>&1 &
            pid=$!; load_pids=("$pid")
            wait "$pid"
            load_pids=()
            ;;
        load)
            ms=$((secs * 1000))
            loads=$((loads + 1)); out="$dir/wrk-$loads.txt"
            ev fault load - - "wrk -t1 -c32 ${secs}s"
            ip netns exec "$ns_cl" timeout -k 2 $((secs + 5)) wrk -t1 -c32 -d"${secs}s" --timeout 2s \
                http://198.18.0.100/ >"$out" 2>&1 &
            pid=$!; load_pids=("$pid")
            wait "$pid"
            load_pids=()
            ev load "wrk ${secs}s: $(grep -Eo '[0-9]+ requests in [^,]+' "$out" | head -1)," \
                "$(grep -Eo 'Socket errors:.*|Non-2xx or 3xx responses: [0-9]+' "$out" | tr '\n' ' ' || true)"
            ;;
        stall)
            if [[ -z $stall_support ]]; then
                ev skip stall "tandem debug stall-proxy not in this binary"
                return 1
            fi
            # Every proxy event loop of the node blocked for the fault's time, under a client load that starts
            # just before and ends a second after.
            loads=$((loads + 1)); out="$dir/wrk-$loads.txt"
            ip netns exec "$ns_cl" timeout -k 2 $((secs + 6)) wrk -t1 -c8 -d"$((secs + 1))s" --timeout 2s \
                http://198.18.0.100/ >"$out" 2>&1 &
            pid=$!; load_pids=("$pid")
            sleep 0.3
            ev fault stall "$node" "$role" "stall-proxy ${ms} ms under wrk -c8"
            # In the background: the answer may only come once the stall is over.
            timeout 15 "$tandem" debug stall-proxy "$ms" --admin "$dir/$node.admin" >"$dir/stall.out" 2>&1 &
            local stall_pid=$!
            load_pids+=("$stall_pid")
            sleep_ms "$ms"
            ev heal stall "$node"
            wait "$stall_pid" || ev note "stall-proxy on $node: $(tr '\n' ' ' <"$dir/stall.out")"
            wait "$pid"
            load_pids=()
            ev load "wrk $((secs + 1))s around a ${ms} ms stall of $node: $(grep -Eo '[0-9]+ requests in [^,]+' "$out" | head -1)," \
                "$(grep -Eo 'Socket errors:.*|Non-2xx or 3xx responses: [0-9]+' "$out" | tr '\n' ' ' || true)"
            LAST_MS=$ms
            return 0
            ;;
        clock)
            if [[ -z $clock_support ]]; then
                ev skip clock "tandem debug clock-step not in this binary"
                return 1
            fi
            local steps=(2 8 30 3600) sign=+ step
            rand 4; step=${steps[REPLY]}
            rand 2; ((REPLY)) && sign=-
            rand 3
            if ((REPLY)); then
                ev fault clock "$node" "$role" "step ${sign}${step}s"
                if ! out=$("$tandem" debug clock-step --admin "$dir/$node.admin" "${sign}${step}" 2>&1); then
                    ev note "clock-step failed on $node: ${out//$'\n'/ }"
                fi
            else
                ev fault clock "$node" "$role" "restart with offset ${sign}${step}s"
                killed "daemon-$node"
                PAIR_DAEMON_ENV="$PAIR_DAEMON_ENV TANDEM_DEBUG_WALL_CLOCK_OFFSET=${sign}${step}" start_daemon "$node"
                started "daemon-$node"
            fi
            sleep_ms "$ms"
            [[ $sign == + ]] && sign=- || sign=+
            wait_until 3 "$tandem" debug clock-step --admin "$dir/$node.admin" "${sign}${step}" >/dev/null 2>&1 ||
                ev note "clock-step back failed on $node"
            ;;
    esac
    ev heal "$kind" "$node"
    LAST_MS=$ms
    return 0
}

# ---- the run --------------------------------------------------------------------------------------------
make_lab
write_config lb-a 150 11 12 "${interval_ms}ms"
write_config lb-b 100 12 11 "${interval_ms}ms"
# The kernel's address and link events of both nodes, from before the pair starts (the monitors run at a higher
# priority than the faults' load, so their timestamps stay close to the kernel's).
for node in lb-a lb-b; do
    nice -n -10 ip -n "$(ns_of "$node")" -ts monitor link address >"$dir/mon-$node.txt" 2>&1 &
    other_pids+=($!)
done
sleep 0.3
for node in lb-a lb-b; do
    ev snapshot "$node" "$(node_holds "$node" && echo 1 || echo 0)" \
        "$(ip -n "$(ns_of "$node")" link show dev eth0 | grep -q 'LOWER_UP' && echo 1 || echo 0)"
done
# Either node may come up ACTIVE at 20 ms (the first to listen for its dead window claims): no start_pair.
start_helper lb-a; start_helper lb-b
start_daemon lb-a; start_daemon lb-b
for role in "${roles[@]}"; do started "$role"; done
python3 "$monitor" sample "$dir" $((duration_s + 600)) &
other_pids+=($!)
settle 10 || fail "the pair did not settle at the start: $STATE"

kinds=(sigkill sigstop linkdown partition oneway helperkill cpu load stall clock)
report_args=(--interval-ms "$interval_ms" --seed "$seed" --duration "${duration_s}s" --tandem "$tandem")
ev start
now_us; soak_start=$NOW; soak_end=$((NOW + duration_s * 1000000)); next_progress=$((NOW + 60000000))
number=0
while :; do
    now_us
    left_ms=$(((soak_end - NOW) / 1000))
    ((left_ms >= 1500)) || break
    rand ${#kinds[@]}; kind=${kinds[REPLY]}
    rand 3; if ((REPLY < 2)); then node=$active; else node=$(other "$active"); fi
    rand 4501; ms=$((500 + REPLY))
    ((ms > left_ms - 1000)) && ms=$((left_ms - 1000))
    if [[ $kind == cpu || $kind == load ]] && ((ms < 1000)); then continue; fi
    if [[ $kind == cpu || $kind == load ]]; then ms=$((ms / 1000 * 1000)); fi
    inject "$kind" "$node" "$ms" || continue
    number=$((number + 1))
    now_us; healed=$NOW
    if settle 10; then
        now_us
        printf 'soak: [%6.1fs] #%d %-10s %s %5d ms, settled in %4d ms, ACTIVE %s\n' \
            "$(((healed - soak_start) / 1000))e-3" "$number" "$kind" "$node" "$LAST_MS" $(((NOW - healed) / 1000)) "$active"
    else
        echo "soak: [#$number $kind $node] the pair did not settle in 10 s: $STATE" >&2
        [[ -z $aborted ]] && ! settle 20 && aborted="the pair did not settle within 30 s after fault #$number ($kind $node)"
        [[ -z $aborted ]] || break
    fi
    rand 1201; sleep_ms $((300 + REPLY))
    now_us
    if ((NOW > next_progress)); then
        next_progress=$((NOW + 60000000))
        echo "soak: [$(((NOW - soak_start) / 1000000))s] $(python3 "$monitor" report "$dir" "${report_args[@]}" --partial)"
    fi
done
[[ -n $aborted ]] && ev note "aborted: $aborted"
ev end

# SIGTERM ends both daemons gracefully: exit status 0 expected.
for role in daemon-lb-b daemon-lb-a; do
    pid=${pid_of[$role]:-}
    [[ -n $pid ]] || continue
    kill -TERM "$pid"
    wait_until 10 role_gone "$role"
    if role_alive "$role"; then kill -9 "$pid"; fi
    wait "$pid" 2>/dev/null; ev stopexit "$role" $?
    pid_of[$role]=""
done
touch "$dir/stop"
sleep 0.2
# (the sampler and monitors are stopped by the cleanup)

status=0
python3 "$monitor" report "$dir" "${report_args[@]}" --out "${report_file:-}" || status=1
if ((status)) && [[ -z $keep ]]; then
    keep="${TMPDIR:-/tmp}/tandem-soak-$seed-$$"
    echo "soak: breaks found; the lab's logs go to $keep"
fi
[[ -n $aborted ]] && { echo "soak: aborted: $aborted"; status=1; }
exit $status

#!/usr/bin/env bash
# The heartbeat log: a two-node pair (helper + daemon per node, 100 ms interval) in network namespaces, each
# with its own `ha.log`. SIGKILL of the ACTIVE's daemon → the standby's log has the transition to ACTIVE with
# its reason and the vip_claim with timed steps; summaries appear (TANDEM_HA_SUMMARY_INTERVAL=1s); `mv` +
# SIGHUP → a new file gets lines, and `tandem logs --follow` follows the rotation; `tandem logs` prints
# aligned columns, honours --since and --config, skips malformed lines with a count.
#
# Usage: ha-log.sh PATH/TO/tandem      (root; iproute2, python3)
# Addresses: 198.18.0.0/24 only (switch .1, lb-a .11, lb-b .12, VIP .100).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root for network namespaces"; exit 0; }
for command in ip python3; do
    command -v "$command" >/dev/null || { echo "FAIL: $command is missing"; exit 1; }
done

tag="hl$$"
ns_sw="$tag-sw" ns_a="$tag-a" ns_b="$tag-b"
dir=$(mktemp -d)
declare -A pid_of=()      # role → pid (helper-lb-a, daemon-lb-a, follow, ...)
started=$(date +%s%N)

cleanup() {
    local pid
    for pid in "${pid_of[@]}"; do [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; done
    for pid in "${pid_of[@]}"; do [[ -n "$pid" ]] && wait "$pid" 2>/dev/null; done
    for ns in "$ns_b" "$ns_a" "$ns_sw"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
    echo "FAIL: $*"
    for f in "$dir"/*.log "$dir"/*.log.1 "$dir"/*.txt; do [[ -f "$f" ]] && { echo "--- $f"; tail -n 20 "$f"; }; done
    exit 1
}
elapsed_ms() { echo $((($(date +%s%N) - started) / 1000000)); }

# wait_until SECONDS COMMAND... — polls every 20 ms.
wait_until() {
    local limit=$1 i; shift
    for ((i = 0; i < limit * 50; i++)); do
        "$@" && return 0
        sleep 0.02
    done
    return 1
}

for ns in "$ns_sw" "$ns_a" "$ns_b"; do
    ip netns add "$ns" || fail "ip netns add $ns"
    ip -n "$ns" link set lo up
done
ip -n "$ns_sw" link add br0 type bridge
ip -n "$ns_sw" addr add 198.18.0.1/24 dev br0
ip -n "$ns_sw" link set br0 up
for host in a:11 b:12; do
    name=${host%%:*} octet=${host#*:}
    ip link add "p-$name" netns "$ns_sw" type veth peer name eth0 netns "$tag-$name" || fail "veth $name"
    ip -n "$ns_sw" link set "p-$name" master br0 up
    ip -n "$tag-$name" addr add "198.18.0.$octet/24" dev eth0
    ip -n "$tag-$name" link set eth0 up
done

umask 077
printf '# test key\n1 %s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$dir/ha.key"
umask 022

# write_config NODE PRIORITY OWN PEER
write_config() {
    local node=$1 priority=$2 own=$3 peer=$4
    cat >"$dir/$node.yaml" <<YAML
node:
  name: $node
  admin: $dir/$node.admin
  threads: 1
  drain_timeout: 1s
ha:
  listen: 198.18.0.$own:7946
  peers: [198.18.0.$peer:7946]
  key_file: $dir/ha.key
  interval: 100ms
  dead_after: 3
  priority: $priority
  preempt: false
  helper: $dir/$node.vip.sock
  vips:
    - address: 198.18.0.100/24
      interface: eth0
  log: $dir/$node.ha.log
frontends:
  - name: web
    bind: 198.18.0.100:80
    backend: app
backends:
  - name: app
    servers: [{ name: be1, address: 198.18.0.21:8080 }]
YAML
}

# start NODE NS — the helper and the daemon (1 s summaries).
start() {
    local node=$1 ns=$2
    ip netns exec "$ns" "$tandem" vip-helper --socket "$dir/$node.vip.sock" --allow 198.18.0.100/24@eth0 \
        --garp-count 2 --garp-spacing 50 >>"$dir/helper-$node.txt" 2>&1 &
    pid_of[helper-$node]=$!
    ip netns exec "$ns" env TANDEM_HA_SUMMARY_INTERVAL=1s "$tandem" run --config "$dir/$node.yaml" \
        >>"$dir/daemon-$node.txt" 2>&1 &
    pid_of[daemon-$node]=$!
}

state_is() {
    [[ $("$tandem" status --json --admin "$dir/$1.admin" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["ha"]["state"])' 2>/dev/null) == "$2" ]]
}

# json_check FILE EXPR — true when the python expression over `events` (the decoded lines of
# `tandem logs --json --file FILE`) holds.
json_check() {
    "$tandem" logs --json --file "$1" 2>/dev/null | python3 -c '
import json, sys
events = [json.loads(line) for line in sys.stdin if line.strip()]
sys.exit(0 if ('"$2"') else 1)' 2>/dev/null
}

write_config lb-a 150 11 12
write_config lb-b 100 12 11
start lb-a "$ns_a"
start lb-b "$ns_b"
wait_until 10 state_is lb-a ACTIVE || fail "lb-a did not become ACTIVE"
wait_until 5 state_is lb-b STANDBY || fail "lb-b did not become STANDBY"

kill -9 "${pid_of[daemon-lb-a]}"
wait "${pid_of[daemon-lb-a]}" 2>/dev/null
pid_of[daemon-lb-a]=""
wait_until 5 state_is lb-b ACTIVE || fail "lb-b did not take over"

b_log="$dir/lb-b.ha.log"
wait_until 5 json_check "$b_log" \
    'any(e["event"] == "transition" and e["to"] == "ACTIVE" and e.get("reason") for e in events)' ||
    fail "no transition to ACTIVE with a reason in lb-b's log"
wait_until 5 json_check "$b_log" \
    'any(e["event"] == "vip_claim" and e["ok"] and e["vip"] == "198.18.0.100/24" and e["steps"] and all("ms" in s for s in e["steps"]) for e in events)' ||
    fail "no vip_claim with steps in lb-b's log"
wait_until 5 json_check "$b_log" 'any(e["event"] == "peer_dead" and e["peer"] == "lb-a" for e in events)' ||
    fail "no peer_dead in lb-b's log"
wait_until 3 json_check "$b_log" \
    'any(e["event"] == "summary" and e["received"] > 0 and "rtt_p50_ms" in e and e["state"] in ("ACTIVE", "STANDBY") for e in events)' ||
    fail "no summary with traffic in lb-b's log"
json_check "$dir/lb-a.ha.log" 'events[0]["event"] == "started" and all(e["node"] == "lb-a" for e in events)' ||
    fail "lb-a's log does not start with 'started'"

# --follow across a rotation: mv + SIGHUP → the daemon writes a new file, the follower switches to it.
"$tandem" logs --follow --json --file "$b_log" >"$dir/follow.txt" 2>"$dir/follow-err.txt" &
pid_of[follow]=$!
wait_until 3 test -s "$dir/follow.txt" || fail "tandem logs --follow printed nothing"
mv "$b_log" "$b_log.1"
kill -HUP "${pid_of[daemon-lb-b]}"
wait_until 3 test -s "$b_log" || fail "no new heartbeat log after mv + SIGHUP"
wait_until 3 json_check "$b_log" 'len(events) > 0' || fail "the new heartbeat log does not decode"
first_new=$(head -n 1 "$b_log")
wait_until 3 grep -qxF "$first_new" "$dir/follow.txt" || fail "tandem logs --follow did not follow the rotation"
kill "${pid_of[follow]}" 2>/dev/null; wait "${pid_of[follow]}" 2>/dev/null; pid_of[follow]=""
kill -0 "${pid_of[daemon-lb-b]}" 2>/dev/null || fail "SIGHUP stopped the daemon"

# The table: a header, then local time, node, event and details in aligned columns.
"$tandem" logs --file "$b_log.1" >"$dir/table.txt" 2>&1 || fail "tandem logs failed"
python3 - "$dir/table.txt" <<'PY' || fail "tandem logs columns are not aligned"
import re, sys
rows = open(sys.argv[1]).read().splitlines()
header, rows = rows[0], rows[1:]
column = header.index("DETAILS")
assert header.startswith("TIME") and len(rows) > 3, rows
for row in rows:
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  lb-b +\S+ +\S", row), row
    assert row[column - 2:column] == "  " and row[column] != " ", row
assert any("STANDBY -> ACTIVE: " in row for row in rows), rows
assert "\x1b" not in "".join(rows)
PY
"$tandem" logs --config "$dir/lb-b.yaml" --since 1d | grep -q 'summary' || fail "--config/--since printed no summary"
[[ -z $("$tandem" logs --json --file "$b_log.1" --since 1s | grep '"event":"started"') ]] ||
    fail "--since 1s still printed the start"
"$tandem" logs --since 10x --file "$b_log" >/dev/null 2>&1; status=$?
[[ $status -eq 2 ]] || fail "--since 10x exited $status, expected 2"

# Malformed lines are skipped and counted, never fatal.
{ head -n 2 "$b_log.1"; echo 'garbage {'; tail -n 1 "$b_log.1"; } >"$dir/mixed.txt"
out=$("$tandem" logs --json --file "$dir/mixed.txt" 2>"$dir/mixed-err.txt") || fail "a malformed line was fatal"
[[ $(wc -l <<<"$out") -eq 3 ]] || fail "expected 3 good lines, got: $out"
grep -q "skipped 1 malformed" "$dir/mixed-err.txt" || fail "no count of skipped lines: $(cat "$dir/mixed-err.txt")"
"$tandem" logs --file "$dir/none.log" >/dev/null 2>&1 && fail "a missing file did not fail"
echo "ok ($(elapsed_ms) ms)"

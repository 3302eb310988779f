#!/usr/bin/env bash
# The heartbeat log: a two-node pair (helper + daemon per node, 100 ms interval) in network namespaces, each
# with its own `ha.log`. SIGKILL of the ACTIVE's daemon → the standby's log has the transition to ACTIVE with
# its reason and the vip_claim with timed steps; summaries appear (TANDEM_HA_SUMMARY_INTERVAL=1s); `mv` +
# SIGHUP → a new file gets lines, and `tandem logs --follow` follows the rotation; `tandem logs` prints
# aligned columns, honours --since and --config, skips malformed lines with a count.
#
# Usage: ha-log.sh PATH/TO/tandem      (root; iproute2, python3, curl)
# Lab: scripts/lib/ha-pair.sh (198.18.0.0/24 and 198.18.1.0/24 only; switch .1, lb-a .11, lb-b .12, VIP .100).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="hl$$"
source "$ROOT/scripts/lib/ha-pair.sh"
PAIR_HA_LOG=1                          # $dir/NODE.ha.log
PAIR_SHOW='*.log.1 *.txt'              # fail also shows the rotated log and the `tandem logs` outputs
export TANDEM_HA_SUMMARY_INTERVAL=1s   # the daemons write a summary every second

# json_check FILE EXPR — true when the python expression over `events` (the decoded lines of
# `tandem logs --json --file FILE`) holds.
json_check() {
    "$tandem" logs --json --file "$1" 2>/dev/null | python3 -c '
import json, sys
events = [json.loads(line) for line in sys.stdin if line.strip()]
sys.exit(0 if ('"$2"') else 1)' 2>/dev/null
}

make_lab
run_pair 100ms

kill_role daemon-lb-a
wait_until 5 state_is lb-b ACTIVE || fail "lb-b did not take over"

b_log="$dir/lb-b.ha.log"
wait_until 5 json_check "$b_log" \
    'any(e["event"] == "transition" and e["to"] == "ACTIVE" and e.get("reason") for e in events)' ||
    fail "no transition to ACTIVE with a reason in lb-b's log"
wait_until 5 json_check "$b_log" \
    'any(e["event"] == "vip_claim" and e["ok"] and e["vip"] == "198.18.0.100/24"
         and e["steps"] and all("ms" in s for s in e["steps"]) for e in events)' ||
    fail "no vip_claim with steps in lb-b's log"
wait_until 5 json_check "$b_log" 'any(e["event"] == "peer_dead" and e["peer"] == "lb-a" for e in events)' ||
    fail "no peer_dead in lb-b's log"
wait_until 3 json_check "$b_log" \
    'any(e["event"] == "summary" and e["received"] > 0 and "rtt_p50_ms" in e
         and e["state"] in ("ACTIVE", "STANDBY") for e in events)' ||
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
# The rotated-to file gets its first summary within a second of the rotation.
summary_via_config() { "$tandem" logs --config "$dir/lb-b.yaml" --since 1d | grep -q 'summary'; }
wait_until 3 summary_via_config || fail "--config/--since printed no summary"
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

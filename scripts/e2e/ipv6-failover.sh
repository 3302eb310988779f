#!/usr/bin/env bash
# An IPv6 VIP works like the IPv4 one: the pair with PAIR_IPV6 (VIP 2001:2::100/64 beside 198.18.0.100/24, a
# frontend on [2001:2::100]:80). lb-a holds it; lb-b's listener is bound to it while lb-b does not hold it
# (IPV6_FREEBIND). A client probes http://[2001:2::100]/ with `tandem probe`; SIGKILL of lb-a's daemon → its helper releases
# the VIP, lb-b claims it after the dead window and sends an unsolicited neighbour advertisement (ICMPv6 136,
# target 2001:2::100, from lb-b's MAC, captured on the client), the client's neighbour entry moves to lb-b's MAC
# and its requests succeed again. Prints the client's outage as the prober measures it: first failed probe to the
# first success after it, both by send time.
#
# Usage: ipv6-failover.sh PATH/TO/tandem      (root; iproute2, tcpdump, python3, curl)
# Lab: scripts/lib/ha-pair.sh (198.18.0.0/24, 198.18.1.0/24 and 2001:2::/64 only).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="v6$$"
source "$ROOT/scripts/lib/ha-pair.sh"
pair_require tcpdump:tcpdump
export PAIR_IPV6=1
PAIR_SHOW='*.out *.txt *.json *.jsonl'
vip=2001:2::100
mac_of() { ip -n "$1" -br link show dev eth0 | awk '{print $3}'; }
holds6() { [[ $(holders $vip) == "$1" ]]; }
successes() { (($(grep -c '"status":200' "$dir/client.jsonl") >= $1)); }
monotonic() { python3 -c 'import time; print(time.monotonic())'; }

make_lab
run_pair 100ms
wait_until 2 holder_is lb-a || fail "lb-a does not hold 198.18.0.100 (holders: $(holders))"
wait_until 2 holds6 lb-a || fail "lb-a alone should hold $vip (holders: $(holders $vip))"
# lb-b, not holding the VIP, already listens on it (grep without -q: it reads all, no SIGPIPE under pipefail).
ip netns exec "$ns_b" ss -ltnH | awk '{print $4}' | grep -xF "[$vip]:80" >/dev/null ||
    fail "lb-b does not listen on [$vip]:80: $(ip netns exec "$ns_b" ss -ltnH)"
body=$(ip netns exec "$ns_cl" curl -g -s -m 2 "http://[$vip]/") || fail "curl through [$vip] failed"
[[ $body == "hello from the backend" ]] || fail "unexpected body through [$vip]: $body"
mac_a=$(mac_of "$ns_a") mac_b=$(mac_of "$ns_b")
neigh=$(ip -n "$ns_cl" -6 neigh show $vip)
[[ $neigh == *"lladdr $mac_a"* ]] || fail "the client's neighbour entry for $vip is not lb-a's $mac_a: $neigh"

# Neighbour advertisements on the client's link, with Ethernet source and the target.
ip netns exec "$ns_cl" tcpdump -i eth0 -n -e -tt -l -U -vv 'icmp6 and ip6[40] == 136' \
    >"$dir/na.txt" 2>"$dir/tcpdump.log" &
other_pids+=($!)
tcpdump_pid=$!
wait_until 5 grep -qs "listening on" "$dir/tcpdump.log" || fail "tcpdump did not start"

# The client: a probe every 20 ms on a new connection for 8 s, each with a 1 s limit; one JSON line per probe
# (send time on CLOCK_MONOTONIC), the report as JSON on standard error.
ip netns exec "$ns_cl" "$tandem" probe "http://[$vip]/" --duration 8s --interval 20ms --timeout 1s --lines --json \
    >"$dir/client.jsonl" 2>"$dir/client-report.json" &
client_pid=$!
other_pids+=($client_pid)
wait_until 5 successes 10 || fail "the client's requests do not succeed"

killed_ms=$(now_ms) killed_mono=$(monotonic)
kill_role daemon-lb-a
wait_until 5 holds6 lb-b || fail "lb-b did not take $vip over (holders: $(holders $vip))"
claimed_ms=$(now_ms)
[[ $(holders) == lb-b ]] || fail "lb-b should hold 198.18.0.100 too (holders: $(holders))"
wait_until 5 state_is lb-b ACTIVE || fail "lb-b does not report ACTIVE"
vips=$(status_field lb-b '[(v["address"], v["holder"]) for v in s["ha"]["vips"]]')
[[ $vips == "[('198.18.0.100/24', 'lb-b'), ('$vip/64', 'lb-b')]" ]] || fail "lb-b's status: $vips"
wait "$client_pid" || fail "tandem probe: [$vip] did not answer at the end: $(cat "$dir/client-report.json")"
kill "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null

# lb-b's advertisement: Ethernet source lb-b, to all-nodes, target the VIP, Override set, lb-b's MAC as the
# target link-layer address (tcpdump -vv prints the option on the following line).
python3 - "$dir/na.txt" "$mac_b" "$vip" <<'PY' || fail "no unsolicited NA for $vip from lb-b ($mac_b): $(cat "$dir/na.txt")"
import sys
path, mac, vip = sys.argv[1:]
records = []
for line in open(path):
    if line[:1].isdigit():
        records.append(line)  # a packet starts with its -tt timestamp; its options follow, indented
    elif records:
        records[-1] += line
sys.exit(0 if any(r.split()[1:2] == [mac] and f"tgt is {vip}," in r and "> ff02::1:" in r and "override" in r
                  and f"link-address option (2), length 8 (1): {mac}" in r for r in records) else 1)
PY
neigh=$(ip -n "$ns_cl" -6 neigh show $vip)
[[ $neigh == *"lladdr $mac_b"* ]] || fail "the client's neighbour entry for $vip is not lb-b's $mac_b: $neigh"
[[ $(holders $vip) == lb-b ]] || fail "lb-a holds $vip again (holders: $(holders $vip))"
body=$(ip netns exec "$ns_cl" curl -g -s -m 2 "http://[$vip]/") || fail "curl through [$vip] after failover failed"
[[ $body == "hello from the backend" ]] || fail "unexpected body through [$vip] after failover: $body"

outage=$(python3 - "$dir/client-report.json" "$dir/client.jsonl" "$killed_mono" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
probes = sorted((json.loads(line) for line in open(sys.argv[2]) if line.strip()), key=lambda p: p["sent"])
killed = float(sys.argv[3])
if report["failed"] == 0:
    # The crash farewell can move the VIP between two probes: no failure at all is the best outcome.
    print(0, 0, report["probes"]); sys.exit(0)
first_fail = next(p for p in probes if p["failure"] is not None)
# A probe sent up to its 1 s limit before the kill may fail because of it; one sent earlier may not.
if first_fail["sent"] < killed - 1.05:
    print(f"error: a probe sent {killed - first_fail['sent']:.3f} s before the kill failed", file=sys.stderr); sys.exit(1)
after = sum(1 for p in probes if p["status"] == 200 and p["sent"] > first_fail["sent"])
if report["outageMs"] is None or report["failureRuns"] != 1 or after < 10:
    print(f"error: outage {report['outageMs']}, {report['failureRuns']} failure runs, {after} successes after",
          file=sys.stderr); sys.exit(1)
print(round(report["outageMs"]), report["failed"], report["probes"])
PY
) || fail "client outage not measured"
read -r outage_ms failed total <<<"$outage"
echo "IPv6 failover: lb-b held $vip $((claimed_ms - killed_ms)) ms after the kill (polled); client outage" \
    "${outage_ms} ms ($failed of $total probes failed); unsolicited NA from lb-b $mac_b seen; neighbour entry → lb-b"
((outage_ms < 2000)) || fail "outage ${outage_ms} ms"
echo "ok ($(elapsed_ms) ms)"

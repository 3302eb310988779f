#!/usr/bin/env bash
# Active-active (issue 16): two VIP groups, web-a (198.18.0.100, lb-a 150 / lb-b 100) and web-b (198.18.0.101,
# lb-a 100 / lb-b 150), interval 200 ms (dead window 600 ms), preempt after 1 s.
#   1. Both healthy: lb-a holds web-a, lb-b holds web-b, both serve; `tandem status` shows each group.
#   2. A client pinned by the persistence cookie stays on its server through either VIP, and source_hash maps
#      each of 16 client addresses to the same server through both (both nodes compute the same ring).
#   3. `tandem drill --group web-a` moves web-a only; `tandem failover --group web-b` moves web-b only; each
#      comes back by preemption when its hold ends.
#   4. lb-a's daemon crashes: lb-b holds both within 400 ms (the farewell; less than the dead window); lb-a
#      returns: web-a comes back to it, web-b never moves. No VIP ever has two holders in the samples.
#   5. A reload raises lb-b's priority in web-a: applied at once, lb-b preempts web-a.
#   6. The heartbeat log names the group of every transition; the metrics carry the group.
# Usage: active-active.sh PATH/TO/tandem   (root)   Addresses: 198.18.0.0/24 only.
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="aa$$"
source "$ROOT/scripts/lib/ha-pair.sh"

A=198.18.0.100 B=198.18.0.101
holders_are() { [[ $(holders $A) == "$1" && $(holders $B) == "$2" ]]; }
group_state() { status_field "$1" "[g['state'] for g in s['ha']['groups'] if g['name']=='$2'][0]"; }
# sample_holders SECONDS — polls both VIPs every 20 ms; fails on a VIP with two holders.
sample_holders() {
    local end=$((SECONDS + $1)) h
    while ((SECONDS < end)); do
        for vip in $A $B; do
            h=$(holders $vip)
            [[ $h == *" "* ]] && fail "$vip has two holders: $h"
        done
        sleep 0.02
    done
}

make_lab
mkdir -p "$dir/www2"
echo "hello from be2" >"$dir/www2/index.html"
echo "hello from be1" >"$dir/www/index.html"
ip netns exec "$ns_be" python3 -m http.server --bind 198.18.0.21 8081 --directory "$dir/www2" >>"$dir/backend2.log" 2>&1 &
other_pids+=($!)
for i in $(seq 40 55); do ip -n "$ns_cl" addr add "198.18.0.$i/24" dev eth0; done

export PAIR_ACTIVE_ACTIVE=1 PAIR_PREEMPT=true PAIR_PREEMPT_DELAY=1s PAIR_HA_LOG=1
export PAIR_EXTRA_FRONTENDS="  - { name: sticky-a, bind: \"$A:81\", backend: sticky }
  - { name: sticky-b, bind: \"$B:81\", backend: sticky }
  - { name: hashed-a, bind: \"$A:82\", backend: hashed }
  - { name: hashed-b, bind: \"$B:82\", backend: hashed }"
two_servers="servers: [{ name: be1, address: 198.18.0.21:8080 }, { name: be2, address: 198.18.0.21:8081 }]"
export PAIR_EXTRA_BACKENDS="  - name: sticky
    persistence: { cookie: TANDEM_SRV }
    health: { http: /, interval: 200ms, timeout: 150ms, rise: 1, fall: 2 }
    $two_servers
  - name: hashed
    balance: source_hash
    health: { http: /, interval: 200ms, timeout: 150ms, rise: 1, fall: 2 }
    $two_servers"
write_config lb-a 150 11 12 200ms
write_config lb-b 100 12 11 200ms
sed -i 's|^  threads: 1$|  threads: 1\n  stats: { bind: "127.0.0.1:9180" }|' "$dir/lb-a.yaml"    # in lb-a's namespace
"$tandem" check --config "$dir/lb-a.yaml" >"$dir/check.out" 2>&1 || fail "lb-a.yaml does not check: $(cat "$dir/check.out")"
start_helper lb-a; start_helper lb-b
start_daemon lb-a; start_daemon lb-b

# --- 1. each node holds its own group --------------------------------------------------------------------
wait_until 15 holders_are lb-a lb-b || fail "web-a should be on lb-a and web-b on lb-b (holders: $(holders $A) / $(holders $B))"
[[ $(group_state lb-a web-a) == ACTIVE && $(group_state lb-a web-b) == STANDBY ]] || fail "lb-a's groups are wrong"
[[ $(group_state lb-b web-a) == STANDBY && $(group_state lb-b web-b) == ACTIVE ]] || fail "lb-b's groups are wrong"
"$tandem" status --admin "$dir/lb-a.admin" >"$dir/status-a.txt"
grep -q "^group .*web-a ACTIVE" "$dir/status-a.txt" && grep -q "^group .*web-b STANDBY" "$dir/status-a.txt" ||
    fail "tandem status does not show the groups: $(cat "$dir/status-a.txt")"
grep -q "198.18.0.101/24 on eth0 (group web-b): held by lb-b" "$dir/status-a.txt" || fail "status: who holds web-b"
for vip in $A $B; do
    wait_until 5 ip netns exec "$ns_cl" curl -fs -m 1 -o /dev/null "http://$vip/" || fail "$vip does not answer"
done
echo "both healthy: lb-a ACTIVE for web-a, lb-b ACTIVE for web-b; both VIPs answer"
ip netns exec "$ns_a" curl -fs -m 2 http://127.0.0.1:9180/metrics >"$dir/metrics.txt" || fail "lb-a's /metrics"
python3 - "$dir/metrics.txt" <<'PY' || fail "the metrics do not carry the groups: $(grep tandem_ha_state "$dir/metrics.txt")"
import re, sys
values = {}
for line in open(sys.argv[1]):
    m = re.match(r'tandem_ha_state\{(.*)\} (\S+)', line)
    if m:
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        values[(labels["group"], labels["state"])] = float(m.group(2))
assert values[("web-a", "ACTIVE")] == 1 and values[("web-b", "STANDBY")] == 1, values
assert values[("web-a", "STANDBY")] == 0 and values[("web-b", "ACTIVE")] == 0, values
print("metrics: tandem_ha_state{group=\"web-a\",state=\"ACTIVE\"} 1 and {group=\"web-b\",state=\"STANDBY\"} 1 on lb-a")
PY

# --- 2. persistence and source_hash through both VIPs at once ---------------------------------------------
sleep 1    # both servers healthy on both nodes
seen=""
for i in 1 2 3 4; do seen+=" $(ip netns exec "$ns_cl" curl -fs -m 1 "http://$A:81/")"; done
[[ $seen == *be1* && $seen == *be2* ]] || fail "without a cookie, sticky should balance over both servers: $seen"
# One name for both VIPs, as DNS would give it (curl keeps cookies per host name): app.test is resolved by
# --resolve alone, nothing is looked up.
ip netns exec "$ns_cl" curl -fs -m 1 --resolve "app.test:81:$A" -c "$dir/jar" -o "$dir/first.txt" \
    "http://app.test:81/" || fail "sticky through web-a"
grep -q TANDEM_SRV "$dir/jar" || fail "no persistence cookie was set"
pinned=$(awk '{print $3}' "$dir/first.txt")
for i in $(seq 1 10); do
    for vip in $A $B; do
        got=$(ip netns exec "$ns_cl" curl -fs -m 1 --resolve "app.test:81:$vip" -b "$dir/jar" "http://app.test:81/" |
            awk '{print $3}')
        [[ $got == "$pinned" ]] || fail "the cookie pinned to $pinned, but $vip:81 answered from '$got'"
    done
done
echo "persistence: the cookie from lb-a keeps the client on $pinned through lb-b as well (20 requests)"
servers=""
for i in $(seq 40 55); do
    via_a=$(ip netns exec "$ns_cl" curl -fs -m 1 --interface "198.18.0.$i" "http://$A:82/" | awk '{print $3}')
    via_b=$(ip netns exec "$ns_cl" curl -fs -m 1 --interface "198.18.0.$i" "http://$B:82/" | awk '{print $3}')
    [[ -n $via_a && $via_a == "$via_b" ]] || fail "source_hash: 198.18.0.$i went to '$via_a' via lb-a but '$via_b' via lb-b"
    servers+=" $via_a"
done
[[ $servers == *be1* && $servers == *be2* ]] || fail "source_hash put all 16 clients on one server: $servers"
echo "source_hash: 16 client addresses, each on the same server through both nodes (both servers used)"

# --- 3. drill and failover of one group --------------------------------------------------------------------
"$tandem" drill --admin "$dir/lb-a.admin" --group web-a --probe "http://$A/" --hold 2s --duration 1s \
    >"$dir/drill.out" 2>&1 || fail "drill --group web-a failed: $(cat "$dir/drill.out")"
grep -q "web-a" "$dir/drill.out" || fail "the drill report does not name the group: $(cat "$dir/drill.out")"
holders_are lb-b lb-b || fail "after the drill of web-a, lb-b should hold both (holders: $(holders $A) / $(holders $B))"
sed -n '1,12p' "$dir/drill.out"
wait_until 8 holders_are lb-a lb-b || fail "web-a did not come back to lb-a after the hold"
"$tandem" failover --admin "$dir/lb-b.admin" --group web-b --drain 0s --hold 2s >"$dir/failover.out" 2>&1 ||
    fail "failover --group web-b failed: $(cat "$dir/failover.out")"
holders_are lb-a lb-a || fail "after the failover of web-b, lb-a should hold both"
[[ $(group_state lb-b web-a) == STANDBY ]] || fail "lb-b's web-a should not have moved"
wait_until 8 holders_are lb-a lb-b || fail "web-b did not come back to lb-b after the hold"
echo "drill --group web-a and failover --group web-b moved one group each; both came back after the hold"
"$tandem" failover --admin "$dir/lb-b.admin" --group nosuch >"$dir/nosuch.out" 2>&1 && fail "--group nosuch was accepted"
grep -q "no VIP group nosuch" "$dir/nosuch.out" || fail "unknown group: $(cat "$dir/nosuch.out")"

# --- 4. crash of lb-a, then its return ------------------------------------------------------------------------
sample_holders 1
killed=$(date +%s%N)
kill_role daemon-lb-a
wait_until 3 holders_are lb-b lb-b || fail "lb-b does not hold both VIPs after lb-a's crash"
took=$((($(date +%s%N) - killed) / 1000000))
echo "lb-a's daemon killed: lb-b holds web-a and web-b $took ms later (dead window 600 ms)"
((took < 400)) || fail "the crash takeover took $took ms: the farewell should beat the dead window"
start_daemon lb-a
for _ in $(seq 1 100); do
    [[ $(holders $B) == lb-b ]] || fail "web-b moved while lb-a returned (holders: $(holders $B))"
    holders_are lb-a lb-b && break
    sleep 0.05
done
holders_are lb-a lb-b || fail "web-a did not come back to lb-a (holders: $(holders $A) / $(holders $B))"
sample_holders 1
echo "lb-a back: web-a preempted back to lb-a, web-b stayed on lb-b; never two holders"

# --- 5. a reload changes one group's priority ----------------------------------------------------------------
python3 - "$dir/lb-b.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read().replace("- name: web-a\n      priority: 100", "- name: web-a\n      priority: 200", 1)
open(path, "w").write(text)
PY
grep -q "priority: 200" "$dir/lb-b.yaml" || fail "the test could not raise web-a's priority in lb-b.yaml"
"$tandem" reload --admin "$dir/lb-b.admin" >"$dir/reload.out" 2>&1 || fail "reload failed: $(cat "$dir/reload.out")"
grep -q "HA group web-a: priority 200" "$dir/reload.out" || fail "the reload did not apply web-a's priority: $(cat "$dir/reload.out")"
wait_until 5 holders_are lb-b lb-b || fail "lb-b (web-a at 200 now) did not preempt web-a"
echo "reload: lb-b's web-a priority 100 → 200 applied at once; lb-b preempted web-a ($(grep -c . "$dir/reload.out") report lines)"

# --- 6. the heartbeat log names the groups ----------------------------------------------------------------------
grep -q '"event":"transition","group":"web-a"' "$dir/lb-b.ha.log" || fail "lb-b's heartbeat log has no web-a transition"
grep -q '"event":"transition","group":"web-b"' "$dir/lb-b.ha.log" || fail "lb-b's heartbeat log has no web-b transition"
echo "PASS: active-active groups"

#!/usr/bin/env bash
# HA settings through `tandem reload` on a real pair in the lab (issue 15, item 5):
# - raising STANDBY lb-b's priority above ACTIVE lb-a's (preempt on) moves the VIP to lb-b: lb-a hears the new
#   priority, lb-b preempts, and through the VIP the client is served all along;
# - a change of ha.interval is reported as needing a restart and not applied (the next reload says so again);
# - a second server added to the backend on both nodes serves through the VIP without a restart.
#
# Usage: ha-reload.sh PATH/TO/tandem      (root; iproute2, python3, curl)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="hr$$"
source "$ROOT/scripts/lib/ha-pair.sh"

reload() { "$tandem" reload --admin "$dir/$1.admin" 2>&1; }
peer_priority() { status_field "$1" 's["ha"]["peer"]["priority"]'; }
hears_priority() { [[ $(peer_priority "$1") == "$2" ]]; }
# Client requests ask for /index.html; health checks ask for /.
has_requests() { grep -q '"GET /index.html' "$dir/backend2.log"; }
client_gets() { [[ $(ip netns exec "$ns_cl" curl -s -m 1 -o /dev/null -w '%{http_code}' http://198.18.0.100/index.html) == 200 ]]; }

make_lab
mkdir -p "$dir/www"; echo "hello" >"$dir/www/index.html"
start_backend
wait_until 5 backend_answers || fail "the backend does not answer"
export PAIR_PREEMPT=true PAIR_PREEMPT_DELAY=500ms
run_pair 100ms
wait_until 5 client_gets || fail "the client is not served through the VIP"

# --- priority: lb-b outranks lb-a after its reload and preempts -------------------------------------------
write_config lb-b 200 12 11 100ms
out=$(reload lb-b) || fail "reload of lb-b failed: $out"
grep -q "applied: ha.priority" <<<"$out" || fail "the reload does not apply ha.priority: $out"
grep -q "HA: priority 200" <<<"$out" || fail "the reload does not report the new priority: $out"
wait_until 2 hears_priority lb-a 200 || fail "lb-a does not hear priority 200 (it hears $(peer_priority lb-a))"
wait_until 5 holder_is lb-b || fail "lb-b did not preempt (holders: '$(holders)')"
wait_until 5 state_is lb-a STANDBY || fail "lb-a is not STANDBY after the preemption"
wait_until 5 client_gets || fail "the client is not served after the preemption"
echo "priority 100 -> 200 on lb-b: VIP moved to lb-b, lb-a STANDBY"

# --- a key that needs a restart -------------------------------------------------------------------------
write_config lb-b 200 12 11 200ms
out=$(reload lb-b) || fail "reload of lb-b with a new interval failed: $out"
grep -q "needs a restart, not applied: ha.interval" <<<"$out" || fail "ha.interval not reported as needing a restart: $out"
out=$(reload lb-b) || fail "second reload failed: $out"
grep -q "needs a restart, not applied: ha.interval" <<<"$out" || fail "the second reload forgot ha.interval: $out"
echo "ha.interval: needs a restart, not applied (said again on the next reload)"

# --- a server added on both nodes -----------------------------------------------------------------------
ip netns exec "$ns_be" python3 -m http.server --bind 198.18.0.21 8081 --directory "$dir/www" >>"$dir/backend2.log" 2>&1 &
other_pids+=($!)
wait_until 5 ip netns exec "$ns_cl" curl -s -m 1 -o /dev/null http://198.18.0.21:8081/ || fail "the second backend does not answer"
export PAIR_EXTRA_BACKENDS=""
for node in lb-a lb-b; do
    if [[ $node == lb-a ]]; then write_config lb-a 150 11 12 100ms; else write_config lb-b 200 12 11 200ms; fi
    sed -i 's/servers: \[{ name: be1, address: 198.18.0.21:8080 }\]/servers: [{ name: be1, address: 198.18.0.21:8080 }, { name: be2, address: 198.18.0.21:8081 }]/' "$dir/$node.yaml"
    out=$(reload "$node") || fail "reload of $node with a second server failed: $out"
    grep -q "servers of app: added be2" <<<"$out" || fail "$node: be2 not added: $out"
done
for _ in $(seq 10); do client_gets || fail "a request through the VIP failed after adding be2"; done
has_requests || fail "be2 got none of the 10 client requests"
holder_is lb-b || fail "the VIP moved during the server reload (holders: '$(holders)')"
echo "be2 added on both nodes: served through the VIP, no restart"
echo "ok ($(elapsed_ms) ms)"

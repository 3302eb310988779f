#!/usr/bin/env bash
# scripts/lab.sh: up twice (idempotent), the client reaches both backends through the switch,
# status lists every host, and down removes every namespace it made.
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
export LAB_PREFIX="tdmt$$" LAB_STATE="/run/tandem-lab-test-$$"
lab() { bash "$here/scripts/lab.sh" "$@"; }
trap 'lab down >/dev/null 2>&1' EXIT
fail() { echo "FAIL: $*"; exit 1; }

lab up || fail "lab up"
lab up || fail "second lab up"
for be in 198.18.0.21:be1 198.18.0.22:be2; do
    body=$(ip netns exec "$LAB_PREFIX-client" curl -s -m 3 "http://${be%%:*}/") || fail "client cannot reach ${be#*:}"
    [[ "$body" == "hello from ${be#*:}" ]] || fail "unexpected body from ${be#*:}: $body"
done
ip netns exec "$LAB_PREFIX-lb-a" ping -c 1 -W 2 198.18.0.1 >/dev/null || fail "lb-a cannot reach the gateway"
out=$(lab status) || fail "lab status"
echo "$out"
grep -q "VIP 198.18.0.100 held by: nobody" <<<"$out" || fail "status does not report the VIP"
lab down || fail "lab down"
[[ -z "$(ip netns list | grep "^$LAB_PREFIX-")" ]] || fail "namespaces left behind"
lab down || fail "second lab down"
echo ok

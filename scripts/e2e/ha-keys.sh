#!/usr/bin/env bash
# Heartbeat keys (issue 14, items 1 and 7) on a real pair in the lab:
# - mismatched key files: exactly one node holds the VIP (lb-a, the one the ranking picks) at every sample
#   for 5 s, and within a second both say "heartbeats from PEER fail authentication: check key_file" in
#   `tandem status` and in their heartbeat logs; making the keys equal (and SIGHUP) heals the pair by itself;
# - the documented rotation order (new key second on both, then first on both, then the old one removed),
#   SIGHUP after each step: no transition, no rejection, one holder throughout;
# - a broken key file on SIGHUP or `tandem reload` keeps the old keys and says why.
#
# Usage: ha-keys.sh PATH/TO/tandem      (root; iproute2, python3, curl)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="hk$$"
source "$ROOT/scripts/lib/ha-pair.sh"

new_key() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
write_keys() { local file=$1; shift; printf '%s\n' "$@" >"$file"; chmod 600 "$file"; }
hup() { local node; for node in "$@"; do kill -HUP "${pid_of[daemon-$node]}"; done; }
warning_of() { status_field "$1" 's["ha"].get("warning") or ""'; }
rejections() { status_field "$1" 's["ha"]["rejected"]["badMAC"] + s["ha"]["rejected"]["unknownKeyID"]'; }

# sample_holders SECONDS WHO — every 50 ms, fails unless exactly WHO holds the VIP.
sample_holders() {
    local until=$(( $(now_ms) + $1 * 1000 )) count=0
    while (( $(now_ms) < until )); do
        [[ $(holders) == "$2" ]] || fail "holders '$(holders)' at sample $count, expected only $2"
        count=$((count + 1)); sleep 0.05
    done
    echo "$count samples: only $2 held the VIP"
}

make_lab
start_backend
PAIR_HA_LOG=1
key_a=$(new_key) key_b=$(new_key)
write_keys "$dir/a.key" "1 $key_a"
write_keys "$dir/b.key" "1 $key_b"
PAIR_KEY_FILE=$dir/a.key write_config lb-a 150 11 12 50ms
PAIR_KEY_FILE=$dir/b.key write_config lb-b 100 12 11 50ms

# --- mismatched keys: one holder, loud on both -----------------------------------------------------------
start_helper lb-a; start_helper lb-b
start_daemon lb-a; start_daemon lb-b
expected_a="heartbeats from lb-b fail authentication: check key_file"
expected_b="heartbeats from lb-a fail authentication: check key_file"
answers() { [[ -n $(status_field "$1" 1) ]]; }
wait_until 10 answers lb-a || fail "lb-a does not answer status"
wait_until 10 answers lb-b || fail "lb-b does not answer status"
answering=$(now_ms)
wait_until 2 eval '[[ $(warning_of lb-a) == "$expected_a" && $(warning_of lb-b) == "$expected_b" ]]' ||
    fail "no key warning in status (lb-a: '$(warning_of lb-a)', lb-b: '$(warning_of lb-b)')"
echo "both warn in status $(( $(now_ms) - answering )) ms after both daemons answer"
wait_until 5 one_holder || fail "no single holder with mismatched keys (holders: '$(holders)')"
sample_holders 5 lb-a
grep -q "\"untrusted_peer\".*$expected_a" "$dir/lb-a.ha.log" || fail "lb-a's heartbeat log has no key warning"
grep -q "\"untrusted_peer\".*$expected_b" "$dir/lb-b.ha.log" || fail "lb-b's heartbeat log has no key warning"
"$tandem" status --admin "$dir/lb-b.admin" | grep -q "warning .*check key_file" || fail "the status text lacks the warning"
[[ $(status_field lb-b 's["ha"]["state"]') == STANDBY ]] || fail "lb-b should be STANDBY"

# --- equal keys again: the pair heals by itself ------------------------------------------------------------
write_keys "$dir/b.key" "1 $key_a"
hup lb-b
wait_until 3 eval '[[ -z $(warning_of lb-a) && -z $(warning_of lb-b) ]]' || fail "the warnings stay after the keys match"
wait_until 3 eval '[[ $(status_field lb-b "s[\"ha\"][\"peer\"][\"alive\"]") == True ]]' || fail "lb-b does not trust lb-a again"
holder_is lb-a || fail "lb-a should still hold the VIP (holders: $(holders))"
grep -q '"keys_reloaded".*"ok":true' "$dir/lb-b.ha.log" || fail "lb-b's log does not record the key reload"
echo "keys equal again: warnings gone, lb-a ACTIVE, lb-b STANDBY"

# --- the documented rotation, SIGHUP after each step -----------------------------------------------------
transitions_a=$(status_field lb-a 's["ha"]["transitions"]') transitions_b=$(status_field lb-b 's["ha"]["transitions"]')
rejected_a=$(rejections lb-a) rejected_b=$(rejections lb-b)
key_new=$(new_key)
step() {
    write_keys "$dir/a.key" "$@"; write_keys "$dir/b.key" "$@"
    hup lb-a; sleep 0.2; hup lb-b
    sample_holders 1 lb-a >/dev/null
}
step "1 $key_a" "2 $key_new"   # 1. the new key second on both: it verifies, the old one still signs
step "2 $key_new" "1 $key_a"   # 2. the new key first on both: it signs, the old one still verifies
step "2 $key_new"              # 3. the old key removed
[[ $(rejections lb-a) == "$rejected_a" && $(rejections lb-b) == "$rejected_b" ]] ||
    fail "the rotation caused rejections (lb-a $rejected_a -> $(rejections lb-a), lb-b $rejected_b -> $(rejections lb-b))"
[[ $(status_field lb-a 's["ha"]["transitions"]') == "$transitions_a" && $(status_field lb-b 's["ha"]["transitions"]') == "$transitions_b" ]] ||
    fail "the rotation caused a transition"
grep -q '"keys_reloaded".*key 2 signs' "$dir/lb-a.ha.log" || fail "lb-a does not sign with key 2"
echo "rotation: 3 steps, no rejection, no transition, lb-a held the VIP throughout"

# --- a broken key file keeps the old keys -----------------------------------------------------------------
write_keys "$dir/b.key" "2 not-hex"
hup lb-b
wait_until 2 grep -q '"keys_reloaded".*"ok":false' "$dir/lb-b.ha.log" || fail "no refusal of the broken key file in the log"
reload_out=$("$tandem" reload --admin "$dir/lb-b.admin" 2>&1) && fail "tandem reload succeeded on a broken key file"
grep -q "old keys stay in force" <<<"$reload_out" || fail "tandem reload does not say the old keys stay: $reload_out"
sleep 0.5
[[ $(rejections lb-a) == "$rejected_a" ]] || fail "lb-a rejects lb-b's heartbeats after the broken file"
[[ -z $(warning_of lb-a) ]] || fail "lb-a warns after lb-b's broken key file: $(warning_of lb-a)"
echo "broken key file: refused ('$(grep -o 'old keys stay in force' <<<"$reload_out")'), heartbeats unaffected"
echo "ok ($(elapsed_ms) ms)"

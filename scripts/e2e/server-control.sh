#!/usr/bin/env bash
# Run-time server control on loopback (no HA): `tandem backends` lists both servers; `tandem server drain
# app/be1 --wait` counts 3 slow in-flight requests down to 0 while every new request goes to be2; enable brings
# be1 back, weight 3 gives it three requests in four, a timed-out wait exits 1, unknown names are refused with
# the names that exist, usage errors exit 2.
#
# Usage: server-control.sh PATH/TO/tandem      (python3, curl, jq; no root)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
(ensure_packages python3:python3 curl:curl jq:jq) || { echo "FAIL: cannot install python3, curl, jq"; exit 1; }
dir=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; echo "--- daemon log"; tail -n 30 "$dir/tandem.log"; exit 1; }

# A backend answering "hello from NAME", /healthz, and /slow/MS after MS milliseconds.
cat >"$dir/backend.py" <<'PY'
import http.server, sys, time
name, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.path.startswith("/slow/"):
            time.sleep(int(self.path[6:]) / 1000)
        body = b"ok\n" if self.path == "/healthz" else f"hello from {name}\n".encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
p1=$(free_port); p2=$(free_port); lb=$(free_port)
python3 "$dir/backend.py" be1 "$p1" & pids+=($!)
python3 "$dir/backend.py" be2 "$p2" & pids+=($!)
wait_for_port 127.0.0.1 "$p1" || fail "be1 did not start"
wait_for_port 127.0.0.1 "$p2" || fail "be2 did not start"

sock="$dir/admin.sock"
cat >"$dir/t.yaml" <<YAML
node: { name: lb-a, threads: 2, admin: $sock }
frontends:
  - { name: web, bind: 127.0.0.1:$lb, backend: app }
backends:
  - name: app
    health: { http: /healthz, interval: 200ms, timeout: 100ms }
    servers:
      - { name: be1, address: 127.0.0.1:$p1 }
      - { name: be2, address: 127.0.0.1:$p2 }
YAML
"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" & pids+=($!)
wait_for_port 127.0.0.1 "$lb" || fail "tandem did not listen"
WAIT_POLL=0.1 wait_until 10 test -S "$sock" || fail "no admin socket"

t() { "$tandem" "$@" --admin "$sock"; }
# json_of SERVER FIELD — one field of SERVER's row in `tandem backends --json`.
json_of() { t backends --json | jq -r --arg s "$1" ".servers[] | select(.server == \$s) | .$2"; }
# field_is SERVER FIELD VALUE — whether SERVER's FIELD is VALUE now (for wait_until).
field_is() { [[ $(json_of "$1" "$2") == "$3" ]]; }
# total_in_flight_is N — whether the servers serve N requests in all now.
total_in_flight_is() { [[ $(t backends --json | jq '[.servers[].inFlight] | add') == "$1" ]]; }
# checks_ok — whether every server's latest health probe passed.
checks_ok() { [[ $(t backends --json | jq -r '[.servers[].lastCheck] | join(",")') == ok,ok ]]; }
# bodies N — N requests on fresh connections, the answering backends sorted and counted.
bodies() { for _ in $(seq "$1"); do curl -s -m 5 "http://127.0.0.1:$lb/"; done | sort | uniq -c | awk '{print $4 "=" $1}' | xargs; }

echo "--- tandem backends"
WAIT_POLL=0.1 wait_until 10 checks_ok || fail "health checks did not report ok: $(t backends)"
out=$(t backends) || fail "tandem backends exited $?"
echo "$out"
head -1 <<<"$out" | grep -Eq '^BACKEND +SERVER +ADDRESS +HEALTH +ADMIN +WEIGHT +INFLIGHT +QUEUE +LAST-CHECK$' || fail "bad header"
grep -Eq "^app +be1 +127\.0\.0\.1:$p1 +up +ready +1 +0 +0 +ok$" <<<"$out" || fail "bad be1 row"
grep -Eq "^app +be2 +127\.0\.0\.1:$p2 +up +ready +1 +0 +0 +ok$" <<<"$out" || fail "bad be2 row"
[[ $(t backends --json | jq -r '[.servers[] | "\(.backend)/\(.server):\(.health):\(.admin)"] | join(" ")') \
    == "app/be1:up:ready app/be2:up:ready" ]] || fail "bad --json: $(t backends --json)"

echo "--- three slow requests on be1, then a drain with --wait"
t server disable app/be2 || fail "disable be2 exited $?"
[[ $(json_of be2 admin) == disabled ]] || fail "be2 is not disabled"
for ms in 1000 2000 3000; do
    curl -s -m 10 -o "$dir/slow-$ms.out" -w '%{http_code}' "http://127.0.0.1:$lb/slow/$ms" >"$dir/slow-$ms.code" &
    pids+=($!)
done
WAIT_POLL=0.05 wait_until 5 field_is be1 inFlight 3 || fail "be1 has $(json_of be1 inFlight) in flight, want 3"
t server enable app/be2 || fail "enable be2 exited $?"
t server drain app/be1 --wait >"$dir/drain.out" 2>&1 & drain=$!
WAIT_POLL=0.05 wait_until 5 field_is be1 admin drain || fail "be1 is not draining"
during=$(bodies 10)
[[ "$during" == "be2=10" ]] || fail "requests during the drain went to: $during"
wait "$drain"; status=$?
cat "$dir/drain.out"
[[ $status -eq 0 ]] || fail "drain --wait exited $status"
grep -qx "app/be1: draining, 3 in flight" "$dir/drain.out" || fail "no 3 in flight line"
grep -qx "app/be1: draining, 2 in flight" "$dir/drain.out" || fail "no 2 in flight line"
grep -qx "app/be1: draining, 1 in flight" "$dir/drain.out" || fail "no 1 in flight line"
grep -Eqx "app/be1: drained \(0 in flight\) after [0-9]+\.[0-9] s" "$dir/drain.out" || fail "no drained line"
grep -q "admin: app/be1: draining, 3 in flight" "$dir/tandem.log" || fail "the drain was not logged"
for ms in 1000 2000 3000; do
    [[ $(cat "$dir/slow-$ms.code") == 200 && $(cat "$dir/slow-$ms.out") == "hello from be1" ]] \
        || fail "slow request $ms did not finish on be1: $(cat "$dir/slow-$ms.code") $(cat "$dir/slow-$ms.out")"
done
after=$(bodies 10)
[[ "$after" == "be2=10" ]] || fail "requests after the drain went to: $after"
grep -Eq "^app +be1 .* up +drain +1 +0 " <<<"$(t backends)" || fail "be1 is not shown drained: $(t backends)"

echo "--- enable and weight"
out=$(t server enable app/be1) || fail "enable exited $?"
[[ "$out" == "app/be1: ready and up" ]] || fail "enable said: $out"
both=$(bodies 10)
[[ "$both" == "be1=5 be2=5" ]] || fail "after enable: $both"
out=$(t server weight app/be1 3) || fail "weight exited $?"
[[ "$out" == "app/be1: weight 3, ready and up" ]] || fail "weight said: $out"
[[ $(json_of be1 weight) == 3 ]] || fail "weight not shown"
weighted=$(bodies 40)
[[ "$weighted" == "be1=30 be2=10" ]] || fail "with weight 3: $weighted"

echo "--- a wait that times out"
curl -s -m 10 -o /dev/null "http://127.0.0.1:$lb/slow/3000" & pids+=($!)
WAIT_POLL=0.05 wait_until 5 total_in_flight_is 1 || fail "the slow request is not in flight"
busy=$(t backends --json | jq -r '.servers[] | select(.inFlight == 1) | .server')
out=$(t server drain "app/$busy" --wait --timeout 300ms 2>&1); status=$?
echo "$out"
[[ $status -eq 1 ]] || fail "timed-out wait exited $status, want 1"
grep -qx "tandem server: app/$busy: still draining, 1 in flight after 300ms" <<<"$out" || fail "no timeout message"
t server enable "app/$busy" >/dev/null || fail "enable after the timeout failed"

echo "--- refusals and usage"
out=$(t server drain app/ghost 2>&1); status=$?
echo "$out"
[[ $status -eq 1 ]] || fail "unknown server exited $status, want 1"
[[ "$out" == "tandem server: backend app has no server ghost (it has: be1, be2)" ]] || fail "unknown server said: $out"
out=$(t server disable nope/be1 2>&1); status=$?
[[ $status -eq 1 && "$out" == "tandem server: no backend nope (configured: app)" ]] || fail "unknown backend: $status $out"
out=$(t server weight app/be1 0 2>&1); status=$?
[[ $status -eq 1 && "$out" == "tandem server: weight 0 is outside 1...256" ]] || fail "weight 0: $status $out"
t server drain be1 >/dev/null 2>&1; status=$?
[[ $status -eq 2 ]] || fail "a target without a slash exited $status, want 2"
t server weight app/be1 lots >/dev/null 2>&1; status=$?
[[ $status -eq 2 ]] || fail "a weight that is no number exited $status, want 2"
t server pause app/be1 >/dev/null 2>&1; status=$?
[[ $status -eq 2 ]] || fail "an unknown action exited $status, want 2"
[[ $(t backends --json | jq -r '[.servers[] | "\(.admin):\(.weight)"] | join(" ")') == "ready:3 ready:1" ]] \
    || fail "refusals changed something: $(t backends)"
echo "ok"

#!/usr/bin/env bash
# `tandem run` serves through to real nginx backends on loopback, and on SIGTERM lets an
# in-flight request finish, then exits 0.
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$1
dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    stop_pidfile "$dir/be1/nginx.pid"; stop_pidfile "$dir/slow/nginx.pid"
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

p1=$(free_port); p2=$(free_port); lb=$(free_port)
start_nginx_backend "$dir" be1 "$p1"
# A slow backend: a python server that answers after 1 s.
cat >"$dir/slow.py" <<PY
import http.server, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(1.0)
        body = b"slow done\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", $p2), H).serve_forever()
PY
python3 "$dir/slow.py" & pids+=($!)
wait_for_port 127.0.0.1 "$p2" || fail "slow backend did not start"

cat >"$dir/t.yaml" <<YAML
node: { name: lb-a, threads: 2, drain_timeout: 10s }
frontends:
  - name: web
    bind: 127.0.0.1:$lb
    backend: app
    routes: [{ path_prefix: /slow, backend: slow }]
backends:
  - name: app
    servers: [{ name: be1, address: 127.0.0.1:$p1 }]
  - name: slow
    servers: [{ name: s1, address: 127.0.0.1:$p2 }]
YAML
"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" & tpid=$!; pids+=($tpid)
wait_for_port 127.0.0.1 "$lb" || { cat "$dir/tandem.log"; fail "tandem did not listen"; }

body=$(curl -s -m 5 "http://127.0.0.1:$lb/") || fail "request failed"
[[ "$body" == "hello from be1" ]] || fail "unexpected body: $body"

# SIGHUP reloads (logrotate, systemctl reload); it never stops the daemon.
kill -HUP "$tpid"
for _ in $(seq 50); do grep -q "SIGHUP" "$dir/tandem.log" && break; sleep 0.1; done
grep -q "SIGHUP" "$dir/tandem.log" || fail "no SIGHUP log line"
kill -0 "$tpid" 2>/dev/null || fail "SIGHUP killed the daemon"
body=$(curl -s -m 5 "http://127.0.0.1:$lb/") || fail "request after SIGHUP failed"

curl -s -m 10 -o "$dir/slow.out" -w '%{http_code}' "http://127.0.0.1:$lb/slow" >"$dir/slow.code" & cpid=$!
sleep 0.3
kill -TERM "$tpid"
wait "$cpid"
[[ $(cat "$dir/slow.code") == 200 ]] || fail "in-flight request did not finish: $(cat "$dir/slow.code")"
wait "$tpid"; status=$?
cat "$dir/tandem.log"
[[ $status -eq 0 ]] || fail "tandem exited $status after SIGTERM, want 0"
echo "ok"

#!/usr/bin/env bash
# The access log of a daemon on loopback: `tandem check` accepts `log:`; a 200, a 502 (connect refused), a 400
# (a refused head) and two keep-alive requests each leave their line, with the termination code and the reason;
# after logrotate's rename and SIGHUP the next lines land in a new file and none in the renamed one; a JSON
# frontend writes lines that parse.
#
# Usage: access-log.sh PATH/TO/tandem      (nginx, curl, python3; no root)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
for command in nginx curl python3; do
    command -v "$command" >/dev/null || { echo "FAIL: $command is missing"; exit 1; }
done
dir=$(mktemp -d)
daemon=""
cleanup() {
    [[ -n "$daemon" ]] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    stop_pidfile "$dir/be1/nginx.pid"
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
    echo "FAIL: $*"
    for file in "$dir"/logs/*; do echo "--- $file"; cat "$file"; done
    echo "--- daemon log"; tail -n 30 "$dir/tandem.log"
    exit 1
}
# has_line FILE PATTERN — FILE has a line matching the extended regex PATTERN.
has_line() { grep -Eq -- "$2" "$1" 2>/dev/null; }
# wait_line FILE PATTERN — waits up to 5 s for such a line (the writer flushes every 50 ms).
wait_line() { WAIT_POLL=0.05 wait_until 5 has_line "$1" "$2"; }

p1=$(free_port) dead=$(free_port) lb=$(free_port) lbj=$(free_port)
start_nginx_backend "$dir" be1 "$p1"
mkdir -p "$dir/logs"
log="$dir/logs/access.log"
cat >"$dir/t.yaml" <<YAML
node: { name: lb-a, threads: 1, drain_timeout: 1s, admin: $dir/admin.sock }
frontends:
  - name: web
    bind: 127.0.0.1:$lb
    backend: app
    routes: [{ path_prefix: /down, backend: down }]
    log: { file: $log }
  - name: api
    bind: 127.0.0.1:$lbj
    backend: app
    log: { file: $dir/logs/api.json, format: json }
backends:
  - name: app
    servers: [{ name: be1, address: 127.0.0.1:$p1 }]
  - name: down
    retries: 0
    servers: [{ name: gone, address: 127.0.0.1:$dead }]
YAML
"$tandem" check --config "$dir/t.yaml" >"$dir/check.out" 2>&1 || { cat "$dir/check.out"; fail "tandem check refused log:"; }
sed 's|logs/access.log|missing/access.log|' "$dir/t.yaml" >"$dir/bad.yaml"
"$tandem" check --config "$dir/bad.yaml" >"$dir/bad.out" 2>&1 && fail "tandem check accepted a log in a missing directory"
grep -q "frontends web: log: cannot use $dir/missing" "$dir/bad.out" || { cat "$dir/bad.out"; fail "no reason for the bad log"; }

"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" &
daemon=$!
wait_for_port 127.0.0.1 "$lb" || fail "tandem did not listen"

[[ $(curl -s -m 5 "http://127.0.0.1:$lb/") == "hello from be1" ]] || fail "GET / did not reach be1"
[[ $(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$lb/down") == 502 ]] || fail "GET /down is not 502"
answer=$(python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GARBAGE\r\n\r\n")
print(s.recv(4096).split(b"\r\n")[0].decode())' "$lb") || fail "the raw client failed"
[[ $answer == "HTTP/1.1 400 Bad Request" ]] || fail "GARBAGE got: $answer"
# Two requests on one connection (curl reuses it): two lines from one client port.
curl -s -m 5 -o /dev/null -o /dev/null "http://127.0.0.1:$lb/ka1" "http://127.0.0.1:$lb/ka2" || fail "keep-alive pair"

wait_line "$log" '^[0-9T:.-]{23}Z 127\.0\.0\.1:[0-9]+ web app/be1 "GET / HTTP/1\.1" 200 [0-9]+ [0-9]+ [0-9]+/0/[0-9]+/[0-9]+/[0-9]+ 0 --$' \
    || fail "no line for the 200"
wait_line "$log" ' web down/gone "GET /down HTTP/1\.1" 502 [0-9]+ [0-9]+ [0-9]+/0/-1/-1/[0-9]+ 0 SC "connect: .*"$' \
    || fail "no line for the 502"
wait_line "$log" ' web -/- "GARBAGE" 400 [0-9]+ 11 [0-9]+/-1/-1/-1/[0-9]+ 0 PR "invalid request line"$' \
    || fail "no line for the 400"
wait_line "$log" '"GET /ka2 HTTP/1\.1" 200 ' || fail "no line for the second keep-alive request"
port1=$(sed -nE 's|.* 127\.0\.0\.1:([0-9]+) .*"GET /ka1 .*|\1|p' "$log")
port2=$(sed -nE 's|.* 127\.0\.0\.1:([0-9]+) .*"GET /ka2 .*|\1|p' "$log")
[[ -n $port1 && $port1 == "$port2" ]] || fail "the keep-alive requests came from ports '$port1' and '$port2'"
[[ $(wc -l <"$log") -eq 5 ]] || fail "expected 5 lines, got $(wc -l <"$log")"

curl -s -m 5 -o /dev/null "http://127.0.0.1:$lbj/j?a=%22" || fail "GET on the JSON frontend"
wait_line "$dir/logs/api.json" '"target":"/j\?a=%22"' || fail "no JSON line"
python3 -c '
import json, sys
line = json.loads(open(sys.argv[1]).readline())
assert line["frontend"] == "api" and line["server"] == "be1" and line["status"] == 200, line
assert line["termination"] == "--" and line["detail"] is None, line' "$dir/logs/api.json" || fail "the JSON line"

# logrotate: rename, then SIGHUP; the reopen creates a new file at the path.
mv "$log" "$log.1"
kill -HUP "$daemon"
WAIT_POLL=0.05 wait_until 5 test -e "$log" || fail "SIGHUP did not reopen the access log"
curl -s -m 5 -o /dev/null "http://127.0.0.1:$lb/after" || fail "GET /after"
wait_line "$log" '"GET /after HTTP/1\.1" 200 .* --$' || fail "no line for /after in the new file"
has_line "$log.1" '/after' && fail "a line after the reopen went to the renamed file"
[[ $(wc -l <"$log.1") -eq 5 ]] || fail "the renamed file changed"

kill -TERM "$daemon"
wait "$daemon"; status=$?
daemon=""
[[ $status -eq 0 ]] || fail "tandem exited $status after SIGTERM"
echo "ok"

#!/usr/bin/env bash
# Out of file descriptors, `tandem run` keeps its listener: accept fails with EMFILE, the listener backs off
# instead of spinning on it (CPU stays low while clients wait), and once descriptors free up new clients are
# served. Also `limits.max_connections`: past it, clients wait in the backlog and are served in turn.
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
ensure_packages nginx:nginx-light python3:python3 curl:curl
tandem=$1
dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    stop_pidfile "$dir/be1/nginx.pid"
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f "$dir/tandem.log" ]] && tail -20 "$dir/tandem.log"; exit 1; }

# cpu_ticks PID — user + system time of PID so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# hold_connections PORT COUNT FILE — opens COUNT idle connections (bounded: 20 s at most) and writes how many
# connected to FILE; runs until killed.
hold_connections() {
    python3 - "$1" "$2" "$3" <<'PY' &
import socket, sys, time
port, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
held = []
for _ in range(count):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        s.close()
open(out, "w").write(str(len(held)))
time.sleep(20)
PY
    pids+=($!)
}

be=$(free_port); lb=$(free_port)
start_nginx_backend "$dir" be1 "$be"
cat >"$dir/t.yaml" <<YAML
node: { name: fd, threads: 1, admin: $dir/admin.sock }
frontends:
  - name: web
    bind: 127.0.0.1:$lb
    backend: app
backends:
  - name: app
    servers: [{ name: be1, address: 127.0.0.1:$be }]
YAML
# 64 descriptors: about 20 go to the runtime, so 200 clients exhaust them.
(ulimit -n 64 && exec "$tandem" run --config "$dir/t.yaml") 2>"$dir/tandem.log" & tpid=$!; pids+=($tpid)
wait_for_port 127.0.0.1 "$lb" || fail "tandem did not listen"
[[ $(curl -s -m 3 "http://127.0.0.1:$lb/") == "hello from be1" ]] || fail "first request failed"

hold_connections "$lb" 200 "$dir/held"; holder=$!
wait_until 15 test -s "$dir/held" || fail "the holder did not finish connecting"
sleep 0.5
before=$(cpu_ticks "$tpid")
sleep 2
used=$(( $(cpu_ticks "$tpid") - before ))
ticks=$(getconf CLK_TCK)
echo "CPU while out of descriptors: $used ticks in 2 s ($ticks ticks per second); $(cat "$dir/held") clients connected"
kill -0 "$tpid" 2>/dev/null || fail "tandem died out of descriptors"
(( used * 4 < ticks * 2 )) || fail "the listener spins at EMFILE: $used ticks in 2 s"

kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
code=""
for _ in $(seq 30); do
    code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$lb/") && [[ $code == 200 ]] && break
    sleep 0.2
done
[[ $code == 200 ]] || fail "not served after descriptors freed up: $code"
kill -TERM "$tpid"; wait "$tpid"

# max_connections: 3 served at once; the other clients wait in the backlog, none is refused.
cat >"$dir/m.yaml" <<YAML
node: { name: fd, threads: 1, admin: $dir/admin2.sock }
frontends:
  - name: web
    bind: 127.0.0.1:$lb
    backend: app
    limits: { max_connections: 3 }
backends:
  - name: app
    servers: [{ name: be1, address: 127.0.0.1:$be }]
YAML
"$tandem" run --config "$dir/m.yaml" 2>"$dir/tandem.log" & tpid=$!; pids+=($tpid)
wait_for_port 127.0.0.1 "$lb" || fail "tandem did not listen"
hold_connections "$lb" 3 "$dir/held3"; holder=$!
wait_until 5 test -s "$dir/held3" || fail "the holder did not connect"
code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$lb/")
[[ $code == 000 ]] || fail "a fourth client was served past max_connections: $code"
curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$lb/" >"$dir/waiting.code" & waiting=$!
sleep 0.3
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
wait "$waiting"
[[ $(cat "$dir/waiting.code") == 200 ]] || fail "the waiting client was not served: $(cat "$dir/waiting.code")"
kill -TERM "$tpid"; wait "$tpid"
echo ok

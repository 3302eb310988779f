#!/usr/bin/env bash
# WebSocket through `tandem run` with a real implementation on both ends (Python websockets): text and binary
# messages, a 16 MiB message each way, ping/pong, the close handshake and 1,000 sockets open at once, through a
# plain frontend (ws://) and a TLS one (wss://). A layer-4 (`mode: tcp`) frontend carries the same socket too.
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
ensure_packages python3:python3 openssl:openssl
python3 -c 'import websockets' 2>/dev/null || pip install -q websockets >/dev/null 2>&1 \
    || { echo "FAIL: cannot install the websockets package"; exit 1; }
tandem=$1
here="$(cd "$(dirname "$0")" && pwd)"
dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f "$dir/tandem.log" ]] && tail -20 "$dir/tandem.log"; exit 1; }
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

be=$(free_port); ws=$(free_port); wss=$(free_port); l4=$(free_port)
python3 "$here/websocket/ws.py" server "$be" 2>"$dir/server.log" & pids+=($!)
wait_for_port 127.0.0.1 "$be" || fail "the WebSocket server did not start"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=ws.test \
    -addext subjectAltName=DNS:ws.test -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
cat "$dir/cert.pem" "$dir/key.pem" >"$dir/site.pem"
cat >"$dir/t.yaml" <<YAML
node: { name: ws, threads: 2, admin: $dir/admin.sock }
frontends:
  - { name: ws, bind: 127.0.0.1:$ws, backend: app, limits: { max_connections: 5000 } }
  - name: wss
    bind: 127.0.0.1:$wss
    backend: app
    tls: { certificates: [$dir/site.pem] }
    limits: { max_connections: 5000 }
  - { name: l4, bind: 127.0.0.1:$l4, mode: tcp, backend: app }
backends:
  - name: app
    servers: [{ name: ws1, address: 127.0.0.1:$be }]
YAML
"$tandem" check --config "$dir/t.yaml" >/dev/null || fail "check refused the config"
"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" & pids+=($!)
for port in "$ws" "$wss" "$l4"; do wait_for_port 127.0.0.1 "$port" || fail "tandem did not listen on $port"; done

echo "ws:// through an http frontend"
timeout 120 python3 "$here/websocket/ws.py" client "ws://127.0.0.1:$ws/chat" 1000 || fail "ws://"
echo "wss:// through a TLS frontend"
timeout 120 python3 "$here/websocket/ws.py" client "wss://127.0.0.1:$wss/chat" 200 || fail "wss://"
echo "ws:// through a layer-4 frontend"
timeout 120 python3 "$here/websocket/ws.py" client "ws://127.0.0.1:$l4/chat" 100 || fail "layer 4"
echo ok

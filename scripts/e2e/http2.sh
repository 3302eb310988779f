#!/usr/bin/env bash
# HTTP/2 from real clients through the real binary, on loopback: curl --http2-prior-knowledge against an h2c
# frontend, curl --http2 over TLS (ALPN h2, self-signed certificate made here), curl --http1.1 still served on
# both, a TLS frontend with alpn: [http/1.1] that never answers h2, and h2load -c 8 -m 10 -n 2000 with zero
# failures on each h2 frontend.
#
# Usage: http2.sh PATH/TO/tandem      (installs curl, nghttp2-client, nginx, openssl when missing)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
ensure_packages curl:curl h2load:nghttp2-client nginx:nginx openssl:openssl python3:python3
dir=$(mktemp -d)
pids=()
cleanup() {
    local pid
    stop_pidfile "$dir/be1/nginx.pid"
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; echo "--- daemon log"; tail -n 30 "$dir/tandem.log"; exit 1; }

backend=$(free_port) h2c=$(free_port) tls=$(free_port) tls11=$(free_port)
start_nginx_backend "$dir" be1 "$backend"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout "$dir/site.key" \
    -out "$dir/site.crt" -subj "/CN=a.test" -addext subjectAltName=DNS:a.test 2>/dev/null ||
    fail "openssl could not make a certificate"
cat "$dir/site.crt" "$dir/site.key" >"$dir/site.pem"
cat >"$dir/t.yaml" <<YAML
node: { name: lb-a, threads: 2, drain_timeout: 1s, admin: $dir/admin.sock }
frontends:
  - { name: h2c, bind: 127.0.0.1:$h2c, backend: app, h2c: true }
  - { name: tls, bind: 127.0.0.1:$tls, backend: app, tls: { certificates: [$dir/site.pem] } }
  - { name: tls11, bind: 127.0.0.1:$tls11, backend: app, tls: { certificates: [$dir/site.pem], alpn: [http/1.1] } }
backends:
  - name: app
    servers: [{ name: be1, address: 127.0.0.1:$backend }]
YAML
"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" &
pids+=($!)
for port in "$h2c" "$tls" "$tls11"; do wait_for_port 127.0.0.1 "$port" || fail "tandem did not listen on $port"; done

# check NAME EXPECTED_VERSION CURL_ARGS... — one GET, the body and the HTTP version curl used.
check() {
    local name=$1 want=$2 out
    shift 2
    out=$(curl -sS -m 5 -o "$dir/body" -w '%{http_version} %{http_code}' "$@") || fail "$name: curl failed"
    [[ $out == "$want 200" ]] || fail "$name: expected HTTP/$want 200, got $out"
    [[ $(cat "$dir/body") == "hello from be1" ]] || fail "$name: unexpected body $(cat "$dir/body")"
    echo "ok: $name (HTTP/$want)"
}
resolve=(--resolve "a.test:$tls:127.0.0.1" --resolve "a.test:$tls11:127.0.0.1" --cacert "$dir/site.crt")
check "h2c prior knowledge" 2 --http2-prior-knowledge "http://127.0.0.1:$h2c/index.html"
check "HTTP/1.1 on the h2c frontend" 1.1 --http1.1 "http://127.0.0.1:$h2c/index.html"
check "h2 over TLS (ALPN)" 2 --http2 "${resolve[@]}" "https://a.test:$tls/index.html"
check "HTTP/1.1 over TLS" 1.1 --http1.1 "${resolve[@]}" "https://a.test:$tls/index.html"
check "alpn: [http/1.1] refuses h2" 1.1 --http2 "${resolve[@]}" "https://a.test:$tls11/index.html"

# h2load NAME URL — 2000 requests, 8 connections, 10 streams each: every one must succeed.
load() {
    local out
    out=$(timeout 60 h2load -c 8 -m 10 -n 2000 "$2" 2>&1) || fail "$1: h2load failed: $out"
    echo "$out" | grep -E "^requests:|^status codes:|finished in" | sed "s/^/  $1: /"
    echo "$out" | grep -q "2000 succeeded, 0 failed, 0 errored" || fail "$1: not all requests succeeded"
    echo "$out" | grep -q "2000 2xx" || fail "$1: not all 2xx"
    echo "ok: $1 h2load"
}
load h2c "http://127.0.0.1:$h2c/index.html"
load tls "https://127.0.0.1:$tls/index.html"
kill -0 "${pids[0]}" 2>/dev/null || fail "the daemon is gone"
echo "ok"

#!/usr/bin/env bash
# Headless Chromium loads a page through a TLS frontend and gets it over HTTP/2, with everything in a network
# namespace made here that has nothing but loopback (the browser can reach nothing else):
# - nginx serves a page, its stylesheet and a script that writes the navigation's `nextHopProtocol` into the page;
#   `--dump-dom` must show the backend's text and `next-hop h2`;
# - the proxy's access log has the page and both sub-resources as `HTTP/2.0` 200, from one client port (one
#   connection, multiplexed);
# - Chromium's net log (`--log-net-log`) has an HTTP2_SESSION to the frontend.
# The certificate is self-signed (`--ignore-certificate-errors`); `--host-resolver-rules` maps the name to
# 127.0.0.1 and every other name to nothing, so no lookup leaves the namespace.
#
# Usage: http2-browser.sh PATH/TO/tandem      (root; installs chromium, nginx, openssl, python3 when missing)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
[[ $(id -u) -eq 0 ]] || die "http2-browser.sh needs root (it makes a network namespace)"
ensure_packages chromium:chromium nginx:nginx openssl:openssl python3:python3 ip:iproute2

# The outer run makes the namespace and runs itself inside it; the inner run does the work.
if [[ -z "${H2B_INSIDE:-}" ]]; then
    ns="h2b$$"
    ip netns add "$ns" || die "cannot make network namespace $ns"
    trap 'ip netns delete "$ns" 2>/dev/null' EXIT
    trap 'exit 130' INT TERM
    ip netns exec "$ns" ip link set lo up || die "cannot bring lo up in $ns"
    H2B_INSIDE=1 timeout 240 ip netns exec "$ns" bash "$0" "$tandem"
    exit $?
fi

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
fail() {
    echo "FAIL: $*"
    echo "--- daemon log"; tail -n 30 "$dir/tandem.log"
    echo "--- access log"; tail -n 20 "$dir/access.log" 2>/dev/null
    echo "--- chromium log"; tail -n 20 "$dir/chromium.log" 2>/dev/null
    exit 1
}

backend=18080 tls=18443
mkdir -p "$dir/site"
cat >"$dir/site/page.html" <<'HTML'
<!doctype html>
<html><head><title>h2 page</title><link rel="stylesheet" href="/site/style.css"></head>
<body><h1 id="marker">page from be1 through tandem</h1><p id="proto">no script ran</p>
<script src="/site/proto.js"></script></body></html>
HTML
echo 'h1 { color: teal; }' >"$dir/site/style.css"
cat >"$dir/site/proto.js" <<'JS'
document.getElementById("proto").textContent =
    "next-hop " + performance.getEntriesByType("navigation")[0].nextHopProtocol;
JS
start_nginx_backend "$dir" be1 "$backend" "        location /site/ { root $dir; }"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout "$dir/site.key" \
    -out "$dir/site.crt" -subj "/CN=a.test" -addext subjectAltName=DNS:a.test 2>/dev/null ||
    fail "openssl could not make a certificate"
cat "$dir/site.crt" "$dir/site.key" >"$dir/site.pem"
cat >"$dir/t.yaml" <<YAML
node: { name: lb-a, threads: 1, drain_timeout: 1s, admin: $dir/admin.sock }
frontends:
  - name: tls
    bind: 127.0.0.1:$tls
    backend: app
    tls: { certificates: [$dir/site.pem] }
    log: { file: $dir/access.log, format: text }
backends:
  - name: app
    servers: [{ name: be1, address: 127.0.0.1:$backend }]
YAML
"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" &
pids+=($!)
wait_for_port 127.0.0.1 "$tls" || fail "tandem did not listen on $tls"

# No background traffic (updates, sync, metrics): with the resolver rules nothing could leave anyway.
browser() {
    timeout 90 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$dir/chromium" \
        --no-first-run --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-domain-reliability --metrics-recording-only \
        --ignore-certificate-errors --host-resolver-rules="MAP a.test 127.0.0.1, MAP * ~NOTFOUND" \
        "$@" 2>>"$dir/chromium.log"
}
url="https://a.test:$tls/site/page.html"
browser --log-net-log="$dir/netlog.json" --dump-dom "$url" >"$dir/dom.html" ||
    fail "chromium could not load $url"
grep -q "page from be1 through tandem" "$dir/dom.html" || fail "the rendered page lacks the backend's text"
grep -q "next-hop h2" "$dir/dom.html" ||
    fail "the page did not come over h2: $(grep -o '<p id="proto">[^<]*' "$dir/dom.html")"
echo "ok: chromium rendered the page; its script says: $(grep -o 'next-hop [a-z0-9./]*' "$dir/dom.html")"

# The access log: written every 50 ms; wait for the three lines.
WAIT_POLL=0.1 wait_until 5 bash -c "[[ \$(grep -c 'HTTP/2.0\" 200' '$dir/access.log' 2>/dev/null) -ge 3 ]]" ||
    fail "the access log lacks three HTTP/2.0 200 lines"
ports=()
for path in /site/page.html /site/style.css /site/proto.js; do
    line=$(grep -F "\"GET $path HTTP/2.0\" 200" "$dir/access.log" | head -n 1)
    [[ -n "$line" ]] || fail "no HTTP/2.0 200 line for $path"
    ports+=("$(awk '{print $2}' <<<"$line")")
    echo "  access log: $line"
done
[[ ${ports[0]} == "${ports[1]}" && ${ports[1]} == "${ports[2]}" ]] ||
    fail "the three requests came from different client ports: ${ports[*]}"
echo "ok: access log: page, stylesheet and script as HTTP/2.0 200 on one connection (${ports[0]})"

python3 - "$dir/netlog.json" "$tls" <<'PY' || fail "the net log has no HTTP/2 session to the frontend"
import json, sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read().rstrip().rstrip(",")
if not text.endswith("}"):
    text += "]}"  # a log cut at exit lacks its closing brackets
log = json.loads(text)
session = log["constants"]["logSourceType"]["HTTP2_SESSION"]
sessions = [e for e in log["events"] if e.get("source", {}).get("type") == session]
hosts = {str(e.get("params", {}).get("host", "")) for e in sessions}
assert sessions, "no HTTP2_SESSION events"
assert any(f"a.test:{port}" in h for h in hosts), f"HTTP2_SESSION hosts: {hosts}"
print(f"ok: net log: {len(sessions)} HTTP2_SESSION events, host a.test:{port}")
PY
kill -0 "${pids[0]}" 2>/dev/null || fail "the daemon is gone"
echo "ok (${SECONDS} s)"

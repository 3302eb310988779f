#!/usr/bin/env bash
# Hitless reload under continuous load, on loopback: wrk keeps 16 keep-alive connections busy through a
# daemon while `tandem reload` swaps between two configurations 20 times (servers be1+be2, then be2+be3: each
# reload adds one server and removes another). Asserts zero failed requests (no socket error, reset or
# non-2xx), that after every reload the added server takes traffic and the removed one none, and that a
# file with a typo'd key mid-load makes `tandem reload` exit 1 naming file:line: key while nothing changes.
#
# Usage: reload-under-load.sh PATH/TO/tandem      (installs nginx, wrk, curl, python3 when missing)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
ensure_packages nginx:nginx-light wrk:wrk curl:curl python3:python3
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    for name in be1 be2 be3; do stop_pidfile "$dir/$name/nginx.pid"; done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; echo "--- daemon log"; tail -n 30 "$dir/tandem.log"; exit 1; }

reloads=20
declare -A port
for name in be1 be2 be3; do
    port[$name]=$(free_port)
    start_nginx_backend "$dir" "$name" "${port[$name]}" "        access_log $dir/$name/access.log;"
done
lb=$(free_port)

# config FILE SERVER... — a node whose backend app has these servers (health-checked, so their state carries).
config() {
    local file=$1 name; shift
    {
        echo "node: { name: lb-a, threads: 2, drain_timeout: 5s, admin: $dir/admin.sock }"
        echo "frontends:"
        echo "  - { name: web, bind: 127.0.0.1:$lb, backend: app }"
        echo "backends:"
        echo "  - name: app"
        echo "    health: { http: /healthz, interval: 300ms, timeout: 200ms }"
        echo "    servers:"
        for name in "$@"; do echo "      - { name: $name, address: 127.0.0.1:${port[$name]} }"; done
    } >"$file"
}
config "$dir/a.yaml" be1 be2
config "$dir/b.yaml" be2 be3
# The typo: `wieght` for `weight` on the second server.
sed 's/{ name: be3, address: \(.*\) }/{ name: be3, address: \1, wieght: 2 }/' "$dir/b.yaml" >"$dir/bad.yaml"
cp "$dir/a.yaml" "$dir/t.yaml"

# served NAME — requests NAME's nginx has answered on / so far.
served() { grep -c '"GET / HTTP' "$dir/$1/access.log" 2>/dev/null || echo 0; }

"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" & daemon=$!
pids+=($daemon)
wait_for_port 127.0.0.1 "$lb" || fail "tandem did not listen"
[[ $(curl -s -m 5 "http://127.0.0.1:$lb/") == "hello from be"[12] ]] || fail "no answer through the proxy"

duration=$((reloads * 3 / 2 + 8))
wrk -t1 -c16 -d"${duration}s" "http://127.0.0.1:$lb/" >"$dir/wrk.out" 2>&1 & load=$!
pids+=($load)
sleep 1

current=(be1 be2)
for ((i = 1; i <= reloads; i++)); do
    if ((i % 2)); then file=b.yaml added=be3 removed=be1 next=(be2 be3); else file=a.yaml added=be1 removed=be3 next=(be1 be2); fi
    if ((i == reloads / 2)); then
        cp "$dir/bad.yaml" "$dir/t.yaml"
        before=$(served "${current[0]}")
        out=$("$tandem" reload --admin "$dir/admin.sock" 2>&1); status=$?
        [[ $status -eq 1 ]] || fail "tandem reload of a typo'd file exited $status: $out"
        grep -Eq "t\.yaml:[0-9]+: backends\[0\]\.servers\[1\]\.wieght: " <<<"$out" ||
            fail "tandem reload does not name file:line: key of the typo: $out"
        grep -q "nothing changed" <<<"$out" || fail "tandem reload does not say nothing changed: $out"
        echo "bad file refused: $(head -n 1 <<<"$out")"
        sleep 0.5
        (($(served "${current[0]}") > before)) || fail "after the refused file ${current[0]} gets no traffic"
        kill -0 "$daemon" 2>/dev/null || fail "the daemon died on a typo'd file"
    fi
    cp "$dir/$file" "$dir/t.yaml"
    out=$("$tandem" reload --admin "$dir/admin.sock" 2>&1) || fail "reload $i failed: $out"
    grep -q "servers of app: added $added; removed $removed" <<<"$out" || fail "reload $i did not swap $removed for $added: $out"
    # Busy connections move with their next response; give them a moment, then watch a window.
    sleep 0.4
    added_before=$(served "$added") removed_before=$(served "$removed")
    sleep 0.8
    added_delta=$(($(served "$added") - added_before)) removed_delta=$(($(served "$removed") - removed_before))
    ((added_delta > 0)) || fail "reload $i: the added server $added got no requests"
    ((removed_delta == 0)) || fail "reload $i: the removed server $removed still got $removed_delta requests"
    echo "reload $i: +$added ($added_delta requests in 0.8 s), -$removed (0)"
    current=("${next[@]}")
done
kill -0 "$load" 2>/dev/null || fail "wrk ended before the reloads did (raise its duration)"
wait "$load"
cat "$dir/wrk.out"
requests=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$dir/wrk.out")
[[ -n $requests ]] || fail "no wrk summary"
socket_errors=$(sed -nE 's/.*Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+).*/\1+\2+\3+\4/p' "$dir/wrk.out")
non2xx=$(sed -nE 's/.*Non-2xx or 3xx responses: ([0-9]+).*/\1/p' "$dir/wrk.out")
failures=$((${socket_errors:-0} + ${non2xx:-0}))
by_backend=$(($(served be1) + $(served be2) + $(served be3)))
echo "requests: $requests, failures: $failures, reloads: $reloads (+1 refused), answered by the backends: $by_backend"
((requests > 1000)) || fail "too little load to mean anything: $requests requests"
((failures == 0)) || fail "$failures failed requests during the reloads"
kill -0 "$daemon" 2>/dev/null || fail "the daemon is gone"
echo "ok"

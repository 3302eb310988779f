#!/usr/bin/env bash
# The one-command demonstration: builds Tandem (release), starts two nginx backends and the proxy
# on loopback, sends a bounded client load through it, takes one backend away mid-load, and prints
# a report. Installs what is missing on a fresh Debian machine. Everything runs on 127.0.0.1.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_build_packages
ensure_packages nginx:nginx-light wrk:wrk

log "building (release)"
swift build -c release --product tandem >/dev/null || swift build -c release --product tandem
tandem="$ROOT/.build/release/tandem"

dir=$(mktemp -d /tmp/tandem-demo.XXXXXX)
tandem_pid=""
cleanup() {
    [[ -n "$tandem_pid" ]] && kill "$tandem_pid" 2>/dev/null
    stop_pidfile "$dir/be1/nginx.pid"; stop_pidfile "$dir/be2/nginx.pid"
    rm -rf "$dir"
}
trap cleanup EXIT

p1=$(free_port); p2=$(free_port); lb=$(free_port)
log "starting backends be1 (:$p1) and be2 (:$p2)"
start_nginx_backend "$dir" be1 "$p1"
start_nginx_backend "$dir" be2 "$p2"

cat >"$dir/tandem.yaml" <<YAML
node: { name: demo, threads: 2, drain_timeout: 5s }
frontends:
  - name: web
    bind: 127.0.0.1:$lb
    backend: app
backends:
  - name: app
    balance: round_robin
    servers:
      - { name: be1, address: 127.0.0.1:$p1, weight: 3 }
      - { name: be2, address: 127.0.0.1:$p2, weight: 1 }
YAML
"$tandem" check --config "$dir/tandem.yaml"
log "starting tandem on 127.0.0.1:$lb"
"$tandem" run --config "$dir/tandem.yaml" 2>"$dir/tandem.log" & tandem_pid=$!
wait_for_port 127.0.0.1 "$lb" || { cat "$dir/tandem.log"; die "tandem did not start"; }

log "400 sequential requests (weights 3:1)"
declare -A hits=()
ok=0 failed=0
for _ in $(seq 1 400); do
    if body=$(curl -s -m 2 "http://127.0.0.1:$lb/"); then
        ok=$((ok + 1)); hits[$body]=$(( ${hits[$body]:-0} + 1 ))
    else
        failed=$((failed + 1))
    fi
done

log "10 s of keep-alive load with wrk; be2 is stopped after 4 s"
( sleep 4; stop_pidfile "$dir/be2/nginx.pid" ) & stopper=$!
wrk -t2 -c32 -d10s --latency "http://127.0.0.1:$lb/" >"$dir/wrk.txt" 2>&1 || true
wait "$stopper"

echo
echo "================ Tandem demo report ================"
echo "proxy            127.0.0.1:$lb → be1 (weight 3), be2 (weight 1)"
echo "sequential       $ok ok, $failed failed"
for name in "${!hits[@]}"; do printf '  %-20s %d\n' "$name" "${hits[$name]}"; done
echo "load (wrk, 2 threads, 32 connections, 10 s; be2 stopped at 4 s):"
grep -E 'Requests/sec|Non-2xx|Socket errors|requests in|50%|99%' "$dir/wrk.txt" | sed 's/^/  /'
echo "===================================================="

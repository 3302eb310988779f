#!/usr/bin/env bash
# Tandem and HAProxy side by side, in one run, on loopback: the same two nginx backends, the same
# thread count (Tandem's event loops = HAProxy's nbthread), the same wrk load (keep-alive, small
# responses). Prints req/s, p50, p99 and the proxy's CPU per request (user + system µs from /proc/PID/stat over
# the measured run) for both, and the ratios Tandem/HAProxy per scenario.
#
#   scripts/bench.sh                       # round_robin, least_connections, cookie, tls, tls_handshake
#   BENCH_SCENARIOS=round_robin BENCH_SECONDS=10 BENCH_PROXY_THREADS=1 scripts/bench.sh
#
# Bounded: each measurement lasts BENCH_SECONDS (default 10) after a 2 s warm-up.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_build_packages
ensure_packages nginx:nginx-light haproxy:haproxy wrk:wrk

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-$(nproc)}
# One proxy thread by default: on 2 cores the client and the backends keep a core.
proxy_threads=${BENCH_PROXY_THREADS:-1}
ticks_per_second=$(getconf CLK_TCK)
scenarios=${BENCH_SCENARIOS:-round_robin least_connections cookie tls tls_handshake}

log "building tandem (release)"
swift build -c release --product tandem >/dev/null 2>&1 || swift build -c release --product tandem
tandem="$ROOT/.build/release/tandem"

dir=$(mktemp -d /tmp/tandem-bench.XXXXXX)
proxy_pid=""
cleanup() {
    [[ -n "$proxy_pid" ]] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
    stop_pidfile "$dir/be1/nginx.pid"; stop_pidfile "$dir/be2/nginx.pid"
    rm -rf "$dir"
}
trap cleanup EXIT

p1=$(free_port); p2=$(free_port)
start_nginx_backend "$dir" be1 "$p1"
start_nginx_backend "$dir" be2 "$p2"

# One self-signed certificate for the TLS scenarios (both proxies use the same file and libssl).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench.test \
    -addext subjectAltName=DNS:bench.test -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
cat "$dir/cert.pem" "$dir/key.pem" >"$dir/site.pem"

# cpu_ticks PID — user + system time of PID so far (fields 14 and 15 of /proc/PID/stat), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME PORT [HEADER] — prints "req/s p50 p99 µs-per-request" for a wrk run against 127.0.0.1:PORT
# ($scheme is http or https); the CPU is the proxy's ($proxy_pid) over the measured run.
measure() {
    local name=$1 port=$2 header=${3:-} args=()
    [[ -n "$header" ]] && args=(-H "$header")
    wrk -t"$threads" -c"$connections" -d2s "${args[@]}" "$scheme://127.0.0.1:$port/" >/dev/null 2>&1 || true
    local before after
    before=$(cpu_ticks "$proxy_pid")
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "${args[@]}" "$scheme://127.0.0.1:$port/" \
        >"$dir/$name.wrk" 2>&1 || true
    after=$(cpu_ticks "$proxy_pid")
    local rps p50 p99 errors requests cpu
    rps=$(awk '/Requests\/sec/ {print $2}' "$dir/$name.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$dir/$name.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$dir/$name.wrk")
    requests=$(awk '/requests in/ {print $1}' "$dir/$name.wrk")
    cpu=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="${requests:-0}" \
        'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "?" }')
    errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' "$dir/$name.wrk")
    [[ -n "$errors" ]] && echo "  ($name: $errors)" >&2
    echo "${rps:-0} ${p50:-?} ${p99:-?} $cpu"
}

start_tandem() { # PORT BALANCE PERSISTENCE
    local port=$1 balance=$2 persistence=$3 tls=""
    [[ $scheme == https ]] && tls="tls: { certificates: [$dir/site.pem] },"
    cat >"$dir/tandem.yaml" <<YAML
node: { name: bench, threads: $proxy_threads, drain_timeout: 1s }
frontends:
  - { name: web, bind: 127.0.0.1:$port, backend: app, $tls limits: { max_connections: 100000 } }
backends:
  - name: app
    balance: $balance
    $persistence
    pool: { max_idle: 256 }
    servers:
      - { name: be1, address: 127.0.0.1:$p1 }
      - { name: be2, address: 127.0.0.1:$p2 }
YAML
    "$tandem" run --config "$dir/tandem.yaml" --log-level warning 2>"$dir/tandem.log" & proxy_pid=$!
    wait_for_port 127.0.0.1 "$port" || { cat "$dir/tandem.log"; die "tandem did not start"; }
}

start_haproxy() { # PORT BALANCE COOKIE(yes|no)
    local port=$1 balance=$2 cookie=$3 cookie_line="" c1="" c2="" ssl=""
    [[ $scheme == https ]] && ssl="ssl crt $dir/site.pem alpn http/1.1"
    if [[ $cookie == yes ]]; then cookie_line="cookie TANDEM_SRV insert indirect nocache"; c1="cookie be1"; c2="cookie be2"; fi
    cat >"$dir/haproxy.cfg" <<CFG
global
    nbthread $proxy_threads
    maxconn 8000
defaults
    mode http
    option http-keep-alive
    option forwardfor
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend web
    bind 127.0.0.1:$port $ssl
    default_backend app
backend app
    balance $balance
    http-reuse always
    $cookie_line
    server be1 127.0.0.1:$p1 $c1
    server be2 127.0.0.1:$p2 $c2
CFG
    haproxy -f "$dir/haproxy.cfg" -q & proxy_pid=$!
    wait_for_port 127.0.0.1 "$port" || die "haproxy did not start"
}

stop_proxy() { kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""; }

# cookie_header PORT — the persistence cookie a first response sets, as a request header.
cookie_header() {
    local value
    value=$(curl -sk -D - -o /dev/null "$scheme://127.0.0.1:$1/" | tr -d '\r' | sed -nE 's/^[Ss]et-[Cc]ookie: (TANDEM_SRV=[^;]*).*/\1/p' | head -1)
    echo "Cookie: $value"
}

results=()
for scenario in $scenarios; do
    case $scenario in
        round_robin) tb=round_robin; hb=roundrobin; persistence=""; cookie=no ;;
        least_connections) tb=least_connections; hb=leastconn; persistence=""; cookie=no ;;
        cookie) tb=round_robin; hb=roundrobin; persistence="persistence: { cookie: TANDEM_SRV }"; cookie=yes ;;
        tls) tb=round_robin; hb=roundrobin; persistence=""; cookie=no ;;
        tls_handshake) tb=round_robin; hb=roundrobin; persistence=""; cookie=no ;;
        *) die "unknown scenario $scenario" ;;
    esac
    scheme=http; [[ $scenario == tls* ]] && scheme=https
    port=$(free_port)
    log "$scenario: tandem"
    start_tandem "$port" "$tb" "$persistence"
    header=""; [[ $cookie == yes ]] && header=$(cookie_header "$port")
    # Every request of tls_handshake is a new connection: a full TLS handshake each time.
    [[ $scenario == tls_handshake ]] && header="Connection: close"
    read -r t_rps t_p50 t_p99 t_cpu < <(measure "tandem-$scenario" "$port" "$header")
    stop_proxy
    port=$(free_port)
    log "$scenario: haproxy"
    start_haproxy "$port" "$hb" "$cookie"
    header=""; [[ $cookie == yes ]] && header=$(cookie_header "$port")
    [[ $scenario == tls_handshake ]] && header="Connection: close"
    read -r h_rps h_p50 h_p99 h_cpu < <(measure "haproxy-$scenario" "$port" "$header")
    stop_proxy
    ratio=$(awk -v t="$t_rps" -v h="$h_rps" 'BEGIN { if (h > 0) printf "%.2f", t / h; else print "n/a" }')
    cpu_ratio=$(awk -v t="$t_cpu" -v h="$h_cpu" 'BEGIN { if (h > 0) printf "%.2f", t / h; else print "n/a" }')
    results+=("$(printf '%-18s %-8s %12s %10s %10s %10s' "$scenario" tandem "$t_rps" "$t_p50" "$t_p99" "$t_cpu")")
    results+=("$(printf '%-18s %-8s %12s %10s %10s %10s   tandem/haproxy: req/s %s, CPU/req %s' \
        "$scenario" haproxy "$h_rps" "$h_p50" "$h_p99" "$h_cpu" "$ratio" "$cpu_ratio")")
done

echo
echo "tls = keep-alive HTTPS requests/s; tls_handshake = one full TLS handshake per request (handshakes/s)"
echo "libssl: $(openssl version)"
echo "wrk: $threads threads, $connections connections, ${seconds}s, keep-alive, ~20-byte responses; proxies: $proxy_threads thread(s)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)   haproxy: $(haproxy -v | head -1 | awk '{print $3}')"
printf '%-18s %-8s %12s %10s %10s %10s\n' scenario proxy req/s p50 p99 'CPU µs/req'
printf '%s\n' "${results[@]}"

#!/usr/bin/env bash
# Tandem and HAProxy side by side, in one run, on loopback: the same two nginx backends, the same
# thread count (Tandem's event loops = HAProxy's nbthread), the same wrk load (keep-alive, small
# responses; h2: the same h2load load over TLS). Prints req/s, p50, p99 and the proxy's CPU per request (user + system µs from /proc/PID/stat over
# the measured run) for both, and the ratios Tandem/HAProxy per scenario.
#
#   scripts/bench.sh                       # round_robin, least_connections, cookie, tls, tls_handshake
#   BENCH_SCENARIOS=round_robin BENCH_SECONDS=10 BENCH_PROXY_THREADS=1 scripts/bench.sh
#   BENCH_SCENARIOS="c16 c256 c1000 round_robin@2 idle body" scripts/bench.sh
#   BENCH_SCENARIOS="round_robin access_log access_log_json" BENCH_PROXY_THREADS=1 scripts/bench.sh
#   BENCH_SCENARIOS="access_log_ab access_log_ab_json" BENCH_AB_ROUNDS=10 scripts/bench.sh
#   BENCH_SCENARIOS=metrics_ab scripts/bench.sh
#   BENCH_SCENARIOS=h2 scripts/bench.sh
#   BENCH_SCENARIOS=h2_floor scripts/bench.sh
#
# Scenarios: round_robin, least_connections, cookie, tls, tls_handshake (BENCH_CONNECTIONS, default 64);
# c16, c256, c1000 (round_robin keep-alive at 16, 256, 1,000 connections, wrk timeouts counted);
# idle (VmRSS per idle keep-alive client connection, BENCH_IDLE_CONNECTIONS held by scripts/bench/hold_idle.py);
# body (a 1 GiB download and a 1 GiB upload with curl, the proxy's VmRSS sampled every 0.2 s);
# l4_stream (layer 4, mode tcp on both, no splice: iperf3 with 1 and with 8 parallel streams, Gbit/s and the
# proxy's CPU seconds per GB received); l4_connect (layer 4: new connections/s, each a 16-byte echo round trip,
# BENCH_CONNECT_WORKERS threads of scripts/bench/connect_rate.py, default 4, and the proxy's CPU µs per connection).
# access_log, access_log_json: round_robin with an access log on both proxies (Tandem's `log:` in text or JSON to a
# file; HAProxy's `option httplog` to stderr, redirected to a file); run with round_robin, the report quotes what the
# log costs Tandem (req/s and CPU µs/req against round_robin) and the lines written.
# access_log_ab, access_log_ab_json: Tandem alone, two processes at once, one with the access log and one without,
# loaded in turn by wrk (BENCH_AB_ROUNDS rounds, default 8, of BENCH_AB_SECONDS each way, default 3, the order
# alternating; the roles swap halfway, with a restart): on a shared machine, drift and any difference between the
# two processes fall on both alike, which a comparison of runs minutes apart cannot promise (one A/B run still
# varies by a few percent on a shared 2-core machine: repeat it). Bounded: BENCH_AB_ROUNDS × BENCH_AB_SECONDS × 2.
# metrics: round_robin with Tandem's stats listener on (node.stats) and /metrics scraped every second during the run
# (Prometheus' default is 15 s); run with round_robin, the report quotes what the metrics cost Tandem.
# metrics_ab: the metrics' cost measured as access_log_ab measures the log's: two Tandem processes at once, one with
# node.stats on and its /metrics scraped every second (for the whole run), one without, loaded in turn, the roles
# swapped halfway; the report adds the scrapes answered.
# h2: HTTP/2 over TLS (ALPN h2; HAProxy `bind ... ssl crt ... alpn h2,http/1.1`), servers spoken to in HTTP/1.1 by
# both: h2load -c BENCH_H2_CONNECTIONS (default 64) -m BENCH_H2_STREAMS (default 10) -t BENCH_THREADS for
# BENCH_SECONDS (-D) after a 2 s warm-up; req/s, p50 and p99 request time (from h2load's per-request log) and max,
# the proxy's CPU µs per request, and the failed requests.
# h2_floor: what the h2 target can be, in cleartext h2 (prior knowledge, the same h2load load): Tandem (h2c: true)
# and HAProxy (`bind ... proto h2`) proxying to the nginx servers, beside two programs that answer every stream
# themselves with a fixed 200 and read no server: swift-nio-http2 alone (tandem-h2-floor, built here, with NIOHTTP2's
# per-stream child channels as Tandem uses them, and with every frame on the connection's pipeline) and HAProxy alone
# (`http-request return`). Their CPU µs per request is the least each HTTP/2 implementation spends per request.
# NAME@THREADS runs NAME with THREADS proxy threads instead of BENCH_PROXY_THREADS (e.g. round_robin@2).
#
# Bounded: each measurement lasts BENCH_SECONDS (default 10) after a 2 s warm-up; idle holds at most 60 s;
# each body transfer is cut at 120 s; each iperf3 run at BENCH_SECONDS + 20 s; l4_connect has a 1 s warm-up.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

# c1000 and idle need thousands of descriptors (wrk, the proxy, the holder and nginx inherit this limit).
ulimit -n 20000 2>/dev/null || { ulimit -n "$(ulimit -Hn)"; log "fd limit: $(ulimit -n) (hard limit below 20000)"; }

ensure_build_packages
ensure_packages nginx:nginx-light haproxy:haproxy wrk:wrk iperf3:iperf3 h2load:nghttp2-client

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-$(nproc)}
# One proxy thread by default: on 2 cores the client and the backends keep a core.
default_proxy_threads=${BENCH_PROXY_THREADS:-1}
proxy_threads=$default_proxy_threads
ticks_per_second=$(getconf CLK_TCK)
scenarios=${BENCH_SCENARIOS:-round_robin least_connections cookie tls tls_handshake}
idle_connections=${BENCH_IDLE_CONNECTIONS:-5000}
body_bytes=$((1024 * 1024 * 1024))
holder="$ROOT/scripts/bench/hold_idle.py"
connect_helper="$ROOT/scripts/bench/connect_rate.py"
connect_workers=${BENCH_CONNECT_WORKERS:-4}
h2_connections=${BENCH_H2_CONNECTIONS:-64}
h2_streams=${BENCH_H2_STREAMS:-10}

# Every scenario name is checked before anything is built or started.
for entry in $scenarios; do
    case ${entry%@*} in
        round_robin | least_connections | cookie | tls | tls_handshake | c16 | c256 | c1000 | idle | body) ;;
        access_log | access_log_json | access_log_ab | access_log_ab_json | metrics | metrics_ab) ;;
        l4_stream | l4_connect | h2 | h2_floor) ;;
        *) die "unknown scenario ${entry%@*}" ;;
    esac
    [[ $entry != *@* || ${entry#*@} =~ ^[1-9][0-9]?$ ]] || die "bad proxy thread count in $entry (NAME@THREADS)"
done
((idle_connections + 100 < $(ulimit -n) && idle_connections < 7000)) \
    || die "BENCH_IDLE_CONNECTIONS=$idle_connections: above HAProxy's maxconn or the fd limit $(ulimit -n)"
[[ $connect_workers =~ ^[1-9][0-9]?$ ]] || die "BENCH_CONNECT_WORKERS=$connect_workers: expected 1 to 99"
[[ $h2_connections =~ ^[1-9][0-9]{0,3}$ && $h2_streams =~ ^[1-9][0-9]?$ ]] ||
    die "BENCH_H2_CONNECTIONS=$h2_connections BENCH_H2_STREAMS=$h2_streams: expected 1-9999 and 1-99"

log "building tandem (release)"
swift build -c release --product tandem >/dev/null 2>&1 || swift build -c release --product tandem
tandem="$ROOT/.build/release/tandem"

dir=$(mktemp -d /tmp/tandem-bench.XXXXXX)
proxy_pid="" holder_pid="" sampler_pid="" iperf_pid="" echo_pid="" client_pid="" ab_pid="" scraper_pid=""
# stop_child PID — stops a child of this script if it still runs and reaps it; prints nothing.
stop_child() {
    [[ -n "$1" ]] || return 0
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    stop_child "$holder_pid"; stop_child "$sampler_pid"; stop_child "$client_pid"; stop_child "$proxy_pid"
    stop_child "$iperf_pid"; stop_child "$echo_pid"; stop_child "$ab_pid"; stop_child "$scraper_pid"
    stop_pidfile "$dir/be1/nginx.pid"; stop_pidfile "$dir/be2/nginx.pid"
    rm -rf "$dir"
}
trap cleanup EXIT

# start_bench_backend NAME PORT — common.sh's nginx backend (a small body naming NAME, /healthz) plus, for the
# body scenario, GET /big (the 1 GiB sparse $dir/big.bin) and PUT /upload (read whole, up to 2 GiB, stored
# under $dir/NAME/put and deleted by the script). Prints nothing; the pid file is $dir/NAME/nginx.pid.
start_bench_backend() {
    local name=$1 port=$2
    mkdir -p "$dir/$name/put"
    # A PUT is read to its end (to a temp file, renamed into put/) before the answer, 201 or 204: a "return 200"
    # would answer early and discard the rest, and the proxies differ on early answers.
    start_nginx_backend "$dir" "$name" "$port" "
        location = /big { alias $dir/big.bin; default_type application/octet-stream; }
        location = /upload {
            root $dir/$name/put;
            dav_methods PUT;
            client_max_body_size 2g;
            client_body_buffer_size 64k;
        }"
}

truncate -s 1G "$dir/big.bin"
p1=$(free_port); p2=$(free_port)
start_bench_backend be1 "$p1"
start_bench_backend be2 "$p2"

# One self-signed certificate for the TLS scenarios (both proxies use the same file and libssl).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench.test \
    -addext subjectAltName=DNS:bench.test -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
cat "$dir/cert.pem" "$dir/key.pem" >"$dir/site.pem"

# cpu_ticks PID — user + system time of PID so far (fields 14 and 15 of /proc/PID/stat), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME PORT [HEADER] — prints "req/s p50 p99 µs-per-request timeouts" for a wrk run of $wrk_connections
# connections against 127.0.0.1:PORT ($scheme is http or https); the CPU is the proxy's ($proxy_pid) over the
# measured run; timeouts counts the requests wrk gave up on after 2 s ("Socket errors: ... timeout N").
measure() {
    local name=$1 port=$2 header=${3:-} args=(--timeout 2s)
    [[ -n "$header" ]] && args+=(-H "$header")
    wrk -t"$threads" -c"$wrk_connections" -d2s "${args[@]}" "$scheme://127.0.0.1:$port/" >/dev/null 2>&1 || true
    local before after
    before=$(cpu_ticks "$proxy_pid")
    wrk -t"$threads" -c"$wrk_connections" -d"${seconds}s" --latency "${args[@]}" "$scheme://127.0.0.1:$port/" \
        >"$dir/$name.wrk" 2>&1 || true
    after=$(cpu_ticks "$proxy_pid")
    local rps p50 p99 errors requests cpu timeouts
    rps=$(awk '/Requests\/sec/ {print $2}' "$dir/$name.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$dir/$name.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$dir/$name.wrk")
    requests=$(awk '/requests in/ {print $1}' "$dir/$name.wrk")
    cpu=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="${requests:-0}" \
        'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "?" }')
    timeouts=$(awk '/Socket errors/ { for (i = 1; i < NF; i++) if ($i == "timeout") t = $(i + 1) } END { print t + 0 }' \
        "$dir/$name.wrk")
    errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' "$dir/$name.wrk")
    [[ -n "$errors" ]] && echo "  ($name: $errors)" >&2
    echo "${rps:-0} ${p50:-?} ${p99:-?} $cpu $timeouts"
}

# to_us LATENCY — prints a wrk latency ("850.00us", "1.23ms", "2.00s") in µs, or "?".
to_us() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) printf "%.2f", v + 0; else if (v ~ /ms$/) printf "%.2f", v * 1000
        else if (v ~ /m$/) printf "%.2f", v * 60e6; else if (v ~ /s$/) printf "%.2f", v * 1e6; else print "?" }'
}

# measure_h2 NAME PORT — prints "req/s p50 p99 max µs-per-request failed" for an h2load run over TLS (ALPN h2) of
# $h2_connections connections with $h2_streams streams each against 127.0.0.1:PORT, for $seconds after a 2 s
# warm-up; the CPU is the proxy's ($proxy_pid) over the measured run, the percentiles are of every request's time
# in h2load's --log-file. Every run is cut at its duration + 30 s.
measure_h2() {
    local name=$1 port=$2 url="$scheme://127.0.0.1:$2/" args=(-c "$h2_connections" -m "$h2_streams" -t "$threads")
    timeout 40 h2load "${args[@]}" -D 2 "$url" >/dev/null 2>&1 || true
    local before after
    before=$(cpu_ticks "$proxy_pid")
    timeout $((seconds + 30)) h2load "${args[@]}" -D "$seconds" --log-file="$dir/$name.requests" "$url" \
        >"$dir/$name.h2load" 2>&1 || true
    after=$(cpu_ticks "$proxy_pid")
    local rps p50 p99 max completed failed cpu
    rps=$(awk '/^finished in/ { print $4 }' "$dir/$name.h2load")
    max=$(awk '/^time for request:/ { print $5 }' "$dir/$name.h2load")
    # Column 3 is the request's time in µs.
    read -r p50 p99 < <(cut -f3 "$dir/$name.requests" 2>/dev/null | sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "? ?"; exit }
        i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
        printf "%.2fms %.2fms\n", v[i50] / 1000, v[i99] / 1000 }')
    rm -f "$dir/$name.requests"
    completed=$(awk '/^requests:/ { print $6 }' "$dir/$name.h2load")
    failed=$(awk '/^requests:/ { print $10 + $12 + $14 }' "$dir/$name.h2load")
    grep -qi "^application protocol: h2" "$dir/$name.h2load" || echo "  ($name: h2 was not negotiated)" >&2
    cpu=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="${completed:-0}" \
        'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "?" }')
    echo "${rps:-0} ${p50:-?} ${p99:-?} ${max:-?} $cpu ${failed:-?}"
}

# ratio T H — prints T/H with two decimals, or "n/a" when either is not a positive number.
ratio() {
    awk -v t="$1" -v h="$2" 'BEGIN { if (t ~ /^[0-9.]+$/ && h ~ /^[0-9.]+$/ && h > 0) printf "%.2f", t / h; else print "n/a" }'
}

# peak_ratio T H — prints ratio T H of two RSS growths in MiB, or "<1MiB" when both are under 1 MiB (noise).
peak_ratio() {
    if awk -v t="$1" -v h="$2" 'BEGIN { exit !(t < 1 && h < 1) }'; then echo "<1MiB"; else ratio "$1" "$2"; fi
}

# rss_kb PID — prints the VmRSS in kB of PID plus its direct children (HAProxy: one process with nbthread).
rss_kb() {
    local total=0 p kb
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || kb=0
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

start_tandem() { # PORT BALANCE PERSISTENCE
    local port=$1 balance=$2 persistence=$3 tls="" access_log="" stats=""
    [[ -n $stats_port ]] && stats=", stats: { bind: \"127.0.0.1:$stats_port\" }"
    [[ $scheme == https ]] && tls="tls: { certificates: [$dir/site.pem] }"
    [[ $scenario == h2_floor ]] && tls="h2c: true"
    [[ -n $log_format ]] && access_log="log: { file: $dir/tandem-access.log, format: $log_format }"
    cat >"$dir/tandem.yaml" <<YAML
node: { name: bench, threads: $proxy_threads, drain_timeout: 1s$stats }
frontends:
  - name: web
    bind: 127.0.0.1:$port
    backend: app
    $tls
    $access_log
    limits: { max_connections: 100000 }
    timeouts: { keepalive: 120s }
backends:
  - name: app
    balance: $balance
    $persistence
    pool: { max_idle: 4096 }   # HAProxy keeps every idle server connection (http-reuse always)
    servers:
      - { name: be1, address: 127.0.0.1:$p1 }
      - { name: be2, address: 127.0.0.1:$p2 }
YAML
    "$tandem" run --config "$dir/tandem.yaml" --log-level warning 2>"$dir/tandem.log" & proxy_pid=$!
    wait_for_port 127.0.0.1 "$port" || { cat "$dir/tandem.log"; die "tandem did not start"; }
}

start_haproxy() { # PORT BALANCE COOKIE(yes|no)
    local port=$1 balance=$2 cookie=$3 cookie_line="" c1="" c2="" ssl="" log_lines=""
    [[ $scheme == https ]] && ssl="ssl crt $dir/site.pem alpn http/1.1"
    [[ $scenario == h2 ]] && ssl="ssl crt $dir/site.pem alpn h2,http/1.1"
    [[ $scenario == h2_floor ]] && ssl="proto h2"
    # h2_floor's HAProxy alone: it answers every request itself.
    local answer=""
    [[ $balance == inline ]] && { answer="http-request return status 200 content-type text/plain string ok"; balance=roundrobin; }
    [[ -n $log_format ]] && log_lines=$'    log stderr format raw local0\n    option httplog'
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
    timeout client 120s
    timeout http-keep-alive 120s
    timeout server 30s
$log_lines
frontend web
    bind 127.0.0.1:$port $ssl
    $answer
    default_backend app
backend app
    balance $balance
    http-reuse always
    $cookie_line
    server be1 127.0.0.1:$p1 $c1
    server be2 127.0.0.1:$p2 $c2
CFG
    # -q would silence the log lines on stderr too.
    local quiet=-q
    [[ -n $log_format ]] && quiet=""
    haproxy -f "$dir/haproxy.cfg" $quiet 2>"$dir/haproxy-access.log" & proxy_pid=$!
    wait_for_port 127.0.0.1 "$port" || { cat "$dir/haproxy-access.log"; die "haproxy did not start"; }
}

stop_proxy() { stop_child "$proxy_pid"; proxy_pid=""; }

# cookie_header PORT — the persistence cookie a first response sets, as a request header.
cookie_header() {
    local value
    value=$(curl -sk -D - -o /dev/null "$scheme://127.0.0.1:$1/" | tr -d '\r' | sed -nE 's/^[Ss]et-[Cc]ookie: (TANDEM_SRV=[^;]*).*/\1/p' | head -1)
    echo "Cookie: $value"
}

# holder_done FILE — succeeds once the holder wrote "ready" to FILE, or has exited; prints nothing.
holder_done() { grep -q '^ready' "$1" 2>/dev/null || ! kill -0 "$holder_pid" 2>/dev/null; }

# measure_idle NAME PORT — prints "rss-before-kB rss-after-kB held failed kB-per-connection": the proxy's VmRSS
# before and while hold_idle.py holds $idle_connections idle keep-alive clients (one request answered on each).
measure_idle() {
    local name=$1 port=$2 before after held=0 failed=$idle_connections _ready i
    for i in 1 2 3 4; do curl -s -o /dev/null "http://127.0.0.1:$port/" || true; done
    sleep 0.5
    before=$(rss_kb "$proxy_pid")
    python3 "$holder" "$port" "$idle_connections" 60 >"$dir/$name.hold" 2>"$dir/$name.hold.err" & holder_pid=$!
    WAIT_POLL=0.1 wait_until 60 holder_done "$dir/$name.hold" || true
    sleep 1
    after=$(rss_kb "$proxy_pid")
    grep -q '^ready' "$dir/$name.hold" && read -r _ready held failed <"$dir/$name.hold"
    stop_child "$holder_pid"; holder_pid=""
    [[ -s "$dir/$name.hold.err" ]] && echo "  ($name: $(tr '\n' ' ' <"$dir/$name.hold.err"))" >&2
    ((failed == 0)) || echo "  ($name: $failed of $idle_connections connections failed)" >&2
    echo "$before $after $held $failed $(awk -v b="$before" -v a="$after" -v n="$held" \
        'BEGIN { if (n > 0) printf "%.2f", (a - b) / n; else print "?" }')"
}

# sample_rss PID — prints rss_kb PID every 0.2 s, one a line, until killed, PID ends, or 150 s have passed.
sample_rss() {
    local i
    for ((i = 0; i < 750; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        rss_kb "$1"; sleep 0.2
    done
}

# transfer NAME PORT download|upload — prints "MB/s peak-RSS-growth-MiB" for one 1 GiB curl transfer through
# the proxy (GET /big or PUT /upload), the growth against the proxy's VmRSS just before; "0 ?" if it failed.
transfer() {
    local name=$1 port=$2 way=$3 base out code size speed peak
    base=$(rss_kb "$proxy_pid")
    sample_rss "$proxy_pid" >"$dir/$name.rss" & sampler_pid=$!
    if [[ $way == download ]]; then
        out=$(curl -s --max-time 120 -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' \
            "http://127.0.0.1:$port/big") || true
    else
        # No Expect: 100-continue, so the body streams at once on both proxies.
        out=$(curl -s --max-time 120 -o /dev/null -H 'Expect:' -T "$dir/big.bin" \
            -w '%{http_code} %{size_upload} %{speed_upload}' "http://127.0.0.1:$port/upload") || true
    fi
    stop_child "$sampler_pid"; sampler_pid=""
    rm -f "$dir"/be1/put/upload "$dir"/be2/put/upload
    read -r code size speed <<<"${out:-000 0 0}"
    peak=$( (echo "$base"; cat "$dir/$name.rss") | sort -n | tail -1)
    if [[ $size != "$body_bytes" || ! $code =~ ^(200|201|204)$ ]]; then
        echo "  ($name: failed, HTTP $code, $size of $body_bytes bytes)" >&2
        echo "0 ?"
        return
    fi
    awk -v s="$speed" -v p="$peak" -v b="$base" 'BEGIN { printf "%.1f %.1f\n", s / 1e6, (p - b) / 1024 }'
}

# measure_body NAME PORT — prints "download-MB/s download-peak-MiB upload-MB/s upload-peak-MiB" (transfer).
measure_body() {
    local name=$1 port=$2
    curl -s -o /dev/null "http://127.0.0.1:$port/" || true
    # Not in $(...): the sampler's pid must reach the cleanup trap.
    transfer "$name-download" "$port" download >"$dir/$name-download.out"
    transfer "$name-upload" "$port" upload >"$dir/$name-upload.out"
    echo "$(<"$dir/$name-download.out") $(<"$dir/$name-upload.out")"
}

# run_memory NAME — runs the idle or body scenario ($scenario) on both proxies; prints nothing, adds rows to
# idle_results or body_results and summary.
run_memory() {
    local name=$1 proxy port t h
    for proxy in tandem haproxy; do
        port=$(free_port)
        log "$name: $proxy"
        if [[ $proxy == tandem ]]; then start_tandem "$port" round_robin ""; else start_haproxy "$port" roundrobin no; fi
        # Not in a $(...) subshell: the holder's and the sampler's pids must reach the cleanup trap.
        "measure_$scenario" "$proxy-$name" "$port" >"$dir/$proxy-$name.out"
        stop_proxy
    done
    read -r -a t <"$dir/tandem-$name.out"
    read -r -a h <"$dir/haproxy-$name.out"
    if [[ $scenario == idle ]]; then
        idle_results+=("$(printf '%-18s %-8s %10s %10s %8s %8s %10s' "$name" tandem "${t[@]}")")
        idle_results+=("$(printf '%-18s %-8s %10s %10s %8s %8s %10s   tandem/haproxy: kB/conn %s' \
            "$name" haproxy "${h[@]}" "$(ratio "${t[4]}" "${h[4]}")")")
        summary_row "$name" - - - "$(ratio "${t[4]}" "${h[4]}")" - -
    else
        body_results+=("$(printf '%-18s %-8s %10s %12s %10s %12s' "$name" tandem "${t[@]}")")
        body_results+=("$(printf '%-18s %-8s %10s %12s %10s %12s' "$name" haproxy "${h[@]}")")
        summary_row "$name:download" - - - - "$(peak_ratio "${t[1]}" "${h[1]}")" "$(ratio "${t[0]}" "${h[0]}")"
        summary_row "$name:upload" - - - - "$(peak_ratio "${t[3]}" "${h[3]}")" "$(ratio "${t[2]}" "${h[2]}")"
    fi
}

# summary_row NAME REQ/S CPU/REQ P99 KB/CONN PEAK-RSS MB/S [GBIT/S CPU/GB CONN/S CPU/CONN] — adds one row of
# tandem/haproxy ratios to summary; the layer-4 columns default to "-".
summary_row() {
    summary+=("$(printf '%-18s %8s %8s %8s %8s %10s %8s %8s %8s %8s %9s' "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
        "${8:--}" "${9:--}" "${10:--}" "${11:--}")")
}

# listening PORT — succeeds once something listens on 127.0.0.1:PORT. Asks ss, so no connection is made: a probe
# would use up a one-off iperf3 server, or reach a backend that does not listen yet.
listening() { [[ -n $(ss -Hltn "src 127.0.0.1 and sport = :$1" 2>/dev/null) ]]; }

start_tandem_l4() { # PORT SERVER-PORT
    cat >"$dir/tandem.yaml" <<YAML
node: { name: bench, threads: $proxy_threads, drain_timeout: 1s }
frontends:
  - name: l4
    bind: 127.0.0.1:$1
    mode: tcp
    backend: app
    limits: { max_connections: 100000 }
    timeouts: { client: 120s }
backends:
  - name: app
    timeouts: { connect: 2s, server: 120s }
    servers:
      - { name: s1, address: 127.0.0.1:$2 }
YAML
    "$tandem" run --config "$dir/tandem.yaml" --log-level warning 2>"$dir/tandem.log" & proxy_pid=$!
    WAIT_POLL=0.05 wait_until 20 listening "$1" || { cat "$dir/tandem.log"; die "tandem did not start"; }
}

start_haproxy_l4() { # PORT SERVER-PORT — mode tcp, no option splice-*: both proxies copy through user space.
    cat >"$dir/haproxy.cfg" <<CFG
global
    nbthread $proxy_threads
    maxconn 8000
defaults
    mode tcp
    timeout connect 2s
    timeout client 120s
    timeout server 120s
frontend l4
    bind 127.0.0.1:$1
    default_backend app
backend app
    server s1 127.0.0.1:$2
CFG
    haproxy -f "$dir/haproxy.cfg" -q & proxy_pid=$!
    WAIT_POLL=0.05 wait_until 20 listening "$1" || die "haproxy did not start"
}

# iperf_once NAME PORT STREAMS — prints "Gbit/s CPU-s-per-GB" for one iperf3 run of $seconds with STREAMS parallel
# streams through the proxy on PORT, to a one-off iperf3 server on $iperf_port; the CPU is the proxy's over the
# client's run, per GB (1e9 bytes) the server received (end.sum_received); "0 ?" if the run failed.
iperf_once() {
    local name=$1 port=$2 streams=$3 before after out bps bytes
    iperf3 -s -1 -B 127.0.0.1 -p "$iperf_port" >"$dir/$name.server" 2>&1 & iperf_pid=$!
    WAIT_POLL=0.05 wait_until 10 listening "$iperf_port" || die "iperf3 server did not listen on $iperf_port"
    before=$(cpu_ticks "$proxy_pid")
    timeout -k 2 $((seconds + 20)) iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" -P "$streams" -J \
        --connect-timeout 2000 >"$dir/$name.json" 2>"$dir/$name.err" & client_pid=$!
    wait "$client_pid" || true
    client_pid=""
    after=$(cpu_ticks "$proxy_pid")
    stop_child "$iperf_pid"; iperf_pid=""
    out=$(python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    print("0 0 no JSON from iperf3"); sys.exit()
if d.get("error"):
    print("0 0", d["error"]); sys.exit()
s = d["end"]["sum_received"]
print(s["bits_per_second"], s["bytes"])' "$dir/$name.json")
    read -r bps bytes _ <<<"$out"
    if [[ ! ${bytes:-} =~ ^[1-9][0-9]*$ ]]; then
        echo "  ($name: failed: ${out#0 0 } $(tr '\n' ' ' <"$dir/$name.err"))" >&2
        echo "0 ?"
        return
    fi
    awk -v b="$bps" -v n="$bytes" -v t=$((after - before)) -v hz="$ticks_per_second" \
        'BEGIN { printf "%.2f %.3f\n", b / 1e9, t / hz / (n / 1e9) }'
}

# run_l4_stream NAME — iperf3 through both proxies, 1 and 8 parallel streams; prints nothing, adds rows to
# stream_results and summary.
run_l4_stream() {
    local name=$1 proxy port streams t h gbit cpu
    iperf_port=$(free_port)
    for proxy in tandem haproxy; do
        port=$(free_port)
        log "$name: $proxy"
        "start_${proxy}_l4" "$port" "$iperf_port"
        for streams in 1 8; do
            # Not in $(...): the iperf3 pids must reach the cleanup trap.
            iperf_once "$proxy-$name-P$streams" "$port" "$streams" >"$dir/$proxy-$name-P$streams.out"
        done
        stop_proxy
    done
    for streams in 1 8; do
        read -r -a t <"$dir/tandem-$name-P$streams.out"
        read -r -a h <"$dir/haproxy-$name-P$streams.out"
        gbit=$(ratio "${t[0]}" "${h[0]}") cpu=$(ratio "${t[1]}" "${h[1]}")
        stream_results+=("$(printf '%-18s %-8s %8s %8s %10s' "$name" tandem "$streams" "${t[@]}")")
        stream_results+=("$(printf '%-18s %-8s %8s %8s %10s   tandem/haproxy: Gbit/s %s, CPU/GB %s' \
            "$name" haproxy "$streams" "${h[@]}" "$gbit" "$cpu")")
        summary_row "$name:P$streams" - - - - - - "$gbit" "$cpu"
    done
}

# connect_once NAME PORT — prints "conn/s completed failures CPU-µs-per-connection": connect_rate.py's
# $connect_workers threads for $seconds (after a 1 s warm-up) through the proxy on PORT; the CPU is the proxy's
# over the measured run, per completed round trip.
connect_once() {
    local name=$1 port=$2 before after rate=0 done=0 failed=0
    python3 "$connect_helper" "$port" "$connect_workers" 1 >/dev/null 2>&1 & client_pid=$!
    wait "$client_pid" || true
    before=$(cpu_ticks "$proxy_pid")
    timeout -k 2 $((seconds + 15)) python3 "$connect_helper" "$port" "$connect_workers" "$seconds" \
        >"$dir/$name.rate" 2>"$dir/$name.rate.err" & client_pid=$!
    wait "$client_pid" || true
    client_pid=""
    after=$(cpu_ticks "$proxy_pid")
    [[ -s "$dir/$name.rate" ]] && read -r rate done failed <"$dir/$name.rate"
    [[ -s "$dir/$name.rate.err" ]] && echo "  ($name: $(head -5 "$dir/$name.rate.err" | tr '\n' ' '))" >&2
    ((failed == 0)) || echo "  ($name: $failed failed round trips)" >&2
    echo "$rate $done $failed $(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$done" \
        'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "?" }')"
}

# run_l4_connect NAME — new connections/s through both proxies to one echo server; prints nothing, adds rows to
# connect_results and summary.
run_l4_connect() {
    local name=$1 proxy port t h rate cpu echo_port
    echo_port=$(free_port)
    python3 "$connect_helper" --echo "$echo_port" $((4 * seconds + 60)) >"$dir/echo.out" 2>&1 & echo_pid=$!
    WAIT_POLL=0.05 wait_until 10 listening "$echo_port" || die "echo server did not listen on $echo_port"
    for proxy in tandem haproxy; do
        port=$(free_port)
        log "$name: $proxy"
        "start_${proxy}_l4" "$port" "$echo_port"
        # Not in $(...): the helper's pid must reach the cleanup trap.
        connect_once "$proxy-$name" "$port" >"$dir/$proxy-$name.out"
        stop_proxy
    done
    stop_child "$echo_pid"; echo_pid=""
    read -r -a t <"$dir/tandem-$name.out"
    read -r -a h <"$dir/haproxy-$name.out"
    rate=$(ratio "${t[0]}" "${h[0]}") cpu=$(ratio "${t[3]}" "${h[3]}")
    connect_results+=("$(printf '%-18s %-8s %10s %10s %9s %12s' "$name" tandem "${t[@]}")")
    connect_results+=("$(printf '%-18s %-8s %10s %10s %9s %12s   tandem/haproxy: conn/s %s, CPU/conn %s' \
        "$name" haproxy "${h[@]}" "$rate" "$cpu")")
    summary_row "$name" - - - - - - - - "$rate" "$cpu"
}

# run_ab NAME WHAT — the A/B measurement of one feature's cost (see the header): WHAT is text or json (the access log
# in that format, to a file) or metrics (node.stats on, its /metrics scraped every second); prints nothing, adds its
# rows to log_costs.
run_ab() {
    local name=$1 what=$2 rounds=${BENCH_AB_ROUNDS:-8} each=${BENCH_AB_SECONDS:-3} half side port pid r x n before
    local feature="the access log" stats_port=""
    local -A pids=() ports=() ticks=([with]=0 [without]=0) requests=([with]=0 [without]=0)
    [[ $rounds =~ ^[1-9][0-9]?$ && $each =~ ^[1-9][0-9]?$ ]] || die "BENCH_AB_ROUNDS and BENCH_AB_SECONDS: 1 to 99"
    [[ $what == metrics ]] && feature="the metrics"
    : >"$dir/ab-scrapes.txt"
    for half in 0 1; do
        log "$name: tandem with and without $feature, roles $((half + 1)) of 2"
        for side in with without; do
            ports[$side]=$(free_port)
            local access_log="" stats=""
            if [[ $side == with && $what == metrics ]]; then
                stats_port=$(free_port)
                stats=", stats: { bind: \"127.0.0.1:$stats_port\" }"
            elif [[ $side == with ]]; then
                access_log="log: { file: $dir/ab-access.log, format: $what }"
            fi
            # The process started first is the one with the feature in the first half, the other in the second.
            cat >"$dir/ab-$side.yaml" <<YAML
node: { name: $side, threads: $proxy_threads, drain_timeout: 1s, admin: $dir/ab-$side.sock$stats }
frontends:
  - name: web
    bind: 127.0.0.1:${ports[$side]}
    backend: app
    $access_log
    limits: { max_connections: 100000 }
    timeouts: { keepalive: 120s }
backends:
  - name: app
    pool: { max_idle: 4096 }
    servers:
      - { name: be1, address: 127.0.0.1:$p1 }
      - { name: be2, address: 127.0.0.1:$p2 }
YAML
        done
        for side in $([[ $half == 0 ]] && echo with without || echo without with); do
            "$tandem" run --config "$dir/ab-$side.yaml" --log-level warning 2>"$dir/ab-$side.err" & pids[$side]=$!
            # Where the cleanup trap finds them.
            [[ $side == with ]] && proxy_pid=${pids[with]} || ab_pid=${pids[without]}
            wait_for_port 127.0.0.1 "${ports[$side]}" || { cat "$dir/ab-$side.err"; die "tandem ($side) did not start"; }
            wrk -t"$threads" -c"$wrk_connections" -d2s "http://127.0.0.1:${ports[$side]}/" >/dev/null 2>&1 || true
        done
        if [[ -n $stats_port ]]; then
            # One scrape a second for the whole half (both arms' turns: only the metrics arm's CPU is counted, and
            # only while it is loaded), bounded.
            (for _ in $(seq 1 $((rounds / 2 * 2 * each + 5))); do
                curl -s -o /dev/null -m 1 -w '%{http_code}\n' "http://127.0.0.1:$stats_port/metrics" \
                    >>"$dir/ab-scrapes.txt" || true    # a failed scrape is counted in the report, not fatal
                sleep 1
            done) &
            scraper_pid=$!
        fi
        for ((r = 0; r < rounds / 2; r++)); do
            for x in $( ((r % 2 == 0)) && echo with without || echo without with); do
                pid=${pids[$x]} port=${ports[$x]}
                before=$(cpu_ticks "$pid")
                n=$(wrk -t"$threads" -c"$wrk_connections" -d"${each}s" "http://127.0.0.1:$port/" 2>&1 |
                    awk '/requests in/ {print $1}')
                ticks[$x]=$((ticks[$x] + $(cpu_ticks "$pid") - before)) requests[$x]=$((requests[$x] + ${n:-0}))
            done
        done
        stop_child "$scraper_pid"; scraper_pid=""
        stop_child "${pids[with]}"; stop_child "${pids[without]}"; proxy_pid="" ab_pid=""
    done
    log_costs+=("$(awk -v n="$name" -v tl="${ticks[with]}" -v nl="${requests[with]}" -v tp="${ticks[without]}" \
        -v np="${requests[without]}" -v s=$((rounds / 2 * 2 * each)) -v hz="$ticks_per_second" 'BEGIN {
        if (nl == 0 || np == 0) { printf "%-18s failed: no requests", n; exit }
        cl = tl * 1e6 / hz / nl; cp = tp * 1e6 / hz / np
        printf "%-18s A/B: req/s %.0f with, %.0f without (%+.1f%%); CPU µs/req %.1f with, %.1f without (%+.1f%%)",
            n, nl / s, np / s, (nl / np - 1) * 100, cl, cp, (cl / cp - 1) * 100 }')")
    if [[ $what == metrics ]]; then
        log_costs+=("$(printf '%-18s scrapes %s answered 200 of %s (one a second, both halves)' "$name" \
            "$(grep -c '^200$' "$dir/ab-scrapes.txt")" "$(wc -l <"$dir/ab-scrapes.txt")")")
    else
        log_costs+=("$(printf '%-18s lines %s for %s measured requests (and the warm-ups)' "$name" \
            "$(wc -l <"$dir/ab-access.log")" "${requests[with]}")")
        rm -f "$dir/ab-access.log"
    fi
}

# run_h2 NAME — the h2 scenario on both proxies (round robin, TLS with ALPN h2); prints nothing, adds rows to
# h2_results and summary.
run_h2() {
    local name=$1 proxy port t h
    scheme=https
    for proxy in tandem haproxy; do
        port=$(free_port)
        log "$name: $proxy"
        if [[ $proxy == tandem ]]; then start_tandem "$port" round_robin ""; else start_haproxy "$port" roundrobin no; fi
        measure_h2 "$proxy-$name" "$port" >"$dir/$proxy-$name.out"
        stop_proxy
    done
    read -r -a t <"$dir/tandem-$name.out"
    read -r -a h <"$dir/haproxy-$name.out"
    local p99_ratio
    p99_ratio=$(ratio "$(to_us "${t[2]}")" "$(to_us "${h[2]}")")
    h2_results+=("$(printf '%-18s %-16s %12s %10s %10s %10s %10s %9s' "$name" tandem "${t[@]}")")
    h2_results+=("$(printf '%-18s %-16s %12s %10s %10s %10s %10s %9s   tandem/haproxy: req/s %s, CPU/req %s, p99 %s' \
        "$name" haproxy "${h[@]}" "$(ratio "${t[0]}" "${h[0]}")" "$(ratio "${t[4]}" "${h[4]}")" "$p99_ratio")")
    summary_row "$name" "$(ratio "${t[0]}" "${h[0]}")" "$(ratio "${t[4]}" "${h[4]}")" "$p99_ratio" - - -
}

# run_h2_floor NAME — the h2_floor scenario: Tandem and HAProxy proxying h2c, then swift-nio-http2 and HAProxy
# answering alone; prints nothing, adds rows to h2_results and summary.
run_h2_floor() {
    local name=$1 port row mode t h
    scheme=http
    log "$name: building tandem-h2-floor (release)"
    swift build -c release --product tandem-h2-floor >/dev/null 2>&1 || swift build -c release --product tandem-h2-floor
    for row in tandem haproxy nio-multiplexer nio-frames haproxy-inline; do
        port=$(free_port)
        log "$name: $row"
        case $row in
            tandem) start_tandem "$port" round_robin "" ;;
            haproxy) start_haproxy "$port" roundrobin no ;;
            haproxy-inline) start_haproxy "$port" inline no ;;
            nio-*)
                mode=${row#nio-}
                "$ROOT/.build/release/tandem-h2-floor" "$port" "$mode" & proxy_pid=$!
                wait_for_port 127.0.0.1 "$port" || die "tandem-h2-floor did not start"
                ;;
        esac
        measure_h2 "$row-$name" "$port" >"$dir/$row-$name.out"
        stop_proxy
        read -r -a t <"$dir/$row-$name.out"
        h2_results+=("$(printf '%-18s %-16s %12s %10s %10s %10s %10s %9s' "$name" "$row" "${t[@]}")")
    done
    read -r -a t <"$dir/tandem-$name.out"
    read -r -a h <"$dir/haproxy-$name.out"
    read -r -a f <"$dir/nio-multiplexer-$name.out"
    h2_results+=("$(printf '%-18s tandem/haproxy: req/s %s, CPU/req %s; swift-nio-http2 alone (multiplexer)/haproxy proxying: CPU/req %s' \
        "$name" "$(ratio "${t[0]}" "${h[0]}")" "$(ratio "${t[4]}" "${h[4]}")" "$(ratio "${f[4]}" "${h[4]}")")")
    summary_row "$name" "$(ratio "${t[0]}" "${h[0]}")" "$(ratio "${t[4]}" "${h[4]}")" \
        "$(ratio "$(to_us "${t[2]}")" "$(to_us "${h[2]}")")" - - -
}

results=() idle_results=() body_results=() stream_results=() connect_results=() summary=() log_costs=() h2_results=()
declare -A plain_rps=() plain_cpu=()
for entry in $scenarios; do
    scenario=${entry%@*} proxy_threads=$default_proxy_threads wrk_connections=$connections log_format="" stats_port=""
    [[ $entry == *@* ]] && proxy_threads=${entry#*@}
    case $scenario in
        round_robin) tb=round_robin; hb=roundrobin; persistence=""; cookie=no ;;
        access_log | access_log_json)
            tb=round_robin; hb=roundrobin; persistence=""; cookie=no; log_format=text
            [[ $scenario == access_log_json ]] && log_format=json ;;
        metrics) tb=round_robin; hb=roundrobin; persistence=""; cookie=no; stats_port=$(free_port) ;;
        least_connections) tb=least_connections; hb=leastconn; persistence=""; cookie=no ;;
        cookie) tb=round_robin; hb=roundrobin; persistence="persistence: { cookie: TANDEM_SRV }"; cookie=yes ;;
        tls) tb=round_robin; hb=roundrobin; persistence=""; cookie=no ;;
        tls_handshake) tb=round_robin; hb=roundrobin; persistence=""; cookie=no ;;
        c16 | c256 | c1000) tb=round_robin; hb=roundrobin; persistence=""; cookie=no; wrk_connections=${scenario#c} ;;
        idle | body | l4_stream | l4_connect | access_log_ab | access_log_ab_json | metrics_ab | h2 | h2_floor) ;;
        *) die "unknown scenario $scenario" ;;
    esac
    scheme=http; [[ $scenario == tls* ]] && scheme=https
    if [[ $scenario == idle || $scenario == body ]]; then run_memory "$entry"; continue; fi
    if [[ $scenario == l4_* ]]; then "run_$scenario" "$entry"; continue; fi
    if [[ $scenario == h2 ]]; then run_h2 "$entry"; continue; fi
    if [[ $scenario == h2_floor ]]; then run_h2_floor "$entry"; continue; fi
    if [[ $scenario == access_log_ab* ]]; then
        run_ab "$entry" "$([[ $scenario == *_json ]] && echo json || echo text)"
        continue
    fi
    if [[ $scenario == metrics_ab ]]; then run_ab "$entry" metrics; continue; fi
    port=$(free_port)
    log "$entry: tandem"
    start_tandem "$port" "$tb" "$persistence"
    header=""; [[ $cookie == yes ]] && header=$(cookie_header "$port")
    # Every request of tls_handshake is a new connection: a full TLS handshake each time.
    [[ $scenario == tls_handshake ]] && header="Connection: close"
    scraper=""
    if [[ -n $stats_port ]]; then
        # One scrape a second for the warm-up and the measured run, bounded.
        (for _ in $(seq 1 $((seconds + 3))); do curl -s -o /dev/null -m 1 "http://127.0.0.1:$stats_port/metrics"; sleep 1; done) &
        scraper=$!
    fi
    read -r t_rps t_p50 t_p99 t_cpu t_timeouts < <(measure "tandem-$entry" "$port" "$header")
    if [[ -n $scraper ]]; then kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; fi
    stop_proxy
    if [[ -n $stats_port && -n ${plain_rps[$proxy_threads]:-} ]]; then
        log_costs+=("$(awk -v r="$t_rps" -v c="$t_cpu" -v pr="${plain_rps[$proxy_threads]}" \
            -v pc="${plain_cpu[$proxy_threads]}" -v n="$entry" 'BEGIN {
            printf "%-18s tandem req/s %.0f vs %.0f without (%+.1f%%), CPU µs/req %.1f vs %.1f (%+.1f%%)", n, r, pr,
                (r / pr - 1) * 100, c, pc, (c / pc - 1) * 100 }')")
    fi
    [[ $scenario == round_robin ]] && plain_rps[$proxy_threads]=$t_rps plain_cpu[$proxy_threads]=$t_cpu
    if [[ -n $log_format ]]; then
        # Written when tandem drained; dropped lines are logged as the writer's error, none expected.
        log_costs+=("$(printf '%-18s tandem lines %s (warm-up and measured run; the measured run: %s requests)' \
            "$entry" "$(wc -l <"$dir/tandem-access.log")" "$(awk '/requests in/ {print $1}' "$dir/tandem-$entry.wrk")")")
        if [[ -n ${plain_rps[$proxy_threads]:-} ]]; then
            log_costs+=("$(awk -v r="$t_rps" -v c="$t_cpu" -v pr="${plain_rps[$proxy_threads]}" \
                -v pc="${plain_cpu[$proxy_threads]}" -v n="$entry" 'BEGIN {
                printf "%-18s tandem req/s %.0f vs %.0f without (%+.1f%%), CPU µs/req %.1f vs %.1f (%+.1f%%)", n, r, pr,
                    (r / pr - 1) * 100, c, pc, (c / pc - 1) * 100 }')")
        fi
        rm -f "$dir/tandem-access.log"
    fi
    port=$(free_port)
    log "$entry: haproxy"
    start_haproxy "$port" "$hb" "$cookie"
    header=""; [[ $cookie == yes ]] && header=$(cookie_header "$port")
    [[ $scenario == tls_handshake ]] && header="Connection: close"
    read -r h_rps h_p50 h_p99 h_cpu h_timeouts < <(measure "haproxy-$entry" "$port" "$header")
    stop_proxy
    [[ -n $log_format ]] && log_costs+=("$(printf '%-18s haproxy lines %s' "$entry" "$(wc -l <"$dir/haproxy-access.log")")")
    rps_ratio=$(ratio "$t_rps" "$h_rps")
    cpu_ratio=$(ratio "$t_cpu" "$h_cpu")
    p99_ratio=$(ratio "$(to_us "$t_p99")" "$(to_us "$h_p99")")
    results+=("$(printf '%-18s %-8s %12s %10s %10s %10s %9s' "$entry" tandem "$t_rps" "$t_p50" "$t_p99" "$t_cpu" \
        "$t_timeouts")")
    results+=("$(printf '%-18s %-8s %12s %10s %10s %10s %9s   tandem/haproxy: req/s %s, CPU/req %s, p99 %s' \
        "$entry" haproxy "$h_rps" "$h_p50" "$h_p99" "$h_cpu" "$h_timeouts" "$rps_ratio" "$cpu_ratio" "$p99_ratio")")
    summary_row "$entry" "$rps_ratio" "$cpu_ratio" "$p99_ratio" - - -
done

echo
echo "tls = keep-alive HTTPS requests/s; tls_handshake = one full TLS handshake per request (handshakes/s)"
echo "libssl: $(openssl version)"
echo "wrk: $threads threads, $connections connections (cN: N), ${seconds}s, keep-alive, ~20-byte responses," \
    "--timeout 2s; proxies: $default_proxy_threads thread(s) (NAME@T: T)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)   haproxy: $(haproxy -v | head -1 | awk '{print $3}')"
if ((${#results[@]})); then
    printf '%-18s %-8s %12s %10s %10s %10s %9s\n' scenario proxy req/s p50 p99 'CPU µs/req' timeouts
    printf '%s\n' "${results[@]}"
fi
if ((${#log_costs[@]})); then
    echo
    echo "costs: Tandem with log: (text or JSON, to a file) or metrics (node.stats, scraped every second) against" \
        "round_robin without (NAME_ab: two processes, A/B); HAProxy with option httplog"
    printf '%s\n' "${log_costs[@]}"
fi
if ((${#h2_results[@]})); then
    echo
    echo "h2: h2load $(h2load --version | awk '{print $2; exit}') -c $h2_connections -m $h2_streams -t $threads" \
        "-D ${seconds}s over TLS (ALPN h2; h2_floor: cleartext h2), servers in HTTP/1.1; p50, p99 and max request time;" \
        "CPU = the proxy's µs/request"
    printf '%-18s %-16s %12s %10s %10s %10s %10s %9s\n' scenario proxy req/s p50 p99 max 'CPU µs/req' failed
    printf '%s\n' "${h2_results[@]}"
fi
if ((${#idle_results[@]})); then
    echo
    echo "idle: VmRSS (kB) before and while $idle_connections keep-alive clients wait after one request each"
    printf '%-18s %-8s %10s %10s %8s %8s %10s\n' scenario proxy 'RSS before' 'RSS held' held failed 'kB/conn'
    printf '%s\n' "${idle_results[@]}"
fi
if ((${#body_results[@]})); then
    echo
    echo "body: one 1 GiB download (GET) and one 1 GiB upload (PUT) with curl; peak = VmRSS growth, sampled every 0.2 s"
    printf '%-18s %-8s %10s %12s %10s %12s\n' scenario proxy 'down MB/s' 'down peak MiB' 'up MB/s' 'up peak MiB'
    printf '%s\n' "${body_results[@]}"
fi
if ((${#stream_results[@]})); then
    echo
    echo "l4_stream: iperf3 -t $seconds through mode tcp (no splice), 1 and 8 parallel streams; CPU = the proxy's" \
        "user+system seconds per GB (1e9 bytes) received; iperf3 $(iperf3 --version | head -1 | awk '{print $2}')"
    printf '%-18s %-8s %8s %8s %10s\n' scenario proxy streams Gbit/s 'CPU s/GB'
    printf '%s\n' "${stream_results[@]}"
fi
if ((${#connect_results[@]})); then
    echo
    echo "l4_connect: $connect_workers threads for ${seconds}s, each round trip a new connection through mode tcp" \
        "(connect, 16 bytes echoed, close); CPU = the proxy's user+system µs per completed round trip"
    printf '%-18s %-8s %10s %10s %9s %12s\n' scenario proxy conn/s completed failures 'CPU µs/conn'
    printf '%s\n' "${connect_results[@]}"
fi
echo
echo "summary, tandem/haproxy: req/s, MB/s, Gbit/s, conn/s above 1 = tandem faster;" \
    "CPU/req, p99, kB/conn, peak RSS, CPU/GB, CPU/conn below 1 = tandem lower"
printf '%-18s %8s %8s %8s %8s %10s %8s %8s %8s %8s %9s\n' scenario req/s CPU/req p99 kB/conn 'peak RSS' MB/s \
    Gbit/s CPU/GB conn/s CPU/conn
printf '%s\n' "${summary[@]}"

# Shared helpers for Tandem's scripts: sourced, never run.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_packages CMD:PACKAGE ... — installs the Debian package of every missing command.
ensure_packages() {
    local missing=() pair cmd pkg
    for pair in "$@"; do
        cmd="${pair%%:*}"; pkg="${pair#*:}"
        if [[ "$cmd" == /* ]]; then [[ -e "$cmd" ]] && continue
        else command -v "$cmd" >/dev/null 2>&1 && continue; fi
        missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    [[ $(id -u) -eq 0 ]] || die "missing packages (${missing[*]}); run as root or install them"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# The packages every build needs.
ensure_build_packages() {
    command -v swift >/dev/null 2>&1 || die "swift is not installed (expected at /opt/swift)"
    ensure_packages /usr/include/openssl/ssl.h:libssl-dev pkg-config:pkg-config curl:curl ip:iproute2
}

# free_port — prints a TCP port that is free on 127.0.0.1 right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for_port HOST PORT [SECONDS] — waits until something accepts connections there.
wait_for_port() {
    local host=$1 port=$2 limit=${3:-20} i
    for ((i = 0; i < limit * 20; i++)); do
        (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# start_nginx_backend DIR NAME PORT [LOCATIONS] — an nginx on 127.0.0.1:PORT answering a small body naming NAME,
# and /healthz with 200, plus the LOCATIONS given (nginx lines inside its server block; their workers then run
# as root when the caller is, so they can reach files in a 0700 directory); its pid file is DIR/NAME/nginx.pid.
start_nginx_backend() {
    local dir=$1 name=$2 port=$3 locations=${4:-} user=""
    [[ -n "$locations" && $(id -u) -eq 0 ]] && user="user root;"
    mkdir -p "$dir/$name"
    cat >"$dir/$name/nginx.conf" <<CONF
$user
worker_processes 1;
daemon on;
pid $dir/$name/nginx.pid;
error_log $dir/$name/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path $dir/$name/body;
    proxy_temp_path $dir/$name/proxy;
    fastcgi_temp_path $dir/$name/fastcgi;
    uwsgi_temp_path $dir/$name/uwsgi;
    scgi_temp_path $dir/$name/scgi;
    server {
        listen 127.0.0.1:$port reuseport;
        location = /healthz { return 200 "ok\n"; }
$locations
        location / { default_type text/plain; return 200 "hello from $name\n"; }
    }
}
CONF
    nginx -c "$dir/$name/nginx.conf" -e "$dir/$name/error.log" || die "nginx $name failed to start"
    wait_for_port 127.0.0.1 "$port" 10 || die "nginx $name is not listening on $port"
}

# stop_pidfile FILE — stops the process whose pid FILE holds, if it runs.
stop_pidfile() {
    local file=$1 pid
    [[ -f "$file" ]] || return 0
    pid=$(cat "$file" 2>/dev/null) || return 0
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

# wait_until SECONDS COMMAND... — runs COMMAND every WAIT_POLL seconds (default 0.02) until it succeeds;
# fails after SECONDS.
wait_until() {
    local limit=$1 poll=${WAIT_POLL:-0.02} deadline; shift
    deadline=$(($(date +%s%N) + limit * 1000000000))
    while (($(date +%s%N) < deadline)); do
        "$@" && return 0
        sleep "$poll"
    done
    "$@"
}

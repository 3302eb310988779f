#!/usr/bin/env bash
# The two-host lab on one machine, in network namespaces joined by a Linux bridge:
#
#   tdm-sw      the switch: bridge br0 with the gateway address 198.18.0.1/24
#   tdm-lb-a    load balancer A   198.18.0.11/24   (eth0)
#   tdm-lb-b    load balancer B   198.18.0.12/24   (eth0)
#   tdm-be1     backend 1         198.18.0.21/24   nginx on :80
#   tdm-be2     backend 2         198.18.0.22/24   nginx on :80
#   tdm-client  the client        198.18.0.50/24
#   VIP         198.18.0.100/24 on eth0 of whichever LB is ACTIVE
#
#   scripts/lab.sh up | down | status
#
# Only 198.18.0.0/15 is used. `up` is idempotent; `down` removes everything the lab made (namespaces
# and the processes running in them), even after a failed run.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

LAB_PREFIX=${LAB_PREFIX:-tdm}
LAB_STATE=${LAB_STATE:-/run/tandem-lab}
SW="$LAB_PREFIX-sw"
HOSTS=(lb-a lb-b be1 be2 client)
declare -A ADDRESS=([lb-a]=198.18.0.11 [lb-b]=198.18.0.12 [be1]=198.18.0.21 [be2]=198.18.0.22 [client]=198.18.0.50)
GATEWAY=198.18.0.1
VIP=198.18.0.100

ns() { echo "$LAB_PREFIX-$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

lab_up() {
    [[ $(id -u) -eq 0 ]] || die "the lab needs root (network namespaces)"
    ensure_packages ip:iproute2 nginx:nginx-light curl:curl ping:iputils-ping
    mkdir -p "$LAB_STATE"
    ip netns list | grep -qw "$SW" || ip netns add "$SW"
    ip -n "$SW" link show br0 >/dev/null 2>&1 || {
        ip -n "$SW" link add br0 type bridge
        ip -n "$SW" addr add "$GATEWAY/24" dev br0
        ip -n "$SW" link set br0 up
        ip -n "$SW" link set lo up
    }
    local host name
    for host in "${HOSTS[@]}"; do
        name=$(ns "$host")
        ip netns list | grep -qw "$name" || ip netns add "$name"
        if ! ip -n "$name" link show eth0 >/dev/null 2>&1; then
            # The switch-side end is created inside the switch namespace, so labs with different
            # LAB_PREFIX values never collide on an interface name in the root namespace.
            ip -n "$SW" link add "v-$host" type veth peer name eth0 netns "$name"
            ip -n "$SW" link set "v-$host" master br0 up
            ip -n "$name" addr add "${ADDRESS[$host]}/24" dev eth0
            ip -n "$name" link set eth0 up
            ip -n "$name" link set lo up
            ip -n "$name" route add default via "$GATEWAY" 2>/dev/null || true
            in_ns "$host" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
        fi
    done
    for host in be1 be2; do start_backend "$host"; done
    log "lab up: VIP $VIP, gateway $GATEWAY"
}

start_backend() {
    local host=$1 dir="$LAB_STATE/$1"
    if [[ -f "$dir/nginx.pid" ]] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then return 0; fi
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_timeout 120s;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen ${ADDRESS[$host]}:80;
        location = /healthz { return 200 "ok\n"; }
        location / { default_type text/plain; return 200 "hello from $host\n"; }
    }
}
CONF
    in_ns "$host" nginx -c "$dir/nginx.conf" -e "$dir/error.log"
}

lab_down() {
    local name pid
    for name in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$LAB_PREFIX-" || true); do
        for pid in $(ip netns pids "$name" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$name" 2>/dev/null || true
    done
    rm -rf "$LAB_STATE"
    log "lab down"
}

lab_status() {
    local host name holders=()
    for host in "${HOSTS[@]}"; do
        name=$(ns "$host")
        if ip netns list | grep -qw "$name"; then
            printf '%-8s %-14s %s\n' "$host" "$name" "$(ip -n "$name" -brief addr show dev eth0 2>/dev/null | awk '{$1=$2=""; print}')"
            ip -n "$name" addr show dev eth0 2>/dev/null | grep -q " $VIP/" && holders+=("$host")
        else
            printf '%-8s %-14s %s\n' "$host" "$name" "(absent)"
        fi
    done
    echo "VIP $VIP held by: ${holders[*]:-nobody}"
}

case ${1:-} in
    up) lab_up ;;
    down) lab_down ;;
    status) lab_status ;;
    *) echo "usage: scripts/lab.sh up|down|status" >&2; exit 2 ;;
esac

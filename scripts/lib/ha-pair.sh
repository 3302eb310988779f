# A two-node Tandem pair in network namespaces for the end-to-end checks: sourced, never run.
# shellcheck shell=bash
#
#   $tag-sw  switch, bridge br0 198.18.0.1/24 (the gateway both nodes track)
#   $tag-a   lb-a 198.18.0.11      $tag-b   lb-b 198.18.0.12
#   $tag-be  backend 198.18.0.21:8080 (python http.server; PAIR_BACKENDS for more)
#   $tag-cl  client 198.18.0.31    VIP 198.18.0.100/24 on eth0 of the ACTIVE node
#   hb0      a direct link lb-a 198.18.1.11/24 ↔ lb-b 198.18.1.12/24, for heartbeats when PAIR_HB_NET=198.18.1
#   with PAIR_IPV6=1 also 2001:2::X/64 on eth0 (lb-a ::11, lb-b ::12, backend ::21, client ::31) and the VIP
#   2001:2::100/64 beside the IPv4 one
#
# The caller sets `tandem` (binary) and `tag` (a short unique prefix) before sourcing. Sourcing skips the
# check (exit 0, "SKIP") without root, installs ip, python3, curl and ping if missing (pair_require names more), and
# traps EXIT to pair_cleanup. Knobs for write_config: PAIR_PREEMPT (false), PAIR_PREEMPT_DELAY (1s),
# PAIR_EXTRA_HA (extra YAML lines under ha:), PAIR_HB_NET (198.18.0: heartbeats over the switch;
# 198.18.1: over the direct link hb0, which a test can take down to cut only the heartbeat path),
# PAIR_KEY_FILE (the key file of the node being written; default $dir/ha.key, shared), PAIR_HA_LOG (non-empty: each node writes its heartbeat log to $dir/NODE.ha.log), PAIR_FRONTEND_PORT (80: the
# VIP port of the frontend `web`), PAIR_FRONTEND_EXTRA (extra YAML lines under that frontend, e.g. its tls:
# block, indented by 4; set it per write_config call where the nodes differ), PAIR_EXTRA_FRONTENDS and
# PAIR_EXTRA_BACKENDS (more list items under frontends: and backends:, indented by 2). PAIR_SHOW (glob patterns under
# $dir, e.g. '*.out') adds files to the ones whose tails `fail` prints (every *.log). PAIR_IPV6 (non-empty: the
# IPv6 addresses above, DAD off in every namespace so no address is ever tentative, multicast snooping off on br0
# so neighbour discovery floods like ARP; the helpers also allow 2001:2::100/64@eth0, ha.vips also lists it and a
# frontend `web6` like `web` binds [2001:2::100]:PORT; the backend stays IPv4). PAIR_BACKENDS (default
# "198.18.0.21:8080"): the backend servers, ADDRESS:PORT each, in 198.18.0.0/24: every address is on the backend's
# eth0, each runs its own http.server serving $dir/www (/ says "hello from the backend", /healthz "ok"), and
# write_config lists them as be1, be2, ... PAIR_KEEP_DIR (non-empty: pair_cleanup leaves $dir, says where on stderr).
# PAIR_ACTIVE_ACTIVE (non-empty: two VIP groups instead of `vips:`, web-a with 198.18.0.100 at the node's
# PRIORITY and web-b with 198.18.0.101 at 250 − PRIORITY, so lb-a (150) holds web-a and lb-b (100 → 150) web-b;
# a frontend `web-b` like `web` binds 198.18.0.101:PORT; the helpers always allow both VIPs).
# Unset knobs change nothing.

[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root for network namespaces"; exit 0; }

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# pair_require COMMAND:PACKAGE... — installs the Debian package of each missing command (a check runs on a fresh
# machine too), and fails the check (exit 1) when that is not possible.
pair_require() {
    (ensure_packages "$@") || { echo "FAIL: cannot install ${*#*:}"; exit 1; }
}
pair_require ip:iproute2 python3:python3 curl:curl ping:iputils-ping

ns_sw="$tag-sw" ns_a="$tag-a" ns_b="$tag-b" ns_be="$tag-be" ns_cl="$tag-cl"
dir=$(mktemp -d)
declare -A pid_of=()      # role → pid (helper-lb-a, daemon-lb-a, ...)
other_pids=()             # backend, monitors, clients
started=$(date +%s%N)

pair_cleanup() {
    local pid ns
    for pid in "${pid_of[@]}" "${other_pids[@]}"; do [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; done
    for pid in "${pid_of[@]}" "${other_pids[@]}"; do [[ -n "$pid" ]] && wait "$pid" 2>/dev/null; done
    for ns in "$ns_cl" "$ns_be" "$ns_b" "$ns_a" "$ns_sw"; do ip netns del "$ns" 2>/dev/null; done
    if [[ -n "${PAIR_KEEP_DIR:-}" ]]; then echo "kept: $dir" >&2; else rm -rf "$dir"; fi
}

fail() {
    [[ -n "${KEEP_LOGS:-}" ]] && cp -r "$dir" /tmp/pair-logs
    echo "FAIL: $*"
    local f pattern
    for pattern in '*.log' ${PAIR_SHOW:-}; do
        for f in "$dir"/$pattern; do [[ -f "$f" ]] && { echo "--- $f"; tail -n 30 "$f"; }; done
    done
    exit 1
}
elapsed_ms() { echo $((($(date +%s%N) - started) / 1000000)); }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ns_of NODE — the namespace of lb-a / lb-b.
ns_of() { if [[ $1 == lb-a ]]; then echo "$ns_a"; else echo "$ns_b"; fi; }

make_lab() {
    local ns host
    for ns in "$ns_sw" "$ns_a" "$ns_b" "$ns_be" "$ns_cl"; do
        ip netns add "$ns" || fail "ip netns add $ns"
        ip -n "$ns" link set lo up
    done
    ip -n "$ns_sw" link add br0 type bridge
    if [[ -n "${PAIR_IPV6:-}" ]]; then
        ip -n "$ns_sw" link set br0 type bridge mcast_snooping 0
        for ns in "$ns_sw" "$ns_a" "$ns_b" "$ns_be" "$ns_cl"; do
            ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 ||
                fail "DAD off in $ns"
        done
    fi
    ip -n "$ns_sw" addr add 198.18.0.1/24 dev br0
    ip -n "$ns_sw" link set br0 up
    for host in a:11 b:12 be:21 cl:31; do
        local name=${host%%:*} octet=${host#*:}
        local target="$tag-$name"
        ip link add "p-$name" netns "$ns_sw" type veth peer name eth0 netns "$target" || fail "veth $name"
        ip -n "$ns_sw" link set "p-$name" master br0 up
        ip -n "$target" addr add "198.18.0.$octet/24" dev eth0
        [[ -n "${PAIR_IPV6:-}" ]] && ip -n "$target" addr add "2001:2::$octet/64" dev eth0 nodad
        ip -n "$target" link set eth0 up
    done
    ip link add hb0 netns "$ns_a" type veth peer name hb0 netns "$ns_b" || fail "veth hb0"
    ip -n "$ns_a" addr add 198.18.1.11/24 dev hb0
    ip -n "$ns_b" addr add 198.18.1.12/24 dev hb0
    ip -n "$ns_a" link set hb0 up
    ip -n "$ns_b" link set hb0 up
    local server
    for server in ${PAIR_BACKENDS:-198.18.0.21:8080}; do
        [[ ${server%:*} == 198.18.0.21 ]] || ip -n "$ns_be" addr add "${server%:*}/24" dev eth0 ||
            fail "backend address ${server%:*}"
    done
    mkdir -p "$dir/www"
    echo "hello from the backend" >"$dir/www/index.html"
    echo "ok" >"$dir/www/healthz"
    start_backend
    umask 077
    printf '# test key\n1 %s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$dir/ha.key"
    umask 022
    wait_until 10 backend_answers || fail "the backend did not start"
}
# start_backend — the backend's http.servers, one per PAIR_BACKENDS entry (pids in backend_pids; the first's also
# in backend_pid).
start_backend() {
    local server
    backend_pids=()
    for server in ${PAIR_BACKENDS:-198.18.0.21:8080}; do
        ip netns exec "$ns_be" python3 -m http.server --bind "${server%:*}" "${server##*:}" --directory "$dir/www" \
            >>"$dir/backend.log" 2>&1 &
        backend_pids+=($!)
        other_pids+=($!)
    done
    backend_pid=${backend_pids[0]}
}
backend_answers() {
    local server
    for server in ${PAIR_BACKENDS:-198.18.0.21:8080}; do
        ip netns exec "$ns_cl" curl -s -m 1 -o /dev/null "http://$server/" || return 1
    done
}

# pair_servers — the PAIR_BACKENDS as YAML flow items: { name: be1, address: ... }, { name: be2, ... }.
pair_servers() {
    local server n=0 out=""
    for server in ${PAIR_BACKENDS:-198.18.0.21:8080}; do
        n=$((n + 1))
        out+="${out:+, }{ name: be$n, address: $server }"
    done
    echo "$out"
}

# write_config NODE PRIORITY OWN PEER INTERVAL — $dir/NODE.yaml (knobs: see the header).
write_config() {
    local node=$1 priority=$2 own=$3 peer=$4 interval=$5
    local ha_log=${PAIR_HA_LOG:+$'\n'"  log: $dir/$node.ha.log"}
    local frontend_extra=${PAIR_FRONTEND_EXTRA:+$'\n'"$PAIR_FRONTEND_EXTRA"}
    local vip6="" frontend6="" election
    if [[ -n "${PAIR_ACTIVE_ACTIVE:-}" ]]; then
        election="  groups:
    - name: web-a
      priority: $priority
      vips: [{ address: 198.18.0.100/24, interface: eth0 }]
    - name: web-b
      priority: $((250 - priority))
      vips: [{ address: 198.18.0.101/24, interface: eth0 }]"
        frontend6=$'\n  - name: web-b\n    bind: 198.18.0.101:'"${PAIR_FRONTEND_PORT:-80}"$'\n    backend: app'"$frontend_extra"
    fi
    if [[ -n "${PAIR_IPV6:-}" ]]; then
        vip6=$'\n    - address: "2001:2::100/64"\n      interface: eth0'
        frontend6=$'\n  - name: web6\n    bind: "[2001:2::100]:'"${PAIR_FRONTEND_PORT:-80}"$'"\n    backend: app'"$frontend_extra"
    fi
    cat >"$dir/$node.yaml" <<YAML
node:
  name: $node
  admin: $dir/$node.admin
  threads: 1
  drain_timeout: 1s
  state_directory: $dir/state
ha:
  listen: ${PAIR_HB_NET:-198.18.0}.$own:7946
  peers: [${PAIR_HB_NET:-198.18.0}.$peer:7946]
  key_file: ${PAIR_KEY_FILE:-$dir/ha.key}
  interval: $interval
  dead_after: 3
  priority: $priority
  preempt: ${PAIR_PREEMPT:-false}
  preempt_delay: ${PAIR_PREEMPT_DELAY:-1s}
  helper: $dir/$node.vip.sock$ha_log
${PAIR_EXTRA_HA:-}
  track:
    - gateway: 198.18.0.1
      interval: 200ms
      timeout: 100ms
    - { backends: all, penalty: 10 }
${election:-  vips:
    - address: 198.18.0.100/24
      interface: eth0$vip6}
frontends:
  - name: web
    bind: 198.18.0.100:${PAIR_FRONTEND_PORT:-80}
    backend: app$frontend_extra$frontend6
${PAIR_EXTRA_FRONTENDS:-}
backends:
  - name: app
    health: { http: /, interval: 200ms, timeout: 150ms, rise: 1, fall: 2 }
    servers: [$(pair_servers)]
${PAIR_EXTRA_BACKENDS:-}
YAML
}

# start_helper NODE
start_helper() {
    local node=$1 allow=(--allow 198.18.0.100/24@eth0 --allow 198.18.0.101/24@eth0)
    [[ -n "${PAIR_IPV6:-}" ]] && allow+=(--allow 2001:2::100/64@eth0)
    ip netns exec "$(ns_of "$node")" "$tandem" vip-helper --socket "$dir/$node.vip.sock" \
        "${allow[@]}" --garp-count 3 --garp-spacing 50 >>"$dir/helper-$node.log" 2>&1 &
    pid_of[helper-$node]=$!
}

# start_daemon NODE — PAIR_DAEMON_ENV (e.g. "TANDEM_DEBUG_COMMANDS=1") goes into the daemon's environment.
start_daemon() {
    local node=$1
    # shellcheck disable=SC2086
    ip netns exec "$(ns_of "$node")" env ${PAIR_DAEMON_ENV:-} "$tandem" run --config "$dir/$node.yaml" >>"$dir/daemon-$node.log" 2>&1 &
    pid_of[daemon-$node]=$!
}

# kill_role ROLE — SIGKILL and reap, e.g. kill_role daemon-lb-a.
kill_role() {
    local pid=${pid_of[$1]:-}
    [[ -n "$pid" ]] || return 0
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid_of[$1]=""
}

# holders [VIP] — prints the nodes whose eth0 has the VIP (default 198.18.0.100; e.g. 2001:2::100), space separated.
# No `| grep -q`: under pipefail, ip dying of SIGPIPE after grep's early exit would read as "not held".
holders() {
    local vip=${1:-198.18.0.100} family=-4 out=()
    [[ $vip == *:* ]] && family=-6
    [[ $(ip -n "$ns_a" "$family" -o addr show dev eth0) == *" $vip/"* ]] && out+=(lb-a)
    [[ $(ip -n "$ns_b" "$family" -o addr show dev eth0) == *" $vip/"* ]] && out+=(lb-b)
    echo "${out[*]}"
}

# status_field NODE EXPR — a python expression over the status JSON `s`.
status_field() {
    "$tandem" status --json --admin "$dir/$1.admin" 2>/dev/null |
        python3 -c "import json,sys; s=json.load(sys.stdin); print($2)" 2>/dev/null
}

one_holder() { local h; h=$(holders); [[ -n "$h" && "$h" != *" "* ]]; }
holder_is() { [[ $(holders) == "$1" ]]; }
state_is() { [[ $(status_field "$1" 's["ha"]["state"]') == "$2" ]]; }

# run_pair INTERVAL — lb-a (150) and lb-b (100) with their helpers; returns with lb-a ACTIVE, lb-b STANDBY.
run_pair() {
    local interval=$1
    write_config lb-a 150 11 12 "$interval"
    write_config lb-b 100 12 11 "$interval"
    start_pair
}

# start_pair [WHAT] — starts both helpers and daemons on the configs already written (lb-a priority 150,
# lb-b 100, as run_pair writes them) and returns with lb-a ACTIVE, lb-b STANDBY; WHAT prefixes the failures.
start_pair() {
    local what=${1:+$1: }
    start_helper lb-a; start_helper lb-b
    start_daemon lb-a; start_daemon lb-b
    wait_until 10 one_holder || fail "${what}no single VIP holder after start (holders: '$(holders)')"
    wait_until 5 state_is lb-b STANDBY || fail "${what}lb-b is not STANDBY"
    wait_until 5 state_is lb-a ACTIVE || fail "${what}lb-a is not ACTIVE"
}

stop_pair() {
    local role
    for role in daemon-lb-a daemon-lb-b helper-lb-a helper-lb-b; do kill_role "$role"; done
}

trap pair_cleanup EXIT
trap 'exit 130' INT TERM

# ==== Fault injection for the soak (scripts/soak.sh) ========================================================
# Helpers that inject or observe one fault on one node of the pair; every other check may use them too.

# role_alive ROLE — true while the process of ROLE (daemon-lb-a, helper-lb-b, ...) runs (a zombie is dead).
role_alive() {
    local pid=${pid_of[$1]:-} stat
    [[ -n "$pid" ]] && read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# pair_link NODE DEVICE up|down — sets a link of NODE (eth0: its LAN side; hb0: the direct heartbeat link).
pair_link() {
    ip -n "$(ns_of "$1")" link set "$2" "$3"
}

# pair_drop_heartbeats NODE / pair_pass_heartbeats NODE — an nftables rule in NODE's namespace drops the
# heartbeats it sends (UDP to port 7946), so only its peer stops hearing: a one-way partition. Needs nft
# (pair_require nft:nftables).
pair_drop_heartbeats() {
    ip netns exec "$(ns_of "$1")" nft -f - <<'NFT'
table inet tandem_soak {
    chain out {
        type filter hook output priority 0; policy accept;
        udp dport 7946 drop
    }
}
NFT
}
pair_pass_heartbeats() {
    ip netns exec "$(ns_of "$1")" nft delete table inet tandem_soak 2>/dev/null
}

# node_holds NODE — true when NODE's eth0 has the VIP.
node_holds() {
    [[ $(ip -n "$(ns_of "$1")" -4 -o addr show dev eth0) == *" 198.18.0.100/"* ]]
}
# ==== end of the soak's section ==============================================================================

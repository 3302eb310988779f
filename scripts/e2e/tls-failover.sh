#!/usr/bin/env bash
# TLS session resumption across a failover, in the lab: two namespaced nodes (helper + daemon each,
# interval 100ms) terminate TLS on the VIP 198.18.0.100:443 with the same certificate and the same
# ticket_keys file. A client gets a session ticket from the ACTIVE lb-a, lb-a's daemon is SIGKILLed, lb-b
# takes over, and the client's `openssl s_client -sess_in` resumes ("Reused") against lb-b, the only holder.
# Control run: lb-b with a different ticket_keys file must NOT resume (a full handshake that still works).
#
# Usage: tls-failover.sh PATH/TO/tandem      (root; iproute2, openssl, python3, curl)
# Addresses: 198.18.0.0/24 only (switch .1, lb-a .11, lb-b .12, backend .21, client .31, VIP .100).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root for network namespaces"; exit 0; }
for command in ip openssl python3 curl; do
    command -v "$command" >/dev/null || { echo "FAIL: $command is missing"; exit 1; }
done

tag="tf$$"
ns_sw="$tag-sw" ns_a="$tag-a" ns_b="$tag-b" ns_be="$tag-be" ns_cl="$tag-cl"
dir=$(mktemp -d)
declare -A pid_of=()      # role → pid (helper-lb-a, daemon-lb-a, ...)
other_pids=()             # the backend
started=$(date +%s%N)

cleanup() {
    local pid ns
    for pid in "${pid_of[@]}" "${other_pids[@]}"; do
        [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null
    done
    for pid in "${pid_of[@]}" "${other_pids[@]}"; do
        [[ -n "$pid" ]] && wait "$pid" 2>/dev/null
    done
    for ns in "$ns_cl" "$ns_be" "$ns_b" "$ns_a" "$ns_sw"; do
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
    echo "FAIL: $*"
    for f in "$dir"/*.log "$dir"/*.out; do [[ -f "$f" ]] && { echo "--- $f"; tail -n 30 "$f"; }; done
    exit 1
}
elapsed_ms() { echo $((($(date +%s%N) - started) / 1000000)); }

make_lab() {
    local ns host
    for ns in "$ns_sw" "$ns_a" "$ns_b" "$ns_be" "$ns_cl"; do
        ip netns add "$ns" || fail "ip netns add $ns"
        ip -n "$ns" link set lo up
    done
    ip -n "$ns_sw" link add br0 type bridge
    ip -n "$ns_sw" addr add 198.18.0.1/24 dev br0
    ip -n "$ns_sw" link set br0 up
    for host in a:11 b:12 be:21 cl:31; do
        local name=${host%%:*} octet=${host#*:}
        local target="$tag-$name"
        ip link add "p-$name" netns "$ns_sw" type veth peer name eth0 netns "$target" || fail "veth $name"
        ip -n "$ns_sw" link set "p-$name" master br0 up
        ip -n "$target" addr add "198.18.0.$octet/24" dev eth0
        ip -n "$target" link set eth0 up
    done
    mkdir -p "$dir/www"
    echo "hello from the backend" >"$dir/www/index.html"
    ip netns exec "$ns_be" python3 -m http.server --bind 198.18.0.21 8080 --directory "$dir/www" \
        >"$dir/backend.log" 2>&1 &
    other_pids+=($!)
}

# write_config NODE PRIORITY OWN PEER TICKET_KEYS
write_config() {
    local node=$1 priority=$2 own=$3 peer=$4 tickets=$5
    cat >"$dir/$node.yaml" <<YAML
node:
  name: $node
  admin: $dir/$node.admin
  threads: 1
  drain_timeout: 1s
ha:
  listen: 198.18.0.$own:7946
  peers: [198.18.0.$peer:7946]
  key_file: $dir/ha.key
  interval: 100ms
  dead_after: 3
  priority: $priority
  preempt: false
  helper: $dir/$node.vip.sock
  vips:
    - address: 198.18.0.100/24
      interface: eth0
frontends:
  - name: web
    bind: 198.18.0.100:443
    backend: app
    tls:
      certificates: [$dir/a.test.pem]
      ticket_keys: $tickets
backends:
  - name: app
    servers: [{ name: be1, address: 198.18.0.21:8080 }]
YAML
}

start_helper() {
    local node=$1 ns=$2
    ip netns exec "$ns" "$tandem" vip-helper --socket "$dir/$node.vip.sock" --allow 198.18.0.100/24@eth0 \
        --garp-count 3 --garp-spacing 50 >>"$dir/helper-$node.log" 2>&1 &
    pid_of[helper-$node]=$!
}

start_daemon() {
    local node=$1 ns=$2
    ip netns exec "$ns" "$tandem" run --config "$dir/$node.yaml" >>"$dir/daemon-$node.log" 2>&1 &
    pid_of[daemon-$node]=$!
}

stop_role() {
    local role=$1
    [[ -n "${pid_of[$role]:-}" ]] && { kill -9 "${pid_of[$role]}" 2>/dev/null; wait "${pid_of[$role]}" 2>/dev/null; }
    pid_of[$role]=""
}

holders() {
    local out=()
    ip -n "$ns_a" -4 -o addr show dev eth0 | grep -q ' 198\.18\.0\.100/' && out+=(lb-a)
    ip -n "$ns_b" -4 -o addr show dev eth0 | grep -q ' 198\.18\.0\.100/' && out+=(lb-b)
    echo "${out[*]}"
}
state_of() {
    "$tandem" status --json --admin "$dir/$1.admin" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["ha"]["state"])' 2>/dev/null
}
# wait_until SECONDS COMMAND... — polls every 20 ms.
wait_until() {
    local limit=$1 i; shift
    for ((i = 0; i < limit * 50; i++)); do
        "$@" && return 0
        sleep 0.02
    done
    return 1
}
holder_is() { [[ $(holders) == "$1" ]]; }
state_is() { [[ $(state_of "$1") == "$2" ]]; }

# tls_request OUT [S_CLIENT OPTIONS...] — one HTTP/1.1 request over `openssl s_client` from the client
# namespace to the VIP; the transcript goes to $dir/OUT.out.
tls_request() {
    local out=$1; shift
    printf 'GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n' |
        ip netns exec "$ns_cl" timeout 10 openssl s_client -connect 198.18.0.100:443 -servername a.test \
            -CAfile "$dir/a.test.crt" -verify_return_error -ign_eof "$@" >"$dir/$out.out" 2>&1
}

# failover_resumes LB_B_TICKETS RUN — starts the pair (lb-b with LB_B_TICKETS), takes a ticket from lb-a,
# SIGKILLs lb-a's daemon, waits for lb-b to be ACTIVE and the only holder, then offers the ticket to the
# VIP; sets `reused` to yes or no. Leaves the pair stopped.
failover_resumes() {
    local tickets_b=$1 run=$2
    write_config lb-a 150 11 12 "$dir/tickets.key"
    write_config lb-b 100 12 11 "$tickets_b"
    start_helper lb-a "$ns_a"; start_helper lb-b "$ns_b"
    start_daemon lb-a "$ns_a"; start_daemon lb-b "$ns_b"
    wait_until 10 holder_is lb-a || fail "$run: lb-a does not hold the VIP alone (holders: '$(holders)')"
    wait_until 5 state_is lb-a ACTIVE || fail "$run: lb-a is not ACTIVE"
    wait_until 5 state_is lb-b STANDBY || fail "$run: lb-b is not STANDBY"

    tls_request "$run-issued" -sess_out "$dir/$run.session" || fail "$run: s_client against lb-a failed"
    grep -q "hello from the backend" "$dir/$run-issued.out" || fail "$run: no response through lb-a"
    grep -q "^New, TLSv1.3" "$dir/$run-issued.out" || fail "$run: the first handshake was not a new TLS 1.3 one"
    [[ -s "$dir/$run.session" ]] || fail "$run: s_client saved no session"

    stop_role daemon-lb-a
    wait_until 5 holder_is lb-b || fail "$run: lb-b did not take the VIP over (holders: '$(holders)')"
    wait_until 5 state_is lb-b ACTIVE || fail "$run: lb-b is not ACTIVE after the kill"

    tls_request "$run-resumed" -sess_in "$dir/$run.session" || fail "$run: s_client against lb-b failed"
    grep -q "hello from the backend" "$dir/$run-resumed.out" || fail "$run: no response through lb-b"
    [[ $(holders) == lb-b && $(state_of lb-b) == ACTIVE ]] || fail "$run: lb-b is not the only ACTIVE holder"
    body=$(ip netns exec "$ns_cl" curl -sk -m 2 https://198.18.0.100/) || fail "$run: curl through the VIP failed"
    [[ $body == "hello from the backend" ]] || fail "$run: unexpected body through lb-b: $body"
    if grep -q "^Reused, TLSv1.3" "$dir/$run-resumed.out"; then
        reused=yes
    elif grep -q "^New, TLSv1.3" "$dir/$run-resumed.out"; then
        reused=no
    else
        fail "$run: s_client reported neither New nor Reused"
    fi
    stop_role daemon-lb-b; stop_role helper-lb-a; stop_role helper-lb-b
}

make_lab
umask 077
printf '# test key\n1 %s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$dir/ha.key"
umask 022
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout "$dir/a.test.key" \
    -out "$dir/a.test.crt" -subj "/CN=a.test" -addext subjectAltName=DNS:a.test 2>/dev/null ||
    fail "openssl could not make the certificate"
cat "$dir/a.test.crt" "$dir/a.test.key" >"$dir/a.test.pem"
openssl rand -base64 80 | tr -d '\n' >"$dir/tickets.key"
openssl rand -base64 80 | tr -d '\n' >"$dir/other-tickets.key"
wait_for_backend() { ip netns exec "$ns_cl" curl -s -m 1 -o /dev/null http://198.18.0.21:8080/; }
wait_until 10 wait_for_backend || fail "the backend did not start"

failover_resumes "$dir/tickets.key" shared
[[ $reused == yes ]] || fail "a ticket from lb-a did not resume on lb-b with the same ticket_keys"
echo "shared ticket_keys: lb-a's ticket resumed on lb-b after the failover ($(elapsed_ms) ms)"
failover_resumes "$dir/other-tickets.key" control
[[ $reused == no ]] || fail "control: a ticket from lb-a resumed on lb-b with a different ticket_keys file"
echo "control (different ticket_keys on lb-b): full handshake, no resumption"
echo "ok ($(elapsed_ms) ms)"

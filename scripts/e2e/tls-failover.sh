#!/usr/bin/env bash
# TLS session resumption across a failover, in the lab: two namespaced nodes (helper + daemon each,
# interval 100ms) terminate TLS on the VIP 198.18.0.100:443 with the same certificate and the same
# ticket_keys file. A client gets a session ticket from the ACTIVE lb-a, lb-a's daemon is SIGKILLed, lb-b
# takes over, and the client's `openssl s_client -sess_in` resumes ("Reused") against lb-b, the only holder.
# Control run: lb-b with a different ticket_keys file must NOT resume (a full handshake that still works).
#
# Usage: tls-failover.sh PATH/TO/tandem      (root; iproute2, openssl, python3, curl)
# Lab: scripts/lib/ha-pair.sh (198.18.0.0/24 and 198.18.1.0/24 only; lb-a .11, lb-b .12, backend .21, client .31,
# VIP .100).
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="tf$$"
source "$ROOT/scripts/lib/ha-pair.sh"
pair_require openssl:openssl
PAIR_FRONTEND_PORT=443
PAIR_SHOW='*.out'          # fail also shows the s_client transcripts

# tls_lines TICKET_KEYS — the frontend's tls: block (PAIR_FRONTEND_EXTRA): the shared certificate and TICKET_KEYS.
tls_lines() {
    printf '    tls:\n      certificates: [%s]\n      ticket_keys: %s' "$dir/a.test.pem" "$1"
}

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
    PAIR_FRONTEND_EXTRA=$(tls_lines "$dir/tickets.key") write_config lb-a 150 11 12 100ms
    PAIR_FRONTEND_EXTRA=$(tls_lines "$tickets_b") write_config lb-b 100 12 11 100ms
    start_pair "$run"
    wait_until 5 holder_is lb-a || fail "$run: lb-a does not hold the VIP alone (holders: '$(holders)')"

    tls_request "$run-issued" -sess_out "$dir/$run.session" || fail "$run: s_client against lb-a failed"
    grep -q "hello from the backend" "$dir/$run-issued.out" || fail "$run: no response through lb-a"
    grep -q "^New, TLSv1.3" "$dir/$run-issued.out" || fail "$run: the first handshake was not a new TLS 1.3 one"
    [[ -s "$dir/$run.session" ]] || fail "$run: s_client saved no session"

    kill_role daemon-lb-a
    wait_until 5 holder_is lb-b || fail "$run: lb-b did not take the VIP over (holders: '$(holders)')"
    wait_until 5 state_is lb-b ACTIVE || fail "$run: lb-b is not ACTIVE after the kill"

    tls_request "$run-resumed" -sess_in "$dir/$run.session" || fail "$run: s_client against lb-b failed"
    grep -q "hello from the backend" "$dir/$run-resumed.out" || fail "$run: no response through lb-b"
    holder_is lb-b && state_is lb-b ACTIVE || fail "$run: lb-b is not the only ACTIVE holder"
    body=$(ip netns exec "$ns_cl" curl -sk -m 2 https://198.18.0.100/) || fail "$run: curl through the VIP failed"
    [[ $body == "hello from the backend" ]] || fail "$run: unexpected body through lb-b: $body"
    if grep -q "^Reused, TLSv1.3" "$dir/$run-resumed.out"; then
        reused=yes
    elif grep -q "^New, TLSv1.3" "$dir/$run-resumed.out"; then
        reused=no
    else
        fail "$run: s_client reported neither New nor Reused"
    fi
    stop_pair
}

make_lab
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout "$dir/a.test.key" \
    -out "$dir/a.test.crt" -subj "/CN=a.test" -addext subjectAltName=DNS:a.test 2>/dev/null ||
    fail "openssl could not make the certificate"
cat "$dir/a.test.crt" "$dir/a.test.key" >"$dir/a.test.pem"
openssl rand -base64 80 | tr -d '\n' >"$dir/tickets.key"
openssl rand -base64 80 | tr -d '\n' >"$dir/other-tickets.key"

failover_resumes "$dir/tickets.key" shared
[[ $reused == yes ]] || fail "a ticket from lb-a did not resume on lb-b with the same ticket_keys"
echo "shared ticket_keys: lb-a's ticket resumed on lb-b after the failover ($(elapsed_ms) ms)"
failover_resumes "$dir/other-tickets.key" control
[[ $reused == no ]] || fail "control: a ticket from lb-a resumed on lb-b with a different ticket_keys file"
echo "control (different ticket_keys on lb-b): full handshake, no resumption"
echo "ok ($(elapsed_ms) ms)"

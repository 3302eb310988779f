#!/usr/bin/env bash
# TLS hot reload in the daemon, on loopback: a TLS frontend serves an openssl-made certificate; the file is
# swapped and SIGHUP makes new connections see the new subject; a broken file + SIGHUP leaves the daemon up,
# the previous certificate served and a log line naming the file (the whole reload is refused); `tandem
# reload` then exits 1 with the reason, and exits 0 once the file is good again.
#
# Usage: tls-reload.sh PATH/TO/tandem      (openssl, python3, curl; no root)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
for command in openssl python3 curl; do
    command -v "$command" >/dev/null || { echo "FAIL: $command is missing"; exit 1; }
done
dir=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; echo "--- daemon log"; tail -n 30 "$dir/tandem.log"; exit 1; }

# make_certificate ORGANIZATION — writes $dir/ORGANIZATION.pem (certificate + key) for a.test.
make_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -keyout "$dir/$1.key" -out "$dir/$1.crt" -subj "/O=$1/CN=a.test" -addext subjectAltName=DNS:a.test \
        2>/dev/null || fail "openssl could not make a certificate"
    cat "$dir/$1.crt" "$dir/$1.key" >"$dir/$1.pem"
}
# install_certificate FILE — puts FILE in place as the frontend's certificate (rename, as deploy tools do).
install_certificate() { cp "$1" "$dir/frontend.pem.new" && mv "$dir/frontend.pem.new" "$dir/frontend.pem"; }
# served_organization — the O= of the certificate a new connection gets.
served_organization() {
    openssl s_client -connect "127.0.0.1:$lb" -servername a.test </dev/null 2>/dev/null |
        openssl x509 -noout -subject -nameopt multiline 2>/dev/null |
        sed -n 's/^ *organizationName *= *//p'
}
# wait_for_log COUNT PATTERN — waits up to 5 s until PATTERN appears at least COUNT times in the daemon log.
wait_for_log() {
    local i
    for ((i = 0; i < 100; i++)); do
        (($(grep -c -- "$2" "$dir/tandem.log") >= $1)) && return 0
        sleep 0.05
    done
    return 1
}

backend=$(free_port) lb=$(free_port)
mkdir -p "$dir/www"
echo "hello from the backend" >"$dir/www/index.html"
python3 -m http.server --bind 127.0.0.1 "$backend" --directory "$dir/www" >"$dir/backend.log" 2>&1 &
pids+=($!)
wait_for_port 127.0.0.1 "$backend" || fail "the backend did not start"

for organization in first second third; do make_certificate "$organization"; done
install_certificate "$dir/first.pem"
openssl rand -base64 80 | tr -d '\n' >"$dir/tickets.key"
cat >"$dir/t.yaml" <<YAML
node: { name: lb-a, threads: 1, drain_timeout: 1s, admin: $dir/admin.sock }
frontends:
  - name: web
    bind: 127.0.0.1:$lb
    backend: app
    tls: { certificates: [$dir/frontend.pem], ticket_keys: $dir/tickets.key }
backends:
  - name: app
    servers: [{ name: be1, address: 127.0.0.1:$backend }]
YAML
"$tandem" run --config "$dir/t.yaml" 2>"$dir/tandem.log" &
daemon=$!
pids+=($daemon)
wait_for_port 127.0.0.1 "$lb" || fail "tandem did not listen"

[[ $(served_organization) == first ]] || fail "at start the served certificate is not 'first': $(served_organization)"
body=$(curl -sk -m 5 --resolve "a.test:$lb:127.0.0.1" "https://a.test:$lb/") || fail "curl over TLS failed"
[[ $body == "hello from the backend" ]] || fail "unexpected body: $body"

# A new certificate + SIGHUP: new connections get it.
install_certificate "$dir/second.pem"
kill -HUP "$daemon"
wait_for_log 1 "TLS certificates and ticket keys reloaded" || fail "no reload log line after SIGHUP"
[[ $(served_organization) == second ]] || fail "after SIGHUP the served certificate is not 'second': $(served_organization)"

# A broken certificate + SIGHUP: the daemon stays up, keeps 'second', and the log says why.
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n' >"$dir/frontend.pem"
kill -HUP "$daemon"
wait_for_log 1 "refused" || fail "no failure log line after SIGHUP with a broken certificate"
grep "refused" "$dir/tandem.log" | grep -q -- "$dir/frontend.pem" || fail "the failure log line does not name the file"
kill -0 "$daemon" 2>/dev/null || fail "the daemon died on a broken certificate"
[[ $(served_organization) == second ]] || fail "after a failed reload the served certificate is not 'second': $(served_organization)"
body=$(curl -sk -m 5 --resolve "a.test:$lb:127.0.0.1" "https://a.test:$lb/") || fail "curl after a failed reload"
[[ $body == "hello from the backend" ]] || fail "unexpected body after a failed reload: $body"

# `tandem reload` reports the same failure and exits 1.
out=$("$tandem" reload --config "$dir/t.yaml" 2>&1); status=$?
[[ $status -eq 1 && $out == *"frontend web: $dir/frontend.pem: "*"nothing changed"* ]] ||
    fail "tandem reload with a broken certificate ($status): $out"
wait_for_log 2 "refused" || fail "no failure log line for tandem reload"

# A good file again: `tandem reload` exits 0 and says what it reloaded.
install_certificate "$dir/third.pem"
out=$("$tandem" reload --admin "$dir/admin.sock" 2>&1); status=$?
[[ $status -eq 0 && $out == *"frontend web: reloaded (a.test)"* ]] || fail "tandem reload with a good certificate ($status): $out"
[[ $(served_organization) == third ]] || fail "after tandem reload the served certificate is not 'third': $(served_organization)"
kill -0 "$daemon" 2>/dev/null || fail "the daemon is gone"
echo "--- reload log lines" >&2
grep -E "SIGHUP|TLS certificates|reload" "$dir/tandem.log" >&2
echo "ok"

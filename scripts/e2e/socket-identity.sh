#!/usr/bin/env bash
# Both Unix sockets are born 0660 and decide by the peer's kernel credentials (SO_PEERCRED), not by what the
# file mode lets connect:
#   - the VIP helper serves root and --client-user only: a member of its socket's group is refused with one
#     error line and the connection closes; a --client-user that does not exist stops it at start;
#   - on the admin socket a member of the socket's group gets `tandem status`, but `reload` and `handover`
#     (drill, failover) are refused with the reason, until node.admin_operators lists that user; a user
#     outside the group cannot connect at all; an unknown operator is a config error.
# Three throwaway users act the parts (removed at exit): tdm-d-PID runs the daemon (as tandem would),
# tdm-op-PID is in tdm-d-PID's group, tdm-other-PID is not.
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$1
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root to create users and a network namespace"; exit 0; }
(ensure_packages useradd:passwd setpriv:util-linux /usr/bin/python3:python3 ip:iproute2) || { echo "FAIL: cannot install"; exit 1; }

# The system python: the throwaway users cannot run one under root's home.
py=/usr/bin/python3
daemon_user="tdm-d-$$" op="tdm-op-$$" other="tdm-other-$$" ns="tdm-si-$$"
dir=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    # The members first: userdel removes a user's own group only once nobody else is in it.
    for user in "$op" "$other" "$daemon_user"; do id "$user" >/dev/null 2>&1 && userdel "$user" 2>/dev/null; done
    getent group "$daemon_user" >/dev/null && groupdel "$daemon_user" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    local f
    for f in "$dir"/*.log; do [[ -f "$f" ]] && { echo "--- $f"; tail -n 20 "$f"; }; done
    exit 1
}

for user in "$daemon_user" "$op" "$other"; do
    useradd --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" \
        || fail "useradd $user"
done
usermod -aG "$daemon_user" "$op" || fail "usermod $op"
gid=$(id -g "$daemon_user")

# as USER COMMAND... — runs COMMAND with USER's uid, gid and groups.
as() {
    local user=$1; shift
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
}
# mode PATH — the permission bits of PATH as soon as it exists (up to 10 s).
mode() {
    wait_until 10 test -S "$1" || return 1
    stat -c %a "$1"
}

chmod 0711 "$dir"
if ! as "$other" test -x "$tandem"; then
    cp "$tandem" "$dir/tandem" && chmod 0755 "$dir/tandem" && tandem="$dir/tandem"
fi
# One request line, the answer line, then whether the server closed the connection.
cat >"$dir/line.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while not data.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode().strip())
s.settimeout(0.3)
try:
    print("closed" if s.recv(1) == b"" else "open")
except ConnectionResetError:  # closed with our request unread: Linux resets, after the answer was read
    print("closed")
except socket.timeout:
    print("open")
PY
chmod 0644 "$dir/line.py"

log "VIP helper: a --client-user that does not exist stops it at start"
out=$("$tandem" vip-helper --socket "$dir/unused.sock" --allow 198.18.0.100/24@eth0 --client-user "tdm-none-$$" 2>&1)
status=$?
[[ $status -eq 1 && "$out" == *"--client-user tdm-none-$$: no such user"* ]] || fail "unknown client user: exit $status: $out"
[[ ! -e "$dir/unused.sock" ]] || fail "the helper bound its socket despite the unknown user"

log "VIP helper: socket 0660, root and $daemon_user served, $op (in the socket's group) refused"
ip netns add "$ns" || fail "ip netns add"
ip -n "$ns" link add eth0 type veth peer name eth1 && ip -n "$ns" addr add 198.18.0.11/24 dev eth0 && ip -n "$ns" link set eth0 up \
    || fail "veth eth0"
# Its runtime directory as systemd makes it (0750, group of the daemon); the helper runs as root with the
# daemon's group, so its socket's group is the daemon's, as tandem-vip's is tandem in production.
install -d -m 0750 -g "$gid" "$dir/helper"
ip netns exec "$ns" setpriv --regid="$gid" --clear-groups -- "$tandem" vip-helper --socket "$dir/helper/vip.sock" \
    --allow 198.18.0.100/24@eth0 --client-user "$daemon_user" 2>"$dir/helper.log" &
pids+=($!)
[[ $(mode "$dir/helper/vip.sock") == 660 ]] || fail "helper socket mode $(stat -c %a "$dir/helper/vip.sock" 2>&1), want 660"
[[ $(stat -c %g "$dir/helper/vip.sock") == "$gid" ]] || fail "helper socket group is not $daemon_user"

out=$("$py" "$dir/line.py" "$dir/helper/vip.sock" '{"op":"list"}') || fail "root: $out"
[[ "$out" == '{"ok":true,"vips":[]}'$'\n'open ]] || fail "root is not served: $out"
out=$(as "$daemon_user" "$py" "$dir/line.py" "$dir/helper/vip.sock" '{"op":"list"}') || fail "$daemon_user: $out"
[[ "$out" == '{"ok":true,"vips":[]}'$'\n'open ]] || fail "the client user is not served: $out"
out=$(as "$op" "$py" "$dir/line.py" "$dir/helper/vip.sock" '{"op":"claim","vip":"198.18.0.100/24","interface":"eth0"}') \
    || fail "$op: $out"
want="{\"error\":\"uid $(id -u "$op") ($op) may not use the VIP helper: only root and $daemon_user\",\"ok\":false}"
[[ "$out" == "$want"$'\n'closed ]] || fail "$op: got '$out', want '$want' and a closed connection"
ip -n "$ns" -o addr show dev eth0 | grep -q 198.18.0.100 && fail "a refused claim added the VIP"
grep -q "refused client" "$dir/helper.log" || fail "the helper did not log the refusal"
as "$other" "$py" "$dir/line.py" "$dir/helper/vip.sock" '{"op":"list"}' >/dev/null 2>&1 \
    && fail "$other (not in the group) could connect to the helper"

log "admin socket: an unknown operator is a config error"
port=$(free_port)
write_config() {
    cat >"$dir/t.yaml" <<YAML
node:
  name: lb-a
  admin: $dir/run/admin.sock
  admin_operators: [$1]
frontends: [{ name: web, bind: 127.0.0.1:$port, backend: app }]
backends: [{ name: app, servers: [{ name: be1, address: 127.0.0.1:9 }] }]
YAML
    chmod 0644 "$dir/t.yaml"
}
write_config "tdm-none-$$"
out=$("$tandem" check --config "$dir/t.yaml" 2>&1); status=$?
[[ $status -eq 1 && "$out" == *"t.yaml:4: node.admin_operators[0]: no user \"tdm-none-$$\" on this host"* ]] \
    || fail "unknown operator: exit $status: $out"

# start_daemon — runs the daemon as $daemon_user in its runtime directory (0750, its own group, as systemd's).
start_daemon() {
    rm -rf "$dir/run"
    install -d -m 0750 -o "$daemon_user" -g "$gid" "$dir/run"
    # setpriv itself, not `as`: a backgrounded function is a subshell, and $! would be that subshell's pid.
    setpriv --reuid="$daemon_user" --regid="$gid" --init-groups -- "$tandem" run --config "$dir/t.yaml" \
        2>>"$dir/daemon.log" &
    daemon_pid=$!
    pids+=($daemon_pid)
    [[ $(mode "$dir/run/admin.sock") == 660 ]] || fail "admin socket mode $(stat -c %a "$dir/run/admin.sock" 2>&1), want 660"
    wait_for_port 127.0.0.1 "$port" || fail "the daemon did not listen"
}
stop_daemon() {
    kill "$daemon_pid"
    wait "$daemon_pid" || fail "the daemon did not stop cleanly"
}

log "admin socket: 0660; $op reads but may not reload or hand over; $daemon_user may; $other cannot connect"
write_config ""
start_daemon
out=$(as "$op" "$tandem" status --admin "$dir/run/admin.sock" 2>&1) || fail "$op: tandem status failed: $out"
[[ "$out" == *lb-a* ]] || fail "$op: status does not name the node: $out"
reader="uid $(id -u "$op") ($op) may only read: add it to node.admin_operators"
out=$(as "$op" "$tandem" reload --admin "$dir/run/admin.sock" 2>&1); status=$?
[[ $status -eq 1 && "$out" == *"reload needs root or the daemon's user ($daemon_user); $reader"* ]] \
    || fail "$op: reload not refused as it should be: exit $status: $out"
# tandem drill asks for status first and stops there without ha:; the handover request itself:
out=$(as "$op" "$py" "$dir/line.py" "$dir/run/admin.sock" '{"command":"handover","arguments":["hold=1000"]}')
[[ "$out" == *"handover (drill, failover) needs root or the daemon's user ($daemon_user); $reader"* ]] \
    || fail "$op: handover not refused: $out"
grep -q "admin command refused" "$dir/daemon.log" || fail "the daemon did not log the refusals"
out=$(as "$daemon_user" "$tandem" reload --admin "$dir/run/admin.sock" 2>&1) || fail "$daemon_user may not reload: $out"
out=$("$tandem" reload --admin "$dir/run/admin.sock" 2>&1) || fail "root may not reload: $out"
out=$(as "$other" "$tandem" status --admin "$dir/run/admin.sock" 2>&1); status=$?
[[ $status -eq 1 && "$out" == *"permission denied"* ]] || fail "$other (not in the group) got in: exit $status: $out"
stop_daemon

log "admin socket: node.admin_operators: [$op] lets $op reload"
write_config "$op"
start_daemon
out=$(as "$op" "$tandem" reload --admin "$dir/run/admin.sock" 2>&1) || fail "$op (an operator) may not reload: $out"
[[ "$out" == *"reloaded "* ]] || fail "$op: unexpected reload answer: $out"
out=$(as "$op" "$py" "$dir/line.py" "$dir/run/admin.sock" '{"command":"handover"}')
[[ "$out" == *"unknown command"* ]] || fail "$op (an operator) was refused the handover command itself: $out"
stop_daemon
echo "ok"

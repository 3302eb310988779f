#!/usr/bin/env bash
# deploy/install.sh --root stages a complete install into a temporary directory, twice (idempotent):
# binary, units, logrotate rule, config that passes `tandem check`, and an HA key with mode 0600; no
# host-wide sysctl for low ports (the daemon's unit grants CAP_NET_BIND_SERVICE instead).
set -uo pipefail
tandem=$1
here="$(cd "$(dirname "$0")/../.." && pwd)"
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

bash "$here/deploy/install.sh" --binary "$tandem" --root "$root" || fail "install.sh failed"
key_before=$(cat "$root/etc/tandem/ha.key")
bash "$here/deploy/install.sh" --binary "$tandem" --root "$root" || fail "second install.sh failed"
[[ "$(cat "$root/etc/tandem/ha.key")" == "$key_before" ]] || fail "the HA key changed on a second install"
for f in usr/local/bin/tandem etc/systemd/system/tandem.service etc/systemd/system/tandem-vip-helper.service \
         etc/logrotate.d/tandem etc/tandem/tandem.yaml etc/tandem/vip-helper.env \
         usr/share/bash-completion/completions/tandem usr/share/zsh/vendor-completions/_tandem \
         usr/share/fish/vendor_completions.d/tandem.fish; do
    [[ -e "$root/$f" ]] || fail "missing $f"
done
[[ $(stat -c %a "$root/etc/tandem/ha.key") == 600 ]] || fail "ha.key mode is not 600"
grep -q 'server' "$root/usr/share/bash-completion/completions/tandem" 2>/dev/null || \
    grep -q 'drill' "$root/usr/share/bash-completion/completions/tandem" || fail "the bash completion does not know tandem's commands"
bash -c "source '$root/usr/share/bash-completion/completions/tandem' && complete -p tandem" >/dev/null 2>&1 ||
    fail "the bash completion does not load"
"$tandem" --version | grep -qE '^tandem [0-9]+\.[0-9]+\.[0-9]+' || fail "tandem --version prints '$("$tandem" --version)'"
grep -q '^1 [0-9a-f]\{64\}$' "$root/etc/tandem/ha.key" || fail "ha.key has no 32-byte hex key"
grep -q 'TANDEM_VIP_ALLOW="--allow 198.18.0.100/24@eth0"' "$root/etc/tandem/vip-helper.env" || fail "bad vip-helper.env: $(cat "$root/etc/tandem/vip-helper.env")"
[[ ! -e "$root/etc/sysctl.d/60-tandem.conf" ]] || fail "install.sh still writes the low-port sysctl"
grep -q '^AmbientCapabilities=CAP_NET_BIND_SERVICE$' "$root/etc/systemd/system/tandem.service" \
    || fail "tandem.service does not grant exactly CAP_NET_BIND_SERVICE"
grep -q '^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$' "$root/etc/systemd/system/tandem.service" \
    || fail "tandem.service's bounding set is not CAP_NET_BIND_SERVICE alone"
grep -q '^RuntimeDirectory=tandem-vip-helper$' "$root/etc/systemd/system/tandem-vip-helper.service" \
    || fail "the VIP helper has no runtime directory of its own"
grep -q -- '--socket /run/tandem-vip-helper/vip.sock' "$root/etc/systemd/system/tandem-vip-helper.service" \
    || fail "the VIP helper does not serve /run/tandem-vip-helper/vip.sock"
grep -q '^User=tandem$' "$root/etc/systemd/system/tandem.service" || fail "tandem.service does not run as tandem"
# The staged config names /etc/tandem/ha.key; point it at the staged key to check both together.
sed "s|/etc/tandem/ha.key|$root/etc/tandem/ha.key|" "$root/etc/tandem/tandem.yaml" >"$root/check.yaml"
"$root/usr/local/bin/tandem" check --config "$root/check.yaml" || fail "installed config and key do not pass tandem check"
if command -v systemd-analyze >/dev/null 2>&1; then
    systemd-analyze verify "$root/etc/systemd/system/tandem.service" 2>&1 | grep -v 'not executable\|No such file\|Failed to\|Unit .* not found\|tandem-vip-helper' || true
fi
echo ok

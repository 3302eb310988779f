#!/usr/bin/env bash
# Installs Tandem on this host (idempotent): the binary, the users, the directories, the systemd units,
# a logrotate rule, an example config, and the HA key (generated once; copy it to the peer).
#
#   deploy/install.sh [--binary PATH] [--config lb-a.yaml] [--root DIR]
#
# --root DIR stages everything under DIR (no users are created, systemd is not touched): for packaging
# and for testing the installer itself.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
binary="$here/../.build/release/tandem"
config="$here/examples/lb-a.yaml"
root=""
while (($#)); do
    case $1 in
        --binary) binary=$2; shift 2 ;;
        --config) config=$2; shift 2 ;;
        --root) root=${2%/}; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ -x "$binary" ]] || { echo "install.sh: no tandem binary at $binary (build with: swift build -c release)" >&2; exit 1; }
[[ -f "$config" ]] || { echo "install.sh: no config at $config" >&2; exit 1; }
staged=false; [[ -n "$root" ]] && staged=true
[[ $staged == true || $(id -u) -eq 0 ]] || { echo "install.sh: run as root (or stage with --root DIR)" >&2; exit 1; }

say() { echo "install: $*"; }

if [[ $staged == false ]]; then
    getent group tandem >/dev/null || { groupadd --system tandem; say "group tandem created"; }
    id tandem >/dev/null 2>&1 || { useradd --system --gid tandem --home-dir /nonexistent --shell /usr/sbin/nologin tandem; say "user tandem created"; }
    id tandem-vip >/dev/null 2>&1 || { useradd --system --gid tandem --home-dir /nonexistent --shell /usr/sbin/nologin tandem-vip; say "user tandem-vip created"; }
fi
owner() { [[ $staged == true ]] || chown "$@"; }

install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system" "$root/etc/logrotate.d" \
    "$root/usr/local/share/doc/tandem"
install -d -m 0750 "$root/etc/tandem" "$root/var/log/tandem"
owner root:tandem "$root/etc/tandem"; owner tandem:tandem "$root/var/log/tandem"

install -m 0755 "$binary" "$root/usr/local/bin/tandem"
say "binary → $root/usr/local/bin/tandem"
install -m 0644 "$here/systemd/tandem.service" "$here/systemd/tandem-vip-helper.service" "$root/etc/systemd/system/"
install -m 0644 "$here/README.md" "$root/usr/local/share/doc/tandem/README.md"
say "units → $root/etc/systemd/system"

cat >"$root/etc/logrotate.d/tandem" <<'ROTATE'
/var/log/tandem/*.log {
    daily
    rotate 14
    compress
    delaycompress
    missingok
    notifempty
    postrotate
        systemctl kill --signal=HUP tandem.service >/dev/null 2>&1 || true
    endscript
}
ROTATE
# Earlier versions opened the ports below 1024 to every user by a sysctl; tandem.service's
# CAP_NET_BIND_SERVICE replaces it.
if [[ -f "$root/etc/sysctl.d/60-tandem.conf" ]]; then
    rm -f "$root/etc/sysctl.d/60-tandem.conf"
    say "removed $root/etc/sysctl.d/60-tandem.conf; its setting lasts until a reboot or"
    say "    sysctl -w net.ipv4.ip_unprivileged_port_start=1024"
fi

if [[ ! -f "$root/etc/tandem/tandem.yaml" ]]; then
    install -m 0640 "$config" "$root/etc/tandem/tandem.yaml"; owner root:tandem "$root/etc/tandem/tandem.yaml"
    say "example config → $root/etc/tandem/tandem.yaml (edit it)"
else
    say "keeping the existing $root/etc/tandem/tandem.yaml"
fi
if [[ ! -f "$root/etc/tandem/vip-helper.env" ]]; then
    vips=$(awk '/^ *vips:/ {v=1; next} v && /address:/ {a=$3} v && /interface:/ {printf "--allow %s@%s ", a, $2; v=1} /^[a-z]/ && !/^ha:/ {v=0}' "$config")
    echo "TANDEM_VIP_ALLOW=\"${vips% }\"" >"$root/etc/tandem/vip-helper.env"
fi

key="$root/etc/tandem/ha.key"
if [[ ! -f "$key" ]]; then
    (umask 077; printf '# Tandem heartbeat key: ID SECRET (hex). Both nodes need the same file.\n1 %s\n' \
        "$(openssl rand -hex 32)" >"$key")
    owner tandem:tandem "$key"; chmod 0600 "$key"
    say "HA key generated: $key — copy it to the peer with the same owner and mode, e.g."
    say "    scp -p $key PEER:/etc/tandem/ha.key && ssh PEER 'chown tandem:tandem /etc/tandem/ha.key; chmod 600 /etc/tandem/ha.key'"
else
    say "keeping the existing HA key $key"
fi

if [[ $staged == false ]]; then
    systemctl daemon-reload
    say "next: edit /etc/tandem/tandem.yaml, run 'tandem check --config /etc/tandem/tandem.yaml',"
    say "      then 'systemctl enable --now tandem-vip-helper tandem'"
else
    say "staged under $root"
fi

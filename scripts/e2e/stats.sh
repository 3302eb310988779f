#!/usr/bin/env bash
# The stats listener (issue 15, items 1 and 2) on a real pair in the lab: lb-a serves node.stats on
# 127.0.0.1:9100 inside its namespace; a client load goes through the VIP; then
# - `promtool check metrics` accepts what /metrics serves;
# - a real Prometheus server (Debian's package, started here on lb-a's loopback, scraping every second)
#   stores the node's metrics: HA state ACTIVE, requests counted, servers up, heartbeats received;
# - /status.json names the state, the VIP holder and the servers;
# - headless Chromium renders the status page (no script, no external asset): the DOM shows the state and
#   the backend, and a screenshot is kept at .build/status-page.png.
#
# Usage: stats.sh PATH/TO/tandem      (root; iproute2, python3, curl, prometheus, chromium)
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
tandem=$(readlink -f "$1")
tag="st$$"
source "$ROOT/scripts/lib/ha-pair.sh"
pair_require prometheus:prometheus promtool:prometheus chromium:chromium

make_lab
start_backend
write_config lb-a 150 11 12 100ms
write_config lb-b 100 12 11 100ms
sed -i '/^node:/a\  stats: { bind: "127.0.0.1:9100" }' "$dir/lb-a.yaml"
start_pair
in_a() { ip netns exec "$ns_a" "$@"; }
wait_until 5 in_a curl -sf -o /dev/null http://127.0.0.1:9100/metrics || fail "no /metrics on lb-a"

for _ in $(seq 1 50); do ip netns exec "$ns_cl" curl -s -o /dev/null -m 2 http://198.18.0.100/ || true; done

# --- the exposition format --------------------------------------------------------------------------------
in_a curl -s http://127.0.0.1:9100/metrics >"$dir/metrics.txt"
promtool check metrics <"$dir/metrics.txt" >"$dir/promtool.out" 2>&1 || { cat "$dir/promtool.out"; fail "promtool check metrics refused /metrics"; }
for name in tandem_frontend_requests_total tandem_frontend_responses_total tandem_frontend_request_duration_seconds_bucket \
    tandem_server_up tandem_server_in_flight_requests tandem_backend_queue_length tandem_ha_state \
    tandem_ha_heartbeats_received_total tandem_ha_heartbeat_rtt_seconds_bucket tandem_ha_vips_held; do
    grep -q "^$name" "$dir/metrics.txt" || fail "/metrics lacks $name"
done
echo "promtool check metrics: ok ($(grep -vc '^#' "$dir/metrics.txt") samples)"

# --- a real Prometheus scrapes it ----------------------------------------------------------------------------
cat >"$dir/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: tandem
    static_configs: [{ targets: ["127.0.0.1:9100"] }]
YAML
in_a prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
    --web.listen-address=127.0.0.1:9090 >"$dir/prometheus.log" 2>&1 &
prometheus_pid=$!
other_pids+=("$prometheus_pid")
query() {
    in_a curl -s --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
        python3 -c 'import json,sys
try: r=json.load(sys.stdin)["data"]["result"]
except Exception: r=[]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
has_value() { [[ $(query "$1") == "$2" ]]; }
wait_until 30 has_value 'tandem_ha_state{state="ACTIVE"}' 1 || fail "Prometheus does not see lb-a ACTIVE ($(tail -3 "$dir/prometheus.log"))"
wait_until 10 has_value 'sum(tandem_frontend_requests_total) >= bool 50' 1 || fail "Prometheus does not see the 50 requests ($(query 'sum(tandem_frontend_requests_total)'))"
has_value 'tandem_server_up{server="be1"}' 1 || fail "Prometheus does not see be1 up"
has_value 'tandem_ha_heartbeats_received_total > bool 0' 1 || fail "Prometheus sees no heartbeats"
echo "Prometheus: lb-a ACTIVE, $(query 'sum(tandem_frontend_requests_total)') requests, be1 up, $(query 'tandem_ha_heartbeats_received_total') heartbeats received"

# --- status.json and the page in a real browser ---------------------------------------------------------------
in_a curl -s http://127.0.0.1:9100/status.json >"$dir/status.json"
python3 - "$dir/status.json" <<'PY' || fail "status.json is not as expected"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["node"] == "lb-a" and s["ha"]["state"] == "ACTIVE", s["ha"]
assert s["ha"]["vips"][0]["holder"] == "lb-a", s["ha"]["vips"]
assert s["ha"]["peer"]["name"] == "lb-b" and s["ha"]["peer"]["state"] == "STANDBY"
assert s["backends"][0]["servers"][0]["health"] == "up"
assert s["transitions"] and s["transitions"][0]["to"] == "ACTIVE"
PY
browser() { in_a chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$dir/chromium" "$@" 2>>"$dir/chromium.log"; }
browser --dump-dom http://127.0.0.1:9100/ >"$dir/dom.html" || fail "chromium could not load the status page"
for text in "lb-a" "ACTIVE" "held by" "Backends" "be1" "STANDBY"; do
    grep -q "$text" "$dir/dom.html" || fail "the rendered page lacks '$text'"
done
browser --screenshot="$dir/status-page.png" --window-size=1200,1100 http://127.0.0.1:9100/ >/dev/null ||
    fail "chromium could not take a screenshot"
[[ $(stat -c %s "$dir/status-page.png") -gt 10000 ]] || fail "the screenshot is empty"
cp "$dir/status-page.png" "$ROOT/.build/status-page.png" 2>/dev/null || true
echo "status page: rendered by Chromium (state, VIP holder, backends); screenshot .build/status-page.png"
echo "ok ($(elapsed_ms) ms)"

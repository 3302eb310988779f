#!/usr/bin/env bash
# `tandem check` reports every error of a broken config with file, line and key, and exits 1;
# a good config gets a one-line summary and exit 0; usage errors exit 2.
set -uo pipefail
tandem=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$dir/broken.yaml" <<'YAML'
node:
  name: lb-a
frontends:
  - name: web
    bind: 127.0.0.1:8080
    backend: missing
    timeouts: { header: fast }
backends:
  - name: app
    servers:
      - { name: be1, address: 127.0.0.1:9001 }
      - { name: be2, address: 127.0.0.1:99999, weight: 0 }
    colour: blue
YAML
out=$("$tandem" check --config "$dir/broken.yaml" 2>&1); status=$?
echo "$out"
[[ $status -eq 1 ]] || fail "broken config: exit $status, want 1"
grep -q "broken.yaml:6: frontends\[0\].backend: " <<<"$out" || fail "missing backend not reported on line 6"
grep -q "broken.yaml:7: frontends\[0\].timeouts.header: " <<<"$out" || fail "bad duration not reported on line 7"
grep -q "broken.yaml:12: backends\[0\].servers\[1\].address: " <<<"$out" || fail "bad port not reported on line 12"
grep -q "broken.yaml:12: backends\[0\].servers\[1\].weight: " <<<"$out" || fail "bad weight not reported on line 12"
grep -q "broken.yaml:13: backends\[0\].colour: unknown key" <<<"$out" || fail "unknown key not reported on line 13"

cat >"$dir/good.yaml" <<'YAML'
node: { name: lb-a }
frontends: [{ name: web, bind: 127.0.0.1:8080, backend: app }]
backends: [{ name: app, servers: [{ name: be1, address: 127.0.0.1:9001 }] }]
YAML
out=$("$tandem" check --config "$dir/good.yaml" 2>&1); status=$?
echo "$out"
[[ $status -eq 0 ]] || fail "good config: exit $status, want 0"
[[ $(wc -l <<<"$out") -eq 1 ]] || fail "good config: want a one-line summary"

"$tandem" check --config "$dir/nope.yaml" >/dev/null 2>&1; status=$?
[[ $status -eq 1 ]] || fail "missing file: exit $status, want 1"
"$tandem" check >/dev/null 2>&1; status=$?
[[ $status -eq 2 ]] || fail "missing --config: exit $status, want 2"
"$tandem" run --config "$dir/broken.yaml" >/dev/null 2>&1; status=$?
[[ $status -eq 1 ]] || fail "run with a broken config: exit $status, want 1"
"$tandem" --help | grep -q "Example" || fail "--help has no example"
echo "ok"

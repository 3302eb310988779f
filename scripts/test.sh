#!/usr/bin/env bash
# Builds Tandem and runs every test: the Swift Testing suites (unit and integration over loopback)
# and the end-to-end checks of the command line. Installs what is missing on a fresh Debian machine.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_build_packages
# Every tool a check calls, so that a fresh machine passes too.
ensure_packages nginx:nginx-light tcpdump:tcpdump python3:python3 openssl:openssl ping:iputils-ping \
    ip:iproute2 curl:curl testssl:testssl.sh

log "building (debug, with tests)"
swift build --build-tests || die "build failed"

log "swift test"
swift_status=0
swift test --skip-build --no-parallel 2>&1 | tee .build/swift-test.log || swift_status=$?

log "end-to-end checks"
e2e_passed=0 e2e_failed=0
for check in "$ROOT"/scripts/e2e/*.sh; do
    name=$(basename "$check" .sh)
    if bash "$check" "$ROOT/.build/debug/tandem" >".build/e2e-$name.log" 2>&1; then
        echo "e2e $name: passed"; e2e_passed=$((e2e_passed + 1))
    else
        echo "e2e $name: FAILED"; sed 's/^/    /' ".build/e2e-$name.log"; e2e_failed=$((e2e_failed + 1))
    fi
done

swift_line=$(grep -E 'Test run with [0-9]+ tests?.* (passed|failed)' .build/swift-test.log | tail -1 || true)
echo "swift: ${swift_line:-no summary}"
echo "e2e: $e2e_passed passed, $e2e_failed failed"
swift_total=$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$swift_line")
swift_failed=$(sed -nE 's/.* ([0-9]+) issues?.*/\1/p' <<<"$swift_line")
if [[ $swift_status -eq 0 ]]; then swift_failed=0; else swift_failed=${swift_failed:-1}; fi
swift_total=${swift_total:-0}
echo "total: $((swift_total - swift_failed + e2e_passed)) passed, $((swift_failed + e2e_failed)) failed"
if [[ $swift_status -ne 0 || $e2e_failed -ne 0 ]]; then
    exit 1
fi

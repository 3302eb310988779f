#!/usr/bin/env bash
# A short fault soak (scripts/soak.sh for 60 s, about 75 s with the lab): random faults on a namespaced pair
# while the HA invariants are checked; the long runs are by hand (scripts/soak.sh --duration 2h).
# Usage: soak-short.sh PATH/TO/tandem      (root; installs what soak.sh needs)
set -uo pipefail
exec bash "$(dirname "$0")/../soak.sh" --duration 60s --tandem "$1"

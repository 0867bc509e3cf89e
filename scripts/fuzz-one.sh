#!/usr/bin/env bash
# Runs one fuzz target for $FUZZTIME (scripts/test.sh runs two at once).
#   scripts/fuzz-one.sh ./instance/engine FuzzParser
set -uo pipefail
pkg="$1"
target="$2"
fuzztime="${FUZZTIME:-10s}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "fuzz $pkg $target ($fuzztime)"
# Go 1.26's fuzz coordinator can report "context deadline exceeded" just as
# -fuzztime ends (golang/go#75804, fixed in Go 1.27): no input is at fault,
# and such a run is tried again (twice at most). A real finding writes
# "Failing input written to testdata/fuzz/..." and fails at once.
for try in 1 2 3; do
  if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$pkg" > "$log" 2>&1; then
    exit 0
  fi
  if [ "$try" != 3 ] && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
    echo "fuzz $pkg $target: the fuzzer timed out while minimizing; running it again"
    continue
  fi
  echo "fuzz $pkg $target FAILED:"
  cat "$log"
  exit 1
done

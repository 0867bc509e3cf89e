#!/usr/bin/env bash
# Runs every test of godot-mcp-router: formatting, vet, the whole suite with
# the race detector, then each fuzz target for a short while.
#   FUZZTIME=1m scripts/test.sh    # longer fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-10s}"

if [ ! -d ../shared/corpus ]; then
  echo "test.sh: the corpus of real Godot projects belongs at ../shared/corpus" >&2
  exit 1
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "test.sh: gofmt would change: $unformatted" >&2
  exit 1
fi

go vet ./...
go test -race -count=1 ./...
# The Godot 4 test double lives under testdata (./... skips it).
go test -race -count=1 ./instance/engine/testdata/fakegodot/
# The end-to-end suite once more with the router in the client's process
# (--standalone); the run above goes through relay and shared daemon.
GODOT_MCP_ROUTER_TEST_STANDALONE=1 go test -race -count=1 .

# Every Fuzz function, by package, each for $fuzztime.
# (Not the test double's own, under testdata: it is no parser of ours.)
grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '/testdata/' | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "fuzz $pkg $target ($fuzztime)"
    # Go 1.26's fuzz coordinator can report "context deadline exceeded" just
    # as -fuzztime ends (golang/go#75804, fixed in Go 1.27): no input is at
    # fault, and such a run is tried again (twice at most). A real finding
    # writes "Failing input written to testdata/fuzz/..." and fails at once.
    for try in 1 2 3; do
      if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$pkg" > /tmp/fuzz-$$.log 2>&1; then
        break
      fi
      if [ "$try" != 3 ] && grep -q 'context deadline exceeded' /tmp/fuzz-$$.log && ! grep -q 'Failing input written' /tmp/fuzz-$$.log; then
        echo "fuzz $pkg $target: the fuzzer timed out while minimizing; running it again"
        continue
      fi
      cat /tmp/fuzz-$$.log
      rm -f /tmp/fuzz-$$.log
      exit 1
    done
  done
done
rm -f /tmp/fuzz-$$.log
echo "all tests passed"

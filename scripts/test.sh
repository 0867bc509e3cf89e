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
# macOS is a target too: it must at least build (the tests run on Linux).
GOOS=darwin GOARCH=arm64 go vet ./...
go test -race -count=1 ./...
# The Godot 4 test double lives under testdata (./... skips it).
go test -race -count=1 ./instance/engine/testdata/fakegodot/
# The end-to-end suite once more with the router in the client's process
# (--standalone); the run above goes through relay and shared daemon.
GODOT_MCP_ROUTER_TEST_STANDALONE=1 go test -race -count=1 .

# Every Fuzz function, by package, each for $fuzztime, two at a time (most
# of a short run is building the fuzz binary, which overlaps then).
# (Not the test double's own, under testdata: it is no parser of ours.)
grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '/testdata/' | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "$pkg $target"
  done
done | FUZZTIME="$fuzztime" xargs -P 2 -n 2 scripts/fuzz-one.sh
echo "all tests passed"

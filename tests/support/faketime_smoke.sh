#!/usr/bin/env bash
# Smoke test on the real wall-clock path (no --now): the generator and the scorer run under
# libfaketime just before midnight UTC, the generator's output ends at the faked now, and the
# scorer accepts all of it. Not for sanitizer builds: ASan aborts under faketime's preload.
# Arguments: FRAUD_TRAIN FRAUD_SCORER FRAUDCTL REGISTRY
set -euo pipefail
train=$1 scorer=$2 fraudctl=$3 registry=$4
work=$(mktemp -d)
trap 'kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; rm -rf "$work"' EXIT
pid=
export TZ=UTC DONT_FAKE_MONOTONIC=1
fake="2026-11-29 23:59:30"

faketime -f "@$fake" "$train" generate --count 3000 --cards 300 --fraud-rate 0.02 \
  --hours-ago 30 --txns-per-card-per-day 6 > "$work/txns.jsonl" 2> "$work/generate.err"
count=$(wc -l < "$work/txns.jsonl")
latest=$(sed -n 's/.*"timestamp":"\([^"]*\)".*/\1/p' "$work/txns.jsonl" | sort | tail -n 1)
echo "generated $count transactions under faketime, the latest at $latest"
# The faked clock started at 23:59:30 and has run a few seconds since.
[[ "$latest" < "2026-11-30T00:00:30" ]] || { echo "FAIL: an event after the faked now"; exit 1; }
[ "$count" -gt 1000 ] || { echo "FAIL: only $count transactions"; exit 1; }
grep -q "reached now" "$work/generate.err" || { echo "FAIL: no word that it stopped at now"; exit 1; }

cp -r "$registry" "$work/registry"
# The library itself rather than the faketime wrapper, which forks: $! must be the scorer, so
# that the trap stops it. The multithreaded variant, as the scorer runs threads.
lib=$(find /usr/lib -name libfaketimeMT.so.1 | head -n 1)
[ -n "$lib" ] || { echo "FAIL: libfaketime is not installed"; exit 1; }
LD_PRELOAD=$lib FAKETIME="@$fake" "$scorer" --registry "$work/registry" --listen 127.0.0.1:0 \
  --metrics-listen 127.0.0.1:0 --ready-file "$work/ready.json" --drain-seconds 0 \
  > /dev/null 2> "$work/scorer.log" &
pid=$!
for _ in $(seq 600); do
  [ -s "$work/ready.json" ] && break
  kill -0 "$pid" 2> /dev/null || { cat "$work/scorer.log"; exit 1; }
  sleep 0.05
done
port=$(sed -n 's/.*"grpc_port":\([0-9]*\).*/\1/p' "$work/ready.json")
# fraudctl runs on the real clock: it only carries the transactions.
result=$("$fraudctl" score --endpoint "127.0.0.1:$port" --show flagged < "$work/txns.jsonl" | tail -n 1)
echo "$result"
[[ "$result" == "$count scored: "*"; 0 failed" ]] || { echo "FAIL: $result"; exit 1; }
echo "1 passed, 0 failed"

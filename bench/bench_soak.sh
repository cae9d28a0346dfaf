#!/usr/bin/env bash
# The soak: the local cluster with demo traffic (200 transactions a second), a replica restarted
# every 5 minutes and a canary every 6 (aborted after 3), and the console showing every page in
# turn, for MINUTES (default 30). Each minute: the scorers' RSS, descriptors and threads, the
# cluster's Score p99 and throughput, the console's RSS and longest event-loop stall. Writes
# build/soak/soak.csv and soak.png and prints a table of the minutes after warm-up against the
# last five (flat: ratios near 1).
#   bash bench/bench_soak.sh [MINUTES] [BUILD dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
build=${2:-build}
cmake --build "$build" --target bench_soak fraud-scorer fraud-loadgen fraud-train > /dev/null
[ -d "$build/test-registries/transaction" ] ||
  (cd "$build" && ctest -R '^registries$' > /dev/null)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$build"/bench/bench_soak --bin-dir "$build/scorer" --registry "$build/test-registries/transaction" \
  --minutes "$minutes" --out "$build/soak" --rules resources/prometheus/rules.yml

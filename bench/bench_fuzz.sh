#!/usr/bin/env bash
# Longer fuzzing than CI's 30 s a harness, with the figures to compare: for each harness,
# executions per second, and coverage (libFuzzer's edges, "cov", and features, "ft") of the
# seed corpus alone against the corpus after the run. The seeds are the baseline of the same
# run, so the ratio says how much the fuzzer found beyond what the seeds exercise.
#   bash bench/bench_fuzz.sh [SECONDS per harness, default 300] [harness ...]
# Harnesses run one at a time, so exec/s is one core's. New corpus entries stay in
# build-fuzz/bench-corpus/<harness>; a crash input in build-fuzz/bench-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
bash scripts/fuzz.sh --build-only > /dev/null
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for d in tests/fuzz/corpus/*/; do harnesses+=("$(basename "$d")"); done
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-22s %8s %10s %12s %12s %10s\n' harness seconds exec/s "cov seeds" "cov after" "corpus"
for h in "${harnesses[@]}"; do
  corpus=build-fuzz/bench-corpus/$h
  mkdir -p "$corpus" build-fuzz/bench-artifacts
  cp -n tests/fuzz/corpus/"$h"/* "$corpus"/
  log=build-fuzz/bench-$h.log
  status=ok
  build-fuzz/tests/fuzz/fuzz_"$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix=build-fuzz/bench-artifacts/"$h"- "$corpus" \
    > "$log" 2>&1 || status="CRASH (see $log)"
  seeds=$(grep -m1 'INITED cov:' "$log" | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/\1\/\2/')
  after=$(grep -E '(DONE|pulse|NEW|REDUCE) +cov:' "$log" | tail -1 |
    sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1\/\2 \3/')
  rate=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  printf '%-22s %8s %10s %12s %12s %10s %s\n' "$h" "$seconds" "${rate:-?}" "$seeds" \
    "${after% *}" "${after#* }" "$([ "$status" = ok ] || echo "$status")"
done
echo "(cov/ft: libFuzzer's covered edges / features; corpus: inputs kept)"

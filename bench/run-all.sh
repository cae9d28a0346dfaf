#!/usr/bin/env bash
# Builds and runs every benchmark, and records the results at the top of the runs in
# docs/benchmarks.md, with the machine and the commit; earlier runs stay below for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build > /dev/null

out=$(mktemp)
trap 'rm -f "$out"' EXIT
cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -n 1)
{
  echo "### $(date -u +%Y-%m-%d) — commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr)."
  echo
  echo "#### Model evaluation and explanation (bench_model_evaluation)"
  echo
  build/bench/bench_model_evaluation
  echo
  echo "#### The release gates' per-card flags (bench_card_flags)"
  echo
  build/bench/bench_card_flags
  echo
  echo "#### The scoring service under load (bench_scoring_service.sh)"
  echo
  bash bench/bench_scoring_service.sh
  echo
  echo "#### Card history: in-process against Redis (bench_card_history.sh)"
  echo
  bash bench/bench_card_history.sh
  echo
  echo "#### The console (bench_console, offscreen)"
  echo
  build/bench/bench_console --bin-dir build/scorer --registry "${FRAUDOPS_BENCH_REGISTRY:-var/registry}"
  echo
  echo "#### Rollout convergence (bench_rollout_convergence.sh)"
  echo
  bash bench/bench_rollout_convergence.sh
  echo
  echo "#### The scorer in its container (bench_container_overhead.sh)"
  echo
  if [ "$(id -u)" -eq 0 ] && command -v podman > /dev/null &&
     podman image exists localhost/fraudops/scorer:0.1.0 2> /dev/null; then
    bash bench/bench_container_overhead.sh
  else
    echo "Not run: needs root, podman and the image (ctest -R tst_scorer_image builds it)."
  fi
  echo
} > "$out"
cat "$out"

doc=docs/benchmarks.md
marker='<!-- runs: newest first; bench/run-all.sh inserts here -->'
if ! grep -qF "$marker" "$doc"; then
  echo "$doc has no runs marker" >&2
  exit 1
fi
# Insert the new run right after the marker.
awk -v marker="$marker" -v file="$out" '
  { print }
  $0 == marker { print ""; while ((getline line < file) > 0) print line }
' "$doc" > "$doc.new"
mv "$doc.new" "$doc"
echo "recorded in $doc"

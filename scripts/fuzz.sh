#!/usr/bin/env bash
# Builds the fuzz harnesses (tests/fuzz/) with clang's libFuzzer, ASan and UBSan, and fuzzes
# each for SECONDS (30 by default), two at a time. Only the harnesses and what they link are
# built. scripts/test.sh runs it as its third pass; run it alone to fuzz longer:
#   bash scripts/fuzz.sh 600
#   bash scripts/fuzz.sh --build-only
# A crash fails the run and says where its input is: fix the bug, then copy the input to
# tests/fuzz/crashes/<harness>/, where every build replays it (fuzz_replay_<harness>).
# bench/bench_fuzz.sh runs longer and reports executions per second and coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
build_only=false
if [ "$seconds" = --build-only ]; then build_only=true; seconds=30; fi
dir=build-fuzz
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
mkdir -p "$dir"
echo "== $dir: configure and build the fuzz harnesses (clang, libFuzzer, ASan, UBSan)"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFRAUDOPS_FUZZ=ON -DFRAUDOPS_BUILD_BENCH=OFF -DFRAUDOPS_FUZZ_SECONDS="$seconds" \
  > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" --target fuzzers -j "$(nproc)"
$build_only && exit 0
echo "== $dir: fuzz each harness for $seconds s"
(cd "$dir" && ctest --output-on-failure -j "$(nproc)" -L fuzz)

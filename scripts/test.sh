#!/usr/bin/env bash
# Runs every test in the regular (Release) build, then again, less the tests labelled slow
# (the README's first command, container and package builds, long fault injection), in a build
# with AddressSanitizer and UndefinedBehaviorSanitizer, then fuzzes each fuzz harness for 30 s
# in a clang build of the harnesses alone (scripts/fuzz.sh). Installs what it needs first; a
# second run is incremental.
#
# The regular tests mostly wait (on local clusters, Prometheus's scrapes, rollout steps), so
# while they run, the sanitizer and fuzz builds compile at idle priority (SCHED_IDLE, idle I/O):
# they get only the CPU the tests leave, and a cold run (CI's) saves most of their build time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --tests
jobs=$(nproc)
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
mkdir -p .cache

configure() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cmake -S . -B "$dir" -G Ninja "$@" > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
}

run_tests() {
  local dir=$1
  shift
  echo "== $dir: test"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900 "$@")
}

echo "== build: configure and build"
configure build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"

# Benchmarks are not built in the sanitizer build (sanitizers make their figures meaningless),
# nor the slow tests, which it does not run.
configure build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRAUDOPS_SANITIZE=ON \
  -DFRAUDOPS_BUILD_BENCH=OFF -DFRAUDOPS_BUILD_SLOW_TESTS=OFF
echo "== build-asan and build-fuzz: building at idle priority beside the regular tests" \
  "(log: build-asan/background-build.log)"
setsid chrt --idle 0 ionice -c 3 -t bash -c \
  "cmake --build build-asan -j $jobs && bash scripts/fuzz.sh --build-only" \
  > build-asan/background-build.log 2>&1 &
background=$!
# A failing regular test must not leave the background build behind (setsid: its own group).
trap 'kill -- -$background 2> /dev/null || true' EXIT

# Tests labelled `quiet` judge latency (a healthy cluster raises no latency alert; admitted p99
# under overload against the unloaded one): they run once the compilers are done. On two
# hyperthreads an idle-priority compiler still shares the core (a healthy cluster's
# FraudScorerLatencyBudgetErosion went pending beside it).
run_tests build -LE quiet

echo "== build-asan and build-fuzz: waiting for the background build"
if ! wait "$background"; then
  tail -n 60 build-asan/background-build.log
  echo "test.sh: the sanitizer or fuzz build failed (whole log: build-asan/background-build.log)" >&2
  exit 1
fi
trap - EXIT
run_tests build -L quiet
cmake --build build-asan -j "$jobs" # nothing left to do, unless the sources changed meanwhile
run_tests build-asan -LE slow

# The fuzz harnesses' corpora and crash inputs were replayed in both builds above
# (fuzz_replay_*); this fuzzes them, with clang's libFuzzer.
bash scripts/fuzz.sh 30

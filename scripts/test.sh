#!/usr/bin/env bash
# Runs every test in the regular (Release) build, then again, less the tests labelled slow
# (the README's first command, container and package builds, long fault injection), in a build
# with AddressSanitizer and UndefinedBehaviorSanitizer, then fuzzes each fuzz harness for 30 s
# in a clang build of the harnesses alone (scripts/fuzz.sh). Installs what it needs first; a
# second run is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --tests
jobs=$(nproc)
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}

run_tests() {
  mkdir -p "$1"
  local dir=$1 ctest_args=$2
  shift 2
  echo "== $dir: configure and build"
  cmake -S . -B "$dir" -G Ninja "$@" > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
  cmake --build "$dir" -j "$jobs"
  echo "== $dir: test"
  # shellcheck disable=SC2086
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900 $ctest_args)
}

mkdir -p .cache
run_tests build "" -DCMAKE_BUILD_TYPE=Release
# Benchmarks are not built here: sanitizers make their figures meaningless.
run_tests build-asan "-LE slow" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRAUDOPS_SANITIZE=ON \
  -DFRAUDOPS_BUILD_BENCH=OFF

# The fuzz harnesses' corpora and crash inputs were replayed in both builds above
# (fuzz_replay_*); this fuzzes them, with clang's libFuzzer.
bash scripts/fuzz.sh 30

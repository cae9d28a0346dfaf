#!/usr/bin/env bash
# tst_registry_kill at length: KILLS writers (default 2000) killed at random in the middle of
# registry writes of every kind, every invariant checked after each kill (see the test's
# header). Prints the kills, the writes acknowledged and kept, the races refused, and the time.
#   bash bench/bench_registry_kill.sh [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-2000}
cmake --build build --target tst_registry_kill registry_writer fraud-scorer > /dev/null
cd build
start=$(date +%s)
QTEST_FUNCTION_TIMEOUT=86400000 FRAUDOPS_KILLS=$kills FRAUDOPS_TEST_REGISTRIES=$PWD/test-registries \
  FRAUDOPS_SCORER=$PWD/scorer/fraud-scorer ./tests/tst_registry_kill 2>&1 |
  grep -E 'QINFO|FAIL|Totals'
echo "elapsed: $(($(date +%s) - start)) s"

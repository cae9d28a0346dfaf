#!/usr/bin/env bash
# The layer test can fail: a copy of the sources with one violation of each rule planted, in
# the includes and in the target graph, must be refused, each violation named.
# Arguments: SOURCE_DIR QTCORE_INCLUDE_DIRS CMAKE
set -euo pipefail
src=$1 qt=$2 cmake=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy=$work/fraudops
mkdir -p "$copy"
# Tracked files and new ones not ignored (a change being written is checked too).
git -C "$src" ls-files -z --cached --others --exclude-standard |
  (cd "$src" && xargs -0 cp --parents -t "$copy" 2>/dev/null || true)

plant_first_line() {  # FILE LINE
  printf '%s\n' "$2" | cat - "$copy/$1" > "$work/planted" && mv "$work/planted" "$copy/$1"
}
plant_first_line scorer/src/registry/RolloutState.cpp '#include <QString>'
plant_first_line common/src/common/Time.cpp '#include <QDateTime>'
plant_first_line common/src/common/FileIo.cpp '#include "registry/ModelRegistry.h"'
plant_first_line backend/prometheus/QueryStep.cpp '#include <QWidget>'
plant_first_line widgets/charts/SeriesDecimation.cpp '#include "prometheus/PrometheusClient.h"'
plant_first_line app/console/cluster/ClusterPage.cpp '#include <QThreadPool>'
echo 'static const char* kPlanted = "sum(rate(fraud_scorer_requests_total[1m]))";' \
  >> "$copy/app/console/overview/OverviewPage.cpp"
echo 'target_link_libraries(fraudops_widgets PUBLIC fraudops_backend)' >> "$copy/widgets/CMakeLists.txt"
printf 'find_package(Qt6 REQUIRED COMPONENTS Core)\ntarget_link_libraries(fraud_core PUBLIC Qt6::Core)\n' \
  >> "$copy/scorer/CMakeLists.txt"

set +e
python3 "$src/scripts/check-layers.py" "$copy" --qt-include "$qt" --cmake "$cmake" --keep "$work/out" \
  > "$work/report.txt" 2>&1
rc=$?
set -e
cat "$work/report.txt"
[ "$rc" -eq 1 ] || { echo "FAIL: the checker exited $rc on planted violations, not 1"; exit 1; }
failed=0
for expected in \
  'scorer/src/registry/RolloutState.cpp:1: scorer/ includes Qt (QString)' \
  'common/src/common/Time.cpp:1: common/ includes Qt (QDateTime)' \
  'common/src/common/FileIo.cpp:1: common/ includes a side that uses it (registry/ModelRegistry.h)' \
  'backend/prometheus/QueryStep.cpp:1: backend/ includes QtWidgets (QWidget)' \
  'widgets/charts/SeriesDecimation.cpp:1: widgets/ includes backend/ (prometheus/PrometheusClient.h)' \
  'app/console/cluster/ClusterPage.cpp:1: the console'"'"'s pages run no threads' \
  'app/console/overview/OverviewPage.cpp:[0-9]*: PromQL belongs in' \
  'target fraud_core (scorer or common) depends on .*Qt6::Core' \
  'target fraudops_widgets depends on .*fraudops_backend'; do
  if ! grep -q -e "layer violation: $expected" "$work/report.txt"; then
    echo "FAIL: not reported: $expected"
    failed=1
  fi
done
[ "$failed" -eq 0 ] && echo "every planted violation was reported"
exit "$failed"

#!/usr/bin/env bash
# The repository stands alone: its tracked files, copied into an empty directory with no
# siblings, configure, and the test registries train there from the copy's own data (with the
# fraud-train already built). Nothing tracked refers to a path outside the repository.
# Arguments: SOURCE_DIR FRAUD_TRAIN
set -euo pipefail
src=$1 train=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy=$work/lonely/fraudops
mkdir -p "$copy"

git -C "$src" ls-files -z | (cd "$src" && xargs -0 cp --parents -t "$copy")
echo "copied $(git -C "$src" ls-files | wc -l) tracked files into $copy"
[ "$(ls "$work/lonely")" = fraudops ] || { echo "FAIL: the copy has siblings"; exit 1; }

if outside=$(cd "$copy" && grep -rIl --exclude-dir=.git -e '\.\./shared' .); then
  echo "FAIL: these refer outside the repository: $outside"
  exit 1
fi

cmake -S "$copy" -B "$copy/build" -G Ninja -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; echo "FAIL: the copy does not configure"; exit 1; }
echo "the copy configures"

cmake -DTRAIN="$train" -DOUT="$copy/build/test-registries" \
  -DCSV="$copy/resources/data/ulb_creditcard_sample.csv" \
  -P "$copy/tests/support/train_registries.cmake" > "$work/train.log" 2>&1 \
  || { cat "$work/train.log"; echo "FAIL: the test registries do not train in the copy"; exit 1; }
for r in transaction ulb; do
  [ -f "$copy/build/test-registries/$r/rollout.json" ] || { echo "FAIL: no $r registry"; exit 1; }
done
echo "the test registries train in the copy"
echo "1 passed, 0 failed"

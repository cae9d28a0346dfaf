#!/usr/bin/env bash
# The main job: install what is missing, build, train two model versions into a local
# registry (once), start a scorer on it, score and explain a few transactions, try a shadow
# canary, then open the console on its embedded local cluster (two replicas, Prometheus,
# demo traffic; it trains its own registry the first time). Without a display it writes
# screenshots of the console's pages instead. A second run reuses the build and registries.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

# Where it builds and where it keeps its registries, tokens and pictures; the test of this
# script points both at temporary places and skips the install and build steps
# (FRAUDOPS_SKIP_DEPS=1, FRAUDOPS_SKIP_BUILD=1) to run on binaries already built.
build=$(realpath -m "${FRAUDOPS_BUILD_DIR:-build}")
work=$(realpath -m "${FRAUDOPS_WORK_DIR:-var}")

# Every step says what it is; if one fails, the script says which and why, and stops.
current_step="starting"
step() { current_step=$1; }
trap 'rc=$?; echo "run.sh: the step \"$current_step\" failed (exit $rc)" >&2; exit $rc' ERR

step "installing the Debian packages"
[ "${FRAUDOPS_SKIP_DEPS:-}" = 1 ] || bash scripts/install-deps.sh
if [ "${FRAUDOPS_SKIP_BUILD:-}" != 1 ]; then
  step "configuring and building in $build"
  export CCACHE_DIR=${CCACHE_DIR:-$src/.cache/ccache}
  mkdir -p "$src/.cache"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$build" -j "$(nproc)"
fi
mkdir -p "$work"

registry=${FRAUDOPS_REGISTRY:-$work/registry}
if [ ! -f "$registry/rollout.json" ]; then
  step "training v1 and v2"
  echo "== training v1 (stable) and v2 (trained on shifted traffic) into $registry"
  "$build/scorer/fraud-train" synthetic --registry "$registry" --seed 1
  "$build/scorer/fraud-train" synthetic --registry "$registry" --seed 2 --amount-scale 1.3 \
    --category-shift 0.05 --set-stable no
fi

# A local admin token (made once): the Control API needs one for changes. The tokens file holds
# only its sha256.
step "making the local admin token"
if [ ! -f "$work/admin-token" ]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$work/admin-token")
  printf '{"tokens":[{"sha256":"%s","identity":"local-admin","role":"admin"}]}\n' \
    "$(tr -d '\n' < "$work/admin-token" | sha256sum | cut -d' ' -f1)" > "$work/tokens.json"
fi
# The scorer refuses a tokens file its group or others may write (whoever writes it is admin).
chmod go-w "$work/tokens.json"
export FRAUDOPS_TOKEN=$(cat "$work/admin-token")

step "starting a scorer"
run_dir=$(mktemp -d)
"$build/scorer/fraud-scorer" --registry "$registry" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
  --tokens-file "$work/tokens.json" --ready-file "$run_dir/ready.json" --drain-seconds 0 \
  > /dev/null 2> "$run_dir/scorer.log" &
scorer=$!
trap 'kill "$scorer" 2> /dev/null || true; wait "$scorer" 2> /dev/null || true; rm -rf "$run_dir"' EXIT

# The scorer writes its ports to the ready file once it serves (at most 30 s).
for _ in $(seq 300); do
  [ -s "$run_dir/ready.json" ] && break
  if ! kill -0 "$scorer" 2> /dev/null; then
    cat "$run_dir/scorer.log" >&2
    exit 1
  fi
  sleep 0.1
done
[ -s "$run_dir/ready.json" ] || { echo "the scorer did not start" >&2; cat "$run_dir/scorer.log" >&2; exit 1; }
grpc_port=$(sed -n 's/.*"grpc_port":\([0-9]*\).*/\1/p' "$run_dir/ready.json")
metrics_port=$(sed -n 's/.*"metrics_port":\([0-9]*\).*/\1/p' "$run_dir/ready.json")
version=$(sed -n 's/.*"model_version":"\([^"]*\)".*/\1/p' "$run_dir/ready.json")

echo "== fraud-scorer serves $version on 127.0.0.1:$grpc_port (metrics: http://127.0.0.1:$metrics_port/metrics)"
echo "== scoring 2,000 synthetic transactions of 300 cards (2 % fraud); the flagged ones, explained:"
# The cards' day before goes first, as warm-up (card histories only, not scored for the record),
# so they are not brand new; then 2,000 of the next 48 hours (~3,600 at 300 cards and 6 a
# day, so 2,000 fit at any hour). The generator never goes past now.
step "scoring 2,000 transactions"
"$build/scorer/fraud-train" generate --count 2000 --cards 300 --fraud-rate 0.02 --hours-ago 48 \
  --history-hours 24 --txns-per-card-per-day 6 \
  | "$build/app/fraudctl" score --endpoint "127.0.0.1:$grpc_port" --explain --top 4 --show flagged

endpoint="127.0.0.1:$grpc_port"
echo
echo "== the registry (fraudctl models):"
step "listing the models"
"$build/app/fraudctl" models --endpoint "$endpoint"
echo "== v2 as a shadow canary for 20 % of cards: both score, v1 decides"
step "starting a shadow canary"
"$build/app/fraudctl" canary --endpoint "$endpoint" --version v2 --weight 20 --mode shadow \
  --reason "run.sh: compare v2 with v1 on live traffic"
step "waiting for the scorer to serve the canary"
for _ in $(seq 300); do
  "$build/app/fraudctl" status --endpoint "$endpoint" | grep -q "canary v2.*(converged)" && break
  sleep 0.1
done
"$build/app/fraudctl" status --endpoint "$endpoint" | grep -q "canary v2.*(converged)"
step "scoring 2,000 more with the shadow canary"
"$build/scorer/fraud-train" generate --count 2000 --cards 300 --fraud-rate 0.02 --hours-ago 48 \
  --txns-per-card-per-day 6 --seed 8 \
  | "$build/app/fraudctl" score --endpoint "$endpoint" --show flagged > /dev/null
flips=$(curl -s "http://127.0.0.1:$metrics_port/metrics" \
  | awk '/^fraud_scorer_shadow_decision_flips_total/ {s += $NF} END {print s + 0}')
shadowed=$(curl -s "http://127.0.0.1:$metrics_port/metrics" \
  | awk '/^fraud_scorer_decisions_total.*variant="shadow"/ {s += $NF} END {print s + 0}')
echo "   v2 scored $shadowed transactions in the shadow and would have decided $flips of them differently"
step "aborting the canary"
"$build/app/fraudctl" abort --endpoint "$endpoint" --reason "run.sh: end of the comparison" > /dev/null
echo "== the audit log (fraudctl audit --limit 3):"
step "reading the audit log"
"$build/app/fraudctl" audit --endpoint "$endpoint" --limit 3

kill "$scorer" 2> /dev/null || true
wait "$scorer" 2> /dev/null || true
echo
# The local cluster's scorers take the same tokens file, and the console the admin token
# ($FRAUDOPS_TOKEN), so its Release page can act.
console=("$build/app/fraudops-console" --local --registry "$work/local-registry"
  --work-dir "$work/local-cluster" --tokens-file "$work/tokens.json")
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "== opening the console on a local cluster (2 replicas, Prometheus, demo traffic)"
  step "running the console"
  "${console[@]}"
else
  echo "== no display: the console runs offscreen on a local cluster and pictures its pages"
  step "picturing the console's pages"
  QT_QPA_PLATFORM=offscreen "${console[@]}" --screenshot-settle "${FRAUDOPS_SCREENSHOT_SETTLE:-30}" \
    --screenshot-dir "$work/screenshots" 2> "$work/console.log" \
    || { tail -n 20 "$work/console.log" >&2; false; }
  for page in Overview Cluster Decisions Drift Release Alerts; do
    echo "   $work/screenshots/$page.png"
  done
fi

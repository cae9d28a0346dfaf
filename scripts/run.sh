#!/usr/bin/env bash
# The main job: install what is missing, build, train two model versions into a local
# registry (once), start a scorer on it, and score and explain a few transactions.
# A second run reuses the build and the registry.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
mkdir -p .cache
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j "$(nproc)"

registry=${FRAUDOPS_REGISTRY:-var/registry}
if [ ! -f "$registry/rollout.json" ]; then
  echo "== training v1 (stable) and v2 (trained on shifted traffic) into $registry"
  build/scorer/fraud-train synthetic --registry "$registry" --seed 1
  build/scorer/fraud-train synthetic --registry "$registry" --seed 2 --amount-scale 1.3 \
    --category-shift 0.05 --set-stable no
fi

run_dir=$(mktemp -d)
build/scorer/fraud-scorer --registry "$registry" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
  --ready-file "$run_dir/ready.json" --drain-seconds 0 > /dev/null 2> "$run_dir/scorer.log" &
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
build/scorer/fraud-train generate --count 2000 --cards 300 --fraud-rate 0.02 --hours-ago 30 \
  --txns-per-card-per-day 6 \
  | build/app/fraudctl score --endpoint "127.0.0.1:$grpc_port" --explain --top 4 --show flagged

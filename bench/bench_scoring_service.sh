#!/usr/bin/env bash
# Scorer throughput and latency under fraud-loadgen, memory per card, and the named baseline:
# the usual Python service (FastAPI on uvicorn, 2 workers, one-row DataFrame, XGBoost predict)
# serving the same model under the same closed-loop load (32 in flight), driven by wrk.
# Everything shares the machine's cores with its load generator. Prints Markdown.
# Needs: python3-fastapi python3-uvicorn python3-pandas python3-xgboost wrk (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
seconds=${SECONDS_PER_RUN:-10}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
py=/usr/bin/python3  # Debian's, which has python3-xgboost (a pyenv python may be first on PATH)

# The baseline's own packages, installed here rather than by the README's commands: only
# this benchmark needs them.
missing=()
for p in python3-fastapi python3-uvicorn python3-pandas python3-xgboost wrk curl; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

"$build/scorer/fraud-train" synthetic --registry "$work/registry" > /dev/null 2>&1
model="$work/registry/models/v1/model.json"

start_scorer() {
  "$build/scorer/fraud-scorer" --registry "$work/registry" --listen 127.0.0.1:0 \
    --metrics-listen 127.0.0.1:0 --drain-seconds 0 --max-event-age 864000 \
    --ready-file "$work/ready.json" > /dev/null 2> "$work/scorer.log" &
  pids+=($!)
  for _ in $(seq 300); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
  grpc=$(sed -n 's/.*"grpc_port":\([0-9]*\).*/\1/p' "$work/ready.json")
  metrics=$(sed -n 's/.*"metrics_port":\([0-9]*\).*/\1/p' "$work/ready.json")
  rm -f "$work/ready.json"
}
stop_scorer() { kill "${pids[-1]}"; wait "${pids[-1]}" 2> /dev/null || true; unset 'pids[-1]'; }
metric() { $py -c "import sys,urllib.request as u;print(next(l.split()[1] for l in u.urlopen('http://127.0.0.1:$metrics/metrics').read().decode().splitlines() if l.startswith('$1 ')))"; }
loadgen() { "$build/scorer/fraud-loadgen" --target "127.0.0.1:$grpc" --json --quiet "$@"; }
# field JSON PATH: a value of the JSON, e.g. field "$closed" "['measured']['latency_ms']['p99']"
field() { echo "$1" | $py -c 'import json,sys;d=json.load(sys.stdin);v=eval("d" + sys.argv[1]);print(f"{v:.3f}" if isinstance(v, float) else v)' "$2"; }
errors() { echo "$1" | $py -c 'import json,sys;d=json.load(sys.stdin);print(sum(v for k, v in d["measured"]["codes"].items() if k != "OK"))'; }

start_scorer
closed=$(loadgen --warmup 2 --duration "$seconds" --concurrency 32)
open=$(loadgen --warmup 2 --duration "$seconds" --mode open --rate 5000)
# A million cards, so that ~250,000 transactions a second stay within the population's pace:
# the simulated clock must not pass the wall clock.
stream=$(loadgen --warmup 1 --duration "$seconds" --api stream --concurrency 4 --batch 500 --cards 1000000)
# Every score explained: batches go through the batched explainer, single calls through the
# one-row walk.
explained=$(loadgen --warmup 1 --duration "$seconds" --api stream --concurrency 2 --batch 64 --explain)
explained_unary=$(loadgen --warmup 1 --duration "$seconds" --concurrency 4 --explain)
stop_scorer

# Memory per active card: a 1.1-million-card population through a fresh scorer, until it
# holds its limit of a million cards.
start_scorer
rss_idle=$(metric process_resident_memory_bytes)
loadgen --warmup 0 --requests 4000000 --api stream --concurrency 4 --batch 1000 --cards 1100000 > /dev/null
rss_full=$(metric process_resident_memory_bytes)
cards=$(metric fraud_scorer_cards_tracked)
stop_scorer

# The baseline: the same model's features, as JSON, to the Python service.
$py - "$work/registry/eval/transaction_v1.csv" > "$work/requests.jsonl" << 'PY'
import csv, json, math, sys
rows = csv.DictReader(open(sys.argv[1]))
for i, row in enumerate(rows):
    if i == 5000: break
    features = {k: float(v) for k, v in row.items() if k not in ("label", "weight") and v != ""}
    print(json.dumps({"transaction_id": f"t-{i}", "features": features}))
PY
port=$($py -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
(cd bench/python-baseline && FRAUD_MODEL="$model" exec $py -m uvicorn service:app --workers 2 \
  --host 127.0.0.1 --port "$port" --log-level warning) &
pids+=($!)
for _ in $(seq 600); do
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "$(head -n 1 "$work/requests.jsonl")" "http://127.0.0.1:$port/score" && break
  sleep 0.1
done
FRAUD_REQUESTS="$work/requests.jsonl" wrk -t2 -c32 -d2s -s bench/python-baseline/post.lua "http://127.0.0.1:$port" > /dev/null
baseline=$(FRAUD_REQUESTS="$work/requests.jsonl" wrk -t2 -c32 -d"${seconds}s" --latency \
  -s bench/python-baseline/post.lua "http://127.0.0.1:$port")
py_rps=$(echo "$baseline" | sed -n 's/^Requests\/sec:\s*\([0-9.]*\).*/\1/p')
py_p50=$(echo "$baseline" | awk '$1 == "50%" {print $2}')
py_p99=$(echo "$baseline" | awk '$1 == "99%" {print $2}')
py_errors=$(echo "$baseline" | sed -n 's/.*Non-2xx or 3xx responses: \([0-9]*\).*/\1/p')

ms() { field "$1" "$2"; }
c_rps=$(ms "$closed" "['measured']['throughput_per_second']")
s_rps=$(ms "$stream" "['measured']['throughput_per_second']")
ratio=$($py -c "print(f'{$c_rps / $py_rps:.0f}')")
cat << MD
Load generator and servers share the 2 cores. Scorer: the registry's v1 (300 trees, depth 6,
transaction schema: features computed per request from card history). Baseline: the same
model's feature vectors as JSON to FastAPI + uvicorn (2 workers), one-row DataFrame then
\`Booster.predict\`, driven by wrk with 32 connections. ${seconds} s measured after a warm-up.

| run | throughput | p50 | p99 | p99.9 | errors | vs baseline |
|---|---:|---:|---:|---:|---:|---:|
| **baseline**: Python FastAPI service, closed loop, 32 in flight | $(printf %.0f "$py_rps")/s | $py_p50 | $py_p99 | | ${py_errors:-0} | 1x |
| fraud-scorer, unary \`Score\`, closed loop, 32 in flight | $(printf %.0f "$c_rps")/s | $(ms "$closed" "['measured']['latency_ms']['p50']") ms | $(ms "$closed" "['measured']['latency_ms']['p99']") ms | $(ms "$closed" "['measured']['latency_ms']['p99.9']") ms | $(errors "$closed") | ${ratio}x |
| fraud-scorer, unary, open loop at 5,000/s | $(printf %.0f "$(ms "$open" "['measured']['throughput_per_second']")")/s | $(ms "$open" "['measured']['latency_ms']['p50']") ms | $(ms "$open" "['measured']['latency_ms']['p99']") ms | $(ms "$open" "['measured']['latency_ms']['p99.9']") ms | $(errors "$open") | |
| fraud-scorer, \`ScoreStream\`, 4 streams × 500 a batch | $(printf %.0f "$s_rps")/s | $(ms "$stream" "['measured']['latency_ms']['p50']") ms | $(ms "$stream" "['measured']['latency_ms']['p99']") ms | | $(errors "$stream") | $($py -c "print(f'{$s_rps / $py_rps:.0f}')")x |
| fraud-scorer, \`ScoreStream\` with explanations, 2 streams × 64 a batch | $(printf %.0f "$(ms "$explained" "['measured']['throughput_per_second']")")/s | $(ms "$explained" "['measured']['latency_ms']['p50']") ms | $(ms "$explained" "['measured']['latency_ms']['p99']") ms | | $(errors "$explained") | |
| fraud-scorer, unary \`Score\` with explanations, closed loop, 4 in flight | $(printf %.0f "$(ms "$explained_unary" "['measured']['throughput_per_second']")")/s | $(ms "$explained_unary" "['measured']['latency_ms']['p50']") ms | $(ms "$explained_unary" "['measured']['latency_ms']['p99']") ms | | $(errors "$explained_unary") | |

Memory: $(printf %.0f "$cards") cards tracked after 4,000,000 transactions of a 1,100,000-card
population: resident memory $($py -c "print(f'{$rss_idle/1e6:.0f} MB idle, {$rss_full/1e6:.0f} MB after, {($rss_full-$rss_idle)/$cards:.0f} bytes per card')").
MD

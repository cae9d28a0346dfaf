#!/usr/bin/env bash
# The overload curve: offered load against goodput and the admitted calls' p99, with
# admission control and without it (the baseline, in the same run). The scorer is pinned to
# one CPU with one scoring worker, fraud-loadgen to another, open loop; the calls are
# explanations of an 800-tree model (trained here), expensive enough for one client core to
# offer five times one scorer core's capacity. Capacity and the unloaded p99 are measured
# first; every load is a multiple of that capacity, so the figures compare across machines.
#   bash bench/bench_overload.sh [SECONDS per point, default 8] [BUILD dir, default build]
# NICENESS=0 runs the admission-controlled scorer without --worker-niceness (default 10: the
# scorer has its CPU to itself, as in a pod).
# Needs two CPUs and the Release build (scripts/run.sh or scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
build=$(realpath "${2:-build}")
cpus=$(taskset -pc $$ | sed 's/.*: //')
scorer_cpu=$(python3 -c "import os; c=sorted(os.sched_getaffinity(0)); print(c[0])")
load_cpu=$(python3 -c "import os; c=sorted(os.sched_getaffinity(0)); print(c[1] if len(c) > 1 else '')")
[ -n "$load_cpu" ] || { echo "needs two CPUs (this process may use: $cpus)" >&2; exit 1; }
work=$(mktemp -d)
cleanup() {
  for f in "$work"/*.ready; do [ -e "$f" ] && kill -9 "$(ready_field "$f" pid)" 2>/dev/null; done
  rm -rf "$work"
}
ready_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
trap cleanup EXIT

"$build"/scorer/fraud-train synthetic --registry "$work/registry" --seed 3 --transactions 150000 \
  --cards 10000 --rounds 800 --max-depth 10 --threads 2 > /dev/null 2>&1

# start_scorer NAME ARGS...: $work/NAME.ready holds its ports and pid
start_scorer() {
  local name=$1
  shift
  taskset -c "$scorer_cpu" "$build"/scorer/fraud-scorer --registry "$work/registry" \
    --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --drain-seconds 0 \
    --shutdown-grace-seconds 0 --ready-file "$work/$name.ready" "$@" > /dev/null 2>&1 &
  disown
  for _ in $(seq 200); do [ -s "$work/$name.ready" ] && return; sleep 0.05; done
  echo "the scorer $name did not start" >&2
  exit 1
}

# load PORT SECONDS ARGS...: the report's measured phase as JSON
load() {
  local port=$1 secs=$2
  shift 2
  taskset -c "$load_cpu" "$build"/scorer/fraud-loadgen --target "127.0.0.1:$port" --explain \
    --duration "$secs" --warmup 1 --cards 500 --max-cards 500 --card-prefix bench \
    --deadline-ms 1000 --health-check-ms 0 --json --quiet "$@" 2> /dev/null
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin)['measured']; print($1)"; }
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
  "scorer on CPU $scorer_cpu, fraud-loadgen on CPU $load_cpu"
start_scorer probe --max-concurrent-requests 1
port=$(ready_field "$work/probe.ready" grpc_port)
capacity=$(load "$port" 5 --mode closed --concurrency 4 | field "round(d['goodput_per_second'])")
p99=$(load "$port" 5 --mode open --rate $((capacity / 5)) | field "d['ok_latency_ms']['p99']")
kill -9 "$(ready_field "$work/probe.ready" pid)"
echo "capacity: $capacity explanations/s (closed loop, 4 in flight); unloaded p99 (at 0.2x):" \
  "$p99 ms; admission bound (--max-queue-wait-ms) = that p99"
echo

for mode in admission none; do
  if [ "$mode" = admission ]; then
    start_scorer admission --max-concurrent-requests 1 --max-queue-wait-ms "$p99" \
      --worker-niceness "${NICENESS:-10}"
    echo "with admission control (--max-concurrent-requests 1 --max-queue-wait-ms $p99" \
      "--worker-niceness ${NICENESS:-10}):"
  else
    start_scorer none --max-concurrent-requests 0
    echo "baseline, no admission control (--max-concurrent-requests 0):"
  fi
  port=$(ready_field "$work/$mode.ready" grpc_port)
  pid=$(ready_field "$work/$mode.ready" pid)
  printf '%8s %10s %10s %9s %11s %11s %12s %8s\n' offered "offered/s" "goodput/s" "goodput" \
    "refused %" "deadline %" "admitted p99" "RSS MB"
  for x in 0.5 1 1.5 2 3 5; do
    rate=$(python3 -c "print(round($capacity * $x))")
    report=$(load "$port" "$seconds" --mode open --rate "$rate")
    echo "$report" | python3 -c "
import json, sys
d = json.load(sys.stdin)['measured']
n = max(1, d['completed'])
c = d['codes']
print('%7sx %10d %10.0f %8.0f%% %10.1f%% %10.1f%% %9.2f ms %8s' % ('$x', $rate,
      d['goodput_per_second'], 100 * d['goodput_per_second'] / $capacity,
      100 * c.get('RESOURCE_EXHAUSTED', 0) / n, 100 * c.get('DEADLINE_EXCEEDED', 0) / n,
      d['ok_latency_ms']['p99'], '$(rss "$pid")'))"
  done
  kill -9 "$pid"
  echo
done
echo "(goodput: answered OK a second, as a share of capacity; admitted p99: the OK calls alone;" \
  "deadline 1 s)"

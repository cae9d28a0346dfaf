#!/usr/bin/env bash
# What keeping card history in Redis costs: the same registry served by fraud-scorer with
# in-process card history (the baseline) and with Redis on a Unix socket (redis-server from
# Debian, started here), unary and ScoreStream, alternating, three rounds each; then what Redis
# itself spends: CPU per card-script call (so how many scores a second one Redis core sustains)
# and bytes per card. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
rounds=${ROUNDS:-3}
seconds=${SECONDS_EACH:-8}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
py=/usr/bin/python3
cli() { redis-cli -s "$work/redis.sock" "$@"; }

redis-server --port 0 --unixsocket "$work/redis.sock" --unixsocketperm 700 --dir "$work" \
  --save '' --appendonly no > "$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ "$(cli ping 2> /dev/null)" = PONG ] && break; sleep 0.05; done

"$build/scorer/fraud-train" synthetic --registry "$work/registry" > /dev/null 2>&1
start_scorer() {  # name, extra flags...: its gRPC port goes to $work/NAME.port
  local name=$1
  shift
  "$build/scorer/fraud-scorer" --registry "$work/registry" --listen 127.0.0.1:0 \
    --metrics-listen 127.0.0.1:0 --drain-seconds 0 --ready-file "$work/$name.ready" "$@" \
    > /dev/null 2> "$work/$name.log" &
  pids+=($!)  # not in a command substitution: cleanup must see it
  for _ in $(seq 600); do [ -s "$work/$name.ready" ] && break; sleep 0.1; done
  $py -c 'import json,sys;print(json.load(open(sys.argv[1]))["grpc_port"])' "$work/$name.ready" \
    > "$work/$name.port"
}
start_scorer memory
start_scorer redis --redis "unix:$work/redis.sock"
memory_port=$(cat "$work/memory.port")
redis_port=$(cat "$work/redis.port")

# One closed-loop run: "rate p99 errors".
measure() {  # port, api, card prefix
  "$build/scorer/fraud-loadgen" --target "127.0.0.1:$1" --api "$2" --mode closed \
    --concurrency "$([ "$2" = stream ] && echo 4 || echo 32)" --batch 100 --warmup 2 \
    --duration "$seconds" --cards 50000 --card-prefix "$3" --json --quiet 2>> "$work/loadgen.log" |
    $py -c 'import json,sys;m=json.load(sys.stdin)["measured"];bad=sum(v for k,v in m["codes"].items() if k!="OK");print("%.0f %.3f %d" % (m["throughput_per_second"], m["latency_ms"]["p99"], bad))'
}
redis_cpu() { cli info cpu | $py -c 'import sys;d=dict(l.strip().split(":") for l in sys.stdin if ":" in l);print(float(d["used_cpu_user"])+float(d["used_cpu_sys"]))'; }
script_calls() { cli info commandstats | $py -c 'import sys,re;print(sum(int(m.group(1)) for m in re.finditer(r"cmdstat_evalsha:calls=(\d+)", sys.stdin.read())))'; }

cpu0=$(redis_cpu)
calls0=$(script_calls)
for r in $(seq "$rounds"); do
  for api in unary stream; do
    echo "memory-$api $(measure "$memory_port" "$api" "m$r$api")" >> "$work/results"
    echo "redis-$api $(measure "$redis_port" "$api" "r$r$api")" >> "$work/results"
  done
done
cpu1=$(redis_cpu)
calls1=$(script_calls)
keys=$(cli dbsize)
sample=$(cli --scan 2> /dev/null | head -n 200 || true)
bytes=$(for k in $sample; do cli memory usage "$k"; done | $py -c 'import sys,statistics as s;v=[int(x) for x in sys.stdin if x.strip()];print(int(s.mean(v)) if v else 0)')
used=$(cli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')

$py - "$work/results" "$rounds" "$seconds" "$cpu0" "$cpu1" "$calls0" "$calls1" "$keys" "$bytes" "$used" << 'PY'
import statistics as s, sys
path, rounds, seconds, cpu0, cpu1, calls0, calls1, keys, bytes_, used = sys.argv[1:]
rows = {}
for line in open(path):
    name, rate, p99, bad = line.split()
    rows.setdefault(name, []).append((float(rate), float(p99), int(bad)))
print(f"Same registry (v1, 300 trees), fraud-loadgen closed loop (unary: 32 calls in flight; "
      f"stream: 4 streams of 100-transaction batches), 50,000 cards, {seconds} s measured, "
      f"{rounds} rounds alternating; medians. Redis on a Unix socket on the same two cores as "
      f"the scorer and the load generator.\n")
print("| card history | API | throughput | p99 | errors | vs in-process |\n|---|---|---:|---:|---:|---:|")
for api in ("unary", "stream"):
    base = s.median(r for r, _, _ in rows[f"memory-{api}"])
    for store, label in (("memory", "**baseline**: in-process"), ("redis", "Redis")):
        v = rows[f"{store}-{api}"]
        rate, p99 = s.median(r for r, _, _ in v), s.median(p for _, p, _ in v)
        unit = "transactions/s" if api == "stream" else "/s"
        print(f"| {label} | {api} | {rate:.0f} {unit} | {p99:.2f} ms{' a batch' if api == 'stream' else ''} "
              f"| {sum(b for _, _, b in v)} | {rate / base:.2f}x |")
calls = int(calls1) - int(calls0)
cpu = float(cpu1) - float(cpu0)
per = cpu / calls * 1e6 if calls else float("nan")
print(f"\nRedis itself: {calls:,} card-script calls took {cpu:.1f} s of its CPU, {per:.1f} µs a "
      f"call, so one Redis core (Redis runs scripts on one thread) sustains about "
      f"{1e6 / per:,.0f} scores a second before it saturates. {int(keys):,} cards held in "
      f"{int(used) / 2**20:.0f} MiB; a card takes {int(bytes_)} bytes (MEMORY USAGE, mean of 200).")
PY

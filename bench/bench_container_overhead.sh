#!/usr/bin/env bash
# What running the scorer in its container costs: the same registry served by fraud-scorer run
# natively (the baseline), by the image on podman's default bridge with a published port (as
# docker/compose.yaml runs it), and by the image on the host's network; fraud-loadgen drives each
# in turn, alternating, three rounds. Needs root, podman and the images that tst_scorer_image
# builds (ctest -R tst_scorer_image, once). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
rounds=${ROUNDS:-3}
seconds=${SECONDS_EACH:-10}
image=localhost/fraudops/scorer:0.1.0
work=$(mktemp -d)
export CONTAINERS_CONF=$work/containers.conf
printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n' \
  > "$CONTAINERS_CONF"
names=()
pids=()
cleanup() {
  for n in "${names[@]}"; do podman rm -f -t 0 "$n" > /dev/null 2>&1 || true; done
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
podman image exists "$image" || { echo "no $image: run ctest -R tst_scorer_image first" >&2; exit 1; }
py=/usr/bin/python3
free_port() { $py -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

"$build/scorer/fraud-train" synthetic --registry "$work/registry" > /dev/null 2>&1
for copy in native bridge host; do cp -a "$work/registry" "$work/$copy"; done
chown -R 10001:10001 "$work/bridge" "$work/host"

native_port=$(free_port)
"$build/scorer/fraud-scorer" --registry "$work/native" --listen "127.0.0.1:$native_port" \
  --metrics-listen 127.0.0.1:0 --drain-seconds 0 > /dev/null 2> "$work/native.log" &
pids+=($!)
bridge_port=$(free_port)
names+=(fraudops-bench-bridge)
podman run -d --name fraudops-bench-bridge -p "127.0.0.1:$bridge_port:50051" \
  -v "$work/bridge:/var/lib/fraudops/registry" -e FRAUD_SCORER_DRAIN_SECONDS=0 "$image" > /dev/null 2>&1
host_port=$(free_port)
names+=(fraudops-bench-host)
podman run -d --name fraudops-bench-host --network host \
  -v "$work/host:/var/lib/fraudops/registry" -e FRAUD_SCORER_DRAIN_SECONDS=0 \
  -e FRAUD_SCORER_LISTEN="127.0.0.1:$host_port" -e FRAUD_SCORER_METRICS_LISTEN=127.0.0.1:0 \
  "$image" > /dev/null 2>&1
for port in "$native_port" "$bridge_port" "$host_port"; do
  for _ in $(seq 600); do "$build/scorer/fraud-scorer" probe --listen "127.0.0.1:$port" > /dev/null && break; sleep 0.1; done
done

# One closed-loop run: throughput and p99 as "rate p99".
measure() {
  "$build/scorer/fraud-loadgen" --target "127.0.0.1:$1" --mode closed --concurrency 32 --warmup 2 \
    --duration "$seconds" --cards 50000 --card-prefix "$2" --json --quiet |
    $py -c 'import json,sys;m=json.load(sys.stdin)["measured"];bad=sum(v for k,v in m["codes"].items() if k!="OK");print("%.0f %.3f %d" % (m["throughput_per_second"], m["latency_ms"]["p99"], bad))'
}
for r in $(seq "$rounds"); do
  echo "native $(measure "$native_port" "n$r")" >> "$work/results"
  echo "bridge $(measure "$bridge_port" "b$r")" >> "$work/results"
  echo "host $(measure "$host_port" "h$r")" >> "$work/results"
done

$py - "$work/results" "$rounds" "$seconds" << 'PY'
import statistics as s, sys
rows = {}
for line in open(sys.argv[1]):
    name, rate, p99, bad = line.split()
    rows.setdefault(name, []).append((float(rate), float(p99), int(bad)))
base = s.median(r for r, _, _ in rows["native"])
labels = {"native": "**baseline**: fraud-scorer, native",
          "bridge": "the image, podman bridge network, published port (compose)",
          "host": "the image, host network"}
print(f"Same registry (v1, 300 trees), fraud-loadgen closed loop, 32 in flight, {sys.argv[3]} s "
      f"measured, {sys.argv[2]} rounds alternating; medians. Load generator and server share the cores.\n")
print("| run | throughput | p99 | errors | vs baseline |\n|---|---:|---:|---:|---:|")
for name in ("native", "bridge", "host"):
    rate = s.median(r for r, _, _ in rows[name])
    p99 = s.median(p for _, p, _ in rows[name])
    bad = sum(b for _, _, b in rows[name])
    print(f"| {labels[name]} | {rate:.0f}/s | {p99:.2f} ms | {bad} | {rate / base:.2f}x |")
PY

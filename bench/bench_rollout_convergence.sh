#!/usr/bin/env bash
# How long a rollout change takes to reach every replica: three fraud-scorer processes on one
# registry (300-tree models), a change made through one replica's Control API with fraudctl,
# timed until all three report the new generation, converged. Alternates SetCanary and
# Promote between two versions (each change loads and validates a model on every replica),
# idle and then under fraud-loadgen traffic. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
changes=${CHANGES:-10}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
py=/usr/bin/python3

"$build/scorer/fraud-train" synthetic --registry "$work/registry" > /dev/null 2>&1
"$build/scorer/fraud-train" synthetic --registry "$work/registry" --seed 2 --set-stable no > /dev/null 2>&1
token=bench-admin-token
printf '{"tokens":[{"sha256":"%s","identity":"bench","role":"admin"}]}\n' \
  "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" > "$work/tokens.json"
export FRAUDOPS_TOKEN=$token

ports=()
for r in 0 1 2; do
  "$build/scorer/fraud-scorer" --registry "$work/registry" --listen 127.0.0.1:0 \
    --metrics-listen 127.0.0.1:0 --drain-seconds 0 --max-event-age 864000 \
    --tokens-file "$work/tokens.json" --ready-file "$work/ready$r.json" > /dev/null 2> "$work/scorer$r.log" &
  pids+=($!)
done
for r in 0 1 2; do
  for _ in $(seq 300); do [ -s "$work/ready$r.json" ] && break; sleep 0.1; done
  ports+=("$(sed -n 's/.*"grpc_port":\([0-9]*\).*/\1/p' "$work/ready$r.json")")
done
ctl() { "$build/app/fraudctl" "$@"; }
generation_of() { ctl status --endpoint "127.0.0.1:$1" --json | $py -c 'import json,sys;d=json.load(sys.stdin);print(d.get("generationServed","0") if d.get("converged") else -1)'; }

# Makes `changes` changes; prints the milliseconds each took to reach all three replicas.
run_changes() {
  local stable next
  stable=$(ctl status --endpoint "127.0.0.1:${ports[0]}" --json | $py -c 'import json,sys;print(json.load(sys.stdin)["stableVersion"])')
  for i in $(seq "$changes"); do
    if [ $((i % 2)) -eq 1 ]; then
      next=$([ "$stable" = v1 ] && echo v2 || echo v1)
      out=$(ctl canary --endpoint "127.0.0.1:${ports[0]}" --version "$next" --weight 10 --reason bench --json)
    else
      out=$(ctl promote --endpoint "127.0.0.1:${ports[1]}" --reason bench --json)
      stable=$next
    fi
    start=$(date +%s%N)
    want=$(echo "$out" | $py -c 'import json,sys;print(json.load(sys.stdin)["generation"])')
    for p in "${ports[@]}"; do
      until [ "$(generation_of "$p")" = "$want" ]; do :; done
    done
    echo $((($(date +%s%N) - start) / 1000000))
  done
}
summary() { $py -c 'import sys,statistics as s;v=[int(x) for x in sys.stdin.read().split()];print(f"{s.median(v):.0f} ms | {max(v)} ms | {len(v)}")'; }

idle=$(run_changes | summary)
"$build/scorer/fraud-loadgen" --target "$(printf '127.0.0.1:%s,' "${ports[@]}" | sed 's/,$//')" \
  --warmup 0 --duration 600 --concurrency 8 --quiet --json > "$work/load.json" &
load=$!
loaded=$(run_changes | summary)
kill -INT "$load"; wait "$load" || true
errors=$($py -c 'import json;d=json.load(open("'"$work"'/load.json"));print(sum(v for k,v in d["measured"]["codes"].items() if k!="OK"), "of", sum(d["measured"]["codes"].values()))')

cat << MD
Three replicas on one registry, default \`--registry-poll-ms 200\`; each change (SetCanary or
Promote, alternating, through fraudctl) loads and validates a 300-tree model on every replica.
Time from the Control call's reply until all three report the new generation, converged
(fraudctl polling, which itself costs ~10 ms a round). Target: under 2 s.

| condition | median | slowest | changes |
|---|---:|---:|---:|
| idle | $idle |
| under fraud-loadgen traffic (8 in flight) | $loaded |

Failed requests during the changes under load: $errors.
MD

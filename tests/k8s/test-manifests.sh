#!/usr/bin/env bash
# The Kubernetes manifests and Prometheus configurations, checked offline (no API server can run
# here): kustomize renders every overlay; check-manifests.mjs validates the objects against the
# Kubernetes and Prometheus-operator schemas, catches unknown fields and checks what the scorer
# needs; a deliberately broken copy proves each check can fail; promtool checks the rules as
# rendered for Kubernetes (and their unit tests pass against them) and the compose Prometheus's
# configuration.
#   test-manifests.sh WORK_DIR   (npm packages are installed there once, from the lock file)
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:?usage: test-manifests.sh WORK_DIR}
mkdir -p "$work"
cd "$source_dir"

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v kubectl > /dev/null || fail "kubectl (with kustomize v4+) is needed to render k8s/"
command -v node > /dev/null || fail "node (20+) and npm are needed for the schema checks"

# One source for the alert rules: the PrometheusRule is the rules file, rendered.
bash scripts/render-prometheusrule.sh --check

# The checker's packages, pinned by the lock file, installed again only when it changes.
if ! cmp -s tests/k8s/package-lock.json "$work/package-lock.json" || [ ! -d "$work/node_modules" ]; then
  cp tests/k8s/package.json tests/k8s/package-lock.json "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error > npm.log 2>&1) ||
    { cat "$work/npm.log"; fail "npm ci"; }
fi
cp tests/k8s/check-manifests.mjs "$work/"

rendered=()
for overlay in k8s/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" > "$work/$name.yaml" || fail "kustomize cannot render $overlay"
  rendered+=("$work/$name.yaml")
done
[ ${#rendered[@]} -ge 2 ] || fail "expected the staging and production overlays"
node "$work/check-manifests.mjs" --rules resources/prometheus/rules.yml "${rendered[@]}"

# Every check can fail: a copy of staging with one mistake of each kind.
broken="$work/broken.yaml"
sed -e 's/^\( *\)resources:$/\1resoruces:/' \
    -e 's#fraudops/scorer:0\.1\.0#fraudops/scorer:latest#' \
    -e 's/port: 50051$/port: 50052/' \
    -e 's/relabelings:/relabellings:/' \
    -e 's/^  minReplicas: 2$/  minReplicas: two/' \
    -e 's/value: fraud-card-history:6379$/value: fraud-card-history:6380/' \
    -e 's#app.kubernetes.io/name: prometheus$#app.kubernetes.io/name: grafana#' \
    -e '0,/le=\\"0\.002\\"/s//le=\\"0.005\\"/' \
    -e '0,/le="0\.002"/s//le="0.005"/' \
    -e '/FRAUD_SCORER_INSECURE/d' \
    "$work/staging.yaml" > "$broken"
if node "$work/check-manifests.mjs" --rules resources/prometheus/rules.yml "$broken" > "$work/broken.out"; then
  fail "the broken manifests passed"
fi
for expected in \
    "unknown field Deployment.spec.template.spec.containers\[0\].resoruces" \
    "no cpu requests" \
    "is not pinned to a version" \
    "readinessProbe port 50052 is not a declared container port" \
    "unknown field ServiceMonitor.spec.endpoints\[0\].relabellings" \
    "HorizontalPodAutoscaler/fraud-scorer: schema: /spec/minReplicas must be integer" \
    "does not admit Prometheus to the metrics port" \
    "spec differs from resources/prometheus/rules.yml" \
    "FRAUD_SCORER_REDIS port 6380 is not a port of Service fraud-card-history" \
    "listens on 0.0.0.0:50051 without TLS"; do
  grep -q "$expected" "$work/broken.out" || { cat "$work/broken.out"; fail "not caught: $expected"; }
done
echo "the broken copy: $(grep -c PROBLEM "$work/broken.out") problems found, each kind of mistake caught"

# And production's TLS: its certificate not mounted.
sed -e 's#mountPath: /etc/fraudops/tls$#mountPath: /etc/fraudops/certs#' "$work/production.yaml" > "$work/broken-tls.yaml"
if node "$work/check-manifests.mjs" --rules resources/prometheus/rules.yml "$work/broken-tls.yaml" \
    > "$work/broken-tls.out"; then
  fail "production without its TLS mount passed"
fi
grep -q "FRAUD_SCORER_TLS_CERT /etc/fraudops/tls/tls.crt is not on a mounted volume" \
  "$work/broken-tls.out" || { cat "$work/broken-tls.out"; fail "not caught: the TLS mount"; }

# promtool on the rules as Kubernetes loads them (the PrometheusRule's spec), with the unit tests.
node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs';
  import { parseAllDocuments, stringify } from '$work/node_modules/yaml/dist/index.js';
  const rule = parseAllDocuments(readFileSync('$work/production.yaml', 'utf8'))
    .map((d) => d.toJS()).find((o) => o?.kind === 'PrometheusRule');
  writeFileSync('$work/rules.yml', stringify(rule.spec));"
cp resources/prometheus/rules.test.yml "$work/rules.test.yml"
(cd "$work" && promtool check rules rules.yml && promtool test rules rules.test.yml)

# promtool on every Prometheus configuration the project ships: compose's (its rules path is
# where compose mounts the file; here, the repository's).
sed -e "s#/etc/prometheus/rules.yml#$source_dir/resources/prometheus/rules.yml#" \
    docker/prometheus.yml > "$work/compose-prometheus.yml"
promtool check config "$work/compose-prometheus.yml"
echo "k8s manifests and Prometheus configurations: all checks passed"

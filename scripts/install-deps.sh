#!/usr/bin/env bash
# Installs every Debian package FraudOps needs to build, run and test.
# Idempotent and fast when everything is present: apt-get runs only for missing packages.
# With --scorer-only, only what the scorer side needs to build (-DFRAUDOPS_SCORER_ONLY=ON): the
# container image's build stage uses that. With --tests, also what only the tests use.
set -euo pipefail

scorer_packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  # scorer
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  prometheus-cpp-dev nlohmann-json3-dev libxgboost-dev libssl-dev
  # card history shared by replicas: the Redis C client
  libhiredis-dev
  # XGBoost's CMake config refers to /usr/bin/xgboost: without the CLI package it fails.
  xgboost
)

packages=(
  "${scorer_packages[@]}"
  clang-format curl libcurl4-openssl-dev
  # links the console and the tests ten times faster than GNU ld (CMakeLists.txt)
  lld
  # backend, fraudctl and the tests (QtCore, QtNetwork, QtTest)
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev
  # rollout plans may be YAML
  libyaml-cpp-dev
  # the console keeps tokens in the system keychain (QtKeychain loads libsecret at run time);
  # the tests run a real Secret Service (gnome-keyring on a private D-Bus session)
  qtkeychain-qt6-dev libsecret-1-0 gnome-keyring dbus-daemon dbus-bin
  # tests: a real Prometheus server and promtool; XGBoost's Python package (a model trained
  # the way data scientists do, imported with fraud-train import); openssl for TLS certificates
  prometheus python3-xgboost python3-numpy openssl
  # the local cluster's shared card history, and the tests': a real Redis server
  redis-server
  # tests: run the tools at a chosen wall-clock time (the faketime smoke test)
  faketime
)

# Only the tests build and run containers and validate packages (--tests, as scripts/test.sh
# asks): the scorer's image and compose cluster with podman, from a base image made of Debian's
# packages (podman-compose resolves services by name with dnsname); the desktop entry, metainfo
# and systemd unit validators.
test_packages=(
  podman buildah runc mmdebstrap uidmap slirp4netns fuse-overlayfs containernetworking-plugins
  golang-github-containernetworking-plugin-dnsname podman-compose
  desktop-file-utils appstream systemd dpkg-dev
  # the proof that the request path does no file I/O (tst_request_path_io)
  strace
  # the fuzz harnesses: clang's libFuzzer (scripts/fuzz.sh)
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
)

# The manifests test renders with kubectl's kustomize (no Debian package has kustomize v4+:
# the machines provide kubectl) and checks schemas with Node; Debian's Node if there is none.
command -v node > /dev/null || test_packages+=(nodejs npm)

case "${1:-}" in
  --scorer-only) packages=("${scorer_packages[@]}") ;;
  --tests) packages+=("${test_packages[@]}") ;;
  "") ;;
  *) echo "usage: install-deps.sh [--scorer-only | --tests]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them) to continue" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's prometheus package starts a system service; tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi

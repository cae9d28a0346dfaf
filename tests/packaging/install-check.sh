#!/bin/bash
# Runs inside a clean debian:bookworm-slim container (tst_packages): installs the packages from
# /debs with apt, which must resolve every dependency from Debian's archive; runs the tools;
# verifies the systemd unit; and lets the console draw its Cluster page offscreen from the local
# cluster it starts with the scorer and Prometheus just installed. Writes logs to /out.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq /debs/*.deb systemd > /out/apt.log 2>&1 || { tail -40 /out/apt.log; exit 10; }
fraud-scorer --help | head -1
fraud-train --help | head -1
fraud-loadgen --help | head -1
fraudctl --help | head -1
getent passwd fraudops
echo "registry: $(stat -c '%U %a' /var/lib/fraudops/registry)"
# systemd-analyze verify exits 0 on unknown keys and bad values: its output is what counts.
echo "verify: [$(systemd-analyze verify fraud-scorer.service 2>&1)]"
QT_QPA_PLATFORM=offscreen fraudops-console --page Cluster --screenshot /out/console.png \
  --screenshot-timeout 300 --work-dir /tmp/cluster --registry /tmp/registry \
  > /out/console.log 2>&1 || { tail -40 /out/console.log; exit 11; }
echo "console drew its page"

#!/usr/bin/env bash
# Debian's Prometheus node exporter (which reads the charm's metrics through its textfile
# collector) and promtool (which unit-tests the charm's alert rules), for the tests. The
# packages are only unpacked into build/prometheus: no service is installed or started. Both
# are static Go binaries: the packages' dependencies serve their services only.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/debian-packages.sh
unpack_debian_packages "Prometheus' node exporter and promtool" build/prometheus prometheus-node-exporter prometheus

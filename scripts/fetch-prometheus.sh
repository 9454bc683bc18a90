#!/usr/bin/env bash
# Debian's Prometheus node exporter (which reads the charm's metrics through its textfile
# collector) and promtool (which unit-tests the charm's alert rules), for the tests. The
# packages are only unpacked into build/prometheus: no service is installed or started.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/prometheus
[ -x "$dest/usr/bin/prometheus-node-exporter" ] && [ -x "$dest/usr/bin/promtool" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Both are static Go binaries: the packages' dependencies are for their services only.
packages=(prometheus-node-exporter prometheus)
if ! (cd "$work" && apt-get download "${packages[@]}"); then
	# A machine whose package lists were never fetched.
	apt-get update -qq
	(cd "$work" && apt-get download "${packages[@]}")
fi
mkdir -p "$dest"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
echo "node exporter: $dest/usr/bin/prometheus-node-exporter; promtool: $dest/usr/bin/promtool"

#!/usr/bin/env bash
# Bacula's own configuration parser (bdirjson), from Debian's packages, for the tests that
# check what bacula-server's Director would read of a published fileset. The packages are
# only unpacked into build/bacula: no service is installed or started.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/bacula
[ -x "$dest/usr/sbin/bdirjson" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packages=(bacula-director bacula-common libwrap0)
if ! (cd "$work" && apt-get download "${packages[@]}"); then
	# A machine whose package lists were never fetched.
	apt-get update -qq
	(cd "$work" && apt-get download "${packages[@]}")
fi
mkdir -p "$dest"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
echo "Bacula's parser: $dest/usr/sbin/bdirjson"

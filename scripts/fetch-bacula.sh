#!/usr/bin/env bash
# Bacula 9.6 from Debian's packages, unpacked into build/bacula (nothing is installed, no
# service is started): its configuration parser (bdirjson), for the tests that check what
# bacula-server's Director reads of a published fileset; and the Director with its sqlite3
# catalog, the storage and file daemons and bconsole, which test/e2e/bacula.test.ts runs as
# the current user on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/debian-packages.sh
dest=build/bacula
# With the daemons' libraries that a minimal Debian or Ubuntu lacks; libc, libstdc++, zlib,
# libacl and libnsl are on every one (apt and PAM need them).
unpack_debian_packages "Bacula 9.6 (its parser and daemons)" "$dest" bacula-common bacula-common-sqlite3 \
	bacula-director bacula-director-sqlite3 bacula-sd bacula-fd bacula-console libwrap0 liblzo2-2 \
	libsqlite3-0 libreadline8 libssl3 libcap2
# Links into the machine's /etc (dbconfig-common's), which nothing here reads: dangling.
find "$dest" -xtype l -delete
# Every library the daemons need must resolve, or the tests would fail far from here.
triplet=$(uname -m)-linux-gnu
libs="$dest/usr/lib/bacula:$dest/usr/lib/$triplet:$dest/lib/$triplet"
missing=$(for binary in bdirjson bacula-dir bacula-sd bacula-fd bconsole; do
	LD_LIBRARY_PATH=$libs ldd "$dest/usr/sbin/$binary"
done | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')
if [ -n "$missing" ]; then
	rm -rf "$dest"
	echo "cannot run Bacula's daemons: this machine lacks ${missing% }; apt-get install the packages that hold them, or add those packages to scripts/fetch-bacula.sh, then npm test again" >&2
	exit 1
fi

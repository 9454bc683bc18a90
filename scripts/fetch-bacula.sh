#!/usr/bin/env bash
# Bacula 9.6 from Debian's packages, unpacked into build/bacula (nothing is installed, no
# service is started): its configuration parser (bdirjson), for the tests that check what
# bacula-server's Director reads of a published fileset; and the Director with its sqlite3
# catalog, the storage and file daemons and bconsole, which test/e2e/bacula.test.ts runs as
# the current user on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/bacula
binaries=(usr/sbin/bdirjson usr/sbin/bacula-dir usr/sbin/bacula-sd usr/sbin/bacula-fd usr/sbin/bconsole)
catalog_sql=usr/share/dbconfig-common/data/bacula-director-sqlite3/install/sqlite3
ready() {
	for file in "${binaries[@]}" "$catalog_sql"; do [ -e "$dest/$file" ] || return 1; done
}
ready && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The daemons' libraries that a minimal Debian or Ubuntu lacks; libc, libstdc++, zlib, libacl
# and libnsl are on every one (apt and PAM need them).
packages=(bacula-common bacula-common-sqlite3 bacula-director bacula-director-sqlite3 bacula-sd bacula-fd
	bacula-console libwrap0 liblzo2-2 libsqlite3-0 libreadline8 libssl3 libcap2)
if ! (cd "$work" && apt-get download "${packages[@]}"); then
	# A machine whose package lists were never fetched.
	apt-get update -qq
	(cd "$work" && apt-get download "${packages[@]}")
fi
# Unpacked aside, and moved into place only once complete: a failed run leaves nothing behind.
root=$work/root
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$root"; done
# Links into the machine's /etc (dbconfig-common's), which nothing here reads: dangling.
find "$root" -xtype l -delete

# Every library the daemons need must now resolve, or the tests would fail far from here.
triplet=$(uname -m)-linux-gnu
libs="$root/usr/lib/bacula:$root/usr/lib/$triplet:$root/lib/$triplet"
missing=$(for file in "${binaries[@]}"; do LD_LIBRARY_PATH=$libs ldd "$root/$file"; done | awk '/not found/ {print $1}' | sort -u)
if [ -n "$missing" ]; then
	echo "fetch-bacula.sh: Bacula's daemons need libraries this machine lacks: $missing" >&2
	echo "fetch-bacula.sh: apt-get install the packages that hold them, or add them to this script" >&2
	exit 1
fi
rm -rf "$dest"
mkdir -p build
mv "$root" "$dest"
echo "Bacula 9.6 (parser, director, storage and file daemons, bconsole): $dest/usr/sbin"

# Sourced by scripts/fetch-*.sh: Debian packages unpacked into a directory of build/, for the
# tests. `apt-get download` and `dpkg-deb -x` only: nothing is installed, no service started,
# and no root is needed unless the machine's package lists were never fetched.

# unpack_debian_packages <what the tests lack> <directory> <package>...
# Returns at once when <directory> already holds exactly these packages. Where it cannot
# fetch them, it says so in one line, with what to do, and exits 1.
unpack_debian_packages() {
	local what=$1 dest=$2
	shift 2
	local wanted="$*"
	[ -f "$dest/.packages" ] && [ "$(cat "$dest/.packages")" = "$wanted" ] && return 0
	cannot() {
		echo "cannot fetch $what (Debian packages: $wanted): $1" >&2
		exit 1
	}
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		cannot "no apt-get or dpkg-deb here; run the tests on Debian or Ubuntu (npx vitest run test/unit needs neither)"
	local work
	work=$(mktemp -d)
	# shellcheck disable=SC2064 # $work is known now
	trap "rm -rf '$work'" EXIT
	if ! (cd "$work" && apt-get download -qq "$@" 2>"$work/apt.err"); then
		if [ "$(id -u)" -ne 0 ]; then
			cannot "apt-get download failed ($(tail -n 1 "$work/apt.err")); if the package lists were never fetched, run sudo apt-get update once, then npm test again"
		fi
		# A machine whose package lists were never fetched (a fresh container).
		apt-get update -qq 2>"$work/apt.err" ||
			cannot "apt-get update failed ($(tail -n 1 "$work/apt.err")); check the network to the Debian or Ubuntu archive (or apt's proxy), then npm test again"
		(cd "$work" && apt-get download -qq "$@" 2>"$work/apt.err") ||
			cannot "apt-get download failed ($(tail -n 1 "$work/apt.err")); check the network to the archive (or apt's proxy), then npm test again"
	fi
	rm -rf "$dest"
	mkdir -p "$dest"
	for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
	echo "$wanted" >"$dest/.packages"
	echo "$what: unpacked $wanted into $dest"
}

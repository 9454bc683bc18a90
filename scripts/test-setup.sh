#!/usr/bin/env bash
# What the tests need besides node_modules, run first by `npm test`: every scripts/fetch-*.sh,
# each unpacking Debian packages into build/ (Bacula's parser, …), or returning at once when
# they are there already. One that cannot fetch says why and what to do, and npm test stops.
set -euo pipefail
cd "$(dirname "$0")/.."
for fetch in scripts/fetch-*.sh; do
	bash "$fetch"
done

#!/usr/bin/env bash
# Debian's libfaketime, for the tests that move the runner's clock (a clock set ahead, then
# back: test/integration/job-sequence.test.ts) and the charm's (a job's result falling due:
# test/e2e/bacula.test.ts), and for `npm run simulate -- --later`. Only unpacked into
# build/faketime: they preload build/faketime/usr/lib/<triplet>/faketime/libfaketime.so.1 into
# the processes they start (scripts/faketime.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/debian-packages.sh
unpack_debian_packages "libfaketime" build/faketime libfaketime

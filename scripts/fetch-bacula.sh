#!/usr/bin/env bash
# Bacula's own configuration parser (bdirjson), from Debian's packages, for the tests that
# check what bacula-server's Director would read of a published fileset. The packages are
# only unpacked into build/bacula: no service is installed or started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/debian-packages.sh
unpack_debian_packages "Bacula's parser" build/bacula bacula-director bacula-common libwrap0

#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine, as root: installs what it needs, builds the guest
# images the integration tests boot, then runs every test. Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"
require_root "install packages and make bridges and taps for the tests"
bash "$top/setup/install.sh"
bash "$top/bin/vmhost-build-guests"
JAVA_HOME=$(find_jdk); export JAVA_HOME   # (export X=$(...) would hide find_jdk's failure)
cd "$top"
step "running the test suite with $JAVA_HOME"
mvn -B -ntp verify

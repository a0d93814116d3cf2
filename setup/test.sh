#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine, as root: installs what it needs, builds the guest
# images the integration tests boot, then runs every test. Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"
require_root "install packages and make bridges and taps for the tests"
bash "$top/setup/install.sh"
bash "$top/bin/vmhost-build-guests"
export JAVA_HOME=$(find_jdk)
cd "$top"
step "running the test suite with $JAVA_HOME"
mvn -B -ntp verify

#!/usr/bin/env bash
# Builds target/vmhost.jar and its libraries with Maven (no tests). Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export JAVA_HOME=$(find_jdk)
cd "$top"
step "building vmhost with $JAVA_HOME"
mvn -q -B -DskipTests package

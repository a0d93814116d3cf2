#!/usr/bin/env bash
# Builds target/vmhost.jar and its libraries with Maven (no tests), then trains class-data-sharing
# archives for xm and xend so that both start faster. Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export JAVA_HOME=$(find_jdk)
cd "$top"
step "building vmhost with $JAVA_HOME"
mvn -q -B -ntp -Dmaven.test.skip=true package

# Class-data sharing: an archive of the classes xm and xend load, made by running them once against a
# private xend. It belongs to the JVM that made it, so the launcher uses that JVM (target/cds/java).
step "training class-data-sharing archives for xm and xend"
cds=$top/target/cds
rm -rf "$cds" && mkdir -p "$cds"
home=$(mktemp -d /tmp/vmh-cds-XXXXXX)
trap 'VMHOST_HOME=$home "$top/bin/xend" stop >/dev/null 2>&1 || true; rm -rf "$home"' EXIT
export VMHOST_JAVA="$JAVA_HOME/bin/java"
# xend writes its archive when it exits, at the stop below.
VMHOST_HOME=$home VMHOST_JAVA_OPTS="-XX:ArchiveClassesAtExit=$cds/XendMain.jsa" \
  "$top/bin/xend" start --no-tcp >/dev/null
# One run makes xm's archive: 'list -l' of a defined domain reads its config, talks to xend and writes
# SXP, which loads nearly every class the other subcommands need.
VMHOST_HOME=$home "$top/bin/xm" new "$top/examples/demo-pv.cfg" >/dev/null
VMHOST_HOME=$home VMHOST_JAVA_OPTS="-XX:ArchiveClassesAtExit=$cds/XmMain.jsa" \
  "$top/bin/xm" list -l >/dev/null
VMHOST_HOME=$home "$top/bin/xend" stop >/dev/null
printf '%s\n' "$JAVA_HOME/bin/java" > "$cds/java"
[ -f "$cds/XmMain.jsa" ] || die "xm's class-data archive was not written"

#!/usr/bin/env bash
# Builds target/vmhost.jar and its libraries with Maven (no tests), then trains start-up caches for xm and
# xend (ahead-of-time caches on JDK 25+, class-data-sharing archives on JDK 21) so that both start faster.
# Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"
JAVA_HOME=$(find_jdk); export JAVA_HOME   # (export X=$(...) would hide find_jdk's failure)
cd "$top"
step "building vmhost with $JAVA_HOME"
# The libraries are copied afresh: one a newer vmhost no longer needs would otherwise stay on xend's class path.
rm -rf "$top/target/lib"
mvn -q -B -ntp -Dmaven.test.skip=true package

# Start-up caches for xm and xend, made by running each once against a private xend: on a JDK of version 25 or
# newer an ahead-of-time cache (JEP 483: classes loaded and linked, with method profiles, JEP 515), otherwise
# (Debian 13's JDK 21) a class-data-sharing archive. Either belongs to the JVM that made it, so the launcher
# uses that JVM (target/cds/java) and gives the cache to no other.
# SQLite's JDBC driver copies its native library out of its jar into /tmp at every start of xend (and lists /tmp
# to tidy older copies): a tenth of xend's start. bin/vmhost-java gives xend this copy instead, made here from the
# jar it belongs to (named after it, so that a newer jar never meets an older library); without it, the driver
# copies as before.
native=$top/target/native
rm -rf "$native"
case "$(uname -m)" in x86_64 | aarch64) arch=$(uname -m) ;; *) arch= ;; esac
for jar in "$top"/target/lib/sqlite-jdbc-*.jar; do
  [ -f "$jar" ] && [ -n "$arch" ] || continue
  dir=$native/$(basename "$jar" .jar)
  mkdir -p "$dir"
  (cd "$dir" && "$JAVA_HOME/bin/jar" xf "$jar" "org/sqlite/native/Linux/$arch/libsqlitejdbc.so") &&
    mv "$dir/org/sqlite/native/Linux/$arch/libsqlitejdbc.so" "$dir/" && rm -rf "$dir/org" || rm -rf "$dir"
done

cds=$top/target/cds
rm -rf "$cds" && mkdir -p "$cds"
java="$JAVA_HOME/bin/java"
major=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1)
if [ "${major:-0}" -ge 25 ]; then
  step "training ahead-of-time caches for xm and xend (JDK $major)"
  # Classes only, no method profiles (JEP 515): xm and xend run C1 alone, which never reads them, and without them
  # the caches are smaller (xend idle: -3 MiB resident; xm: a few ms less to map). Where this JDK lacks the switch,
  # the profiles stay.
  no_profiles=
  "$java" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -version >/dev/null 2>&1 &&
    no_profiles="-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining"
  cache() { printf '%s' "-XX:AOTCacheOutput=$cds/$1.aot -Xlog:aot=error -Xlog:cds=error $no_profiles"; }
  ext=aot
else
  step "training class-data-sharing archives for xm and xend (JDK $major)"
  cache() { printf '%s' "-XX:ArchiveClassesAtExit=$cds/$1.jsa"; }
  ext=jsa
fi
home=$(mktemp -d /tmp/vmh-cds-XXXXXX)
trap 'VMHOST_HOME=$home "$top/bin/xend" stop >/dev/null 2>&1 || true; rm -rf "$home"' EXIT
export VMHOST_JAVA="$java"
# The daemon itself ('xend run', which 'xend start' runs in the background) is trained, and writes its cache when
# it exits, at the stop below; meanwhile it answers xm's training runs.
VMHOST_HOME=$home VMHOST_JAVA_OPTS="$(cache XendMain)" "$top/bin/xend" run --no-tcp >/dev/null 2>&1 &
xend_pid=$!
for _ in $(seq 300); do
  kill -0 "$xend_pid" 2>/dev/null || die "xend did not start to train its cache (see $home/log/xend.log)"
  [ -S "$home/run/xend.sock" ] && break; sleep 0.1
done
# The daemon is trained on defining a domain and listing it, and no more: it loads all that its cache holds at every
# start (its resident memory). xm's own training, below, runs against a second xend that writes no cache.
VMHOST_HOME=$home "$top/bin/xm" new "$top/examples/demo-pv.cfg" >/dev/null
VMHOST_HOME=$home "$top/bin/xm" list >/dev/null
VMHOST_HOME=$home "$top/bin/xm" list -l >/dev/null
# 'xend stop|status|restart', a client of the daemon, has a small cache of its own.
VMHOST_HOME=$home VMHOST_JAVA_OPTS="$(cache XendCtl)" "$top/bin/xend" status \
  2> >(grep -v "^Picked up JAVA_TOOL_OPTIONS" >&2) >/dev/null
VMHOST_HOME=$home "$top/bin/xend" stop >/dev/null
wait "$xend_pid" || true
# xm's caches, against an xend of no cache on the same home: a plain 'xm list' has one of its own (bin/vmhost-java
# says why), trained by itself; the other subcommands share one, trained by those run most, in one JVM (XmTraining).
VMHOST_HOME=$home "$top/bin/xend" start --no-tcp >/dev/null || die "xend did not start for xm's training (see $home/log/xend.log)"
VMHOST_HOME=$home VMHOST_JAVA_OPTS="$(cache XmList)" "$top/bin/xm" list 2> >(grep -v "^Picked up JAVA_TOOL_OPTIONS" >&2) >/dev/null
VMHOST_HOME=$home VMHOST_JAVA_OPTS="$(cache XmMain)" "$top/bin/vmhost-java" org.vmhost.cli.XmTraining demo-pv \
  "$top/examples/demo-pv.cfg" 2> >(grep -v "^Picked up JAVA_TOOL_OPTIONS" >&2) >/dev/null || die "xm's training run failed"
VMHOST_HOME=$home "$top/bin/xend" stop >/dev/null
printf '%s\n' "$java" > "$cds/java"
[ -f "$cds/XmMain.$ext" ] || die "xm's start-up cache ($cds/XmMain.$ext) was not written"
[ -f "$cds/XmList.$ext" ] || die "the start-up cache of 'xm list' ($cds/XmList.$ext) was not written"
[ -f "$cds/XendMain.$ext" ] || die "xend's start-up cache ($cds/XendMain.$ext) was not written"
[ -f "$cds/XendCtl.$ext" ] || die "the start-up cache of 'xend stop|status|restart' ($cds/XendCtl.$ext) was not written"

# Shared by the setup scripts: messages, root check, the JDK used to build.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
step() { printf '==> %s\n' "$*"; }
die() { printf 'Error: %s\n' "$*" >&2; exit 1; }
require_root() { [ "$(id -u)" = 0 ] || die "root is needed to $1; run this as root"; }

# The newest JDK (javac and java) of version 21 or newer: JAVA_HOME first, then /usr/lib/jvm.
find_jdk() {
  local h v best="" bestv=0
  for h in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$h/bin/javac" ] || continue
    v=$("$h/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1)
    [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ] && { best=$h; bestv=$v; }
  done
  [ -n "$best" ] || die "no JDK of version 21 or newer found (looked at JAVA_HOME and /usr/lib/jvm). Install one, e.g. 'apt-get install openjdk-21-jdk-headless' on Debian 13, or a Temurin 21+ JDK."
  printf '%s\n' "$best"
}

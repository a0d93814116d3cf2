#!/usr/bin/env bash
# The main job on a fresh Debian machine, as root: installs what vmhost needs, builds it and the demo
# guest images, starts xend and boots the demo pv and hvm guests. Safe to run twice: what already
# runs is left running.
set -euo pipefail
. "$(dirname "$0")/common.sh"
require_root "install packages and run xend"
bash "$top/setup/install.sh"
bash "$top/setup/build.sh"
bash "$top/bin/vmhost-build-guests"
xm=$top/bin/xm

step "starting xend"
"$top/bin/xend" start

for name in demo-pv demo-hvm; do
  if "$xm" list "$name" >/dev/null 2>&1; then
    step "$name is already running"
  else
    step "xm create examples/$name.cfg"
    "$xm" create "$top/examples/$name.cfg"
  fi
done

# Without a terminal, xm console copies the console's bytes, history first: the readiness line is
# there whether the guest printed it long ago or prints it now. Each look lasts two seconds.
booted() {
  local seen
  seen=$(timeout 2 "$xm" console "$1" </dev/null 2>/dev/null || true)
  grep -a -q "vmhost-guest: ready" <<<"$seen"
}
for name in demo-pv demo-hvm; do
  step "waiting for $name to boot (its console, read through 'xm console')"
  deadline=$((SECONDS + 120))
  until booted "$name"; do
    [ $SECONDS -lt $deadline ] || die "$name did not reach its readiness line within 120 s; see 'xm log'"
  done
  step "$name is up"
done

step "xm list"
"$xm" list
cat <<MSG

Both guests run under xend now, and keep running if xend stops.
  $xm console demo-pv      attach to a guest's serial console (Ctrl-] detaches)
  $xm shutdown -w demo-hvm press the power button and wait until it is off
  $xm list -l demo-pv      the domain as SXP
  $xm info                 the host, and why QEMU uses TCG or KVM here
MSG

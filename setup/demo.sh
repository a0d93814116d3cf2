#!/usr/bin/env bash
# The main job on a fresh Debian machine, as root: installs what vmhost needs, builds it and the demo
# guest images, and shows what vmhost does with the shipped example configurations. Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"
require_root "install packages"
bash "$top/setup/install.sh"
bash "$top/setup/build.sh"
bash "$top/bin/vmhost-build-guests"
xm=$top/bin/xm
for cfg in "$top"/examples/*.cfg; do
  step "xm create -n $(basename "$cfg")"
  "$xm" create -n "$cfg"
done

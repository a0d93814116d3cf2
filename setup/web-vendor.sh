#!/usr/bin/env bash
# Copies the web GUI's libraries from npm (src/main/web/package.json, pinned with their hashes by
# package-lock.json) into TARGET/classes/web/vendor, where xend serves them at /vendor: no CDN, so the GUI works
# on a host without internet. Maven runs this in generate-resources; it runs 'npm ci' only when the lock file
# changed since the last build. Needs nodejs and npm (setup/install.sh installs them from Debian).
#   usage: setup/web-vendor.sh [TARGET]      (default: target)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-$top/target}
web=$top/src/main/web
work=$target/npm
out=$target/classes/web/vendor
stamp=$work/.vendored
sum=$(cat "$web/package.json" "$web/package-lock.json" "$0" | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$sum" && -d $out ]]; then exit 0; fi
command -v npm >/dev/null || { echo "setup/web-vendor.sh: npm is missing; run setup/install.sh (Debian's nodejs and npm)" >&2; exit 1; }

rm -rf "$work" "$out"
mkdir -p "$work" "$out"
cp "$web/package.json" "$web/package-lock.json" "$work/"
# --ignore-scripts: no package's install script runs at our build.
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

m=$work/node_modules
copy() { # copy DEST FILE... : the files (no source maps) into vendor/DEST
  local dest=$out/$1; shift
  mkdir -p "$dest"
  cp -R "$@" "$dest/"
}
copy xterm          "$m/@xterm/xterm/lib/xterm.mjs" "$m/@xterm/xterm/lib/xterm.js" "$m/@xterm/xterm/css/xterm.css" "$m/@xterm/xterm/LICENSE"
copy xterm-addon-fit "$m/@xterm/addon-fit/lib/addon-fit.mjs" "$m/@xterm/addon-fit/lib/addon-fit.js" "$m/@xterm/addon-fit/LICENSE"
copy novnc          "$m/@novnc/novnc/core" "$m/@novnc/novnc/vendor" "$m/@novnc/novnc/LICENSE.txt"
copy uplot          "$m/uplot/dist/uPlot.esm.js" "$m/uplot/dist/uPlot.min.css" "$m/uplot/LICENSE"
find "$out" -name '*.map' -delete
echo "$sum" > "$stamp"

#!/usr/bin/env bash
# Installs what vmhost needs on a Debian 12/13 host, from Debian's packages. Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"

packages=(
  qemu-system-x86 qemu-utils          # the device model and image tool
  maven                               # the build
  busybox-static cpio lz4             # guest initramfs; lz4 unpacks the kernel into vmlinux
  syslinux syslinux-common extlinux fdisk dosfstools e2fsprogs mtools   # the hvm guest's disk and boot loader
  iproute2 procps psmisc socat        # bridges, taps, process checks, console tests
  nftables dnsmasq-base               # NAT networks: masquerading, DHCP and names for guests
  sqlite3                             # inspecting the store by hand
  lvm2 genisoimage xorriso isolinux   # storage tests: LVM volumes on loop devices, CD-ROM images (bootable ones)
  curl python3-prometheus-client      # monitoring tests: /metrics fetched and read with Prometheus' text-format parser
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  step "installing Debian packages: ${missing[*]}"
  require_root "install packages"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  step "Debian packages already installed"
fi
find_jdk >/dev/null
step "JDK: $(find_jdk)"

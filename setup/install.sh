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
  acl passwd util-linux               # QEMU's own user: setfacl lets it search xend's home; useradd; setpriv
  nftables dnsmasq-base               # NAT networks: masquerading, DHCP and names for guests
  sqlite3                             # inspecting the store by hand
  lvm2 genisoimage xorriso isolinux   # storage tests: LVM volumes on loop devices, CD-ROM images (bootable ones)
  libpam0g libpam-modules passwd      # logins to the TCP API with host accounts (PAM); test users (useradd, chpasswd)
  chromium chromium-driver curl       # security tests: attacker pages in headless Chromium, requests as other users
  python3                             # security tests: a local user's server squatting xend's port
  python3-prometheus-client           # monitoring tests: /metrics read with Prometheus' text-format parser
  systemd                             # systemd-analyze: the unit files in setup/systemd are verified by a test
)
# The web GUI's libraries come from npm at build time (setup/web-vendor.sh). A node that brings its own npm
# (NodeSource's) is used as it is; otherwise Debian's nodejs, then Debian's npm if nodejs did not bring one
# (NodeSource's nodejs, where its apt source is configured, conflicts with Debian's npm package).
command -v node >/dev/null || packages+=(nodejs)
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
if ! command -v npm >/dev/null; then
  step "installing Debian's npm"
  require_root "install npm"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
fi
# QEMU runs as this unprivileged user once it has opened its command line's files (-runas); xend makes it too.
if ! getent passwd vmhost-qemu >/dev/null; then
  require_root "make the user vmhost-qemu"
  step "making the system user vmhost-qemu, which QEMU runs as"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --comment "vmhost QEMU" vmhost-qemu
fi
find_jdk >/dev/null
step "JDK: $(find_jdk)"

# The PAM service that checks logins to xend's API over TCP (docs/security.md): the host's own accounts, as
# login and ssh check them. Replace it to use another PAM stack (two factors, LDAP ...); xend reads it at
# every login.
if [[ ! -e /etc/pam.d/vmhost ]]; then
  require_root "install /etc/pam.d/vmhost"
  cat > /etc/pam.d/vmhost <<'PAM'
# xend's API logins (vmhost); see docs/security.md
@include common-auth
@include common-account
PAM
  chmod 644 /etc/pam.d/vmhost
  step "installed the PAM service /etc/pam.d/vmhost"
fi

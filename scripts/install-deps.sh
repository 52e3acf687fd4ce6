#!/usr/bin/env bash
# Installs the Debian packages healthgate builds and tests with, only when one is missing.
# Uses sudo when not root. Extra groups of packages: HEALTHGATE_DEPS_EXTRA="vm deb".
set -euo pipefail
build=(pkg-config libzbar-dev libzxing-dev libgpiod-dev libv4l-dev libsqlite3-dev zlib1g-dev libqrencode-dev libpng-dev
    libfreetype-dev libasound2-dev)
# sqlite3: the entry-log tests tamper with the file through it; postgresql: the county tests and demo start their
# own server (initdb + pg_ctl)
tools=(zbar-tools gpiod i2c-tools v4l-utils sqlite3 postgresql)
# The screen's CJK font (the layout tests measure with it) and the voice clips' speech synthesiser.
tools+=(fonts-wqy-microhei espeak-ng)
pkgs=("${build[@]}" "${tools[@]}")
for group in ${HEALTHGATE_DEPS_EXTRA:-}; do
    case "$group" in
        # packaging/build-deb.sh (shlibdeps, man pages) and packaging/test-install.sh (a Debian root).
        deb) pkgs+=(dpkg-dev help2man debootstrap) ;;
        # packaging/test-boot.sh: boots the installed root under systemd (x86_64 guest).
        boot) pkgs+=(qemu-system-x86 linux-image-amd64 e2fsprogs) ;;
        *) echo "error: unknown HEALTHGATE_DEPS_EXTRA group: $group" >&2; exit 2 ;;
    esac
done
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "error: swift not found on PATH (Swift 6.x toolchain required, see docs/install-raspberry-pi.md)" >&2; exit 1; }

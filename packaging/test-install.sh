#!/usr/bin/env bash
# Installs the healthgate .deb into a clean Debian 12 root (debootstrap, no systemd running, as in an
# image build) and checks what an integrator relies on: the user and groups, the files, the enabled
# service, a unit systemd accepts, binaries that run with only the declared dependencies, the exposure
# score; then boots it under systemd in qemu (packaging/test-boot.sh: sandbox, readiness, watchdog,
# reload, stop); then purge (the entry log kept, then deleted on request) and reinstall.
# Usage: packaging/test-install.sh [healthgate_<version>_<arch>.deb]   (root; needs network to the Debian mirror)
# Without a package it builds this tree's (make test, CI).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
[ "$(id -u)" -eq 0 ] || { echo "test-install: must run as root (debootstrap, chroot)" >&2; exit 1; }

# Without an argument, test the package of this tree (build-deb.sh is incremental), never a stale one.
if [ $# -eq 0 ]; then
    packaging/build-deb.sh
    deb=$(ls -t .build/deb/healthgate_*_"$(dpkg --print-architecture)".deb | head -n1)
else
    deb=$1
fi
[ -f "$deb" ] || { echo "test-install: no package at $deb" >&2; exit 1; }
HEALTHGATE_DEPS_EXTRA="deb boot" scripts/install-deps.sh

# The mirrors this machine's apt already uses (a CI machine may only reach those).
uris() { grep -h -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
         grep -oE 'https?://[^ ]+' | grep -E "$1" | head -n1 || true; }
mirror=${HEALTHGATE_DEBIAN_MIRROR:-$(uris '/debian/?$')}
mirror=${mirror:-http://deb.debian.org/debian}
security=$(uris '/debian-security/?$')

work=$(mktemp -d /var/tmp/healthgate-install.XXXXXX)
root=$work/root
cleanup() {
    for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
    rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
check() {   # check "what" command…
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "  ok    $what"
    else failed=$((failed + 1)); echo "  FAIL  $what"; fi
}
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
stat_is() { [ "$(in_root stat -c '%U:%G %a' "$1")" = "$2" ]; }

echo "== debootstrap bookworm (minbase) from $mirror"
phase=$SECONDS
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; exit 1; }
{
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    [ -n "$security" ] && echo "deb $security bookworm-security main"
} > "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
echo "   $((SECONDS - phase)) s"

echo "== apt-get install ./$(basename "$deb")"
phase=$SECONDS
cp "$deb" "$root/tmp/"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" > "$work/install.log" 2>&1 ||
    { tail -n 30 "$work/install.log"; exit 1; }
echo "   $((SECONDS - phase)) s"

echo "== installed"
check "user healthgate exists" in_root getent passwd healthgate
check "group gate-staff exists" in_root getent group gate-staff
for group in gpio i2c video gate-staff; do
    check "healthgate is in $group" sh -c "chroot '$root' id -nG healthgate | tr ' ' '\n' | grep -qx $group"
done
for file in /usr/bin/healthgated /usr/bin/gatectl /usr/bin/healthgate-uplink /lib/systemd/system/healthgated.service \
            /lib/systemd/system/healthgate-uplink.service /usr/share/healthgate/voice/zh/signal-admitted.wav \
            /usr/share/healthgate/voice/en/reason-red_code.wav /usr/share/man/man8/healthgate-uplink.8.gz \
            /usr/lib/sysusers.d/healthgate.conf /usr/lib/tmpfiles.d/healthgate.conf /etc/healthgate/healthgate.toml \
            /usr/share/man/man8/healthgated.8.gz /usr/share/man/man1/gatectl.1.gz; do
    check "$file" test -s "$root$file"
done
check "trust store directory" test -d "$root/etc/healthgate/trust"
contents=$(dpkg-deb -c "$deb")   # listed once: grep -q on a pipe would cut dpkg-deb off (SIGPIPE)
if grep -q 'lib/udev/rules.d/99-healthgate.rules' <<<"$contents"; then
    check "udev rules" test -s "$root/lib/udev/rules.d/99-healthgate.rules"
fi
check "config is a conffile" sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' healthgate | grep -q /etc/healthgate/healthgate.toml"
check "/var/lib/healthgate healthgate:gate-staff 2750" stat_is /var/lib/healthgate "healthgate:gate-staff 2750"
check "/run/healthgate/requests healthgate:gate-staff 3770" stat_is /run/healthgate/requests "healthgate:gate-staff 3770"
check "service enabled (multi-user.target.wants symlink)" \
    test "$(readlink "$root/etc/systemd/system/multi-user.target.wants/healthgated.service")" = /lib/systemd/system/healthgated.service
check "systemctl is-enabled healthgated" in_root systemctl is-enabled healthgated.service
check "systemd-analyze verify accepts the unit" in_root systemd-analyze verify /lib/systemd/system/healthgated.service
(in_root systemd-analyze verify /lib/systemd/system/healthgated.service 2>&1 || true) | sed "s/^/        /"
check "healthgated --help runs with only the declared dependencies" in_root healthgated --help
if grep -q 'usr/share/healthgate/board/.*\.toml' <<<"$contents"; then
    check "the shipped configuration is valid (healthgated --check-config)" \
        in_root healthgated --check-config /etc/healthgate/healthgate.toml
    in_root healthgated --check-config /etc/healthgate/healthgate.toml 2>&1 | sed 's/^/        /' || true
else
    echo "  (no board profiles in the package: the shipped configuration cannot be checked)"
fi
check "gatectl --help runs" in_root gatectl --help
check "gatectl --version is the package's version" \
    test "$(in_root gatectl --version)" = "$(dpkg-deb -f "$deb" Version)"
check "no developer tool on the gate (healthgate-dev)" test -z "$(grep healthgate-dev <<<"$contents" || true)"
check "gatectl verifies codes but cannot issue them" \
    sh -c "chroot '$root' gatectl code --help | grep -qw verify && ! chroot '$root' gatectl code --help | grep -qw issue"
check "no library missing" sh -c "! chroot '$root' ldd /usr/bin/healthgated /usr/bin/gatectl /usr/bin/healthgate-uplink | grep -q 'not found'"
check "healthgate-uplink --version is the package's version" \
    test "$(in_root healthgate-uplink --version)" = "$(dpkg-deb -f "$deb" Version)"
check "systemd-analyze verify accepts the uplink's unit" in_root systemd-analyze verify /lib/systemd/system/healthgate-uplink.service

score=$(in_root systemd-analyze security --offline=true /lib/systemd/system/healthgated.service 2>/dev/null |
        sed -n 's/.*Overall exposure level for healthgated.service: \([0-9.]*\).*/\1/p')
echo "  exposure score: ${score:-unknown} (systemd $(in_root systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p'))"
check "exposure score <= 1.0" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 1.0) }'

echo "== boot under systemd (qemu): the service in its sandbox"
phase=$SECONDS
for m in dev/pts dev proc sys; do umount "$root/$m"; done
packaging/test-boot.sh "$root" | tee "$work/boot.log" || true
read -r boot_passed boot_failed < <(sed -n 's/^boot: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$work/boot.log")
passed=$((passed + ${boot_passed:-0})); failed=$((failed + ${boot_failed:-1}))
mount -t proc proc "$root/proc"; mount -t sysfs sysfs "$root/sys"; mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
echo "   $((SECONDS - phase)) s"

echo "== purge keeps the entry log"
printf 'log' > "$root/var/lib/healthgate/entries.sqlite"
printf '{}\n' > "$root/var/lib/healthgate/anchors.jsonl"
printf 'key' > "$root/var/lib/healthgate/anchor.key"
in_root chown healthgate:gate-staff /var/lib/healthgate/entries.sqlite /var/lib/healthgate/anchors.jsonl /var/lib/healthgate/anchor.key
in_root apt-get purge -y -qq healthgate > "$work/purge.log" 2>&1 || { tail -n 20 "$work/purge.log"; exit 1; }
check "user removed" sh -c "! chroot '$root' getent passwd healthgate"
check "group gate-staff removed" sh -c "! chroot '$root' getent group gate-staff"
check "configuration removed" test ! -e "$root/etc/healthgate"
check "service symlink removed" test ! -e "$root/etc/systemd/system/multi-user.target.wants/healthgated.service"
check "entry log kept, root only" stat_is /var/lib/healthgate/entries.sqlite "root:root 600"
check "anchors kept, root only" stat_is /var/lib/healthgate/anchors.jsonl "root:root 600"
check "anchor key kept, root only" stat_is /var/lib/healthgate/anchor.key "root:root 600"

echo "== reinstall adopts the kept log; purge with HEALTHGATE_PURGE_LOG=yes deletes it"
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" > "$work/install2.log" 2>&1 ||
    { tail -n 30 "$work/install2.log"; exit 1; }
check "kept log handed back to the daemon" stat_is /var/lib/healthgate/entries.sqlite "healthgate:gate-staff 640"
check "kept anchors handed back to the daemon" stat_is /var/lib/healthgate/anchors.jsonl "healthgate:gate-staff 640"
check "kept anchor key handed back, the daemon's alone" stat_is /var/lib/healthgate/anchor.key "healthgate:gate-staff 600"
in_root env HEALTHGATE_PURGE_LOG=yes apt-get purge -y -qq healthgate > "$work/purge2.log" 2>&1 ||
    { tail -n 20 "$work/purge2.log"; exit 1; }
check "entry log deleted on request" test ! -e "$root/var/lib/healthgate"

echo "install test took $((SECONDS - started)) s"
echo "test-install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

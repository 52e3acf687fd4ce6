#!/usr/bin/env bash
# Boots a Debian root with the healthgate package installed (from packaging/test-install.sh) under
# systemd in qemu (software emulation), with a simulated board, and checks the service as systemd runs
# it: inside its sandbox, Type=notify readiness, the watchdog, the status and metrics files, reload, stop.
# Usage: packaging/test-boot.sh ROOT   (root; ROOT is left unchanged: the test boots a copy)
# Prints "  ok …"/"  FAIL …" lines and ends with "boot: N passed, N failed".
set -euo pipefail
root=$1
work=$(mktemp -d /var/tmp/healthgate-boot.XXXXXX)
kernel=$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n1)
initrd=/boot/initrd.img-${kernel#/boot/vmlinuz-}
[ -f "$kernel" ] && [ -f "$initrd" ] || { echo "test-boot: no kernel and initrd in /boot" >&2; exit 1; }

# What the guest runs: a simulated board that loops over an empty entrance, metrics into
# node_exporter's directory (which exercises the tmpfiles.d ACL), and the checks as a oneshot unit.
overlay=(etc/healthgate/boot-test.toml etc/healthgate/boot-scenario.txt usr/local/sbin/healthgate-boot-test
         etc/systemd/system/healthgate-boot-test.service etc/systemd/system/multi-user.target.wants/healthgate-boot-test.service
         etc/systemd/system/healthgated.service.d/boot-test.conf var/lib/prometheus)
cleanup_overlay() { for f in "${overlay[@]}"; do rm -rf "${root:?}/$f"; done; rmdir "$root/etc/systemd/system/healthgated.service.d" 2>/dev/null || true; }
trap 'cleanup_overlay; rm -rf "$work"' EXIT

printf 'blank 20\n' > "$root/etc/healthgate/boot-scenario.txt"
cat > "$root/etc/healthgate/boot-test.toml" <<'EOF'
[gate]
id = "boot-test"
[paths]
metrics_file = "/var/lib/prometheus/node-exporter/healthgate.prom"
[board]
profile = "simulated"
[board.simulated]
scenario = "/etc/healthgate/boot-scenario.txt"
fps = 10
at_end = "loop"
EOF
mkdir -p "$root/etc/systemd/system/healthgated.service.d" "$root/var/lib/prometheus/node-exporter"
cat > "$root/etc/systemd/system/healthgated.service.d/boot-test.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=/usr/bin/healthgated --config /etc/healthgate/boot-test.toml
EOF
cat > "$root/etc/systemd/system/healthgate-boot-test.service" <<'EOF'
[Unit]
Description=healthgate boot test
After=healthgated.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/healthgate-boot-test
[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/healthgate-boot-test.service "$root/etc/systemd/system/multi-user.target.wants/"
cat > "$root/usr/local/sbin/healthgate-boot-test" <<'EOF'
#!/bin/sh
out=/dev/ttyS0
say() { echo "HGBOOT: $*" > $out; }
check() { what=$1; shift; if "$@" >/dev/null 2>&1; then say "ok $what"; else say "FAIL $what"; fi; }
prop() { systemctl show healthgated -p "$1" --value; }
for i in $(seq 120); do [ "$(systemctl is-active healthgated)" = active ] && break; sleep 1; done
check "active: READY=1 received (Type=notify)" test "$(systemctl is-active healthgated)" = active
say "info StatusText=$(prop StatusText)"
check "STATUS= line set" test -n "$(prop StatusText)"
pid=$(prop MainPID)
check "watchdog armed (WatchdogUSec=10s)" test "$(prop WatchdogUSec)" = 10s
sleep 25
check "still running after 2.5 watchdog intervals, not restarted" \
    test "$(prop MainPID)" = "$pid" -a "$(prop NRestarts)" = 0 -a "$(systemctl is-active healthgated)" = active
say "info status file: $(stat -c '%U:%G %a' /run/healthgate/status.json)"
check "status file readable by gate-staff, in the setgid runtime directory" \
    test "$(stat -c '%U:%G' /run/healthgate/status.json)" = "healthgate:gate-staff"
check "entry log healthgate:gate-staff 640" test "$(stat -c '%U:%G %a' /var/lib/healthgate/entries.sqlite)" = "healthgate:gate-staff 640"
check "metrics file written through the tmpfiles.d ACL, world-readable" \
    sh -c 'grep -q "^healthgate_frames_total [1-9]" /var/lib/prometheus/node-exporter/healthgate.prom && test "$(stat -c %a /var/lib/prometheus/node-exporter/healthgate.prom)" = 644'
# A staff member opens the gate by hand: the daemon must read who (file owner) and why (file content).
useradd -m -G gate-staff alice
check "gatectl open by a gate-staff member" \
    runuser -u alice -- gatectl open --requests-dir /run/healthgate/requests --reason "boot test delivery"
sleep 7
check "override admitted with its reason" \
    sh -c 'journalctl -u healthgated -b | grep "staff override" | grep alice | grep -q "boot test delivery"'
check "override counted in the metrics" grep -q "^healthgate_overrides_total 1$" /var/lib/prometheus/node-exporter/healthgate.prom
check "systemctl reload" systemctl reload healthgated
sleep 3
check "reloaded in place" test "$(prop MainPID)" = "$pid" -a "$(systemctl is-active healthgated)" = active
check "the sandbox lets the daemon read the clock state (adjtimex)" \
    sh -c '! journalctl -u healthgated -b | grep -q "cannot read the kernel"'
check "reload logged" sh -c 'journalctl -u healthgated -b | grep -q "configuration reloaded"'
say "info exposure: $(systemd-analyze security healthgated 2>/dev/null | sed -n 's/.*Overall exposure level for healthgated.service: //p')"
check "systemctl stop" systemctl stop healthgated
check "stopped cleanly on SIGTERM" test "$(prop Result)" = success -a "$(prop ExecMainStatus)" = 0
journalctl -u healthgated -b --no-pager -o cat | tail -n 12 | sed 's/^/HGBOOT: log /' > $out
say DONE
sync
echo o > /proc/sysrq-trigger
EOF
chmod 0755 "$root/usr/local/sbin/healthgate-boot-test"

image=$work/root.img
mkfs.ext4 -q -F -d "$root" "$image" 2G
cleanup_overlay

started=$SECONDS
timeout 600 qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 1024 -smp 1 -display none -no-reboot -net none \
    -kernel "$kernel" -initrd "$initrd" -drive "file=$image,format=raw,if=virtio" -serial "file:$work/serial.log" \
    -append "root=/dev/vda rw console=ttyS0 panic=-1 quiet init=/lib/systemd/systemd systemd.mask=serial-getty@ttyS0.service systemd.mask=getty.target" ||
    echo "test-boot: qemu ended with status $?"
echo "  (guest boot and checks took $((SECONDS - started)) s)"

grep -a '^HGBOOT: ' "$work/serial.log" | sed 's/^HGBOOT: //' | while IFS= read -r line; do
    case $line in
        "ok "*) echo "  ok    ${line#ok }" ;;
        "FAIL "*) echo "  FAIL  ${line#FAIL }" ;;
        "info "*) echo "        ${line#info }" ;;
        "log "*) echo "        | ${line#log }" ;;
    esac
done
passed=$(grep -ac '^HGBOOT: ok ' "$work/serial.log" || true)
failed=$(grep -ac '^HGBOOT: FAIL ' "$work/serial.log" || true)
if ! grep -aq '^HGBOOT: DONE' "$work/serial.log"; then
    failed=$((failed + 1))
    echo "  FAIL  the guest did not finish its checks; last console lines:"
    tail -n 20 "$work/serial.log" | sed 's/^/        /'
fi
echo "boot: $passed passed, $failed failed"

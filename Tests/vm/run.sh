#!/usr/bin/env bash
# Runs the gate's drivers and the real healthgated against the kernel's own simulators — vivid (camera),
# i2c-stub (MLX90614 at 0x5a) and gpio-sim (lines named as on a Raspberry Pi header) — in a Debian
# kernel under qemu (TCG; /dev/kvm does not work on these machines). The host's root is shared
# read-only over 9p, so the guest runs the host-built binaries unchanged; the checkout is shared on its
# own at a fixed place, /run/checkout, so it is found wherever it lives (under /tmp or /root, which the
# guest covers with tmpfs, or in a path with a space).
# Prints one PASS/FAIL line per scenario and "N passed, N failed"; exits non-zero on any failure.
# Skips (loudly, exit 0) only when qemu cannot start a machine at all.
# Environment: VM_TIMEOUT (seconds, default 900), VM_KEEP=1 keeps the work folder's logs as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$repo/Tests/vm/work
say() { echo "vm: $*" >&2; }

# 1. Packages (Debian), only the missing ones.
packages=(qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source-6.1 busybox-static cpio kmod
    build-essential xz-utils i2c-tools gpiod v4l-utils qrencode python3-pil
    alsa-utils sox espeak-ng fonts-wqy-microhei)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. qemu must be able to create a machine; otherwise there is nothing to test here.
if ! echo quit | timeout 60 qemu-system-x86_64 -machine q35,accel=tcg -display none -nodefaults -S -monitor stdio >/dev/null 2>&1; then
    echo "!!! VM SUITE SKIPPED: qemu-system-x86_64 cannot start a machine on this host — drivers NOT tested against kernel simulators" >&2
    exit 0
fi

# 3. The guest kernel: Debian's, the one whose headers are installed (never the host's uname -r).
kver=""
for build in /lib/modules/*/build; do
    candidate=$(basename "$(dirname "$build")")
    [ -e "/boot/vmlinuz-$candidate" ] && kver=$candidate
done
[ -n "$kver" ] || { say "no kernel with both /boot/vmlinuz-X and /lib/modules/X/build"; exit 1; }
say "guest kernel $kver"

mkdir -p "$work/cache"
find "$work" -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +
mkdir -p "$work/frames" "$work/logs"

# 4. gpio-sim, built out of tree from the Debian kernel source (not enabled in Debian's kernels).
simdir=$work/cache/gpio-sim-$kver
if [ ! -f "$simdir/gpio-sim.ko" ]; then
    say "building gpio-sim for $kver"
    # Built in a folder of its own: kbuild cannot take an M= path with a space in it.
    kbuild=$(mktemp -d /var/tmp/healthgate-gpio-sim.XXXXXX)
    mkdir -p "$kbuild/src"
    tar -C "$kbuild/src" -xJf /usr/src/linux-source-6.1.tar.xz --wildcards \
        '*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c'
    cp "$kbuild"/src/*/drivers/gpio/gpio-sim.c "$kbuild/gpio-sim-main.c"
    cp "$kbuild"/src/*/drivers/gpio/gpiolib.h "$kbuild/"
    # irq_to_desc is not exported to modules; generic_handle_irq does the same for a simple irq.
    sed 's/handle_simple_irq(irq_to_desc(irqnum))/generic_handle_irq(irqnum)/' \
        "$kbuild"/src/*/kernel/irq/irq_sim.c > "$kbuild/irq_sim.c"
    printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' > "$kbuild/Kbuild"
    make -s -C "/lib/modules/$kver/build" M="$kbuild" modules >"$kbuild/build.log" 2>&1 \
        || { cat "$kbuild/build.log" >&2; rm -rf "$kbuild"; say "gpio-sim build failed"; exit 1; }
    rm -rf "$simdir"; mkdir -p "$simdir"
    cp "$kbuild/gpio-sim.ko" "$kbuild/build.log" "$simdir/"
    rm -rf "$kbuild"
fi
cp "$simdir/gpio-sim.ko" "$work/"

# 5. The binaries under test (debug build: the same code the unit tests ran).
say "building healthgated, gatectl and healthgate-dev (which makes the test codes on the host)"
swift build --product healthgated >/dev/null
swift build --product gatectl >/dev/null
swift build --product healthgate-dev >/dev/null
bin=$(swift build --show-bin-path)
# The guest sees the checkout at /run/checkout, so the binaries must be inside it (the default .build is).
case $bin in
    "$repo"/*) guest_bin=/run/checkout/${bin#"$repo"/} ;;
    *) say "the build folder $bin is outside the checkout $repo: the guest cannot see it"; exit 1 ;;
esac

# 6. Frames and register values, made on the host.
"$repo/Tests/vm/prepare.sh" "$bin" "$work"

# 7. A busybox initramfs with only what mounting the host's root over 9p needs.
initramfs=$work/cache/initramfs-$kver-$(sha1sum "$repo/Tests/vm/init" | cut -c1-12).cpio.gz
if [ ! -f "$initramfs" ]; then
    rm -f "$work"/cache/initramfs-*
    staging=$(mktemp -d)
    mkdir -p "$staging"/{bin,proc,sys,dev,host,modules}
    cp /bin/busybox "$staging/bin/busybox"
    for module in 9p 9pnet_virtio virtio_pci; do modprobe -S "$kver" --show-depends "$module"; done \
        | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$staging/modules.list"
    while read -r ko; do cp "$ko" "$staging/modules/"; echo "/modules/$(basename "$ko")"; done \
        < "$staging/modules.list" > "$staging/modules.order"
    cp "$repo/Tests/vm/init" "$staging/init"
    rm "$staging/modules.list"
    chmod +x "$staging/init"
    (cd "$staging" && find . | cpio -o -H newc --quiet | gzip -1) > "$initramfs"
    rm -rf "$staging"
fi

# 8. Boot. The guest runs Tests/vm/guest.sh from the shared checkout and writes its results to $work.
# Paths in the guest are fixed ones; quoted for the guest's sh all the same.
printf 'REPO=/run/checkout\nBIN=%q\n' "$guest_bin" > "$work/env"
# qemu's -fsdev takes comma-separated options: a comma in a path is written twice.
qemu_path() { printf '%s' "${1//,/,,}"; }
say "booting (TCG)"
start=$SECONDS
set +e
timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 2 -m 1536 \
    -kernel "/boot/vmlinuz-$kver" -initrd "$initramfs" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init" \
    -display none -serial "file:$work/logs/console.log" -monitor none -no-reboot -nodefaults \
    -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    -fsdev local,id=checkout,path="$(qemu_path "$repo")",security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=checkout,mount_tag=checkout \
    -fsdev local,id=work,path="$(qemu_path "$work")",security_model=none \
    -device virtio-9p-pci,fsdev=work,mount_tag=work
qemu_status=$?
set -e
say "guest ran $((SECONDS - start)) s (qemu exit $qemu_status)"

# 9. Report.
passed=0; failed=0
if [ -f "$work/results" ]; then
    while read -r verdict name detail; do
        printf '%-4s  %s %s\n' "$verdict" "$name" "$detail"
        if [ "$verdict" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done < "$work/results"
fi
if [ ! -f "$work/guest-status" ]; then
    echo "FAIL  guest: did not finish (qemu exit $qemu_status); see $work/logs/console.log"
    tail -n 30 "$work/logs/console.log" >&2 || true
    failed=$((failed + 1))
elif [ "$(cat "$work/guest-status")" != 0 ]; then
    echo "FAIL  guest: script exited $(cat "$work/guest-status"); see $work/logs/guest.log"
    tail -n 30 "$work/logs/guest.log" >&2 || true
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

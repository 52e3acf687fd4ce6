#!/bin/bash
# Runs inside the VM (a chroot of the host's root, see init): sets up vivid, i2c-stub and gpio-sim, finds
# every device by name (never by number), then runs the scenarios. Each scenario appends
# "PASS name detail" or "FAIL name detail" to /mnt/results; logs go to /mnt/logs.
set -uo pipefail
export LC_ALL=C.UTF-8
results=/mnt/results
logs=/mnt/logs
: > "$results"
gatectl=$BIN/gatectl
healthgated=$BIN/healthgated
. /mnt/pec.env

pass() { echo "PASS $1 ${2:-}" >> "$results"; echo "== PASS $1 ${2:-}"; }
fail() { echo "FAIL $1 ${2:-}" >> "$results"; echo "== FAIL $1 ${2:-}"; }
die() { fail setup "$1"; exit 1; }

# --- gpio-sim: one bank, lines named as on a Raspberry Pi header ------------------------------------
modprobe configfs && mount -t configfs none /sys/kernel/config || die "configfs"
insmod /mnt/gpio-sim.ko || die "insmod gpio-sim"
lines=(GPIO17 GPIO22 GPIO27 GPIO23 GPIO24 GPIO5 GPIO6 GPIO13)
sim=/sys/kernel/config/gpio-sim/gate
mkdir -p "$sim/bank0"
echo "${#lines[@]}" > "$sim/bank0/num_lines"
for i in "${!lines[@]}"; do
    mkdir "$sim/bank0/line$i"
    echo "${lines[$i]}" > "$sim/bank0/line$i/name"
done
echo 1 > "$sim/live" || die "gpio-sim live"
simchip=$(cat "$sim/bank0/chip_name")
simsys=/sys/devices/platform/$(cat "$sim/dev_name")/$simchip
offset() { local i; for i in "${!lines[@]}"; do [ "${lines[$i]}" = "$1" ] && echo "$i" && return; done; }
# Level on the wire of a line (while a process holds an output, what it drives).
wire() { local value; read -r value < "$simsys/sim_gpio$(offset "$1")/value"; echo "$value"; }
# Drive an input (or set what a released line falls back to): pull-up = high, pull-down = low.
pull() { echo "$2" > "$simsys/sim_gpio$(offset "$1")/pull"; }
# The board's resistors: the relay input's pull-up (released = relay off), the inputs' pull-ups, and the
# fire panel's closed NC contact holding GPIO6 low.
pull GPIO17 pull-up; pull GPIO5 pull-up; pull GPIO13 pull-up; pull GPIO6 pull-down
echo "gpio-sim: $simchip ($(cat /sys/bus/gpio/devices/"$simchip"/../label 2>/dev/null || true))"

# --- i2c-stub at 0x5a, found by adapter name -------------------------------------------------------
modprobe i2c-dev && modprobe i2c-stub chip_addr=0x5a || die "i2c-stub"
find_bus() {
    local adapter
    for adapter in /sys/class/i2c-dev/i2c-*; do
        [ "$(cat "$adapter/name")" = "SMBus stub driver" ] && basename "$adapter" && return
    done
}
bus=$(find_bus); [ -n "$bus" ] || die "no SMBus stub adapter"
busno=${bus#i2c-}
set_word() { i2cset -y "$busno" 0x5a "$1" "$2" w; }
set_word 0x07 0x3b3e   # object 30.17 °C
set_word 0x06 0x3a3c   # ambient 25.01 °C
echo "i2c-stub: /dev/$bus"

# --- vivid: HDMI capture and output with the video loop between them -------------------------------
modprobe vivid n_devs=1 node_types=0x101 num_inputs=1 input_types=0x03 num_outputs=1 output_types=0x01 \
    || die "vivid"
video_by_name() {
    local node
    for node in /sys/class/video4linux/video*; do
        [ "$(cat "$node/name")" = "$1" ] && echo "/dev/$(basename "$node")" && return
    done
}
cap=$(video_by_name vivid-000-vid-cap); out=$(video_by_name vivid-000-vid-out)
[ -n "$cap" ] && [ -n "$out" ] || die "vivid nodes not found"
for node in "$cap" "$out"; do
    v4l2-ctl -d "$node" --set-dv-bt-timings index=0 >/dev/null || die "dv timings $node"
done
# The driver prefers GREY, and vivid loops only between nodes with the same format.
v4l2-ctl -d "$cap" --list-formats > "$logs/vivid-formats.log"
v4l2-ctl -d "$out" --list-formats-out >> "$logs/vivid-formats.log"
v4l2-ctl -d "$cap" --set-fmt-video=width=640,height=480,pixelformat=GREY,field=none || die "capture format"
v4l2-ctl -d "$out" --set-fmt-video-out=width=640,height=480,pixelformat=GREY,field=none || die "output format"
v4l2-ctl -d "$cap" -c loop_video=1 -c osd_text_mode=2 || die "loop_video"
echo "vivid: capture $cap, output $out"
feeder_pid=""
feed() {   # feed FRAME: loop one frame into vivid's output until stop_feeder
    stop_feeder
    v4l2-ctl -d "$out" --stream-out-mmap=3 --stream-from="/mnt/frames/$1.grey" --stream-loop \
        > "$logs/feeder-$1.log" 2>&1 &
    feeder_pid=$!
    sleep 1
}
stop_feeder() {
    if [ -n "$feeder_pid" ]; then kill "$feeder_pid" 2>/dev/null; wait "$feeder_pid" 2>/dev/null; fi
    feeder_pid=""
}

lineopts=(--line relay=!GPIO17 --line green=GPIO22 --line yellow=GPIO27 --line red=GPIO23 --line buzzer=GPIO24
    --line exit_sensor=!GPIO5 --line fire_alarm=!GPIO6 --line staff_button=!GPIO13)

# --- Driver level: gatectl selftest against the simulators -----------------------------------------
feed sample
# Outputs seen driven while the selftest runs: relay is active-low (0 = energised), lamps active-high.
# Only shell builtins in the loop: a fork costs tens of milliseconds under TCG.
watch_outputs() {
    local seen=" " line value active i
    local -a names=(GPIO17 GPIO22 GPIO27 GPIO23 GPIO24) files=()
    for line in "${names[@]}"; do files+=("$simsys/sim_gpio$(offset "$line")/value"); done
    while kill -0 "$1" 2>/dev/null; do
        for i in "${!names[@]}"; do
            read -r value < "${files[$i]}"
            active=1; [ "${names[$i]}" = GPIO17 ] && active=0
            [ "$value" = "$active" ] && [[ "$seen" != *" ${names[$i]} "* ]] && seen="$seen${names[$i]} "
        done
    done
    echo "$seen"
}
"$gatectl" selftest --camera "$cap" --i2c-bus "/dev/$bus" --i2c-address 0x5a --no-pec "${lineopts[@]}" \
    --blink-ms 700 --relay-ms 1000 > "$logs/selftest.log" 2>&1 &
selftest=$!
seen=$(watch_outputs "$selftest")
wait "$selftest"; status=$?
cat "$logs/selftest.log"
[ "$status" = 0 ] && pass selftest-exit "all steps passed" || fail selftest-exit "exit $status, see logs/selftest.log"
for line in GPIO17 GPIO22 GPIO27 GPIO23 GPIO24; do
    [[ "$seen" == *" $line "* ]] && pass "selftest-drives-$line" || fail "selftest-drives-$line" "never seen active (seen:$seen)"
done
[ "$(wire GPIO17)" = 1 ] && pass selftest-relay-released "relay line back to its pull-up after exit" \
    || fail selftest-relay-released "relay line reads $(wire GPIO17) after exit"
grep -q "^PASS  thermometer: /dev/$bus@0x5a: object 30.17 °C, ambient 25.01 °C" "$logs/selftest.log" \
    && pass selftest-thermometer "30.17 °C from SMBus word reads" || fail selftest-thermometer "$(grep thermometer "$logs/selftest.log")"
mean=$(cat /mnt/frames/sample.mean)
grep -q "^PASS  camera: $cap: GREY 640x480, frame .* luma mean $mean," "$logs/selftest.log" \
    && pass selftest-camera "GREY luma plane matches the fed frame (mean $mean)" \
    || fail selftest-camera "$(grep camera "$logs/selftest.log"), expected mean $mean"
grep -q "^PASS  exit_sensor: inactive" "$logs/selftest.log" && grep -q "^PASS  fire_alarm: inactive" "$logs/selftest.log" \
    && grep -q "^PASS  staff_button: inactive" "$logs/selftest.log" \
    && pass selftest-inputs-idle "beam clear, NC contact closed, button up" || fail selftest-inputs-idle "see logs/selftest.log"

pull GPIO5 pull-down; pull GPIO6 pull-up; pull GPIO13 pull-down
"$gatectl" selftest --skip camera --skip thermometer "${lineopts[@]}" --blink-ms 1 --relay-ms 1 > "$logs/selftest-inputs.log" 2>&1
grep -q "^PASS  exit_sensor: active" "$logs/selftest-inputs.log" && grep -q "^PASS  fire_alarm: active" "$logs/selftest-inputs.log" \
    && grep -q "^PASS  staff_button: active" "$logs/selftest-inputs.log" \
    && pass selftest-inputs-active "beam broken, NC contact open (alarm), button pressed" || fail selftest-inputs-active "see logs/selftest-inputs.log"
pull GPIO5 pull-up; pull GPIO6 pull-down; pull GPIO13 pull-up

# PEC: the driver checks the CRC itself on 3-byte block reads.
set_word 0x06 "$PEC_W6"; set_word 0x07 "$PEC_W7"; set_word 0x08 "$PEC_W8"; set_word 0x09 "$PEC_W9"
"$gatectl" selftest --skip camera --skip gpio --i2c-bus "/dev/$bus" > "$logs/selftest-pec.log" 2>&1
grep -q "^PASS  thermometer: /dev/$bus@0x5a: object 30.17 °C, ambient $PEC_AMBIENT" "$logs/selftest-pec.log" \
    && pass thermometer-pec-valid "block reads with a valid PEC give 30.17 °C" || fail thermometer-pec-valid "$(cat "$logs/selftest-pec.log")"
set_word 0x09 "$PEC_BAD_W9"
"$gatectl" selftest --skip camera --skip gpio --i2c-bus "/dev/$bus" > "$logs/selftest-pec-bad.log" 2>&1
grep -q "^FAIL  thermometer: thermometer /dev/$bus@0x5a: read register 0x07 failed: PEC mismatch" "$logs/selftest-pec-bad.log" \
    && pass thermometer-pec-mismatch "a corrupted PEC is a fault naming bus and address" \
    || fail thermometer-pec-mismatch "$(cat "$logs/selftest-pec-bad.log")"
set_word 0x06 0x3a3c; set_word 0x07 0x3b3e

# Device gone: unloading i2c-stub is a fault that asks for a reopen.
stop_feeder

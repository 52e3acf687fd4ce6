#!/usr/bin/env bash
# Host-side inputs for the guest (Python under emulation is slow): 640x480 frames for vivid's video loop
# in $work/frames (NAME.grey, NAME.yuyv, and the luma mean in NAME.mean), and i2c-stub register values in $work/pec.env.
set -euo pipefail
bin=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
frames=$work/frames
mkdir -p "$frames"
qrencode -s 4 -m 4 -o "$frames/sample.png" "HEALTHGATE VM SAMPLE"
/usr/bin/python3 "$here/to-yuyv.py" "$frames/sample.png" "$frames/sample" > "$frames/sample.mean"

# i2c-stub answers an I2C block read at register R with the low bytes of its words R, R+1, R+2. With
# words 0x06…0x09 chosen so both block reads carry a valid PEC, the driver's PEC path is checked against
# the kernel: object 0x3B3E (30.17 °C) at 0x07, ambient 0x3Exx at 0x06.
/usr/bin/python3 - > "$work/pec.env" <<'PY'
def crc8(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc

def pec(command, lsb, msb):
    return crc8([0x5A << 1, command, (0x5A << 1) | 1, lsb, msb])

w7, w8 = 0x3E, 0x3B
w9 = pec(0x07, w7, w8)
w6 = next(x for x in range(256) if pec(0x06, x, w7) == w8)
ambient = ((w7 << 8) | w6) * 0.02 - 273.15
print(f"PEC_W6=0x{w6:02x} PEC_W7=0x{w7:02x} PEC_W8=0x{w8:02x} PEC_W9=0x{w9:02x} PEC_BAD_W9=0x{w9 ^ 0xFF:02x}")
print(f"PEC_AMBIENT='{ambient:.2f} °C'")
PY

# Health codes for the daemon scenarios: one issuer key, its trust entry in $work/trust, and one frame per
# visitor (a code admitted once is refused as replayed afterwards, so each scenario shows a fresh one).
dev=$bin/healthgate-dev
key=$("$dev" keygen --issuer 110000 --out "$work/keys" --trust-out "$work/trust" | sed -n 's/^private-key //p')
for visitor in green1:green green2:green green3:green green4:green green5:green green6:green red1:red; do
    name=${visitor%%:*} colour=${visitor##*:}
    "$dev" issue --key "$key" --colour "$colour" --subject "vm-visitor-$name" --ttl 7200 \
        --out-payload "$frames/$name.payload" --out-image "$frames/$name.pgm"
    /usr/bin/python3 "$here/to-yuyv.py" "$frames/$name.pgm" "$frames/$name" > "$frames/$name.mean"
done
/usr/bin/python3 -c "import sys; from PIL import Image; Image.new('L', (640, 480), 255).save(sys.argv[1])" "$frames/blank.png"
/usr/bin/python3 "$here/to-yuyv.py" "$frames/blank.png" "$frames/blank" > "$frames/blank.mean"

# Voice clips for the daemon's speaker (espeak-ng, zh and en), as a package or a venue would supply them.
BIN=$bin "$here/../../scripts/make-voice-clips.sh" "$work/voice" >/dev/null

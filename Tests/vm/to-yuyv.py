#!/usr/bin/python3
"""Converts an image (PNG, PGM, …) into one 640x480 frame for vivid's video output, as PREFIX.grey (8-bit
luma) and PREFIX.yuyv (U = V = 128): the image centred on white, scaled by whole pixels (QR modules stay
sharp). Prints the luma mean, which the guest compares with what the camera driver reports."""
import sys

from PIL import Image

WIDTH, HEIGHT = 640, 480


def main(source: str, prefix: str) -> None:
    image = Image.open(source).convert("RGBA").convert("L")
    scale = max(1, min(WIDTH * 3 // 4 // image.width, HEIGHT * 3 // 4 // image.height))
    image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    if image.width > WIDTH or image.height > HEIGHT:
        image.thumbnail((WIDTH, HEIGHT))
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    luma = frame.tobytes()
    packed = bytearray(WIDTH * HEIGHT * 2)
    packed[0::2] = luma
    packed[1::2] = b"\x80" * (WIDTH * HEIGHT)
    with open(prefix + ".yuyv", "wb") as out:
        out.write(packed)
    with open(prefix + ".grey", "wb") as out:
        out.write(luma)
    print(sum(luma) // len(luma))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

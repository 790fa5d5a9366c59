"""Pillow's JPEG decoding, as the reference for assay's (the system libjpeg).

Usage: pillow_jpeg_oracle.py FILES.json GENERATED_DIR

First writes seeded JPEGs of many kinds into GENERATED_DIR with Pillow
(sizes from 1x1 to odd large ones; quality 5-100; 4:4:4, 4:2:2 and 4:2:0
subsampling; progressive and optimised files; greyscale; restart markers),
then decodes every file listed in FILES.json and every generated file and
prints one JSON object per file: its path, Pillow's mode and size, and the
CRC-32 of the decoded pixel bytes (`Image.tobytes()`), or the error.
"""

import json
import os
import random
import sys
import zlib

from PIL import Image


def generate(out_dir):
    rng = random.Random(2026)
    paths = []
    sizes = [(1, 1), (7, 3), (16, 16), (17, 33), (64, 48), (333, 201), (1024, 7), (5, 900)]
    for i in range(120):
        w, h = sizes[i % len(sizes)] if i < len(sizes) * 2 else (rng.randint(1, 700), rng.randint(1, 700))
        mode = "L" if i % 5 == 0 else "RGB"
        # Smooth gradients with noise, so every DCT coefficient is exercised.
        pixels = bytearray()
        fx, fy, noise = rng.uniform(0.2, 3.0), rng.uniform(0.2, 3.0), rng.randint(0, 60)
        for y in range(h):
            for x in range(w):
                base = int(127 + 100 * ((x * fx / max(w, 1)) % 1.0) - 60 * ((y * fy / max(h, 1)) % 1.0))
                for c in range(1 if mode == "L" else 3):
                    v = base + 40 * c + rng.randint(-noise, noise)
                    pixels.append(max(0, min(255, v)))
        im = Image.frombytes(mode, (w, h), bytes(pixels))
        options = {"quality": rng.choice([5, 30, 50, 75, 90, 95, 100])}
        if mode == "RGB":
            options["subsampling"] = rng.choice([0, 1, 2])
        if i % 3 == 0:
            options["progressive"] = True
        if i % 4 == 0:
            options["optimize"] = True
        if i % 7 == 0:
            options["restart_marker_blocks"] = rng.choice([1, 4])
        path = os.path.join(out_dir, f"gen_{i:03d}.jpg")
        try:
            im.save(path, "JPEG", **options)
        except OSError:
            # Pillow's encoder buffer is too small for some option mixes on
            # tiny images ("Suspension not allowed here"): plain then.
            im.save(path, "JPEG", quality=options["quality"])
        paths.append(path)
    return paths


def main():
    files = json.load(open(sys.argv[1]))
    files += generate(sys.argv[2])
    for path in files:
        try:
            with Image.open(path) as im:
                im.load()
                record = {
                    "path": path,
                    "mode": im.mode,
                    "size": list(im.size),
                    "crc32": zlib.crc32(im.tobytes()),
                }
        except Exception as e:  # noqa: BLE001 - the reference's refusal is the answer
            record = {"path": path, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(record))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Decode every image of a folder with Pillow and nothing else: the reference throughput.

``decode_only.py DIR [--procs N]`` opens and fully decodes (``Image.load``)
each image file under DIR, in one process or a pool of N, and prints one
JSON line: ``{"images": ..., "failed": ..., "wall_s": ..., "procs": ...}``.
Pillow is the decoder CleanVision uses, so this is the floor for any
Pillow-based scan of the folder: one full decode per image, no analysis.
(CleanVision decodes each image twice: once for its image properties, once
for the hashes.) Files that fail to decode are counted, not fatal.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

from PIL import Image

# The image file extensions CleanVision (0.3.x) looks for, lower-cased.
EXTENSIONS = {".jpg", ".jpeg", ".gif", ".jp2", ".png", ".tiff", ".webp"}


def image_files(root: Path) -> list[str]:
    """Every image file under ``root``, sorted (by extension, case-insensitive)."""
    out = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            if os.path.splitext(name)[1].lower() in EXTENSIONS:
                out.append(os.path.join(dirpath, name))
    return sorted(out)


def decode(path: str) -> bool:
    try:
        with Image.open(path) as im:
            im.load()
        return True
    except Exception:  # noqa: BLE001 - any decoder error counts as a failure
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="folder of images (searched recursively)")
    parser.add_argument("--procs", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    files = image_files(args.data)
    if args.procs > 1:
        with multiprocessing.Pool(args.procs) as pool:
            ok = sum(pool.imap_unordered(decode, files, chunksize=32))
    else:
        ok = sum(map(decode, files))
    wall = time.perf_counter() - start
    print(json.dumps({"tool": "pil-decode", "images": len(files), "failed": len(files) - ok,
                      "wall_s": wall, "procs": args.procs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

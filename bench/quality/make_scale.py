#!/usr/bin/env python3
"""Make a large folder of photo-like JPEGs for the speed and memory runs.

Every image is a crop of one of the real photos (see ``sources.py``),
resized to ``--size``, with slight jitter so no two are the same: crop scale
0.6-1.0 of the largest crop of that aspect, random position, mirrored half of
the time, brightness x0.9-1.1 and contrast x0.9-1.1, JPEG quality 85-95.
Image ``i`` takes the photo ``i mod P`` of a seeded shuffle of the P photos,
so each photo gives about N/P images: crops of the same photo are alike, and
some of them are near-duplicates by a perceptual hash.

    make_scale.py --out /tmp/qscale --images 5000                     # 640x480, speed
    make_scale.py --out /tmp/qscale-100k --images 100000 --size 64x64  # memory

Writes ``OUT/images/img_NNNNNN.jpg`` and ``OUT/manifest.json`` (the options,
the count, the bytes written). Image ``i`` depends only on the seed, ``i``
and the options (its own ``Generator``), so ``--jobs`` changes nothing in
the output.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import DEFAULT_SHARED_DATA, Source, load_sources, open_rgb  # noqa: E402


def prepared(source: Source, size: tuple[int, int]) -> Image.Image:
    """The photo, decoded and shrunk so its largest crop at the target aspect is
    at most 1.5x the target size (cheaper crops, same look)."""
    w, h = size
    aspect = w / h
    max_w = min(source.width, source.height * aspect)
    factor = max_w / (1.5 * w)
    if factor <= 1:
        return open_rgb(source.path)
    want = (max(1, round(source.width / factor)), max(1, round(source.height / factor)))
    with Image.open(source.path) as im:
        im.draft("RGB", want)  # JPEG DCT scaling: a fast decode at >= want
        im = im.convert("RGB")
    return im.resize(want, Image.Resampling.LANCZOS)


def make_image(photo: Image.Image, size: tuple[int, int], seed: int, i: int) -> bytes:
    rng = np.random.default_rng([seed, i])
    w, h = size
    aspect = w / h
    if photo.width / photo.height > aspect:
        max_w, max_h = photo.height * aspect, float(photo.height)
    else:
        max_w, max_h = float(photo.width), photo.width / aspect
    scale = rng.uniform(0.6, 1.0)
    cw, ch = max_w * scale, max_h * scale
    x0 = (photo.width - cw) * rng.random()
    y0 = (photo.height - ch) * rng.random()
    im = photo.resize(size, Image.Resampling.BICUBIC, box=(x0, y0, x0 + cw, y0 + ch))
    if rng.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    gain, contrast = rng.uniform(0.9, 1.1), rng.uniform(0.9, 1.1)
    a = np.asarray(im, dtype=np.float32)
    mean = a.mean()
    a = (a - mean) * contrast + mean * gain
    im = Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=int(rng.integers(85, 96)))
    return buf.getvalue()


def work(task) -> int:
    """Write all images of one photo; return the bytes written."""
    source, indices, size, seed, images = task
    photo = prepared(source, size)
    total = 0
    for i in indices:
        data = make_image(photo, size, seed, i)
        (images / f"img_{i:06d}.jpg").write_bytes(data)
        total += len(data)
    return total


def parse_size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or int(w) < 1 or int(h) < 1:
        raise argparse.ArgumentTypeError(f"size must be WxH, e.g. 640x480 (got {text!r})")
    return int(w), int(h)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder: OUT/images/ and OUT/manifest.json")
    parser.add_argument("--images", type=int, default=5000, help="number of images (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--size", type=parse_size, default=(640, 480),
                        help="image size WxH (default 640x480)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--shared-data", type=Path, default=DEFAULT_SHARED_DATA,
                        help=f"the shared data folder with the photos (default {DEFAULT_SHARED_DATA})")
    parser.add_argument("--force", action="store_true", help="replace images already in --out")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    images = args.out / "images"
    if images.exists() and any(images.iterdir()):
        if not args.force:
            raise SystemExit(f"{images} is not empty; pass --force to replace it")
        shutil.rmtree(images)
    images.mkdir(parents=True, exist_ok=True)
    sources = load_sources(args.shared_data)
    order = np.random.default_rng([args.seed, 0]).permutation(len(sources))
    tasks = []
    for k, src in enumerate(order):
        indices = range(k, args.images, len(sources))
        if len(indices):
            tasks.append((sources[int(src)], indices, args.size, args.seed, images))
    if args.jobs > 1:
        with multiprocessing.Pool(args.jobs) as pool:
            total = sum(pool.imap_unordered(work, tasks))
    else:
        total = sum(map(work, tasks))
    elapsed = time.perf_counter() - start
    manifest = {"images": args.images, "size": list(args.size), "seed": args.seed,
                "photos": len(tasks), "bytes": total, "generator": "bench/quality/make_scale.py"}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {args.images} {args.size[0]}x{args.size[1]} JPEGs ({total / 2**20:.0f} MiB) "
          f"from {len(tasks)} photos to {images} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

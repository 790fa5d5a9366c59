#!/usr/bin/env python3
"""Build a seeded image-quality test set: real photos with injected problems.

Cuts distinct "clean" JPEGs out of the real photos in the shared data folder
(see ``sources.py``), then adds images with known problems, each kind in a
STRONG (obvious) and a MILD (subtle, still a real problem) form:

* dark:       strong: brightness x0.12-0.20, or gamma 2.2-2.8 then x0.25-0.35;
              mild: brightness x0.35-0.50, or gamma 1.7-2.1 (highlights kept)
* light:      strong: washed out, 255 - (255 - v) x0.05-0.15;
              mild: overexposed, v x1.25-1.5 + 15-35, clipped
* blur:       strong: Gaussian, radius 1-2.5% of the long side;
              mild: Gaussian radius 1.0-1.5 px on a 1024-1280 px image
* grey:       strong: greyscale stored as L (one channel);
              mild: greyscale stored as RGB (three equal channels)
* exact_dup:  strong: a byte copy of a clean image;
              mild: same pixels, other bytes (a JPEG comment segment added)
* near_dup:   strong: crop 2-3%, resize x0.8-0.9 or re-encode at quality 85-95;
              mild: crop 4-5%, resize x0.5-0.65 or re-encode at quality 60-70
* odd_aspect: strong: 1:7 to 1:16 strips; mild: 1:3 to 1:4
* odd_size:   strong: 16-40 px on the long side; mild: 80-128 px
* low_info:   strong: a flat mid-tone colour + noise sigma 0.5-2;
              mild: a photo with its contrast x0.03-0.06
* corrupt:    strong: zero bytes, random bytes named .jpg, a PNG without its
              first 8/16/33 bytes, a JPEG truncated to 10-50%;
              mild: a JPEG truncated to 90-99% of its bytes

Duplicates copy a clean image of the set (the copy's ``source`` in the truth
is that file); every other problem image is a fresh crop of its own, so it
is not a near-duplicate of anything else in the set. The clean images come
from up to four framings of each photo (two wide crops, one mirrored, and two
smaller crops from opposite sides, one mirrored), so they are distinct; their
long side is 480-800 px or 800-1280 px (60% of those cut from the large photos),
never upscaled.

Files get neutral names (``img_NNNNN.jpg``; ``.png`` for the cut PNGs) in a
random order. Writes ``OUT/images/`` and ``OUT/truth.csv`` with one row per
file: ``file,problem,severity,detail,source`` (``problem`` is ``clean`` for
the clean images, ``severity`` is ``strong`` or ``mild``, ``source`` is the
photo the image was cut from, relative to the shared data folder, or for a
duplicate the file it duplicates). Uses a numpy ``Generator`` and Pillow
only: the same seed and options give byte-identical files with the same
Pillow version.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import DEFAULT_SHARED_DATA, Source, load_sources, open_rgb  # noqa: E402

KINDS = ["dark", "light", "blur", "grey", "exact_dup", "near_dup",
         "odd_aspect", "odd_size", "low_info", "corrupt"]
TRUTH_FIELDS = ["file", "problem", "severity", "detail", "source"]

# Aspect ratios (width / height) of ordinary images and how often they occur.
ASPECTS = np.array([4 / 3, 3 / 2, 16 / 9, 1.0, 3 / 4, 2 / 3])
ASPECT_P = np.array([0.35, 0.2, 0.1, 0.1, 0.15, 0.1])


@dataclass
class Crop:
    """A region of a source photo, optionally mirrored, resized to ``size``."""

    src: int
    box: tuple[float, float, float, float]
    flip: bool
    size: tuple[int, int]


@dataclass
class Item:
    """One file of the test set and how to make it."""

    problem: str
    severity: str
    detail: str
    source: str
    ext: str = ".jpg"
    crop: Crop | None = None           # fresh images: what to cut
    op: tuple = ("none",)              # what to do to it
    quality: int = 90                  # JPEG quality of the written file
    base: int | None = None            # duplicates: index of the clean item copied
    size: tuple[int, int] | None = None  # synthetic images: their size
    name: str = field(default="")


class Planner:
    """Draws crops of the source photos, spreading the uses over all photos."""

    def __init__(self, sources: list[Source], rng: np.random.Generator):
        self.sources = sources
        self.order = [int(i) for i in rng.permutation(len(sources))]
        self.large = [i for i in self.order if min(sources[i].width, sources[i].height) >= 1280]
        self.next_any = 0
        self.next_large = 0
        self.uses: Counter[int] = Counter()

    def take(self, large: bool = False) -> int:
        """The next source photo in the shuffled cycle (only large ones if ``large``)."""
        if large:
            if not self.large:
                raise SystemExit("no source photo of 1280 px or more for the mild blur images")
            src = self.large[self.next_large % len(self.large)]
            self.next_large += 1
        else:
            src = self.order[self.next_any % len(self.order)]
            self.next_any += 1
        return src

    def crop(self, rng: np.random.Generator, src: int, aspect: float | None = None,
             long_side: float | None = None, min_scale: float | None = None) -> Crop:
        """A crop of ``src``; its framing depends on how often the photo was used."""
        s = self.sources[src]
        use = self.uses[src]
        self.uses[src] += 1
        if aspect is None:
            aspect = float(rng.choice(ASPECTS, p=ASPECT_P))
        # The largest crop of this aspect that fits, then scaled down.
        if s.width / s.height > aspect:
            max_w, max_h = s.height * aspect, float(s.height)
        else:
            max_w, max_h = float(s.width), s.width / aspect
        framing = use % 4
        if framing < 2 or min_scale is not None:
            scale = rng.uniform(min_scale or 0.7, 0.95)
            lo, hi = 0.0, 1.0
        else:  # smaller crops from opposite sides of the photo
            scale = rng.uniform(0.55, 0.7)
            lo, hi = (0.0, 0.3) if framing == 2 else (0.7, 1.0)
        cw, ch = max_w * scale, max_h * scale
        x0 = (s.width - cw) * rng.uniform(lo, hi)
        y0 = (s.height - ch) * rng.uniform(lo, hi)
        flip = framing in (1, 3)
        if long_side is None:
            # 800-1280 px with probability 0.6 for a large photo (>= 1280 px), else
            # 0.3 (a smaller photo caps it at its own size); otherwise 480-800 px.
            p_large = 0.6 if min(s.width, s.height) >= 1280 else 0.3
            long_side = rng.uniform(800, 1280) if rng.random() < p_large else rng.uniform(480, 800)
        long_side = min(long_side, max(cw, ch))  # never upscale
        if aspect >= 1:
            w, h = long_side, long_side / aspect
        else:
            w, h = long_side * aspect, long_side
        size = (max(1, round(w)), max(1, round(h)))
        return Crop(src, (x0, y0, x0 + cw, y0 + ch), flip, size)


def severities(n: int, mild_fraction: float) -> list[str]:
    n_mild = int(round(n * mild_fraction))
    return ["strong"] * (n - n_mild) + ["mild"] * n_mild


def luma(rgb) -> float:
    r, g, b = rgb
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255.0


def plan(sources: list[Source], counts: dict[str, int], n_clean: int,
         mild_fraction: float, seed: int) -> list[Item]:
    """Every file of the set, in a fixed order, with all random draws made."""
    planner = Planner(sources, np.random.default_rng([seed, 0]))
    items: list[Item] = []

    def fresh(rng, problem, severity, detail, op, **crop_kw) -> Item:
        large = crop_kw.pop("large", False)
        src = planner.take(large)
        crop = planner.crop(rng, src, **crop_kw)
        quality = int(rng.integers(85, 96))
        return Item(problem, severity, detail, sources[src].rel, crop=crop, op=op, quality=quality)

    rng = np.random.default_rng([seed, 1])
    for _ in range(n_clean):
        item = fresh(rng, "clean", "", "", ("none",))
        item.quality = int(rng.integers(80, 96))
        items.append(item)
    clean_idx = list(range(n_clean))

    # Clean images that duplicates copy: distinct, and never the same one twice.
    n_dup = counts["exact_dup"] + counts["near_dup"]
    if n_dup > n_clean:
        raise SystemExit(f"{n_dup} duplicates need at least as many clean images (--clean {n_clean})")
    dup_bases = [int(i) for i in np.random.default_rng([seed, 2]).permutation(clean_idx)[:n_dup]]

    for k, kind in enumerate(KINDS):
        rng = np.random.default_rng([seed, 100 + k])
        sev_list = severities(counts[kind], mild_fraction)
        for i, sev in enumerate(sev_list):
            strong = sev == "strong"
            alt = i % 2 == 0
            if kind == "dark":
                if alt:
                    f = rng.uniform(0.12, 0.20) if strong else rng.uniform(0.35, 0.50)
                    items.append(fresh(rng, kind, sev, f"brightness x{f:.3f}", ("gamma", 1.0, f)))
                elif strong:
                    g, f = rng.uniform(2.2, 2.8), rng.uniform(0.25, 0.35)
                    items.append(fresh(rng, kind, sev, f"gamma {g:.2f}, brightness x{f:.3f}",
                                       ("gamma", g, f)))
                else:
                    g = rng.uniform(1.7, 2.1)
                    items.append(fresh(rng, kind, sev, f"gamma {g:.2f}", ("gamma", g, 1.0)))
            elif kind == "light":
                if strong:
                    f = rng.uniform(0.05, 0.15)
                    items.append(fresh(rng, kind, sev, f"washed out: 255-(255-v)x{f:.3f}", ("wash", f)))
                else:
                    g, b = rng.uniform(1.25, 1.5), rng.uniform(15, 35)
                    items.append(fresh(rng, kind, sev, f"overexposed: v x{g:.2f} + {b:.0f}, clipped",
                                       ("gain", g, b)))
            elif kind == "blur":
                if strong:
                    frac = rng.uniform(0.01, 0.025)
                    item = fresh(rng, kind, sev, "", ("blur_frac", frac))
                    r = frac * max(item.crop.size)
                    item.op = ("blur", r)
                    item.detail = f"Gaussian radius {r:.2f} px on {item.crop.size[0]}x{item.crop.size[1]}"
                else:
                    r = rng.uniform(1.0, 1.5)
                    item = fresh(rng, kind, sev, "", ("blur", r), large=True, min_scale=0.8,
                                 long_side=rng.uniform(1024, 1280))
                    item.detail = f"Gaussian radius {r:.2f} px on {item.crop.size[0]}x{item.crop.size[1]}"
                items.append(item)
            elif kind == "grey":
                if strong:
                    items.append(fresh(rng, kind, sev, "greyscale stored as L (1 channel)", ("grey_l",)))
                else:
                    items.append(fresh(rng, kind, sev, "greyscale stored as RGB (equal channels)",
                                       ("grey_rgb",)))
            elif kind == "exact_dup":
                base = dup_bases.pop()
                if strong:
                    items.append(Item(kind, sev, "byte copy", "", base=base, op=("copy",)))
                else:
                    items.append(Item(kind, sev, "same pixels, different bytes (JPEG comment added)",
                                      "", base=base, op=("comment", i)))
            elif kind == "near_dup":
                base = dup_bases.pop()
                variant = ("crop", "resize", "reencode")[i % 3]
                if variant == "crop":
                    p = rng.uniform(0.02, 0.03) if strong else rng.uniform(0.04, 0.05)
                    left, top = rng.uniform(0, 1), rng.uniform(0, 1)
                    items.append(Item(kind, sev, f"crop {100 * p:.1f}% of width and height", "",
                                      base=base, op=("near_crop", p, left, top)))
                elif variant == "resize":
                    f = rng.uniform(0.8, 0.9) if strong else rng.uniform(0.5, 0.65)
                    items.append(Item(kind, sev, f"resize x{f:.3f}", "", base=base,
                                      op=("near_resize", f)))
                else:
                    q = int(rng.integers(85, 96)) if strong else int(rng.integers(60, 71))
                    items.append(Item(kind, sev, f"re-encode at JPEG quality {q}", "", base=base,
                                      op=("near_reencode", q)))
            elif kind == "odd_aspect":
                r = rng.uniform(1 / 16, 1 / 7) if strong else rng.uniform(1 / 4, 1 / 3)
                aspect = 1 / r if alt else r
                item = fresh(rng, kind, sev, "", ("none",), aspect=aspect,
                             long_side=rng.uniform(600, 1200))
                w, h = item.crop.size
                item.detail = f"{w}x{h} (1:{max(w, h) / min(w, h):.1f})"
                items.append(item)
            elif kind == "odd_size":
                long_side = rng.uniform(16, 40) if strong else rng.uniform(80, 128)
                item = fresh(rng, kind, sev, "", ("none",), long_side=long_side)
                item.detail = f"{item.crop.size[0]}x{item.crop.size[1]}"
                items.append(item)
            elif kind == "low_info":
                if strong:
                    # A flat mid-tone colour (not dark, not light) with faint sensor noise.
                    while True:
                        colour = tuple(int(c) for c in rng.integers(20, 236, 3))
                        if 0.35 <= luma(colour) <= 0.8:
                            break
                    sigma = rng.uniform(0.5, 2.0)
                    aspect = float(rng.choice(ASPECTS, p=ASPECT_P))
                    long_side = rng.uniform(400, 800)
                    size = (round(long_side), round(long_side / aspect)) if aspect >= 1 else \
                        (round(long_side * aspect), round(long_side))
                    items.append(Item(kind, sev, f"flat RGB{colour} + noise sigma {sigma:.2f}", "",
                                      op=("flat", colour, sigma, int(rng.integers(2**31))),
                                      quality=int(rng.integers(85, 96)), size=size))
                else:
                    c = rng.uniform(0.03, 0.06)
                    items.append(fresh(rng, kind, sev, f"contrast x{c:.3f}", ("squash", c)))
            elif kind == "corrupt":
                if strong:
                    variant = ("zero", "random", "png_cut", "truncate", "truncate")[i % 5]
                    if variant == "zero":
                        items.append(Item(kind, sev, "zero bytes", "", op=("zero",)))
                    elif variant == "random":
                        n = int(rng.integers(2_000, 60_000))
                        items.append(Item(kind, sev, f"{n} random bytes", "",
                                          op=("random", n, int(rng.integers(2**31)))))
                    elif variant == "png_cut":
                        cut = (8, 16, 33)[(i // 5) % 3]
                        item = fresh(rng, kind, sev, f"PNG without its first {cut} bytes",
                                     ("png_cut", cut), long_side=rng.uniform(300, 500))
                        item.ext = ".png"
                        items.append(item)
                    else:
                        frac = rng.uniform(0.10, 0.50)
                        items.append(fresh(rng, kind, sev, f"JPEG truncated to {100 * frac:.1f}%",
                                           ("truncate", frac)))
                else:
                    frac = rng.uniform(0.90, 0.99)
                    items.append(fresh(rng, kind, sev, f"JPEG truncated to {100 * frac:.1f}%",
                                       ("truncate", frac)))
    # Neutral names in a random order.
    perm = np.random.default_rng([seed, 3]).permutation(len(items))
    for item, k in zip(items, perm):
        item.name = f"img_{int(k):05d}{item.ext}"
    for item in items:
        if item.base is not None:
            item.source = items[item.base].name
    return items


def cut(src_img: Image.Image, crop: Crop) -> Image.Image:
    """Cut and resize a crop out of a decoded source photo."""
    im = src_img.resize(crop.size, Image.Resampling.LANCZOS, box=crop.box)
    if crop.flip:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return im


def jpeg_bytes(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def apply_op(im: Image.Image, item: Item) -> bytes:
    """The bytes of a fresh image after its problem is injected."""
    op = item.op
    kind = op[0]
    if kind in ("gamma", "wash", "gain", "squash"):
        a = np.asarray(im, dtype=np.float64)
        if kind == "gamma":
            a = 255.0 * (a / 255.0) ** op[1] * op[2]
        elif kind == "wash":
            a = 255.0 - (255.0 - a) * op[1]
        elif kind == "gain":
            a = a * op[1] + op[2]
        else:  # squash towards the mean colour, moved into the mid-tones
            mean = a.reshape(-1, 3).mean(axis=0)
            y = luma(mean)
            target = min(max(y, 0.35), 0.8)
            mean = np.clip(mean * (target / max(y, 1e-6)), 0, 255)
            a = mean + (a - a.reshape(-1, 3).mean(axis=0)) * op[1]
        im = Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "RGB")
    elif kind == "blur":
        im = im.filter(ImageFilter.GaussianBlur(op[1]))
    elif kind == "grey_l":
        im = im.convert("L")
    elif kind == "grey_rgb":
        im = im.convert("L").convert("RGB")
    elif kind == "png_cut":
        buf = io.BytesIO()
        im.save(buf, "PNG", compress_level=6)
        return buf.getvalue()[op[1]:]
    elif kind == "truncate":
        data = jpeg_bytes(im, item.quality)
        return data[: int(len(data) * op[1])]
    return jpeg_bytes(im, item.quality)


def synthetic_bytes(item: Item) -> bytes:
    """Files that are not cut from a photo: flat images and corrupt non-images."""
    kind = item.op[0]
    if kind == "zero":
        return b""
    if kind == "random":
        data = bytearray(np.random.default_rng(item.op[2]).bytes(item.op[1]))
        data[0] = data[0] & 0x7F  # never starts like a JPEG or PNG marker
        return bytes(data)
    if kind == "flat":
        _, colour, sigma, seed = item.op
        w, h = item.size
        noise = np.random.default_rng(seed).normal(0.0, sigma, (h, w, 3))
        a = np.clip(np.rint(np.array(colour, dtype=np.float64) + noise), 0, 255).astype(np.uint8)
        return jpeg_bytes(Image.fromarray(a, "RGB"), item.quality)
    raise ValueError(f"not a synthetic item: {item.op}")


def add_jpeg_comment(data: bytes, text: str) -> bytes:
    """The same JPEG with a COM segment after SOI: other bytes, same pixels."""
    assert data[:2] == b"\xff\xd8"
    payload = text.encode("ascii")
    seg = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:2] + seg + data[2:]


def derived_bytes(item: Item, base_path: Path, base: Item) -> bytes:
    """A duplicate of an already written clean image."""
    data = base_path.read_bytes()
    kind = item.op[0]
    if kind == "copy":
        return data
    if kind == "comment":
        return add_jpeg_comment(data, f"copy {item.op[1]}")
    with Image.open(io.BytesIO(data)) as im:
        im = im.convert("RGB")
    w, h = im.size
    if kind == "near_crop":
        _, p, left, top = item.op
        dx, dy = w * p, h * p
        box = (round(dx * left), round(dy * top), round(w - dx * (1 - left)), round(h - dy * (1 - top)))
        return jpeg_bytes(im.crop(box), base.quality)
    if kind == "near_resize":
        f = item.op[1]
        return jpeg_bytes(im.resize((max(1, round(w * f)), max(1, round(h * f))),
                                    Image.Resampling.LANCZOS), base.quality)
    if kind == "near_reencode":
        return jpeg_bytes(im, item.op[1])
    raise ValueError(f"not a duplicate: {item.op}")


def render(items: list[Item], sources: list[Source], images: Path) -> None:
    """Write every file: fresh crops grouped by photo, then synthetic files, then duplicates."""
    by_source: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        if item.crop is not None:
            by_source[item.crop.src].append(item)
    for src in sorted(by_source):
        photo = open_rgb(sources[src].path)
        for item in by_source[src]:
            (images / item.name).write_bytes(apply_op(cut(photo, item.crop), item))
    for item in items:
        if item.crop is None and item.base is None:
            (images / item.name).write_bytes(synthetic_bytes(item))
    for item in items:
        if item.base is not None:
            base = items[item.base]
            (images / item.name).write_bytes(derived_bytes(item, images / base.name, base))


def crop_detail(item: Item) -> str:
    c = item.crop
    x0, y0, x1, y1 = c.box
    return (f"crop ({x0:.0f},{y0:.0f},{x1:.0f},{y1:.0f}){' mirrored' if c.flip else ''} "
            f"-> {c.size[0]}x{c.size[1]}, quality {item.quality}")


def write_truth(items: list[Item], path: Path) -> None:
    rows = []
    for item in items:
        detail = item.detail or (crop_detail(item) if item.crop is not None else "")
        rows.append({"file": item.name, "problem": item.problem, "severity": item.severity,
                     "detail": detail, "source": item.source})
    rows.sort(key=lambda r: r["file"])
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=TRUTH_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def parse_counts(text: str | None, default: int) -> dict[str, int]:
    counts = {kind: default for kind in KINDS}
    if text:
        for part in text.split(","):
            kind, _, n = part.partition("=")
            kind = kind.strip()
            if kind not in counts or not n.strip().isdigit():
                raise SystemExit(f"bad --counts entry {part!r}: use KIND=N with KIND one of {', '.join(KINDS)}")
            counts[kind] = int(n)
    return counts


def prepare_out(out: Path, force: bool) -> Path:
    """``OUT/images``, empty; with ``--force`` a previous set there is removed first."""
    images = out / "images"
    truth = out / "truth.csv"
    if images.exists() and any(images.iterdir()) or truth.exists():
        if not force:
            raise SystemExit(f"{out} already holds a test set; pass --force to replace it")
        if images.exists():
            shutil.rmtree(images)
        truth.unlink(missing_ok=True)
    images.mkdir(parents=True, exist_ok=True)
    return images


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder: OUT/images/ and OUT/truth.csv")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--clean", type=int, default=600, help="clean images (default 600)")
    parser.add_argument("--count", type=int, default=20,
                        help="images of each problem kind (default 20)")
    parser.add_argument("--counts", help="per-kind overrides, e.g. dark=40,corrupt=10")
    parser.add_argument("--mild-fraction", type=float, default=0.5,
                        help="share of each kind injected in its mild form (default 0.5)")
    parser.add_argument("--shared-data", type=Path, default=DEFAULT_SHARED_DATA,
                        help=f"the shared data folder with the photos (default {DEFAULT_SHARED_DATA})")
    parser.add_argument("--force", action="store_true", help="replace a test set already in --out")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not 0.0 <= args.mild_fraction <= 1.0:
        raise SystemExit("--mild-fraction must be between 0 and 1")
    counts = parse_counts(args.counts, args.count)
    start = time.perf_counter()
    sources = load_sources(args.shared_data, verbose=True)
    print(f"{len(sources)} source photos")
    items = plan(sources, counts, args.clean, args.mild_fraction, args.seed)
    images = prepare_out(args.out, args.force)
    render(items, sources, images)
    write_truth(items, args.out / "truth.csv")
    print(f"wrote {len(items)} files to {images} and {args.out / 'truth.csv'} "
          f"in {time.perf_counter() - start:.1f} s")
    table = Counter((it.problem, it.severity) for it in items)
    for problem in ["clean", *KINDS]:
        strong, mild = table[(problem, "strong")], table[(problem, "mild")]
        n = table[(problem, "")] if problem == "clean" else strong + mild
        extra = "" if problem == "clean" else f" ({strong} strong, {mild} mild)"
        print(f"  {problem:10s} {n:5d}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

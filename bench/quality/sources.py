"""The real photos the quality benchmark's images are cut from.

Shared by ``make_testset.py`` and ``make_scale.py``. The photos live in the
project's shared data folder (``../shared/data`` next to the repository, see
its ``DATA.md``); nothing here is copied into the repository.

* ``coco128_lightly/images/{train2017,val2017}/*.jpg``: 256 COCO photos,
  mostly 640 px on the long side;
* ``dreambooth_real_photos_subset/dataset/*/*.jpg``: 111 photos of 21
  subjects, mostly 1280-2048 px squares (the large images come from these).

Photos that would make a "clean" image carry a problem are left out: the 14
COCO photos that are greyscale (one channel, or three equal channels: 12 of
them are stored as RGB), and one very dark COCO photo. The screening uses
plain statistics of a reduced decode (``draft``) and is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

COCO_GLOB = "coco128_lightly/images/*/*.jpg"
DREAMBOOTH_GLOB = "dreambooth_real_photos_subset/dataset/*/*.jpg"

# Screening thresholds (Rec. 601 luma in 0..1 on a <= 400 px draft decode).
GREY_CHANNEL_DIFF = 3.0   # mean |R-G| + |G-B| below this: greyscale
DARK_P99 = 0.45           # 99th luma percentile below this: already dark
LIGHT_P5 = 0.80           # 5th luma percentile above this: already washed out


@dataclass(frozen=True)
class Source:
    """One usable photo: its path (relative to the shared data folder) and size."""

    rel: str
    path: Path
    width: int
    height: int


def screen(path: Path) -> str | None:
    """Why ``path`` is not a clean source (greyscale, dark, washed out), or None."""
    with Image.open(path) as im:
        mode = im.mode
        im.draft("RGB", (400, 400))
        a = np.asarray(im.convert("RGB"), dtype=np.float32)
    diff = np.abs(a[..., 0] - a[..., 1]).mean() + np.abs(a[..., 1] - a[..., 2]).mean()
    if mode != "RGB" or diff < GREY_CHANNEL_DIFF:
        return f"greyscale ({mode})"
    y = (0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]) / 255.0
    p5, p99 = np.percentile(y, [5, 99])
    if p99 < DARK_P99:
        return f"dark (p99 luma {p99:.2f})"
    if p5 > LIGHT_P5:
        return f"washed out (p5 luma {p5:.2f})"
    return None


def load_sources(shared_data: Path, verbose: bool = False) -> list[Source]:
    """All usable source photos, sorted by path (the order is part of the seed's meaning)."""
    paths = sorted(shared_data.glob(COCO_GLOB)) + sorted(shared_data.glob(DREAMBOOTH_GLOB))
    if not paths:
        raise SystemExit(f"no source photos under {shared_data} "
                         f"(expected {COCO_GLOB} and {DREAMBOOTH_GLOB}); pass --shared-data")
    sources = []
    for path in paths:
        reason = screen(path)
        rel = path.relative_to(shared_data).as_posix()
        if reason is not None:
            if verbose:
                print(f"  source left out: {rel}: {reason}")
            continue
        with Image.open(path) as im:
            sources.append(Source(rel, path, *im.size))
    return sources


def open_rgb(path: Path) -> Image.Image:
    """Decode a source photo fully, as RGB."""
    with Image.open(path) as im:
        return im.convert("RGB")

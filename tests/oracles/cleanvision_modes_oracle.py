"""Oracle for crates/assay-quality/tests/cleanvision_modes_parity.rs.

Usage: cleanvision_modes_oracle.py CASES.json DIR

Each case names a file to write into DIR with Pillow: a format (png, tif,
gif, bmp, jpg, webp), a mode recipe (the Pillow mode, or a variant such as
``P_inv``: a palette whose colours run opposite to its indices), a size and
a content (photo, dark, light, flat, noisy), seeded. 16-bit colour PNGs,
which Pillow cannot write, are written by hand.

Then CleanVision 0.3.7 runs on the files as it would on a folder:
- per file, its property classes on ``Image.open(path).copy()`` (as its
  dataset loads images): brightness and its percentiles, entropy,
  blurriness; a property that raises (LA and PA images in the brightness
  percentiles) is recorded by its exception's name; and the hashes
  (``imagehash`` pHash and dHash, CleanVision's MD5 of the pixels);
- ``Imagelab`` with its default issue types on every file whose brightness
  CleanVision can compute (run "a"; one LA file would stop the whole run),
  and ``Imagelab`` with every default type but dark and light on all files
  (run "b").

Prints one JSON result per case: the file, Pillow's mode, the properties,
the hashes, and per run the issue scores and flags and the duplicate sets
the file is in.
"""

import json
import os
import struct
import sys
import warnings
import zlib

warnings.filterwarnings("ignore")
os.environ["TQDM_DISABLE"] = "1"

import imagehash  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from cleanvision import Imagelab  # noqa: E402
from cleanvision.issue_managers.duplicate_issue_manager import get_hash  # noqa: E402
from cleanvision.issue_managers.image_property import (  # noqa: E402
    BlurrinessProperty,
    BrightnessProperty,
    EntropyProperty,
)

DEFAULT_TYPES = [
    "dark",
    "light",
    "odd_aspect_ratio",
    "low_information",
    "exact_duplicates",
    "near_duplicates",
    "blurry",
    "grayscale",
    "odd_size",
]


def number(value):
    value = float(value)
    return None if value != value else value


def content(kind, width, height, seed):
    """An RGB uint8 array of the content."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    fx, fy = x / max(width, 1), y / max(height, 1)
    phase = rng.random(3) * 6.28
    photo = np.stack(
        [
            127.5
            + 110 * np.sin(fx * (3 + k) * 3.1 + phase[k]) * np.cos(fy * (2 + k) * 2.3 + k)
            for k in range(3)
        ],
        axis=-1,
    )
    photo += rng.normal(0, 6, photo.shape)
    photo = np.clip(photo, 0, 255)
    if kind == "photo":
        out = photo
    elif kind == "dark":
        out = photo * 0.12
    elif kind == "light":
        out = 225 + photo * 0.12
    elif kind == "flat":
        # The same colour for every size of a recipe, so a tall and a wide
        # flat image hold the same bytes.
        colour = np.random.default_rng(seed % 1000).integers(0, 256, 3)
        out = np.broadcast_to(colour, (height, width, 3)).astype(np.float64)
    elif kind == "noisy":
        out = rng.integers(0, 256, (height, width, 3)).astype(np.float64)
    else:
        raise ValueError(kind)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def alpha_plane(width, height, seed):
    rng = np.random.default_rng(seed + 7)
    y, x = np.mgrid[0:height, 0:width]
    a = (x * 255 // max(width - 1, 1) + rng.integers(0, 40, (height, width))) % 256
    return a.astype(np.uint8)


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path, width, height, color_type, depth, rows):
    """A PNG from raw scanlines (bytes without filter bytes)."""
    raw = b"".join(b"\0" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(png_chunk(b"IHDR", ihdr))
        fh.write(png_chunk(b"IDAT", zlib.compress(raw, 6)))
        fh.write(png_chunk(b"IEND", b""))


def sixteen(rgb, seed):
    """16-bit samples whose high bytes are the content."""
    low = np.random.default_rng(seed + 3).integers(0, 256, rgb.shape)
    return (rgb.astype(np.uint16) << 8) | low.astype(np.uint16)


def pack_bits(values, depth):
    """Rows of `depth`-bit values packed most significant first."""
    per = 8 // depth
    rows = []
    for row in values:
        out = bytearray()
        for i in range(0, len(row), per):
            byte = 0
            chunk = list(row[i : i + per]) + [0] * (per - len(row[i : i + per]))
            for v in chunk:
                byte = (byte << depth) | int(v)
            out.append(byte)
        rows.append(bytes(out))
    return rows


def make_image(case, rgb):
    """The Pillow image of a case's mode recipe, and save options."""
    mode = case["mode"]
    width, height, seed = case["width"], case["height"], case["seed"]
    grey = Image.fromarray(rgb, "RGB").convert("L")
    g = np.asarray(grey)
    options = {}
    if mode == "1":
        im = grey.convert("1")
    elif mode == "L":
        im = grey
    elif mode == "L_trns":
        im = grey
        options["transparency"] = int(g[0, 0])
    elif mode == "P":
        im = Image.fromarray(rgb, "RGB").quantize(colors=64)
    elif mode == "P16":
        im = Image.fromarray(rgb, "RGB").quantize(colors=16)
    elif mode == "P2":
        im = Image.fromarray(rgb, "RGB").quantize(colors=2)
    elif mode in ("P_inv", "P_grey"):
        im = Image.frombytes("P", grey.size, g.tobytes())
        ramp = range(256) if mode == "P_grey" else range(255, -1, -1)
        im.putpalette([v for i in ramp for v in (i, i, i)])
    elif mode == "P_trns":
        im = Image.fromarray(rgb, "RGB").quantize(colors=64)
        options["transparency"] = 3
    elif mode == "P_alpha":
        im = Image.fromarray(rgb, "RGB").quantize(colors=64)
        options["transparency"] = bytes((i * 37) % 256 for i in range(64))
    elif mode == "PA":
        im = Image.fromarray(rgb, "RGB").quantize(colors=64).convert("PA")
        im.putalpha(Image.fromarray(alpha_plane(width, height, seed), "L"))
    elif mode == "LA":
        im = grey.convert("LA")
        im.putalpha(Image.fromarray(alpha_plane(width, height, seed), "L"))
    elif mode == "RGB":
        im = Image.fromarray(rgb, "RGB")
    elif mode == "RGB_trns":
        im = Image.fromarray(rgb, "RGB")
        options["transparency"] = tuple(int(v) for v in rgb[0, 0])
    elif mode == "RGBA":
        im = Image.fromarray(rgb, "RGB").convert("RGBA")
        im.putalpha(Image.fromarray(alpha_plane(width, height, seed), "L"))
    elif mode == "CMYK":
        im = Image.fromarray(rgb, "RGB").convert("CMYK")
    elif mode == "CMYK_k":
        k = (255 - g) // 2
        cmyk = np.dstack([rgb, k]).astype(np.uint8)
        im = Image.fromarray(cmyk, "CMYK")
    elif mode == "I;16":
        im = Image.fromarray(g.astype(np.uint16) * 257)
    elif mode == "I;16_low":
        im = Image.fromarray(g.astype(np.uint16))
    elif mode == "I;16_mid":
        im = Image.fromarray(g.astype(np.uint16) * 4)
    elif mode == "I;16B":
        data = (g.astype(np.uint16) * 257).astype(">u2").tobytes()
        im = Image.frombytes("I;16B", grey.size, data)
    elif mode == "I":
        im = Image.fromarray(g.astype(np.int32) * 4 - 100)
    elif mode == "F":
        im = Image.fromarray(g.astype(np.float32) / 255)
    elif mode == "F_255":
        im = Image.fromarray(g.astype(np.float32) + 0.5)
    else:
        raise ValueError(mode)
    return im, options


def write_case(case, directory):
    rgb = content(case["content"], case["width"], case["height"], case["seed"])
    path = os.path.join(directory, case["name"] + "." + case["format"])
    mode, width, height, seed = case["mode"], case["width"], case["height"], case["seed"]
    if mode == "RGB16":
        write_png(path, width, height, 2, 16, [r.astype(">u2").tobytes() for r in sixteen(rgb, seed)])
        return path
    if mode == "RGBA16":
        a = alpha_plane(width, height, seed)
        rgba = np.dstack([rgb, a])
        write_png(path, width, height, 6, 16, [r.astype(">u2").tobytes() for r in sixteen(rgba, seed)])
        return path
    if mode == "LA16":
        g = np.asarray(Image.fromarray(rgb, "RGB").convert("L"))
        la = np.dstack([g, alpha_plane(width, height, seed)])
        write_png(path, width, height, 4, 16, [r.astype(">u2").tobytes() for r in sixteen(la, seed)])
        return path
    if mode in ("GREY2", "GREY4"):
        depth = 2 if mode == "GREY2" else 4
        g = np.asarray(Image.fromarray(rgb, "RGB").convert("L")) >> (8 - depth)
        write_png(path, width, height, 0, depth, pack_bits(g, depth))
        return path
    im, options = make_image(case, rgb)
    fmt = case["format"]
    if fmt == "jpg":
        options["quality"] = 90
    elif fmt == "webp":
        options["lossless"] = True
    elif fmt == "tif" and case.get("compression"):
        options["compression"] = case["compression"]
    im.save(path, **options)
    return path


def properties(image):
    """CleanVision's properties of one image, or the exception per property."""
    values, errors = {}, {}
    for name, prop in (
        ("brightness", BrightnessProperty("dark")),
        ("entropy", EntropyProperty()),
        ("blurriness", BlurrinessProperty()),
    ):
        try:
            for key, value in prop.calculate(image).items():
                values[key] = number(value)
        except Exception as e:  # noqa: BLE001 - recorded, compared in Rust
            errors[name] = type(e).__name__
    return values, errors


def run_lab(files, issue_types):
    lab = Imagelab(filepaths=files, verbose=False)
    lab.find_issues(issue_types={t: {} for t in issue_types}, verbose=False)
    issues = {f: {} for f in files}
    for column in lab.issues.columns:
        for f, value in lab.issues[column].items():
            issues[f][column] = bool(value) if column.startswith("is_") else number(value)
    sets = {}
    for kind in ("exact_duplicates", "near_duplicates"):
        member = {}
        for s in lab.info[kind]["sets"]:
            for f in s:
                member[f] = sorted(s)
        sets[kind] = member
    return issues, sets


def main():
    with open(sys.argv[1]) as fh:
        cases = json.load(fh)
    directory = sys.argv[2]
    files = [write_case(case, directory) for case in cases]
    per_file = []
    for f in files:
        image = Image.open(f).copy()
        values, errors = properties(image)
        hashes = {"md5": get_hash(image, {"hash_type": "md5"})}
        try:
            hashes["phash"] = str(imagehash.phash(image))
            hashes["dhash"] = str(imagehash.dhash(image))
        except Exception as e:  # noqa: BLE001
            errors["hash"] = type(e).__name__
        per_file.append((image.mode, values, errors, hashes))
    # Run "a" needs every property, run "b" all but brightness.
    a_files = [f for f, p in zip(files, per_file) if not p[2]]
    b_files = [f for f, p in zip(files, per_file) if set(p[2]) <= {"brightness"}]
    a_issues, a_sets = run_lab(a_files, DEFAULT_TYPES)
    b_types = [t for t in DEFAULT_TYPES if t not in ("dark", "light")]
    b_issues, b_sets = run_lab(b_files, b_types)
    out = []
    for f, (mode, values, errors, hashes) in zip(files, per_file):
        out.append(
            {
                "file": f,
                "mode": mode,
                "properties": values,
                "errors": errors,
                "hashes": hashes,
                "a": a_issues.get(f),
                "a_sets": {k: v.get(f, []) for k, v in a_sets.items()} if f in a_issues else None,
                "b": b_issues.get(f),
                "b_sets": {k: v.get(f, []) for k, v in b_sets.items()} if f in b_issues else None,
            }
        )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

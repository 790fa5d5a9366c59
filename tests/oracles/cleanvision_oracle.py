"""Oracle for crates/assay-quality/tests/cleanvision_parity.rs.

Usage: cleanvision_oracle.py FILES.json

FILES.json is a JSON list of image paths. CleanVision's ``Imagelab`` runs
on exactly those files with its default issue types and parameters; the
output (one JSON object on stdout) has, per file, the raw properties
CleanVision recorded (``imagelab.info``), its per-issue scores and flags
(``imagelab.issues``), and ``imagehash``'s pHash and dHash strings
(CleanVision computes pHash itself but keeps only the groups); plus the
duplicate sets and the seconds ``find_issues`` took.
"""

import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
os.environ["TQDM_DISABLE"] = "1"

import imagehash  # noqa: E402
from PIL import Image  # noqa: E402
from cleanvision import Imagelab  # noqa: E402

PROPERTY_COLUMNS = {
    "dark": "brightness",
    "odd_aspect_ratio": "aspect_ratio",
    "low_information": "entropy",
    "blurry": "blurriness",
    "odd_size": "size",
}


def number(value):
    """JSON-safe float (None for NaN)."""
    value = float(value)
    return None if value != value else value


def raw_properties(lab, files):
    """Columns CleanVision stored per image, keyed by file."""
    out = {f: {} for f in files}
    for issue_type in PROPERTY_COLUMNS:
        frame = lab.info.get(issue_type)
        if frame is None or len(frame) == 0:
            continue
        for column in frame.columns:
            for f, value in frame[column].items():
                out[f][column] = number(value)
    return out


def issue_columns(lab, files):
    out = {f: {} for f in files}
    for column in lab.issues.columns:
        for f, value in lab.issues[column].items():
            out[f][column] = bool(value) if column.startswith("is_") else number(value)
    return out


def hashes(files):
    out = {}
    for f in files:
        with Image.open(f) as image:
            out[f] = {
                "phash": str(imagehash.phash(image)),
                "dhash": str(imagehash.dhash(image)),
                "mode": image.mode,
            }
    return out


def main():
    with open(sys.argv[1]) as fh:
        files = json.load(fh)
    lab = Imagelab(filepaths=files, verbose=False)
    started = time.perf_counter()
    lab.find_issues(verbose=False)
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "properties": raw_properties(lab, files),
        "issues": issue_columns(lab, files),
        "hashes": hashes(files),
        "sets": {
            kind: [list(s) for s in lab.info[kind]["sets"]]
            for kind in ("exact_duplicates", "near_duplicates")
        },
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

"""Oracle for crates/assay-core/tests/pycocotools_mask_parity.rs.

Usage: mask_oracle.py CASES.json

Reads the randomized cases the Rust test generated, evaluates each with
pycocotools.mask (the reference implementation) and prints one JSON result per
case, in order, as a JSON list on stdout. Doubles (boxes, IoUs) are given as
their IEEE-754 bit patterns (unsigned 64-bit integers) so they compare exactly. Exits with status 2 and a message on
stderr when pycocotools is missing or is not the pinned version.
"""

import json
import struct
import sys

PINNED = "2.0.11"

try:
    from importlib.metadata import version

    import numpy as np
    from pycocotools import _mask
    from pycocotools import mask as mask_utils
except ImportError as err:
    sys.exit(f"mask_oracle: cannot import the oracle dependencies ({err}); run ./scripts/test.sh")
if version("pycocotools") != PINNED:
    sys.exit(f"mask_oracle: pycocotools {version('pycocotools')} found, {PINNED} expected; run ./scripts/test.sh")


def bits(value):
    """IEEE-754 bit pattern of a double, so that JSON carries it exactly."""
    return struct.unpack("<Q", struct.pack("<d", float(value)))[0]


def polygons_to_rles(polys, h, w):
    """frPyObjects on a polygon list (as annToRLE); frPoly when it would not treat it as polygons."""
    if len(polys[0]) > 4:
        return mask_utils.frPyObjects(polys, h, w)
    return _mask.frPoly(polys, h, w)


def build(item):
    """The pycocotools RLE (compressed dict) described by one item."""
    h, w, kind = item["h"], item["w"], item["kind"]
    if kind == "poly":
        return polygons_to_rles([item["poly"]], h, w)[0]
    if kind == "polys":
        return mask_utils.merge(polygons_to_rles(item["polys"], h, w))
    if kind == "mask":
        flat = np.frombuffer(item["mask"].encode("ascii"), dtype=np.uint8) - ord("0")
        return mask_utils.encode(np.asfortranarray(flat.reshape((h, w), order="F")))
    if kind == "bbox":
        return mask_utils.frPyObjects(np.array([item["bbox"]], dtype=np.double), h, w)[0]
    if kind == "counts":
        return mask_utils.frPyObjects({"size": [h, w], "counts": item["counts"]}, h, w)
    raise ValueError(f"unknown item kind {kind!r}")


def summary(rle):
    """Everything the Rust side compares for one RLE."""
    h, w = rle["size"]
    decoded = None
    if h * w > 0:
        pixels = mask_utils.decode(rle).flatten(order="F")
        decoded = np.packbits(pixels).tobytes().hex()
    return {
        "counts": rle["counts"].decode("ascii"),
        "area": int(mask_utils.area(rle)),
        "bbox": [bits(v) for v in mask_utils.toBbox(rle)],
        "decoded": decoded,
    }


def evaluate(case):
    op = case["op"]
    if op == "single":
        return summary(build(case["item"]))
    if op == "merge":
        rles = [build(item) for item in case["items"]]
        return summary(mask_utils.merge(rles, intersect=int(case["intersect"])))
    if op == "iou":
        dt = [build(item) for item in case["dt"]]
        gt = [build(item) for item in case["gt"]]
        ious = mask_utils.iou(dt, gt, [int(c) for c in case["crowd"]])
        return [[bits(v) for v in row] for row in np.asarray(ious).reshape(len(dt), len(gt))]
    raise ValueError(f"unknown case op {op!r}")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump([evaluate(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()

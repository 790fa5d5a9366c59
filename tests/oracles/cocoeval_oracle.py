"""Oracle for crates/assay-eval/tests/pycocotools_parity.rs.

Usage: cocoeval_oracle.py CASES.json

CASES.json is a JSON list of cases {"gt": path, "dt": path, "iou_type":
"bbox" | "segm" | "keypoints", "sigmas": [...] (optional), "img_ids": [...]
(optional), "cat_ids": [...] (optional), "out": path}. Each case is run
through pycocotools' COCO, loadRes and COCOeval (evaluate, accumulate,
summarize), the reference implementation; `sigmas`, when given, become
`params.kpt_oks_sigmas`, and `img_ids` and `cat_ids` `params.imgIds` and
`params.catIds`. pycocotools' own printing is discarded.

For each case, in order, one JSON line is printed on stdout as soon as the
case is done: {"stats": [...], "shapes": {"precision": [T, R, K, A, M],
"recall": [T, K, A, M], "scores": [T, R, K, A, M]}}, or {"error": "..."} when
pycocotools fails on it. The arrays themselves (precision, then recall, then
scores, each flattened in C order) are written to the case's `out` file as
little-endian float64: hundreds of cases hold tens of millions of values,
too many to print as JSON text quickly, and raw doubles compare exactly.
`stats` round-trip exactly as JSON (Python writes the shortest repr).

Exits with status 2 and a message on stderr when pycocotools is missing or is
not the pinned version.
"""

import contextlib
import json
import os
import sys
import traceback

PINNED = "2.0.11"
ARRAYS = ("precision", "recall", "scores")


def fail(message):
    print(f"cocoeval_oracle: {message}; run ./scripts/test.sh", file=sys.stderr)
    sys.exit(2)


try:
    from importlib.metadata import version

    import numpy as np
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
except ImportError as err:
    fail(f"cannot import the oracle dependencies ({err})")
if version("pycocotools") != PINNED:
    fail(f"pycocotools {version('pycocotools')} found, {PINNED} expected")


def evaluate(case):
    gt = COCO(case["gt"])
    dt = gt.loadRes(case["dt"])
    ev = COCOeval(gt, dt, case["iou_type"])
    if case.get("sigmas") is not None:
        ev.params.kpt_oks_sigmas = np.array(case["sigmas"], dtype=np.float64)
    if case.get("img_ids") is not None:
        ev.params.imgIds = sorted(case["img_ids"])
    if case.get("cat_ids") is not None:
        ev.params.catIds = sorted(case["cat_ids"])
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    arrays = [np.asarray(ev.eval[name], dtype="<f8") for name in ARRAYS]
    np.concatenate([a.ravel(order="C") for a in arrays]).tofile(case["out"])
    return {
        "stats": [float(v) for v in ev.stats],
        "shapes": {name: list(a.shape) for name, a in zip(ARRAYS, arrays)},
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    out = sys.stdout
    with open(os.devnull, "w", encoding="utf-8") as quiet, contextlib.redirect_stdout(quiet):
        for case in cases:
            try:
                result = evaluate(case)
            except Exception as err:  # reported per case; the test fails on it
                last = traceback.format_exception_only(type(err), err)[-1].strip()
                result = {"error": last}
            out.write(json.dumps(result) + "\n")
            out.flush()


if __name__ == "__main__":
    main()

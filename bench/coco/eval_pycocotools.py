#!/usr/bin/env python3
"""Evaluate COCO detections with pycocotools and print the 12 stats as JSON.

The reference timing for ``run.py``: load both JSON files (``COCO`` and
``loadRes``), then ``COCOeval.evaluate(); accumulate(); summarize()``.
pycocotools' own progress output and summary table go to stderr, so stdout
holds exactly one JSON object: ``{"tool", "version", "iou_type", "stats"}``.
"""

import argparse
import contextlib
import json
import sys
from importlib.metadata import version


def evaluate(gt_path: str, dt_path: str, iou_type: str, COCO=None, COCOeval=None) -> list[float]:
    """Run COCOeval end to end (pycocotools' unless other ``COCO`` and
    ``COCOeval`` classes with its interface are given); returns its ``stats``."""
    if COCO is None:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval

    coco_gt = COCO(gt_path)
    coco_dt = coco_gt.loadRes(dt_path)
    coco_eval = COCOeval(coco_gt, coco_dt, iou_type)
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    return [float(s) for s in coco_eval.stats]


def main(tool: str = "pycocotools", package: str = "pycocotools", classes=(None, None)) -> int:
    """Evaluates the files given on the command line and prints the JSON
    line, naming ``tool`` and ``package``'s version."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gt", required=True, help="ground-truth JSON (COCO format)")
    parser.add_argument("--dt", required=True, help="detection results JSON")
    parser.add_argument("--iou-type", choices=["bbox", "segm"], default="bbox")
    args = parser.parse_args()
    with contextlib.redirect_stdout(sys.stderr):
        stats = evaluate(args.gt, args.dt, args.iou_type, *classes)
    print(json.dumps({"tool": tool, "version": version(package),
                      "iou_type": args.iou_type, "stats": stats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Evaluate COCO detections with faster-coco-eval and print the 12 stats as JSON.

Uses faster-coco-eval's pycocotools-compatible API (``COCO``, ``loadRes``,
``COCOeval_faster`` with its default settings, which follow pycocotools'
parameters): load both JSON files, then ``evaluate(); accumulate();
summarize()``. Its summary table goes to stderr; stdout holds exactly one
JSON object: ``{"tool", "version", "iou_type", "stats"}``.
"""

import argparse
import json
import sys


def evaluate(gt_path: str, dt_path: str, iou_type: str) -> list[float]:
    """Run faster-coco-eval's COCOeval_faster end to end; returns its ``stats``."""
    from faster_coco_eval import COCO, COCOeval_faster

    def to_stderr(*args, **kwargs):
        print(*args, file=sys.stderr, **kwargs)

    coco_gt = COCO(gt_path)
    coco_dt = coco_gt.loadRes(dt_path)
    coco_eval = COCOeval_faster(coco_gt, coco_dt, iou_type, print_function=to_stderr)
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    # ``stats`` holds pycocotools' 12 numbers; ``all_stats`` adds AR@0.5/0.75.
    return [float(s) for s in coco_eval.stats]


def main() -> int:
    import faster_coco_eval

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gt", required=True, help="ground-truth JSON (COCO format)")
    parser.add_argument("--dt", required=True, help="detection results JSON")
    parser.add_argument("--iou-type", choices=["bbox", "segm"], default="bbox")
    args = parser.parse_args()
    stats = evaluate(args.gt, args.dt, args.iou_type)
    print(json.dumps({"tool": "faster-coco-eval", "version": faster_coco_eval.__version__,
                      "iou_type": args.iou_type, "stats": stats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

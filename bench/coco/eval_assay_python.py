#!/usr/bin/env python3
"""Evaluate COCO detections with assay's Python package (``assay.coco``, the
pycocotools drop-in) and print the 12 stats as JSON.

The same run as ``eval_pycocotools.py`` (``COCO``, ``loadRes``, then
``COCOeval.evaluate(); accumulate(); summarize()``) with only the import
changed; stdout holds one JSON object ``{"tool", "version", "iou_type",
"stats"}``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_pycocotools import main  # noqa: E402

if __name__ == "__main__":
    from assay.coco import COCO, COCOeval

    sys.exit(main("assay-python", "assay", (COCO, COCOeval)))

"""Oracle for crates/assay-eval/tests/paired_parity.rs.

Usage: paired_oracle.py CASES.json

CASES.json is a JSON list of cases, each one of:

- {"kind": "coco", "gt": path, "dt": path, "iou_type": "bbox" | "segm",
  "resamples": [[image index, ...], ...]}: for each resample, the
  materialised dataset is built and run through pycocotools 2.0.11's COCO,
  loadRes and COCOeval (evaluate, accumulate, summarize). An image index
  points into the ground truth's image ids sorted ascending; occurrence j
  of the resample becomes a new image with id j + 1 (so pycocotools' image
  order is the resample order), carrying copies of that image's ground
  truths (new ids 1, 2, ... in order) and of its results (in file order).
  The result is {"resamples": [{"stats": [...], "category_ap": [...]}, ...]}
  where category_ap[k] is the mean of precision[:, :, k, 0, -1] over the
  entries above -1 (-1 when there are none), categories by ascending id.
- {"kind": "mcnemar", "tables": [{"table": [[a, b], [c, d]], "exact": bool,
  "correction": bool}, ...]}: statsmodels 0.15's
  statsmodels.stats.contingency_tables.mcnemar on each table; the result
  is {"tests": [{"statistic": s, "p_value": p}, ...]}.

Exits with status 2 and a message on stderr when a package is missing or is
not the pinned version.
"""

import contextlib
import copy
import json
import os
import sys
from collections import defaultdict

PINNED = {"pycocotools": "2.0.11", "statsmodels": "0.15.0"}


def fail(message):
    print(f"paired_oracle: {message}; run ./scripts/test.sh", file=sys.stderr)
    sys.exit(2)


try:
    from importlib.metadata import version

    import numpy as np
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    from statsmodels.stats.contingency_tables import mcnemar
except ImportError as err:
    fail(f"cannot import the oracle dependencies ({err})")
for package, pinned in PINNED.items():
    if version(package) != pinned:
        fail(f"{package} {version(package)} found, {pinned} expected")


def materialise(gt, results, image_ids, picks):
    images = {im["id"]: im for im in gt["images"]}
    gts, dts = defaultdict(list), defaultdict(list)
    for a in gt["annotations"]:
        gts[a["image_id"]].append(a)
    for d in results:
        dts[d["image_id"]].append(d)
    out_images, out_anns, out_dts = [], [], []
    for j, i in enumerate(picks):
        original, new = image_ids[i], j + 1
        image = dict(images[original])
        image["id"] = new
        out_images.append(image)
        for a in gts[original]:
            a = copy.deepcopy(a)
            a["id"] = len(out_anns) + 1
            a["image_id"] = new
            out_anns.append(a)
        for d in dts[original]:
            d = copy.deepcopy(d)
            d["image_id"] = new
            out_dts.append(d)
    dataset = dict(gt)
    dataset["images"] = out_images
    dataset["annotations"] = out_anns
    return dataset, out_dts


def evaluate(dataset, results, iou_type):
    coco = COCO()
    coco.dataset = dataset
    coco.createIndex()
    if results:
        dt = coco.loadRes(results)
    else:  # loadRes fails on an empty list
        dt = COCO()
        dt.dataset = {"images": dataset["images"], "categories": dataset["categories"]}
        dt.dataset["annotations"] = []
        dt.createIndex()
    ev = COCOeval(coco, dt, iou_type)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    precision = ev.eval["precision"]
    category_ap = []
    for k in range(precision.shape[2]):
        p = precision[:, :, k, 0, -1]
        p = p[p > -1]
        category_ap.append(float(np.mean(p)) if p.size else -1.0)
    return {"stats": [float(v) for v in ev.stats], "category_ap": category_ap}


def coco_case(case):
    with open(case["gt"], encoding="utf-8") as f:
        gt = json.load(f)
    with open(case["dt"], encoding="utf-8") as f:
        results = json.load(f)
    image_ids = sorted({im["id"] for im in gt["images"]})
    out = []
    for picks in case["resamples"]:
        dataset, dts = materialise(gt, results, image_ids, picks)
        out.append(evaluate(dataset, dts, case["iou_type"]))
    return {"resamples": out}


def mcnemar_case(case):
    tests = []
    for t in case["tables"]:
        r = mcnemar(np.array(t["table"]), exact=t["exact"], correction=t["correction"])
        tests.append({"statistic": float(r.statistic), "p_value": float(r.pvalue)})
    return {"tests": tests}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    with open(os.devnull, "w", encoding="utf-8") as quiet, contextlib.redirect_stdout(quiet):
        for case in cases:
            if case["kind"] == "coco":
                results.append(coco_case(case))
            else:
                results.append(mcnemar_case(case))
    print(json.dumps(results))


if __name__ == "__main__":
    main()

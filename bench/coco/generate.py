#!/usr/bin/env python3
"""Generate a seeded, COCO-val2017-scale synthetic detection benchmark.

The output looks like the real COCO val2017 ground truth and a typical
detector's results, at the same scale:

* 80 categories with the real COCO ids (1..90 with the ten gaps) and names;
* 5,000 images with the sizes COCO images have (640x480, 640x427, 480x640...)
  and sparse, unsorted image ids;
* about 37k ground-truth annotations, about 7.3 per image on a heavy-tailed
  distribution (about 1% of images empty, some with 30 to 90 objects), about
  41% small (area < 32^2), 34% medium and 24% large, about 1% crowd regions
  (larger, mostly "person");
* an ``area`` field like COCO's mask areas: box area times a fill factor of
  0.5 to 0.9 or, with ``--segm``, the area of the segmentation;
* about 500k detections, about 100 per image and more than 100 on about 10%
  of images (so ``maxDets=100`` truncates): jittered true positives with
  varying localisation quality, near-duplicates, wrong-class confusions,
  hits on crowd regions and background false positives, with scores from a
  mix of full float32 precision and values rounded to 2 or 3 decimals
  (many ties).

With ``--segm`` the ground truth gets polygon segmentations (convex-ish
polygons that span their box, sometimes in two parts) and crowd regions get
uncompressed RLE, as in COCO; ``dt_segm.json`` holds the top-scoring
detections of each image (``--segm-dets`` in all) with compressed RLE masks
made by ``pycocotools.mask`` and no ``bbox`` field, so that ``loadRes`` takes
their area from the mask.

The same seed gives the same images, boxes and detections with and without
``--segm``: the segmentation draws come from their own random stream.
Only the GT ``area`` fields differ (mask area instead of box area times fill).

Writes ``gt.json`` and ``dt_bbox.json`` (and ``dt_segm.json``) into ``--out``
and prints what it made.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# The 80 COCO categories: (id, name, supercategory); ids 12, 26, 29, 30, 45,
# 66, 68, 69, 71 and 83 are unused, as in the real annotation files.
CATEGORIES = [
    (1, "person", "person"), (2, "bicycle", "vehicle"), (3, "car", "vehicle"),
    (4, "motorcycle", "vehicle"), (5, "airplane", "vehicle"), (6, "bus", "vehicle"),
    (7, "train", "vehicle"), (8, "truck", "vehicle"), (9, "boat", "vehicle"),
    (10, "traffic light", "outdoor"), (11, "fire hydrant", "outdoor"),
    (13, "stop sign", "outdoor"), (14, "parking meter", "outdoor"), (15, "bench", "outdoor"),
    (16, "bird", "animal"), (17, "cat", "animal"), (18, "dog", "animal"),
    (19, "horse", "animal"), (20, "sheep", "animal"), (21, "cow", "animal"),
    (22, "elephant", "animal"), (23, "bear", "animal"), (24, "zebra", "animal"),
    (25, "giraffe", "animal"), (27, "backpack", "accessory"), (28, "umbrella", "accessory"),
    (31, "handbag", "accessory"), (32, "tie", "accessory"), (33, "suitcase", "accessory"),
    (34, "frisbee", "sports"), (35, "skis", "sports"), (36, "snowboard", "sports"),
    (37, "sports ball", "sports"), (38, "kite", "sports"), (39, "baseball bat", "sports"),
    (40, "baseball glove", "sports"), (41, "skateboard", "sports"), (42, "surfboard", "sports"),
    (43, "tennis racket", "sports"), (44, "bottle", "kitchen"), (46, "wine glass", "kitchen"),
    (47, "cup", "kitchen"), (48, "fork", "kitchen"), (49, "knife", "kitchen"),
    (50, "spoon", "kitchen"), (51, "bowl", "kitchen"), (52, "banana", "food"),
    (53, "apple", "food"), (54, "sandwich", "food"), (55, "orange", "food"),
    (56, "broccoli", "food"), (57, "carrot", "food"), (58, "hot dog", "food"),
    (59, "pizza", "food"), (60, "donut", "food"), (61, "cake", "food"),
    (62, "chair", "furniture"), (63, "couch", "furniture"), (64, "potted plant", "furniture"),
    (65, "bed", "furniture"), (67, "dining table", "furniture"), (70, "toilet", "furniture"),
    (72, "tv", "electronic"), (73, "laptop", "electronic"), (74, "mouse", "electronic"),
    (75, "remote", "electronic"), (76, "keyboard", "electronic"), (77, "cell phone", "electronic"),
    (78, "microwave", "appliance"), (79, "oven", "appliance"), (80, "toaster", "appliance"),
    (81, "sink", "appliance"), (82, "refrigerator", "appliance"), (84, "book", "indoor"),
    (85, "clock", "indoor"), (86, "vase", "indoor"), (87, "scissors", "indoor"),
    (88, "teddy bear", "indoor"), (89, "hair drier", "indoor"), (90, "toothbrush", "indoor"),
]
CATEGORY_IDS = np.array([c[0] for c in CATEGORIES])

# (width, height) of COCO images and how often they occur (roughly as in
# val2017); the remaining share gets a random size with a long side of 640.
IMAGE_SIZES = [
    ((640, 480), 0.33), ((640, 427), 0.18), ((480, 640), 0.10), ((427, 640), 0.06),
    ((640, 426), 0.04), ((640, 428), 0.03), ((640, 425), 0.02), ((640, 360), 0.04),
    ((500, 375), 0.03), ((640, 640), 0.02), ((612, 612), 0.02), ((375, 500), 0.01),
]

SMALL_AREA, LARGE_AREA = 32.0**2, 96.0**2

# Log-normal object area (of the mask) that gives COCO's 41/34/24 split.
LOG_AREA_MEAN, LOG_AREA_SD = 7.45, 2.4


@dataclass
class ImageGt:
    """Ground truth of one image, as arrays (one row per annotation)."""

    image_id: int
    width: int
    height: int
    boxes: np.ndarray  # (n, 4) x, y, w, h
    cats: np.ndarray  # (n,) category ids
    fill: np.ndarray  # (n,) mask area / box area
    crowd: np.ndarray  # (n,) bool
    segm: list = field(default_factory=list)  # per annotation, with --segm
    area: np.ndarray | None = None  # (n,) filled in by the writer


@dataclass
class ImageDt:
    """Detections of one image, as arrays (one row per detection)."""

    boxes: np.ndarray  # (m, 4) x, y, w, h
    cats: np.ndarray  # (m,) category ids
    scores: np.ndarray  # (m,)
    source: np.ndarray  # (m,) index of the GT it was made from, or -1


def category_weights(rng: np.random.Generator) -> np.ndarray:
    """How often each category occurs: "person" about 30%, the rest Zipf-like."""
    rest = 1.0 / np.arange(1, len(CATEGORIES)) ** 0.9
    rng.shuffle(rest)
    rest *= 0.70 / rest.sum()
    return np.concatenate([[0.30], rest])


def image_size(rng: np.random.Generator) -> tuple[int, int]:
    """A COCO-like (width, height)."""
    weights = np.array([w for _, w in IMAGE_SIZES])
    pick = rng.random()
    if pick < weights.sum():
        index = int(np.searchsorted(np.cumsum(weights), pick, side="right"))
        return IMAGE_SIZES[index][0]
    short = int(rng.integers(300, 640))
    return (640, short) if rng.random() < 0.75 else (short, 640)


def objects_in_image(rng: np.random.Generator) -> int:
    """Heavy-tailed object count: ~1% empty, mean ~7.3, some over 30."""
    if rng.random() < 0.01:
        return 0
    return int(min(1 + rng.negative_binomial(0.95, 0.95 / (0.95 + 6.5)), 90))


def sample_boxes(rng: np.random.Generator, n: int, width: int, height: int,
                 log_area_mean: float = LOG_AREA_MEAN, log_area_sd: float = LOG_AREA_SD,
                 fill_range: tuple[float, float] = (0.5, 0.9)) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` boxes inside a ``width`` x ``height`` image.

    The mask area is log-normal, the fill factor (mask area / box area)
    uniform in ``fill_range``, the aspect ratio log-normal around 1. Returns
    ``(boxes, fill)`` with boxes as rows of x, y, w, h rounded to 2 decimals.
    """
    mask_area = np.exp(rng.normal(log_area_mean, log_area_sd, n))
    fill = rng.uniform(*fill_range, n)
    box_area = np.clip(mask_area / fill, 4.0, 0.98 * width * height)
    aspect = np.exp(rng.normal(0.0, 0.55, n))  # w / h
    w = np.sqrt(box_area * aspect)
    h = np.sqrt(box_area / aspect)
    # Keep the area when one side hits the image border, as far as it fits.
    w = np.minimum(w, width)
    h = np.minimum(np.maximum(h, box_area / w), height)
    w = np.minimum(np.maximum(w, box_area / h), width)
    w = np.maximum(w, 1.0)
    h = np.maximum(h, 1.0)
    x = rng.uniform(0, 1, n) * (width - w)
    y = rng.uniform(0, 1, n) * (height - h)
    boxes = np.round(np.stack([x, y, w, h], axis=1), 2)
    return boxes, fill


def make_ground_truth(rng: np.random.Generator, image_id: int, weights: np.ndarray) -> ImageGt:
    """Ground truth of one image: a few categories, objects spread over them."""
    width, height = image_size(rng)
    n = objects_in_image(rng)
    if n == 0:
        empty = np.zeros((0, 4))
        return ImageGt(image_id, width, height, empty, np.zeros(0, int), np.zeros(0), np.zeros(0, bool))
    # Real images hold few categories, often many objects of one of them.
    n_cats = min(n, 1 + rng.poisson(1.4))
    cats_here = rng.choice(CATEGORY_IDS, size=n_cats, replace=False, p=weights)
    share = rng.dirichlet(np.full(n_cats, 0.8))
    cats = rng.choice(cats_here, size=n, p=share)
    boxes, fill = sample_boxes(rng, n, width, height)
    crowd = np.zeros(n, bool)
    # About one image in thirteen has one crowd region: large and sparse.
    if rng.random() < 0.075:
        crowd_box, crowd_fill = sample_boxes(rng, 1, width, height, log_area_mean=10.3,
                                             log_area_sd=0.7, fill_range=(0.3, 0.7))
        boxes[0], fill[0], crowd[0] = crowd_box[0], crowd_fill[0], True
        if rng.random() < 0.7:
            cats[0] = 1
    return ImageGt(image_id, width, height, boxes, cats, fill, crowd)


def jitter_boxes(rng: np.random.Generator, boxes: np.ndarray, sigma: np.ndarray,
                 width: int, height: int) -> np.ndarray:
    """Move and rescale boxes by ``sigma`` (relative to their size), clipped to the image."""
    n = len(boxes)
    x, y, w, h = boxes.T
    cx = x + w / 2 + rng.normal(0, 1, n) * sigma * w
    cy = y + h / 2 + rng.normal(0, 1, n) * sigma * h
    nw = w * np.exp(rng.normal(0, 1, n) * sigma)
    nh = h * np.exp(rng.normal(0, 1, n) * sigma)
    x0 = np.clip(cx - nw / 2, 0, width - 1)
    y0 = np.clip(cy - nh / 2, 0, height - 1)
    x1 = np.clip(cx + nw / 2, x0 + 0.5, width)
    y1 = np.clip(cy + nh / 2, y0 + 0.5, height)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)


def localisation_quality(rng: np.random.Generator, n: int, small: np.ndarray) -> np.ndarray:
    """Relative jitter of true positives: mostly tight, some loose, a few poor."""
    kind = rng.choice(3, size=n, p=[0.5, 0.35, 0.15])
    sigma = np.where(kind == 0, rng.uniform(0.02, 0.06, n),
                     np.where(kind == 1, rng.uniform(0.07, 0.15, n), rng.uniform(0.2, 0.4, n)))
    return sigma * np.where(small, 1.6, 1.0)


def detection_count(rng: np.random.Generator) -> int:
    """How many detections the detector keeps: usually its cap of 100."""
    pick = rng.random()
    if pick < 0.70:
        return 100
    if pick < 0.90:
        return int(rng.integers(20, 100))
    return int(rng.integers(101, 300))


def make_detections(rng: np.random.Generator, gt: ImageGt, weights: np.ndarray) -> ImageDt:
    """Detections of one image, made from its ground truth plus background."""
    width, height = gt.width, gt.height
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(boxes, cats, scores, source):
        parts.append((boxes, np.asarray(cats), np.asarray(scores), np.asarray(source)))

    area = gt.boxes[:, 2] * gt.boxes[:, 3] * gt.fill
    small = area < SMALL_AREA
    normal = np.flatnonzero(~gt.crowd)
    if len(normal):
        recall = np.where(small, 0.55, np.where(area < LARGE_AREA, 0.8, 0.92))[normal]
        hit = normal[rng.random(len(normal)) < recall]
        sigma = localisation_quality(rng, len(hit), small[hit])
        logit = 2.2 - 9.0 * sigma + np.where(small[hit], -0.8, 0.3) + rng.normal(0, 1.1, len(hit))
        add(jitter_boxes(rng, gt.boxes[hit], sigma, width, height), gt.cats[hit],
            1 / (1 + np.exp(-logit)), hit)
        # Duplicates that survived NMS: looser, lower-scored copies.
        dup = hit[rng.random(len(hit)) < 0.25]
        dup = np.repeat(dup, rng.integers(1, 3, len(dup)))
        dup_scores = 1 / (1 + np.exp(-(rng.normal(-0.8, 1.2, len(dup)))))
        add(jitter_boxes(rng, gt.boxes[dup], rng.uniform(0.12, 0.35, len(dup)), width, height),
            gt.cats[dup], dup_scores, dup)
        # Confusions: a well-placed box with the wrong category.
        wrong = normal[rng.random(len(normal)) < 0.15]
        wrong_cats = rng.choice(CATEGORY_IDS, size=len(wrong), p=weights)
        wrong_cats = np.where(wrong_cats == gt.cats[wrong],
                              CATEGORY_IDS[(np.searchsorted(CATEGORY_IDS, wrong_cats) + 1) % 80],
                              wrong_cats)
        add(jitter_boxes(rng, gt.boxes[wrong], rng.uniform(0.03, 0.12, len(wrong)), width, height),
            wrong_cats, 1 / (1 + np.exp(-rng.normal(-1.5, 1.0, len(wrong)))), wrong)
    # Individual objects found inside crowd regions (matched to the crowd).
    for index in np.flatnonzero(gt.crowd):
        k = int(rng.integers(1, 6))
        x, y, w, h = gt.boxes[index]
        sub_w, sub_h = w * rng.uniform(0.1, 0.35, k), h * rng.uniform(0.3, 0.8, k)
        sub = np.stack([x + rng.uniform(0, 1, k) * (w - sub_w), y + rng.uniform(0, 1, k) * (h - sub_h),
                        sub_w, sub_h], axis=1)
        add(sub, np.full(k, gt.cats[index]), rng.uniform(0.1, 0.9, k), np.full(k, -1))

    made = sum(len(p[0]) for p in parts)
    n_background = max(0, detection_count(rng) - made)
    boxes, _ = sample_boxes(rng, n_background, width, height, log_area_mean=7.8, log_area_sd=2.0)
    present = np.unique(gt.cats) if len(gt.cats) else CATEGORY_IDS[:1]
    cats = np.where(rng.random(n_background) < 0.5, rng.choice(present, size=n_background),
                    rng.choice(CATEGORY_IDS, size=n_background, p=weights))
    add(boxes, cats, 0.05 + 0.95 * rng.beta(1.0, 9.0, n_background), np.full(n_background, -1))

    boxes = np.concatenate([p[0] for p in parts]).reshape(-1, 4)
    cats = np.concatenate([p[1] for p in parts]).astype(int)
    scores = np.concatenate([p[2] for p in parts]).astype(float)
    source = np.concatenate([p[3] for p in parts]).astype(int)
    scores = score_precision(rng, np.clip(scores, 0.001, 0.999))
    # Detector order: by descending score, ties in the order they were made.
    order = np.argsort(-scores, kind="stable")
    return ImageDt(np.round(boxes[order], 3), cats[order], scores[order], source[order])


def score_precision(rng: np.random.Generator, scores: np.ndarray) -> np.ndarray:
    """Mix of float32 scores (as detectors emit) and scores rounded to 3 or 2 decimals."""
    kind = rng.choice(3, size=len(scores), p=[0.6, 0.3, 0.1])
    full = scores.astype(np.float32).astype(float)
    return np.where(kind == 0, full, np.where(kind == 1, np.round(scores, 3), np.round(scores, 2)))


# --- segmentation ---------------------------------------------------------

def convex_ish_polygon(rng: np.random.Generator, x: float, y: float, w: float, h: float) -> list[float]:
    """A star-shaped, nearly convex polygon that spans the box ``x, y, w, h``.

    Vertex count grows with the box size, as in hand-drawn COCO polygons.
    Returns the flat COCO list ``[x1, y1, x2, y2, ...]`` rounded to 2 decimals.
    """
    k = int(np.clip(6 + np.sqrt(w + h) * rng.uniform(0.6, 1.4), 6, 60))
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = 1.0 - 0.3 * rng.random(k) ** 2
    px, py = np.cos(angles) * radii, np.sin(angles) * radii
    px = x + (px - px.min()) / max(np.ptp(px), 1e-9) * w
    py = y + (py - py.min()) / max(np.ptp(py), 1e-9) * h
    return np.round(np.stack([px, py], axis=1).ravel(), 2).tolist()


def gt_polygons(rng: np.random.Generator, box: np.ndarray) -> list[list[float]]:
    """Polygon parts of one object: usually one, sometimes two (occlusion)."""
    x, y, w, h = box
    if rng.random() < 0.08 and w > 4:
        cut = w * rng.uniform(0.35, 0.65)
        gap = min(w * 0.05, 2.0)
        return [convex_ish_polygon(rng, x, y, cut - gap, h),
                convex_ish_polygon(rng, x + cut + gap, y, w - cut - gap, h)]
    return [convex_ish_polygon(rng, x, y, w, h)]


def uncompressed_rle(mask: np.ndarray) -> dict:
    """COCO's uncompressed RLE (column-major runs, starting with zeros) of a binary mask."""
    flat = np.asarray(mask, dtype=np.uint8).ravel(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], change, [flat.size]]))
    if flat.size and flat[0] == 1:
        runs = np.concatenate([[0], runs])
    return {"counts": runs.astype(int).tolist(), "size": [int(mask.shape[0]), int(mask.shape[1])]}


def add_gt_segmentation(rng: np.random.Generator, gt: ImageGt) -> None:
    """Give every annotation a segmentation and take ``area`` from it.

    Objects get polygons; crowd regions get an uncompressed RLE of several
    blobs inside their box, as in COCO.
    """
    from pycocotools import mask as mask_utils

    areas = []
    for box, is_crowd in zip(gt.boxes, gt.crowd):
        if is_crowd:
            x, y, w, h = box
            k = int(rng.integers(4, 12))
            blobs = []
            for _ in range(k):
                bw, bh = w * rng.uniform(0.12, 0.35), h * rng.uniform(0.3, 0.9)
                blobs.append(convex_ish_polygon(rng, x + rng.random() * (w - bw),
                                                y + rng.random() * (h - bh), bw, bh))
            rle = mask_utils.merge(mask_utils.frPyObjects(blobs, gt.height, gt.width))
            segm = uncompressed_rle(mask_utils.decode(rle))
        else:
            segm = gt_polygons(rng, box)
            rle = mask_utils.merge(mask_utils.frPyObjects(segm, gt.height, gt.width))
        gt.segm.append(segm)
        areas.append(float(mask_utils.area(rle)))
    gt.area = np.array(areas)


def dt_segmentation(rng: np.random.Generator, gt: ImageGt, box: np.ndarray, source: int) -> dict:
    """Compressed RLE for one detection.

    A true positive gets its GT polygon mapped onto its own box, with vertex
    noise; anything else gets a fresh polygon in its box.
    """
    from pycocotools import mask as mask_utils

    x, y, w, h = box
    if source >= 0 and not gt.crowd[source]:
        gx, gy, gw, gh = gt.boxes[source]
        polygons = []
        for part in gt.segm[source]:
            pts = np.asarray(part, dtype=float).reshape(-1, 2)
            pts[:, 0] = x + (pts[:, 0] - gx) / max(gw, 1e-9) * w
            pts[:, 1] = y + (pts[:, 1] - gy) / max(gh, 1e-9) * h
            pts += rng.normal(0, 0.03, pts.shape) * [w, h]
            pts[:, 0] = np.clip(pts[:, 0], 0, gt.width)
            pts[:, 1] = np.clip(pts[:, 1], 0, gt.height)
            polygons.append(pts.ravel().tolist())
    else:
        polygons = [convex_ish_polygon(rng, x, y, w, h)]
    rle = mask_utils.merge(mask_utils.frPyObjects(polygons, gt.height, gt.width))
    return {"size": [int(gt.height), int(gt.width)], "counts": rle["counts"].decode("ascii")}


# --- output ---------------------------------------------------------------

def gt_document(images: list[ImageGt], ann_order: np.ndarray, with_segm: bool) -> dict:
    """The COCO ground-truth document, annotations in ``ann_order``."""
    annotations = []
    for gt in images:
        for i in range(len(gt.cats)):
            box = gt.boxes[i]
            ann = {
                "image_id": gt.image_id,
                "category_id": int(gt.cats[i]),
                "bbox": [float(v) for v in box],
                "area": round(float(gt.area[i]), 2),
                "iscrowd": int(gt.crowd[i]),
            }
            if with_segm:
                ann["segmentation"] = gt.segm[i]
            annotations.append(ann)
    annotations = [annotations[i] for i in ann_order]
    for ann_id, ann in enumerate(annotations, start=1):
        ann["id"] = ann_id
    return {
        "info": {"description": "assay synthetic COCO-scale benchmark", "version": "1.0",
                 "year": 2024, "contributor": "bench/coco/generate.py"},
        "licenses": [{"id": 1, "name": "synthetic", "url": ""}],
        "images": [{"id": gt.image_id, "width": gt.width, "height": gt.height,
                    "file_name": f"{gt.image_id:012d}.jpg", "license": 1}
                   for gt in images],
        "annotations": annotations,
        "categories": [{"id": cid, "name": name, "supercategory": sup}
                       for cid, name, sup in CATEGORIES],
    }


def dt_bbox_document(images: list[ImageGt], dets: list[ImageDt]) -> list[dict]:
    """Detection results in COCO's result format (bbox)."""
    out = []
    for gt, dt in zip(images, dets):
        for box, cat, score in zip(dt.boxes.tolist(), dt.cats.tolist(), dt.scores.tolist()):
            out.append({"image_id": gt.image_id, "category_id": cat, "bbox": box, "score": score})
    return out


def dt_segm_document(rng: np.random.Generator, images: list[ImageGt], dets: list[ImageDt],
                     total: int) -> list[dict]:
    """Segmentation results: the top ``total / images`` detections of each image."""
    per_image = max(1, total // max(1, len(images)))
    out = []
    for gt, dt in zip(images, dets):
        for j in range(min(per_image, len(dt.cats))):
            out.append({"image_id": gt.image_id, "category_id": int(dt.cats[j]),
                        "segmentation": dt_segmentation(rng, gt, dt.boxes[j], int(dt.source[j])),
                        "score": float(dt.scores[j])})
    return out


def write_json(path: Path, document) -> float:
    """Write compact JSON; returns the size in MiB."""
    with path.open("w") as f:
        json.dump(document, f, separators=(",", ":"))
    return path.stat().st_size / 2**20


def summary(images: list[ImageGt], dets: list[ImageDt]) -> dict:
    """The counts printed at the end (and easy to compare with real COCO)."""
    n_objects = np.array([len(g.cats) for g in images])
    area = np.concatenate([g.area for g in images])
    crowd = np.concatenate([g.crowd for g in images])
    n_dets = np.array([len(d.cats) for d in dets])
    scores = np.concatenate([d.scores for d in dets])
    return {
        "images": len(images),
        "gt_annotations": int(n_objects.sum()),
        "gt_per_image_mean": float(n_objects.mean()),
        "gt_per_image_max": int(n_objects.max()),
        "images_without_gt": int((n_objects == 0).sum()),
        "images_with_30_plus_gt": int((n_objects >= 30).sum()),
        "small_share": float((area < SMALL_AREA).mean()),
        "medium_share": float(((area >= SMALL_AREA) & (area < LARGE_AREA)).mean()),
        "large_share": float((area >= LARGE_AREA).mean()),
        "crowd": int(crowd.sum()),
        "detections": int(n_dets.sum()),
        "detections_per_image_mean": float(n_dets.mean()),
        "images_with_over_100_dets": int((n_dets > 100).sum()),
        "distinct_scores": int(len(np.unique(scores))),
    }


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--images", type=int, default=5000, help="number of images (default 5000)")
    parser.add_argument("--segm", action="store_true",
                        help="also make GT segmentations and dt_segm.json (needs pycocotools)")
    parser.add_argument("--segm-dets", type=int, default=100_000,
                        help="detections in dt_segm.json, spread evenly over the images "
                             "(default 100000; RLE encoding in Python is slow)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    # Independent streams, so --segm does not change the boxes or detections.
    gt_rng, dt_rng, segm_rng, order_rng = (np.random.default_rng(s) for s in
                                           np.random.SeedSequence(args.seed).spawn(4))
    weights = category_weights(gt_rng)
    image_ids = np.sort(gt_rng.choice(np.arange(1, 600_000), size=args.images, replace=False))
    order_rng.shuffle(image_ids)  # COCO files do not list images in id order

    images = [make_ground_truth(gt_rng, int(i), weights) for i in image_ids]
    dets = [make_detections(dt_rng, gt, weights) for gt in images]
    for gt in images:
        if args.segm:
            add_gt_segmentation(segm_rng, gt)
        else:
            gt.area = gt.boxes[:, 2] * gt.boxes[:, 3] * gt.fill
    n_annotations = sum(len(g.cats) for g in images)
    ann_order = order_rng.permutation(n_annotations)  # nor annotations by image

    args.out.mkdir(parents=True, exist_ok=True)
    sizes = {"gt.json": write_json(args.out / "gt.json", gt_document(images, ann_order, args.segm)),
             "dt_bbox.json": write_json(args.out / "dt_bbox.json", dt_bbox_document(images, dets))}
    counts = summary(images, dets)
    if args.segm:
        segm = dt_segm_document(segm_rng, images, dets, args.segm_dets)
        counts["segm_detections"] = len(segm)
        sizes["dt_segm.json"] = write_json(args.out / "dt_segm.json", segm)

    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s (seed {args.seed})")
    for name, mib in sizes.items():
        print(f"  {name:13s} {mib:8.1f} MiB")
    print(f"images            {counts['images']}  ({counts['images_without_gt']} without GT)")
    print(f"GT annotations    {counts['gt_annotations']}  "
          f"(mean {counts['gt_per_image_mean']:.2f}/image, max {counts['gt_per_image_max']}, "
          f"{counts['images_with_30_plus_gt']} images with 30+)")
    print(f"  small/medium/large  {counts['small_share']:.1%} / {counts['medium_share']:.1%} / "
          f"{counts['large_share']:.1%}")
    print(f"  crowd           {counts['crowd']} ({counts['crowd'] / max(1, counts['gt_annotations']):.2%})")
    print(f"detections        {counts['detections']}  "
          f"(mean {counts['detections_per_image_mean']:.1f}/image, "
          f"{counts['images_with_over_100_dets']} images with > 100, "
          f"{counts['distinct_scores']} distinct scores)")
    if args.segm:
        print(f"segm detections   {counts['segm_detections']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

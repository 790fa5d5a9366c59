"""assay on Ray Data: scan, embed and evaluate a dataset across a Ray
cluster's workers with the ``assay`` Python package, and merge the parts
into exactly what one ``assay`` process gives.

Each worker takes a contiguous batch of the sorted file list (and of the
sorted COCO image ids) and returns bytes: a scan part
(``assay.scan_partial``), FID statistics sums of its images' features
(``assay.metrics.partial_statistics``) and a COCO evaluation's matches
(``COCOeval.partial``). The driver merges them (``assay.merge_scans``,
``merge_statistics``, ``assay.coco.merge``) and writes:

- ``scan.parquet``: the table ``assay scan --out`` writes (``assay.scan``
  of all files), duplicate groups across batches included;
- ``embeddings.npy`` and ``fid_stats.npz``: every image's features, and
  their FID statistics (pytorch-fid's ``mu``/``sigma``, which ``assay gen
  eval --real`` reads);
- ``coco.json``: the COCO stats and precision/recall arrays.

No scheduler of assay's own: Ray Data moves the batches. Usage::

    python recipes/ray/assay_ray.py --images DIR --out OUT [--gt GT --dt DT]
        [--address ADDR] [--batches N] [--model builtin]

Without ``--address`` a local Ray instance is started with this machine's
cores.
"""

import argparse
import contextlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import ray

import assay
from assay import metrics
from assay.coco import COCO, COCOeval

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def list_images(root):
    """The image files under ``root``, sorted (the order every part keeps)."""
    files = [
        os.path.join(d, f)
        for d, _, names in os.walk(root)
        for f in names
        if not f.startswith(".") and Path(f).suffix.lower() in IMAGE_SUFFIXES
    ]
    return sorted(files)


EMBED_BATCH = 32


def cuts(n, batches, align=1):
    """At most ``batches`` contiguous, non-empty runs of ``n`` items whose
    edges are multiples of ``align``: (index, start, stop)."""
    units = -(-n // align)
    edges = sorted({min(n, int(u) * align) for u in np.linspace(0, units, batches + 1).round()})
    return [(i, a, b) for i, (a, b) in enumerate(zip(edges[:-1], edges[1:]))]


def image_batch(row, files, model, first_row):
    """One batch of images: its scan part, features and FID sums. Batch
    edges are multiples of the embedding batch, so every image is embedded
    in the batch one process would embed it in (a model's features can
    differ in their last bits with the batch)."""
    i, a, b = row["batch"], row["start"], row["stop"]
    paths = files[a:b]
    scan = assay.scan_partial(paths, i, row["batches"], len(files))
    features, unreadable = assay.embed(paths, model=model, batch=EMBED_BATCH)
    if unreadable:
        raise RuntimeError(f"FID rows need every image readable; unreadable: {unreadable[:3]}")
    stats = metrics.partial_statistics(features, a, len(files), first_row)
    return {"batch": i, "scan": scan, "stats": stats, "features": features}


def coco_shard(row, gt, dt, iou_type):
    """One shard of the images' COCO evaluation: its matches."""
    g = COCO(gt)
    e = COCOeval(g, g.loadRes(dt), iou_type)
    ids = sorted(g.getImgIds())
    e.params.imgIds = ids[row["start"]:row["stop"]]
    e.evaluate()
    return {"shard": row["shard"], "part": e.partial()}


def run(images, out, gt=None, dt=None, iou_type="bbox", batches=8, model="builtin"):
    """Runs every step on the connected Ray cluster and writes the merged
    results to ``out``; returns what was merged."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = list_images(images)
    if not files:
        raise ValueError(f"no images under {images}")
    runs = cuts(len(files), batches, EMBED_BATCH)
    rows = [{"batch": i, "start": a, "stop": b, "batches": len(runs)} for i, a, b in runs]
    # The FID sums are shifted by the set's first row: embedded once here,
    # in the batch one process embeds it in, and given to every worker.
    first_batch, _ = assay.embed(files[:EMBED_BATCH], model=model, batch=EMBED_BATCH)
    first_row = first_batch[0]
    done = (
        ray.data.from_items(rows)
        .repartition(len(rows))
        .map(lambda r: image_batch(r, files, model, first_row))
        .take_all()
    )
    done.sort(key=lambda r: r["batch"])
    table = assay.merge_scans([r["scan"] for r in done])
    pq.write_table(table, out / "scan.parquet")
    features = np.vstack([r["features"] for r in done])
    np.save(out / "embeddings.npy", features)
    mu, sigma = metrics.merge_statistics([r["stats"] for r in done])
    np.savez(out / "fid_stats.npz", mu=mu, sigma=sigma, n=len(files))
    result = {"files": len(files), "scan": table, "features": features, "mu": mu, "sigma": sigma}
    if gt is not None:
        with open(gt) as f:
            n_images = len(json.load(f)["images"])
        shards = [{"shard": i, "start": a, "stop": b} for i, a, b in cuts(n_images, batches)]
        parts = (
            ray.data.from_items(shards)
            .repartition(len(shards))
            .map(lambda r: coco_shard(r, gt, dt, iou_type))
            .take_all()
        )
        merged = assay.coco.merge([p["part"] for p in parts], iou_type)
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            merged.summarize()
        (out / "coco.json").write_text(json.dumps({
            "stats": [float(s) for s in merged.stats],
            "precision": merged.eval["precision"].tolist(),
            "recall": merged.eval["recall"].tolist(),
        }))
        result["coco"] = merged
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", required=True, help="folder of images")
    parser.add_argument("--out", required=True, help="folder for the merged results")
    parser.add_argument("--gt", help="COCO instances file of the images")
    parser.add_argument("--dt", help="COCO results file")
    parser.add_argument("--iou-type", default="bbox", choices=["bbox", "segm", "keypoints"])
    parser.add_argument("--address", help="a running Ray cluster (default: start one here)")
    parser.add_argument("--batches", type=int, default=8, help="batches (tasks) per step")
    parser.add_argument("--model", default="builtin", help="extractor, as assay gen eval --model")
    args = parser.parse_args()
    ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    started = time.time()
    result = run(args.images, args.out, args.gt, args.dt, args.iou_type, args.batches, args.model)
    print(f"{result['files']} images in {time.time() - started:.1f} s; results in {args.out}")
    ray.shutdown()


if __name__ == "__main__":
    main()

"""The Ray Data recipe (recipes/ray/assay_ray.py) on a local Ray cluster
(one node on this machine, two worker processes), on 20,000 images: the merged scan
table, embeddings, FID statistics and COCO evaluation equal one process's,
bit for bit. Prints both wall times.

Runs in its own environment (.venv-ray: Ray's dependencies clash with the
oracles' pins); scripts/test.sh sets it up."""

import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import ray
from PIL import Image

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "recipes" / "ray"))
import assay_ray  # noqa: E402

import assay  # noqa: E402
from assay import metrics  # noqa: E402
from assay.coco import COCO, COCOeval  # noqa: E402

IMAGES = 20_000


def make_images(folder):
    """20,000 small PNGs: textures, some dark, some exact copies."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (64, 24, 24, 3), dtype=np.uint8)
    for i in range(IMAGES):
        sub = folder / f"{i // 1000:02d}"
        sub.mkdir(exist_ok=True)
        if i % 997 == 0:
            pixels = np.full((24, 24, 3), 4, dtype=np.uint8)
        elif i % 1009 == 0:
            pixels = base[0]
        else:
            pixels = np.roll(base[i % 64], i // 64, axis=0) ^ np.uint8(i % 251)
        Image.fromarray(pixels).save(sub / f"{i:05d}.png", compress_level=1)


def make_coco(folder):
    """A ground truth and detections for 20,000 image ids."""
    rng = np.random.default_rng(1)
    images = [{"id": i + 1, "width": 640, "height": 480, "file_name": f"{i}.png"} for i in range(IMAGES)]
    cats = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)]
    anns, dets = [], []
    for img in images:
        for _ in range(int(rng.integers(0, 4))):
            x, y, w, h = (float(v) for v in (*rng.uniform(0, 500, 2), *rng.uniform(4, 150, 2)))
            cat = int(rng.integers(1, 4))
            anns.append({"id": len(anns) + 1, "image_id": img["id"], "category_id": cat,
                         "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0})
            if rng.random() < 0.8:
                dets.append({"image_id": img["id"], "category_id": cat, "score": round(float(rng.random()), 2),
                             "bbox": [x + float(rng.normal(0, 5)), y + float(rng.normal(0, 5)), w, h]})
        for _ in range(int(rng.integers(0, 3))):
            dets.append({"image_id": img["id"], "category_id": int(rng.integers(1, 4)),
                         "score": round(float(rng.random()), 2),
                         "bbox": [*rng.uniform(0, 500, 2).tolist(), *rng.uniform(4, 100, 2).tolist()]})
    gt, dt = folder / "gt.json", folder / "dt.json"
    gt.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
    dt.write_text(json.dumps(dets))
    return gt, dt


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("ray")
    (root / "images").mkdir()
    make_images(root / "images")
    gt, dt = make_coco(root)
    return root, gt, dt


def one_process(images, gt, dt):
    files = assay_ray.list_images(images)
    table = assay.scan(files)
    features, unreadable = assay.embed(files)
    assert not unreadable
    mu, sigma = metrics.feature_statistics(features)
    g = COCO(str(gt))
    e = COCOeval(g, g.loadRes(str(dt)), "bbox")
    e.evaluate()
    e.accumulate()
    e.summarize()
    return {"files": len(files), "scan": table, "features": features, "mu": mu, "sigma": sigma, "coco": e}


def test_the_recipe_on_a_local_cluster_equals_one_process(data, capsys):
    root, gt, dt = data
    started = time.time()
    with capsys.disabled():
        alone = one_process(root / "images", gt, dt)
    single_s = time.time() - started
    # A local Ray instance: one node on this machine with two worker slots
    # (Ray registers the node under the machine's own address; nothing
    # leaves it). The workers import the recipe as the driver does.
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(REPO / "recipes" / "ray")}},
    )
    assert ray.cluster_resources().get("CPU") == 2
    assert len(ray.nodes()) == 1
    try:
        started = time.time()
        spread = assay_ray.run(root / "images", root / "out", str(gt), str(dt), "bbox", batches=8)
        ray_s = time.time() - started
    finally:
        ray.shutdown()
    assert spread["files"] == alone["files"] == IMAGES
    assert spread["scan"].equals(alone["scan"])
    dups = spread["scan"]["is_exact_duplicates_issue"].to_pylist()
    assert sum(d == 1 for d in dups) >= 20, "copies in other batches are found"
    assert np.array_equal(spread["features"], alone["features"])
    assert np.array_equal(spread["mu"], alone["mu"]) and np.array_equal(spread["sigma"], alone["sigma"])
    merged, whole = spread["coco"], alone["coco"]
    assert np.array_equal(np.asarray(merged.stats), np.asarray(whole.stats))
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(merged.eval[key], whole.eval[key]), key
    written = json.loads((root / "out" / "coco.json").read_text())
    assert written["stats"] == [float(s) for s in whole.stats]
    with capsys.disabled():
        print(f"\nray recipe: {IMAGES} images, local cluster of 2 workers: {ray_s:.1f} s; one assay process: {single_s:.1f} s")

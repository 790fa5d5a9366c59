"""`assay.coco` against pycocotools 2.0.11 itself: stats and the precision,
recall and scores arrays equal bit for bit, on the real cocoapi files and on
random cases, with pycocotools' parameters changed as users change them."""

import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO as RefCOCO
from pycocotools.cocoeval import COCOeval as RefCOCOeval

import assay
from assay.coco import COCO, COCOeval
from conftest import COCO_TESTS, shared

CASES = {
    "bbox": ("dataset/cocoapi/instances_val2014_100.json", "dataset/cocoapi/instances_val2014_fakebbox100_results.json", "bbox"),
    "segm": ("dataset/cocoapi/instances_val2014_100.json", "dataset/cocoapi/instances_val2014_fakesegm100_results.json", "segm"),
    "keypoints": ("keypoints_dataset/gt_dataset.json", "keypoints_dataset/dt_dataset.json", "keypoints"),
    "small_bbox": ("dataset/gt_dataset.json", "dataset/dt_dataset.json", "bbox"),
}


def quiet(f):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        f()
    return out.getvalue()


def evaluated(eval_cls, g, d, iou):
    """``evaluate``, ``accumulate`` and ``summarize`` of ``eval_cls``."""
    e = eval_cls(g, d, iou)
    e.evaluate()
    e.accumulate()
    e.summarize()
    return e


def run(gt, dt, iou, cocos, configure=lambda p: None):
    """Evaluates with (COCO, COCOeval) = `cocos`; returns the evaluator
    and what summarize printed."""
    coco_cls, eval_cls = cocos
    holder = {}

    def go():
        g = coco_cls(str(gt))
        d = g.loadRes(dt if not isinstance(dt, str) else str(dt))
        e = eval_cls(g, d, iou)
        configure(e.params)
        e.evaluate()
        e.accumulate()
        holder["e"] = e
        holder["summary"] = quiet(e.summarize)

    quiet(go)
    return holder["e"], holder["summary"]


def assert_identical(ref, ours):
    assert np.asarray(ours.stats).dtype == np.float64
    assert np.array_equal(np.asarray(ref.stats), np.asarray(ours.stats)), (ref.stats, ours.stats)
    for key in ("precision", "recall", "scores"):
        a, b = ref.eval[key], ours.eval[key]
        assert a.shape == b.shape, key
        assert a.dtype == b.dtype, key
        assert np.array_equal(a, b), f"{key} differs at {np.argwhere(a != b)[:5]}"
    assert ref.eval["counts"] == ours.eval["counts"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_files_equal_pycocotools(case):
    gt, dt, iou = CASES[case]
    gt, dt = shared(f"faster_coco_eval_tests/tests/{gt}"), shared(f"faster_coco_eval_tests/tests/{dt}")
    ref, ref_summary = run(gt, str(dt), iou, (RefCOCO, RefCOCOeval))
    ours, summary = run(gt, str(dt), iou, (COCO, COCOeval))
    assert_identical(ref, ours)
    assert summary == ref_summary


CONFIGS = {
    "first_37_images": lambda p: setattr(p, "imgIds", sorted(p.imgIds)[:37]),
    "no_categories": lambda p: setattr(p, "useCats", 0),
    "some_categories": lambda p: setattr(p, "catIds", [1, 3, 18, 999]),
    "max_dets": lambda p: setattr(p, "maxDets", [100, 5, 1]),
    "iou_thresholds": lambda p: setattr(p, "iouThrs", np.array([0.3, 0.5, 0.55, 0.9])),
    "recall_points": lambda p: setattr(p, "recThrs", np.linspace(0, 1, 11)),
    "area_ranges": lambda p: (
        setattr(p, "areaRng", [[0, 1e10], [0, 50 ** 2], [50 ** 2, 150 ** 2], [150 ** 2, 1e10]]),
    ),
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("case", ["bbox", "segm"])
def test_changed_parameters_equal_pycocotools(case, config):
    gt, dt, iou = CASES[case]
    gt, dt = COCO_TESTS / gt, COCO_TESTS / dt
    ref, _ = run(gt, str(dt), iou, (RefCOCO, RefCOCOeval), CONFIGS[config])
    ours, _ = run(gt, str(dt), iou, (COCO, COCOeval), CONFIGS[config])
    assert_identical(ref, ours)


@pytest.mark.parametrize("case", ["bbox", "segm", "keypoints"])
def test_pycocotools_objects_into_assay_cocoeval(case):
    """Only the import of COCOeval swapped: pycocotools' COCO objects in."""
    gt, dt, iou = CASES[case]
    holder = {}

    def go():
        g = RefCOCO(str(COCO_TESTS / gt))
        d = g.loadRes(str(COCO_TESTS / dt))
        for name, cls in (("ref", RefCOCOeval), ("ours", COCOeval)):
            holder[name] = evaluated(cls, g, d, iou)

    quiet(go)
    assert_identical(holder["ref"], holder["ours"])


def random_case(seed, tmp_path):
    """A seeded ground truth with crowds and empty images, and detections
    with scores rounded so that they tie, some of absent categories."""
    rng = np.random.default_rng(seed)
    n_images, n_cats = int(rng.integers(5, 40)), int(rng.integers(1, 6))
    images = [{"id": int(i), "width": 640, "height": 480, "file_name": f"{i}.jpg"} for i in range(1, n_images + 1)]
    cats = [{"id": int(c), "name": f"c{c}", "supercategory": "x"} for c in range(1, n_cats + 1)]
    anns, dets = [], []
    for img in images:
        for _ in range(int(rng.integers(0, 8))):
            x, y = rng.uniform(0, 500, 2)
            w, h = rng.uniform(2, 200, 2)
            anns.append({
                "id": len(anns) + 1, "image_id": img["id"], "category_id": int(rng.integers(1, n_cats + 1)),
                "bbox": [x, y, w, h], "area": float(w * h * rng.uniform(0.5, 1.0)),
                "iscrowd": int(rng.random() < 0.1),
            })
            for _ in range(int(rng.integers(0, 3))):
                dets.append({
                    "image_id": img["id"], "category_id": anns[-1]["category_id"],
                    "bbox": [x + rng.normal(0, 10), y + rng.normal(0, 10), w * rng.uniform(0.7, 1.3), h * rng.uniform(0.7, 1.3)],
                    "score": round(float(rng.random()), 1),
                })
        for _ in range(int(rng.integers(0, 5))):
            dets.append({
                "image_id": img["id"], "category_id": int(rng.integers(1, n_cats + 2)),
                "bbox": [*rng.uniform(0, 500, 2).tolist(), *rng.uniform(2, 100, 2).tolist()],
                "score": round(float(rng.random()), 1),
            })
    if not dets:
        dets.append({"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.5})
    gt = tmp_path / f"gt{seed}.json"
    gt.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
    return gt, dets


@pytest.mark.parametrize("seed", range(12))
def test_random_cases_equal_pycocotools(seed, tmp_path):
    gt, dets = random_case(seed, tmp_path)
    ref, ref_summary = run(gt, [dict(d) for d in dets], "bbox", (RefCOCO, RefCOCOeval))
    ours, summary = run(gt, [dict(d) for d in dets], "bbox", (COCO, COCOeval))
    assert_identical(ref, ours)
    assert summary == ref_summary


def test_results_from_an_array_equal_pycocotools():
    gt, dt, _ = CASES["bbox"]
    rows = [
        [r["image_id"], *r["bbox"], r["score"], r["category_id"]]
        for r in json.loads((COCO_TESTS / dt).read_text())
    ]
    array = np.array(rows)
    ref, _ = run(COCO_TESTS / gt, array, "bbox", (RefCOCO, RefCOCOeval))
    ours, _ = run(COCO_TESTS / gt, array, "bbox", (COCO, COCOeval))
    assert_identical(ref, ours)


def test_the_index_and_loaded_results_read_as_pycocotools_reads_them():
    gt, dt, _ = CASES["segm"]
    ref, ours = {}, {}

    def go():
        ref["g"] = RefCOCO(str(COCO_TESTS / gt))
        ref["d"] = ref["g"].loadRes(str(COCO_TESTS / dt))
        ours["g"] = COCO(str(COCO_TESTS / gt))
        ours["d"] = ours["g"].loadRes(str(COCO_TESTS / dt))

    quiet(go)
    g, rg = ours["g"], ref["g"]
    assert sorted(g.getImgIds()) == sorted(rg.getImgIds())
    assert g.getCatIds(catNms=["person", "dog"]) == rg.getCatIds(catNms=["person", "dog"])
    assert g.getCatIds(catNms="person") == rg.getCatIds(catNms="person") != []
    some = sorted(rg.getImgIds())[:5]
    assert g.getAnnIds(imgIds=some, iscrowd=0) == rg.getAnnIds(imgIds=some, iscrowd=0)
    assert g.getAnnIds(catIds=[1], areaRng=[100, 5000]) == rg.getAnnIds(catIds=[1], areaRng=[100, 5000])
    assert sorted(g.getImgIds(catIds=[1, 3])) == sorted(rg.getImgIds(catIds=[1, 3]))
    assert g.loadImgs(some[0]) == rg.loadImgs(some[0])
    loaded, ref_loaded = ours["d"].dataset["annotations"], ref["d"].dataset["annotations"]
    assert len(loaded) == len(ref_loaded)
    for a, b in zip(loaded, ref_loaded):
        assert a["id"] == b["id"] and a["area"] == b["area"], (a["id"], a["area"], b["area"])
        assert np.allclose(a["bbox"], b["bbox"])


def test_bad_input_is_an_assay_error_naming_the_file(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"images": [{"id": 1}], "annotations": [')
    with pytest.raises(assay.AssayError, match="broken.json"):
        quiet(lambda: COCO(str(bad)))
    gt, _, _ = CASES["bbox"]
    holder = {}
    quiet(lambda: holder.setdefault("g", COCO(str(COCO_TESTS / gt))))
    with pytest.raises(assay.AssayError, match="image id 123456789 is not in the dataset"):
        quiet(lambda: holder["g"].loadRes([{"image_id": 123456789, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]))


def sharded(gt, dt, iou, shards):
    """Evaluates `shards` contiguous runs of the image ids apart (as workers
    of a distributed engine would) and merges their parts."""
    holder = {}

    def go():
        g = COCO(str(gt))
        d = g.loadRes(dt if not isinstance(dt, str) else str(dt))
        ids = sorted(g.getImgIds())
        cuts = np.linspace(0, len(ids), shards + 1).astype(int)
        parts = []
        for a, b in zip(cuts[:-1], cuts[1:]):
            e = COCOeval(g, d, iou)
            e.params.imgIds = ids[a:b]
            e.evaluate()
            parts.append(e.partial())
        merged = assay.coco.merge(parts[::-1], iou)
        merged.summarize()
        holder["e"] = merged

    quiet(go)
    return holder["e"]


@pytest.mark.parametrize("shards", [1, 2, 7])
@pytest.mark.parametrize("case", ["bbox", "segm", "keypoints"])
def test_sharded_evaluation_merges_into_the_unsharded_one(case, shards):
    gt, dt, iou = CASES[case]
    whole, _ = run(COCO_TESTS / gt, str(COCO_TESTS / dt), iou, (COCO, COCOeval))
    assert_identical(whole, sharded(COCO_TESTS / gt, str(COCO_TESTS / dt), iou, shards))


@pytest.mark.parametrize("seed", range(4))
def test_sharded_random_cases_merge_into_pycocotools(seed, tmp_path):
    gt, dets = random_case(100 + seed, tmp_path)
    ref, _ = run(gt, [dict(d) for d in dets], "bbox", (RefCOCO, RefCOCOeval))
    assert_identical(ref, sharded(gt, [dict(d) for d in dets], "bbox", 7))


def test_overlapping_shards_are_refused():
    gt, dt, iou = CASES["bbox"]
    holder = {}

    def go():
        g = COCO(str(COCO_TESTS / gt))
        e = COCOeval(g, g.loadRes(str(COCO_TESTS / dt)), iou)
        e.evaluate()
        holder["part"] = e.partial()

    quiet(go)
    with pytest.raises(assay.AssayError, match="shards must not overlap"):
        assay.coco.merge([holder["part"], holder["part"]])


def test_a_dataset_changed_in_place_is_evaluated_as_changed():
    """pycocotools users edit ``dataset`` and call ``createIndex()``."""
    gt, dt, iou = CASES["bbox"]
    holder = {}

    def go():
        for name, (coco_cls, eval_cls) in (("ref", (RefCOCO, RefCOCOeval)), ("ours", (COCO, COCOeval))):
            g = coco_cls(str(COCO_TESTS / gt))
            g.dataset["annotations"] = g.dataset["annotations"][::2]
            g.createIndex()
            holder[name] = evaluated(eval_cls, g, g.loadRes(str(COCO_TESTS / dt)), iou)

    quiet(go)
    assert_identical(holder["ref"], holder["ours"])

"""``COCO`` and ``COCOeval`` with pycocotools' interface and pycocotools'
numbers: ``from assay.coco import COCO, COCOeval`` in place of
``pycocotools.coco`` / ``pycocotools.cocoeval``.

Files are read, matched and accumulated by assay's Rust kernels (the ones
``assay eval coco`` runs), so ``stats`` and ``eval['precision']``,
``eval['recall']`` and ``eval['scores']`` equal pycocotools 2.0.11's bit for
bit. ``COCOeval`` also takes pycocotools' own ``COCO`` objects.

What differs: ``evalImgs`` and ``ious`` are not kept (matching happens in
Rust); ``accumulate(p)`` takes only the evaluated parameters;
``annToRLE``, ``annToMask``, ``showAnns`` and ``download`` are not provided.
"""

import copy
import datetime
import itertools
import json
import time
from collections import defaultdict

import numpy as np

from . import _assay


def _is_array_like(obj):
    return hasattr(obj, "__iter__") and hasattr(obj, "__len__")


def _as_list(x):
    # As pycocotools: a string is "array-like" and stays a string (names
    # then match by substring).
    return x if _is_array_like(x) else [x]


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, bytes):
        return o.decode()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _dumps(obj):
    return json.dumps(obj, default=_json_default).encode()


class COCO:
    """A COCO instances file (or results loaded with :meth:`loadRes`).

    The file is read by assay for evaluation; ``dataset`` and the index
    (``anns``, ``imgs``, ``cats``, ``imgToAnns``, ``catToImgs``) are made
    from it on first use, as pycocotools makes them.
    """

    def __init__(self, annotation_file=None):
        self._dataset = None
        self._file = None
        self._native = None
        self._results = None  # (native results, the native ground truth they were read against)
        self._result_source = None
        self._indexed = False
        if annotation_file is not None:
            print("loading annotations into memory...")
            tic = time.time()
            self._file = annotation_file
            self._native = _assay.CocoGroundTruth.read(str(annotation_file))
            print("Done (t={:0.2f}s)".format(time.time() - tic))
        else:
            self._dataset = {}

    # The dataset and its index, made when first used.

    @property
    def dataset(self):
        if self._dataset is None:
            if self._result_source is not None:
                self._dataset = self._results_dataset()
            else:
                with open(self._file) as f:
                    self._dataset = json.load(f)
        return self._dataset

    @dataset.setter
    def dataset(self, value):
        self._dataset = value
        self._native = None
        self._results = None
        self._result_source = None
        self._indexed = False

    def __getattr__(self, name):
        if name in ("anns", "imgs", "cats", "imgToAnns", "catToImgs"):
            self._build_index()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def createIndex(self):
        """Indexes the dataset by annotation, image and category id. As
        after ``dataset`` was changed in place, evaluation then reads the
        dataset as it is now, not the file."""
        self.dataset  # read the file first, if it was not yet
        self._native = None
        self._results = None
        self._build_index()

    def _build_index(self):
        anns, cats, imgs = {}, {}, {}
        img_to_anns, cat_to_imgs = defaultdict(list), defaultdict(list)
        d = self.dataset
        for ann in d.get("annotations", []):
            img_to_anns[ann["image_id"]].append(ann)
            anns[ann["id"]] = ann
        for img in d.get("images", []):
            imgs[img["id"]] = img
        for cat in d.get("categories", []):
            cats[cat["id"]] = cat
        if "annotations" in d and "categories" in d:
            for ann in d["annotations"]:
                cat_to_imgs[ann["category_id"]].append(ann["image_id"])
        self.__dict__.update(
            anns=anns, imgs=imgs, cats=cats, imgToAnns=img_to_anns, catToImgs=cat_to_imgs
        )
        self._indexed = True

    def info(self):
        """Prints the dataset's ``info`` entries."""
        for key, value in self.dataset["info"].items():
            print("{}: {}".format(key, value))

    def getAnnIds(self, imgIds=[], catIds=[], areaRng=[], iscrowd=None):
        """Ids of the annotations of the given images and categories, within
        an area range (exclusive bounds), optionally only crowds or non-crowds."""
        imgIds, catIds = _as_list(imgIds), _as_list(catIds)
        if len(imgIds) == len(catIds) == len(areaRng) == 0:
            anns = self.dataset["annotations"]
        else:
            if len(imgIds) != 0:
                anns = list(itertools.chain.from_iterable(
                    self.imgToAnns[i] for i in imgIds if i in self.imgToAnns
                ))
            else:
                anns = self.dataset["annotations"]
            if len(catIds) != 0:
                anns = [a for a in anns if a["category_id"] in catIds]
            if len(areaRng) != 0:
                anns = [a for a in anns if areaRng[0] < a["area"] < areaRng[1]]
        if iscrowd is not None:
            return [a["id"] for a in anns if a["iscrowd"] == iscrowd]
        return [a["id"] for a in anns]

    def getCatIds(self, catNms=[], supNms=[], catIds=[]):
        """Ids of the categories with the given names, supercategories or ids."""
        catNms, supNms, catIds = _as_list(catNms), _as_list(supNms), _as_list(catIds)
        cats = self.dataset["categories"]
        if catNms:
            cats = [c for c in cats if c["name"] in catNms]
        if supNms:
            cats = [c for c in cats if c["supercategory"] in supNms]
        if catIds:
            cats = [c for c in cats if c["id"] in catIds]
        return [c["id"] for c in cats]

    def getImgIds(self, imgIds=[], catIds=[]):
        """Ids of the given images that have every given category."""
        imgIds, catIds = _as_list(imgIds), _as_list(catIds)
        if len(imgIds) == len(catIds) == 0:
            return list(self.imgs.keys())
        ids = set(imgIds)
        for i, cat in enumerate(catIds):
            if i == 0 and len(ids) == 0:
                ids = set(self.catToImgs[cat])
            else:
                ids &= set(self.catToImgs[cat])
        return list(ids)

    def loadAnns(self, ids=[]):
        """The annotations with the given ids."""
        return [self.anns[i] for i in ids] if _is_array_like(ids) else [self.anns[ids]]

    def loadCats(self, ids=[]):
        """The categories with the given ids."""
        return [self.cats[i] for i in ids] if _is_array_like(ids) else [self.cats[ids]]

    def loadImgs(self, ids=[]):
        """The images with the given ids."""
        return [self.imgs[i] for i in ids] if _is_array_like(ids) else [self.imgs[ids]]

    def loadNumpyAnnotations(self, data):
        """Results from an ``[N, 7]`` array of
        ``[image_id, x, y, w, h, score, category_id]`` rows."""
        data = np.asarray(data)
        if data.ndim != 2 or data.shape[1] != 7:
            raise _assay.AssayError(f"expected an [N, 7] array of results, got shape {data.shape}")
        return [
            {
                "image_id": int(row[0]),
                "bbox": [float(row[1]), float(row[2]), float(row[3]), float(row[4])],
                "score": float(row[5]),
                "category_id": int(row[6]),
            }
            for row in data
        ]

    def loadRes(self, resFile):
        """Detections (a results file, a list of results or an ``[N, 7]``
        array) against this ground truth, as pycocotools' ``loadRes``."""
        print("Loading and preparing results...")
        tic = time.time()
        native_gt = self._native_gt()
        res = COCO()
        res._dataset = None
        if isinstance(resFile, str):
            native = _assay.CocoResults.read(native_gt, resFile)
            res._result_source = ("file", resFile)
        else:
            anns = self.loadNumpyAnnotations(resFile) if isinstance(resFile, np.ndarray) else resFile
            if not isinstance(anns, list):
                raise _assay.AssayError("results in not an array of objects")
            native = _assay.CocoResults.parse(native_gt, _dumps(anns), "<results list>")
            res._result_source = ("list", anns)
        res._results = (native, native_gt)
        res._gt = self
        print("DONE (t={:0.2f}s)".format(time.time() - tic))
        return res

    # What evaluation reads.

    def _native_gt(self):
        if self._native is None:
            self._native = _assay.CocoGroundTruth.parse(_dumps(self.dataset), "<COCO dataset>")
        return self._native

    def _results_dataset(self):
        """The results as pycocotools' ``loadRes`` leaves them."""
        kind, source = self._result_source
        if kind == "file":
            with open(source) as f:
                anns = json.load(f)
        else:
            anns = source
        gt = self._gt.dataset
        dataset = {"images": list(gt["images"])}
        if anns and "bbox" in anns[0] and anns[0]["bbox"] != []:
            dataset["categories"] = copy.deepcopy(gt["categories"])
            for i, ann in enumerate(anns):
                x, y, w, h = ann["bbox"]
                if "segmentation" not in ann:
                    ann["segmentation"] = [[x, y, x, y + h, x + w, y + h, x + w, y]]
                ann["area"] = w * h
                ann["id"] = i + 1
                ann["iscrowd"] = 0
        elif anns and "segmentation" in anns[0]:
            dataset["categories"] = copy.deepcopy(gt["categories"])
            geometry = self._results[0].geometry()
            for i, ann in enumerate(anns):
                area, box = geometry.get(i + 1, (None, None))
                ann["area"] = area
                if "bbox" not in ann:
                    ann["bbox"] = box
                ann["id"] = i + 1
                ann["iscrowd"] = 0
        elif anns and "keypoints" in anns[0]:
            dataset["categories"] = copy.deepcopy(gt["categories"])
            for i, ann in enumerate(anns):
                s = ann["keypoints"]
                xs, ys = s[0::3], s[1::3]
                x0, x1, y0, y1 = np.min(xs), np.max(xs), np.min(ys), np.max(ys)
                ann["area"] = (x1 - x0) * (y1 - y0)
                ann["id"] = i + 1
                ann["bbox"] = [x0, y0, x1 - x0, y1 - y0]
        dataset["annotations"] = anns
        return dataset


def _native_gt_of(coco):
    """The native ground truth of an assay or pycocotools ``COCO``."""
    if isinstance(coco, COCO):
        return coco._native_gt()
    return _assay.CocoGroundTruth.parse(_dumps(coco.dataset), "<COCO dataset>")


def _native_results_of(coco, native_gt):
    """The native detections of an assay or pycocotools ``COCO``, read
    against ``native_gt``."""
    if isinstance(coco, COCO) and coco._results is not None and coco._results[1] is native_gt:
        return coco._results[0]
    anns = coco.dataset.get("annotations", [])
    return _assay.CocoResults.parse_loaded(native_gt, _dumps(anns), "<COCO results>")


class Params:
    """Evaluation parameters with pycocotools' names and defaults."""

    def __init__(self, iouType="segm"):
        if iouType in ("segm", "bbox"):
            self.setDetParams()
        elif iouType == "keypoints":
            self.setKpParams()
        else:
            raise Exception("iouType not supported")
        self.iouType = iouType
        self.useSegm = None

    def _common(self):
        self.imgIds = []
        self.catIds = []
        self.iouThrs = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
        self.recThrs = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
        self.useCats = 1

    def setDetParams(self):
        """Box and mask defaults."""
        self._common()
        self.maxDets = [1, 10, 100]
        self.areaRng = [[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]]
        self.areaRngLbl = ["all", "small", "medium", "large"]

    def setKpParams(self):
        """Keypoint defaults (COCO person sigmas)."""
        self._common()
        self.maxDets = [20]
        self.areaRng = [[0 ** 2, 1e5 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]]
        self.areaRngLbl = ["all", "medium", "large"]
        self.kpt_oks_sigmas = np.array(
            [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89]
        ) / 10.0

    def _native(self):
        sigmas = getattr(self, "kpt_oks_sigmas", None)
        if sigmas is None:
            sigmas = Params("keypoints").kpt_oks_sigmas
        return {
            "iou_type": self.iouType,
            "img_ids": [int(i) for i in self.imgIds],
            "cat_ids": [int(c) for c in self.catIds],
            "use_cats": bool(self.useCats),
            "iou_thrs": [float(t) for t in self.iouThrs],
            "rec_thrs": [float(r) for r in self.recThrs],
            "max_dets": [int(m) for m in self.maxDets],
            "area_rng": [(float(a), float(b)) for a, b in self.areaRng],
            "area_rng_lbl": [str(label) for label in self.areaRngLbl],
            "kpt_oks_sigmas": [float(s) for s in sigmas],
        }


class COCOeval:
    """pycocotools' ``COCOeval``: ``evaluate()``, ``accumulate()``,
    ``summarize()``, then ``stats`` and ``eval``."""

    def __init__(self, cocoGt=None, cocoDt=None, iouType="segm"):
        if not iouType:
            print("iouType not specified. use default iouType segm")
            iouType = "segm"
        self.cocoGt = cocoGt
        self.cocoDt = cocoDt
        self.eval = {}
        self.params = Params(iouType=iouType)
        self._paramsEval = {}
        self.stats = []
        self._matches = None
        self._accumulated = None
        if cocoGt is not None:
            self._gt = _native_gt_of(cocoGt)
            self.params.imgIds = sorted(self._gt.image_ids())
            self.params.catIds = sorted(self._gt.category_ids())

    def evaluate(self):
        """Matches every image's detections to its ground truth."""
        tic = time.time()
        print("Running per image evaluation...")
        p = self.params
        if p.useSegm is not None:
            p.iouType = "segm" if p.useSegm == 1 else "bbox"
            print("useSegm (deprecated) is not None. Running {} evaluation".format(p.iouType))
        print("Evaluate annotation type *{}*".format(p.iouType))
        p.imgIds = list(np.unique(p.imgIds))
        if p.useCats:
            p.catIds = list(np.unique(p.catIds))
        p.maxDets = sorted(p.maxDets)
        self.params = p
        dt = _native_results_of(self.cocoDt, self._gt)
        self._matches = _assay.coco_evaluate(self._gt, dt, p._native())
        self._paramsEval = copy.deepcopy(self.params)
        print("DONE (t={:0.2f}s).".format(time.time() - tic))

    def accumulate(self, p=None):
        """Precision, recall and scores per threshold, recall point,
        category, area range and detection count, in ``self.eval``."""
        print("Accumulating evaluation results...")
        tic = time.time()
        if self._matches is None:
            print("Please run evaluate() first")
            return
        if p is not None and p is not self.params:
            raise NotImplementedError("assay accumulates with the evaluated parameters only (accumulate() or accumulate(self.params))")
        self._set_accumulated(_assay.coco_accumulate(self._matches))
        print("DONE (t={:0.2f}s).".format(time.time() - tic))

    def partial(self):
        """After :meth:`evaluate`: this evaluation's per-image matches as
        bytes, one shard's part for :func:`merge` (evaluate each shard with
        ``params.imgIds`` set to its images)."""
        if self._matches is None:
            raise _assay.AssayError("run evaluate() first")
        return self._matches.to_bytes()

    def _set_accumulated(self, acc):
        self._accumulated = acc
        self.eval = {
            "params": self.params,
            "counts": list(acc.shape),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": acc.precision,
            "recall": acc.recall,
            "scores": acc.scores,
        }

    def summarize(self):
        """Prints pycocotools' summary and sets ``stats``."""
        if not self.eval:
            raise Exception("Please run accumulate() first")
        for line in self._accumulated.summary_lines():
            print(line)
        self.stats = self._accumulated.stats

    def __str__(self):
        self.summarize()
        return ""


def merge(parts, iouType="bbox"):
    """The evaluation of all images from the parts of image shards
    (:meth:`COCOeval.partial` of each, every image once, in any order):
    a ``COCOeval`` whose ``eval`` and, after ``summarize()``, ``stats`` are
    exactly those of one evaluation of every image. ``iouType`` only names
    the evaluation's ``params``; the parts carry their own parameters."""
    merged = COCOeval(iouType=iouType)
    merged._set_accumulated(_assay.coco_merge([bytes(p) for p in parts]))
    return merged

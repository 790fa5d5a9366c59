"""Oracle for crates/assay-quality/tests/cleanlab_od_parity.rs.

Usage: cleanlab_od_oracle.py CASES.json

Reads the randomized object-detection cases the Rust test wrote, runs
cleanlab's object detection label checks (the reference implementation) on
each and prints one JSON object per case, in order, as a JSON list on stdout.
Doubles are given as their IEEE-754 bit patterns (unsigned 64-bit integers)
so they compare exactly; NaN is written as null. Exits with a message on
stderr when cleanlab is missing or is not the pinned version.

A case is {"num_classes": K, "kind": "default" | "public" | "custom",
"params": {...}, "images": [{"labels": [[x, y, w, h, class], ...],
"predictions": [[x, y, w, h, class, score], ...]}, ...]}; "public" cases
change only the weights and overlapping_label_check, which cleanlab's public
functions take, "custom" cases every parameter. Boxes are assay's
[x, y, w, h]; cleanlab gets corners [x, y, x + w, y + h], labels as
{"bboxes": (L, 4), "labels": (L,)} and predictions as one (M_k, 5) array
[x1, y1, x2, y2, score] per class k, in the order the case lists them.
Per-prediction results are mapped back to the case's order.

Per case:
  min_similarity    rank._get_min_possible_similarity
  class_thresholds  filter._get_per_class_ap (float32 values)
  overlooked, badloc, swap
                    rank.compute_{overlooked,badloc,swap}_box_scores with the
                    case's parameters, per image
  pooled            rank.pool_box_scores_per_image of each, with the
                    temperature
  issues            filter._find_label_issues_per_box on each kind with the
                    per-class thresholds and factors, per image (empty for
                    images without such boxes)
  flagged           images with any box issue
  scores            rank.get_label_quality_scores with the case's weights
                    and overlapping_label_check; for "custom" cases
                    rank._get_subtype_label_quality_scores with every
                    parameter
  public            null for "custom" cases, else: filter.find_label_issues'
                    mask ("flagged") and, for "default" cases, the indices
                    return_indices_ranked_by_score=True gives ("ranked", see
                    ranked_issues)

filter._calculate_ap_per_class opens a multiprocessing.Pool(1) per IoU
threshold; the oracle replaces it with an in-process pool whose starmap calls
the same function in order (same results, without a process per call).
"""

import contextlib
import copy
import json
import struct
import sys

PINNED = "2.9.0"

try:
    from importlib.metadata import version

    import numpy as np
    from cleanlab.object_detection import filter as od_filter
    from cleanlab.object_detection import rank as od_rank
    from cleanlab.internal import constants
except ImportError as err:
    sys.exit(f"cleanlab_od_oracle: cannot import cleanlab ({err}); run ./scripts/test.sh")
if version("cleanlab") != PINNED:
    sys.exit(f"cleanlab_od_oracle: cleanlab {version('cleanlab')} found, {PINNED} expected; run ./scripts/test.sh")


class SerialPool:
    """multiprocessing.Pool's starmap and close, in this process."""

    def __init__(self, processes=None):
        pass

    def starmap(self, func, iterable):
        return [func(*args) for args in iterable]

    def close(self):
        pass


od_filter.Pool = SerialPool


def bits(value):
    """IEEE-754 bit pattern of a double; None for NaN."""
    value = float(value)
    if value != value:
        return None
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def to_cleanlab(case):
    """cleanlab's labels and predictions, and per image the case position of
    each prediction in cleanlab's (class-major) order."""
    k = case["num_classes"]
    labels, predictions, orders = [], [], []
    for image in case["images"]:
        lab = image["labels"]
        bboxes = np.array([[x, y, x + w, y + h] for x, y, w, h, _ in lab], dtype=float).reshape(-1, 4)
        classes = np.array([int(c) for *_, c in lab], dtype=int)
        labels.append({"bboxes": bboxes, "labels": classes})
        per_class = []
        order = []
        for cls in range(k):
            rows = []
            for i, (x, y, w, h, c, s) in enumerate(image["predictions"]):
                if int(c) == cls:
                    rows.append([x, y, x + w, y + h, s])
                    order.append(i)
            per_class.append(np.array(rows, dtype=float).reshape(-1, 5))
        predictions.append(per_class)
        orders.append(order)
    return labels, predictions, orders


def per_prediction(values, order):
    """Values in cleanlab's order, back in the case's order."""
    out = [None] * len(order)
    for position, i in enumerate(order):
        out[i] = bits(values[position])
    return out


def box_issues(scores, thresholds, factor, counts):
    flags = od_filter._find_label_issues_per_box(copy.deepcopy(scores), thresholds, factor)
    return [[bool(f) for f in flag][:n] if n else [] for flag, n in zip(flags, counts)]


def ranked_issues(scores, flags):
    """find_label_issues(..., return_indices_ranked_by_score=True), given
    get_label_quality_scores with default parameters (what it ranks by)
    and find_label_issues' mask.

    cleanlab 2.9.0 ends that branch with np.in1d, which NumPy 2.4 removed;
    these are its steps with np.isin, NumPy's replacement.
    """
    sorted_scores_idx = od_rank.issues_from_scores(scores, threshold=1.0)
    is_issue_idx = np.where(flags)[0]
    return sorted_scores_idx[np.isin(sorted_scores_idx, is_issue_idx, assume_unique=True)]


def evaluate(case):
    p = case["params"]
    alpha, low, high, temp = p["alpha"], p["low"], p["high"], p["temperature"]
    olc = p["overlapping_label_check"]
    weights = {"overlooked": p["weights"][0], "badloc": p["weights"][1], "swap": p["weights"][2]}
    labels, predictions, orders = to_cleanlab(case)

    overlooked = od_rank.compute_overlooked_box_scores(
        labels=labels, predictions=predictions, alpha=alpha, high_probability_threshold=high
    )
    badloc = od_rank.compute_badloc_box_scores(
        labels=labels, predictions=predictions, alpha=alpha, low_probability_threshold=low
    )
    swap = od_rank.compute_swap_box_scores(
        labels=labels,
        predictions=predictions,
        alpha=alpha,
        high_probability_threshold=high,
        overlapping_label_check=olc,
    )
    pooled = {
        name: [bits(v) for v in od_rank.pool_box_scores_per_image(s, temperature=temp)]
        for name, s in (("overlooked", overlooked), ("badloc", badloc), ("swap", swap))
    }
    per_class = od_filter._get_per_class_ap(labels, predictions)
    lab_thresholds = od_filter._process_class_list([l["labels"] for l in labels], per_class)
    pred_classes = [od_rank._separate_prediction(pred)[1] for pred in predictions]
    pred_thresholds = od_filter._process_class_list(pred_classes, per_class)
    n_labels = [len(l["labels"]) for l in labels]
    n_preds = [len(o) for o in orders]
    issues = {
        "overlooked": box_issues(overlooked, pred_thresholds, constants.OVERLOOKED_THRESHOLD_FACTOR, n_preds),
        "badloc": box_issues(badloc, lab_thresholds, constants.BADLOC_THRESHOLD_FACTOR, n_labels),
        "swap": box_issues(swap, lab_thresholds, constants.SWAP_THRESHOLD_FACTOR, n_labels),
    }
    # Per-prediction issues back in the case's order.
    issues["overlooked"] = [
        [flags[order.index(i)] for i in range(len(order))] for flags, order in zip(issues["overlooked"], orders)
    ]
    flagged = [any(any(issues[kind][i]) for kind in issues) for i in range(len(labels))]

    result = {
        "min_similarity": bits(od_rank._get_min_possible_similarity(alpha, predictions, labels)),
        "class_thresholds": [bits(per_class[k]) for k in range(case["num_classes"])],
        "overlooked": [per_prediction(s, o) for s, o in zip(overlooked, orders)],
        "badloc": [[bits(v) for v in s] for s in badloc],
        "swap": [[bits(v) for v in s] for s in swap],
        "pooled": pooled,
        "issues": issues,
        "flagged": flagged,
        "public": None,
    }
    if case["kind"] == "custom":
        scores = od_rank._get_subtype_label_quality_scores(
            labels,
            predictions,
            alpha=alpha,
            low_probability_threshold=low,
            high_probability_threshold=high,
            temperature=temp,
            aggregation_weights=weights,
            overlapping_label_check=olc,
        )
        result["scores"] = [bits(v) for v in scores]
        return result
    scores = od_rank.get_label_quality_scores(
        labels,
        predictions,
        aggregation_weights=weights,
        overlapping_label_check=olc,
        verbose=False,
    )
    result["scores"] = [bits(v) for v in scores]
    flags = od_filter.find_label_issues(labels, predictions, overlapping_label_check=olc)
    result["public"] = {"flagged": [bool(v) for v in flags], "ranked": None}
    if case["kind"] == "default":
        result["public"]["ranked"] = [int(i) for i in ranked_issues(scores, flags)]
    return result


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    # cleanlab prints progress; keep stdout for the JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        results = [evaluate(case) for case in cases]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()

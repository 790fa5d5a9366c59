"""Oracle for crates/assay-eval/tests/semseg_parity.rs.

Usage: semseg_oracle.py CASES.json

mmsegmentation and torch are too heavy to install for a test, so this file
transcribes, in numpy, the two pieces of mmseg 1.x that define its semantic
segmentation metrics:

- ``LoadAnnotations._load_seg_map`` in ``mmseg/datasets/transforms/loading.py``
  (the ``reduce_zero_label`` step), and
- ``IoUMetric.intersect_and_union``, ``IoUMetric.total_area_to_metrics`` and
  the sums and ``np.nanmean`` of ``IoUMetric.compute_metrics`` in
  ``mmseg/evaluation/metrics/iou_metric.py``.

Each case is ``{"num_classes", "ignore_index", "reduce_zero_label",
"images": [{"pred": [...], "label": [...]}]}``. The result of each case is
printed, in order, in one JSON list on stdout: the four total area
histograms as integers and every metric as the IEEE-754 bit pattern of the
double (so NaN and every last bit survive JSON).

Where this transcription knowingly differs from running mmseg (each also
documented in the Rust module ``assay_eval::semseg``):

- Areas are exact 64-bit integers and ratios are float64. mmseg's histograms
  come from ``torch.histc`` as float32, so its sums stop being exact past
  2**24 pixels per class and its ratios carry float32 rounding.
- Metrics are fractions, not mmseg's ``np.round(100 * x, 2)`` summary.
- ``torch.histc(min=0, max=0)`` (``num_classes == 1``) uses the data's own
  range; here, as for any other class count, only values in
  ``[0, num_classes - 1]`` are counted.
- An empty result list makes mmseg's ``compute_metrics`` fail an assertion;
  here the sums start from zero histograms and every ratio is NaN.
"""

import json
import struct
import sys
import warnings

try:
    import numpy as np
except ImportError as err:
    sys.exit(f"semseg_oracle: cannot import numpy ({err}); run ./scripts/test.sh")

BETA = 1
METRICS = ["mIoU", "mDice", "mFscore"]


def bits(value):
    """IEEE-754 bit pattern of a double, so that JSON carries it exactly."""
    return struct.unpack("<Q", struct.pack("<d", float(value)))[0]


def reduce_zero_label(label, ignore_index):
    """mmseg/datasets/transforms/loading.py, LoadAnnotations._load_seg_map.

    mmseg works on uint8 maps with 255 written out; here 255 is
    ``ignore_index`` and the map is int64, so ``ignore_index + 1`` plays the
    part of uint8's wrap-around: 0 -> ignore, ignore -> ignore, v -> v - 1.
    """
    label = label.copy()
    label[label == 0] = ignore_index + 1
    label = label - 1
    label[label == ignore_index - 1] = ignore_index
    return label


def histc(values, num_classes):
    """torch.histc(values.float(), bins=num_classes, min=0, max=num_classes - 1).

    On integer values each bin holds exactly one class index; values outside
    [min, max] are not counted.
    """
    inside = values[(values >= 0) & (values <= num_classes - 1)]
    return np.bincount(inside, minlength=num_classes).astype(np.int64)


def intersect_and_union(pred_label, label, num_classes, ignore_index):
    """mmseg/evaluation/metrics/iou_metric.py, IoUMetric.intersect_and_union."""
    mask = label != ignore_index
    pred_label = pred_label[mask]
    label = label[mask]

    intersect = pred_label[pred_label == label]
    area_intersect = histc(intersect, num_classes)
    area_pred_label = histc(pred_label, num_classes)
    area_label = histc(label, num_classes)
    area_union = area_pred_label + area_label - area_intersect
    return area_intersect, area_union, area_pred_label, area_label


def f_score(precision, recall, beta=1):
    """mmseg/evaluation/metrics/iou_metric.py, total_area_to_metrics.f_score."""
    score = (1 + beta**2) * (precision * recall) / ((beta**2 * precision) + recall)
    return score


def total_area_to_metrics(total_area_intersect, total_area_union, total_area_pred_label,
                          total_area_label, metrics, beta):
    """mmseg/evaluation/metrics/iou_metric.py, IoUMetric.total_area_to_metrics (nan_to_num=None)."""
    all_acc = total_area_intersect.sum() / total_area_label.sum()
    ret_metrics = {"aAcc": all_acc}
    for metric in metrics:
        if metric == "mIoU":
            ret_metrics["IoU"] = total_area_intersect / total_area_union
            ret_metrics["Acc"] = total_area_intersect / total_area_label
        elif metric == "mDice":
            ret_metrics["Dice"] = 2 * total_area_intersect / (total_area_pred_label + total_area_label)
            ret_metrics["Acc"] = total_area_intersect / total_area_label
        elif metric == "mFscore":
            precision = total_area_intersect / total_area_pred_label
            recall = total_area_intersect / total_area_label
            ret_metrics["Fscore"] = np.array([f_score(x[0], x[1], beta) for x in zip(precision, recall)])
            ret_metrics["Precision"] = precision
            ret_metrics["Recall"] = recall
    return ret_metrics


def evaluate(case):
    """IoUMetric.process over every image, then IoUMetric.compute_metrics."""
    num_classes, ignore_index = case["num_classes"], case["ignore_index"]
    results = []
    for image in case["images"]:
        pred = np.asarray(image["pred"], dtype=np.int64)
        label = np.asarray(image["label"], dtype=np.int64)
        if case["reduce_zero_label"]:
            label = reduce_zero_label(label, ignore_index)
        results.append(intersect_and_union(pred, label, num_classes, ignore_index))
    zero = np.zeros(num_classes, dtype=np.int64)
    totals = [sum((r[i] for r in results), zero) for i in range(4)]
    ret_metrics = total_area_to_metrics(*totals, METRICS, BETA)

    out = {name: totals[i].tolist() for i, name in
           enumerate(["area_intersect", "area_union", "area_pred_label", "area_label"])}
    for name, value in ret_metrics.items():
        if name == "aAcc":
            out[name] = bits(value)
        else:
            out[name] = [bits(v) for v in value]
            out["m" + name] = bits(np.nanmean(value))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    # 0 / 0 and nanmean of all-NaN are expected (absent classes): no warnings.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        results = [evaluate(case) for case in cases]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()

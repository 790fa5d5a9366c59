"""Oracle for crates/assay-eval/tests/sklearn_classification_parity.rs.

Usage: classification_oracle.py CASES.json

Reads the cases the Rust test wrote (true labels, a row-major score matrix,
optionally explicit predicted classes, and options), evaluates each with
scikit-learn (the reference implementation) and prints one JSON object per
case, in order, as a JSON list on stdout. NaN is written as null. Exits with
status 1 and a message on stderr when scikit-learn is missing or is not the
pinned version.

Per case:
  predicted     the given classes, else numpy's argmax of each score row
  accuracy      accuracy_score
  top_k         top_k_accuracy_score for each k of the case, with
                labels=range(num_classes); with two classes scikit-learn takes
                only the scores of class 1 (it rejects a two-column matrix)
  confusion     confusion_matrix with labels=range(num_classes)
  scores        for labels=None ("present") and labels=range(num_classes)
                ("all"): precision_recall_fscore_support with average=None,
                'macro', 'micro' and 'weighted', with the case's
                zero_division; f1_score for the three averages with
                labels=None
  brier         brier_score_loss with labels=range(num_classes) and the
                case's scale_by_half (absent for cases whose scores are not
                probabilities)
"""

import json
import math
import sys
import warnings

PINNED = "1.9.0"

try:
    from importlib.metadata import version

    import numpy as np
    from sklearn.metrics import (
        accuracy_score,
        brier_score_loss,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
        top_k_accuracy_score,
    )
except ImportError as err:
    sys.exit(f"classification_oracle: cannot import scikit-learn ({err}); run ./scripts/test.sh")
if version("scikit-learn") != PINNED:
    sys.exit(
        f"classification_oracle: scikit-learn {version('scikit-learn')} found, {PINNED} expected; "
        "run ./scripts/test.sh"
    )

ZERO_DIVISION = {"zero": 0.0, "one": 1.0, "nan": np.nan}
SCALE_BY_HALF = {"auto": "auto", "full": False, "half": True}
AVERAGES = ("macro", "micro", "weighted")


def num(value):
    """A float for JSON, None for NaN."""
    value = float(value)
    return None if math.isnan(value) else value


def nums(values):
    return [num(v) for v in values]


def top_k(y_true, scores, k_values, num_classes):
    """top_k_accuracy_score for each k, fed the way scikit-learn accepts."""
    labels = list(range(num_classes))
    y_score = scores[:, 1] if num_classes == 2 else scores
    return [num(top_k_accuracy_score(y_true, y_score, k=k, labels=labels)) for k in k_values]


def set_scores(y_true, y_pred, labels, zero_division):
    """Per-class and averaged precision, recall, F1 for one label set; also
    f1_score's three averages for scikit-learn's default label set (it is a
    thin wrapper of the same computation; once per case is enough)."""
    kw = {"labels": labels, "zero_division": zero_division}
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, **kw)
    present = labels if labels is not None else np.unique(np.concatenate([y_true, y_pred]))
    out = {
        "classes": [int(c) for c in present],
        "precision": nums(p),
        "recall": nums(r),
        "f1": nums(f),
        "support": [int(v) for v in s],
    }
    for average in AVERAGES:
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=average, **kw)
        out[average] = nums([p, r, f])
        if labels is None:
            out[f"f1_{average}"] = num(f1_score(y_true, y_pred, average=average, **kw))
    return out


def evaluate(case):
    num_classes = case["num_classes"]
    y_true = np.asarray(case["labels"], dtype=np.int64)
    scores = np.asarray(case["scores"], dtype=np.float64).reshape(len(y_true), num_classes)
    if case.get("predicted") is not None:
        y_pred = np.asarray(case["predicted"], dtype=np.int64)
    else:
        y_pred = scores.argmax(axis=1)
    all_labels = list(range(num_classes))
    zero_division = ZERO_DIVISION[case["zero_division"]]
    result = {
        "predicted": [int(c) for c in y_pred],
        "accuracy": num(accuracy_score(y_true, y_pred)),
        "top_k": top_k(y_true, scores, case["top_k"], num_classes),
        "confusion": confusion_matrix(y_true, y_pred, labels=all_labels).tolist(),
        "scores": {
            "present": set_scores(y_true, y_pred, None, zero_division),
            "all": set_scores(y_true, y_pred, all_labels, zero_division),
        },
    }
    if case["probabilities"]:
        scale = SCALE_BY_HALF[case["brier_scale"]]
        result["brier"] = num(
            brier_score_loss(y_true, scores, labels=all_labels, scale_by_half=scale)
        )
    return result


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    warnings.filterwarnings("ignore")
    json.dump([evaluate(case) for case in cases], sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()

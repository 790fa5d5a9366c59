"""Oracle for crates/assay-quality/tests/cleanlab_parity.rs.

Usage: cleanlab_oracle.py CASES.json [portable|native]

Reads the cases the Rust test wrote, runs cleanlab (the reference
implementation) on each and prints, as a JSON list on stdout, one list of
results per case: one result per call of the case, in order, each either
{"ok": value} or {"error": "ExceptionType: message"}. Exits with status 1
and a message on stderr when cleanlab is missing or is not the pinned
version.

A case holds the labels and row-major probabilities ("labels" and
"pred_probs", or "npy": paths of two .npy files) and its calls:
  {"fn": "find", "filter_by", "frac_noise", "num_to_remove_per_class",
   "min_examples_per_class", "rank_by"}
                 cleanlab.filter.find_label_issues with n_jobs=1: the flagged
                 indices (ascending) when rank_by is null, else the indices
                 return_indices_ranked_by=rank_by gives (for cases not marked
                 "literal": true, computed as find_label_issues computes
                 them, by cleanlab.rank.order_label_issues on the mask,
                 reusing one mask for the three rankings)
  {"fn": "order", "mask", "rank_by"}
                 cleanlab.rank.order_label_issues of the given mask
  {"fn": "scores", "method"}
                 cleanlab.rank.get_label_quality_scores
  {"fn": "thresholds"}
                 cleanlab.count.get_confident_thresholds
  {"fn": "joint", "calibrate"}
                 cleanlab.count.compute_confident_joint with
                 return_indices_of_off_diagonals=True: {"counts" (row-major),
                 "off_diagonal"}
  {"fn": "num_issues"}
                 cleanlab.count.num_label_issues
Floats are written as the integers of their IEEE-754 bit patterns, so the
comparison can be exact.

Sorting mode (second argument, default "portable"): cleanlab sorts with
np.argsort's default kind, whose order of equal values is NumPy's, and NumPy
picks its sort by the CPU. "portable" makes NumPy use its portable
introsort; "native" leaves NumPy as the machine has it (on x86-64 with
AVX2, x86-simd-sort's AVX2 argsort), except that AVX-512 is turned off. See
numpy_sort.py.
"""

import contextlib
import json
import struct
import sys
import warnings

import numpy_sort

PINNED = "2.9.0"

MODE = sys.argv[2] if len(sys.argv) == 3 else "portable"
if len(sys.argv) not in (2, 3):
    sys.exit(__doc__)
numpy_sort.configure(MODE)

try:
    from importlib.metadata import version

    import numpy as np
    import sklearn
    from cleanlab.count import compute_confident_joint, get_confident_thresholds, num_label_issues
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores, order_label_issues
except ImportError as err:
    sys.exit(f"cleanlab_oracle: cannot import cleanlab ({err}); run ./scripts/test.sh")
if version("cleanlab") != PINNED:
    sys.exit(
        f"cleanlab_oracle: cleanlab {version('cleanlab')} found, {PINNED} expected; "
        "run ./scripts/test.sh"
    )
numpy_sort.sort_in_use(MODE)


# cleanlab counts with sklearn's confusion_matrix, whose input checks take
# most of the oracle's time; the counts do not depend on them.
sklearn.set_config(skip_parameter_validation=True, assume_finite=True)


def bits(values):
    """IEEE-754 bit patterns of float64 values."""
    return [struct.unpack("<Q", struct.pack("<d", float(v)))[0] for v in values]


def load(case):
    """Labels (int64) and an N x K float64 probability matrix."""
    if "npy" in case:
        labels = np.load(case["npy"]["labels"]).astype(np.int64)
        pred_probs = np.load(case["npy"]["pred_probs"]).astype(np.float64)
        return labels, pred_probs
    labels = np.asarray(case["labels"], dtype=np.int64)
    pred_probs = np.asarray(case["pred_probs"], dtype=np.float64)
    return labels, pred_probs.reshape(len(labels), case["num_classes"])


def find(labels, pred_probs, call, rank_by):
    return find_label_issues(
        labels,
        pred_probs,
        filter_by=call["filter_by"],
        frac_noise=call["frac_noise"],
        num_to_remove_per_class=call["num_to_remove_per_class"],
        min_examples_per_class=call["min_examples_per_class"],
        return_indices_ranked_by=rank_by,
        n_jobs=1,
    )


def find_ranked(labels, pred_probs, call, masks):
    """find_label_issues with return_indices_ranked_by. Unless the case is
    "literal", from the mask of the same options computed once per case and
    cleanlab's order_label_issues, which is what find_label_issues returns
    (saves recomputing the mask for every ranking)."""
    if masks is None:
        return find(labels, pred_probs, call, call["rank_by"])
    key = json.dumps({k: v for k, v in call.items() if k != "rank_by"}, sort_keys=True)
    if key not in masks:
        try:
            masks[key] = find(labels, pred_probs, call, None)
        except Exception as err:
            masks[key] = err
    if isinstance(masks[key], Exception):
        raise masks[key]
    return order_label_issues(masks[key], labels, pred_probs, rank_by=call["rank_by"])


def run(labels, pred_probs, call, masks):
    fn = call["fn"]
    if fn == "find" and call["rank_by"] is None:
        return [int(i) for i in np.flatnonzero(find(labels, pred_probs, call, None))]
    if fn == "find":
        return [int(i) for i in find_ranked(labels, pred_probs, call, masks)]
    if fn == "order":
        mask = np.asarray(call["mask"], dtype=bool)
        return [int(i) for i in order_label_issues(mask, labels, pred_probs, rank_by=call["rank_by"])]
    if fn == "scores":
        return bits(get_label_quality_scores(labels, pred_probs, method=call["method"]))
    if fn == "thresholds":
        return bits(get_confident_thresholds(labels, pred_probs))
    if fn == "joint":
        joint, off_diagonal = compute_confident_joint(
            labels, pred_probs, calibrate=call["calibrate"], return_indices_of_off_diagonals=True
        )
        return {
            "counts": [int(c) for c in np.asarray(joint).ravel()],
            "off_diagonal": [int(i) for i in off_diagonal],
        }
    if fn == "num_issues":
        return int(num_label_issues(labels, pred_probs))
    raise ValueError(f"unknown call {fn!r}")


def evaluate(case):
    labels, pred_probs = load(case)
    masks = None if case.get("literal") else {}
    results = []
    for call in case["calls"]:
        try:
            results.append({"ok": run(labels, pred_probs, call, masks)})
        except Exception as err:  # cleanlab's rejections are results too
            results.append({"error": f"{type(err).__name__}: {err}"})
    return results


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    warnings.filterwarnings("ignore")
    # Anything cleanlab prints goes to stderr, keeping stdout JSON.
    with contextlib.redirect_stdout(sys.stderr):
        results = [evaluate(case) for case in cases]
    json.dump(results, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()

"""Oracle for crates/assay-eval/tests/multiannotator_parity.rs.

Usage: multiannotator_oracle.py CASES.json

Each case is {"labels": [[class or null]], "pred_probs": [[...]],
"consensus": "best_quality" | "majority_vote", "quality": "crowdlab" |
"agreement"}, or instead of labels and pred_probs {"generate": {"seed",
"annotators", "sizes"}}: data made the way cleanlab's own multi-annotator
tests make theirs (Gaussian classes, a noise matrix from
generate_noise_matrix_from_trace, noisy labels per annotator from
generate_noisy_labels, 80% of them masked, out-of-fold pred_probs from
estimate_py_noise_matrices_and_cv_pred_proba), returned with the result.

Each case runs cleanlab's get_label_quality_multiannotator and is answered
with its outputs in annotator order, "random_tie": true when cleanlab broke
a tie at random, or {"error": "..."}. Prints one JSON list.

One correction: with quality_method="agreement", cleanlab 2.9 counts each
example's labels with `value_counts(labels, num_classes)`, which for float
labels (its labels are floats, NaN marking missing ones) puts the counts of
the classes present at positions 0, 1, ... instead of at their classes, so
the posterior is wrong whenever an example's labels miss a class. The
oracle replaces that function in `cleanlab.multiannotator` with one that
counts by class; everything else runs as shipped.
"""

import json
import sys
import warnings

PINNED = "2.9.0"


def fail(message):
    print(f"multiannotator_oracle: {message}; run ./scripts/test.sh", file=sys.stderr)
    sys.exit(2)


try:
    from importlib.metadata import version

    import numpy as np
    import pandas as pd
    from cleanlab import count
    from cleanlab.benchmarking.noise_generation import (
        generate_noise_matrix_from_trace,
        generate_noisy_labels,
    )
    import cleanlab.multiannotator as multiannotator
    from cleanlab.multiannotator import get_label_quality_multiannotator
except ImportError as err:
    fail(f"cannot import the oracle dependencies ({err})")
if version("cleanlab") != PINNED:
    fail(f"cleanlab {version('cleanlab')} found, {PINNED} expected")

def value_counts_by_class(labels, num_classes):
    """Counts of classes 0..num_classes-1 (see the correction above)."""
    return np.bincount(np.asarray(labels, dtype=int), minlength=num_classes)


multiannotator.value_counts = value_counts_by_class

MEANS = [[3, 2], [7, 7], [0, 8]]
COVS = [[[5, -1.5], [-1.5, 1]], [[1, 0.5], [0.5, 4]], [[5, 1], [1, 5]]]


def generate(seed, annotators, sizes):
    np.random.seed(seed)
    k = len(sizes)
    x = np.vstack(
        [np.random.multivariate_normal(MEANS[c], COVS[c], size=sizes[c]) for c in range(k)]
    )
    truth = np.hstack([np.full(sizes[c], c) for c in range(k)])
    py = np.bincount(truth) / float(len(truth))
    noise = generate_noise_matrix_from_trace(
        k, trace=0.8 * k, py=py, valid_noise_matrix=True, seed=seed
    )
    labels = pd.DataFrame(
        np.vstack([generate_noisy_labels(truth, noise) for _ in range(annotators)]).T
    )
    labels = labels.apply(lambda col: col.mask(np.random.random(len(truth)) < 0.8))
    labels = labels.dropna(axis=1, how="all")
    probs = count.estimate_py_noise_matrices_and_cv_pred_proba(X=x, labels=truth, cv_n_folds=3)[4]
    keep = labels.notna().any(axis=1).to_numpy()
    return labels[keep].reset_index(drop=True).to_numpy(dtype=float), probs[keep]


def nullable(values):
    return [None if np.isnan(v) else float(v) for v in values]


def run(case):
    out = {}
    if case.get("generate"):
        g = case["generate"]
        labels, probs = generate(g["seed"], g["annotators"], g["sizes"])
        out["labels"] = [[None if np.isnan(v) else int(v) for v in row] for row in labels]
        out["pred_probs"] = probs.tolist()
    else:
        labels = np.array(
            [[np.nan if v is None else v for v in row] for row in case["labels"]], dtype=float
        )
        probs = np.asarray(case["pred_probs"], dtype=float)
    crowdlab = case["quality"] == "crowdlab"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = get_label_quality_multiannotator(
            labels,
            probs,
            consensus_method=case["consensus"],
            quality_method=case["quality"],
            return_weights=crowdlab,
            verbose=False,
        )
    out["random_tie"] = any("random selection" in str(w.message) for w in caught)
    quality = result["label_quality"]
    out["consensus_label"] = [int(v) for v in quality["consensus_label"]]
    out["consensus_quality_score"] = nullable(quality["consensus_quality_score"])
    out["annotator_agreement"] = nullable(quality["annotator_agreement"])
    out["num_annotations"] = [int(v) for v in quality["num_annotations"]]
    out["detailed_label_quality"] = [nullable(row) for row in result["detailed_label_quality"].to_numpy()]
    stats = result["annotator_stats"].sort_index()
    out["annotator_quality"] = nullable(stats["annotator_quality"])
    out["agreement_with_consensus"] = nullable(stats["agreement_with_consensus"])
    out["worst_class"] = [int(v) for v in stats["worst_class"]]
    out["num_examples_labeled"] = [int(v) for v in stats["num_examples_labeled"]]
    if crowdlab:
        out["model_weight"] = float(result["model_weight"])
        out["annotator_weight"] = nullable(result["annotator_weight"])
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    with open("/dev/null", "w", encoding="utf-8") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        for case in cases:
            try:
                out.append(run(case))
            except Exception as err:  # reported per case; the test decides
                out.append({"error": f"{type(err).__name__}: {err}"})
        sys.stdout = stdout
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

"""Oracle for assay-analysis: mutual information and correlations.

Reads a JSON list of cases from the file named by argv[1] and prints one
JSON object per case, in a list:

- {"x", "y", "k", "seed"}: {"mi": scikit-learn 1.9's
  `mutual_info_regression(x.reshape(-1, 1), y, n_neighbors=k,
  random_state=seed)[0]`, "normals": the bit patterns (uint64) of
  `RandomState(seed).standard_normal(7)`, "pearson" and "spearman": SciPy
  1.17's `pearsonr(x, y).statistic` and `spearmanr(x, y).statistic`, null
  when NaN (a constant variable)}.
"""

import json
import sys

import numpy as np
import warnings

from scipy import stats
from sklearn.feature_selection import mutual_info_regression


def statistic(f, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = float(f(x, y).statistic)
    return None if np.isnan(r) else r


def run(case):
    x = np.asarray(case["x"], dtype=np.float64).reshape(-1, 1)
    y = np.asarray(case["y"], dtype=np.float64)
    mi = mutual_info_regression(x, y, n_neighbors=case["k"], random_state=case["seed"])
    normals = np.random.RandomState(case["seed"]).standard_normal(7)
    flat = x.ravel()
    return {
        "mi": float(mi[0]),
        "normals": [int(v) for v in normals.view(np.uint64)],
        "pearson": statistic(stats.pearsonr, flat, y),
        "spearman": statistic(stats.spearmanr, flat, y),
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print(json.dumps([run(c) for c in cases]))


if __name__ == "__main__":
    main()

"""Oracle for assay-analysis's slices: SliceLine, Benjamini-Hochberg, slice
statistics and binning.

Reads a JSON list of cases from the file named by argv[1] and prints one
JSON object per case, in a list. Each case has a "kind":

- "sliceline": {"x": rows of integer codes, "errors", "alpha", "k",
  "max_l", "min_sup" (int, or float for a fraction)}: sliceline 0.3.0's
  `Slicefinder(alpha, k, max_l, min_sup, verbose=False).fit(x, errors)`:
  {"slices": per top slice the list of [feature, code] it fixes,
  "stats": `top_slices_statistics_`, "average_error"}.
- "bh": {"p"}: {"adjusted": statsmodels 0.15's `multipletests(p,
  method="fdr_bh")[1]`}.
- "proportions": {"c1", "n1", "c2", "n2"}: statsmodels'
  `confint_proportions_2indep(c1, n1, c2, n2, compare="diff",
  method="newcomb")` and `proportions_ztest([c1, c2], [n1, n2])[1]`.
- "means": {"a", "b"}: SciPy 1.17's `ttest_ind(a, b, equal_var=False)`
  p-value, and the means.
- "binning": {"x" (null for NaN), "bins"}: NumPy's equal-count edges
  `np.unique(np.quantile(v, np.linspace(0, 1, bins + 1)))`, equal-width
  `np.linspace(min, max, bins + 1)` (v the non-NaN values) and the codes
  `clip(searchsorted(edges, x, "right") - 1, 0, len(edges) - 2)`.
"""

import json
import sys
import warnings

import numpy as np
from scipy import stats


def sliceline(case):
    from sliceline.slicefinder import Slicefinder

    x = np.asarray(case["x"], dtype=np.int64)
    errors = np.asarray(case["errors"], dtype=np.float64)
    min_sup = case["min_sup"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = Slicefinder(
            alpha=case["alpha"], k=case["k"], max_l=case["max_l"], min_sup=min_sup, verbose=False
        )
        sf.fit(x, errors)
    slices = []
    for row in sf.top_slices_:
        slices.append([[j, int(v)] for j, v in enumerate(row) if v is not None])
    return {
        "slices": slices,
        "stats": sf.top_slices_statistics_,
        "average_error": sf.average_error_,
    }


def bh(case):
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(case["p"], dtype=np.float64)
    return {"adjusted": [float(v) for v in multipletests(p, method="fdr_bh")[1]]}


def proportions(case):
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    c1, n1, c2, n2 = case["c1"], case["n1"], case["c2"], case["n2"]
    low, upp = confint_proportions_2indep(c1, n1, c2, n2, compare="diff", method="newcomb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = proportions_ztest(np.array([c1, c2]), np.array([n1, n2]))[1]
    return {"low": float(low), "high": float(upp), "p": None if np.isnan(p) else float(p)}


def means(case):
    a = np.asarray(case["a"], dtype=np.float64)
    b = np.asarray(case["b"], dtype=np.float64)
    r = stats.ttest_ind(a, b, equal_var=False)
    return {"p": float(r.pvalue), "mean_a": float(np.mean(a)), "mean_b": float(np.mean(b))}


def binning(case):
    x = np.asarray([np.nan if v is None else v for v in case["x"]], dtype=np.float64)
    bins = case["bins"]
    v = x[~np.isnan(x)]
    out = {}
    for name, edges in (
        ("count", np.unique(np.quantile(v, np.linspace(0, 1, bins + 1)))),
        ("width", np.linspace(v.min(), v.max(), bins + 1)),
    ):
        codes = np.clip(np.searchsorted(edges, x, "right") - 1, 0, len(edges) - 2)
        codes = np.where(np.isnan(x), len(edges) - 1, codes)
        out[name] = {"edges": [float(e) for e in edges], "codes": [int(c) for c in codes]}
    return out


KINDS = {
    "sliceline": sliceline,
    "bh": bh,
    "proportions": proportions,
    "means": means,
    "binning": binning,
}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print(json.dumps([KINDS[c["kind"]](c) for c in cases]))


if __name__ == "__main__":
    main()

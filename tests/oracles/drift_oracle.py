"""Oracle for assay-analysis's drift module.

Reads a JSON list of cases from the file named by argv[1] and prints one
JSON object per case, in a list. Non-finite results are printed as null.

- {"kind": "column", "ref", "cur", "dtype": "float" | "int" | "category"}:
  SciPy 1.17's `ks_2samp(ref, cur)` ("ks_statistic", "ks_pvalue") and
  Evidently 0.7.23's stattests called on pandas Series, NaN and
  infinities dropped as Evidently's `get_one_column_drift` does first:
  "wasserstein", "jensenshannon", "psi", "chisquare", "z" (each
  {"score", "drifted", "threshold"} from `StatTest.__call__` with the
  default threshold; ks/wasserstein for numeric columns only), the
  chi-squared statistic of the same `scipy.stats.chisquare` call
  ("chisquare_statistic"), Cramér's V by
  `scipy.stats.contingency.association(crosstab, method="cramer")`
  ("cramers_v", categorical only), and the default stattest's name from
  `get_stattest(ref, cur, type, None)` ("default").
- {"kind": "table", "columns": [{"name", "ref", "cur", "dtype"}]}:
  Evidently's legacy `Report([DatasetDriftMetric()])` on the columns as
  one DataFrame per side: "n_drifted", "share", "drifted".
- {"kind": "kstwo", "n", "x"}: `scipy.stats.kstwo.sf(x, n)`.
- {"kind": "centroid", "ref", "cur", "dim"}: Euclidean and cosine
  (`scipy.spatial.distance`) distances between the float64 means.
- {"kind": "mmd", "ref", "cur", "dim", "perms"}: a NumPy (float64)
  transcription of alibi-detect's `MMDDriftTorch` with the default
  `GaussianRBF` kernel configured from the reference (`sigma_median` of
  the reference against itself), `mmd2_from_kernel_matrix` on the
  zero-diagonal kernel matrix [ref; cur], and the permutation p-value
  `mean(mmd2 <= mmd2_permuted)` over the given index permutations (the
  ones `torch.randperm` would draw), plus `distance_threshold` as
  alibi-detect computes it for p_val 0.05: "sigma", "mmd2", "p_value",
  "distance_threshold".
- {"kind": "auc", "y", "score"}: scikit-learn 1.9's `roc_auc_score`.
"""

import json
import logging
import math
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance
from scipy.stats.contingency import association

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)


def fin(v):
    v = float(v)
    return v if math.isfinite(v) else None


def series(values, dtype):
    if dtype == "int":
        return pd.Series(np.asarray(values, dtype=np.int64))
    if dtype == "category":
        return pd.Series(np.asarray(values, dtype=np.int64))
    s = pd.Series(np.asarray([np.nan if v is None else v for v in values], dtype=np.float64))
    return s.replace([-np.inf, np.inf], np.nan).dropna()


def evidently():
    # Imported on first use: Evidently takes seconds to import.
    from evidently.legacy.calculations import stattests
    from evidently.legacy.calculations.stattests.registry import get_stattest
    from evidently.legacy.core import ColumnType

    return stattests, get_stattest, ColumnType


def run_test(test, ref, cur, ctype):
    r = test(ref, cur, ctype, None)
    return {"score": fin(r.drift_score), "drifted": bool(r.drifted), "threshold": r.actual_threshold}


def column(case):
    stattests, get_stattest, ColumnType = evidently()
    dtype = case["dtype"]
    ref = series(case["ref"], dtype)
    cur = series(case["cur"], dtype)
    ctype = ColumnType.Categorical if dtype == "category" else ColumnType.Numerical
    out = {}
    if ctype == ColumnType.Numerical:
        ks = stats.ks_2samp(ref, cur)
        out["ks_statistic"] = fin(ks.statistic)
        out["ks_pvalue"] = fin(ks.pvalue)
        out["ks"] = run_test(stattests.ks_stat_test, ref, cur, ctype)
        out["wasserstein"] = run_test(stattests.wasserstein_stat_test, ref, cur, ctype)
    out["jensenshannon"] = run_test(stattests.jensenshannon_stat_test, ref, cur, ctype)
    out["psi"] = run_test(stattests.psi_stat_test, ref, cur, ctype)
    out["chisquare"] = run_test(stattests.chi_stat_test, ref, cur, ctype)
    out["z"] = run_test(stattests.z_stat_test, ref, cur, ctype)
    # The statistic of Evidently's chisquare call.
    keys = list(set(ref.unique()) | set(cur.unique()))
    rc = ref.value_counts()
    cc = cur.value_counts()
    k_norm = cur.shape[0] / ref.shape[0]
    f_exp = [rc.get(k, 0) * k_norm for k in keys]
    f_obs = [cc.get(k, 0) for k in keys]
    out["chisquare_statistic"] = fin(stats.chisquare(f_obs, f_exp)[0])
    if ctype == ColumnType.Categorical:
        table = pd.crosstab(
            np.r_[np.zeros(len(ref), dtype=int), np.ones(len(cur), dtype=int)],
            np.r_[ref.values, cur.values],
        ).values
        out["cramers_v"] = fin(association(table, method="cramer")) if table.shape[1] > 1 else None
    out["default"] = get_stattest(ref, cur, ctype, None).name
    return out


def table(case):
    from evidently.legacy.metrics import DatasetDriftMetric
    from evidently.legacy.pipeline.column_mapping import ColumnMapping
    from evidently.legacy.report import Report

    ref = pd.DataFrame({c["name"]: series(c["ref"], c["dtype"]).values for c in case["columns"]})
    cur = pd.DataFrame({c["name"]: series(c["cur"], c["dtype"]).values for c in case["columns"]})
    num = [c["name"] for c in case["columns"] if c["dtype"] != "category"]
    cat = [c["name"] for c in case["columns"] if c["dtype"] == "category"]
    mapping = ColumnMapping(numerical_features=num, categorical_features=cat, target=None, prediction=None)
    report = Report(metrics=[DatasetDriftMetric()])
    report.run(reference_data=ref, current_data=cur, column_mapping=mapping)
    r = report.as_dict()["metrics"][0]["result"]
    return {
        "n_drifted": int(r["number_of_drifted_columns"]),
        "share": float(r["share_of_drifted_columns"]),
        "drifted": bool(r["dataset_drift"]),
    }


def matrix(values, dim):
    return np.asarray(values, dtype=np.float32).astype(np.float64).reshape(-1, dim)


def centroid(case):
    x = matrix(case["ref"], case["dim"]).mean(axis=0)
    y = matrix(case["cur"], case["dim"]).mean(axis=0)
    return {"euclidean": fin(distance.euclidean(x, y)), "cosine": fin(distance.cosine(x, y))}


def squared_pairwise_distance(x, y, a_min=1e-30):
    # alibi_detect.utils.pytorch.distance.squared_pairwise_distance
    x2 = (x**2).sum(axis=-1, keepdims=True)
    y2 = (y**2).sum(axis=-1, keepdims=True)
    dist = y2.T + (-2.0) * (x @ y.T) + x2
    return np.maximum(dist, a_min)


def sigma_median(x, y, dist):
    # alibi_detect.utils.pytorch.kernels.sigma_median
    n = min(x.shape[0], y.shape[0])
    n = n if (x[:n] == y[:n]).all() and x.shape == y.shape else 0
    n_median = n + (np.prod(dist.shape) - n) // 2 - 1
    return (0.5 * np.sort(dist.flatten())[n_median]) ** 0.5


def mmd2_from_kernel_matrix(k, m, idx=None):
    # alibi_detect.utils.pytorch.distance.mmd2_from_kernel_matrix, zero_diag=False
    n = k.shape[0] - m
    if idx is not None:
        k = k[idx][:, idx]
    k_xx, k_yy, k_xy = k[:-m, :-m], k[-m:, -m:], k[-m:, :-m]
    c_xx, c_yy = 1 / (n * (n - 1)), 1 / (m * (m - 1))
    return c_xx * k_xx.sum() + c_yy * k_yy.sum() - 2.0 * k_xy.mean()


def mmd(case):
    x_ref = matrix(case["ref"], case["dim"])
    x = matrix(case["cur"], case["dim"])
    sigma = sigma_median(x_ref, x_ref, squared_pairwise_distance(x_ref, x_ref))
    gamma = 1.0 / (2.0 * sigma**2)

    def kernel(a, b):
        return np.exp(-gamma * squared_pairwise_distance(a, b))

    k_xx, k_xy, k_yy = kernel(x_ref, x_ref), kernel(x_ref, x), kernel(x, x)
    k = np.concatenate([np.concatenate([k_xx, k_xy], 1), np.concatenate([k_xy.T, k_yy], 1)], 0)
    k = k - np.diag(np.diag(k))
    m = x.shape[0]
    mmd2 = mmd2_from_kernel_matrix(k, m)
    permuted = np.array([mmd2_from_kernel_matrix(k, m, np.asarray(p)) for p in case["perms"]])
    p_val = float((mmd2 <= permuted).mean())
    idx_threshold = int(0.05 * len(permuted))
    threshold = np.sort(permuted)[::-1][idx_threshold]
    return {"sigma": fin(sigma), "mmd2": fin(mmd2), "p_value": p_val, "distance_threshold": fin(threshold)}


def auc(case):
    from sklearn.metrics import roc_auc_score

    return {"auc": float(roc_auc_score(np.asarray(case["y"]), np.asarray(case["score"])))}


def kstwo(case):
    return {"sf": float(stats.kstwo.sf(case["x"], case["n"]))}


KINDS = {"column": column, "table": table, "kstwo": kstwo, "centroid": centroid, "mmd": mmd, "auc": auc}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print(json.dumps([KINDS[c["kind"]](c) for c in cases]))


if __name__ == "__main__":
    main()

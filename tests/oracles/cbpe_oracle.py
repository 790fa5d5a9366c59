"""Oracle for crates/assay-analysis/tests/cbpe_parity.rs: NannyML 0.13.1's
CBPE accuracy estimate, run as a user runs it.

Usage: cbpe_oracle.py CASES.json   (with the interpreter of the NannyML
virtual environment, tests/oracles/requirements-nannyml.txt)

Each case is
  {"classes": k, "chunk_size": n,
   "reference": {"proba": [[p_0, ..., p_k-1], ...], "y_pred": [...],
                 "y_true": [...]},
   "analysis":  {"proba": ..., "y_pred": ..., "y_true": [... or null]}}
("y_true" of the analysis may be absent: no label column at all), and
optionally "calibration": "always" or "never", which replaces NannyML's
`needs_calibration` decision by that answer for every class. Classes
are integers 0..k-1. With k == 2 the problem is 'classification_binary'
with column 1 as `y_pred_proba` and integer labels; otherwise
'classification_multiclass' with the classes named c0, c1, ... (which
sort in index order, as NannyML sorts them) and one probability column
per class. The estimator is
  nannyml.CBPE(problem_type=..., metrics=['accuracy'], chunk_size=n,
               y_pred_proba=..., y_pred='y_pred', y_true='y_true')
fitted on the reference and run on the analysis data.

Prints a JSON list, one object per case: {"calibrated": [bool, ...]} (the
positive class for k == 2, else per class: whether NannyML calibrates
it), and "reference" and "analysis": per chunk {"value",
"sampling_error", "realized", "upper_confidence_boundary",
"lower_confidence_boundary", "upper_threshold", "lower_threshold",
"alert", "start_index", "end_index"} (NaN as null); or {"error": text}
when NannyML's fit raises.

NumPy's default argsort orders tied values by whichever sort the CPU
gets; NumPy's SIMD sorts are disabled (numpy_sort.py, "portable") so that
the order is that of its portable introsort, which assay reproduces.
"""

import json
import os
import sys

import numpy_sort

if len(sys.argv) != 2:
    sys.exit(__doc__)
numpy_sort.configure("portable")
os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

numpy_sort.sort_in_use("portable")
import nannyml  # noqa: E402
import nannyml.performance_estimation.confidence_based.cbpe as cbpe_module  # noqa: E402
from nannyml.calibration import NoopCalibrator, needs_calibration  # noqa: E402

assert nannyml.__version__ == "0.13.1", nannyml.__version__
warnings.simplefilter("ignore")


def frame(part, k):
    proba = np.asarray(part["proba"], dtype=np.float64).reshape(-1, k)
    labels = part.get("y_true")
    if k == 2:
        df = pd.DataFrame({"y_pred_proba": proba[:, 1], "y_pred": np.asarray(part["y_pred"], dtype=np.int64)})
        if labels is not None:
            if any(v is None for v in labels):
                df["y_true"] = np.array([np.nan if v is None else v for v in labels], dtype=np.float64)
            else:
                df["y_true"] = np.asarray(labels, dtype=np.int64)
    else:
        df = pd.DataFrame({f"p_c{j}": proba[:, j] for j in range(k)})
        df["y_pred"] = [f"c{c}" for c in part["y_pred"]]
        if labels is not None:
            df["y_true"] = [None if v is None else f"c{v}" for v in labels]
    return df


def number(x):
    x = float(x)
    return None if np.isnan(x) else x


def run(case):
    k = case["classes"]
    forced = {"always": True, "never": False}.get(case.get("calibration", "auto"))
    if forced is None:
        cbpe_module.needs_calibration = needs_calibration
    else:
        cbpe_module.needs_calibration = lambda *args, **kwargs: forced
    if k == 2:
        problem, proba_columns = "classification_binary", "y_pred_proba"
    else:
        problem, proba_columns = "classification_multiclass", {f"c{j}": f"p_c{j}" for j in range(k)}
    estimator = nannyml.CBPE(
        problem_type=problem,
        metrics=["accuracy"],
        chunk_size=case["chunk_size"],
        y_pred_proba=proba_columns,
        y_pred="y_pred",
        y_true="y_true",
    )
    try:
        estimator.fit(frame(case["reference"], k))
    except Exception as exc:  # NannyML's refusal is part of its behaviour
        return {"error": f"{type(exc).__name__}: {exc}"}
    data = estimator.estimate(frame(case["analysis"], k)).data
    if k == 2:
        calibrated = [bool(estimator.needs_calibration)]
    else:
        calibrated = [not isinstance(estimator._calibrators[f"c{j}"], NoopCalibrator) for j in range(k)]
    out = {"calibrated": calibrated, "reference": [], "analysis": []}
    for _, row in data.iterrows():
        alert = row[("accuracy", "alert")]
        out[row[("chunk", "period")]].append(
            {
                "start_index": int(row[("chunk", "start_index")]),
                "end_index": int(row[("chunk", "end_index")]),
                "value": number(row[("accuracy", "value")]),
                "sampling_error": number(row[("accuracy", "sampling_error")]),
                "realized": number(row[("accuracy", "realized")]),
                "upper_confidence_boundary": number(row[("accuracy", "upper_confidence_boundary")]),
                "lower_confidence_boundary": number(row[("accuracy", "lower_confidence_boundary")]),
                "upper_threshold": number(row[("accuracy", "upper_threshold")]),
                "lower_threshold": number(row[("accuracy", "lower_threshold")]),
                "alert": None if alert is None or (isinstance(alert, float) and np.isnan(alert)) else bool(alert),
            }
        )
    return out


with open(sys.argv[1]) as f:
    cases = json.load(f)
print(json.dumps([run(case) for case in cases]))

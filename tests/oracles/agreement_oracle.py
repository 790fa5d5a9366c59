"""Oracle for crates/assay-eval/tests/agreement_parity.rs.

Usage: agreement_oracle.py CASES.json

Each case is one of
  {"kind": "cohen", "a": [...], "b": [...], "weights": null | "linear" | "quadratic"}
      scikit-learn's cohen_kappa_score(a, b, weights=weights)
  {"kind": "fleiss", "table": [[...]], "method": "fleiss" | "randolph"}
      statsmodels' fleiss_kappa(table, method=method)
  {"kind": "alpha", "data": [[value or null]], "level": "nominal" | ...}
      krippendorff.alpha(reliability_data=data, level_of_measurement=level),
      null read as NaN (missing)
  {"kind": "alpha_distance", "data": [[value id or null]], "distance": [[...]]}
      krippendorff.alpha with a callable level of measurement that looks
      the distance of two value ids up in the matrix
and is answered {"value": x}, {"value": null} where the reference returns
NaN, or {"error": "..."} where it raises. Prints one JSON list.

Exits with status 2 and a message on stderr when a reference is missing or
is not the pinned version.
"""

import json
import sys
import warnings

PINNED = {"scikit-learn": "1.9.0", "statsmodels": "0.15.0", "krippendorff": "0.9.0"}


def fail(message):
    print(f"agreement_oracle: {message}; run ./scripts/test.sh", file=sys.stderr)
    sys.exit(2)


try:
    from importlib.metadata import version

    import krippendorff
    import numpy as np
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import fleiss_kappa
except ImportError as err:
    fail(f"cannot import the oracle dependencies ({err})")
for package, pinned in PINNED.items():
    if version(package) != pinned:
        fail(f"{package} {version(package)} found, {pinned} expected")


def run(case):
    kind = case["kind"]
    if kind == "cohen":
        return cohen_kappa_score(case["a"], case["b"], weights=case["weights"])
    if kind == "fleiss":
        return fleiss_kappa(np.asarray(case["table"], dtype=float), method=case["method"])
    if kind == "alpha":
        data = np.array(
            [[np.nan if v is None else v for v in row] for row in case["data"]], dtype=float
        )
        return krippendorff.alpha(reliability_data=data, level_of_measurement=case["level"])
    if kind == "alpha_distance":
        table = np.asarray(case["distance"], dtype=float)

        def lookup(v1, v2, i1, i2, n_v, dtype=np.float64):
            return table[v1.astype(int), v2.astype(int)].astype(dtype)

        data = np.array(
            [[np.nan if v is None else v for v in row] for row in case["data"]], dtype=float
        )
        return krippendorff.alpha(reliability_data=data, level_of_measurement=lookup)
    raise ValueError(f"unknown case kind {kind}")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            try:
                v = float(run(case))
                out.append({"value": None if np.isnan(v) else v})
            except Exception as err:  # reported per case; the test decides
                out.append({"error": f"{type(err).__name__}: {err}"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

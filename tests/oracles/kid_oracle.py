"""A NumPy transcription of torch-fidelity 0.4.0's KID loop, for the live
test in assay-gen's `kid_is_parity` (the test venv has no torch).

Each case: {"input1": spec, "input2": spec, "subsets", "subset_size",
"seed"}, the specs as `gen_features.generate` takes them. Prints per case
{"values": [the unbiased MMD^2 of each subset pair], "mean", "std"}, all
float64, with the subsets drawn as torch-fidelity draws them (one
RandomState(seed); per subset, `choice(n1, m, replace=False)` for input 1
and then the same for input 2) and its kernel (x.y / d + 1)^3.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_features import generate  # noqa: E402


def mmd2_unbiased(x, y):
    gamma = 1.0 / x.shape[1]
    k_xx = (x @ x.T * gamma + 1) ** 3
    k_yy = (y @ y.T * gamma + 1) ** 3
    k_xy = (x @ y.T * gamma + 1) ** 3
    m = x.shape[0]
    off_xx = k_xx.sum() - np.trace(k_xx)
    off_yy = k_yy.sum() - np.trace(k_yy)
    return (off_xx + off_yy) / (m * (m - 1)) - 2 * k_xy.sum() / (m * m)


def run(case):
    x1, x2 = generate(case["input1"]), generate(case["input2"])
    rs = np.random.RandomState(case["seed"])
    m = case["subset_size"]
    values = []
    for _ in range(case["subsets"]):
        rows1 = rs.choice(len(x1), m, replace=False)
        rows2 = rs.choice(len(x2), m, replace=False)
        values.append(float(mmd2_unbiased(x1[rows1], x2[rows2])))
    return {"values": values, "mean": float(np.mean(values)), "std": float(np.std(values))}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    json.dump([run(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()

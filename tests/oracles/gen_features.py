"""Seeded feature matrices shared by assay-gen's Rust tests and its fixtures.

`generate(spec)` builds an `n x d` float64 matrix from
`np.random.RandomState(seed).random_sample` with elementwise IEEE
operations only (+, -, *, floor), so that assay-gen's
`tests/common/features.rs` builds the same matrix bit for bit. A spec is a
dict: {"seed", "n", "d", "kind", ...} with kind

- "uniform": u - 0.5 (u drawn row-major, n*d draws);
- "correlated": column 0 is u - 0.5, column j is (u - 0.5) + 0.75 * column
  j-1;
- "shifted": "correlated" times "scale" plus "offset" (a fake set whose
  distribution is the real one moved and stretched);
- "rank_deficient": n*rank draws; column j is (u[:, j % rank] - 0.5) *
  (1 + 0.5 * (j // rank)), so the covariance has rank "rank";
- "logits": (u - 0.5) * 6 (n*d draws), then n draws s and n draws b: row i
  gets 4 + 8 * b[i] added to class floor(s[i] * s[i] * d) (capped at d-1),
  so low classes dominate.

Run as an oracle (`gen_features.py cases.json`), each case a spec with a
"path": saves the matrix there with np.save and prints one `true` per case.
"""

import json
import sys

import numpy as np

RHO = 0.75


def _correlated(u):
    x = u - 0.5
    for j in range(1, x.shape[1]):
        x[:, j] = x[:, j] + RHO * x[:, j - 1]
    return x


def _rank_deficient(rs, n, d, rank):
    u = rs.random_sample(n * rank).reshape(n, rank)
    j = np.arange(d)
    scale = 1.0 + 0.5 * (j // rank).astype(np.float64)
    return (u[:, j % rank] - 0.5) * scale


def _logits(rs, n, d):
    x = (rs.random_sample(n * d).reshape(n, d) - 0.5) * 6.0
    s = rs.random_sample(n)
    b = rs.random_sample(n)
    c = np.minimum(np.floor(s * s * float(d)).astype(np.int64), d - 1)
    x[np.arange(n), c] += 4.0 + 8.0 * b
    return x


def generate(spec):
    """The float64 matrix of `spec` (see the module docstring)."""
    rs = np.random.RandomState(spec["seed"])
    n, d, kind = spec["n"], spec["d"], spec["kind"]
    if kind == "rank_deficient":
        return _rank_deficient(rs, n, d, spec["rank"])
    if kind == "logits":
        return _logits(rs, n, d)
    u = rs.random_sample(n * d).reshape(n, d)
    if kind == "uniform":
        return u - 0.5
    if kind == "correlated":
        return _correlated(u)
    if kind == "shifted":
        return _correlated(u) * spec["scale"] + spec["offset"]
    raise ValueError(f"unknown kind {kind}")


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    for case in cases:
        np.save(case["path"], np.ascontiguousarray(generate(case)))
    json.dump([True for _ in cases], sys.stdout)


if __name__ == "__main__":
    main()

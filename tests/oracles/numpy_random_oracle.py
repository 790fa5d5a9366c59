"""Oracle for assay-gen's port of NumPy's legacy RandomState.

Reads a JSON list of cases from the file named by argv[1] and prints one
JSON list of integers per case:

- {"op": "random_sample", "seed", "n"}: the bit patterns (uint64) of
  `RandomState(seed).random_sample(n)`;
- {"op": "permutation", "seed", "n"}: `RandomState(seed).permutation(n)`;
- {"op": "choice", "seed", "n", "size"}:
  `RandomState(seed).choice(n, size, replace=False)`;
- {"op": "randint", "seed", "high", "size"}: legacy
  `randint(0, high, size, dtype=np.int64)`, whose masked rejection is the
  one `shuffle` uses (the 64-bit path when high - 1 >= 2**32);
- {"op": "kid_choices", "seed", "n1", "n2", "size", "subsets"}: the index
  draws of torch-fidelity 0.4.0's KID loop, concatenated in draw order.
"""

import json
import sys

import numpy as np


def run(case):
    rs = np.random.RandomState(case["seed"])
    op = case["op"]
    if op == "random_sample":
        return rs.random_sample(case["n"]).view(np.uint64).tolist()
    if op == "permutation":
        return rs.permutation(case["n"]).tolist()
    if op == "choice":
        return rs.choice(case["n"], case["size"], replace=False).tolist()
    if op == "randint":
        return rs.randint(0, case["high"], size=case["size"], dtype=np.int64).tolist()
    if op == "kid_choices":
        out = []
        for _ in range(case["subsets"]):
            out += rs.choice(case["n1"], case["size"], replace=False).tolist()
            out += rs.choice(case["n2"], case["size"], replace=False).tolist()
        return out
    raise ValueError(f"unknown op {op}")


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    json.dump([run(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()

"""Oracle for crates/assay-io/tests/npz_numpy_parity.rs.

Usage: npz_oracle.py CASES.json

Reads the cases the Rust test wrote and prints, as a JSON list on stdout,
one result per case:

- {"op": "save", "path": P, "compressed": bool, "arrays": [A, ...]} with
  A = {"name", "dtype", "shape", "values"}: writes the arrays with
  np.savez (or np.savez_compressed), in the order given; result "ok".
- {"op": "load", "path": P}: reads P with np.load (no pickles); result the
  list of A in the archive's order, "dtype" as numpy's dtype.str (e.g.
  "<f8"), "values" the flattened array as float64.
- {"op": "methods", "path": P}: the zip compression method of each member
  (0 stored, 8 deflated), keyed by member name.
"""

import json
import sys
import zipfile

import numpy as np


def save(case):
    arrays = {
        a["name"]: np.array(a["values"], dtype=a["dtype"]).reshape(a["shape"])
        for a in case["arrays"]
    }
    writer = np.savez_compressed if case["compressed"] else np.savez
    writer(case["path"], **arrays)
    return "ok"


def load(case):
    out = []
    with np.load(case["path"], allow_pickle=False) as npz:
        for name in npz.files:
            a = npz[name]
            out.append(
                {
                    "name": name,
                    "dtype": a.dtype.str,
                    "shape": list(a.shape),
                    "values": a.astype(np.float64).ravel().tolist(),
                }
            )
    return out


def methods(case):
    with zipfile.ZipFile(case["path"]) as z:
        return {info.filename: info.compress_type for info in z.infolist()}


def evaluate(case):
    return {"save": save, "load": load, "methods": methods}[case["op"]](case)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    json.dump([evaluate(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()

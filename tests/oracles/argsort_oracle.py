"""Oracle for crates/assay-quality/tests/numpy_argsort_parity.rs.

Usage: argsort_oracle.py CASES.json [portable|native]

Reads the cases the Rust test wrote and prints, as a JSON list on stdout,
one result per case: for {"bits": [...]} (float64 values as the integers of
their IEEE-754 bit patterns, so that -0.0, infinities and NaN survive JSON)
the permutation np.argsort gives (default kind); for {"probe": true} the
name of the sort NumPy uses in this mode, "avx2" or "portable" (see
numpy_sort.py for the modes).
"""

import json
import sys

import numpy_sort

MODE = sys.argv[2] if len(sys.argv) == 3 else "portable"
if len(sys.argv) not in (2, 3):
    sys.exit(__doc__)
numpy_sort.configure(MODE)

import numpy as np  # noqa: E402 (after the CPU features are chosen)

SORT = numpy_sort.sort_in_use(MODE)


def evaluate(case):
    if case.get("probe"):
        return SORT
    values = np.array(case["bits"], dtype=np.uint64).view(np.float64)
    return np.argsort(values).tolist()


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump([evaluate(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()

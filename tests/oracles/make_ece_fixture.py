"""Writes crates/assay-eval/tests/fixtures/ece_torchmetrics.json.

Usage: make_ece_fixture.py [OUTPUT.json]

Run once, by hand, in a scratch virtual environment outside the repository
(torch is too heavy for the test oracles' .venv):

    python3 -m venv /tmp/tmvenv
    /tmp/tmvenv/bin/pip install torch torchmetrics numpy
    /tmp/tmvenv/bin/python tests/oracles/make_ece_fixture.py

Generates seeded random cases of float32 probabilities and true labels and
records torchmetrics' `multiclass_calibration_error` for norm l1, l2 and max
(15 bins for most cases, other bin counts for a few), together with the bin
edges torch uses (`torch.linspace(0, 1, n_bins + 1)` in float32). The cases
stress the binning: confidences exactly on or next to bin edges (the float32
values of i/15 and the edges themselves), confidence 1 and 0, tied maxima
(torch's `max(dim=1)` takes the first), rows that do not sum to 1.

Probabilities are written as the shortest decimal of each float32 value;
the script checks that every one reads back (decimal -> f64 -> f32) as the
same float32, so the Rust test feeds torchmetrics' exact inputs.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torchmetrics
from torchmetrics.functional.classification import multiclass_calibration_error

SEED = 20260515
DEFAULT_OUT = (
    Path(__file__).resolve().parents[2]
    / "crates/assay-eval/tests/fixtures/ece_torchmetrics.json"
)
NORMS = ("l1", "l2", "max")


def edges(n_bins):
    return torch.linspace(0, 1, n_bins + 1, dtype=torch.float32).numpy()


def special_values(n_bins):
    """Confidences on, just below and just above every bin edge, plus 1/15ths."""
    e = edges(n_bins)
    below = np.nextafter(e, np.float32(-1))
    above = np.nextafter(e, np.float32(2))
    fifteenths = np.arange(16, dtype=np.float64) / 15
    tenths = np.arange(11, dtype=np.float64) / 10
    values = np.concatenate([e, below, above, fifteenths, tenths]).astype(np.float32)
    return values[(values >= 0) & (values <= 1)]


def dirichlet_rows(rng, n, k):
    alpha = rng.choice([0.1, 0.5, 1.0, 3.0])
    return rng.dirichlet(np.full(k, alpha), size=n).astype(np.float32)


def edge_rows(rng, n, k, n_bins):
    """Rows whose maximum is a special value; other entries at or below it."""
    values = special_values(n_bins)
    rows = np.empty((n, k), dtype=np.float32)
    for i in range(n):
        top = rng.choice(values)
        rows[i] = (rng.random(k) * top).astype(np.float32)
        winners = rng.choice(k, size=rng.integers(1, min(k, 3) + 1), replace=False)
        rows[i, winners] = top  # more than one winner: a tie
    return rows


def quantized_rows(rng, n, k):
    """Multiples of 1/q summing to 1: exact ties, often at bin edges."""
    q = int(rng.choice([1, 2, 3, 5, 10, 15]))
    units = np.array([rng.multinomial(q, np.full(k, 1 / k)) for _ in range(n)])
    return (units / q).astype(np.float32)


def labels_for(rng, probs, accuracy):
    """Labels agreeing with the first argmax with probability `accuracy`."""
    n, k = probs.shape
    labels = probs.argmax(axis=1)
    flip = rng.random(n) > accuracy
    labels[flip] = rng.integers(0, k, size=flip.sum())
    return labels


def make_case(rng, index):
    k = int(rng.choice([2, 3, 4, 5, 10]))
    n = int(rng.choice([1, 2, 5])) if index % 10 == 0 else int(rng.integers(3, 60))
    if index % 40 == 1:
        n, k = 300, 3
    n_bins = 15 if index % 5 else int(rng.choice([1, 2, 5, 10, 20, 30]))
    kind = ("dirichlet", "edges", "quantized", "edges")[index % 4]
    if kind == "dirichlet":
        probs = dirichlet_rows(rng, n, k)
    elif kind == "edges":
        probs = edge_rows(rng, n, k, n_bins)
    else:
        probs = quantized_rows(rng, n, k)
    if index % 17 == 3:
        probs[0] = 0  # confidence 0
    labels = labels_for(rng, probs, rng.choice([0.0, 0.5, 0.9, 1.0]))
    preds = torch.from_numpy(probs)
    target = torch.from_numpy(labels.astype(np.int64))
    expected = {
        norm: float(multiclass_calibration_error(preds, target, k, n_bins=n_bins, norm=norm))
        for norm in NORMS
    }
    return {
        "kind": kind,
        "num_classes": k,
        "n_bins": n_bins,
        "labels": labels.tolist(),
        "probs": [exact_decimal(v) for v in probs.ravel()],
        "expected": expected,
    }


def exact_decimal(value):
    """The shortest decimal of a float32, checked to read back through f64."""
    text = repr(float(np.float32(value)))
    short = np.format_float_positional(np.float32(value), unique=True, trim="-")
    for candidate in (short, text):
        if np.float32(float(candidate)) == value:
            return float(candidate) if "." in candidate or "e" in candidate else int(candidate)
    raise AssertionError(f"{value!r} does not round-trip")


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    rng = np.random.default_rng(SEED)
    cases = [make_case(rng, i) for i in range(120)]
    bins = sorted({c["n_bins"] for c in cases})
    fixture = {
        "generator": "tests/oracles/make_ece_fixture.py",
        "torch": torch.__version__,
        "torchmetrics": torchmetrics.__version__,
        "numpy": np.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "edges": {str(b): [float(e) for e in edges(b)] for b in bins},
        "cases": cases,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixture, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

"""Writes crates/assay-gen/tests/fixtures/gen_metrics.json: FID, KID and
Inception Score of seeded feature matrices, computed by the reference
packages themselves. Run once, by hand (PyTorch is too heavy for every CI
run); the tests rebuild the matrices from the specs with
`tests/common/features.rs`, bit-identical to `gen_features.py`.

    python -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch pytorch-fid==0.3.0 \\
        torch-fidelity==0.4.0 'scipy<1.18' numpy
    /tmp/torchvenv/bin/python tests/oracles/make_gen_fixtures.py

Last run with Python 3.11, numpy 2.4.6, scipy 1.17.1, torch 2.15.0,
pytorch-fid 0.3.0 and torch-fidelity 0.4.0 (the versions are also written
into the fixture), in 1310 s (22 minutes) on 2 cores shared with other
builds (load about 7.5); each d = 2048 case took 260 to 390 s, mostly
scipy's sqrtm.

Per FID/KID case (input1 = the generated set, input2 = the reference set):

- "fid": pytorch-fid's `calculate_frechet_distance(mu1, sigma1, mu2,
  sigma2)` with mu = np.mean(x, axis=0) and sigma = np.cov(x,
  rowvar=False), as its `calculate_activation_statistics` computes them
  (its activations are float64 arrays); "fid_eps_retry" is whether it
  printed that the product was singular and retried with 1e-6 added to
  the diagonals.
- "kid_f64": torch-fidelity's `kid_features_to_metric(input1, input2)` on
  float64 tensors (the kernels are then computed in float64), with the
  case's "kid_subsets" and "kid_subset_size" and rng_seed 2020 (the
  default); "kid_f32": the same on the matrices rounded to float32 tensors,
  as torch-fidelity's own pipeline passes them (kernels and sums in
  float32).

Per IS case: torch-fidelity's `isc_features_to_metric(logits, splits,
shuffle, rng_seed=2020)` on the float64 logits ("isc_f64") and on the
logits rounded to float32 ("isc_f32", what its pipeline passes; it widens
them to float64 itself).
"""

import contextlib
import importlib.metadata
import io
import json
import os
import platform
import sys
import time

import numpy as np
import scipy
import torch
import torch_fidelity
from pytorch_fid.fid_score import calculate_frechet_distance
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_features import generate  # noqa: E402

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "../../crates/assay-gen/tests/fixtures/gen_metrics.json",
)
SEED = 2020


def spec(seed, n, d, kind, **extra):
    return dict(seed=seed, n=n, d=d, kind=kind, **extra)


def shifted(seed, n, d, offset, scale):
    return spec(seed, n, d, "shifted", offset=offset, scale=scale)


def rank_def(seed, n, d, rank):
    return spec(seed, n, d, "rank_deficient", rank=rank)


# (name, input1 (generated), input2 (reference), kid_subset_size, kid_subsets)
DISTANCE_CASES = [
    ("tiny_d8", spec(11, 50, 8, "uniform"), spec(12, 60, 8, "uniform"), 50, 100),
    ("n_below_d", shifted(13, 100, 256, 0.1, 1.1), spec(14, 120, 256, "correlated"), 100, 20),
    ("d16_correlated", spec(15, 200, 16, "correlated"), shifted(16, 200, 16, 0.05, 1.0), 100, 100),
    ("d64_uniform_vs_shifted", spec(17, 500, 64, "uniform"), shifted(18, 400, 64, 0.2, 0.9), 400, 50),
    ("d128_rank32", rank_def(21, 1000, 128, 32), rank_def(22, 1000, 128, 32), 500, 50),
    ("d256_n2000", spec(23, 2000, 256, "correlated"), shifted(24, 2000, 256, 0.02, 1.05), 1000, 20),
    ("d512_n5000_same", spec(25, 5000, 512, "uniform"), spec(26, 5000, 512, "uniform"), 1000, 10),
    ("d1024_rank200", rank_def(27, 3000, 1024, 200), rank_def(28, 3000, 1024, 200), 1000, 10),
    ("d2048_n10000", spec(29, 10000, 2048, "correlated"), shifted(30, 10000, 2048, 0.01, 1.02), 1000, 3),
    ("d2048_rank512", rank_def(31, 2500, 2048, 512), rank_def(32, 2500, 2048, 512), 500, 5),
    ("d2048_uniform_same", spec(33, 10000, 2048, "uniform"), spec(34, 8000, 2048, "uniform"), 1000, 3),
]

# (name, logits spec, splits, shuffle)
IS_CASES = [
    ("n50_c10", spec(41, 50, 10, "logits"), 10, True),
    ("n1000_c100", spec(42, 1000, 100, "logits"), 10, True),
    ("n5000_c1008", spec(43, 5000, 1008, "logits"), 10, True),
    ("n10000_c1008", spec(44, 10000, 1008, "logits"), 10, True),
    ("n1234_c1008_7splits", spec(45, 1234, 1008, "logits"), 7, True),
    ("n2000_c1008_unshuffled", spec(46, 2000, 1008, "logits"), 10, False),
    ("n999_c1000_1split", spec(47, 999, 1000, "logits"), 1, True),
]


def fid(x1, x2):
    mu1, sigma1 = np.mean(x1, axis=0), np.cov(x1, rowvar=False)
    mu2, sigma2 = np.mean(x2, axis=0), np.cov(x2, rowvar=False)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        value = calculate_frechet_distance(mu1, sigma1, mu2, sigma2)
    return float(value), "singular product" in printed.getvalue()


def kid(x1, x2, size, subsets, dtype):
    out = kid_features_to_metric(
        torch.from_numpy(x1).to(dtype),
        torch.from_numpy(x2).to(dtype),
        kid_subsets=subsets,
        kid_subset_size=size,
        rng_seed=SEED,
        verbose=False,
    )
    return {"mean": out["kernel_inception_distance_mean"], "std": out["kernel_inception_distance_std"]}


def isc(x, splits, shuffle, dtype):
    out = isc_features_to_metric(torch.from_numpy(x).to(dtype), splits, shuffle, SEED)
    return {"mean": out["inception_score_mean"], "std": out["inception_score_std"]}


def distance_case(name, s1, s2, size, subsets):
    started = time.time()
    x1, x2 = generate(s1), generate(s2)
    fid_value, retried = fid(x1, x2)
    case = {
        "name": name,
        "input1": s1,
        "input2": s2,
        "fid": fid_value,
        "fid_eps_retry": retried,
        "kid_subset_size": size,
        "kid_subsets": subsets,
        "kid_f64": kid(x1, x2, size, subsets, torch.float64),
        "kid_f32": kid(x1, x2, size, subsets, torch.float32),
    }
    print(f"{name}: {time.time() - started:.1f} s", file=sys.stderr)
    return case


def is_case(name, s, splits, shuffle):
    x = generate(s)
    return {
        "name": name,
        "logits": s,
        "splits": splits,
        "shuffle": shuffle,
        "isc_f64": isc(x, splits, shuffle, torch.float64),
        "isc_f32": isc(x, splits, shuffle, torch.float32),
    }


def main():
    started = time.time()
    fixture = {
        "generated_by": "tests/oracles/make_gen_fixtures.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "torch": torch.__version__,
            "torch_fidelity": torch_fidelity.__version__,
            "pytorch_fid": importlib.metadata.version("pytorch-fid"),
        },
        "rng_seed": SEED,
        "distance_cases": [distance_case(*c) for c in DISTANCE_CASES],
        "is_cases": [is_case(*c) for c in IS_CASES],
    }
    fixture["run_seconds"] = round(time.time() - started, 1)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT} in {fixture['run_seconds']} s", file=sys.stderr)


if __name__ == "__main__":
    main()

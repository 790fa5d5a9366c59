"""FID and precision/recall/density/coverage oracle.

Reads a JSON list of cases {"real": path.npy, "fake": path.npy, "k": [..]}
and prints, per case, pytorch-fid 0.3.0's Fréchet distance and prdc 0.2's
metrics for each k.

pytorch-fid imports torch at module import, too heavy for every CI run, so
`calculate_activation_statistics` and `calculate_frechet_distance` are
transcribed here line for line (numpy + scipy only); the transcription is
itself checked against the real package by tests/oracles/make_gen_fixtures.py.
"""
import contextlib
import json
import sys

import numpy as np
from prdc import compute_prdc
from scipy import linalg


def statistics(act):
    """pytorch_fid.fid_score.calculate_activation_statistics, after the model."""
    mu = np.mean(act, axis=0)
    sigma = np.cov(act, rowvar=False)
    return mu, sigma


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch_fid.fid_score.calculate_frechet_distance."""
    mu1 = np.atleast_1d(mu1)
    mu2 = np.atleast_1d(mu2)
    sigma1 = np.atleast_2d(sigma1)
    sigma2 = np.atleast_2d(sigma2)
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            m = np.max(np.abs(covmean.imag))
            raise ValueError("Imaginary component {}".format(m))
        covmean = covmean.real
    tr_covmean = np.trace(covmean)
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for case in cases:
        real = np.load(case["real"])
        fake = np.load(case["fake"])
        result = {}
        if case.get("fid", True):
            mu1, s1 = statistics(real)
            mu2, s2 = statistics(fake)
            result["fid"] = float(frechet_distance(mu1, s1, mu2, s2))
        result["prdc"] = {}
        for k in case.get("k", []):
            # compute_prdc prints the set sizes: keep stdout for the JSON.
            with contextlib.redirect_stdout(sys.stderr):
                metrics = compute_prdc(real, fake, k)
            result["prdc"][str(k)] = {key: float(v) for key, v in metrics.items()}
        out.append(result)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

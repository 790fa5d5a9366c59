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


def exact_rank_deficient(a, b):
    """The exact FID of two "rank_deficient" feature specs of
    gen_features.py (column j = (u[:, j % r] - 0.5) * (1 + 0.5 (j // r))),
    computed in the r-dimensional space they span, where the covariances are
    well conditioned: x = P z with P[j, j % r] = scale_j, so with
    D = P^T P, |P dm|^2 = dm^T D dm, tr(P S P^T) = tr(S D), and the
    nonzero eigenvalues of P S1 P^T P S2 P^T are those of S1 D S2 D."""
    n_a, n_b, d, r = a["n"], b["n"], a["d"], a["rank"]
    assert b["d"] == d and b["rank"] == r
    za = np.random.RandomState(a["seed"]).random_sample(n_a * r).reshape(n_a, r) - 0.5
    zb = np.random.RandomState(b["seed"]).random_sample(n_b * r).reshape(n_b, r) - 0.5
    j = np.arange(d)
    weights = np.zeros(r)
    np.add.at(weights, j % r, (1.0 + 0.5 * (j // r)) ** 2)
    D = np.diag(weights)
    (m1, s1), (m2, s2) = statistics(za), statistics(zb)
    dm = m1 - m2
    root = linalg.sqrtm(s1 @ D @ s2 @ D)
    return float(dm @ D @ dm + np.trace(s1 @ D) + np.trace(s2 @ D) - 2 * np.trace(root).real)


def exact_high_precision(real, fake):
    """The Fréchet distance of the float64 statistics (np.cov, as
    pytorch-fid computes them) evaluated in 60-digit arithmetic (mpmath):
    tr sqrtm(S1 S2) as the sum of square roots of the eigenvalues of S1 S2,
    which are real and non-negative for covariances. The reference for badly
    conditioned cases, where both float64 computations lose digits."""
    import mpmath

    mpmath.mp.dps = 60
    (m1, s1), (m2, s2) = statistics(real), statistics(fake)
    S1, S2 = mpmath.matrix(s1.tolist()), mpmath.matrix(s2.tolist())
    eigenvalues = mpmath.eig(S1 * S2, left=False, right=False)
    tr_root = sum(mpmath.sqrt(mpmath.re(e)) for e in eigenvalues if mpmath.re(e) > 0)
    dm = [mpmath.mpf(float(x)) - mpmath.mpf(float(y)) for x, y in zip(m1, m2)]
    total = sum(x * x for x in dm)
    total += sum(S1[i, i] + S2[i, i] for i in range(S1.rows)) - 2 * tr_root
    return float(total)


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for case in cases:
        if "exact_high_precision" in case:
            real, fake = (np.load(p) for p in case["exact_high_precision"])
            out.append({"fid": exact_high_precision(real, fake)})
            continue
        if "exact_rank_deficient" in case:
            a, b = case["exact_rank_deficient"]
            out.append({"fid": exact_rank_deficient(a, b)})
            continue
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

"""Generative metrics from features or saved statistics, as ``assay gen
eval`` computes them: FID as pytorch-fid, KID as torch-fidelity, PRDC as
prdc. Features are ``[n, dim]`` arrays (converted to float64)."""

import numpy as np

from . import _assay


def _features(x, name):
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise _assay.AssayError(f"{name}: expected a [n, dim] array of features, got shape {a.shape}")
    return a


def feature_statistics(features):
    """The mean and covariance (``ddof=1``) of features, as pytorch-fid's
    ``calculate_activation_statistics``: ``(mu, sigma)``."""
    return _assay.feature_statistics(_features(features, "features"))


def partial_statistics(features, start, total, first_row):
    """One shard's part of the FID statistics of a set: its rows
    ``features`` are rows ``[start, start + len(features))`` of a set of
    ``total`` rows whose first row is ``first_row``. Returns bytes (small
    to send between workers) for :func:`merge_statistics`."""
    first_row = np.ascontiguousarray(first_row, dtype=np.float64).ravel()
    return _assay.partial_statistics(_features(features, "features"), int(start), int(total), first_row)


def merge_statistics(parts):
    """``(mu, sigma)`` of the whole set from every shard's
    :func:`partial_statistics` (in any order): exactly, bit for bit, those
    :func:`feature_statistics` gives on the whole set."""
    return _assay.merge_statistics([bytes(p) for p in parts])


def load_statistics(path):
    """``(mu, sigma)`` from a pytorch-fid ``.npz`` statistics file."""
    with np.load(path) as f:
        return np.asarray(f["mu"], dtype=np.float64), np.asarray(f["sigma"], dtype=np.float64)


def fid_from_statistics(mu1, sigma1, mu2, sigma2):
    """The Fréchet distance between two Gaussians (pytorch-fid's
    ``calculate_frechet_distance``)."""
    def stats(mu, sigma):
        mu = np.ascontiguousarray(mu, dtype=np.float64).ravel()
        return mu, np.ascontiguousarray(sigma, dtype=np.float64).reshape(len(mu), -1)

    (mu1, sigma1), (mu2, sigma2) = stats(mu1, sigma1), stats(mu2, sigma2)
    return _assay.fid_from_statistics(mu1, sigma1, mu2, sigma2)


def fid(real, fake):
    """FID between two sets of features."""
    return _assay.fid_from_features(_features(real, "real"), _features(fake, "fake"))


def kid(real, fake, subsets=100, subset_size=1000, degree=3, gamma=None, coef0=1.0, seed=2020):
    """torch-fidelity's KID (polynomial kernel MMD over random subsets):
    ``(mean, std)``. The defaults are torch-fidelity's."""
    return _assay.kid(
        _features(real, "real"), _features(fake, "fake"),
        subsets, subset_size, degree, gamma, float(coef0), seed,
    )


def prdc(real_features, fake_features, nearest_k=5):
    """prdc's ``compute_prdc``: a dict of precision, recall, density and
    coverage."""
    return _assay.prdc(
        _features(real_features, "real"), _features(fake_features, "fake"), nearest_k
    )

"""`assay.metrics` against the generative metrics' references: prdc 0.2
itself, and pytorch-fid's formulas as the Rust parity tests' oracle
transcribes them (numpy + scipy)."""

import numpy as np
import pytest
from prdc import compute_prdc

import assay
from assay import metrics
import fid_prdc_oracle as oracle


def features(seed, n, d, shift=0.0):
    return np.random.default_rng(seed).normal(shift, 1.0, (n, d))


@pytest.mark.parametrize("seed", range(4))
def test_fid_equals_pytorch_fid(seed):
    real, fake = features(seed, 300, 16), features(seed + 100, 250, 16, 0.3)
    mu1, s1 = oracle.statistics(real)
    mu2, s2 = oracle.statistics(fake)
    expected = oracle.frechet_distance(mu1, s1, mu2, s2)
    assert metrics.fid(real, fake) == pytest.approx(expected, rel=1e-9)
    mu, sigma = metrics.feature_statistics(real)
    np.testing.assert_allclose(mu, mu1, rtol=1e-12)
    np.testing.assert_allclose(sigma, s1, rtol=1e-10, atol=1e-12)
    assert metrics.fid_from_statistics(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_prdc_equals_prdc(k):
    real, fake = features(7, 200, 8), features(8, 180, 8, 0.2)
    expected = compute_prdc(real_features=real, fake_features=fake, nearest_k=k)
    ours = metrics.prdc(real, fake, nearest_k=k)
    for key, value in expected.items():
        assert ours[key] == pytest.approx(value, rel=1e-12), key


def test_kid_needs_enough_samples():
    with pytest.raises(assay.AssayError, match="1000"):
        metrics.kid(features(1, 50, 4), features(2, 50, 4))
    mean, std = metrics.kid(features(1, 120, 4), features(2, 120, 4, 0.5), subsets=10, subset_size=100)
    assert mean > 0 and std >= 0


@pytest.mark.parametrize("shards", [1, 2, 7])
def test_sharded_statistics_are_the_unsharded_ones(shards):
    real = features(11, 3000, 6) + 50.0
    mu, sigma = metrics.feature_statistics(real)
    cuts = np.linspace(0, len(real), shards + 1).astype(int)
    parts = [
        metrics.partial_statistics(real[a:b], a, len(real), real[0])
        for a, b in zip(cuts[:-1], cuts[1:])
    ]
    merged_mu, merged_sigma = metrics.merge_statistics(parts[::-1])
    assert np.array_equal(mu, merged_mu) and np.array_equal(sigma, merged_sigma)
    with pytest.raises(assay.AssayError, match="no part"):
        metrics.merge_statistics(parts[:-1] if shards > 1 else [])


def test_embed_reports_unreadable_files_and_ignores_batching(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(3)
    paths = []
    for i in range(9):
        p = tmp_path / f"{i}.png"
        Image.fromarray(rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    features, unreadable = assay.embed(paths[:4] + [broken] + paths[4:])
    assert features.shape[0] == 9 and features.dtype == np.float64
    assert [u[0] for u in unreadable] == [str(broken)]
    again, _ = assay.embed(paths, batch=2)
    assert np.array_equal(again, features)
    with pytest.raises(assay.AssayError):
        assay.embed(paths, model=str(tmp_path / "no-such-model"))

"""`assay.label_issues.find_label_issues` against cleanlab 2.9.0 itself:
the same mask (or ranked indices) on CIFAR-10's test set with cleanlab's
own out-of-fold probabilities and on random cases with ties."""

import numpy as np
import pytest
from cleanlab.filter import find_label_issues as reference

import assay
from assay.label_issues import find_label_issues
from conftest import shared

FILTERS = [
    "prune_by_noise_rate", "prune_by_class", "both", "confident_learning",
    "predicted_neq_given", "low_normalized_margin", "low_self_confidence",
]
RANKINGS = ["self_confidence", "normalized_margin", "confidence_weighted_entropy"]


@pytest.fixture(scope="module")
def cifar():
    d = "cifar10_test_cleanlab/cleanlab"
    labels = np.load(shared(f"{d}/original_test_labels_cifar10_test_set_original_labels.npy"))
    probs = np.load(shared(f"{d}/cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy"))
    return labels, probs


@pytest.mark.parametrize("filter_by", FILTERS)
def test_cifar10_equals_cleanlab(cifar, filter_by):
    labels, probs = cifar
    ours = find_label_issues(labels, probs, filter_by=filter_by)
    ref = reference(labels, probs, filter_by=filter_by)
    assert ours.dtype == np.bool_ and ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"{(ours != ref).sum()} flags differ"
    assert ref.sum() > 0


@pytest.mark.parametrize("rank_by", RANKINGS)
def test_cifar10_ranked_equals_cleanlab(cifar, rank_by):
    labels, probs = cifar
    ours = find_label_issues(labels, probs, return_indices_ranked_by=rank_by)
    ref = reference(labels, probs, return_indices_ranked_by=rank_by)
    assert np.array_equal(ours, ref)


def random_case(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(40, 400)), int(rng.integers(2, 7))
    labels = rng.integers(0, k, n)
    labels[:k] = np.arange(k)
    logits = rng.normal(size=(n, k)) + 2.5 * np.eye(k)[labels] * rng.random((n, 1))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    # Rounded probabilities tie, as a calibrated model's often do.
    probs = np.round(probs, int(rng.integers(2, 4)))
    probs = probs / probs.sum(1, keepdims=True)
    return labels, probs, k


@pytest.mark.parametrize("seed", range(16))
def test_random_cases_equal_cleanlab(seed):
    labels, probs, k = random_case(seed)
    rng = np.random.default_rng(1000 + seed)
    for filter_by in FILTERS:
        kwargs = {"filter_by": filter_by}
        if filter_by in ("prune_by_noise_rate", "prune_by_class", "both"):
            kwargs["frac_noise"] = float(rng.choice([1.0, 0.5]))
            kwargs["min_examples_per_class"] = int(rng.integers(1, 4))
        ours = find_label_issues(labels, probs, **kwargs)
        ref = reference(labels, probs, **kwargs)
        assert np.array_equal(ours, ref), (filter_by, kwargs)
    removes = [int(x) for x in rng.integers(0, 4, k)]
    ours = find_label_issues(labels, probs, num_to_remove_per_class=removes, return_indices_ranked_by="normalized_margin")
    ref = reference(labels, probs, num_to_remove_per_class=removes, return_indices_ranked_by="normalized_margin")
    assert np.array_equal(ours, ref)


def test_bad_labels_are_an_assay_error():
    probs = np.full((4, 2), 0.5)
    with pytest.raises(assay.AssayError):
        find_label_issues(np.array([0, 1, 2, 0]), probs)
    with pytest.raises(NotImplementedError):
        find_label_issues(np.array([0, 1, 1, 0]), probs, multi_label=True)


@pytest.mark.parametrize("shards", [1, 2, 7])
def test_sharded_search_equals_the_unsharded_one(cifar, shards):
    from assay.label_issues import find_label_issues_in_parts, partial

    labels, probs = cifar
    cuts = np.linspace(0, len(labels), shards + 1).astype(int)
    parts = [partial(labels[a:b], probs[a:b], a, len(labels)) for a, b in zip(cuts[:-1], cuts[1:])]
    for kwargs in ({}, {"filter_by": "both"}, {"return_indices_ranked_by": "normalized_margin"}):
        whole = find_label_issues(labels, probs, **kwargs)
        merged = find_label_issues_in_parts(parts[::-1], **kwargs)
        assert np.array_equal(merged, whole), kwargs
    if shards > 1:
        with pytest.raises(assay.AssayError, match="in no part"):
            find_label_issues_in_parts(parts[1:])

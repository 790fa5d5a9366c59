"""Label issues by confident learning, as cleanlab 2.9 finds them."""

import numpy as np

from . import _assay

# NumPy's dispatch targets of x86-simd-sort: X86_V3 is AVX2, the others
# AVX-512.
_AVX2 = ("X86_V3",)
_AVX512 = ("X86_V4", "AVX512_ICL", "AVX512_SPR")


def numpy_tie_order():
    """The order NumPy's ``argsort`` leaves equal values in on this machine,
    which decides cleanlab's result where values tie: ``"avx2"`` or
    ``"portable"``. With NumPy's AVX-512 sort (which assay does not
    reproduce) this is ``"avx2"``, and cleanlab's choice among exactly
    tied examples may then differ; set ``NPY_DISABLE_CPU_FEATURES="X86_V4
    AVX512_ICL AVX512_SPR"`` before NumPy loads to make cleanlab use the
    AVX2 sort."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    if all(features.get(f) for f in _AVX2):
        return "avx2"
    return "portable"


def find_label_issues(
    labels,
    pred_probs,
    *,
    return_indices_ranked_by=None,
    rank_by_kwargs=None,
    filter_by="prune_by_noise_rate",
    frac_noise=1.0,
    num_to_remove_per_class=None,
    min_examples_per_class=1,
    confident_joint=None,
    n_jobs=None,
    verbose=False,
    multi_label=False,
    tie_order=None,
):
    """``cleanlab.filter.find_label_issues`` for single-label data, with its
    signature and results.

    Returns a boolean mask (``True`` where the given label is likely
    wrong), or with ``return_indices_ranked_by`` (``"self_confidence"``,
    ``"normalized_margin"`` or ``"confidence_weighted_entropy"``) the
    flagged indices, most likely wrong first. Every ``filter_by`` of
    cleanlab is supported. ``n_jobs`` and ``verbose`` are accepted and
    ignored (assay uses every core). ``tie_order`` picks whose order equal
    values are flagged in (see :func:`numpy_tie_order`, the default).

    Not supported (``NotImplementedError``): ``multi_label=True``, a given
    ``confident_joint`` and ``rank_by_kwargs``.
    """
    del n_jobs, verbose
    if multi_label:
        raise NotImplementedError("assay finds label issues of single-label data only (multi_label=False)")
    if confident_joint is not None:
        raise NotImplementedError("assay computes the confident joint itself; confident_joint must be None")
    if rank_by_kwargs:
        raise NotImplementedError("rank_by_kwargs is not supported; scores use cleanlab's defaults")
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iub":
        raise _assay.AssayError(
            f"labels: expected a 1-D array of class indices, got dtype {labels.dtype} and shape {labels.shape}"
        )
    pred_probs = np.ascontiguousarray(pred_probs, dtype=np.float64)
    if pred_probs.ndim != 2:
        raise _assay.AssayError(f"pred_probs: expected a [n, classes] array, got shape {pred_probs.shape}")
    if num_to_remove_per_class is not None:
        num_to_remove_per_class = [int(n) for n in num_to_remove_per_class]
    return _assay.find_label_issues(
        np.ascontiguousarray(labels, dtype=np.int64),
        pred_probs,
        filter_by,
        float(frac_noise),
        num_to_remove_per_class,
        int(min_examples_per_class),
        return_indices_ranked_by,
        tie_order or numpy_tie_order(),
    )

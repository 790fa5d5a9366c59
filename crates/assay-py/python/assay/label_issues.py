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


_PART_MAGIC = b"assay-label-rows/1\n"


def partial(labels, pred_probs, start, total):
    """One shard's part of a label-issue search: rows ``[start, start +
    len(labels))`` of a set of ``total`` examples, as bytes for
    :func:`find_label_issues_in_parts`.

    cleanlab ranks examples across the whole set (its thresholds are means
    over each class, its pruning takes the largest margins of a class, and
    NumPy's sort decides among equal values), so the merge needs every
    example's probabilities: a part carries its rows (``8 * (classes + 1)``
    bytes an example). What shards save is the model's inference that
    produced the probabilities, not the ranking."""
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    pred_probs = np.ascontiguousarray(pred_probs, dtype=np.float64)
    if pred_probs.ndim != 2 or len(labels) != len(pred_probs):
        raise _assay.AssayError(
            f"labels ({labels.shape}) and pred_probs ({pred_probs.shape}) must have one row per example"
        )
    head = np.array([start, total, len(labels), pred_probs.shape[1]], dtype=np.int64)
    return _PART_MAGIC + head.tobytes() + labels.tobytes() + pred_probs.tobytes()


def find_label_issues_in_parts(parts, **kwargs):
    """:func:`find_label_issues` on every shard's rows (each shard's
    :func:`partial` once, in any order): exactly its result on the whole
    set. Keyword arguments are :func:`find_label_issues`'."""
    rows = []
    for i, part in enumerate(parts):
        part = bytes(part)
        if not part.startswith(_PART_MAGIC) or len(part) < len(_PART_MAGIC) + 32:
            raise _assay.AssayError(f"part {i + 1}: not a label-issue part of assay.label_issues.partial")
        body = part[len(_PART_MAGIC):]
        start, total, n, k = (int(v) for v in np.frombuffer(body[:32], dtype=np.int64))
        if len(body) != 32 + 8 * n + 8 * n * k:
            raise _assay.AssayError(f"part {i + 1}: truncated or malformed")
        labels = np.frombuffer(body[32:32 + 8 * n], dtype=np.int64)
        probs = np.frombuffer(body[32 + 8 * n:], dtype=np.float64).reshape(n, k)
        rows.append((start, total, labels, probs))
    if not rows:
        raise _assay.AssayError("no parts given")
    rows.sort(key=lambda r: (r[0], r[0] + len(r[2])))
    total, expected = rows[0][1], 0
    for start, part_total, labels, _ in rows:
        if part_total != total:
            raise _assay.AssayError(f"the part from example {start} is of a set of {part_total}, not {total}")
        if start != expected:
            what = "in two parts" if start < expected else "in no part"
            raise _assay.AssayError(f"examples {min(start, expected)}..{max(start, expected)} are {what}")
        expected = start + len(labels)
    if expected != total:
        raise _assay.AssayError(f"examples {expected}..{total} are in no part")
    labels = np.concatenate([r[2] for r in rows])
    probs = np.concatenate([r[3] for r in rows])
    return find_label_issues(labels, probs, **kwargs)

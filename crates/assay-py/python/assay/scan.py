"""Image issues of files or a folder, as ``assay scan`` finds them."""

import os

from . import _assay
from ._tables import to_pyarrow


def scan(paths, fast=False):
    """Measures images and finds their issues (CleanVision's issue types and
    assay's own, with assay's default thresholds).

    ``paths`` is a folder (every image under it, paths relative to it,
    sorted) or a list of image files (in the given order). Returns a
    ``pyarrow.Table`` with one row per image: ``path``, ``error`` (why an
    unreadable file could not be read), the image metrics, and per issue
    type ``<type>_score`` and ``is_<type>_issue`` (CleanVision's column
    names). Duplicate and near-duplicate groups are found over all the
    images given. ``fast=True`` decodes JPEGs at reduced size, as
    ``assay scan --fast`` (estimates of the values, several times faster).
    """
    if isinstance(paths, (str, os.PathLike)):
        if os.path.isdir(paths):
            return to_pyarrow(_assay.scan_directory(os.fspath(paths), bool(fast)))
        paths = [paths]
    return to_pyarrow(_assay.scan_files([os.fspath(p) for p in paths], bool(fast)))


def scan_partial(paths, batch, batches, total, fast=False):
    """Measures one batch of a list of image files, the ``batch``-th (from
    0) of ``batches`` contiguous batches of ``total`` files (on a worker of
    a distributed engine): bytes for :func:`merge_scans`."""
    return _assay.scan_partial([os.fspath(p) for p in paths], int(batch), int(batches), int(total), bool(fast))


def merge_scans(parts):
    """Every batch's measurements (each once, any order) searched for
    issues over the whole list: exactly :func:`scan` of all the files, so
    duplicate groups across batches are found."""
    return to_pyarrow(_assay.merge_scans([bytes(p) for p in parts]))

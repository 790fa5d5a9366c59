"""assay: exact, fast validation of vision models and the data they learn from.

The same kernels as the ``assay`` command line, for Python:

- :mod:`assay.coco`: ``COCO`` and ``COCOeval`` with pycocotools' interface,
  whose numbers are pycocotools' to the last bit;
- :mod:`assay.label_issues`: ``find_label_issues`` with cleanlab's signature
  and cleanlab's flags;
- :mod:`assay.metrics`: FID, KID and PRDC from features or statistics;
- :func:`assay.scan`: image issues of files or a folder, as a table;
- :func:`assay.embed`: image embeddings (built-in, CLIP, DINOv2, Inception);
- :class:`assay.Project`: an assay project's tables as Arrow (pyarrow,
  pandas, polars), embeddings as NumPy arrays, predictions and metrics
  written back.

Errors are :class:`assay.AssayError` with the command line's messages.
"""

from ._assay import AssayError, __version__
from . import coco, label_issues, metrics
from .embed import embed
from .project import Project
from .scan import merge_scans, scan, scan_partial

__all__ = [
    "AssayError",
    "Project",
    "coco",
    "embed",
    "label_issues",
    "metrics",
    "merge_scans",
    "scan",
    "scan_partial",
    "__version__",
]

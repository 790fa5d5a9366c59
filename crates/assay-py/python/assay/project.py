"""An assay project (``assay init``) from Python: its tables as Arrow,
embeddings as NumPy arrays, and predictions and metrics written back."""

import os

import numpy as np

from . import _assay
from ._tables import to_pyarrow


class Project:
    """The project in ``path`` (or the nearest parent folder with one).

    Tables are ``pyarrow.Table``s (``.to_pandas()``, ``polars.from_arrow``).
    ``dataset`` may be left out when the project has one dataset.
    """

    def __init__(self, path="."):
        self._native = _assay.NativeProject.open(os.fspath(path))

    @property
    def root(self):
        """The project's folder."""
        return self._native.root()

    def datasets(self):
        """The datasets' names."""
        return self._native.datasets()

    def runs(self):
        """Evaluation runs (dicts of id, dataset, model, task, created_at)."""
        return self._native.runs()

    def table(self, kind, dataset=None, model=None, run=None):
        """One table: ``samples``, ``annotations``, ``predictions`` (of
        ``model``), ``classes``, ``metrics`` (image metrics, one column
        each), ``issues`` or ``outcomes`` (of evaluation ``run``)."""
        return to_pyarrow(self._native.table(kind, dataset, model, run))

    def samples(self, dataset=None):
        """One row per image."""
        return self.table("samples", dataset)

    def annotations(self, dataset=None):
        """One row per ground-truth annotation."""
        return self.table("annotations", dataset)

    def predictions(self, model, dataset=None):
        """One row per prediction of ``model``."""
        return self.table("predictions", dataset, model=model)

    def metrics(self, dataset=None):
        """One row per image, one column per image metric."""
        return self.table("metrics", dataset)

    def issues(self, dataset=None):
        """One row per issue of an image or object."""
        return self.table("issues", dataset)

    def outcomes(self, run, dataset=None):
        """One row per object of evaluation ``run`` (tp, fp, fn, ...)."""
        return self.table("outcomes", dataset, run=run)

    def embeddings(self, dataset=None, extractor=None):
        """``(image_ids, vectors)``: image ids (int64) and their stored
        embeddings as a ``[n, dim]`` float32 array (the store's vectors,
        not copied again)."""
        _, ids, vectors = self._native.embeddings(dataset, extractor)
        return ids, vectors

    def add_predictions(self, model, results, dataset=None):
        """Stores ``model``'s predictions, replacing its earlier ones, from a
        COCO results list (or a path to a results file); returns how many
        were stored."""
        from .coco import _dumps

        if isinstance(results, (str, os.PathLike)):
            with open(results, "rb") as f:
                data, name = f.read(), os.fspath(results)
        else:
            data, name = _dumps(list(results)), "<results list>"
        return self._native.add_predictions(model, data, name, dataset)

    def add_metric(self, name, values, dataset=None):
        """Stores an image metric from ``{image_id: value}`` (or a pair of
        arrays ``(image_ids, values)``), replacing its earlier values;
        explorer, slices, drift and checks use it like a built-in one."""
        if isinstance(values, dict):
            ids, vals = list(values.keys()), list(values.values())
        else:
            ids, vals = values
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vals = np.ascontiguousarray(vals, dtype=np.float64)
        return self._native.add_metric(name, ids, vals, dataset)

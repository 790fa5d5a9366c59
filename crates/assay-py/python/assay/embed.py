"""Image embeddings from Python, as ``assay gen eval`` and ``assay embed``
compute them."""

import os

from . import _assay


def embed(paths, model="builtin", batch=32):
    """Embeds image files in the given order: ``(features, unreadable)``,
    the readable files' features as a ``[n, dim]`` float64 array and the
    unreadable ones as ``(path, reason)`` pairs. ``model`` is ``builtin``
    (weight-free, not comparable with published numbers) or a local model
    folder or ``.safetensors`` file (CLIP, DINOv2, the FID Inception);
    nothing is downloaded."""
    return _assay.embed_files([os.fspath(p) for p in paths], str(model), int(batch))

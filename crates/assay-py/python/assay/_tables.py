"""Native tables as pyarrow tables (through the Arrow C stream interface)."""


def to_pyarrow(native):
    """The native table as a ``pyarrow.Table``, without copying its columns."""
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "assay returns tables as pyarrow tables; install pyarrow (pip install pyarrow)"
        ) from e
    return pa.table(native)

"""Shared set-up of the Python package's tests: where the repository, the
real datasets and the `assay` binary are, and NumPy's sort chosen (before
NumPy loads) as the Rust parity tests choose it, so cleanlab's order of
tied examples is the one assay reproduces."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "oracles"))
import numpy_sort  # noqa: E402

numpy_sort.configure("native")

SHARED = REPO.parent / "shared" / "data"
COCO_TESTS = SHARED / "faster_coco_eval_tests" / "tests"


def shared(path):
    """A file of the real datasets, which must exist."""
    p = SHARED / path
    assert p.exists(), f"{p} is missing: the tests read the real datasets in ../shared/data"
    return p


@pytest.fixture(scope="session")
def assay_bin():
    """The `assay` binary the workspace build made (or $ASSAY_BIN)."""
    path = Path(os.environ.get("ASSAY_BIN", REPO / "target" / "debug" / "assay"))
    assert path.is_file(), f"{path} is missing: build it first (cargo build)"
    return path


def run_assay(assay_bin, *args, cwd=None):
    """Runs the binary and returns its stdout; a failure fails the test."""
    done = subprocess.run(
        [str(assay_bin), *map(str, args)], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, f"assay {' '.join(map(str, args))} failed:\n{done.stderr}"
    return done.stdout

"""`assay.scan` returns the table `assay scan --out` writes."""

import numpy as np
import pytest
import pyarrow.parquet as pq
from PIL import Image

import assay
from conftest import run_assay


def images(folder):
    rng = np.random.default_rng(0)
    folder.mkdir()
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(folder / f"noise{i}.png")
    Image.fromarray(np.full((20, 20, 3), 3, dtype=np.uint8)).save(folder / "dark.png")
    (folder / "copy.png").write_bytes((folder / "noise3.png").read_bytes())
    (folder / "broken.jpg").write_bytes(b"not an image")
    return folder


def test_scan_of_a_folder_is_the_command_lines_table(tmp_path, assay_bin):
    folder = images(tmp_path / "imgs")
    ours = assay.scan(folder)
    run_assay(assay_bin, "scan", folder, "--out", tmp_path / "scan.parquet")
    expected = pq.read_table(tmp_path / "scan.parquet")
    assert ours.num_rows == 11
    assert ours.equals(expected)
    flagged = dict(zip(ours["path"].to_pylist(), ours["is_exact_duplicates_issue"].to_pylist()))
    assert flagged["copy.png"] == 1 and flagged["noise3.png"] == 1 and flagged["noise0.png"] == 0
    assert ours["error"].to_pylist()[0] is not None  # broken.jpg sorts first


def test_scan_of_files_keeps_their_order(tmp_path):
    folder = images(tmp_path / "imgs")
    files = [folder / "dark.png", folder / "noise1.png"]
    table = assay.scan(files)
    assert table["path"].to_pylist() == [str(f) for f in files]
    assert table["is_dark_issue"].to_pylist() == [1, 0]


def test_fast_scan_is_the_command_lines_fast_table(tmp_path, assay_bin):
    folder = images(tmp_path / "imgs")
    run_assay(assay_bin, "scan", folder, "--fast", "--out", tmp_path / "fast.parquet")
    assert assay.scan(folder, fast=True).equals(pq.read_table(tmp_path / "fast.parquet"))


def test_batches_of_a_file_list_merge_into_one_scan(tmp_path):
    folder = images(tmp_path / "imgs")
    files = sorted(folder.iterdir())
    whole = assay.scan(files)
    for batches in (1, 2, 7):
        cuts = np.linspace(0, len(files), batches + 1).astype(int)
        parts = [
            assay.scan_partial(files[a:b], i, batches, len(files))
            for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:]))
        ]
        merged = assay.merge_scans(parts[::-1])
        assert merged.equals(whole), batches
    # copy.png and noise3.png are duplicates across batches.
    flagged = dict(zip(merged["path"].to_pylist(), merged["is_exact_duplicates_issue"].to_pylist()))
    assert flagged[str(folder / "copy.png")] == 1 and flagged[str(folder / "noise3.png")] == 1
    with pytest.raises(assay.AssayError, match="missing"):
        assay.merge_scans(parts[1:])

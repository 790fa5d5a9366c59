"""`assay.Project`: tables equal the command line's exports, and what
Python writes (predictions, image metrics) reads back unchanged."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

import assay
from conftest import COCO_TESTS, run_assay

GT = COCO_TESTS / "dataset/cocoapi/instances_val2014_100.json"
RESULTS = COCO_TESTS / "dataset/cocoapi/instances_val2014_fakebbox100_results.json"


@pytest.fixture
def project(tmp_path, assay_bin):
    run_assay(assay_bin, "init", cwd=tmp_path)
    run_assay(assay_bin, "import", "coco", "--annotations", GT, cwd=tmp_path)
    return tmp_path


def exported(assay_bin, project, table, *extra):
    out = project / f"{table}.parquet"
    run_assay(assay_bin, "export", "table", "--table", table, "--out", out, *extra, cwd=project)
    return pq.read_table(out)


def test_tables_equal_the_command_lines_exports(project, assay_bin):
    p = assay.Project(project)
    assert p.datasets() == ["instances_val2014_100"]
    for table in ("samples", "annotations", "classes"):
        assert p.table(table).equals(exported(assay_bin, project, table)), table
    assert p.samples().num_rows == 100


def test_predictions_written_from_python_read_back(project, assay_bin):
    p = assay.Project(project)
    results = json.loads(RESULTS.read_text())
    stored = p.add_predictions("fake", results[:500])
    assert stored == 500
    table = p.predictions("fake")
    assert table.equals(exported(assay_bin, project, "predictions", "--model", "fake"))
    assert table.num_rows == 500
    assert sorted(table["score"].to_pylist()) == sorted(r["score"] for r in results[:500])
    # From a file, replacing the model's earlier predictions.
    assert p.add_predictions("fake", RESULTS) == len(results)
    assert p.predictions("fake").num_rows == len(results)


def test_metrics_written_from_python_read_back(project):
    p = assay.Project(project)
    ids = p.samples()["image_id"].to_pylist()
    values = {image: float(i) / 7 for i, image in enumerate(ids) if i % 3}
    assert p.add_metric("my_score", values) == len(values)
    table = p.metrics()
    read = dict(zip(table["image_id"].to_pylist(), table["my_score"].to_pylist()))
    assert {k: v for k, v in read.items() if v is not None} == values
    # An unknown image changes nothing.
    with pytest.raises(assay.AssayError, match="image id -5 is not an image"):
        p.add_metric("my_score", {-5: 1.0, ids[0]: 2.0})
    assert p.metrics().equals(table)
    with pytest.raises(assay.AssayError, match="cannot name a metric"):
        p.add_metric("not a name", {ids[0]: 1.0})


def test_embeddings_are_numpy_arrays(tmp_path, assay_bin):
    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    run_assay(assay_bin, "init", cwd=tmp_path)
    run_assay(assay_bin, "import", "folder", "--images", folder, cwd=tmp_path)
    run_assay(assay_bin, "embed", cwd=tmp_path)
    ids, vectors = assay.Project(tmp_path).embeddings()
    assert ids.dtype == np.int64 and vectors.dtype == np.float32
    assert vectors.shape[0] == 6 == len(ids) and vectors.shape[1] > 0
    assert list(ids) == sorted(ids)
    assert np.all(np.isfinite(vectors))


def test_a_missing_project_is_an_assay_error(tmp_path):
    with pytest.raises(assay.AssayError, match="project"):
        assay.Project(tmp_path / "nowhere")

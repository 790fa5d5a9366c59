//! `assay.Project`: a project's store read as Arrow tables and NumPy
//! arrays, and predictions and image metrics written back, by the
//! application layer's workflows (`assay_app::tables`, `assay_app::import`).

use std::path::PathBuf;
use std::sync::Mutex;

use assay_app::import::{add_predictions, PredictionFiles};
use assay_app::tables::{image_embeddings, project_table, store_metric, ProjectTable};
use assay_store::Store;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{message, to_py};
use crate::table::ArrowTable;

/// Registers the project class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeProject>()
}

/// An open project (`.assay/project.db`).
#[pyclass(frozen, module = "assay._assay")]
pub struct NativeProject {
    store: Mutex<Store>,
}

impl NativeProject {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> anyhow::Result<T>) -> PyResult<T> {
        let mut store = self
            .store
            .lock()
            .map_err(|_| message("the project was left in a failed state"))?;
        f(&mut store).map_err(to_py)
    }
}

fn which_table(kind: &str, model: Option<String>, run: Option<i64>) -> PyResult<ProjectTable> {
    Ok(match kind {
        "samples" => ProjectTable::Samples,
        "annotations" => ProjectTable::Annotations,
        "predictions" => ProjectTable::Predictions(
            model.ok_or_else(|| message("the predictions table needs model=..."))?,
        ),
        "classes" => ProjectTable::Classes,
        "metrics" => ProjectTable::Metrics,
        "issues" => ProjectTable::Issues,
        "outcomes" => {
            ProjectTable::Outcomes(run.ok_or_else(|| message("the outcomes table needs run=..."))?)
        }
        other => {
            return Err(message(format!(
                "no table {other:?}; expected samples, annotations, predictions, classes, metrics, issues or outcomes"
            )))
        }
    })
}

#[pymethods]
impl NativeProject {
    /// Opens the project in `path` or the nearest parent folder with one.
    #[staticmethod]
    fn open(path: PathBuf) -> PyResult<Self> {
        let store = Store::open(&path).map_err(to_py)?;
        Ok(NativeProject {
            store: Mutex::new(store),
        })
    }

    /// The project's folder.
    fn root(&self) -> PyResult<PathBuf> {
        self.with(|s| Ok(s.root().to_path_buf()))
    }

    /// The datasets' names.
    fn datasets(&self) -> PyResult<Vec<String>> {
        self.with(|s| Ok(s.dataset_names()?))
    }

    /// Evaluation runs: id, dataset, model, task and time, oldest first.
    fn runs<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let runs = self.with(|s| Ok(s.runs(None)?))?;
        runs.into_iter()
            .map(|r| {
                let d = PyDict::new(py);
                d.set_item("id", r.id)?;
                d.set_item("dataset", r.dataset)?;
                d.set_item("model", r.model)?;
                d.set_item("task", r.task)?;
                d.set_item("created_at", r.created_at)?;
                Ok(d)
            })
            .collect()
    }

    /// One table of a dataset.
    #[pyo3(signature = (kind, dataset = None, model = None, run = None))]
    fn table(
        &self,
        py: Python<'_>,
        kind: &str,
        dataset: Option<String>,
        model: Option<String>,
        run: Option<i64>,
    ) -> PyResult<ArrowTable> {
        let which = which_table(kind, model, run)?;
        let table = py.detach(|| self.with(|s| project_table(s, dataset.as_deref(), &which)))?;
        ArrowTable::new(&table)
    }

    /// Image embeddings: (extractor, image ids, vectors `[n, dim]` float32).
    #[pyo3(signature = (dataset = None, extractor = None))]
    fn embeddings<'py>(
        &self,
        py: Python<'py>,
        dataset: Option<String>,
        extractor: Option<String>,
    ) -> PyResult<(String, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let e = py.detach(|| {
            self.with(|s| image_embeddings(s, dataset.as_deref(), extractor.as_deref()))
        })?;
        let n = e.image_ids.len();
        let ids = PyArray1::from_vec(py, e.image_ids).into_any();
        let vectors = PyArray1::from_vec(py, e.vectors)
            .reshape([n, e.dim])?
            .into_any();
        Ok((e.extractor, ids, vectors))
    }

    /// Stores a model's predictions from a COCO results list (JSON),
    /// replacing its earlier ones; returns how many were stored.
    #[pyo3(signature = (model, json, name, dataset = None))]
    fn add_predictions(
        &self,
        py: Python<'_>,
        model: &str,
        json: Vec<u8>,
        name: String,
        dataset: Option<String>,
    ) -> PyResult<usize> {
        let source = PredictionFiles::CocoJson { name, json };
        py.detach(|| self.with(|s| add_predictions(s, dataset.as_deref(), None, model, &source)))
            .map(|added| added.predictions)
    }

    /// Stores an image metric by image id, replacing its earlier values.
    #[pyo3(signature = (name, image_ids, values, dataset = None))]
    fn add_metric(
        &self,
        py: Python<'_>,
        name: &str,
        image_ids: PyReadonlyArray1<'_, i64>,
        values: PyReadonlyArray1<'_, f64>,
        dataset: Option<String>,
    ) -> PyResult<usize> {
        let (ids, values) = (image_ids.as_slice()?, values.as_slice()?);
        if ids.len() != values.len() {
            return Err(message(format!(
                "{} image ids but {} values",
                ids.len(),
                values.len()
            )));
        }
        let pairs: Vec<(i64, f64)> = ids.iter().copied().zip(values.iter().copied()).collect();
        py.detach(|| self.with(|s| store_metric(s, dataset.as_deref(), name, &pairs)))
    }
}

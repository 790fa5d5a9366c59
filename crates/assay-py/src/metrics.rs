//! Generative metrics from features or saved statistics behind
//! `assay.metrics`: FID (pytorch-fid), KID (torch-fidelity) and PRDC
//! (prdc), as `assay gen eval` computes them.

use assay_gen::frechet::{frechet_distance, FeatureStats};
use assay_gen::kid::{kid as kid_of, KidOptions};
use assay_gen::moments::{merge, PartialMoments};
use assay_gen::prdc::prdc as prdc_of;
use assay_gen::Features;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::{message, to_py};

/// Registers the metric functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(feature_statistics, m)?)?;
    m.add_function(wrap_pyfunction!(fid_from_statistics, m)?)?;
    m.add_function(wrap_pyfunction!(fid_from_features, m)?)?;
    m.add_function(wrap_pyfunction!(kid, m)?)?;
    m.add_function(wrap_pyfunction!(prdc, m)?)?;
    m.add_function(wrap_pyfunction!(partial_statistics, m)?)?;
    m.add_function(wrap_pyfunction!(merge_statistics, m)?)?;
    m.add_function(wrap_pyfunction!(embed_files, m)?)?;
    Ok(())
}

fn features(name: &str, array: &PyReadonlyArray2<'_, f64>) -> PyResult<Features> {
    let dim = array.shape()[1];
    Features::new(array.as_slice()?.to_vec(), dim).map_err(|e| message(format!("{name}: {e}")))
}

fn stats(
    name: &str,
    mu: &PyReadonlyArray1<'_, f64>,
    sigma: &PyReadonlyArray2<'_, f64>,
) -> PyResult<FeatureStats> {
    FeatureStats::new(mu.as_slice()?.to_vec(), sigma.as_slice()?.to_vec(), None)
        .map_err(|e| message(format!("{name}: {e}")))
}

/// The mean and covariance (`ddof = 1`) of features, as pytorch-fid's
/// `calculate_activation_statistics`.
#[pyfunction]
fn feature_statistics<'py>(
    py: Python<'py>,
    features_: PyReadonlyArray2<'py, f64>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let f = features("features", &features_)?;
    let s = py
        .detach(|| FeatureStats::from_features(&f))
        .map_err(to_py)?;
    let d = s.dim();
    let mu = PyArray1::from_vec(py, s.mu).into_any();
    let sigma = PyArray1::from_vec(py, s.sigma).reshape([d, d])?.into_any();
    Ok((mu, sigma))
}

/// One shard's sums for FID statistics: rows `[start, start + n)` of a
/// set of `total` rows whose first row is `first_row`, as bytes.
#[pyfunction]
fn partial_statistics<'py>(
    py: Python<'py>,
    features_: PyReadonlyArray2<'py, f64>,
    start: usize,
    total: usize,
    first_row: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let f = features("features", &features_)?;
    let shift = first_row.as_slice()?.to_vec();
    let part = py
        .detach(|| PartialMoments::new(&f, start, total, &shift))
        .map_err(to_py)?;
    Ok(PyBytes::new(py, &part.to_bytes()))
}

/// The statistics of a set from all its shards' sums (any order).
#[pyfunction]
fn merge_statistics<'py>(
    py: Python<'py>,
    parts: Vec<Vec<u8>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let parts = parts
        .iter()
        .enumerate()
        .map(|(i, b)| {
            PartialMoments::from_bytes(b).map_err(|e| message(format!("part {}: {e}", i + 1)))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let s = py.detach(|| merge(&parts)).map_err(to_py)?;
    let d = s.dim();
    let mu = PyArray1::from_vec(py, s.mu).into_any();
    let sigma = PyArray1::from_vec(py, s.sigma).reshape([d, d])?.into_any();
    Ok((mu, sigma))
}

/// The Fréchet distance between two Gaussians (pytorch-fid's
/// `calculate_frechet_distance`).
#[pyfunction]
fn fid_from_statistics(
    py: Python<'_>,
    mu1: PyReadonlyArray1<'_, f64>,
    sigma1: PyReadonlyArray2<'_, f64>,
    mu2: PyReadonlyArray1<'_, f64>,
    sigma2: PyReadonlyArray2<'_, f64>,
) -> PyResult<f64> {
    let a = stats("statistics 1", &mu1, &sigma1)?;
    let b = stats("statistics 2", &mu2, &sigma2)?;
    py.detach(|| frechet_distance(&a, &b)).map_err(to_py)
}

/// FID between two sets of features.
#[pyfunction]
fn fid_from_features(
    py: Python<'_>,
    real: PyReadonlyArray2<'_, f64>,
    fake: PyReadonlyArray2<'_, f64>,
) -> PyResult<f64> {
    let (a, b) = (features("real", &real)?, features("fake", &fake)?);
    py.detach(|| {
        let a = FeatureStats::from_features(&a)?;
        let b = FeatureStats::from_features(&b)?;
        frechet_distance(&a, &b)
    })
    .map_err(to_py)
}

/// torch-fidelity's KID: mean and standard deviation over subsets.
#[pyfunction]
#[pyo3(signature = (real, fake, subsets, subset_size, degree, gamma, coef0, seed))]
#[allow(clippy::too_many_arguments)]
fn kid(
    py: Python<'_>,
    real: PyReadonlyArray2<'_, f64>,
    fake: PyReadonlyArray2<'_, f64>,
    subsets: usize,
    subset_size: usize,
    degree: u32,
    gamma: Option<f64>,
    coef0: f64,
    seed: u32,
) -> PyResult<(f64, f64)> {
    let (a, b) = (features("real", &real)?, features("fake", &fake)?);
    let options = KidOptions {
        subsets,
        subset_size,
        degree,
        gamma,
        coef0,
        seed,
    };
    let k = py.detach(|| kid_of(&a, &b, &options)).map_err(to_py)?;
    Ok((k.mean, k.std))
}

/// prdc's precision, recall, density and coverage.
#[pyfunction]
fn prdc<'py>(
    py: Python<'py>,
    real: PyReadonlyArray2<'py, f64>,
    fake: PyReadonlyArray2<'py, f64>,
    nearest_k: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let (a, b) = (features("real", &real)?, features("fake", &fake)?);
    let p = py.detach(|| prdc_of(&a, &b, nearest_k)).map_err(to_py)?;
    let out = PyDict::new(py);
    out.set_item("precision", p.precision)?;
    out.set_item("recall", p.recall)?;
    out.set_item("density", p.density)?;
    out.set_item("coverage", p.coverage)?;
    Ok(out)
}

/// A file that could not be embedded: (path, reason).
type Unreadable = (String, String);

/// Embeds image files with an extractor (`builtin`, or a model folder or
/// `.safetensors` file as `assay gen eval --model` takes): the readable
/// ones' features `[n, dim]` and the unreadable ones as (path, reason).
#[pyfunction]
fn embed_files<'py>(
    py: Python<'py>,
    paths: Vec<std::path::PathBuf>,
    model: &str,
    batch: usize,
) -> PyResult<(Bound<'py, PyAny>, Vec<Unreadable>)> {
    let extractor = assay_embed::Extractor::open(model).map_err(to_py)?;
    let set = py
        .detach(|| {
            assay_app::generative::inputs::embed_files(
                &paths,
                &extractor,
                batch,
                &assay_app::progress::Quiet,
            )
        })
        .map_err(to_py)?;
    let (n, d) = (set.features.len(), set.features.dim());
    let features = PyArray1::from_vec(py, set.features.as_slice().to_vec())
        .reshape([n, d])?
        .into_any();
    let unreadable = set
        .unreadable
        .into_iter()
        .map(|u| (u.file, u.reason))
        .collect();
    Ok((features, unreadable))
}

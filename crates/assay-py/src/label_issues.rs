//! cleanlab's `find_label_issues` behind `assay.label_issues`.

use assay_quality::label_issues::{
    find_label_issues as find, find_label_issues_ranked, FilterBy, FilterOptions, PredProbs,
    ScoreMethod, TieOrder,
};
use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::errors::{message, to_py};

/// Registers the label-issue functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(find_label_issues, m)?)?;
    Ok(())
}

/// cleanlab 2.9's `filter.find_label_issues` for single-label data: a
/// boolean mask, or with `rank_by` the flagged indices, most likely wrong
/// first.
#[pyfunction]
#[pyo3(signature = (labels, pred_probs, filter_by, frac_noise, num_to_remove_per_class, min_examples_per_class, rank_by, tie_order))]
#[allow(clippy::too_many_arguments)]
fn find_label_issues<'py>(
    py: Python<'py>,
    labels: PyReadonlyArray1<'py, i64>,
    pred_probs: PyReadonlyArray2<'py, f64>,
    filter_by: &str,
    frac_noise: f64,
    num_to_remove_per_class: Option<Vec<usize>>,
    min_examples_per_class: usize,
    rank_by: Option<&str>,
    tie_order: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let options = FilterOptions {
        filter_by: filter_by.parse::<FilterBy>().map_err(to_py)?,
        frac_noise,
        num_to_remove_per_class,
        min_examples_per_class,
        tie_order: tie_order.parse::<TieOrder>().map_err(to_py)?,
    };
    let rank_by = rank_by
        .map(|name| name.parse::<ScoreMethod>().map_err(to_py))
        .transpose()?;
    let labels = labels
        .as_slice()?
        .iter()
        .map(|&l| {
            usize::try_from(l)
                .map_err(|_| message(format!("labels hold {l}; expected class indices 0, 1, ...")))
        })
        .collect::<PyResult<Vec<usize>>>()?;
    let num_classes = pred_probs.shape()[1];
    // Copied: other Python threads may write the array while the GIL is
    // released.
    let probs = pred_probs.as_slice()?.to_vec();
    let result = py.detach(|| {
        let input = PredProbs::new(&labels, &probs, num_classes)?;
        match rank_by {
            Some(method) => find_label_issues_ranked(&input, &options, method).map(Ranked::Order),
            None => find(&input, &options).map(Ranked::Mask),
        }
    });
    Ok(match result.map_err(to_py)? {
        Ranked::Mask(mask) => PyArray1::from_vec(py, mask).into_any(),
        Ranked::Order(order) => {
            let order: Vec<i64> = order.into_iter().map(|i| i as i64).collect();
            PyArray1::from_vec(py, order).into_any()
        }
    })
}

enum Ranked {
    Mask(Vec<bool>),
    Order(Vec<usize>),
}

//! COCO evaluation behind `assay.coco`: ground truth and results read by
//! `assay-io` (as `assay eval coco` reads them), pycocotools' `evaluate`
//! (per-image matching) and `accumulate` by `assay-eval`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use assay_core::model::{Annotation, Category, Dataset};
use assay_eval::coco::{
    merge, AreaRange, CocoEvaluation, CocoEvaluator, IouType, Params, PartialEvaluation,
};
use assay_io::coco::{
    parse_coco, parse_coco_results_with, parse_loaded_coco_results, read_coco, UnknownCategory,
};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::{message, to_py};

/// Registers the COCO classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CocoGroundTruth>()?;
    m.add_class::<CocoResults>()?;
    m.add_class::<CocoMatches>()?;
    m.add_class::<CocoAccumulated>()?;
    m.add_function(wrap_pyfunction!(coco_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(coco_accumulate, m)?)?;
    m.add_function(wrap_pyfunction!(coco_merge, m)?)?;
    Ok(())
}

/// A COCO instances file read for evaluation.
#[pyclass(frozen, module = "assay._assay")]
pub struct CocoGroundTruth {
    dataset: Dataset,
}

#[pymethods]
impl CocoGroundTruth {
    /// Reads a COCO instances file.
    #[staticmethod]
    fn read(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let read = py.detach(|| read_coco(&path)).map_err(to_py)?;
        Ok(CocoGroundTruth {
            dataset: read.dataset,
        })
    }

    /// Parses a COCO instances object serialised as JSON; `name` names it
    /// in errors.
    #[staticmethod]
    fn parse(py: Python<'_>, data: &[u8], name: &str) -> PyResult<Self> {
        let read = py
            .detach(|| parse_coco(Path::new(name), data))
            .map_err(to_py)?;
        Ok(CocoGroundTruth {
            dataset: read.dataset,
        })
    }

    /// The image ids, sorted.
    fn image_ids(&self) -> Vec<i64> {
        sorted(self.dataset.samples.iter().map(|s| s.id))
    }

    /// The category ids, sorted.
    fn category_ids(&self) -> Vec<i64> {
        sorted(self.dataset.categories.iter().map(|c| c.id))
    }
}

/// Image sizes (width, height) by image id, where known.
type ImageSizes = HashMap<i64, Option<(u32, u32)>>;

impl CocoGroundTruth {
    /// Image sizes by id, and the category ids: what results are read
    /// against.
    fn index(&self) -> (ImageSizes, HashSet<i64>) {
        let sizes = self
            .dataset
            .samples
            .iter()
            .map(|s| (s.id, s.width.zip(s.height)))
            .collect();
        let categories = self.dataset.categories.iter().map(|c| c.id).collect();
        (sizes, categories)
    }
}

fn sorted(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Detections (a COCO results list) read against a ground truth, as
/// pycocotools' `loadRes` reads them: numbered from 1, areas from boxes,
/// masks or keypoints by the first result's kind.
#[pyclass(frozen, module = "assay._assay")]
pub struct CocoResults {
    annotations: Vec<Annotation>,
}

#[pymethods]
impl CocoResults {
    /// Reads a COCO results file.
    #[staticmethod]
    fn read(py: Python<'_>, gt: &CocoGroundTruth, path: PathBuf) -> PyResult<Self> {
        let bytes = assay_io::error::read_file(&path).map_err(to_py)?;
        Self::parse_bytes(py, gt, &bytes, &path)
    }

    /// Parses a COCO results list serialised as JSON; `name` names it in
    /// errors.
    #[staticmethod]
    fn parse(py: Python<'_>, gt: &CocoGroundTruth, data: &[u8], name: &str) -> PyResult<Self> {
        Self::parse_bytes(py, gt, data, Path::new(name))
    }

    /// Parses results as pycocotools' `loadRes` left them (a `COCO`'s
    /// `dataset["annotations"]`): their `area`s are used as given.
    #[staticmethod]
    fn parse_loaded(
        py: Python<'_>,
        gt: &CocoGroundTruth,
        data: &[u8],
        name: &str,
    ) -> PyResult<Self> {
        let (sizes, categories) = gt.index();
        let path = Path::new(name);
        let (annotations, _) = py
            .detach(|| parse_loaded_coco_results(path, data, &sizes, &categories))
            .map_err(to_py)?;
        Ok(CocoResults { annotations })
    }

    fn __len__(&self) -> usize {
        self.annotations.len()
    }

    /// Each result's area and box by its id (`loadRes` numbering), as
    /// evaluation uses them.
    fn geometry<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for a in &self.annotations {
            let bbox = a.bbox.map(|b| vec![b.x, b.y, b.w, b.h]);
            out.set_item(a.id, (a.area, bbox))?;
        }
        Ok(out)
    }
}

impl CocoResults {
    fn parse_bytes(
        py: Python<'_>,
        gt: &CocoGroundTruth,
        data: &[u8],
        path: &Path,
    ) -> PyResult<Self> {
        let (sizes, categories) = gt.index();
        // pycocotools keeps results of unknown categories and never
        // evaluates them; so they are left out here.
        let skip = UnknownCategory::Skip;
        let (annotations, _) = py
            .detach(|| parse_coco_results_with(path, data, &sizes, &categories, skip))
            .map_err(to_py)?;
        Ok(CocoResults { annotations })
    }
}

/// pycocotools' `Params` as `assay.coco.Params` passes them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct EvalParams {
    iou_type: String,
    img_ids: Vec<i64>,
    cat_ids: Vec<i64>,
    use_cats: bool,
    iou_thrs: Vec<f64>,
    rec_thrs: Vec<f64>,
    max_dets: Vec<usize>,
    area_rng: Vec<(f64, f64)>,
    area_rng_lbl: Vec<String>,
    kpt_oks_sigmas: Vec<f64>,
}

impl EvalParams {
    fn to_params(&self) -> PyResult<Params> {
        let iou_type = match self.iou_type.as_str() {
            "bbox" => IouType::Bbox,
            "segm" => IouType::Segm,
            "keypoints" => IouType::Keypoints,
            other => {
                return Err(message(format!(
                    "iouType {other:?} is not supported (expected bbox, segm or keypoints)"
                )))
            }
        };
        if self.area_rng.len() != self.area_rng_lbl.len() {
            return Err(message(format!(
                "params.areaRng has {} ranges but params.areaRngLbl {} labels",
                self.area_rng.len(),
                self.area_rng_lbl.len()
            )));
        }
        let mut params = Params::new(iou_type);
        params.iou_thresholds = self.iou_thrs.clone();
        params.recall_thresholds = self.rec_thrs.clone();
        params.max_dets = self.max_dets.clone();
        params.area_ranges = self
            .area_rng
            .iter()
            .zip(&self.area_rng_lbl)
            .map(|(&(min, max), label)| AreaRange {
                label: label.clone(),
                min,
                max,
            })
            .collect();
        params.oks_sigmas = self.kpt_oks_sigmas.clone();
        params.validate().map_err(to_py)?;
        Ok(params)
    }
}

/// The images and categories to evaluate: pycocotools' `imgIds`,
/// `catIds` and `useCats` applied to the ground truth and detections.
/// With `useCats = 0` every object is of one category (-1), in the order
/// pycocotools lists them (by `catIds`, then as read).
fn select<'a>(
    gt: &'a Dataset,
    dt: &'a [Annotation],
    p: &EvalParams,
) -> (Cow<'a, Dataset>, Cow<'a, [Annotation]>) {
    let mut cat_ids = p.cat_ids.clone();
    if p.use_cats {
        cat_ids.sort_unstable();
    }
    let mut seen = HashSet::new();
    cat_ids.retain(|c| seen.insert(*c));
    let images = sorted(p.img_ids.iter().copied());
    let all_images = sorted(gt.samples.iter().map(|s| s.id));
    let all_categories = sorted(gt.categories.iter().map(|c| c.id));
    if p.use_cats && images == all_images && cat_ids == all_categories {
        return (Cow::Borrowed(gt), Cow::Borrowed(dt));
    }
    let images: HashSet<i64> = images.into_iter().collect();
    let position: HashMap<i64, usize> = cat_ids.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let keep =
        |a: &&Annotation| images.contains(&a.sample_id) && position.contains_key(&a.category_id);
    let mut annotations: Vec<Annotation> = gt.annotations.iter().filter(keep).cloned().collect();
    let mut predictions: Vec<Annotation> = dt.iter().filter(keep).cloned().collect();
    let categories = if p.use_cats {
        let names: HashMap<i64, &Category> = gt.categories.iter().map(|c| (c.id, c)).collect();
        cat_ids
            .iter()
            .map(|&id| {
                names
                    .get(&id)
                    .map_or_else(|| Category::named(id, ""), |c| (*c).clone())
            })
            .collect()
    } else {
        for list in [&mut annotations, &mut predictions] {
            list.sort_by_key(|a| position[&a.category_id]);
            list.iter_mut().for_each(|a| a.category_id = -1);
        }
        vec![Category::named(-1, "")]
    };
    let samples = gt
        .samples
        .iter()
        .filter(|s| images.contains(&s.id))
        .cloned()
        .collect();
    let dataset = Dataset {
        samples,
        categories,
        annotations,
    };
    (Cow::Owned(dataset), Cow::Owned(predictions))
}

/// Every image's matches (pycocotools' `evalImgs`), unaccumulated.
#[pyclass(frozen, module = "assay._assay")]
pub struct CocoMatches {
    partial: PartialEvaluation,
}

#[pymethods]
impl CocoMatches {
    /// The matches as JSON bytes (the file `assay eval coco
    /// --partial-out` writes, without category names), for `coco_merge`.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let json = serde_json::to_vec(&self.partial).map_err(to_py)?;
        Ok(PyBytes::new(py, &json))
    }
}

/// Accumulates the matches of image shards (each `CocoMatches.to_bytes`)
/// into exactly the evaluation of all their images at once.
#[pyfunction]
fn coco_merge(py: Python<'_>, parts: Vec<Vec<u8>>) -> PyResult<CocoAccumulated> {
    let parts = parts
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            serde_json::from_slice::<PartialEvaluation>(bytes).map_err(|e| {
                message(format!(
                    "part {}: not a partial COCO evaluation: {e}",
                    i + 1
                ))
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let evaluation = py.detach(|| merge(&parts)).map_err(to_py)?;
    Ok(CocoAccumulated { evaluation })
}

/// pycocotools' `evaluate`: computes IoUs and matches every image's
/// detections to its ground truth.
#[pyfunction]
fn coco_evaluate(
    py: Python<'_>,
    gt: &CocoGroundTruth,
    dt: &CocoResults,
    params: EvalParams,
) -> PyResult<CocoMatches> {
    let eval_params = params.to_params()?;
    let partial = py
        .detach(|| {
            let (dataset, predictions) = select(&gt.dataset, &dt.annotations, &params);
            CocoEvaluator::new(&dataset, &predictions, &eval_params).map(|e| e.partial())
        })
        .map_err(to_py)?;
    Ok(CocoMatches { partial })
}

/// pycocotools' `accumulate` of evaluated matches.
#[pyfunction]
fn coco_accumulate(py: Python<'_>, matches: &CocoMatches) -> PyResult<CocoAccumulated> {
    let evaluation = py
        .detach(|| merge(std::slice::from_ref(&matches.partial)))
        .map_err(to_py)?;
    Ok(CocoAccumulated { evaluation })
}

/// Accumulated precision, recall and scores, and the summary.
#[pyclass(frozen, module = "assay._assay")]
pub struct CocoAccumulated {
    evaluation: CocoEvaluation,
}

#[pymethods]
impl CocoAccumulated {
    /// `[T, R, K, A, M]`: thresholds, recall points, categories, areas,
    /// detection counts.
    #[getter]
    fn shape(&self) -> (usize, usize, usize, usize, usize) {
        let p = &self.evaluation.params;
        (
            p.iou_thresholds.len(),
            p.recall_thresholds.len(),
            self.evaluation.category_ids.len(),
            p.area_ranges.len(),
            p.max_dets.len(),
        )
    }

    /// Interpolated precision, `[T, R, K, A, M]`.
    #[getter]
    fn precision<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (t, r, k, a, m) = self.shape();
        array(py, &self.evaluation.precision, vec![t, r, k, a, m])
    }

    /// The score at each precision entry, `[T, R, K, A, M]`.
    #[getter]
    fn scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (t, r, k, a, m) = self.shape();
        array(py, &self.evaluation.scores, vec![t, r, k, a, m])
    }

    /// Final recall, `[T, K, A, M]`.
    #[getter]
    fn recall<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (t, _, k, a, m) = self.shape();
        array(py, &self.evaluation.recall, vec![t, k, a, m])
    }

    /// The summary values in pycocotools' order (`COCOeval.stats`).
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.evaluation.stats())
    }

    /// The summary lines as pycocotools prints them.
    fn summary_lines(&self) -> Vec<String> {
        self.evaluation.summary().iter().map(|s| s.line()).collect()
    }
}

fn array<'py>(py: Python<'py>, values: &[f64], shape: Vec<usize>) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyArray1::from_slice(py, values).reshape(shape)?.into_any())
}

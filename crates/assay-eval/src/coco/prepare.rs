//! From ground truth and detections to per-image, per-category groups with
//! their IoU matrices: `COCOeval._prepare` and `computeIoU`/`computeOks`.

use std::collections::HashMap;

use assay_core::geometry::BBox;
use assay_core::mask::{rle_iou, rle_pair_iou, Rle};
use assay_core::model::{Annotation, Dataset, Segmentation};
use rayon::prelude::*;

use super::oks::{oks_matrix, GtKeypoints};
use super::params::{IouType, Params};
use crate::EvalError;

/// A ground truth as the evaluation sees it.
#[derive(Debug, Clone)]
pub(crate) struct GtObject {
    /// Its id (matches are recorded by id, as in pycocotools).
    pub id: i64,
    /// Index into the dataset's annotations.
    pub source: usize,
    /// The `area` from the file (used for the size ranges).
    pub area: f64,
    /// Crowd regions are ignored and may match many detections.
    pub crowd: bool,
    /// Keypoint evaluation ignores objects without labelled keypoints.
    pub no_keypoints: bool,
}

/// A detection as the evaluation sees it.
#[derive(Debug, Clone)]
pub(crate) struct DtObject {
    /// Its id.
    pub id: i64,
    /// Index into the predictions.
    pub source: usize,
    /// Area as pycocotools' `loadRes` sets it.
    pub area: f64,
    /// Confidence.
    pub score: f64,
}

/// The objects of one category on one image.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// Category index (into the sorted category ids).
    pub cat: usize,
    /// Image index (into the sorted image ids).
    pub image: usize,
    /// Ground truths in input order.
    pub gts: Vec<usize>,
    /// Detections by descending score (stable); all of them, including
    /// those beyond the largest `max_dets`.
    pub dts: Vec<usize>,
    /// IoU (or OKS) of the first `min(dts, max_det)` detections with every
    /// ground truth, row-major; empty when either side is empty.
    pub ious: Vec<f64>,
}

impl Group {
    /// Number of detections evaluated (the top `max_det`).
    pub fn evaluated(&self, max_det: usize) -> usize {
        self.dts.len().min(max_det)
    }
}

/// Everything the matching needs, computed once.
pub(crate) struct Prepared {
    /// Ground-truth image ids, sorted.
    pub image_ids: Vec<i64>,
    /// Ground-truth category ids, sorted.
    pub category_ids: Vec<i64>,
    /// Ground truths in input order.
    pub gts: Vec<GtObject>,
    /// Detections of known categories in input order.
    pub dts: Vec<DtObject>,
    /// Groups sorted by category, then image.
    pub groups: Vec<Group>,
    /// The geometry compared, kept for comparisons across categories.
    shapes: Shapes,
    /// OKS sigmas (keypoints only).
    sigmas: Vec<f64>,
}

impl Prepared {
    /// IoU (or OKS) of detection `dt` with ground truth `gt` (indices into
    /// `dts` and `gts`), whatever their categories.
    pub fn pair_iou(&self, dt: usize, gt: usize) -> f64 {
        let crowd = self.gts[gt].crowd;
        match &self.shapes {
            Shapes::Boxes { gt: g, dt: d } => d[dt].iou(&g[gt], crowd),
            Shapes::Masks { gt: g, dt: d } => rle_pair_iou(&d[dt], &g[gt], crowd),
            Shapes::Keypoints { gt: g, dt: d } => {
                oks_matrix(&[d[dt].as_slice()], &[&g[gt]], &self.sigmas)[0]
            }
        }
    }
}

/// The geometry compared, per object.
enum Shapes {
    Boxes {
        gt: Vec<BBox>,
        dt: Vec<BBox>,
    },
    Masks {
        gt: Vec<Rle>,
        dt: Vec<Rle>,
    },
    Keypoints {
        gt: Vec<GtKeypoints>,
        dt: Vec<Vec<f64>>,
    },
}

const GT: &str = "ground truth";
const DT: &str = "detection";

/// Builds the groups and their IoU matrices.
pub(crate) fn prepare(
    dataset: &Dataset,
    predictions: &[Annotation],
    params: &Params,
) -> Result<Prepared, EvalError> {
    let mut image_ids: Vec<i64> = dataset.samples.iter().map(|s| s.id).collect();
    image_ids.sort_unstable();
    image_ids.dedup();
    let mut category_ids: Vec<i64> = dataset.categories.iter().map(|c| c.id).collect();
    category_ids.sort_unstable();
    category_ids.dedup();
    let image_index: HashMap<i64, usize> = index_of(&image_ids);
    let cat_index: HashMap<i64, usize> = index_of(&category_ids);

    // (category, image) of an annotation; `None` for categories not
    // evaluated, an error for images outside the ground truth.
    let key = |what: &'static str, a: &Annotation| {
        let image = *image_index
            .get(&a.sample_id)
            .ok_or(EvalError::UnknownImage {
                what,
                id: a.id,
                image_id: a.sample_id,
            })?;
        Ok::<_, EvalError>(cat_index.get(&a.category_id).map(|&cat| (cat, image)))
    };
    let area = |a: &Annotation| a.area.unwrap_or_else(|| fallback_area(a, params.iou_type));
    let (mut gt_keys, mut gts) = (Vec::new(), Vec::new());
    for (source, a) in dataset.annotations.iter().enumerate() {
        if let Some(k) = key(GT, a)? {
            gt_keys.push(k);
            gts.push(GtObject {
                id: a.id,
                source,
                area: area(a),
                crowd: a.iscrowd,
                no_keypoints: a.num_keypoints() == 0,
            });
        }
    }
    let (mut dt_keys, mut dts) = (Vec::new(), Vec::new());
    for (source, a) in predictions.iter().enumerate() {
        if let Some(k) = key(DT, a)? {
            dt_keys.push(k);
            dts.push(DtObject {
                id: a.id,
                source,
                area: area(a),
                score: a.score.unwrap_or(0.0),
            });
        }
    }
    let shapes = shapes(dataset, predictions, &gts, &dts, params)?;
    let mut groups = group(&gt_keys, &dt_keys);
    let max_det = params.max_det();
    groups.par_iter_mut().try_for_each(|g| {
        // Descending and stable, like `np.argsort(-scores, kind="mergesort")`.
        g.dts.sort_by(|&a, &b| {
            let (a, b) = (dts[a].score, dts[b].score);
            b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal)
        });
        g.ious = ious(g, max_det, &gts, &shapes, &params.oks_sigmas)?;
        Ok::<(), EvalError>(())
    })?;
    Ok(Prepared {
        image_ids,
        category_ids,
        gts,
        dts,
        groups,
        shapes,
        sigmas: params.oks_sigmas.clone(),
    })
}

fn index_of(sorted: &[i64]) -> HashMap<i64, usize> {
    sorted.iter().enumerate().map(|(i, &id)| (id, i)).collect()
}

/// The area used when the input gives none: the mask's for masks, else
/// the box's (as pycocotools' `loadRes` sets it for box results).
fn fallback_area(a: &Annotation, iou_type: IouType) -> f64 {
    match (iou_type, &a.segmentation) {
        (IouType::Segm, Some(Segmentation::Rle { rle, .. })) => rle.area() as f64,
        _ => a.bbox.map_or(0.0, |b| b.w * b.h),
    }
}

/// Groups object indices by (category, image), keeping input order inside
/// each group.
fn group(gt_keys: &[(usize, usize)], dt_keys: &[(usize, usize)]) -> Vec<Group> {
    let sorted = |keys: &[(usize, usize)]| {
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        order
    };
    let (gt_order, dt_order) = (sorted(gt_keys), sorted(dt_keys));
    let (mut gi, mut di) = (0, 0);
    let mut groups = Vec::new();
    while gi < gt_order.len() || di < dt_order.len() {
        let gk = gt_order.get(gi).map(|&i| gt_keys[i]);
        let dk = dt_order.get(di).map(|&i| dt_keys[i]);
        let key = match (gk, dk) {
            (Some(g), Some(d)) => g.min(d),
            (Some(g), None) => g,
            (None, Some(d)) => d,
            (None, None) => unreachable!("loop condition"),
        };
        let take = |order: &[usize], keys: &[(usize, usize)], at: &mut usize| {
            let start = *at;
            while *at < order.len() && keys[order[*at]] == key {
                *at += 1;
            }
            order[start..*at].to_vec()
        };
        let gts = take(&gt_order, gt_keys, &mut gi);
        let dts = take(&dt_order, dt_keys, &mut di);
        groups.push(Group {
            cat: key.0,
            image: key.1,
            gts,
            dts,
            ious: Vec::new(),
        });
    }
    groups
}

/// The geometry of every object, in the form the IoU type compares.
fn shapes(
    dataset: &Dataset,
    predictions: &[Annotation],
    gts: &[GtObject],
    dts: &[DtObject],
    params: &Params,
) -> Result<Shapes, EvalError> {
    let gt_ann = |g: &GtObject| &dataset.annotations[g.source];
    let dt_ann = |d: &DtObject| &predictions[d.source];
    match params.iou_type {
        IouType::Bbox => Ok(Shapes::Boxes {
            gt: gts
                .iter()
                .map(|g| bbox(gt_ann(g), GT))
                .collect::<Result<_, _>>()?,
            dt: dts
                .iter()
                .map(|d| bbox(dt_ann(d), DT))
                .collect::<Result<_, _>>()?,
        }),
        IouType::Segm => {
            let sizes: HashMap<i64, Option<(u32, u32)>> = dataset
                .samples
                .iter()
                .map(|s| (s.id, s.width.zip(s.height)))
                .collect();
            let mask = |a: &Annotation, what| to_rle(a, what, sizes[&a.sample_id]);
            Ok(Shapes::Masks {
                gt: gts
                    .par_iter()
                    .map(|g| mask(gt_ann(g), GT))
                    .collect::<Result<_, _>>()?,
                dt: dts
                    .par_iter()
                    .map(|d| mask(dt_ann(d), DT))
                    .collect::<Result<_, _>>()?,
            })
        }
        IouType::Keypoints => {
            let n = params.oks_sigmas.len();
            let gt = gts
                .iter()
                .map(|g| GtKeypoints::new(gt_ann(g), g.area, n))
                .collect::<Result<_, _>>()?;
            let dt = dts
                .iter()
                .map(|d| keypoints(dt_ann(d), n))
                .collect::<Result<_, _>>()?;
            Ok(Shapes::Keypoints { gt, dt })
        }
    }
}

fn bbox(a: &Annotation, what: &'static str) -> Result<BBox, EvalError> {
    a.bbox.ok_or(EvalError::MissingGeometry {
        what,
        id: a.id,
        image_id: a.sample_id,
        needed: "bbox",
        hint: "bbox evaluation needs a box on every object",
    })
}

fn keypoints(a: &Annotation, n: usize) -> Result<Vec<f64>, EvalError> {
    let k = a.keypoints.as_ref().ok_or(EvalError::MissingGeometry {
        what: DT,
        id: a.id,
        image_id: a.sample_id,
        needed: "keypoints",
        hint: "keypoint evaluation needs keypoints on every detection",
    })?;
    if k.len() != 3 * n {
        return Err(EvalError::KeypointCount {
            what: DT,
            id: a.id,
            found: k.len() / 3,
            expected: n,
        });
    }
    Ok(k.clone())
}

/// `annToRLE`: polygons are rasterised at the image size and merged; RLE
/// is taken as is; a box without a mask becomes its four-corner polygon, as
/// `loadRes` does for box results.
fn to_rle(a: &Annotation, what: &'static str, size: Option<(u32, u32)>) -> Result<Rle, EvalError> {
    let size = || {
        size.ok_or(EvalError::MissingImageSize {
            image_id: a.sample_id,
        })
    };
    match (&a.segmentation, a.bbox) {
        (Some(Segmentation::Rle { rle, .. }), _) => Ok(rle.clone()),
        (Some(Segmentation::Polygons(parts)), _) => {
            let (w, h) = size()?;
            Ok(Rle::from_polygons(parts, h, w))
        }
        (None, Some(b)) => {
            let (w, h) = size()?;
            let (x1, y1, x2, y2) = (b.x, b.y, b.x + b.w, b.y + b.h);
            Ok(Rle::from_polygon(&[x1, y1, x1, y2, x2, y2, x2, y1], h, w))
        }
        (None, None) => Err(EvalError::MissingGeometry {
            what,
            id: a.id,
            image_id: a.sample_id,
            needed: "segmentation",
            hint: "segm evaluation needs a mask, polygon or box on every object",
        }),
    }
}

/// IoU (or OKS) of a group's evaluated detections with its ground truths.
fn ious(
    g: &Group,
    max_det: usize,
    gts: &[GtObject],
    shapes: &Shapes,
    sigmas: &[f64],
) -> Result<Vec<f64>, EvalError> {
    let dts = &g.dts[..g.evaluated(max_det)];
    if dts.is_empty() || g.gts.is_empty() {
        return Ok(Vec::new());
    }
    let crowd: Vec<bool> = g.gts.iter().map(|&i| gts[i].crowd).collect();
    Ok(match shapes {
        Shapes::Boxes { gt, dt } => {
            let mut out = Vec::with_capacity(dts.len() * g.gts.len());
            for &d in dts {
                for (&i, &c) in g.gts.iter().zip(&crowd) {
                    out.push(dt[d].iou(&gt[i], c));
                }
            }
            out
        }
        Shapes::Masks { gt, dt } => {
            let d: Vec<Rle> = dts.iter().map(|&i| dt[i].clone()).collect();
            let t: Vec<Rle> = g.gts.iter().map(|&i| gt[i].clone()).collect();
            rle_iou(&d, &t, &crowd).map_err(|source| EvalError::Mask {
                what: GT,
                id: gts[g.gts[0]].id,
                source,
            })?
        }
        Shapes::Keypoints { gt, dt } => {
            let d: Vec<&[f64]> = dts.iter().map(|&i| dt[i].as_slice()).collect();
            let t: Vec<&GtKeypoints> = g.gts.iter().map(|&i| &gt[i]).collect();
            oks_matrix(&d, &t, sigmas)
        }
    })
}

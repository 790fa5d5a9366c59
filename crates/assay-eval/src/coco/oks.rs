//! Object keypoint similarity, as `COCOeval.computeOks` computes it.

use assay_core::model::Annotation;

use crate::numeric::pairwise_sum;
use crate::EvalError;

/// A ground truth's keypoints with what OKS needs from it.
#[derive(Debug, Clone)]
pub(crate) struct GtKeypoints {
    keypoints: Vec<f64>,
    bbox: [f64; 4],
    area: f64,
}

impl GtKeypoints {
    /// Takes the keypoints, box and `area` of a ground truth with `n`
    /// keypoints.
    pub fn new(a: &Annotation, area: f64, n: usize) -> Result<GtKeypoints, EvalError> {
        let missing = |needed| EvalError::MissingGeometry {
            what: "ground truth",
            id: a.id,
            image_id: a.sample_id,
            needed,
            hint: "keypoint evaluation needs keypoints and a box on every ground truth",
        };
        let keypoints = a.keypoints.clone().ok_or(missing("keypoints"))?;
        let bbox = a.bbox.ok_or(missing("bbox"))?.to_array();
        if keypoints.len() != 3 * n {
            return Err(EvalError::KeypointCount {
                what: "ground truth",
                id: a.id,
                found: keypoints.len() / 3,
                expected: n,
            });
        }
        Ok(GtKeypoints {
            keypoints,
            bbox,
            area,
        })
    }
}

/// OKS of every detection with every ground truth, row-major.
pub(crate) fn oks_matrix(dts: &[&[f64]], gts: &[&GtKeypoints], sigmas: &[f64]) -> Vec<f64> {
    let vars: Vec<f64> = sigmas.iter().map(|s| (s * 2.0) * (s * 2.0)).collect();
    let mut out = vec![0.0; dts.len() * gts.len()];
    for (j, gt) in gts.iter().enumerate() {
        for (i, dt) in dts.iter().enumerate() {
            out[i * gts.len() + j] = oks(dt, gt, &vars);
        }
    }
    out
}

/// One OKS value: with labelled ground-truth keypoints, over those; without,
/// by distance outside a box twice the ground truth's size.
fn oks(dt: &[f64], gt: &GtKeypoints, vars: &[f64]) -> f64 {
    let g = &gt.keypoints;
    let labelled = g.chunks_exact(3).filter(|t| t[2] > 0.0).count();
    let [bx, by, bw, bh] = gt.bbox;
    let (x0, x1, y0, y1) = (bx - bw, bx + bw * 2.0, by - bh, by + bh * 2.0);
    let scale = gt.area + f64::EPSILON;
    let mut terms = Vec::with_capacity(vars.len());
    for ((d, g), var) in dt.chunks_exact(3).zip(g.chunks_exact(3)).zip(vars) {
        let (dx, dy) = if labelled > 0 {
            if g[2] <= 0.0 {
                continue;
            }
            (d[0] - g[0], d[1] - g[1])
        } else {
            (
                (x0 - d[0]).max(0.0) + (d[0] - x1).max(0.0),
                (y0 - d[1]).max(0.0) + (d[1] - y1).max(0.0),
            )
        };
        let e = (dx * dx + dy * dy) / var / scale / 2.0;
        terms.push((-e).exp());
    }
    pairwise_sum(&terms) / terms.len() as f64
}

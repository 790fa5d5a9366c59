//! Evaluation parameters, with pycocotools' defaults.

use serde::Serialize;

use crate::numeric::linspace;

/// What the IoU between a detection and a ground truth is computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum IouType {
    /// Boxes.
    Bbox,
    /// Instance masks (polygons and RLE).
    Segm,
    /// Keypoints, compared by object keypoint similarity (OKS).
    Keypoints,
}

impl IouType {
    /// The name pycocotools uses.
    pub fn as_str(self) -> &'static str {
        match self {
            IouType::Bbox => "bbox",
            IouType::Segm => "segm",
            IouType::Keypoints => "keypoints",
        }
    }
}

/// An object-size range by area, bounds inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AreaRange {
    /// `all`, `small`, `medium` or `large` by default.
    pub label: String,
    /// Smallest area in the range.
    pub min: f64,
    /// Largest area in the range.
    pub max: f64,
}

impl AreaRange {
    fn new(label: &str, min: f64, max: f64) -> Self {
        AreaRange {
            label: label.to_string(),
            min,
            max,
        }
    }

    /// Whether `area` falls outside the range (pycocotools' test).
    pub fn excludes(&self, area: f64) -> bool {
        area < self.min || area > self.max
    }
}

/// The COCO keypoint sigmas for the 17 person keypoints.
pub const COCO_PERSON_SIGMAS: [f64; 17] = [
    0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89,
    0.89,
];

/// Parameters of a COCO evaluation (`pycocotools.cocoeval.Params`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Params {
    /// What IoU is computed on.
    pub iou_type: IouType,
    /// IoU thresholds, `np.linspace(.5, .95, 10)`.
    pub iou_thresholds: Vec<f64>,
    /// Recall thresholds, `np.linspace(0, 1, 101)`.
    pub recall_thresholds: Vec<f64>,
    /// Detections kept per image, ascending: `[1, 10, 100]` (`[20]` for keypoints).
    pub max_dets: Vec<usize>,
    /// Object-size ranges; the first is `all`.
    pub area_ranges: Vec<AreaRange>,
    /// OKS sigma per keypoint (the COCO person sigmas by default).
    pub oks_sigmas: Vec<f64>,
    /// Count a match with a ground truth whose id is 0 as a match.
    ///
    /// pycocotools records matches by ground-truth id and treats id 0 as "no
    /// match", so such a ground truth can never be a true positive and its
    /// detection counts as a false positive. That quirk is followed by
    /// default, so numbers stay comparable; set this to fix it.
    pub fix_zero_id: bool,
}

impl Params {
    /// pycocotools' defaults for `iou_type`.
    pub fn new(iou_type: IouType) -> Self {
        let big = 1e5 * 1e5;
        let (max_dets, area_ranges) = match iou_type {
            IouType::Keypoints => (
                vec![20],
                vec![
                    AreaRange::new("all", 0.0, big),
                    AreaRange::new("medium", 32.0 * 32.0, 96.0 * 96.0),
                    AreaRange::new("large", 96.0 * 96.0, big),
                ],
            ),
            _ => (
                vec![1, 10, 100],
                vec![
                    AreaRange::new("all", 0.0, big),
                    AreaRange::new("small", 0.0, 32.0 * 32.0),
                    AreaRange::new("medium", 32.0 * 32.0, 96.0 * 96.0),
                    AreaRange::new("large", 96.0 * 96.0, big),
                ],
            ),
        };
        Params {
            iou_type,
            iou_thresholds: linspace(0.5, 0.95, 10),
            recall_thresholds: linspace(0.0, 1.0, 101),
            max_dets,
            area_ranges,
            oks_sigmas: COCO_PERSON_SIGMAS.iter().map(|s| s / 10.0).collect(),
            fix_zero_id: false,
        }
    }

    /// The largest number of detections kept per image.
    pub fn max_det(&self) -> usize {
        self.max_dets.last().copied().unwrap_or(0)
    }

    /// Checks that the parameters can be evaluated.
    pub fn validate(&self) -> Result<(), crate::EvalError> {
        let bad = |m: &str| Err(crate::EvalError::Params(m.to_string()));
        if self.iou_thresholds.is_empty() || self.iou_thresholds.len() > 64 {
            return bad("between 1 and 64 IoU thresholds are supported");
        }
        if self.recall_thresholds.is_empty() {
            return bad("at least one recall threshold is needed");
        }
        if self.max_dets.is_empty() || !self.max_dets.is_sorted() {
            return bad("max detections must be a non-empty ascending list");
        }
        if self.area_ranges.is_empty() {
            return bad("at least one area range is needed");
        }
        Ok(())
    }
}

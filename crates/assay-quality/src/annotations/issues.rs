//! Annotation issues: each a named kind with a score in [0, 1] (lower is
//! worse), so they rank and threshold like the image issues.

use std::collections::HashMap;

use serde::Serialize;

use super::metrics::AnnotationMetrics;
use crate::stats::Fences;

/// The kinds of annotation issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationIssueKind {
    /// Two boxes of one class on the same object (possible double label).
    DuplicateLabel,
    /// A box too small to be a useful label.
    TinyBox,
    /// A box reaching outside its image.
    BoxOutOfImage,
    /// A box whose size or shape is far from the rest of its class.
    ShapeOutlier,
}

impl AnnotationIssueKind {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationIssueKind::DuplicateLabel => "duplicate_label",
            AnnotationIssueKind::TinyBox => "tiny_box",
            AnnotationIssueKind::BoxOutOfImage => "box_out_of_image",
            AnnotationIssueKind::ShapeOutlier => "shape_outlier",
        }
    }
}

/// One annotation issue.
#[derive(Debug, Clone, Serialize)]
pub struct AnnotationIssue {
    /// Position in the dataset's annotations.
    pub index: usize,
    /// The annotation's id.
    pub id: i64,
    /// Its image.
    pub sample_id: i64,
    /// The kind.
    pub kind: AnnotationIssueKind,
    /// In [0, 1]; lower is worse.
    pub score: f64,
    /// What is wrong, in words.
    pub explanation: String,
}

/// Where each annotation issue starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AnnotationThresholds {
    /// IoU with a same-class box at or above which both are duplicates.
    pub duplicate_iou: f64,
    /// Boxes with a side shorter than this many pixels are tiny.
    pub tiny_side: f64,
    /// Boxes with less of their area inside the image are out of it.
    pub min_inside: f64,
    /// Tukey multiplier for per-class outliers of log area and log aspect
    /// ratio.
    pub outlier_k: f64,
}

impl Default for AnnotationThresholds {
    fn default() -> Self {
        AnnotationThresholds {
            duplicate_iou: 0.9,
            tiny_side: 4.0,
            min_inside: 0.99,
            outlier_k: 3.0,
        }
    }
}

/// The issues among `metrics`, each annotation at most once per kind.
pub fn annotation_issues(
    metrics: &[AnnotationMetrics],
    t: &AnnotationThresholds,
) -> Vec<AnnotationIssue> {
    let mut out = Vec::new();
    let issue = |m: &AnnotationMetrics, kind, score: f64, explanation: String| AnnotationIssue {
        index: m.index,
        id: m.id,
        sample_id: m.sample_id,
        kind,
        score: score.clamp(0.0, 1.0),
        explanation,
    };
    for m in metrics.iter().filter(|m| !m.crowd) {
        if m.max_iou_same_class >= t.duplicate_iou {
            let other = m.overlaps_same_class.unwrap_or_default();
            let msg = format!(
                "overlaps annotation {other} of the same class with IoU {:.2}",
                m.max_iou_same_class
            );
            out.push(issue(
                m,
                AnnotationIssueKind::DuplicateLabel,
                1.0 - m.max_iou_same_class,
                msg,
            ));
        }
        let side = m.width.min(m.height);
        if side < t.tiny_side {
            let msg = format!("box is {:.1} x {:.1} pixels", m.width, m.height);
            out.push(issue(
                m,
                AnnotationIssueKind::TinyBox,
                side / t.tiny_side,
                msg,
            ));
        }
        if let Some(inside) = m.inside_fraction.filter(|&f| f < t.min_inside) {
            let msg = format!(
                "{:.0}% of the box lies outside the image",
                (1.0 - inside) * 100.0
            );
            out.push(issue(m, AnnotationIssueKind::BoxOutOfImage, inside, msg));
        }
    }
    out.extend(
        shape_outliers(metrics, t.outlier_k)
            .into_iter()
            .map(|(m, excess, what)| {
                let msg = format!("{what} is {excess:.1} IQRs beyond the usual range of its class");
                issue(
                    m,
                    AnnotationIssueKind::ShapeOutlier,
                    1.0 / (1.0 + excess),
                    msg,
                )
            }),
    );
    out
}

/// Boxes whose log area or log aspect ratio lies beyond Tukey's fences of
/// their class, with the larger excess and which measure it was.
fn shape_outliers(
    metrics: &[AnnotationMetrics],
    k: f64,
) -> Vec<(&AnnotationMetrics, f64, &'static str)> {
    let mut by_class: HashMap<i64, Vec<&AnnotationMetrics>> = HashMap::new();
    for m in metrics.iter().filter(|m| !m.crowd && m.area > 0.0) {
        by_class.entry(m.category_id).or_default().push(m);
    }
    let mut out = Vec::new();
    for members in by_class.values().filter(|v| v.len() >= 8) {
        let log_area: Vec<f64> = members.iter().map(|m| m.area.ln()).collect();
        let log_ratio: Vec<f64> = members.iter().map(|m| m.aspect_ratio.ln()).collect();
        // In log space, a spread below 0.25 (about 28%) is no spread.
        let fences = |v: &[f64]| Fences::of(v, k, 0.25);
        let (Some(fa), Some(fr)) = (fences(&log_area), fences(&log_ratio)) else {
            continue;
        };
        for (i, m) in members.iter().enumerate() {
            let (ea, er) = (fa.excess(log_area[i]), fr.excess(log_ratio[i]));
            if ea > 0.0 || er > 0.0 {
                let (excess, what) = if ea >= er {
                    (ea, "its area")
                } else {
                    (er, "its aspect ratio")
                };
                out.push((*m, excess, what));
            }
        }
    }
    out.sort_by_key(|(m, _, _)| m.index);
    out
}

//! assay's own decisions on top of the matches: which labels are wrong
//! (class or box) and which objects lack a label, with thresholds taken
//! from the data rather than fixed.
//!
//! - The confidence bar is the model's own: the `1 - keep_correct`
//!   quantile of the scores of its predictions that agree with the label
//!   they are matched to. Where a label is wrong and the model right, the
//!   model's prediction is a correct detection, so its score follows that
//!   distribution; the bar keeps `keep_correct` (90%) of such findings
//!   whatever the dataset, and is as high as the model's own confidence
//!   on what it gets right.
//! - Wrong class: a label matched (FiftyOne's class-agnostic matching at
//!   IoU 0.5) to a prediction of another class above a second bar, set for
//!   a precision target (default 0.8) as in false-discovery-rate control.
//!   A label error is as likely on an object the model sees clearly as on
//!   one it does not, so among matched pairs the share of wrong labels is
//!   about the same at every confidence; it is estimated where the model
//!   is surest (the pairs at or above the median confidence of the
//!   agreeing ones), where disagreements are nearly all the label's fault.
//!   Going down in confidence, the matched pairs above `s` hold about that
//!   share of wrong labels, and all their disagreements would be flagged:
//!   the estimated precision is the expected wrong labels over the
//!   disagreements. The bar is the lowest confidence (not below the first
//!   bar) at which that estimate still meets the target; where the model
//!   confuses classes by itself, disagreements outnumber the expected label
//!   errors and the bar rises.
//! - Box: the IoU between a label and the prediction of its class that
//!   explains it (its match, or, for a label left unmatched, the
//!   unmatched prediction above the bar that lies mostly, at least half,
//!   inside it: the object a loose box encloses) is an outlier below
//!   Tukey's lower fence (`Q1 - 1.5 IQR`) of those IoUs over the dataset:
//!   the model's own agreement with the boxes sets what is normal.
//! - Missing: an unmatched prediction above the bar that explains no label
//!   and duplicates no better prediction (IoU at least 0.5 with a more
//!   confident one, as non-maximum suppression would have it).

use serde::Serialize;

use super::matching::fiftyone_iou;
use super::scores::ImageMistakenness;
use crate::detection_labels::DetectionLabelInput;
use crate::stats::{percentile, Fences};

/// Settings of [`find_mistakes`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MistakeParams {
    /// Share of the model's agreeing predictions at or above the
    /// confidence bar (default 0.9).
    pub keep_correct: f64,
    /// Tukey fence factor on the label-prediction IoUs (default 1.5).
    pub iou_fence: f64,
    /// Share of a prediction inside a label for the label to explain it
    /// (default 0.5).
    pub inside: f64,
    /// Precision the wrong-class bar aims at (default 0.8).
    pub target_precision: f64,
}

impl Default for MistakeParams {
    fn default() -> Self {
        Self {
            keep_correct: 0.9,
            iou_fence: 1.5,
            inside: 0.5,
            target_precision: 0.8,
        }
    }
}

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MistakeKind {
    /// The label's class is not the object's.
    WrongClass,
    /// The label's box does not fit the object.
    BadBox,
    /// An object has no label.
    MissingLabel,
}

impl MistakeKind {
    /// The issue type's name.
    pub fn as_str(self) -> &'static str {
        match self {
            MistakeKind::WrongClass => "mistaken_class",
            MistakeKind::BadBox => "mistaken_box",
            MistakeKind::MissingLabel => "missing_label",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mistake {
    /// The image (position in the input).
    pub image: usize,
    /// What is wrong.
    pub kind: MistakeKind,
    /// The label concerned (none for a missing label).
    pub label: Option<usize>,
    /// The prediction that shows it.
    pub prediction: usize,
    /// The prediction's confidence.
    pub confidence: f64,
    /// The label-prediction IoU (0 for a missing label).
    pub iou: f64,
}

/// The findings with the thresholds they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MistakeReport {
    /// The confidence bar; `None` when no prediction agrees with a label.
    pub confidence_bar: Option<f64>,
    /// The wrong-class bar (infinite when no label looks wrong where the
    /// model is surest); `None` with no confidence bar.
    pub class_bar: Option<f64>,
    /// The estimated share of wrong classes among matched labels.
    pub wrong_class_rate: Option<f64>,
    /// Lower Tukey fence of the label-prediction IoUs; `None` without any.
    pub iou_fence: Option<f64>,
    /// The findings, image by image.
    pub mistakes: Vec<Mistake>,
}

/// Finds wrong classes, bad boxes and missing labels from the matches of
/// [`super::detection_mistakenness`] (`scored`, one per image of `input`).
pub fn find_mistakes(
    input: &DetectionLabelInput,
    scored: &[ImageMistakenness],
    params: &MistakeParams,
) -> MistakeReport {
    let mut agreeing = Vec::new();
    for (image, s) in input.images.iter().zip(scored) {
        for (g, m) in s.matches.labels.iter().enumerate() {
            if let Some((p, _)) = *m {
                if image.predictions[p].class == image.labels[g].class {
                    agreeing.push(image.predictions[p].score);
                }
            }
        }
    }
    let bar = percentile(&agreeing, 100.0 * (1.0 - params.keep_correct));
    let Some(bar) = bar else {
        return MistakeReport {
            confidence_bar: None,
            class_bar: None,
            wrong_class_rate: None,
            iou_fence: None,
            mistakes: Vec::new(),
        };
    };
    let (class_bar, rate) = class_bar(input, scored, &agreeing, bar, params.target_precision);
    // Per image: for each label, the prediction explaining its box.
    let explained: Vec<Vec<Option<(usize, f64)>>> = input
        .images
        .iter()
        .zip(scored)
        .map(|(image, s)| {
            let mut taken = vec![false; image.predictions.len()];
            image
                .labels
                .iter()
                .zip(&s.matches.labels)
                .map(|(label, m)| match *m {
                    Some((p, iou)) => {
                        let pred = &image.predictions[p];
                        (pred.class == label.class && pred.score >= bar).then_some((p, iou))
                    }
                    None => {
                        let best = image
                            .predictions
                            .iter()
                            .enumerate()
                            .filter(|&(p, pred)| {
                                !taken[p]
                                    && s.matches.predictions[p].is_none()
                                    && pred.class == label.class
                                    && pred.score >= bar
                                    && share_inside(&pred.bbox, &label.bbox) >= params.inside
                            })
                            .map(|(p, pred)| (p, fiftyone_iou(&label.bbox, &pred.bbox)))
                            .max_by(|a, b| a.1.total_cmp(&b.1));
                        if let Some((p, _)) = best {
                            taken[p] = true;
                        }
                        best
                    }
                })
                .collect()
        })
        .collect();
    let ious: Vec<f64> = explained.iter().flatten().flatten().map(|e| e.1).collect();
    let fence = Fences::of(&ious, params.iou_fence, 0.0).map(|f| f.low);
    let mut mistakes = Vec::new();
    for (i, (image, s)) in input.images.iter().zip(scored).enumerate() {
        for (g, label) in image.labels.iter().enumerate() {
            if let Some((p, iou)) = s.matches.labels[g] {
                let pred = &image.predictions[p];
                if pred.class != label.class && pred.score >= class_bar {
                    mistakes.push(Mistake {
                        image: i,
                        kind: MistakeKind::WrongClass,
                        label: Some(g),
                        prediction: p,
                        confidence: pred.score,
                        iou,
                    });
                }
            }
            if let (Some((p, iou)), Some(fence)) = (explained[i][g], fence) {
                if iou < fence {
                    mistakes.push(Mistake {
                        image: i,
                        kind: MistakeKind::BadBox,
                        label: Some(g),
                        prediction: p,
                        confidence: image.predictions[p].score,
                        iou,
                    });
                }
            }
        }
        let explains: Vec<bool> = (0..image.predictions.len())
            .map(|p| explained[i].iter().flatten().any(|e| e.0 == p))
            .collect();
        for (p, pred) in image.predictions.iter().enumerate() {
            if s.matches.predictions[p].is_some() || explains[p] || pred.score < bar {
                continue;
            }
            let duplicate = image.predictions.iter().enumerate().any(|(q, other)| {
                q != p
                    && (other.score > pred.score || (other.score == pred.score && q < p))
                    && fiftyone_iou(&other.bbox, &pred.bbox) >= 0.5
            });
            if !duplicate {
                mistakes.push(Mistake {
                    image: i,
                    kind: MistakeKind::MissingLabel,
                    label: None,
                    prediction: p,
                    confidence: pred.score,
                    iou: 0.0,
                });
            }
        }
    }
    MistakeReport {
        confidence_bar: Some(bar),
        class_bar: Some(class_bar),
        wrong_class_rate: rate,
        iou_fence: fence,
        mistakes,
    }
}

/// The share of `inner`'s area inside `outer` (0 for an empty `inner`).
fn share_inside(inner: &assay_core::geometry::BBox, outer: &assay_core::geometry::BBox) -> f64 {
    let w = (inner.x + inner.w).min(outer.x + outer.w) - inner.x.max(outer.x);
    let h = (inner.y + inner.h).min(outer.y + outer.h) - inner.y.max(outer.y);
    let area = inner.w * inner.h;
    if w <= 0.0 || h <= 0.0 || area <= 0.0 {
        return 0.0;
    }
    (w * h / area).min(1.0)
}

/// The wrong-class bar and the estimated share of wrong classes (see the
/// module's notes).
fn class_bar(
    input: &DetectionLabelInput,
    scored: &[ImageMistakenness],
    agreeing: &[f64],
    bar: f64,
    target: f64,
) -> (f64, Option<f64>) {
    // (confidence, disagrees) of every matched pair, most confident first.
    let mut pairs: Vec<(f64, bool)> = input
        .images
        .iter()
        .zip(scored)
        .flat_map(|(image, s)| {
            s.matches.labels.iter().enumerate().filter_map(|(g, m)| {
                m.map(|(p, _)| {
                    let pred = &image.predictions[p];
                    (pred.score, pred.class != image.labels[g].class)
                })
            })
        })
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some(median) = percentile(agreeing, 50.0) else {
        return (f64::INFINITY, None);
    };
    let top: Vec<&(f64, bool)> = pairs.iter().filter(|p| p.0 >= median).collect();
    let rate = top.iter().filter(|p| p.1).count() as f64 / top.len().max(1) as f64;
    let mut best = f64::INFINITY;
    let (mut n, mut k) = (0usize, 0usize);
    let mut i = 0;
    while i < pairs.len() {
        let s = pairs[i].0;
        while i < pairs.len() && pairs[i].0 == s {
            n += 1;
            k += usize::from(pairs[i].1);
            i += 1;
        }
        if s < bar {
            break;
        }
        if k > 0 && rate * n as f64 / k as f64 >= target {
            best = s;
        }
    }
    (best, Some(rate))
}

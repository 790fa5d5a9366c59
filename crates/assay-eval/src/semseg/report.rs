//! Metrics from dataset totals, as mmseg's `total_area_to_metrics`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::accumulator::{Areas, Settings};

/// Semantic segmentation metrics over a dataset.
///
/// Metrics are fractions in `[0, 1]`, NaN (serialized as `null`) where the
/// denominator is 0: the recall of a class never labelled, the precision of
/// a class never predicted, aAcc and the means when no pixel is labelled.
/// Metric fields are serialized under mmseg's names (`aAcc`, `mIoU`, ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SemsegReport {
    /// Number of classes.
    pub num_classes: usize,
    /// The label value whose pixels were left out.
    pub ignore_index: u32,
    /// Whether labels were remapped with mmseg's `reduce_zero_label`.
    pub reduce_zero_label: bool,
    /// Images added.
    pub images: u64,
    /// Pixels whose label is not the ignore index.
    pub evaluated_pixels: u64,
    /// Pixels left out because their label is the ignore index.
    pub ignored_pixels: u64,
    /// Evaluated pixels whose label is a class index: the aAcc denominator.
    pub labelled_pixels: u64,
    /// Evaluated pixels whose prediction is not a class index (not counted
    /// in any class's predicted area, as in mmseg).
    pub out_of_range_predictions: u64,
    /// Evaluated pixels whose label is not a class index (not counted in any
    /// class's labelled area, as in mmseg).
    pub out_of_range_labels: u64,
    /// Pixel accuracy: correctly predicted over labelled pixels.
    #[serde(rename = "aAcc", with = "nan_as_null")]
    pub a_acc: f64,
    /// Mean IoU over classes with a defined IoU.
    #[serde(rename = "mIoU", with = "nan_as_null")]
    pub m_iou: f64,
    /// Mean per-class accuracy (recall) over labelled classes.
    #[serde(rename = "mAcc", with = "nan_as_null")]
    pub m_acc: f64,
    /// Mean Dice over classes with a defined Dice.
    #[serde(rename = "mDice", with = "nan_as_null")]
    pub m_dice: f64,
    /// Mean F-score (β = 1) over classes with a defined F-score.
    #[serde(rename = "mFscore", with = "nan_as_null")]
    pub m_fscore: f64,
    /// Mean precision over predicted classes.
    #[serde(rename = "mPrecision", with = "nan_as_null")]
    pub m_precision: f64,
    /// Mean recall over labelled classes (equal to `m_acc`).
    #[serde(rename = "mRecall", with = "nan_as_null")]
    pub m_recall: f64,
    /// One entry per class, in index order.
    pub classes: Vec<ClassMetrics>,
}

/// Areas and metrics of one class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Class index.
    pub class: usize,
    /// Class name, when names were given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Pixels labelled and predicted as this class.
    pub area_intersect: u64,
    /// Pixels labelled or predicted as this class.
    pub area_union: u64,
    /// Pixels predicted as this class (label not ignored).
    pub area_pred_label: u64,
    /// Pixels labelled as this class.
    pub area_label: u64,
    /// Intersection over union; NaN when the class is neither labelled nor
    /// predicted.
    #[serde(rename = "IoU", with = "nan_as_null")]
    pub iou: f64,
    /// Accuracy, i.e. recall: intersection over labelled; NaN when never
    /// labelled.
    #[serde(rename = "Acc", with = "nan_as_null")]
    pub acc: f64,
    /// Dice, `2 * intersection / (predicted + labelled)`; NaN when neither.
    #[serde(rename = "Dice", with = "nan_as_null")]
    pub dice: f64,
    /// F-score with β = 1 from precision and recall, as mmseg computes it:
    /// NaN when either is NaN or both are 0.
    #[serde(rename = "Fscore", with = "nan_as_null")]
    pub fscore: f64,
    /// Intersection over predicted; NaN when never predicted.
    #[serde(rename = "Precision", with = "nan_as_null")]
    pub precision: f64,
    /// Intersection over labelled; NaN when never labelled.
    #[serde(rename = "Recall", with = "nan_as_null")]
    pub recall: f64,
}

impl SemsegReport {
    pub(super) fn new(settings: &Settings, names: Option<&[String]>, areas: &Areas) -> Self {
        let classes: Vec<ClassMetrics> = (0..settings.num_classes)
            .map(|class| {
                let name = names.and_then(|n| n.get(class).cloned());
                ClassMetrics::new(class, name, areas)
            })
            .collect();
        let labelled: u64 = areas.label.iter().sum();
        let mean = |metric: fn(&ClassMetrics) -> f64| nanmean(classes.iter().map(metric));
        Self {
            num_classes: settings.num_classes,
            ignore_index: settings.ignore_index,
            reduce_zero_label: settings.reduce_zero_label,
            images: areas.images,
            evaluated_pixels: areas.evaluated,
            ignored_pixels: areas.ignored,
            labelled_pixels: labelled,
            out_of_range_predictions: areas.pred_out_of_range,
            out_of_range_labels: areas.label_out_of_range,
            a_acc: ratio(areas.intersect.iter().sum(), labelled),
            m_iou: mean(|c| c.iou),
            m_acc: mean(|c| c.acc),
            m_dice: mean(|c| c.dice),
            m_fscore: mean(|c| c.fscore),
            m_precision: mean(|c| c.precision),
            m_recall: mean(|c| c.recall),
            classes,
        }
    }

    /// Whether any pixel had a class label; without one every metric is NaN.
    pub fn has_labelled_pixels(&self) -> bool {
        self.labelled_pixels > 0
    }
}

impl ClassMetrics {
    fn new(class: usize, name: Option<String>, areas: &Areas) -> Self {
        let intersect = areas.intersect[class];
        let pred = areas.pred[class];
        let label = areas.label[class];
        let union = pred + label - intersect;
        let precision = ratio(intersect, pred);
        let recall = ratio(intersect, label);
        Self {
            class,
            name,
            area_intersect: intersect,
            area_union: union,
            area_pred_label: pred,
            area_label: label,
            iou: ratio(intersect, union),
            acc: recall,
            dice: ratio(2 * intersect, pred + label),
            fscore: f_score(precision, recall),
            precision,
            recall,
        }
    }
}

/// `n / d` in f64 (0 / 0 is NaN, as numpy's).
fn ratio(n: u64, d: u64) -> f64 {
    n as f64 / d as f64
}

/// mmseg's `f_score` with β = 1, operation for operation.
fn f_score(precision: f64, recall: f64) -> f64 {
    2.0 * (precision * recall) / (precision + recall)
}

/// Mean of the values that are not NaN; NaN if there are none (`np.nanmean`).
fn nanmean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values
        .filter(|v| !v.is_nan())
        .fold((0.0, 0u64), |(sum, count), v| (sum + v, count + 1));
    sum / count as f64
}

impl fmt::Display for SemsegReport {
    /// One line: the means, or why there are none; plus counts worth a look.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} images, {} pixels evaluated, {} ignored: ",
            self.images, self.evaluated_pixels, self.ignored_pixels
        )?;
        if self.has_labelled_pixels() {
            write!(
                f,
                "aAcc {:.4}, mIoU {:.4}, mAcc {:.4}, mDice {:.4}, mFscore {:.4}",
                self.a_acc, self.m_iou, self.m_acc, self.m_dice, self.m_fscore
            )?;
        } else {
            write!(f, "no labelled pixels, so no metrics")?;
        }
        if self.out_of_range_predictions > 0 || self.out_of_range_labels > 0 {
            write!(
                f,
                "; not class indices (left out): {} predicted, {} labels",
                self.out_of_range_predictions, self.out_of_range_labels
            )?;
        }
        Ok(())
    }
}

/// Serde for `f64` with NaN as `null`, in every format.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_nan() {
            serializer.serialize_none()
        } else {
            serializer.serialize_some(value)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
    }
}

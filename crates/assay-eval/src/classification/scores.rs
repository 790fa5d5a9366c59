//! Precision, recall, F1 and support, per class and averaged, as
//! scikit-learn 1.9's `precision_recall_fscore_support` computes them.

use serde::Serialize;

use super::confusion::ConfusionMatrix;
use super::error::Result;

/// The value a score takes when its denominator is zero (scikit-learn's
/// `zero_division`), e.g. the precision of a class that is never predicted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ZeroDivision {
    /// 0.0: scikit-learn's default `"warn"` (which also warns) and `0.0`.
    #[default]
    #[cfg_attr(feature = "clap", value(name = "0"))]
    Zero,
    /// 1.0: scikit-learn's `zero_division=1.0`.
    #[cfg_attr(feature = "clap", value(name = "1"))]
    One,
    /// NaN: scikit-learn's `zero_division=np.nan`; averages then skip the
    /// undefined scores.
    Nan,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
            ZeroDivision::Nan => f64::NAN,
        }
    }
}

/// Which classes get per-class scores and enter the averages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum LabelSet {
    /// The classes occurring among the true or the predicted classes:
    /// scikit-learn's default when `labels` is not given. (torchmetrics'
    /// macro average also leaves out classes with no true positive, false
    /// positive or false negative, which are these same classes.)
    #[default]
    Present,
    /// All `num_classes` classes: scikit-learn with
    /// `labels=range(num_classes)`.
    All,
}

/// How per-class scores are combined into one (scikit-learn's `average`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Average {
    /// The unweighted mean over the classes of the [`LabelSet`] (NaN scores
    /// skipped).
    Macro,
    /// Scores of the pooled counts of the classes of the [`LabelSet`]; for
    /// single-label data with every class included it equals accuracy.
    Micro,
    /// The mean weighted by support (NaN scores skipped; an unweighted mean
    /// when the remaining supports sum to zero).
    Weighted,
}

/// Options of the precision / recall / F1 computation. The default matches
/// scikit-learn's defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScoreOptions {
    /// Which classes are scored and averaged.
    pub labels: LabelSet,
    /// The value of a score whose denominator is zero.
    pub zero_division: ZeroDivision,
}

/// The scores of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassScores {
    /// The class index.
    pub class: usize,
    /// True positives over predicted positives.
    pub precision: f64,
    /// True positives over actual positives.
    pub recall: f64,
    /// The harmonic mean of precision and recall, computed as
    /// `2 tp / (2 tp + fp + fn)`.
    pub f1: f64,
    /// The number of samples whose true class is this one.
    pub support: u64,
}

/// Precision, recall and F1 combined over classes by one [`Average`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AverageScores {
    /// The averaged precision.
    pub precision: f64,
    /// The averaged recall.
    pub recall: f64,
    /// The averaged F1 (the average of the per-class F1s for macro and
    /// weighted, not the F1 of averaged precision and recall).
    pub f1: f64,
}

/// Per-class scores and their three averages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrecisionRecallF1 {
    /// One entry per class of the [`LabelSet`], by increasing class index.
    pub per_class: Vec<ClassScores>,
    /// The unweighted mean over classes.
    pub macro_avg: AverageScores,
    /// Scores of the pooled counts.
    pub micro_avg: AverageScores,
    /// The support-weighted mean over classes.
    pub weighted_avg: AverageScores,
}

impl PrecisionRecallF1 {
    /// Computes every score from a confusion matrix.
    pub fn from_confusion(confusion: &ConfusionMatrix, options: &ScoreOptions) -> Self {
        let classes: Vec<usize> = (0..confusion.num_classes())
            .filter(|&c| options.labels == LabelSet::All || confusion.is_present(c))
            .collect();
        let zero = options.zero_division;
        let per_class: Vec<ClassScores> = classes
            .iter()
            .map(|&c| class_scores(confusion, c, zero))
            .collect();
        Self {
            macro_avg: mean_scores(&per_class, false),
            micro_avg: micro_scores(confusion, &classes, zero),
            weighted_avg: mean_scores(&per_class, true),
            per_class,
        }
    }

    /// The scores of one averaging method.
    pub fn average(&self, average: Average) -> AverageScores {
        match average {
            Average::Macro => self.macro_avg,
            Average::Micro => self.micro_avg,
            Average::Weighted => self.weighted_avg,
        }
    }
}

/// Per-class precision, recall, F1 and support with their macro, micro and
/// weighted averages (scikit-learn's `precision_recall_fscore_support` with
/// `average=None`, `'macro'`, `'micro'` and `'weighted'`).
pub fn precision_recall_f1_support(
    labels: &[usize],
    predicted: &[usize],
    num_classes: usize,
    options: &ScoreOptions,
) -> Result<PrecisionRecallF1> {
    let confusion = ConfusionMatrix::new(labels, predicted, num_classes)?;
    Ok(PrecisionRecallF1::from_confusion(&confusion, options))
}

/// The averaged F1 score (scikit-learn's `f1_score`).
pub fn f1_score(
    labels: &[usize],
    predicted: &[usize],
    num_classes: usize,
    average: Average,
    options: &ScoreOptions,
) -> Result<f64> {
    let scores = precision_recall_f1_support(labels, predicted, num_classes, options)?;
    Ok(scores.average(average).f1)
}

fn class_scores(confusion: &ConfusionMatrix, class: usize, zero: ZeroDivision) -> ClassScores {
    let tp = confusion.true_positives(class);
    let support = confusion.support(class);
    let predicted = confusion.predicted_count(class);
    ClassScores {
        class,
        precision: divide(tp, predicted, zero),
        recall: divide(tp, support, zero),
        f1: divide(2 * tp, support + predicted, zero),
        support,
    }
}

fn micro_scores(
    confusion: &ConfusionMatrix,
    classes: &[usize],
    zero: ZeroDivision,
) -> AverageScores {
    let sum = |count: fn(&ConfusionMatrix, usize) -> u64| -> u64 {
        classes.iter().map(|&c| count(confusion, c)).sum()
    };
    let tp = sum(ConfusionMatrix::true_positives);
    let support = sum(ConfusionMatrix::support);
    let predicted = sum(ConfusionMatrix::predicted_count);
    AverageScores {
        precision: divide(tp, predicted, zero),
        recall: divide(tp, support, zero),
        f1: divide(2 * tp, support + predicted, zero),
    }
}

fn divide(numerator: u64, denominator: u64, zero: ZeroDivision) -> f64 {
    if denominator == 0 {
        zero.value()
    } else {
        numerator as f64 / denominator as f64
    }
}

/// Macro (unweighted) or support-weighted means of each score.
fn mean_scores(per_class: &[ClassScores], weighted: bool) -> AverageScores {
    let mean = |score: fn(&ClassScores) -> f64| {
        let pairs = per_class.iter().map(|s| {
            let weight = if weighted { s.support as f64 } else { 1.0 };
            (score(s), weight)
        });
        nan_weighted_mean(pairs)
    };
    AverageScores {
        precision: mean(|s| s.precision),
        recall: mean(|s| s.recall),
        f1: mean(|s| s.f1),
    }
}

/// scikit-learn's `_nanaverage`: NaN values are dropped with their weights;
/// NaN when nothing is left; an unweighted mean when the weights left sum
/// to zero.
fn nan_weighted_mean(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let kept: Vec<(f64, f64)> = pairs.filter(|(v, _)| !v.is_nan()).collect();
    if kept.is_empty() {
        return f64::NAN;
    }
    let total_weight: f64 = kept.iter().map(|(_, w)| w).sum();
    if total_weight == 0.0 {
        return kept.iter().map(|(v, _)| v).sum::<f64>() / kept.len() as f64;
    }
    kept.iter().map(|(v, w)| v * w).sum::<f64>() / total_weight
}

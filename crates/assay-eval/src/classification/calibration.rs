//! Calibration: the top-label calibration error of torchmetrics
//! (`MulticlassCalibrationError`) and scikit-learn's Brier score.

use serde::Serialize;

use super::accuracy::argmax;
use super::error::{check_probabilities, ClassificationError, Result};

/// torchmetrics' default number of calibration bins.
pub const DEFAULT_BINS: usize = 15;

/// How the per-bin gaps |accuracy - confidence| are combined (torchmetrics'
/// `norm`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum CalibrationNorm {
    /// Expected calibration error (ECE): the gaps weighted by the fraction of
    /// samples in each bin, summed.
    #[default]
    L1,
    /// Root-mean-square calibration error: the square root of the squared
    /// gaps weighted by the fraction of samples in each bin (torchmetrics
    /// without debiasing).
    L2,
    /// Maximum calibration error (MCE): the largest gap over all bins (empty
    /// bins count as 0).
    Max,
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Smallest confidence in the bin (included).
    pub lower: f64,
    /// Upper end: excluded, except for the last bin, which holds exactly the
    /// confidences equal to 1 (`lower == upper == 1`).
    pub upper: f64,
    /// The number of samples in the bin.
    pub count: u64,
    /// Mean confidence (largest probability) of the samples in the bin; 0
    /// when empty.
    pub mean_confidence: f64,
    /// Fraction of the samples in the bin whose most probable class is the
    /// true class; 0 when empty.
    pub accuracy: f64,
}

/// The bin edges torchmetrics uses: `torch.linspace(0, 1, n_bins + 1)` in
/// float32, widened to f64.
///
/// torch (checked with 2.15, CPU) computes the step `1 / n_bins` in float32, then each
/// edge in double precision from the nearer end (`step * i` for the first
/// half, `1 - step * (n_bins - i)` for the rest) and rounds it to float32.
/// The edges are therefore not the exact fractions `i / n_bins`: the fourth
/// of 16 edges is 0.2000000179, above the float32 value 0.2000000030, which
/// so falls in the bin below.
pub fn bin_edges(n_bins: usize) -> Vec<f64> {
    let steps = n_bins + 1;
    let step = f64::from(1.0f32 / n_bins as f32);
    (0..steps)
        .map(|i| {
            let edge = if i < steps / 2 {
                step * i as f64
            } else {
                1.0 - step * (steps - 1 - i) as f64
            };
            f64::from(edge as f32)
        })
        .collect()
}

/// The reliability diagram behind [`calibration_error`]: `n_bins + 1` bins,
/// torchmetrics' `n_bins` uniform ones and a last one for confidence 1.
///
/// Each sample's confidence is its largest probability and it counts as
/// correct when its first most probable class (torch's `max(dim=1)`) is the
/// true class. Sample `i` goes to bin `b` when `edges[b] <= c < edges[b + 1]`
/// (`torch.bucketize(..., right=True) - 1`); the comparison uses the
/// confidence rounded to float32, as torchmetrics casts it, while the means
/// use the full value.
pub fn calibration_bins(
    labels: &[usize],
    probs: &[f64],
    num_classes: usize,
    n_bins: usize,
) -> Result<Vec<CalibrationBin>> {
    check_probabilities(labels, probs, num_classes)?;
    if n_bins == 0 {
        return Err(ClassificationError::ZeroBins);
    }
    let edges = bin_edges(n_bins);
    let mut bins: Vec<CalibrationBin> = (0..edges.len())
        .map(|b| CalibrationBin::empty(edges[b], edges.get(b + 1).copied().unwrap_or(1.0)))
        .collect();
    for (&label, row) in labels.iter().zip(probs.chunks_exact(num_classes)) {
        let best = argmax(row);
        let confidence = row[best];
        let rounded = f64::from(confidence as f32);
        let bin = edges.partition_point(|&e| e <= rounded) - 1;
        // Sums for now; `finish` turns them into means.
        bins[bin].count += 1;
        bins[bin].mean_confidence += confidence;
        bins[bin].accuracy += f64::from(u8::from(best == label));
    }
    Ok(bins.into_iter().map(CalibrationBin::finish).collect())
}

impl CalibrationBin {
    fn empty(lower: f64, upper: f64) -> Self {
        Self {
            lower,
            upper,
            count: 0,
            mean_confidence: 0.0,
            accuracy: 0.0,
        }
    }

    /// Divides the sums gathered in the mean fields by the count.
    fn finish(self) -> Self {
        let mean = |sum: f64| {
            if self.count == 0 {
                0.0
            } else {
                sum / self.count as f64
            }
        };
        Self {
            mean_confidence: mean(self.mean_confidence),
            accuracy: mean(self.accuracy),
            ..self
        }
    }
}

/// The top-label calibration error of torchmetrics'
/// `MulticlassCalibrationError(num_classes, n_bins, norm)` (see
/// [`calibration_bins`] for the binning).
///
/// `probs` is a row-major `labels.len() x num_classes` matrix of
/// probabilities in `[0, 1]` (torchmetrics would apply a softmax to values
/// outside; here they are an error). torchmetrics accumulates in float32, so
/// its results differ from these in about the seventh digit.
///
/// torchmetrics' `BinaryCalibrationError` is a different quantity: it bins
/// the probability of the positive class and compares it with the fraction
/// of positive labels, not the top-label confidence with the top-label
/// accuracy.
pub fn calibration_error(
    labels: &[usize],
    probs: &[f64],
    num_classes: usize,
    n_bins: usize,
    norm: CalibrationNorm,
) -> Result<f64> {
    let bins = calibration_bins(labels, probs, num_classes, n_bins)?;
    let total = labels.len() as f64;
    let gaps = bins.iter().map(|b| {
        let gap = (b.accuracy - b.mean_confidence).abs();
        (gap, b.count as f64 / total)
    });
    Ok(match norm {
        CalibrationNorm::L1 => gaps.map(|(gap, share)| gap * share).sum(),
        CalibrationNorm::L2 => gaps
            .map(|(gap, share)| gap * gap * share)
            .sum::<f64>()
            .sqrt(),
        CalibrationNorm::Max => gaps.map(|(gap, _)| gap).fold(0.0, f64::max),
    })
}

/// The expected calibration error with torchmetrics' defaults: 15 bins, L1.
pub fn expected_calibration_error(
    labels: &[usize],
    probs: &[f64],
    num_classes: usize,
) -> Result<f64> {
    calibration_error(
        labels,
        probs,
        num_classes,
        DEFAULT_BINS,
        CalibrationNorm::L1,
    )
}

/// Whether the Brier score is halved (scikit-learn's `scale_by_half`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum BrierScale {
    /// scikit-learn's `"auto"`: halved for two classes (range `[0, 1]`), not
    /// for more (range `[0, 2]`).
    #[default]
    Auto,
    /// Never halved.
    Full,
    /// Always halved.
    Half,
}

/// The Brier score of scikit-learn 1.9's `brier_score_loss(labels, probs,
/// labels=range(num_classes), scale_by_half=...)`: the mean over samples of
/// the sum over classes of `(p_ic - y_ic)^2`, where `y_ic` is 1 for the true
/// class and 0 otherwise, halved as `scale` says.
///
/// torchmetrics has no Brier score. `probs` is a row-major
/// `labels.len() x num_classes` matrix of probabilities in `[0, 1]`; rows
/// need not sum to 1 (scikit-learn only warns).
pub fn brier_score(
    labels: &[usize],
    probs: &[f64],
    num_classes: usize,
    scale: BrierScale,
) -> Result<f64> {
    check_probabilities(labels, probs, num_classes)?;
    let squared_error = |(&label, row): (&usize, &[f64])| -> f64 {
        let one_hot = |c: usize| if c == label { 1.0 } else { 0.0 };
        row.iter()
            .enumerate()
            .map(|(c, p)| (one_hot(c) - p).powi(2))
            .sum()
    };
    let rows = labels.iter().zip(probs.chunks_exact(num_classes));
    let mean = rows.map(squared_error).sum::<f64>() / labels.len() as f64;
    let halve = match scale {
        BrierScale::Auto => num_classes < 3,
        BrierScale::Full => false,
        BrierScale::Half => true,
    };
    Ok(if halve { mean * 0.5 } else { mean })
}

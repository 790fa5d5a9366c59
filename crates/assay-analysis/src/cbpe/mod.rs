//! Confidence-based performance estimation (CBPE) of a classifier's
//! accuracy, as NannyML 0.13.1 computes it: how accurate the model is on
//! data without labels, estimated from its (calibrated) confidence.
//!
//! [`Cbpe::fit`] learns from labelled reference data; [`Cbpe::estimate`]
//! then estimates the accuracy of any chunk of predictions, labelled or
//! not. What NannyML does, and this module with it:
//!
//! - **Calibration** ([`Calibration::Auto`]): per class (the positive
//!   class for two classes; each class one-vs-rest otherwise) NannyML's
//!   `needs_calibration` check compares the expected calibration error of
//!   the raw scores with that of isotonically calibrated ones over ten
//!   seeded stratified splits of the reference data (scikit-learn's
//!   splits and NumPy's random draws reproduced exactly), and fits an
//!   isotonic calibrator (scikit-learn's `IsotonicRegression`, clipped
//!   outside the fitted range) on all the reference data where it helps.
//!   With more than two classes the calibrated probabilities of a row are
//!   divided by their sum (uniform `1/k` when the sum is 0).
//! - **Estimated accuracy** of a chunk of `n` rows: for two classes
//!   `(Σ_{pred=1} p + Σ_{pred=0} (1 - p)) / n` with `p` the calibrated
//!   positive-class probability; for more, the mean calibrated
//!   probability of the predicted class.
//! - **Sampling error**: the standard deviation (`ddof=0`) of the
//!   reference rows' correctness (prediction equals label) over `√n`.
//! - **Confidence bounds**: the estimate ± 3 sampling errors, clipped to
//!   `[0, 1]`.
//! - **Thresholds**: the reference data is cut into chunks of
//!   [`CbpeOptions::chunk_size`] rows (the remainder its own last chunk);
//!   the realized accuracies of those chunks give `mean ± 3 std`
//!   (NaN-skipping, `ddof=0`), clipped to `[0, 1]`. A chunk's estimate
//!   outside them raises an alert.
//! - **Realized accuracy**, where labels exist: the share of labelled
//!   rows predicted right; with more than two classes NannyML gives none
//!   when the chunk's labels, or its predictions, take a single value.
//!
//! Sums are NumPy's pairwise sums and sorts NumPy's portable introsort
//! (whose order of tied scores decides which labels share a calibration
//! bin), so results equal NannyML's to the last bits where NumPy runs
//! that sort. NumPy's SIMD sorts on x86-64 (AVX2, AVX-512) order tied
//! scores differently, which can flip NannyML's own calibration decision
//! when the two errors it compares are nearly equal; the parity test
//! runs NumPy with those sorts disabled.

mod calibration;
pub mod isotonic;
mod numpy;

use std::ops::Range;

use assay_eval::numeric::pairwise_sum;

use isotonic::Isotonic;
use numpy::nan_mean_std;

/// NannyML's multiplier of the sampling error for the confidence bounds
/// (`SAMPLING_ERROR_RANGE`).
const SAMPLING_ERROR_RANGE: f64 = 3.0;
/// The multiplier of the reference chunks' standard deviation for the
/// alert thresholds (`StandardDeviationThreshold`'s default).
const THRESHOLD_STD_MULTIPLIER: f64 = 3.0;

/// Why CBPE cannot fit or estimate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CbpeError {
    /// Fewer than two classes.
    #[error("a classifier needs at least 2 classes, got {0}")]
    TooFewClasses(usize),
    /// The probabilities do not fill whole rows.
    #[error("{len} probabilities do not make whole rows of {classes} classes")]
    RaggedProbabilities {
        /// How many probabilities there are.
        len: usize,
        /// The number of classes (row length).
        classes: usize,
    },
    /// A probability is NaN or infinite.
    #[error("row {row}: the probability of class {class} is {value}, not a finite number")]
    NonFiniteProbability {
        /// The row.
        row: usize,
        /// The class (column).
        class: usize,
        /// The value.
        value: f64,
    },
    /// Predictions or labels of the wrong length.
    #[error("{what}: {got} entries for {rows} rows of probabilities")]
    LengthMismatch {
        /// `"predicted classes"` or `"labels"`.
        what: &'static str,
        /// How many entries were given.
        got: usize,
        /// How many rows the probabilities have.
        rows: usize,
    },
    /// A predicted class or label outside `0..classes`.
    #[error("row {row}: {what} {class} is not one of the {classes} classes (0 to {})", classes - 1)]
    UnknownClass {
        /// The row.
        row: usize,
        /// `"predicted class"` or `"label"`.
        what: &'static str,
        /// The class given.
        class: usize,
        /// The number of classes.
        classes: usize,
    },
    /// The reference data has no rows.
    #[error("the reference data has no rows")]
    EmptyReference,
    /// A reference row has no label.
    #[error("reference row {row} has no label; CBPE fits on fully labelled reference data")]
    MissingReferenceLabel {
        /// The first unlabelled row.
        row: usize,
    },
    /// A chunk to estimate has no rows.
    #[error("the chunk has no rows; there is no accuracy to estimate")]
    EmptyChunk,
    /// A chunk size of zero.
    #[error("the chunk size must be at least 1")]
    ZeroChunkSize,
    /// Data with another number of classes than the reference.
    #[error("the data has {got} classes but the estimator was fitted on {expected}")]
    ClassCountMismatch {
        /// The reference's number of classes.
        expected: usize,
        /// The data's.
        got: usize,
    },
    /// NannyML's calibration check cannot run on the reference data (as
    /// NannyML's fit fails on it).
    #[error("cannot check whether class {class} needs calibration: {reason}")]
    CalibrationCheck {
        /// The class (for two classes, 1: the positive class).
        class: usize,
        /// Why, in words.
        reason: String,
    },
}

/// A classifier's outputs on some rows: per-class probabilities, the
/// predicted class and, where known, the true class.
///
/// With two classes, column 1 is the positive class's probability (what
/// NannyML's binary `y_pred_proba` column holds; column 0 is not used).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierRows {
    /// Row-major, `rows × classes`.
    probabilities: Vec<f64>,
    classes: usize,
    predicted: Vec<usize>,
    labels: Vec<Option<usize>>,
}

impl ClassifierRows {
    /// Rows from row-major `probabilities` (`classes` per row, all
    /// finite), predicted class the first largest probability
    /// (`np.argmax`), no labels.
    pub fn new(probabilities: Vec<f64>, classes: usize) -> Result<ClassifierRows, CbpeError> {
        if classes < 2 {
            return Err(CbpeError::TooFewClasses(classes));
        }
        if !probabilities.len().is_multiple_of(classes) {
            return Err(CbpeError::RaggedProbabilities {
                len: probabilities.len(),
                classes,
            });
        }
        if let Some(i) = probabilities.iter().position(|p| !p.is_finite()) {
            return Err(CbpeError::NonFiniteProbability {
                row: i / classes,
                class: i % classes,
                value: probabilities[i],
            });
        }
        let predicted = probabilities
            .chunks_exact(classes)
            .map(|row| {
                let mut best = 0;
                for (j, &p) in row.iter().enumerate() {
                    if p > row[best] {
                        best = j;
                    }
                }
                best
            })
            .collect();
        let rows = probabilities.len() / classes;
        Ok(ClassifierRows {
            probabilities,
            classes,
            predicted,
            labels: vec![None; rows],
        })
    }

    /// The same rows with the model's own predicted classes (NannyML's
    /// `y_pred`, which it takes apart from the probabilities).
    pub fn with_predicted(mut self, predicted: Vec<usize>) -> Result<ClassifierRows, CbpeError> {
        self.check_classes(
            "predicted class",
            predicted.iter().map(|&c| Some(c)),
            predicted.len(),
        )?;
        self.predicted = predicted;
        Ok(self)
    }

    /// The same rows with true classes (`None`: unknown for that row).
    pub fn with_labels(mut self, labels: Vec<Option<usize>>) -> Result<ClassifierRows, CbpeError> {
        self.check_classes("label", labels.iter().copied(), labels.len())?;
        self.labels = labels;
        Ok(self)
    }

    fn check_classes(
        &self,
        what: &'static str,
        classes: impl Iterator<Item = Option<usize>>,
        got: usize,
    ) -> Result<(), CbpeError> {
        if got != self.len() {
            return Err(CbpeError::LengthMismatch {
                what,
                got,
                rows: self.len(),
            });
        }
        for (row, class) in classes.enumerate() {
            if let Some(class) = class.filter(|&c| c >= self.classes) {
                return Err(CbpeError::UnknownClass {
                    row,
                    what,
                    class,
                    classes: self.classes,
                });
            }
        }
        Ok(())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.predicted.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.predicted.is_empty()
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The probabilities of row `i`.
    ///
    /// # Panics
    /// When `i >= len()`.
    pub fn probabilities(&self, i: usize) -> &[f64] {
        &self.probabilities[i * self.classes..(i + 1) * self.classes]
    }

    /// The predicted classes.
    pub fn predicted(&self) -> &[usize] {
        &self.predicted
    }

    /// The true classes, `None` where unknown.
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// The rows in `range`.
    ///
    /// # Panics
    /// When `range` does not lie within `0..len()`.
    pub fn slice(&self, range: Range<usize>) -> ClassifierRows {
        let k = self.classes;
        ClassifierRows {
            probabilities: self.probabilities[range.start * k..range.end * k].to_vec(),
            classes: k,
            predicted: self.predicted[range.clone()].to_vec(),
            labels: self.labels[range].to_vec(),
        }
    }
}

/// Whether to calibrate the scores before estimating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Calibration {
    /// NannyML's choice: calibrate each class whose reference scores
    /// benefit from it (its `needs_calibration`).
    #[default]
    Auto,
    /// Calibrate every class.
    Always,
    /// Use the scores as given.
    Never,
}

/// How to fit CBPE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CbpeOptions {
    /// Rows per chunk (NannyML's `chunk_size`); the reference data's
    /// chunks set the alert thresholds.
    pub chunk_size: usize,
    /// Whether to calibrate.
    pub calibration: Calibration,
}

impl CbpeOptions {
    /// Chunks of `chunk_size` rows, calibration as NannyML decides it.
    pub fn new(chunk_size: usize) -> CbpeOptions {
        CbpeOptions {
            chunk_size,
            calibration: Calibration::Auto,
        }
    }
}

/// The alert thresholds of the estimated accuracy; `None` where NannyML's
/// is NaN (no reference chunk had a realized accuracy), which never
/// alerts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Estimates below this alert.
    pub lower: Option<f64>,
    /// Estimates above this alert.
    pub upper: Option<f64>,
}

/// CBPE's accuracy estimate for one chunk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChunkEstimate {
    /// The number of rows.
    pub rows: usize,
    /// The estimated accuracy.
    pub estimated_accuracy: f64,
    /// The estimate's sampling error.
    pub sampling_error: f64,
    /// The estimate plus 3 sampling errors, at most 1.
    pub upper_confidence: f64,
    /// The estimate minus 3 sampling errors, at least 0.
    pub lower_confidence: f64,
    /// The accuracy on the chunk's labelled rows, where NannyML gives one.
    pub realized_accuracy: Option<f64>,
    /// Whether the estimate lies outside the thresholds.
    pub alert: bool,
}

/// CBPE fitted on reference data: calibrators, the sampling error's
/// reference spread and the alert thresholds.
#[derive(Clone, Debug)]
pub struct Cbpe {
    classes: usize,
    chunk_size: usize,
    /// One per class (only the positive class's for two classes); `None`:
    /// the scores are used as they are.
    calibrators: Vec<Option<Isotonic>>,
    /// The standard deviation of the reference rows' correctness.
    reference_std: f64,
    thresholds: Thresholds,
    reference_estimates: Vec<ChunkEstimate>,
}

impl Cbpe {
    /// Fits on labelled `reference` rows (every row needs a label).
    pub fn fit(reference: &ClassifierRows, options: &CbpeOptions) -> Result<Cbpe, CbpeError> {
        if options.chunk_size == 0 {
            return Err(CbpeError::ZeroChunkSize);
        }
        if reference.is_empty() {
            return Err(CbpeError::EmptyReference);
        }
        let labels: Vec<usize> = reference
            .labels
            .iter()
            .enumerate()
            .map(|(row, l)| l.ok_or(CbpeError::MissingReferenceLabel { row }))
            .collect::<Result<_, _>>()?;
        let k = reference.classes;
        let correct = reference_correctness(&labels, &reference.predicted, k);
        let (_, reference_std) = nan_mean_std(&correct);

        let calibrated_columns: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
        let mut calibrators = Vec::with_capacity(calibrated_columns.len());
        for &class in &calibrated_columns {
            let scores: Vec<f64> = (0..reference.len())
                .map(|i| reference.probabilities(i)[class])
                .collect();
            let targets: Vec<bool> = labels.iter().map(|&l| l == class).collect();
            let calibrate = match options.calibration {
                Calibration::Always => true,
                Calibration::Never => false,
                Calibration::Auto => calibration::needs_calibration(&targets, &scores)
                    .map_err(|reason| CbpeError::CalibrationCheck { class, reason })?,
            };
            calibrators.push(calibrate.then(|| {
                let y: Vec<f64> = targets.iter().map(|&t| f64::from(u8::from(t))).collect();
                Isotonic::fit(&scores, &y)
            }));
        }

        let chunks = chunk_ranges(reference.len(), options.chunk_size);
        let realized: Vec<f64> = chunks
            .iter()
            .map(|r| realized_accuracy(&reference.slice(r.clone())).unwrap_or(f64::NAN))
            .collect();
        let mut cbpe = Cbpe {
            classes: k,
            chunk_size: options.chunk_size,
            calibrators,
            reference_std,
            thresholds: thresholds(&realized),
            reference_estimates: Vec::new(),
        };
        cbpe.reference_estimates = chunks
            .into_iter()
            .map(|r| cbpe.estimate(&reference.slice(r)))
            .collect::<Result<_, _>>()?;
        Ok(cbpe)
    }

    /// Estimates the accuracy of one chunk of rows.
    pub fn estimate(&self, chunk: &ClassifierRows) -> Result<ChunkEstimate, CbpeError> {
        if chunk.classes != self.classes {
            return Err(CbpeError::ClassCountMismatch {
                expected: self.classes,
                got: chunk.classes,
            });
        }
        if chunk.is_empty() {
            return Err(CbpeError::EmptyChunk);
        }
        let n = chunk.len();
        let calibrated = self.calibrate(chunk);
        let estimated_accuracy = if self.classes == 2 {
            // NannyML's estimate_accuracy: the sums of TP and TN terms,
            // each over every row (zero where the other class is predicted).
            let tp: Vec<f64> = (0..n)
                .map(|i| {
                    if chunk.predicted[i] == 1 {
                        calibrated[i]
                    } else {
                        0.0
                    }
                })
                .collect();
            let tn: Vec<f64> = (0..n)
                .map(|i| {
                    if chunk.predicted[i] == 0 {
                        1.0 - calibrated[i]
                    } else {
                        0.0
                    }
                })
                .collect();
            (pairwise_sum(&tp) + pairwise_sum(&tn)) / n as f64
        } else {
            // max(one-hot(prediction) * probabilities) over the row: the
            // predicted class's probability, or 0 where that is negative.
            let k = self.classes;
            let of_predicted: Vec<f64> = (0..n)
                .map(|i| calibrated[i * k + chunk.predicted[i]].max(0.0))
                .collect();
            pairwise_sum(&of_predicted) / n as f64
        };
        let sampling_error = self.reference_std / (n as f64).sqrt();
        let spread = SAMPLING_ERROR_RANGE * sampling_error;
        let Thresholds { lower, upper } = self.thresholds;
        Ok(ChunkEstimate {
            rows: n,
            estimated_accuracy,
            sampling_error,
            upper_confidence: (estimated_accuracy + spread).min(1.0),
            lower_confidence: (estimated_accuracy - spread).max(0.0),
            realized_accuracy: realized_accuracy(chunk),
            alert: lower.is_some_and(|l| estimated_accuracy < l)
                || upper.is_some_and(|u| estimated_accuracy > u),
        })
    }

    /// Estimates each chunk of `data`, cut as the reference was
    /// ([`chunk_ranges`] with the fitted chunk size).
    pub fn estimate_chunks(&self, data: &ClassifierRows) -> Result<Vec<ChunkEstimate>, CbpeError> {
        chunk_ranges(data.len(), self.chunk_size)
            .into_iter()
            .map(|r| self.estimate(&data.slice(r)))
            .collect()
    }

    /// The calibrated probabilities CBPE estimates from: for two classes
    /// one value per row (the positive class's); for more, `classes`
    /// values per row, row-major, each row renormalized to sum 1.
    pub fn calibrate(&self, rows: &ClassifierRows) -> Vec<f64> {
        let k = rows.classes;
        if k == 2 {
            let calibrator = &self.calibrators[0];
            return (0..rows.len())
                .map(|i| {
                    let p = rows.probabilities(i)[1];
                    calibrator.as_ref().map_or(p, |c| c.predict(p))
                })
                .collect();
        }
        let uniform = 1.0 / k as f64;
        let mut out = Vec::with_capacity(rows.probabilities.len());
        let mut row_values = vec![0.0; k];
        for i in 0..rows.len() {
            for (j, (value, p)) in row_values.iter_mut().zip(rows.probabilities(i)).enumerate() {
                *value = self.calibrators[j].as_ref().map_or(*p, |c| c.predict(*p));
            }
            let total = pairwise_sum(&row_values);
            if total != 0.0 {
                out.extend(row_values.iter().map(|v| v / total));
            } else {
                out.extend(std::iter::repeat_n(uniform, k));
            }
        }
        out
    }

    /// Which classes' scores are calibrated: one entry for two classes
    /// (the positive class), one per class otherwise.
    pub fn calibrated(&self) -> Vec<bool> {
        self.calibrators.iter().map(Option::is_some).collect()
    }

    /// The alert thresholds from the reference chunks.
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// The estimates of the reference chunks (NannyML's `reference`
    /// period rows).
    pub fn reference_estimates(&self) -> &[ChunkEstimate] {
        &self.reference_estimates
    }

    /// The standard deviation of the reference rows' correctness, the
    /// numerator of every sampling error.
    pub fn reference_std(&self) -> f64 {
        self.reference_std
    }

    /// The number of classes fitted on.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The chunk size fitted with.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }
}

/// NannyML's size-based chunks of `len` rows: consecutive chunks of
/// `chunk_size`, the remainder (if any) a shorter last chunk.
pub fn chunk_ranges(len: usize, chunk_size: usize) -> Vec<Range<usize>> {
    if chunk_size == 0 {
        return Vec::new();
    }
    (0..len)
        .step_by(chunk_size)
        .map(|start| start..start.saturating_add(chunk_size).min(len))
        .collect()
}

/// Per reference row, 1 where NannyML's accuracy sampling error counts
/// the prediction as right, else 0.
///
/// For two classes that is `label == prediction`. For more, NannyML
/// compares the rows as a scikit-learn `LabelBinarizer` fitted on the
/// reference labels encodes them, row by row with NumPy broadcasting.
/// With three or more classes among the labels that is again `label ==
/// prediction`. With fewer, the encodings take shapes that depend on how
/// many distinct predictions there are, and NannyML's comparison
/// becomes:
/// - two label classes `a < b`, at most two distinct predictions: both
///   encoded as one column "is `b`": right when `(label == b) ==
///   (prediction == b)`;
/// - two label classes, three or more distinct predictions: the labels'
///   single column against the predictions' two one-hot columns: right
///   only when the label is `a` and the prediction neither `a` nor `b`;
/// - one label class `a`, at most two distinct predictions: all zeros on
///   both sides, every row right;
/// - one label class, three or more distinct predictions: right when the
///   prediction is not `a`.
fn reference_correctness(labels: &[usize], predicted: &[usize], classes: usize) -> Vec<f64> {
    let distinct = |values: &[usize]| {
        let mut seen = vec![false; classes];
        values.iter().for_each(|&v| seen[v] = true);
        (0..classes).filter(|&c| seen[c]).collect::<Vec<usize>>()
    };
    let present = distinct(labels);
    let many_predictions = distinct(predicted).len() >= 3;
    labels
        .iter()
        .zip(predicted)
        .map(|(&l, &p)| {
            let right = match present[..] {
                _ if classes == 2 || present.len() >= 3 => l == p,
                [a, b] if many_predictions => l == a && p != a && p != b,
                [_, b] => (l == b) == (p == b),
                [a] => !many_predictions || p != a,
                // No labels: not reached (the reference is never empty).
                _ => true,
            };
            f64::from(u8::from(right))
        })
        .collect()
}

/// The accuracy on the labelled rows of `rows`, where NannyML gives one:
/// none without labelled rows, and with more than two classes none when
/// the labelled rows' labels or predictions take a single value.
fn realized_accuracy(rows: &ClassifierRows) -> Option<f64> {
    let labelled: Vec<(usize, usize)> = rows
        .labels
        .iter()
        .zip(&rows.predicted)
        .filter_map(|(l, &p)| l.map(|l| (l, p)))
        .collect();
    let first = labelled.first()?;
    if rows.classes > 2
        && (labelled.iter().all(|&(l, _)| l == first.0)
            || labelled.iter().all(|&(_, p)| p == first.1))
    {
        return None;
    }
    let right = labelled.iter().filter(|&&(l, p)| l == p).count();
    Some(right as f64 / labelled.len() as f64)
}

/// NannyML's `StandardDeviationThreshold` (3 standard deviations around
/// the mean, NaN skipped) with the accuracy's limits: a lower threshold
/// at or below 0 becomes 0, an upper one at or above 1 becomes 1.
fn thresholds(realized: &[f64]) -> Thresholds {
    let (mean, std) = nan_mean_std(realized);
    let mut lower = mean - std * THRESHOLD_STD_MULTIPLIER;
    let mut upper = mean + std * THRESHOLD_STD_MULTIPLIER;
    if lower <= 0.0 {
        lower = 0.0;
    }
    if upper >= 1.0 {
        upper = 1.0;
    }
    Thresholds {
        lower: (!lower.is_nan()).then_some(lower),
        upper: (!upper.is_nan()).then_some(upper),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(p: &[f64], k: usize, pred: &[usize], labels: &[Option<usize>]) -> ClassifierRows {
        ClassifierRows::new(p.to_vec(), k)
            .unwrap()
            .with_predicted(pred.to_vec())
            .unwrap()
            .with_labels(labels.to_vec())
            .unwrap()
    }

    #[test]
    fn chunks_keep_the_remainder() {
        assert_eq!(chunk_ranges(7, 3), [0..3, 3..6, 6..7]);
        assert_eq!(chunk_ranges(6, 3), [0..3, 3..6]);
        assert_eq!(chunk_ranges(2, 5).len(), 1);
        assert_eq!(chunk_ranges(2, 5)[0], 0..2);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(
            ClassifierRows::new(vec![0.5; 3], 2).unwrap_err(),
            CbpeError::RaggedProbabilities { len: 3, classes: 2 }
        );
        assert!(matches!(
            ClassifierRows::new(vec![0.5, f64::NAN], 2),
            Err(CbpeError::NonFiniteProbability {
                row: 0,
                class: 1,
                ..
            })
        ));
        assert_eq!(
            ClassifierRows::new(vec![], 1).unwrap_err(),
            CbpeError::TooFewClasses(1)
        );
        let r = ClassifierRows::new(vec![0.2, 0.8, 0.6, 0.4], 2).unwrap();
        assert!(matches!(
            r.clone().with_labels(vec![Some(0), Some(2)]),
            Err(CbpeError::UnknownClass {
                row: 1,
                class: 2,
                ..
            })
        ));
        assert!(matches!(
            r.clone().with_predicted(vec![0]),
            Err(CbpeError::LengthMismatch {
                got: 1,
                rows: 2,
                ..
            })
        ));
        let empty = ClassifierRows::new(vec![], 2).unwrap();
        assert_eq!(
            Cbpe::fit(&empty, &CbpeOptions::new(10)).unwrap_err(),
            CbpeError::EmptyReference
        );
        assert_eq!(
            Cbpe::fit(&r, &CbpeOptions::new(10)).unwrap_err(),
            CbpeError::MissingReferenceLabel { row: 0 }
        );
        let labelled = r.clone().with_labels(vec![Some(1), Some(0)]).unwrap();
        assert_eq!(
            Cbpe::fit(&labelled, &CbpeOptions::new(0)).unwrap_err(),
            CbpeError::ZeroChunkSize
        );
        let cbpe = Cbpe::fit(&labelled, &CbpeOptions::new(1)).unwrap();
        assert_eq!(cbpe.estimate(&empty).unwrap_err(), CbpeError::EmptyChunk);
        let three = ClassifierRows::new(vec![0.2, 0.3, 0.5], 3).unwrap();
        assert!(matches!(
            cbpe.estimate(&three),
            Err(CbpeError::ClassCountMismatch {
                expected: 2,
                got: 3
            })
        ));
    }

    #[test]
    fn binary_estimate_without_calibration() {
        let reference = rows(
            &[0.1, 0.9, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4],
            2,
            &[1, 0, 1, 0],
            &[Some(1), Some(0), Some(0), Some(0)],
        );
        let options = CbpeOptions {
            chunk_size: 2,
            calibration: Calibration::Never,
        };
        let cbpe = Cbpe::fit(&reference, &options).unwrap();
        assert_eq!(cbpe.calibrated(), [false]);
        // Correct: [1, 1, 0, 1] -> std sqrt(3/16).
        assert_eq!(cbpe.reference_std(), (3.0f64 / 16.0).sqrt());
        let e = cbpe.estimate(&reference).unwrap();
        // (0.9 + 0.7 + (1 - 0.2) + (1 - 0.4)) / 4
        assert!((e.estimated_accuracy - 0.75).abs() < 1e-15);
        assert_eq!(e.realized_accuracy, Some(0.75));
        // Realized per chunk [1.0, 0.5]: mean 0.75, std 0.25.
        assert_eq!(
            cbpe.thresholds(),
            Thresholds {
                lower: Some(0.0),
                upper: Some(1.0)
            }
        );
    }

    #[test]
    fn multiclass_renormalizes_and_falls_back_to_uniform() {
        let reference = rows(
            &[0.5, 0.3, 0.2, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6],
            3,
            &[0, 1, 2],
            &[Some(0), Some(1), Some(1)],
        );
        let options = CbpeOptions {
            chunk_size: 3,
            calibration: Calibration::Never,
        };
        let cbpe = Cbpe::fit(&reference, &options).unwrap();
        let zero = rows(&[0.0, 0.0, 0.0], 3, &[1], &[None]);
        assert_eq!(cbpe.calibrate(&zero), [1.0 / 3.0; 3]);
        let e = cbpe.estimate(&zero).unwrap();
        assert_eq!(e.estimated_accuracy, 1.0 / 3.0);
        assert_eq!(e.realized_accuracy, None);
        let doubled = rows(&[1.0, 0.6, 0.4], 3, &[0], &[Some(0)]);
        assert_eq!(cbpe.calibrate(&doubled), [0.5, 0.3, 0.2]);
        // One labelled row: a single label value, so no realized accuracy.
        assert_eq!(cbpe.estimate(&doubled).unwrap().realized_accuracy, None);
    }
}

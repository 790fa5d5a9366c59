//! Per-class areas summed over a dataset, one pass over each image.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::report::SemsegReport;
use super::SemsegError;

/// mmseg's default ignore index (`IoUMetric(ignore_index=255)`).
pub const DEFAULT_IGNORE_INDEX: u32 = 255;

/// The most classes an accumulator accepts; it holds 24 bytes per class.
pub const MAX_CLASSES: usize = 1 << 20;

/// What to do with a predicted or label value that is not a class index
/// (for labels: neither a class index nor the ignore index).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutOfRange {
    /// Leave the value out of the class areas and count it in the report,
    /// as mmseg's `torch.histc` leaves it out (silently). The default.
    #[default]
    Count,
    /// Reject the image with an error naming the first such pixel.
    Error,
}

/// Settings that decide how a pixel is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Settings {
    pub(super) num_classes: usize,
    pub(super) ignore_index: u32,
    pub(super) reduce_zero_label: bool,
    pub(super) out_of_range: OutOfRange,
}

/// Consecutive pixels with the same prediction and label.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// Index of the first pixel.
    start: usize,
    pred: u32,
    /// The label as given, for error messages.
    raw: u32,
    /// The label after `reduce_zero_label`.
    label: u32,
    len: u64,
}

impl Run {
    fn new(start: usize, pred: u32, raw: u32, label: u32) -> Self {
        Self {
            start,
            pred,
            raw,
            label,
            len: 1,
        }
    }
}

/// Totals over the images added so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Areas {
    /// Pixels per class where prediction and label are both that class.
    pub(super) intersect: Vec<u64>,
    /// Pixels per class predicted as that class (label not ignored).
    pub(super) pred: Vec<u64>,
    /// Pixels per class labelled as that class.
    pub(super) label: Vec<u64>,
    pub(super) images: u64,
    pub(super) ignored: u64,
    pub(super) evaluated: u64,
    pub(super) pred_out_of_range: u64,
    pub(super) label_out_of_range: u64,
}

/// Accumulates per-class areas over images, as mmseg's `IoUMetric` does,
/// and turns them into a [`SemsegReport`].
///
/// ```
/// use assay_eval::semseg::{SemsegAccumulator, DEFAULT_IGNORE_INDEX};
///
/// let mut acc = SemsegAccumulator::new(2, DEFAULT_IGNORE_INDEX)?;
/// acc.add(&[0u8, 1, 1, 0], &[0u8, 1, 0, 255])?;
/// let report = acc.finish();
/// assert_eq!(report.classes[1].iou, 0.5);
/// # Ok::<(), assay_eval::semseg::SemsegError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SemsegAccumulator {
    settings: Settings,
    class_names: Option<Vec<String>>,
    areas: Areas,
}

impl SemsegAccumulator {
    /// An empty accumulator for classes `0..num_classes`; label pixels equal
    /// to `ignore_index` ([`DEFAULT_IGNORE_INDEX`] in mmseg) are left out.
    ///
    /// Fails when `num_classes` is 0 or above [`MAX_CLASSES`].
    pub fn new(num_classes: usize, ignore_index: u32) -> Result<Self, SemsegError> {
        if num_classes == 0 {
            return Err(SemsegError::NoClasses);
        }
        if num_classes > MAX_CLASSES {
            return Err(SemsegError::TooManyClasses {
                num_classes,
                max: MAX_CLASSES,
            });
        }
        let settings = Settings {
            num_classes,
            ignore_index,
            reduce_zero_label: false,
            out_of_range: OutOfRange::default(),
        };
        Ok(Self {
            settings,
            class_names: None,
            areas: Areas::new(num_classes),
        })
    }

    /// Sets mmseg's `reduce_zero_label`: label 0 becomes the ignore index,
    /// the ignore index stays, every other label `v` becomes `v - 1`.
    #[must_use]
    pub fn with_reduce_zero_label(mut self, reduce: bool) -> Self {
        self.settings.reduce_zero_label = reduce;
        self
    }

    /// Sets what happens to values that are not class indices.
    #[must_use]
    pub fn with_out_of_range(mut self, policy: OutOfRange) -> Self {
        self.settings.out_of_range = policy;
        self
    }

    /// Names the classes in the report; one name per class, in index order.
    pub fn with_class_names<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Self, SemsegError> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.len() != self.settings.num_classes {
            return Err(SemsegError::ClassNames {
                names: names.len(),
                num_classes: self.settings.num_classes,
            });
        }
        self.class_names = Some(names);
        Ok(self)
    }

    /// A new accumulator with the same settings and names and no images,
    /// e.g. the identity of a rayon `fold`/`reduce`.
    #[must_use]
    pub fn empty_like(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            class_names: self.class_names.clone(),
            areas: Areas::new(self.settings.num_classes),
        }
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.settings.num_classes
    }

    /// The label value whose pixels are left out.
    pub fn ignore_index(&self) -> u32 {
        self.settings.ignore_index
    }

    /// Whether labels are remapped as mmseg's `reduce_zero_label`.
    pub fn reduce_zero_label(&self) -> bool {
        self.settings.reduce_zero_label
    }

    /// What happens to values that are not class indices.
    pub fn out_of_range(&self) -> OutOfRange {
        self.settings.out_of_range
    }

    /// Number of images added so far.
    pub fn images(&self) -> u64 {
        self.areas.images
    }

    /// Adds one image: its predicted classes and its labels, as flat slices
    /// of the same length (any layout, as long as both use the same one).
    ///
    /// One pass over the pixels. On error nothing of the image is added.
    pub fn add<P, L>(&mut self, pred: &[P], label: &[L]) -> Result<(), SemsegError>
    where
        P: Copy + Into<u32>,
        L: Copy + Into<u32>,
    {
        let image = self.settings.count_image(pred, label)?;
        self.areas.add(&image);
        Ok(())
    }

    /// Adds a batch of `(prediction, label)` images in parallel with rayon.
    ///
    /// The result is the same as calling [`add`](Self::add) on each in turn.
    /// If any image fails, nothing of the batch is added and the error
    /// ([`SemsegError::InImage`]) names one failing image's position.
    pub fn par_add<I, A, B, P, L>(&mut self, images: I) -> Result<(), SemsegError>
    where
        I: IntoParallelIterator<Item = (A, B)>,
        I::Iter: IndexedParallelIterator,
        A: AsRef<[P]>,
        B: AsRef<[L]>,
        P: Copy + Into<u32>,
        L: Copy + Into<u32>,
    {
        let settings = &self.settings;
        let empty = || Areas::new(settings.num_classes);
        let total = images
            .into_par_iter()
            .enumerate()
            .try_fold(empty, |mut total, (index, (pred, label))| {
                let image = settings
                    .count_image(pred.as_ref(), label.as_ref())
                    .map_err(|error| SemsegError::InImage {
                        index,
                        error: Box::new(error),
                    })?;
                total.add(&image);
                Ok(total)
            })
            .try_reduce(empty, |mut a, b| {
                a.add(&b);
                Ok(a)
            })?;
        self.areas.add(&total);
        Ok(())
    }

    /// Adds the totals of `other`, e.g. one filled on another thread.
    ///
    /// Fails, changing nothing, unless both have the same number of classes,
    /// ignore index and `reduce_zero_label`. Class names of `self` are kept.
    pub fn merge(&mut self, other: &SemsegAccumulator) -> Result<(), SemsegError> {
        self.settings.check_mergeable(&other.settings)?;
        self.areas.add(&other.areas);
        Ok(())
    }

    /// The metrics over every image added so far.
    pub fn finish(&self) -> SemsegReport {
        SemsegReport::new(&self.settings, self.class_names.as_deref(), &self.areas)
    }
}

impl Settings {
    /// The label after `reduce_zero_label`, if set.
    #[inline]
    fn effective_label(&self, raw: u32) -> u32 {
        if !self.reduce_zero_label {
            raw
        } else if raw == 0 || raw == self.ignore_index {
            self.ignore_index
        } else {
            raw - 1
        }
    }

    /// The areas of one image, in one pass.
    ///
    /// Masks come in long runs of one (prediction, label) pair, so pixels are
    /// counted a run at a time: a comparison per pixel, a few additions per
    /// run.
    fn count_image<P, L>(&self, pred: &[P], label: &[L]) -> Result<Areas, SemsegError>
    where
        P: Copy + Into<u32>,
        L: Copy + Into<u32>,
    {
        if pred.len() != label.len() {
            return Err(SemsegError::LengthMismatch {
                pred: pred.len(),
                label: label.len(),
            });
        }
        let mut areas = Areas::new(self.num_classes);
        areas.images = 1;
        let mut run: Option<Run> = None;
        for (pixel, (&p, &l)) in pred.iter().zip(label).enumerate() {
            let (pred, raw) = (p.into(), l.into());
            let label = self.effective_label(raw);
            match &mut run {
                Some(r) if r.pred == pred && r.label == label => r.len += 1,
                _ => {
                    let next = Run::new(pixel, pred, raw, label);
                    if let Some(done) = run.replace(next) {
                        self.count_run(&mut areas, &done)?;
                    }
                }
            }
        }
        if let Some(done) = run {
            self.count_run(&mut areas, &done)?;
        }
        Ok(areas)
    }

    /// Counts a run of pixels with the same prediction and label.
    #[inline]
    fn count_run(&self, areas: &mut Areas, run: &Run) -> Result<(), SemsegError> {
        if run.label == self.ignore_index {
            areas.ignored += run.len;
            return Ok(());
        }
        let (pred_ok, label_ok) = areas.count(run.pred, run.label, run.len);
        if self.out_of_range == OutOfRange::Error && !(pred_ok && label_ok) {
            return Err(self.out_of_range_error(run, pred_ok));
        }
        Ok(())
    }

    /// The error for the first pixel of a run whose prediction or label is
    /// not a class.
    fn out_of_range_error(&self, run: &Run, pred_ok: bool) -> SemsegError {
        if pred_ok {
            SemsegError::LabelOutOfRange {
                raw: run.raw,
                reduced: run.label,
                pixel: run.start,
                num_classes: self.num_classes,
                ignore_index: self.ignore_index,
            }
        } else {
            SemsegError::PredictionOutOfRange {
                value: run.pred,
                pixel: run.start,
                num_classes: self.num_classes,
            }
        }
    }

    /// Fails unless totals counted with `other` can be added to ours.
    fn check_mergeable(&self, other: &Settings) -> Result<(), SemsegError> {
        let mismatch = |setting, ours: String, theirs: String| {
            Err(SemsegError::MergeMismatch {
                setting,
                ours,
                theirs,
            })
        };
        if self.num_classes != other.num_classes {
            return mismatch(
                "num_classes",
                self.num_classes.to_string(),
                other.num_classes.to_string(),
            );
        }
        if self.ignore_index != other.ignore_index {
            return mismatch(
                "ignore_index",
                self.ignore_index.to_string(),
                other.ignore_index.to_string(),
            );
        }
        if self.reduce_zero_label != other.reduce_zero_label {
            return mismatch(
                "reduce_zero_label",
                self.reduce_zero_label.to_string(),
                other.reduce_zero_label.to_string(),
            );
        }
        Ok(())
    }
}

impl Areas {
    fn new(num_classes: usize) -> Self {
        Self {
            intersect: vec![0; num_classes],
            pred: vec![0; num_classes],
            label: vec![0; num_classes],
            images: 0,
            ignored: 0,
            evaluated: 0,
            pred_out_of_range: 0,
            label_out_of_range: 0,
        }
    }

    /// Counts `n` pixels that are not ignored, all with this prediction and
    /// label; says whether each is a class index (values that are not are
    /// only counted).
    #[inline]
    fn count(&mut self, pred: u32, label: u32, n: u64) -> (bool, bool) {
        self.evaluated += n;
        let pred_ok = bump(&mut self.pred, pred, n);
        let label_ok = bump(&mut self.label, label, n);
        if pred == label && label_ok {
            bump(&mut self.intersect, label, n);
        }
        if !pred_ok {
            self.pred_out_of_range += n;
        }
        if !label_ok {
            self.label_out_of_range += n;
        }
        (pred_ok, label_ok)
    }

    /// Adds `other`'s totals (same number of classes) to ours.
    fn add(&mut self, other: &Areas) {
        add_counts(&mut self.intersect, &other.intersect);
        add_counts(&mut self.pred, &other.pred);
        add_counts(&mut self.label, &other.label);
        self.images += other.images;
        self.ignored += other.ignored;
        self.evaluated += other.evaluated;
        self.pred_out_of_range += other.pred_out_of_range;
        self.label_out_of_range += other.label_out_of_range;
    }
}

/// Adds `n` to `counts[class]`; false (nothing counted) when out of range.
#[inline]
fn bump(counts: &mut [u64], class: u32, n: u64) -> bool {
    match usize::try_from(class).ok().and_then(|i| counts.get_mut(i)) {
        Some(count) => {
            *count += n;
            true
        }
        None => false,
    }
}

fn add_counts(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

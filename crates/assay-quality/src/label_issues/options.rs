//! cleanlab's `filter_by` and score methods, and the options of
//! `find_label_issues`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::error::{LabelIssueError, Result};

/// How `find_label_issues` decides which examples are label issues
/// (cleanlab's `filter_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterBy {
    /// For every off-diagonal entry of the confident joint, the examples of
    /// the given class with the largest margin toward the other class
    /// (cleanlab's default).
    #[default]
    PruneByNoiseRate,
    /// Per class, the examples with the smallest probability of their given
    /// label.
    PruneByClass,
    /// Examples both `PruneByNoiseRate` and `PruneByClass` flag.
    Both,
    /// The examples counted off the diagonal of the confident joint.
    ConfidentLearning,
    /// The examples whose most probable class is not the given label.
    PredictedNeqGiven,
    /// The `num_label_issues` examples with the lowest normalized margin.
    LowNormalizedMargin,
    /// The `num_label_issues` examples with the lowest self-confidence.
    LowSelfConfidence,
}

impl FilterBy {
    /// Every method, in cleanlab's documentation order.
    pub const ALL: [FilterBy; 7] = [
        FilterBy::PruneByNoiseRate,
        FilterBy::PruneByClass,
        FilterBy::Both,
        FilterBy::ConfidentLearning,
        FilterBy::PredictedNeqGiven,
        FilterBy::LowNormalizedMargin,
        FilterBy::LowSelfConfidence,
    ];

    /// cleanlab's name for the method.
    pub fn name(self) -> &'static str {
        match self {
            FilterBy::PruneByNoiseRate => "prune_by_noise_rate",
            FilterBy::PruneByClass => "prune_by_class",
            FilterBy::Both => "both",
            FilterBy::ConfidentLearning => "confident_learning",
            FilterBy::PredictedNeqGiven => "predicted_neq_given",
            FilterBy::LowNormalizedMargin => "low_normalized_margin",
            FilterBy::LowSelfConfidence => "low_self_confidence",
        }
    }

    /// Whether the method prunes by the confident joint's counts (the only
    /// ones that use `frac_noise` and `num_to_remove_per_class`).
    pub fn prunes(self) -> bool {
        matches!(
            self,
            FilterBy::PruneByNoiseRate | FilterBy::PruneByClass | FilterBy::Both
        )
    }
}

/// A label-quality score (cleanlab's `method` of
/// `get_label_quality_scores`, and `return_indices_ranked_by`). Lower
/// scores mean a label is more likely wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreMethod {
    /// The probability of the given label.
    #[default]
    SelfConfidence,
    /// `(p(given) - max p(other) + 1) / 2`.
    NormalizedMargin,
    /// Normalized entropy divided by self-confidence, rescaled to `[0, 1]`.
    ConfidenceWeightedEntropy,
}

impl ScoreMethod {
    /// Every method.
    pub const ALL: [ScoreMethod; 3] = [
        ScoreMethod::SelfConfidence,
        ScoreMethod::NormalizedMargin,
        ScoreMethod::ConfidenceWeightedEntropy,
    ];

    /// cleanlab's name for the method.
    pub fn name(self) -> &'static str {
        match self {
            ScoreMethod::SelfConfidence => "self_confidence",
            ScoreMethod::NormalizedMargin => "normalized_margin",
            ScoreMethod::ConfidenceWeightedEntropy => "confidence_weighted_entropy",
        }
    }
}

/// Which NumPy sort decides the order of equal values.
///
/// cleanlab sorts with `np.argsort`'s default, unstable kind, so among
/// examples with equal values (equal margins, equal scores, equal rounding
/// residuals of the confident joint) the one it flags or ranks first is
/// whichever NumPy's sort puts first, and NumPy picks its sort by the CPU
/// it runs on. cleanlab's own output therefore differs between machines
/// when ties decide; assay reproduces it for the machine named here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum TieOrder {
    /// NumPy 2.x on x86-64 with AVX2 but not AVX-512 (NumPy's `X86_V3`
    /// without `X86_V4`): Intel's x86-simd-sort AVX2 argsort. The default:
    /// the x86-64 machines most users and CI run. (With AVX-512 NumPy uses
    /// x86-simd-sort's AVX-512 argsort, whose tie order assay does not
    /// reproduce.)
    #[default]
    #[serde(rename = "avx2")]
    X86Avx2,
    /// NumPy's portable introsort: ARM64 (Apple silicon, Graviton), x86-64
    /// without AVX2, or NumPy with its SIMD features disabled
    /// (`NPY_DISABLE_CPU_FEATURES`).
    #[serde(rename = "portable")]
    Portable,
}

impl TieOrder {
    /// Every order.
    pub const ALL: [TieOrder; 2] = [TieOrder::X86Avx2, TieOrder::Portable];

    /// The order's name on the command line: `avx2` or `portable`.
    pub fn name(self) -> &'static str {
        match self {
            TieOrder::X86Avx2 => "avx2",
            TieOrder::Portable => "portable",
        }
    }
}

fn parse<T: Copy>(
    kind: &'static str,
    name: &str,
    all: &[T],
    name_of: fn(T) -> &'static str,
) -> Result<T> {
    all.iter()
        .copied()
        .find(|&m| name_of(m) == name)
        .ok_or_else(|| LabelIssueError::UnknownName {
            kind,
            name: name.to_string(),
            expected: all
                .iter()
                .map(|&m| name_of(m))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl FromStr for FilterBy {
    type Err = LabelIssueError;

    /// Parses cleanlab's name, e.g. `prune_by_noise_rate`.
    fn from_str(name: &str) -> Result<Self> {
        parse("filter_by", name, &FilterBy::ALL, FilterBy::name)
    }
}

impl FromStr for ScoreMethod {
    type Err = LabelIssueError;

    /// Parses cleanlab's name, e.g. `self_confidence`.
    fn from_str(name: &str) -> Result<Self> {
        parse("score method", name, &ScoreMethod::ALL, ScoreMethod::name)
    }
}

impl FromStr for TieOrder {
    type Err = LabelIssueError;

    /// Parses `avx2` or `portable`.
    fn from_str(name: &str) -> Result<Self> {
        parse("tie order", name, &TieOrder::ALL, TieOrder::name)
    }
}

impl fmt::Display for FilterBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl fmt::Display for ScoreMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl fmt::Display for TieOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The options of cleanlab's `find_label_issues` (single-label data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterOptions {
    /// How issues are decided.
    pub filter_by: FilterBy,
    /// Keep only this fraction of each off-diagonal count (prune methods
    /// only; ignored by the others, as in cleanlab). Default 1.
    pub frac_noise: f64,
    /// Exactly how many examples to flag in each class (prune methods only).
    pub num_to_remove_per_class: Option<Vec<usize>>,
    /// Never prune a class below this many examples. Default 1.
    pub min_examples_per_class: usize,
    /// Whose order equal values are flagged and ranked in: that of NumPy's
    /// sort on the CPU cleanlab would run on. Default [`TieOrder::X86Avx2`].
    pub tie_order: TieOrder,
}

impl Default for FilterOptions {
    fn default() -> Self {
        Self {
            filter_by: FilterBy::default(),
            frac_noise: 1.0,
            num_to_remove_per_class: None,
            min_examples_per_class: 1,
            tie_order: TieOrder::default(),
        }
    }
}

impl FilterOptions {
    /// Options with cleanlab's defaults and the given `filter_by`.
    pub fn new(filter_by: FilterBy) -> Self {
        Self {
            filter_by,
            ..Self::default()
        }
    }

    /// Checks the options against the number of classes.
    pub(crate) fn check(&self, num_classes: usize) -> Result<()> {
        if !(0.0..=1.0).contains(&self.frac_noise) {
            return Err(LabelIssueError::FracNoise(self.frac_noise));
        }
        let Some(counts) = &self.num_to_remove_per_class else {
            return Ok(());
        };
        if !self.filter_by.prunes() {
            return Err(LabelIssueError::RemoveCountUnsupported(
                self.filter_by.name(),
            ));
        }
        if counts.len() != num_classes {
            return Err(LabelIssueError::RemoveCountLength {
                got: counts.len(),
                expected: num_classes,
            });
        }
        Ok(())
    }
}

//! Drift of one column and of a whole table, choosing the test as
//! Evidently 0.7.23's `DataDriftTable` / `DatasetDriftMetric` do by
//! default (`get_stattest` → `_get_default_stattest`):
//!
//! | reference rows | column | distinct values (both samples) | test |
//! | --- | --- | --- | --- |
//! | ≤ 1000 | numeric | > 5 | `ks` (p ≤ 0.05 drifts) |
//! | ≤ 1000 | numeric or categorical | 3 to 5 (numeric), > 2 (categorical) | `chisquare` (p < 0.05) |
//! | ≤ 1000 | numeric or categorical | ≤ 2 | `z` (p < 0.05) |
//! | > 1000 | numeric | > 5 | `wasserstein` normed (≥ 0.1) |
//! | > 1000 | numeric ≤ 5 values, or categorical | | `jensenshannon` (≥ 0.1) |
//!
//! NaN and infinite values are dropped from numeric samples first, as
//! Evidently does. The table drifts when the share of drifted columns is
//! at least `drift_share` (0.5).

use rayon::prelude::*;

use super::binning::distinct_union_up_to;
use super::ks::ks_2samp_sorted;
use super::stattests::{
    chisquare, cramers_v, jensenshannon_evidently, psi, wasserstein_normed, z_test, PsiDefinition,
};
use super::DriftError;

/// Evidently's reference size up to which tests (not distances) are used.
pub const SMALL_REFERENCE: usize = 1000;
/// Evidently's default share of drifted columns for a drifted table.
pub const DEFAULT_DRIFT_SHARE: f64 = 0.5;

/// The two samples of one column.
#[derive(Debug, Clone, Copy)]
pub enum ColumnSamples<'a> {
    /// A numeric column (metric values, box sizes, ...). `integer` says
    /// the values are integers as pandas would type them (`int64`):
    /// NumPy then keeps Sturges bins at least 1 wide.
    Numeric {
        /// Reference values.
        reference: &'a [f64],
        /// Current values.
        current: &'a [f64],
        /// Whether the column holds integers.
        integer: bool,
    },
    /// A categorical column as category codes.
    Categorical {
        /// Reference codes.
        reference: &'a [u32],
        /// Current codes.
        current: &'a [u32],
    },
}

/// The kind of a column, as Evidently types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Numerical.
    Numeric,
    /// Categorical.
    Categorical,
}

/// A drift test or distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DriftMethod {
    /// `scipy.stats.ks_2samp` (numeric only); drifts when `p <= threshold`.
    Ks,
    /// Evidently's `chisquare`; drifts when `p < threshold`.
    ChiSquare,
    /// Evidently's two-proportion `z` test; drifts when `p < threshold`.
    ZTest,
    /// Evidently's normed Wasserstein distance (numeric only); drifts
    /// when `>= threshold`.
    Wasserstein,
    /// Evidently's Jensen-Shannon distance; drifts when `>= threshold`.
    JensenShannon,
    /// Population stability index; drifts when `>= threshold`.
    Psi(PsiDefinition),
}

impl DriftMethod {
    /// The name reports show, saying whose definition it is.
    pub fn name(&self) -> String {
        match self {
            DriftMethod::Ks => "ks (scipy ks_2samp)".to_string(),
            DriftMethod::ChiSquare => "chisquare (evidently)".to_string(),
            DriftMethod::ZTest => "z (evidently)".to_string(),
            DriftMethod::Wasserstein => "wasserstein normed (evidently)".to_string(),
            DriftMethod::JensenShannon => "jensenshannon (evidently)".to_string(),
            DriftMethod::Psi(d) => d.name(),
        }
    }

    /// Evidently's default threshold.
    pub fn default_threshold(&self) -> f64 {
        match self {
            DriftMethod::Ks | DriftMethod::ChiSquare | DriftMethod::ZTest => 0.05,
            DriftMethod::Wasserstein | DriftMethod::JensenShannon | DriftMethod::Psi(_) => 0.1,
        }
    }

    /// Whether the score is a p-value (small means drift).
    pub fn is_test(&self) -> bool {
        matches!(
            self,
            DriftMethod::Ks | DriftMethod::ChiSquare | DriftMethod::ZTest
        )
    }
}

impl serde::Serialize for DriftMethod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// How to test columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftOptions {
    /// Force one method for every column; `None` chooses as Evidently.
    pub method: Option<DriftMethod>,
    /// Override the method's default threshold.
    pub threshold: Option<f64>,
    /// The share of drifted columns at which the table drifts.
    pub drift_share: f64,
}

impl Default for DriftOptions {
    fn default() -> Self {
        DriftOptions {
            method: None,
            threshold: None,
            drift_share: DEFAULT_DRIFT_SHARE,
        }
    }
}

/// The drift of one column.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ColumnDrift {
    /// The column's name.
    pub column: String,
    /// Numeric or categorical.
    pub kind: ColumnKind,
    /// The method used.
    pub method: DriftMethod,
    /// The test statistic (KS D, χ², z) or the distance.
    pub statistic: f64,
    /// The p-value, for tests.
    pub p_value: Option<f64>,
    /// What is compared with the threshold (Evidently's `drift_score`):
    /// the p-value for tests, the distance otherwise.
    pub score: f64,
    /// The threshold.
    pub threshold: f64,
    /// Whether the column drifted.
    pub drifted: bool,
    /// Cramér's V between sample and value, for categorical columns with
    /// at least two values.
    pub cramers_v: Option<f64>,
    /// Reference values used (after dropping NaN and infinities).
    pub n_reference: usize,
    /// Current values used.
    pub n_current: usize,
}

/// The drift of a table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DatasetDrift {
    /// Each column's drift.
    pub columns: Vec<ColumnDrift>,
    /// How many columns drifted.
    pub n_drifted: usize,
    /// Their share.
    pub share_drifted: f64,
    /// The share at which the table drifts.
    pub drift_share: f64,
    /// Whether `share_drifted >= drift_share`.
    pub drifted: bool,
}

/// Evidently's default method for a column of `kind` with
/// `n_reference` rows and `n_values` distinct values in both samples.
pub fn default_method(kind: ColumnKind, n_reference: usize, n_values: usize) -> DriftMethod {
    let small_cardinality = if n_values > 2 {
        DriftMethod::ChiSquare
    } else {
        DriftMethod::ZTest
    };
    match (n_reference <= SMALL_REFERENCE, kind) {
        (true, ColumnKind::Numeric) if n_values <= 5 => small_cardinality,
        (true, ColumnKind::Numeric) => DriftMethod::Ks,
        (true, ColumnKind::Categorical) => small_cardinality,
        (false, ColumnKind::Numeric) if n_values <= 5 => DriftMethod::JensenShannon,
        (false, ColumnKind::Numeric) => DriftMethod::Wasserstein,
        (false, ColumnKind::Categorical) => DriftMethod::JensenShannon,
    }
}

fn sorted_finite(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v + 0.0) // -0.0 becomes 0.0, one value as pandas counts it
        .collect();
    v.sort_unstable_by(f64::total_cmp);
    v
}

fn sorted_codes(values: &[u32]) -> Vec<f64> {
    let mut v: Vec<u32> = values.to_vec();
    v.sort_unstable();
    v.into_iter().map(f64::from).collect()
}

/// The drift of one column.
pub fn column_drift(
    name: &str,
    samples: ColumnSamples<'_>,
    options: &DriftOptions,
) -> Result<ColumnDrift, DriftError> {
    let (reference, current, kind, integer) = match samples {
        ColumnSamples::Numeric {
            reference,
            current,
            integer,
        } => (
            sorted_finite(reference),
            sorted_finite(current),
            ColumnKind::Numeric,
            integer,
        ),
        ColumnSamples::Categorical { reference, current } => (
            sorted_codes(reference),
            sorted_codes(current),
            ColumnKind::Categorical,
            false,
        ),
    };
    for (side, s) in [("reference", &reference), ("current", &current)] {
        if s.is_empty() {
            return Err(DriftError::Empty {
                column: name.to_string(),
                side,
            });
        }
    }
    let method = match options.method {
        Some(m) => m,
        None => {
            // Evidently only asks whether there are more than 2 or 5.
            let n_values = distinct_union_up_to(&reference, &current, 6);
            default_method(kind, reference.len(), n_values)
        }
    };
    if kind == ColumnKind::Categorical
        && matches!(method, DriftMethod::Ks | DriftMethod::Wasserstein)
    {
        return Err(DriftError::Method {
            column: name.to_string(),
            method: method.name(),
        });
    }
    let numeric = kind == ColumnKind::Numeric;
    let (statistic, p_value) = match method {
        DriftMethod::Ks => {
            let r = ks_2samp_sorted(&reference, &current).ok_or_else(|| DriftError::Empty {
                column: name.to_string(),
                side: "reference",
            })?;
            (r.statistic, Some(r.p_value))
        }
        DriftMethod::ChiSquare => {
            let t = chisquare(&reference, &current);
            (t.statistic, Some(t.p_value))
        }
        DriftMethod::ZTest => {
            let t = z_test(&reference, &current);
            (t.statistic, Some(t.p_value))
        }
        DriftMethod::Wasserstein => (wasserstein_normed(&reference, &current), None),
        DriftMethod::JensenShannon => (
            jensenshannon_evidently(&reference, &current, numeric, integer),
            None,
        ),
        DriftMethod::Psi(d) => (psi(&reference, &current, numeric, integer, d), None),
    };
    let threshold = options.threshold.unwrap_or(method.default_threshold());
    let score = p_value.unwrap_or(statistic);
    let drifted = match method {
        DriftMethod::Ks => score <= threshold,
        DriftMethod::ChiSquare | DriftMethod::ZTest => score < threshold,
        _ => score >= threshold,
    };
    let cramers_v = if kind == ColumnKind::Categorical {
        cramers_v(&reference, &current)
    } else {
        None
    };
    Ok(ColumnDrift {
        column: name.to_string(),
        kind,
        method,
        statistic,
        p_value,
        score,
        threshold,
        drifted,
        cramers_v,
        n_reference: reference.len(),
        n_current: current.len(),
    })
}

/// The drift of every column (in parallel) and the table's verdict, as
/// Evidently's `DatasetDriftMetric`.
pub fn dataset_drift(
    columns: &[(&str, ColumnSamples<'_>)],
    options: &DriftOptions,
) -> Result<DatasetDrift, DriftError> {
    if columns.is_empty() {
        return Err(DriftError::NoColumns);
    }
    let columns: Vec<ColumnDrift> = columns
        .par_iter()
        .map(|(name, samples)| column_drift(name, *samples, options))
        .collect::<Result<_, _>>()?;
    let n_drifted = columns.iter().filter(|c| c.drifted).count();
    let share_drifted = n_drifted as f64 / columns.len() as f64;
    Ok(DatasetDrift {
        drifted: share_drifted >= options.drift_share,
        columns,
        n_drifted,
        share_drifted,
        drift_share: options.drift_share,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_as_evidently() {
        use ColumnKind::*;
        assert_eq!(default_method(Numeric, 1000, 6), DriftMethod::Ks);
        assert_eq!(default_method(Numeric, 1000, 5), DriftMethod::ChiSquare);
        assert_eq!(default_method(Numeric, 10, 2), DriftMethod::ZTest);
        assert_eq!(default_method(Categorical, 10, 3), DriftMethod::ChiSquare);
        assert_eq!(default_method(Numeric, 1001, 6), DriftMethod::Wasserstein);
        assert_eq!(default_method(Numeric, 1001, 5), DriftMethod::JensenShannon);
        assert_eq!(
            default_method(Categorical, 5000, 2),
            DriftMethod::JensenShannon
        );
    }

    #[test]
    fn table_verdict_by_share() {
        let a: Vec<f64> = (0..100).map(f64::from).collect();
        let b: Vec<f64> = (200..300).map(f64::from).collect();
        let cols = [
            (
                "same",
                ColumnSamples::Numeric {
                    reference: &a,
                    current: &a,
                    integer: true,
                },
            ),
            (
                "moved",
                ColumnSamples::Numeric {
                    reference: &a,
                    current: &b,
                    integer: true,
                },
            ),
        ];
        let d = dataset_drift(&cols, &DriftOptions::default()).unwrap();
        assert_eq!(d.n_drifted, 1);
        assert!(d.drifted);
        assert_eq!(d.columns[0].method, DriftMethod::Ks);
        let json = serde_json::to_string(&d.columns[1]).unwrap();
        assert!(json.contains("\"ks (scipy ks_2samp)\""), "{json}");
    }

    #[test]
    fn empty_or_mistyped_columns_are_errors() {
        let nan = [f64::NAN];
        let one = [1.0];
        let r = column_drift(
            "x",
            ColumnSamples::Numeric {
                reference: &nan,
                current: &one,
                integer: false,
            },
            &DriftOptions::default(),
        );
        assert!(matches!(r, Err(DriftError::Empty { .. })));
        let c = [1u32, 2];
        let forced = DriftOptions {
            method: Some(DriftMethod::Ks),
            ..DriftOptions::default()
        };
        let r = column_drift(
            "c",
            ColumnSamples::Categorical {
                reference: &c,
                current: &c,
            },
            &forced,
        );
        assert!(matches!(r, Err(DriftError::Method { .. })));
    }
}

//! McNemar's test of two classifiers on the same samples: do they err on
//! different samples more often one way than the other?
//!
//! Matches statsmodels 0.15 `statsmodels.stats.contingency_tables.mcnemar`.
//! The table counts the samples by whether classifier A is right (row 0)
//! or wrong (row 1) and whether B is right (column 0) or wrong (column 1);
//! only the discordant cells count: `n01` (A right, B wrong) and `n10` (A
//! wrong, B right).

use serde::Serialize;

use super::error::{check_predicted, ClassificationError, Result};
use crate::special::{binomial_half_cdf, chi2_sf_1};

/// Which form of the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum McNemarTest {
    /// The exact binomial test (`exact=True`): the statistic is
    /// `min(n01, n10)`, the p-value `min(1, 2 * binom.cdf(min, n01 + n10, 0.5))`.
    Exact,
    /// The chi-squared approximation (`exact=False`): the statistic is
    /// `(|n01 - n10| - c)^2 / (n01 + n10)` with `c = 1` under continuity
    /// correction (`correction=True`), else 0; the p-value its chi-squared
    /// (1 degree of freedom) upper tail.
    ChiSquared {
        /// Subtract 1 from `|n01 - n10|` (Edwards' continuity correction).
        correction: bool,
    },
}

/// The outcome of McNemar's test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McNemar {
    /// The form of the test.
    pub test: McNemarTest,
    /// `[[both right, only A right], [only B right, both wrong]]`.
    pub table: [[u64; 2]; 2],
    /// The test statistic.
    pub statistic: f64,
    /// The two-sided p-value of "A and B err equally often".
    pub p_value: f64,
}

/// McNemar's test on a 2x2 table of paired outcomes.
///
/// Without discordant pairs the chi-squared statistic is 0/0 (statsmodels
/// returns `inf` and p = 0 with the correction, NaN without): that is an
/// error here; the exact test gives p = 1.
pub fn mcnemar(table: [[u64; 2]; 2], test: McNemarTest) -> Result<McNemar> {
    let (n1, n2) = (table[0][1], table[1][0]);
    let discordant = n1
        .checked_add(n2)
        .ok_or(ClassificationError::NoDiscordantPairs)?;
    let (statistic, p_value) = match test {
        McNemarTest::Exact => {
            let smaller = n1.min(n2);
            let p = 2.0 * binomial_half_cdf(smaller, discordant);
            (smaller as f64, p.min(1.0))
        }
        McNemarTest::ChiSquared { correction } => {
            if discordant == 0 {
                return Err(ClassificationError::NoDiscordantPairs);
            }
            let (n1, n2) = (n1 as f64, n2 as f64);
            let c = if correction { 1.0 } else { 0.0 };
            let d = (n1 - n2).abs() - c;
            let statistic = d * d / (1.0 * (n1 + n2));
            (statistic, chi2_sf_1(statistic))
        }
    };
    Ok(McNemar {
        test,
        table,
        statistic,
        p_value,
    })
}

/// The table of paired outcomes of two classifiers' predicted classes
/// against the true classes (`[[both right, only A right], [only B right,
/// both wrong]]`).
pub fn mcnemar_table(
    labels: &[usize],
    predicted_a: &[usize],
    predicted_b: &[usize],
    num_classes: usize,
) -> Result<[[u64; 2]; 2]> {
    check_predicted(labels, predicted_a, num_classes)?;
    check_predicted(labels, predicted_b, num_classes)?;
    let mut table = [[0u64; 2]; 2];
    for ((t, a), b) in labels.iter().zip(predicted_a).zip(predicted_b) {
        table[usize::from(a != t)][usize::from(b != t)] += 1;
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_counts_paired_outcomes() {
        let table =
            mcnemar_table(&[0, 1, 2, 1, 0], &[0, 1, 0, 0, 1], &[0, 0, 2, 0, 0], 3).expect("valid");
        assert_eq!(table, [[1, 1], [2, 1]]);
        assert!(mcnemar_table(&[0, 1], &[0], &[0, 1], 2).is_err());
    }

    #[test]
    fn no_discordant_pairs() {
        let t = [[5, 0], [0, 3]];
        let exact = mcnemar(t, McNemarTest::Exact).expect("defined");
        assert_eq!((exact.statistic, exact.p_value), (0.0, 1.0));
        let chi2 = McNemarTest::ChiSquared { correction: true };
        assert_eq!(
            mcnemar(t, chi2),
            Err(ClassificationError::NoDiscordantPairs)
        );
    }
}

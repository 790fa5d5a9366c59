//! Cohen's and Fleiss' kappa.

use serde::{Deserialize, Serialize};

use crate::EvalError;

/// How Cohen's kappa weighs a disagreement between labels `i` and `j`
/// (indices into the sorted labels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Weights {
    /// Any disagreement counts 1.
    #[default]
    Unweighted,
    /// `|i - j|`.
    Linear,
    /// `(i - j)^2`.
    Quadratic,
}

impl Weights {
    fn of(self, i: usize, j: usize) -> f64 {
        let d = i.abs_diff(j) as f64;
        match self {
            Weights::Unweighted => f64::from(u8::from(i != j)),
            Weights::Linear => d,
            Weights::Quadratic => d * d,
        }
    }
}

/// Cohen's kappa between two raters' labels of the same items, as
/// scikit-learn's `cohen_kappa_score(a, b, weights=...)`: the labels are
/// the sorted union of both, weights use their positions in that order,
/// and kappa is `1 - sum(w * observed) / sum(w * expected)`.
pub fn cohen_kappa(a: &[i64], b: &[i64], weights: Weights) -> Result<f64, EvalError> {
    if a.len() != b.len() {
        return Err(EvalError::Undefined(format!(
            "Cohen's kappa needs the same items from both raters; got {} and {} labels",
            a.len(),
            b.len()
        )));
    }
    let mut labels: Vec<i64> = a.iter().chain(b).copied().collect();
    labels.sort_unstable();
    labels.dedup();
    let k = labels.len();
    let index = |v: &i64| labels.binary_search(v).expect("a label of the union");
    let mut confusion = vec![0.0; k * k];
    for (x, y) in a.iter().zip(b) {
        confusion[index(x) * k + index(y)] += 1.0;
    }
    let rows: Vec<f64> = (0..k)
        .map(|i| confusion[i * k..(i + 1) * k].iter().sum())
        .collect();
    let columns: Vec<f64> = (0..k)
        .map(|j| (0..k).map(|i| confusion[i * k + j]).sum())
        .collect();
    let n: f64 = columns.iter().sum();
    if n == 0.0 {
        return Err(EvalError::Undefined(
            "Cohen's kappa is undefined without items".into(),
        ));
    }
    let (mut observed, mut expected) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = weights.of(i, j);
            observed += w * confusion[i * k + j];
            expected += w * columns[i] * rows[j] / n;
        }
    }
    if expected == 0.0 {
        return Err(EvalError::Undefined(
            "Cohen's kappa is undefined when the raters use a single label".into(),
        ));
    }
    Ok(1.0 - observed / expected)
}

/// What Fleiss' kappa takes as agreement by chance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum FleissMethod {
    /// Fleiss (1971): from the categories' overall shares.
    #[default]
    Fleiss,
    /// Randolph's free-marginal kappa: one over the number of categories.
    Randolph,
}

/// Fleiss' kappa of a table of counts (`table[subject][category]`: how
/// many raters put the subject in the category; every subject rated by
/// the same number of raters), as statsmodels' `fleiss_kappa`.
pub fn fleiss_kappa(table: &[Vec<f64>], method: FleissMethod) -> Result<f64, EvalError> {
    let undefined = |m: String| Err(EvalError::Undefined(m));
    let Some(first) = table.first() else {
        return undefined("Fleiss' kappa is undefined without subjects".into());
    };
    let categories = first.len();
    if let Some(i) = table.iter().position(|r| r.len() != categories) {
        return undefined(format!(
            "subject {i} has {} categories, the first {categories}",
            table[i].len()
        ));
    }
    let raters: f64 = first.iter().sum();
    if let Some(i) = table.iter().position(|r| r.iter().sum::<f64>() != raters) {
        return undefined(format!(
            "Fleiss' kappa needs every subject rated by the same number of raters: subject {i} has {}, the first {raters}",
            table[i].iter().sum::<f64>()
        ));
    }
    if raters < 2.0 {
        return undefined("Fleiss' kappa needs at least two raters per subject".into());
    }
    let subjects = table.len() as f64;
    let total = subjects * raters;
    let agreement: f64 = table
        .iter()
        .map(|r| (r.iter().map(|c| c * c).sum::<f64>() - raters) / (raters * (raters - 1.0)))
        .sum::<f64>()
        / subjects;
    let chance = match method {
        FleissMethod::Fleiss => (0..categories)
            .map(|c| {
                let p = table.iter().map(|r| r[c]).sum::<f64>() / total;
                p * p
            })
            .sum(),
        FleissMethod::Randolph => 1.0 / categories as f64,
    };
    if chance == 1.0 {
        return undefined("Fleiss' kappa is undefined when every rating is one category".into());
    }
    Ok((agreement - chance) / (1.0 - chance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_chance_agreement() {
        let a = [0, 1, 2, 1, 0];
        assert_eq!(cohen_kappa(&a, &a, Weights::Quadratic).unwrap(), 1.0);
        // Wikipedia's example: 20 yes-yes, 5 yes-no, 10 no-yes, 15 no-no.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (n, p, q) in [(20, 1, 1), (5, 1, 0), (10, 0, 1), (15, 0, 0)] {
            x.extend(std::iter::repeat_n(p, n));
            y.extend(std::iter::repeat_n(q, n));
        }
        assert!((cohen_kappa(&x, &y, Weights::Unweighted).unwrap() - 0.4).abs() < 1e-12);
        assert!(cohen_kappa(&[1, 1], &[1, 1], Weights::Unweighted).is_err());
    }

    #[test]
    fn fleiss_on_wikipedias_example() {
        let table: Vec<Vec<f64>> = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
        .iter()
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect();
        let k = fleiss_kappa(&table, FleissMethod::Fleiss).unwrap();
        assert!((k - 0.209930).abs() < 1e-6, "{k}");
    }
}

//! Krippendorff's alpha, as the `krippendorff` package (0.9) computes it:
//! a coincidence matrix of the values raters gave each unit, expected
//! coincidences from the values' totals, and a distance between values
//! by level of measurement.

use serde::{Deserialize, Serialize};

use crate::EvalError;

/// Stevens' level of measurement: what the distance between two values is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum MeasurementLevel {
    /// 0 for equal values, else 1.
    Nominal,
    /// By rank: the squared count of values between the two, less half of
    /// each end's own count.
    Ordinal,
    /// The squared difference.
    Interval,
    /// The squared difference over the sum (0 where the sum is 0).
    Ratio,
}

/// The coincidence matrix of `data` (`data[rater][unit]`, `None` where a
/// rater gave the unit no value) over its sorted distinct values: each
/// unit with `m >= 2` values adds, for each ordered pair of its values
/// from different raters, `1 / (m - 1)`. Returns the values and the
/// matrix (row-major).
pub fn coincidences(data: &[Vec<Option<f64>>]) -> Result<(Vec<f64>, Vec<f64>), EvalError> {
    let units = data.first().map_or(0, Vec::len);
    if let Some(r) = data.iter().position(|row| row.len() != units) {
        return Err(EvalError::Undefined(format!(
            "rater {r} rated {} units, the first {units}",
            data[r].len()
        )));
    }
    let mut values: Vec<f64> = data.iter().flatten().flatten().copied().collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(EvalError::Undefined(
            "Krippendorff's alpha needs finite values (a missing one is None)".into(),
        ));
    }
    values.sort_by(f64::total_cmp);
    values.dedup();
    let v = values.len();
    let index = |x: f64| values.partition_point(|&y| y < x);
    let mut o = vec![0.0; v * v];
    let mut counts: Vec<(usize, f64)> = Vec::new();
    for u in 0..units {
        counts.clear();
        for row in data {
            if let Some(x) = row[u] {
                let i = index(x);
                match counts.iter_mut().find(|c| c.0 == i) {
                    Some(c) => c.1 += 1.0,
                    None => counts.push((i, 1.0)),
                }
            }
        }
        let m: f64 = counts.iter().map(|c| c.1).sum();
        if m < 2.0 {
            continue;
        }
        for &(c, nc) in &counts {
            for &(k, nk) in &counts {
                let pairs = if c == k { nc * (nk - 1.0) } else { nc * nk };
                o[c * v + k] += pairs / (m - 1.0);
            }
        }
    }
    Ok((values, o))
}

/// Krippendorff's alpha of `data` (`data[rater][unit]`, `None` for a
/// missing value) at `level`, as `krippendorff.alpha(reliability_data,
/// level_of_measurement=...)` with the value domain the data's distinct
/// values.
pub fn alpha(data: &[Vec<Option<f64>>], level: MeasurementLevel) -> Result<f64, EvalError> {
    let (values, o) = coincidences(data)?;
    alpha_from_coincidences(&o, values.len(), |i, j, totals| {
        distance(level, &values, totals, i, j)
    })
}

/// Alpha from a coincidence matrix (`v x v`, row-major) and a distance
/// between value indices (given the values' totals, which the ordinal
/// distance needs): `1 - sum(o * d) / sum(e * d)`.
pub fn alpha_from_coincidences(
    o: &[f64],
    v: usize,
    distance: impl Fn(usize, usize, &[f64]) -> f64,
) -> Result<f64, EvalError> {
    if v <= 1 {
        return Err(EvalError::Undefined(
            "Krippendorff's alpha needs more than one distinct value".into(),
        ));
    }
    let totals: Vec<f64> = (0..v).map(|j| (0..v).map(|i| o[i * v + j]).sum()).collect();
    let n: f64 = totals.iter().sum();
    if n == 0.0 {
        return Err(EvalError::Undefined(
            "Krippendorff's alpha needs a unit with values from at least two raters".into(),
        ));
    }
    let (mut observed, mut expected) = (0.0, 0.0);
    for i in 0..v {
        for j in 0..v {
            let d = distance(i, j, &totals);
            let e = (totals[i] * totals[j] - if i == j { totals[i] } else { 0.0 }) / (n - 1.0);
            observed += o[i * v + j] * d;
            expected += e * d;
        }
    }
    if expected == 0.0 {
        return Err(EvalError::Undefined(
            "Krippendorff's alpha is undefined: no disagreement is expected by chance".into(),
        ));
    }
    Ok(1.0 - observed / expected)
}

/// The distance between values `i` and `j` (indices into the sorted
/// `values`, whose pairable totals are `totals`).
fn distance(level: MeasurementLevel, values: &[f64], totals: &[f64], i: usize, j: usize) -> f64 {
    let (a, b) = (values[i], values[j]);
    match level {
        MeasurementLevel::Nominal => f64::from(u8::from(i != j)),
        MeasurementLevel::Interval => (a - b) * (a - b),
        MeasurementLevel::Ratio => {
            let s = a + b;
            if s == 0.0 {
                0.0
            } else {
                ((a - b) / s).powi(2)
            }
        }
        MeasurementLevel::Ordinal => {
            let (lo, hi) = (i.min(j), i.max(j));
            let between: f64 = totals[lo..=hi].iter().sum();
            (between - (totals[lo] + totals[hi]) / 2.0).powi(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `krippendorff` package's docstring example.
    fn example() -> Vec<Vec<Option<f64>>> {
        let n = f64::NAN;
        [
            [n, n, n, n, n, 3., 4., 1., 2., 1., 1., 3., 3., n, 3.],
            [1., n, 2., 1., 3., 3., 4., 3., n, n, n, n, n, n, n],
            [n, n, 2., 1., 3., 4., 4., n, 2., 1., 1., 3., 3., n, 4.],
        ]
        .iter()
        .map(|r| r.iter().map(|&v| (!v.is_nan()).then_some(v)).collect())
        .collect()
    }

    #[test]
    fn the_packages_examples() {
        let a = alpha(&example(), MeasurementLevel::Nominal).unwrap();
        assert!((a - 0.691358).abs() < 1e-6, "{a}");
        let a = alpha(&example(), MeasurementLevel::Interval).unwrap();
        assert!((a - 0.810845).abs() < 1e-6, "{a}");
    }
}

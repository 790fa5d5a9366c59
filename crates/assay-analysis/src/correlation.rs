//! Pearson's and Spearman's correlation of a property with an outcome, as
//! SciPy 1.17's `pearsonr` and `spearmanr` give the statistic (Spearman:
//! Pearson's on average ranks, ties sharing their mean rank).

use assay_eval::numeric::pairwise_sum;

/// Pearson's r; `None` with fewer than two items, different lengths or a
/// constant variable (SciPy returns NaN and warns).
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let centred = |v: &[f64]| {
        let mean = pairwise_sum(v) / n;
        let c: Vec<f64> = v.iter().map(|a| a - mean).collect();
        // SciPy divides by the largest deviation first, against overflow.
        let max = c.iter().fold(0.0f64, |m, a| m.max(a.abs()));
        (max > 0.0).then(|| c.iter().map(|a| a / max).collect::<Vec<f64>>())
    };
    let (xm, ym) = (centred(x)?, centred(y)?);
    let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    let (nx, ny) = (norm(&xm), norm(&ym));
    let r: f64 = xm.iter().zip(&ym).map(|(a, b)| (a / nx) * (b / ny)).sum();
    Some(r.clamp(-1.0, 1.0))
}

/// Spearman's rho: Pearson's r of the average ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() {
        return None;
    }
    pearson(&average_ranks(x), &average_ranks(y))
}

/// Ranks from 1, ties given the mean of the ranks they span
/// (`scipy.stats.rankdata(method="average")`).
pub fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && v[order[end]] == v[order[start]] {
            end += 1;
        }
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn constant_or_short_inputs_have_no_correlation() {
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
        assert_eq!(spearman(&[1.0, 2.0], &[1.0]), None);
        let r = pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap();
        assert!((r - 1.0).abs() < 1e-15, "{r}");
    }
}

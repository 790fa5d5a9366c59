//! NumPy's floating-point arithmetic where the order of operations shows in
//! the last bits: `linspace` and the pairwise summation behind `sum`/`mean`.
//!
//! Reproducing these makes assay's results equal to the reference tools'
//! bit for bit, not only within a tolerance.

/// `np.linspace(start, stop, num)`: `i * step + start`, the last value
/// exactly `stop`.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    (0..num)
        .map(|i| {
            if i == num - 1 {
                stop
            } else {
                i as f64 * step + start
            }
        })
        .collect()
}

/// `np.sum` of a contiguous float64 array: NumPy's pairwise summation
/// (eight accumulators within blocks of 128, halving above).
pub fn pairwise_sum(values: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = values.len();
    if n < 8 {
        return values.iter().fold(0.0, |acc, v| acc + v);
    }
    if n <= BLOCK {
        let mut r = [0.0; 8];
        r.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        for chunk in values[8..whole].chunks_exact(8) {
            for (acc, v) in r.iter_mut().zip(chunk) {
                *acc += v;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &values[whole..] {
            res += v;
        }
        return res;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
}

/// `np.mean` of a contiguous float64 array; `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| pairwise_sum(values) / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_ends_exactly_on_stop() {
        let t = linspace(0.5, 0.95, 10);
        assert_eq!(t.len(), 10);
        assert_eq!(t[0], 0.5);
        assert_eq!(t[9], 0.95);
        assert!(t.contains(&0.75));
        let r = linspace(0.0, 1.0, 101);
        assert_eq!(r[100], 1.0);
        assert_eq!(r[1], 0.01);
    }

    #[test]
    fn pairwise_sum_differs_from_naive_like_numpy() {
        // 0.1 summed 1000 times: NumPy gives 100.00000000000001 (pairwise),
        // a left-to-right loop gives 99.9999999999986.
        let v = vec![0.1; 1000];
        assert_eq!(pairwise_sum(&v), 100.00000000000001);
        assert_ne!(v.iter().sum::<f64>(), pairwise_sum(&v));
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0]), Some(1.5));
    }
}

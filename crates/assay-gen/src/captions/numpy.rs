//! numpy's float64 summation order, so that means match numpy's bits.
//!
//! `np.mean` of a contiguous `float64` array adds with pairwise summation
//! (blocks of up to 128 values summed eight ways) and divides by the count.

/// The block below which numpy sums eight-way without splitting.
const BLOCK: usize = 128;

/// `np.add.reduce` of a contiguous float64 array (numpy's pairwise sum).
pub fn sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        return values.iter().fold(0.0, |acc, v| acc + v);
    }
    if n <= BLOCK {
        return block_sum(values);
    }
    let mut half = n / 2;
    half -= half % 8;
    sum(&values[..half]) + sum(&values[half..])
}

fn block_sum(values: &[f64]) -> f64 {
    let n = values.len();
    let whole = n - n % 8;
    let mut r = [0.0; 8];
    r.copy_from_slice(&values[..8]);
    for chunk in values[8..whole].chunks_exact(8) {
        for (acc, v) in r.iter_mut().zip(chunk) {
            *acc += v;
        }
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for v in &values[whole..] {
        res += v;
    }
    res
}

/// `np.mean` of a float64 array; `NaN` for an empty one, as numpy gives.
pub fn mean(values: &[f64]) -> f64 {
    sum(values) / values.len() as f64
}

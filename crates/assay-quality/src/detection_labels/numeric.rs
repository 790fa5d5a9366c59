//! NumPy's summation order and `linspace`, so that sums and the float32
//! means behind cleanlab's class thresholds equal NumPy's bit for bit.

use std::ops::Add;

/// `np.sum` of a contiguous array: pairwise summation, with blocks of up
/// to 128 values summed in 8 interleaved lanes.
pub(crate) fn pairwise_sum<T: Copy + Default + Add<Output = T>>(a: &[T]) -> T {
    let n = a.len();
    if n < 8 {
        return a.iter().fold(T::default(), |sum, &v| sum + v);
    }
    if n <= 128 {
        let mut lanes = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (j, lane) in lanes.iter_mut().enumerate() {
                *lane = *lane + a[i + j];
            }
            i += 8;
        }
        let r = lanes;
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[whole..] {
            sum = sum + v;
        }
        return sum;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

/// `np.linspace(start, stop, num)` (endpoint included).
pub(crate) fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num < 2 {
        return vec![start; num];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if let Some(last) = v.last_mut() {
        *last = stop;
    }
    v
}

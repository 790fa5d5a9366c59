//! Entropy (CleanVision's `low_information`), contrast and a noise estimate.

use super::pil::histogram_variance;

/// PIL's `Image.entropy()`: the Shannon entropy in bits of the image's
/// histogram, all channels' 256 bins taken together as one distribution
/// (so an RGB image has up to log2(768) bits), summed in bin order as
/// Pillow's C code does.
pub fn pil_entropy(histograms: &[[u64; 256]]) -> f64 {
    let total: u64 = histograms.iter().flatten().sum();
    if total == 0 {
        return 0.0;
    }
    let fsum = total as f64;
    let mut entropy = 0.0;
    for &count in histograms.iter().flatten() {
        let p = count as f64 / fsum;
        if p != 0.0 {
            entropy += p * p.ln() * std::f64::consts::LOG2_E;
        }
    }
    -entropy
}

/// RMS contrast: the standard deviation of the greyscale values (PIL's L
/// conversion) over 255, in [0, 0.5].
pub fn rms_contrast(luma_histogram: &[u64; 256]) -> f64 {
    histogram_variance(luma_histogram).max(0.0).sqrt() / 255.0
}

/// Immerkær's fast noise estimate (1996) on the greyscale image: the mean
/// absolute response to the Laplacian-difference kernel
/// `[1 -2 1; -2 4 -2; 1 -2 1]`, times `sqrt(pi/2) / 6`; an estimate of the
/// standard deviation of additive Gaussian noise, in grey levels. 0 for
/// images smaller than 3x3.
pub fn noise_sigma(l: &[u8], width: usize, height: usize) -> f64 {
    if width < 3 || height < 3 {
        return 0.0;
    }
    let mut total: u64 = 0;
    for y in 1..height - 1 {
        let above = &l[(y - 1) * width..y * width];
        let row = &l[y * width..(y + 1) * width];
        let below = &l[(y + 1) * width..(y + 2) * width];
        total += row_response(above, row, below);
    }
    let interior = ((width - 2) * (height - 2)) as f64;
    (std::f64::consts::FRAC_PI_2).sqrt() * total as f64 / (6.0 * interior)
}

fn row_response(above: &[u8], row: &[u8], below: &[u8]) -> u64 {
    let outer =
        |r: &[u8], x: usize| i32::from(r[x - 1]) - 2 * i32::from(r[x]) + i32::from(r[x + 1]);
    (1..row.len() - 1)
        .map(|x| (outer(above, x) - 2 * outer(row, x) + outer(below, x)).unsigned_abs() as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_constant_is_zero() {
        let mut h = [0u64; 256];
        h[128] = 100;
        assert_eq!(pil_entropy(&[h]), 0.0);
    }

    #[test]
    fn entropy_of_uniform_grey_is_eight_bits() {
        let h = [3u64; 256];
        assert!((pil_entropy(&[h]) - 8.0).abs() < 1e-12);
    }

    #[test]
    fn noise_of_flat_and_ramp_is_zero() {
        let flat = vec![90u8; 20 * 10];
        assert_eq!(noise_sigma(&flat, 20, 10), 0.0);
        let ramp: Vec<u8> = (0..10).flat_map(|_| 0..20u8).collect();
        assert_eq!(noise_sigma(&ramp, 20, 10), 0.0);
    }

    #[test]
    fn noise_grows_with_noise() {
        let noisy: Vec<u8> = (0..400u32)
            .map(|i| 128u8.wrapping_add((i.wrapping_mul(2_654_435_761) >> 28) as u8))
            .collect();
        assert!(noise_sigma(&noisy, 20, 20) > 1.0);
    }
}

//! Entropy (CleanVision's `low_information`), contrast and a noise estimate.

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
/// conversion) over 255, in [0, 0.5], from their variance
/// ([`variance`](super::pil::variance), as `ImageStat` computes it).
pub fn rms_contrast(grey_variance: f64) -> f64 {
    grey_variance.max(0.0).sqrt() / 255.0
}

/// Immerkær's fast noise estimate (1996) on the greyscale image: the mean
/// absolute response to the Laplacian-difference kernel
/// `[1 -2 1; -2 4 -2; 1 -2 1]`, times `sqrt(pi/2) / 6`; an estimate of the
/// standard deviation of additive Gaussian noise, in grey levels (0 for
/// images smaller than 3x3). Accumulated one interior row at a time (with
/// the rows above and below), as [`grey_pass`](super::grey_pass) walks the
/// image.
#[derive(Debug, Default, Clone, Copy)]
pub struct Noise {
    total: u64,
}

impl Noise {
    /// Adds the absolute responses of the interior pixels of `row`.
    #[inline(always)]
    pub fn add_row(&mut self, above: &[u8], row: &[u8], below: &[u8]) {
        let n = row.len().saturating_sub(2);
        // Nine shifted views of equal length, so the loop vectorises; the
        // response fits 16 bits (|v| <= 16 * 255), and 32-bit sums of
        // 4096 of them cannot overflow.
        let (a0, a1, a2) = (&above[..n], &above[1..n + 1], &above[2..n + 2]);
        let (r0, r1, r2) = (&row[..n], &row[1..n + 1], &row[2..n + 2]);
        let (b0, b1, b2) = (&below[..n], &below[1..n + 1], &below[2..n + 2]);
        let outer = |p: u8, q: u8, r: u8| i16::from(p) - 2 * i16::from(q) + i16::from(r);
        for start in (0..n).step_by(4096) {
            let end = (start + 4096).min(n);
            let mut sum = 0u32;
            for x in start..end {
                let v = outer(a0[x], a1[x], a2[x]) - 2 * outer(r0[x], r1[x], r2[x])
                    + outer(b0[x], b1[x], b2[x]);
                sum += u32::from(v.unsigned_abs());
            }
            self.total += u64::from(sum);
        }
    }

    /// The estimate for an image of this size.
    pub fn sigma(&self, width: usize, height: usize) -> f64 {
        if width < 3 || height < 3 {
            return 0.0;
        }
        let interior = ((width - 2) * (height - 2)) as f64;
        (std::f64::consts::FRAC_PI_2).sqrt() * self.total as f64 / (6.0 * interior)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise_sigma(l: &[u8], width: usize, height: usize) -> f64 {
        super::super::grey_pass::grey_pass(l, width, height).noise
    }

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

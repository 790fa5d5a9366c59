//! Perceptual hashes as the `imagehash` package computes them (which
//! CleanVision uses for near duplicates), and a hash of decoded pixels
//! (CleanVision's exact duplicates compare pixels, not file bytes).
//!
//! Both perceptual hashes start from PIL's greyscale image shrunk with
//! LANCZOS (`imagehash`'s `ANTIALIAS`), reproduced byte for byte by
//! [`resize`]. pHash then takes scipy's unnormalised DCT-II over columns and
//! rows; it is computed here directly in double precision rather than by
//! FFTPACK, so coefficients agree to about 1e-12 and a bit can only differ
//! when a coefficient ties the median that closely (flat images).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decode::Pixels;
use crate::resample::{resize, Filter};

/// A 64-bit image hash; bit 63 is the first cell of `imagehash`'s 8x8 array
/// (row-major), so the hex form equals `str(imagehash.phash(image))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageHash(pub u64);

impl ImageHash {
    /// Number of differing bits.
    pub fn distance(self, other: ImageHash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    /// Parses 16 hex digits.
    pub fn from_hex(text: &str) -> Option<ImageHash> {
        if text.len() != 16 {
            return None;
        }
        u64::from_str_radix(text, 16).ok().map(ImageHash)
    }
}

impl std::fmt::Display for ImageHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for ImageHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ImageHash {
    /// The 16 hex digits [`Serialize`] writes.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match (text.len(), u64::from_str_radix(&text, 16)) {
            (16, Ok(v)) => Ok(ImageHash(v)),
            _ => Err(serde::de::Error::custom(format!(
                "expected an image hash of 16 hex digits, got {text:?}"
            ))),
        }
    }
}

fn bits_to_hash(bits: impl Iterator<Item = bool>) -> ImageHash {
    ImageHash(bits.fold(0u64, |acc, b| (acc << 1) | u64::from(b)))
}

/// `imagehash.phash(image)` (hash size 8, high-frequency factor 4) from the
/// image's greyscale pixels.
pub fn phash(luma: &[u8], width: usize, height: usize) -> ImageHash {
    const N: usize = 32;
    let small = resize(luma, (width, height), 1, (N, N), Filter::Lanczos);
    let cos = dct_table(N);
    // DCT over axis 0 (down each column), only the 8 lowest frequencies.
    let mut cols = [[0.0f64; N]; 8];
    for x in 0..N {
        let column: [f64; N] = std::array::from_fn(|y| f64::from(small[y * N + x]));
        for (k, out) in cols.iter_mut().enumerate() {
            out[x] = dct_term(&column, k, &cos[k]);
        }
    }
    // Then over axis 1 (along each row).
    let mut low = [0.0f64; 64];
    for (ky, row) in cols.iter().enumerate() {
        for kx in 0..8 {
            low[ky * 8 + kx] = dct_term(row, kx, &cos[kx]);
        }
    }
    let median = median64(&low);
    bits_to_hash(low.iter().map(|&v| v > median))
}

/// Term `k` of scipy's unnormalised DCT-II, `2 sum v[n] cos(pi k (2n + 1) / 2N)`.
/// The higher terms of a constant input are exactly 0, as FFTPACK gives
/// them (a direct sum leaves rounding noise that would decide a flat
/// image's hash bits).
fn dct_term(values: &[f64], k: usize, cos: &[f64]) -> f64 {
    if k > 0 && values.iter().all(|&v| v == values[0]) {
        return 0.0;
    }
    2.0 * values.iter().zip(cos).map(|(v, c)| v * c).sum::<f64>()
}

/// `cos(pi k (2n + 1) / (2N))` for k < 8.
fn dct_table(n: usize) -> Vec<Vec<f64>> {
    (0..8)
        .map(|k| {
            (0..n)
                .map(|i| {
                    (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2 * n) as f64).cos()
                })
                .collect()
        })
        .collect()
}

/// `np.median` of 64 values: the mean of the two middle ones.
fn median64(values: &[f64; 64]) -> f64 {
    let mut sorted = *values;
    sorted.sort_by(f64::total_cmp);
    (sorted[31] + sorted[32]) / 2.0
}

/// `imagehash.dhash(image)` (hash size 8): greyscale shrunk to 9x8, one bit
/// per horizontal neighbour pair, set when the right pixel is brighter.
pub fn dhash(luma: &[u8], width: usize, height: usize) -> ImageHash {
    let small = resize(luma, (width, height), 1, (9, 8), Filter::Lanczos);
    bits_to_hash(
        small
            .chunks_exact(9)
            .flat_map(|row| row.windows(2).map(|w| w[1] > w[0])),
    )
}

/// XXH3-128 of the decoded pixels with their size and channel count, hex:
/// equal for files that decode to the same image (CleanVision's exact
/// duplicates use MD5 of the pixel bytes alone). A fast non-cryptographic
/// hash: about ten times faster than BLAKE3 here, and a chance collision
/// between two images (2^-128 per pair) does not matter.
pub fn pixel_hash(pixels: &Pixels) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&(pixels.width as u64).to_le_bytes());
    hasher.update(&(pixels.height as u64).to_le_bytes());
    hasher.update(&[pixels.mode.channels() as u8]);
    hasher.update(&pixels.data);
    format!("{:032x}", hasher.digest128())
}

/// XXH3-128 of bytes alone, hex: CleanVision's exact-duplicate key is the
/// MD5 of `np.asarray(image).tobytes()`, which holds neither size nor
/// mode, so equal bytes are equal keys (a flat 90x1280 image and a flat
/// 1280x90 one of the same value, a palette image and a greyscale one with
/// the same indices).
pub fn bytes_hash(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_distance() {
        let h = ImageHash(0x8000_0000_0000_0001);
        assert_eq!(h.to_string(), "8000000000000001");
        assert_eq!(ImageHash::from_hex("8000000000000001"), Some(h));
        assert_eq!(h.distance(ImageHash(0)), 2);
    }

    #[test]
    fn dhash_of_horizontal_ramp_is_all_ones() {
        let ramp: Vec<u8> = (0..40)
            .flat_map(|_| (0..90).map(|x| (x * 2) as u8))
            .collect();
        assert_eq!(dhash(&ramp, 90, 40), ImageHash(u64::MAX));
    }

    #[test]
    fn phash_is_stable_under_small_changes() {
        let img: Vec<u8> = (0..64 * 64)
            .map(|i| ((i % 64) * 3 + (i / 64) * 2) as u8)
            .collect();
        let mut brighter = img.clone();
        for v in &mut brighter {
            *v = v.saturating_add(3);
        }
        assert!(phash(&img, 64, 64).distance(phash(&brighter, 64, 64)) <= 2);
    }
}

//! Deterministic pseudo-random tensors, computed exactly as
//! `tests/oracles/seeded_weights.py` computes them, so that fixtures store
//! only each tensor's name, shape and range.

/// FNV-1a, 64 bits.
fn fnv1a64(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, byte| {
        (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// `count` values in `[low, high)` for the tensor called `name`.
pub fn seeded_values(name: &str, count: usize, low: f64, high: f64, seed: u64) -> Vec<f32> {
    let key = seed ^ fnv1a64(name);
    (0..count as u64)
        .map(|i| {
            let mut z = key.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let u = (z >> 40) as f64 / (1u64 << 24) as f64;
            (low + (high - low) * u) as f32
        })
        .collect()
}

/// One tensor of a fixture: its name, shape and the range of its values.
#[derive(Debug, serde::Deserialize)]
pub struct TensorSpec {
    /// Name in the weights file.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Lower bound of the values.
    pub low: f64,
    /// Upper bound of the values.
    pub high: f64,
}

impl TensorSpec {
    /// The tensor's values under `seed`.
    pub fn values(&self, seed: u64) -> Vec<f32> {
        seeded_values(
            &self.name,
            self.shape.iter().product(),
            self.low,
            self.high,
            seed,
        )
    }
}

/// Writes the seeded tensors as `model.safetensors` in `folder`.
pub fn write_safetensors(
    folder: &std::path::Path,
    tensors: &[TensorSpec],
    seed: u64,
) -> std::path::PathBuf {
    let device = candle_core::Device::Cpu;
    let map: std::collections::HashMap<String, candle_core::Tensor> = tensors
        .iter()
        .map(|spec| {
            let tensor =
                candle_core::Tensor::from_vec(spec.values(seed), spec.shape.as_slice(), &device)
                    .expect("tensor of the fixture's shape");
            (spec.name.clone(), tensor)
        })
        .collect();
    let path = folder.join("model.safetensors");
    candle_core::safetensors::save(&map, &path).expect("safetensors written");
    path
}

/// The largest absolute difference between two sets of rows.
pub fn max_abs_diff(ours: &[Vec<f32>], expected: &[Vec<f64>]) -> f64 {
    assert_eq!(ours.len(), expected.len(), "row count");
    ours.iter()
        .zip(expected)
        .flat_map(|(a, b)| {
            assert_eq!(a.len(), b.len(), "row length");
            a.iter().zip(b).map(|(x, y)| (f64::from(*x) - y).abs())
        })
        .fold(0.0, f64::max)
}

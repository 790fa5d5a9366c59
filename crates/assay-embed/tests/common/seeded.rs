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

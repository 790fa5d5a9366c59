//! NumPy's legacy `np.random.RandomState`, bit for bit, for integer seeds.
//!
//! torch-fidelity draws its KID subsets and its Inception Score shuffle
//! from `np.random.RandomState(seed)`, so reproducing its numbers needs the
//! same stream. This is the Mersenne Twister (MT19937) seeded as NumPy's
//! `_legacy_seeding` seeds it from an integer (Matsumoto and Nishimura's
//! `init_genrand`), with the legacy draws built on it:
//!
//! - [`RandomState::random_sample`]: a double in `[0, 1)` from two 32-bit
//!   words (27 + 26 bits), as NumPy makes its 53-bit doubles;
//! - [`RandomState::permutation`]: `arange(n)` shuffled by the legacy
//!   Fisher-Yates loop, the index drawn by masked rejection (32-bit words
//!   for bounds below 2^32, 64-bit words otherwise);
//! - [`RandomState::choice_without_replacement`]: legacy `choice(n, size,
//!   replace=False)`, the first `size` entries of a permutation.
//!
//! The parity test `numpy_random_parity` checks the streams against NumPy.

use crate::GenError;

const STATE_LEN: usize = 624;
const SHIFT: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// NumPy's legacy `RandomState` (MT19937), seeded from an integer.
#[derive(Clone)]
pub struct RandomState {
    key: [u32; STATE_LEN],
    pos: usize,
    /// The second value of the last polar draw, kept for the next
    /// `standard_normal` (NumPy's `has_gauss`/`gauss`).
    gauss: Option<f64>,
}

impl std::fmt::Debug for RandomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RandomState")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl RandomState {
    /// `np.random.RandomState(seed)` (NumPy accepts seeds `0..2^32`).
    pub fn new(seed: u32) -> RandomState {
        let mut key = [0u32; STATE_LEN];
        let mut value = seed;
        for (pos, slot) in key.iter_mut().enumerate() {
            *slot = value;
            value = 1_812_433_253u32
                .wrapping_mul(value ^ (value >> 30))
                .wrapping_add(pos as u32 + 1);
        }
        RandomState {
            key,
            pos: STATE_LEN,
            gauss: None,
        }
    }

    /// The next 32-bit word of the Mersenne Twister.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == STATE_LEN {
            self.regenerate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// The next 64-bit word: two 32-bit words, the first the high half.
    pub fn next_u64(&mut self) -> u64 {
        let high = u64::from(self.next_u32());
        (high << 32) | u64::from(self.next_u32())
    }

    /// `random_sample()`: a double in `[0, 1)` with 53 random bits.
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `standard_normal()`: NumPy's legacy polar method (`legacy_gauss`),
    /// which draws two values at a time and keeps the second for the next
    /// call.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(kept) = self.gauss.take() {
            return kept;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `random_sample(n)`: `n` doubles in `[0, 1)`, in draw order.
    pub fn random_samples(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.random_sample()).collect()
    }

    /// A uniform integer in `0..=max`, drawn as NumPy's legacy
    /// `random_interval` draws it (masked rejection).
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        if max <= u64::from(u32::MAX) {
            loop {
                let value = u64::from(self.next_u32()) & mask;
                if value <= max {
                    return value;
                }
            }
        }
        loop {
            let value = self.next_u64() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// Shuffles `values` in place as the legacy `shuffle` does a 1-D array.
    pub fn shuffle<T>(&mut self, values: &mut [T]) {
        for i in (1..values.len()).rev() {
            let j = self.random_interval(i as u64) as usize;
            values.swap(i, j);
        }
    }

    /// `permutation(n)`: `0..n` shuffled.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut values: Vec<usize> = (0..n).collect();
        self.shuffle(&mut values);
        values
    }

    /// `choice(n, size, replace=False)` (no weights): the first `size`
    /// entries of `permutation(n)`. Like NumPy, `size > n` is an error.
    pub fn choice_without_replacement(
        &mut self,
        n: usize,
        size: usize,
    ) -> Result<Vec<usize>, GenError> {
        if size > n {
            return Err(GenError::TooFewSamples {
                metric: "sampling without replacement",
                needed: size,
                got: n,
                hint: "; NumPy cannot take a larger sample than the population without replacement"
                    .to_string(),
            });
        }
        let mut values = self.permutation(n);
        values.truncate(size);
        Ok(values)
    }

    fn regenerate(&mut self) {
        for i in 0..STATE_LEN {
            let y = (self.key[i] & UPPER_MASK) | (self.key[(i + 1) % STATE_LEN] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            self.key[i] = self.key[(i + SHIFT) % STATE_LEN] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_outputs_of_init_genrand() {
        // The first outputs of MT19937 seeded with 5489 (the reference
        // implementation's default seed).
        let mut rs = RandomState::new(5489);
        assert_eq!(rs.next_u32(), 3_499_211_612);
        assert_eq!(rs.next_u32(), 581_869_302);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut rs = RandomState::new(7);
        let mut p = rs.permutation(1000);
        p.sort_unstable();
        assert!(p.iter().enumerate().all(|(i, &v)| i == v));
    }

    #[test]
    fn choice_larger_than_population_is_an_error() {
        let mut rs = RandomState::new(7);
        assert!(rs.choice_without_replacement(3, 4).is_err());
        assert_eq!(
            rs.choice_without_replacement(3, 0).unwrap(),
            Vec::<usize>::new()
        );
    }
}

//! Resamples of the images: drawn with replacement from a seeded stream, and
//! their image multiplicities and positions.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::EvalError;

/// Draws resample number `index` of `n` images: `n` image indices, with
/// replacement, in draw order.
///
/// Each resample has its own ChaCha8 stream (`seed`, stream `index`), so a
/// resample does not depend on how many others are drawn or in which order
/// they are computed.
pub(crate) fn draw(n: usize, seed: u64, index: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    (0..n).map(|_| rng.random_range(0..n)).collect()
}

/// A resample as the weighted accumulation uses it: how often each image
/// occurs, and where.
pub(crate) struct Resample {
    /// Occurrences of each image.
    pub weights: Vec<u32>,
    /// `positions[offsets[i]..offsets[i + 1]]` are the positions of image
    /// `i` in the resample, ascending.
    offsets: Vec<u32>,
    positions: Vec<u32>,
}

impl Resample {
    /// The resample listing `indices` (into the `n` evaluated images), in
    /// that order.
    pub fn new(indices: &[usize], n: usize) -> Result<Resample, EvalError> {
        if indices.len() > u32::MAX as usize {
            return Err(EvalError::Params(format!(
                "a resample of {} images is too large (at most {})",
                indices.len(),
                u32::MAX
            )));
        }
        let mut weights = vec![0u32; n];
        for (position, &i) in indices.iter().enumerate() {
            let w = weights.get_mut(i).ok_or_else(|| {
                EvalError::Params(format!(
                    "resample position {position} names image index {i}, but there are {n} \
                     images (indices 0..{n}, in ascending image id order)"
                ))
            })?;
            *w += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut total = 0u32;
        offsets.push(0);
        for &w in &weights {
            total += w;
            offsets.push(total);
        }
        let mut next = offsets.clone();
        let mut positions = vec![0u32; indices.len()];
        for (position, &i) in indices.iter().enumerate() {
            positions[next[i] as usize] = position as u32;
            next[i] += 1;
        }
        Ok(Resample {
            weights,
            offsets,
            positions,
        })
    }

    /// The positions of image `image` in the resample, ascending.
    pub fn occurrences(&self, image: usize) -> &[u32] {
        &self.positions[self.offsets[image] as usize..self.offsets[image + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_reproducible_and_in_range() {
        let a = draw(50, 7, 3);
        assert_eq!(a, draw(50, 7, 3));
        assert_ne!(a, draw(50, 7, 4));
        assert_ne!(a, draw(50, 8, 3));
        assert!(a.iter().all(|&i| i < 50));
    }

    #[test]
    fn weights_and_positions() {
        let r = Resample::new(&[2, 0, 2, 2], 3).expect("valid");
        assert_eq!(r.weights, vec![1, 0, 3]);
        assert_eq!(r.occurrences(2), &[0, 2, 3]);
        assert_eq!(r.occurrences(1), &[] as &[u32]);
        assert_eq!(r.occurrences(0), &[1]);
        assert!(Resample::new(&[3], 3).is_err());
    }
}

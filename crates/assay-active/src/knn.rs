//! The classifier of the simulation: k nearest labelled neighbours by
//! cosine similarity (vectors are normalised first), class probabilities
//! as the neighbours' similarity-weighted votes with one pseudo-count
//! spread over the classes, so no probability is 0.

use rayon::prelude::*;

/// Rows of `vectors` (`dim` each) scaled to unit length (zero rows stay).
pub fn normalised(vectors: &[f32], dim: usize) -> Vec<f32> {
    let mut out = vectors.to_vec();
    for row in out.chunks_mut(dim) {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|v| *v /= norm);
        }
    }
    out
}

/// Class probabilities (`classes` per row) of the `queries` from their `k`
/// nearest `labelled` samples (with their `labels`), over unit vectors.
pub fn predict(
    unit: &[f32],
    dim: usize,
    labelled: &[usize],
    labels: &[usize],
    classes: usize,
    queries: &[usize],
    k: usize,
) -> Vec<f64> {
    let row = |i: usize| &unit[i * dim..(i + 1) * dim];
    queries
        .par_iter()
        .flat_map_iter(|&q| {
            let mut near: Vec<(f32, usize)> = labelled
                .iter()
                .zip(labels)
                .map(|(&l, &c)| {
                    (
                        row(q).iter().zip(row(l)).map(|(a, b)| a * b).sum::<f32>(),
                        c,
                    )
                })
                .collect();
            let k = k.min(near.len());
            if k > 0 && k < near.len() {
                near.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
            }
            let mut votes = vec![1.0 / classes as f64; classes];
            for &(s, c) in &near[..k] {
                votes[c] += f64::from(s.max(0.0)) + 1e-6;
            }
            let total: f64 = votes.iter().sum();
            votes.into_iter().map(move |v| v / total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_vote() {
        let unit = normalised(&[1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.1, 0.9], 2);
        let p = predict(&unit, 2, &[0, 2], &[0, 1], 2, &[1, 3], 1);
        assert!(p[0] > p[1] && p[3] > p[2], "{p:?}");
    }
}

//! The strategies: scores from probabilities, k-center greedy over
//! embeddings, the hybrid, random.

use assay_index::{KMeans, KMeansConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// How uncertain a prediction is, from its class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uncertainty {
    /// `1 - max p`.
    LeastConfidence,
    /// `1 - (p1 - p2)`, the two highest.
    Margin,
    /// `-sum p log p`.
    Entropy,
}

impl Uncertainty {
    /// The uncertainty of one probability row (higher: more uncertain).
    pub fn of(self, probs: &[f64]) -> f64 {
        let mut top = [0.0f64; 2];
        for &p in probs {
            if p > top[0] {
                top = [p, top[0]];
            } else if p > top[1] {
                top[1] = p;
            }
        }
        match self {
            Uncertainty::LeastConfidence => 1.0 - top[0],
            Uncertainty::Margin => 1.0 - (top[0] - top[1]),
            Uncertainty::Entropy => -probs
                .iter()
                .filter(|&&p| p > 0.0)
                .map(|p| p * p.ln())
                .sum::<f64>(),
        }
    }
}

/// How a detector's per-box uncertainties make one for the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The most uncertain box (images without boxes: 0).
    Max,
    /// The mean over boxes (images without boxes: 0).
    Mean,
    /// The sum over boxes: more uncertain boxes, more uncertain image.
    Sum,
}

impl Aggregation {
    /// The aggregation named `name`.
    pub fn parse(name: &str) -> Option<Aggregation> {
        match name {
            "max" => Some(Aggregation::Max),
            "mean" => Some(Aggregation::Mean),
            "sum" => Some(Aggregation::Sum),
            _ => None,
        }
    }

    /// An image's uncertainty from its boxes' scores, each box a binary
    /// prediction (object or not) with probability `score`.
    pub fn of(self, measure: Uncertainty, scores: &[f64]) -> f64 {
        let each = scores.iter().map(|&s| {
            let s = s.clamp(0.0, 1.0);
            measure.of(&[s, 1.0 - s])
        });
        match self {
            Aggregation::Max => each.fold(0.0, f64::max),
            Aggregation::Sum => each.sum(),
            Aggregation::Mean if scores.is_empty() => 0.0,
            Aggregation::Mean => each.sum::<f64>() / scores.len() as f64,
        }
    }
}

/// How to choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "by")]
pub enum Strategy {
    /// At random (the baseline).
    Random,
    /// The most uncertain first.
    Uncertainty(Uncertainty),
    /// k-center greedy: each pick the pool sample farthest from every
    /// labelled or picked one.
    CoreSet,
    /// The most uncertain (by margin) of each of `budget` k-means clusters
    /// of the pool.
    Hybrid,
}

impl Strategy {
    /// Its name.
    pub fn name(self) -> String {
        match self {
            Strategy::Random => "random".into(),
            Strategy::Uncertainty(u) => match u {
                Uncertainty::LeastConfidence => "least_confidence".into(),
                Uncertainty::Margin => "margin".into(),
                Uncertainty::Entropy => "entropy".into(),
            },
            Strategy::CoreSet => "coreset".into(),
            Strategy::Hybrid => "hybrid".into(),
        }
    }

    /// The strategy named `name`.
    pub fn parse(name: &str) -> Option<Strategy> {
        Some(match name {
            "random" => Strategy::Random,
            "least_confidence" => Strategy::Uncertainty(Uncertainty::LeastConfidence),
            "margin" => Strategy::Uncertainty(Uncertainty::Margin),
            "entropy" => Strategy::Uncertainty(Uncertainty::Entropy),
            "coreset" | "core_set" | "k_center" => Strategy::CoreSet,
            "hybrid" => Strategy::Hybrid,
            _ => return None,
        })
    }

    /// Whether it reads a model's class probabilities.
    pub fn needs_probabilities(self) -> bool {
        matches!(self, Strategy::Uncertainty(_) | Strategy::Hybrid)
    }

    /// Every strategy, random first.
    pub const ALL: [Strategy; 6] = [
        Strategy::Random,
        Strategy::Uncertainty(Uncertainty::LeastConfidence),
        Strategy::Uncertainty(Uncertainty::Margin),
        Strategy::Uncertainty(Uncertainty::Entropy),
        Strategy::CoreSet,
        Strategy::Hybrid,
    ];
}

/// What the strategies choose from.
pub struct Pool<'a> {
    /// Embeddings of every sample, `dim` values each, end to end.
    pub vectors: &'a [f32],
    /// Their dimension.
    pub dim: usize,
    /// The class probabilities of every sample (`classes` each), when a
    /// model gave them.
    pub probs: Option<&'a [f64]>,
    /// Their number of classes.
    pub classes: usize,
    /// Uncertainties given per sample instead of probabilities (a
    /// detector's, aggregated over its boxes by the caller); used by every
    /// uncertainty measure and the hybrid.
    pub uncertainty: Option<&'a [f64]>,
    /// Samples already labelled (indices).
    pub labelled: &'a [usize],
    /// Samples that may be chosen (indices).
    pub candidates: &'a [usize],
}

/// The `budget` candidates `strategy` chooses, in the order chosen.
pub fn select(
    pool: &Pool,
    strategy: Strategy,
    budget: usize,
    seed: u64,
) -> Result<Vec<usize>, String> {
    let budget = budget.min(pool.candidates.len());
    let uncertainty = |u: Uncertainty, i: usize| -> Result<f64, String> {
        if let Some(given) = pool.uncertainty {
            return Ok(given[i]);
        }
        let probs = pool
            .probs
            .ok_or("this strategy needs a model's class probabilities")?;
        Ok(u.of(&probs[i * pool.classes..(i + 1) * pool.classes]))
    };
    match strategy {
        Strategy::Random => {
            let mut order = pool.candidates.to_vec();
            order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
            order.truncate(budget);
            Ok(order)
        }
        Strategy::Uncertainty(u) => {
            let mut scored: Vec<(f64, usize)> = pool
                .candidates
                .iter()
                .map(|&i| Ok((uncertainty(u, i)?, i)))
                .collect::<Result<_, String>>()?;
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            Ok(scored.into_iter().take(budget).map(|s| s.1).collect())
        }
        Strategy::CoreSet => Ok(k_center_greedy(pool, budget)),
        Strategy::Hybrid => {
            if pool.probs.is_none() && pool.uncertainty.is_none() {
                return Err("the hybrid strategy needs a model's class probabilities".into());
            }
            hybrid(pool, budget, seed, |i| {
                uncertainty(Uncertainty::Margin, i).unwrap_or(0.0)
            })
        }
    }
}

fn distance(pool: &Pool, a: usize, b: usize) -> f32 {
    let (x, y) = (
        &pool.vectors[a * pool.dim..(a + 1) * pool.dim],
        &pool.vectors[b * pool.dim..(b + 1) * pool.dim],
    );
    x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// Sener & Savarese's greedy k-center: repeatedly the candidate farthest
/// (squared Euclidean) from the labelled and already chosen samples.
fn k_center_greedy(pool: &Pool, budget: usize) -> Vec<usize> {
    let mut nearest: Vec<f32> = pool
        .candidates
        .par_iter()
        .map(|&c| {
            pool.labelled
                .iter()
                .map(|&l| distance(pool, c, l))
                .fold(f32::INFINITY, f32::min)
        })
        .collect();
    let mut chosen = Vec::with_capacity(budget);
    let mut taken = vec![false; pool.candidates.len()];
    for _ in 0..budget {
        let Some(best) = (0..pool.candidates.len())
            .filter(|&i| !taken[i])
            .max_by(|&a, &b| nearest[a].total_cmp(&nearest[b]).then(b.cmp(&a)))
        else {
            break;
        };
        taken[best] = true;
        let pick = pool.candidates[best];
        chosen.push(pick);
        nearest
            .par_iter_mut()
            .zip(pool.candidates.par_iter())
            .for_each(|(d, &c)| *d = d.min(distance(pool, c, pick)));
    }
    chosen
}

/// The most uncertain candidate of each of `budget` k-means clusters of
/// the candidates.
fn hybrid(
    pool: &Pool,
    budget: usize,
    seed: u64,
    uncertainty: impl Fn(usize) -> f64,
) -> Result<Vec<usize>, String> {
    if budget == 0 {
        return Ok(Vec::new());
    }
    let data: Vec<f32> = pool
        .candidates
        .iter()
        .flat_map(|&i| {
            pool.vectors[i * pool.dim..(i + 1) * pool.dim]
                .iter()
                .copied()
        })
        .collect();
    let mut config = KMeansConfig::new(budget);
    config.seed = seed;
    let model = KMeans::fit(&data, pool.dim, &config).map_err(|e| e.to_string())?;
    let mut best: Vec<Option<(f64, usize)>> = vec![None; budget];
    for (j, &c) in model.assignments.iter().enumerate() {
        let i = pool.candidates[j];
        let u = uncertainty(i);
        let slot = &mut best[c as usize];
        if slot.is_none_or(|(v, k)| u > v || (u == v && i < k)) {
            *slot = Some((u, i));
        }
    }
    let mut chosen: Vec<(f64, usize)> = best.into_iter().flatten().collect();
    chosen.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(chosen.into_iter().map(|c| c.1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncertainty_scores() {
        let sure = [0.98, 0.01, 0.01];
        let torn = [0.45, 0.45, 0.10];
        for u in [
            Uncertainty::LeastConfidence,
            Uncertainty::Margin,
            Uncertainty::Entropy,
        ] {
            assert!(u.of(&torn) > u.of(&sure), "{u:?}");
        }
        assert!((Uncertainty::Margin.of(&torn) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn box_uncertainty_aggregates() {
        let scores = [0.9, 0.5, 0.1];
        let lc = Uncertainty::LeastConfidence;
        assert!((Aggregation::Max.of(lc, &scores) - 0.5).abs() < 1e-12);
        assert!((Aggregation::Sum.of(lc, &scores) - 0.7).abs() < 1e-12);
        assert!((Aggregation::Mean.of(lc, &scores) - 0.7 / 3.0).abs() < 1e-12);
        assert_eq!(Aggregation::Mean.of(lc, &[]), 0.0);
    }

    #[test]
    fn core_set_picks_the_far_points_first() {
        // Points on a line at 0, 1, 2, 10, 11; 0 is labelled.
        let vectors = [0.0f32, 1.0, 2.0, 10.0, 11.0];
        let pool = Pool {
            vectors: &vectors,
            dim: 1,
            probs: None,
            classes: 0,
            uncertainty: None,
            labelled: &[0],
            candidates: &[1, 2, 3, 4],
        };
        assert_eq!(select(&pool, Strategy::CoreSet, 2, 0).unwrap(), vec![4, 2]);
        assert!(select(&pool, Strategy::Hybrid, 2, 0).is_err());
        let random = select(&pool, Strategy::Random, 3, 7).unwrap();
        assert_eq!(random.len(), 3);
        assert_eq!(random, select(&pool, Strategy::Random, 3, 7).unwrap());
    }
}

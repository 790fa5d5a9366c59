//! The labelling loop, simulated on a labelled set: start from a few
//! random labels, then in each round train the k-NN classifier on what is
//! labelled, let a strategy choose the next batch from the pool, reveal
//! those labels, and measure accuracy on a held-out test part. Every
//! strategy starts from the same labels in a given seed.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::knn::{normalised, predict};
use crate::strategy::{select, Pool, Strategy};

/// The loop's settings.
#[derive(Debug, Clone)]
pub struct SimulationOptions {
    /// Labels at the start (chosen at random).
    pub initial: usize,
    /// Labels added per round.
    pub batch: usize,
    /// Rounds after the start.
    pub rounds: usize,
    /// Seeds (each a different start and test part).
    pub seeds: u64,
    /// Share of the samples held out for measuring accuracy.
    pub test_share: f64,
    /// Neighbours of the classifier.
    pub k: usize,
    /// The strategies compared (random among them is the baseline).
    pub strategies: Vec<Strategy>,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            initial: 100,
            batch: 100,
            rounds: 10,
            seeds: 5,
            test_share: 0.2,
            k: 10,
            strategies: Strategy::ALL.to_vec(),
        }
    }
}

/// One strategy's learning curve over the seeds.
#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    /// The strategy.
    pub strategy: String,
    /// Labels at each point (the start, then each round).
    pub labels: Vec<usize>,
    /// Test accuracy per point, per seed (`[seed][point]`).
    pub accuracy: Vec<Vec<f64>>,
    /// Mean over the seeds per point.
    pub mean: Vec<f64>,
    /// Sample standard deviation over the seeds per point.
    pub sd: Vec<f64>,
    /// Fewest labels at which the mean reaches random's mean at its full
    /// budget (none when it never does).
    pub labels_to_match_random: Option<usize>,
}

/// The simulation's result.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// Samples in the pool (labels revealed on request).
    pub pool: usize,
    /// Samples held out.
    pub test: usize,
    /// The classifier, for people.
    pub classifier: String,
    /// A curve per strategy, random first.
    pub curves: Vec<Curve>,
}

/// Runs the loop for every strategy and seed. `labels` are every sample's
/// class (below `classes`); `vectors` their embeddings.
pub fn simulate(
    vectors: &[f32],
    dim: usize,
    labels: &[usize],
    classes: usize,
    options: &SimulationOptions,
) -> Result<Simulation, String> {
    let n = labels.len();
    if vectors.len() != n * dim || n == 0 || classes == 0 {
        return Err(format!(
            "{n} labels need {} vector values, got {}",
            n * dim,
            vectors.len()
        ));
    }
    let test_n = ((n as f64) * options.test_share).round() as usize;
    let needed = options.initial + options.batch * options.rounds;
    if test_n == 0 || n - test_n < needed {
        return Err(format!(
            "{n} samples are too few: the test part takes {test_n}, and {needed} labels need a pool at least that large"
        ));
    }
    let unit = normalised(vectors, dim);
    let mut curves: Vec<Curve> = options
        .strategies
        .iter()
        .map(|s| Curve {
            strategy: s.name(),
            labels: (0..=options.rounds)
                .map(|r| options.initial + r * options.batch)
                .collect(),
            accuracy: Vec::new(),
            mean: Vec::new(),
            sd: Vec::new(),
            labels_to_match_random: None,
        })
        .collect();
    for seed in 0..options.seeds {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let (test, pool) = order.split_at(test_n);
        let start: Vec<usize> = pool[..options.initial].to_vec();
        for (s, strategy) in options.strategies.iter().enumerate() {
            let mut labelled = start.clone();
            let mut points = Vec::new();
            for round in 0..=options.rounds {
                let known: Vec<usize> = labelled.iter().map(|&i| labels[i]).collect();
                let probs = predict(&unit, dim, &labelled, &known, classes, test, options.k);
                points.push(accuracy(&probs, classes, test, labels));
                if round == options.rounds {
                    break;
                }
                let taken: std::collections::HashSet<usize> = labelled.iter().copied().collect();
                let candidates: Vec<usize> = pool
                    .iter()
                    .copied()
                    .filter(|i| !taken.contains(i))
                    .collect();
                let pool_probs = predict(
                    &unit,
                    dim,
                    &labelled,
                    &known,
                    classes,
                    &candidates,
                    options.k,
                );
                let mut all_probs = vec![0.0; n * classes];
                for (j, &i) in candidates.iter().enumerate() {
                    all_probs[i * classes..(i + 1) * classes]
                        .copy_from_slice(&pool_probs[j * classes..(j + 1) * classes]);
                }
                let view = Pool {
                    vectors: &unit,
                    dim,
                    probs: Some(&all_probs),
                    classes,
                    uncertainty: None,
                    labelled: &labelled,
                    candidates: &candidates,
                };
                let picked = select(&view, *strategy, options.batch, seed * 1000 + round as u64)?;
                labelled.extend(picked);
            }
            curves[s].accuracy.push(points);
        }
    }
    for c in &mut curves {
        let points = c.labels.len();
        c.mean = (0..points)
            .map(|p| mean(c.accuracy.iter().map(|a| a[p])))
            .collect();
        c.sd = (0..points)
            .map(|p| sd(c.accuracy.iter().map(|a| a[p])))
            .collect();
    }
    if let Some(target) = curves
        .iter()
        .find(|c| c.strategy == "random")
        .and_then(|c| c.mean.last().copied())
    {
        for c in &mut curves {
            c.labels_to_match_random = c
                .mean
                .iter()
                .position(|&m| m >= target)
                .map(|p| c.labels[p]);
        }
    }
    Ok(Simulation {
        pool: n - test_n,
        test: test_n,
        classifier: format!(
            "{}-nearest labelled neighbours by cosine similarity, similarity-weighted votes",
            options.k
        ),
        curves,
    })
}

fn accuracy(probs: &[f64], classes: usize, test: &[usize], labels: &[usize]) -> f64 {
    let right = test
        .iter()
        .enumerate()
        .filter(|(j, &i)| {
            let row = &probs[j * classes..(j + 1) * classes];
            let best = (0..classes).fold(0, |b, c| if row[c] > row[b] { c } else { b });
            best == labels[i]
        })
        .count();
    right as f64 / test.len() as f64
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

fn sd(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    if v.len() < 2 {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_rise_with_labels_on_separable_clusters() {
        // Three well separated clusters in 2-D.
        let mut vectors = Vec::new();
        let mut labels = Vec::new();
        for i in 0..300 {
            let c = i % 3;
            let angle = c as f32 * 2.1 + (i as f32 * 0.37).sin() * 0.2;
            vectors.extend([angle.cos(), angle.sin()]);
            labels.push(c);
        }
        let options = SimulationOptions {
            initial: 3,
            batch: 6,
            rounds: 3,
            seeds: 2,
            ..SimulationOptions::default()
        };
        let sim = simulate(&vectors, 2, &labels, 3, &options).unwrap();
        assert_eq!(sim.curves.len(), 6);
        for c in &sim.curves {
            assert_eq!(c.mean.len(), 4);
            assert!(c.mean[3] >= 0.9, "{}: {:?}", c.strategy, c.mean);
        }
        assert!(simulate(&vectors[..4], 2, &labels[..2], 3, &options).is_err());
    }
}

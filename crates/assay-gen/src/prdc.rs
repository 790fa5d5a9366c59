//! Precision, recall, density and coverage of generated features against
//! real ones.
//!
//! Reference: the `prdc` package 0.2 (`compute_prdc`; Naeem et al. 2020 for
//! density and coverage, Kynkäänniemi et al. 2019 for precision and recall).
//! Each sample's radius is the distance to its k-th nearest neighbour in its
//! own set (the sample itself counted as the nearest, as `prdc` does by
//! taking the (k+1)-th smallest distance of the full matrix); distances are
//! Euclidean, computed as scikit-learn's `euclidean_distances` does
//! (`sqrt(max(|x|² - 2 x·y + |y|², 0))`, float64). The defaults are the
//! papers': k = 3 for precision and recall, k = 5 for density and coverage.
//!
//! The distance matrices are never held whole: rows are processed in blocks,
//! in parallel, so memory stays bounded at any n.

use faer::{Mat, MatRef};
use rayon::prelude::*;

use crate::{Features, GenError};

/// Rows of the distance matrix computed at once.
const BLOCK: usize = 256;

/// The four manifold metrics, with the per-sample counts behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct Prdc {
    /// Share of generated samples inside at least one real sample's ball.
    pub precision: f64,
    /// Share of real samples inside at least one generated sample's ball.
    pub recall: f64,
    /// Mean number of real balls holding a generated sample, divided by k.
    pub density: f64,
    /// Share of real samples whose ball holds at least one generated sample.
    pub coverage: f64,
    /// For each generated sample, how many real balls hold it (0: outside
    /// the real manifold; the per-sample reading of precision and density).
    pub real_balls_per_fake: Vec<u32>,
}

/// `prdc.compute_prdc(real, fake, nearest_k = k)`.
pub fn prdc(real: &Features, fake: &Features, k: usize) -> Result<Prdc, GenError> {
    check(real, fake, k)?;
    let real_radii = radii(real, k);
    let fake_radii = radii(fake, k);
    let fake_norms = squared_norms(fake);
    let fake_mat = as_mat(fake);
    let partial = (0..real.len())
        .into_par_iter()
        .step_by(BLOCK)
        .map(|start| {
            let end = (start + BLOCK).min(real.len());
            let dist = distances(real, start..end, fake_mat, &fake_norms);
            Partial::of_block(&dist, start, &real_radii, &fake_radii)
        })
        .reduce(|| Partial::new(fake.len()), Partial::merge);
    let (n_real, n_fake) = (real.len() as f64, fake.len() as f64);
    let inside: u64 = partial.balls.iter().map(|&c| u64::from(c)).sum();
    Ok(Prdc {
        precision: partial.balls.iter().filter(|&&c| c > 0).count() as f64 / n_fake,
        recall: partial.recalled as f64 / n_real,
        density: (1.0 / k as f64) * (inside as f64 / n_fake),
        coverage: partial.covered as f64 / n_real,
        real_balls_per_fake: partial.balls,
    })
}

fn check(real: &Features, fake: &Features, k: usize) -> Result<(), GenError> {
    if real.dim() != fake.dim() {
        return Err(GenError::Shape(format!(
            "real features have {} dimensions, generated ones {}",
            real.dim(),
            fake.dim()
        )));
    }
    if k == 0 {
        return Err(GenError::Shape("k must be at least 1".into()));
    }
    let got = real.len().min(fake.len());
    if got < k + 1 {
        return Err(GenError::TooFewSamples {
            metric: "precision/recall/density/coverage",
            needed: k + 1,
            got,
            hint: format!(" (k = {k}; each sample needs k neighbours in its own set)"),
        });
    }
    Ok(())
}

/// Counts gathered over blocks of real rows.
struct Partial {
    balls: Vec<u32>,
    recalled: usize,
    covered: usize,
}

impl Partial {
    fn new(n_fake: usize) -> Partial {
        Partial {
            balls: vec![0; n_fake],
            recalled: 0,
            covered: 0,
        }
    }

    /// `dist` holds the distances of real rows `start..` to every fake row.
    fn of_block(dist: &Mat<f64>, start: usize, real_radii: &[f64], fake_radii: &[f64]) -> Self {
        let mut p = Partial::new(dist.ncols());
        for r in 0..dist.nrows() {
            let radius = real_radii[start + r];
            let (mut recalled, mut nearest) = (false, f64::INFINITY);
            for (f, ball) in p.balls.iter_mut().enumerate() {
                let d = dist[(r, f)];
                *ball += u32::from(d < radius);
                recalled |= d < fake_radii[f];
                nearest = nearest.min(d);
            }
            p.recalled += usize::from(recalled);
            p.covered += usize::from(nearest < radius);
        }
        p
    }

    fn merge(mut self, other: Partial) -> Partial {
        for (a, b) in self.balls.iter_mut().zip(&other.balls) {
            *a += b;
        }
        self.recalled += other.recalled;
        self.covered += other.covered;
        self
    }
}

/// Each row's distance to its k-th nearest neighbour in `set`, itself
/// counted (the (k+1)-th smallest distance of its row).
pub fn radii(set: &Features, k: usize) -> Vec<f64> {
    let norms = squared_norms(set);
    let mat = as_mat(set);
    (0..set.len())
        .into_par_iter()
        .step_by(BLOCK)
        .flat_map_iter(|start| {
            let end = (start + BLOCK).min(set.len());
            let dist = distances(set, start..end, mat, &norms);
            let mut row = vec![0.0; set.len()];
            (0..end - start)
                .map(|r| {
                    row.iter_mut()
                        .enumerate()
                        .for_each(|(c, v)| *v = dist[(r, c)]);
                    *row.select_nth_unstable_by(k, f64::total_cmp).1
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn as_mat(set: &Features) -> MatRef<'_, f64> {
    MatRef::from_row_major_slice(set.as_slice(), set.len(), set.dim())
}

fn squared_norms(set: &Features) -> Vec<f64> {
    (0..set.len())
        .map(|i| set.row(i).iter().map(|v| v * v).sum())
        .collect()
}

/// Euclidean distances of rows `rows` of `a` to every row of `b`, as
/// scikit-learn computes them: `sqrt(max((-2 a·b + |a|²) + |b|², 0))`.
fn distances(
    a: &Features,
    rows: std::ops::Range<usize>,
    b: MatRef<'_, f64>,
    b_norms: &[f64],
) -> Mat<f64> {
    let block = as_mat(a).subrows(rows.start, rows.len());
    let mut dist = block * b.transpose();
    for r in 0..rows.len() {
        let a_norm: f64 = a.row(rows.start + r).iter().map(|v| v * v).sum();
        for (c, b_norm) in b_norms.iter().enumerate() {
            let d2 = (-2.0 * dist[(r, c)] + a_norm) + b_norm;
            dist[(r, c)] = d2.max(0.0).sqrt();
        }
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(points: &[f64]) -> Features {
        Features::new(points.to_vec(), 1).unwrap()
    }

    #[test]
    fn radii_count_the_sample_itself() {
        // Points 0, 1, 3, 7: nearest other neighbours at 1, 1, 2, 4.
        assert_eq!(
            radii(&line(&[0.0, 1.0, 3.0, 7.0]), 1),
            vec![1.0, 1.0, 2.0, 4.0]
        );
    }

    #[test]
    fn identical_sets_are_perfect_and_far_sets_are_not() {
        let real = line(&[0.0, 1.0, 2.0, 3.0, 4.0]);
        let fake = line(&[0.1, 1.1, 2.1, 3.1, 3.9]);
        let m = prdc(&real, &fake, 2).unwrap();
        assert_eq!((m.precision, m.recall, m.coverage), (1.0, 1.0, 1.0));
        let far = line(&[100.0, 101.0, 102.0, 103.0, 104.0]);
        let m = prdc(&real, &far, 2).unwrap();
        assert_eq!(
            (m.precision, m.recall, m.density, m.coverage),
            (0.0, 0.0, 0.0, 0.0)
        );
        assert!(m.real_balls_per_fake.iter().all(|&c| c == 0));
    }

    #[test]
    fn too_few_samples_or_mismatched_dimensions_are_errors() {
        assert!(prdc(&line(&[0.0, 1.0]), &line(&[0.0, 1.0]), 2).is_err());
        let two_d = Features::new(vec![0.0; 8], 2).unwrap();
        assert!(prdc(&line(&[0.0, 1.0, 2.0, 3.0]), &two_d, 1).is_err());
    }
}

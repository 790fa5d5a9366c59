//! Coverage of the distribution metrics' intervals on Gaussian features:
//! the real set from `N(0, I)`, the generated one shifted and scaled. The
//! value an interval is for, `E[θ_n]` (the metric's mean at the sample
//! size), is approximated by averaging the metric over many fresh samples;
//! then over repetitions, each a fresh pair of sets with its interval, we
//! count how often the interval holds it. The bootstrap this replaced
//! (resampling with replacement, percentile interval) is measured beside.
//! Shared by the `interval_coverage` test and example.

use assay_gen::frechet::{frechet_distance, FeatureStats};
use assay_gen::interval::{subsample_interval, IntervalOptions};
use assay_gen::kid::{kid, KidOptions};
use assay_gen::prdc::prdc;
use assay_gen::{Features, GenError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A metric of (real, generated) features.
pub type Metric = fn(&Features, &Features) -> Result<f64, GenError>;

/// The metrics measured, by name.
pub const METRICS: [(&str, Metric); 6] = [
    ("fid", fid),
    ("kid", kid_full),
    ("precision", |r, f| Ok(prdc(r, f, 3)?.precision)),
    ("recall", |r, f| Ok(prdc(r, f, 3)?.recall)),
    ("density", |r, f| Ok(prdc(r, f, 5)?.density)),
    ("coverage", |r, f| Ok(prdc(r, f, 5)?.coverage)),
];

fn fid(real: &Features, fake: &Features) -> Result<f64, GenError> {
    frechet_distance(
        &FeatureStats::from_features(real)?,
        &FeatureStats::from_features(fake)?,
    )
}

/// KID on one subset as large as the smaller set, as the demo's sets get it
/// (its 100 subsets of the whole set all hold the same rows).
fn kid_full(real: &Features, fake: &Features) -> Result<f64, GenError> {
    let opts = KidOptions {
        subsets: 1,
        subset_size: real.len().min(fake.len()),
        ..KidOptions::default()
    };
    Ok(kid(fake, real, &opts)?.mean)
}

/// One experiment's sizes.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Rows of each set.
    pub n: usize,
    /// Feature dimension.
    pub dim: usize,
    /// Shift of the generated set's mean (every coordinate).
    pub shift: f64,
    /// Scale of the generated set's standard deviation.
    pub scale: f64,
    /// Repetitions whose intervals are checked.
    pub reps: usize,
    /// Draws per interval.
    pub draws: usize,
    /// Samples averaged for `E[θ_n]`.
    pub truth_reps: usize,
    /// Seed of everything.
    pub seed: u64,
    /// Whether to measure the bootstrap too (doubles the time).
    pub bootstrap: bool,
}

/// What one experiment measured.
#[derive(Debug, Clone, Copy)]
pub struct Coverage {
    /// `E[θ_n]`, approximated.
    pub truth: f64,
    /// Fraction of subsampling intervals that hold it.
    pub subsampling: f64,
    /// Their mean width.
    pub width: f64,
    /// Fraction of subsampling intervals that hold their estimate.
    pub holds_estimate: f64,
    /// Fraction of bootstrap intervals that hold `E[θ_n]` (NaN when not
    /// measured).
    pub bootstrap: f64,
    /// Fraction of bootstrap intervals that hold their estimate.
    pub bootstrap_holds_estimate: f64,
}

/// `n` rows of `N(shift, scale² I)`.
pub fn gaussian(rng: &mut ChaCha8Rng, n: usize, dim: usize, shift: f64, scale: f64) -> Features {
    let data = (0..n * dim)
        .map(|_| {
            // Box–Muller.
            let u: f64 = 1.0 - rng.random::<f64>();
            let v: f64 = rng.random();
            shift + scale * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect();
    Features::new(data, dim).expect("n * dim values")
}

fn pair(rng: &mut ChaCha8Rng, s: &Setting) -> (Features, Features) {
    let real = gaussian(rng, s.n, s.dim, 0.0, 1.0);
    let fake = gaussian(rng, s.n, s.dim, s.shift, s.scale);
    (real, fake)
}

/// The bootstrap percentile interval (resampling with replacement).
fn bootstrap(
    real: &Features,
    fake: &Features,
    metric: Metric,
    draws: usize,
    rng: &mut ChaCha8Rng,
) -> (f64, f64) {
    let mut values: Vec<f64> = (0..draws)
        .map(|_| {
            let mut resample = |set: &Features| {
                let idx: Vec<usize> = (0..set.len())
                    .map(|_| rng.random_range(0..set.len()))
                    .collect();
                set.select(&idx)
            };
            let (r, f) = (resample(real), resample(fake));
            metric(&r, &f).expect("metric of a resample")
        })
        .collect();
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (values.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let next = values.get(lo + 1).copied().unwrap_or(values[lo]);
        values[lo] + (next - values[lo]) * (pos - pos.floor())
    };
    (at(0.025), at(0.975))
}

/// Measures the coverage of `metric`'s intervals in setting `s`.
pub fn measure(metric: Metric, s: &Setting) -> Coverage {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    let truth = (0..s.truth_reps)
        .map(|_| {
            let (real, fake) = pair(&mut rng, s);
            metric(&real, &fake).expect("metric of a sample")
        })
        .sum::<f64>()
        / s.truth_reps as f64;
    let (mut covered, mut width, mut holds, mut boot_covered, mut boot_holds) = (0, 0.0, 0, 0, 0);
    for rep in 0..s.reps {
        let (real, fake) = pair(&mut rng, s);
        let estimate = metric(&real, &fake).expect("metric of a sample");
        let opts = IntervalOptions {
            draws: s.draws,
            confidence: 0.95,
            seed: s.seed + rep as u64,
        };
        let i = subsample_interval(estimate, &[real.len(), fake.len()], &opts, |idx| {
            metric(&real.select(&idx[0]), &fake.select(&idx[1]))
        })
        .expect("interval")
        .expect("enough rows for an interval");
        covered += usize::from(i.low <= truth && truth <= i.high);
        holds += usize::from(i.low <= estimate && estimate <= i.high);
        width += i.high - i.low;
        if s.bootstrap {
            let (low, high) = bootstrap(&real, &fake, metric, s.draws, &mut rng);
            boot_covered += usize::from(low <= truth && truth <= high);
            boot_holds += usize::from(low <= estimate && estimate <= high);
        }
    }
    let reps = match s.bootstrap {
        true => s.reps as f64,
        false => f64::NAN,
    };
    let boot = |count: usize| count as f64 / reps;
    let reps = s.reps as f64;
    Coverage {
        truth,
        subsampling: covered as f64 / reps,
        width: width / reps,
        holds_estimate: holds as f64 / reps,
        bootstrap: boot(boot_covered),
        bootstrap_holds_estimate: boot(boot_holds),
    }
}

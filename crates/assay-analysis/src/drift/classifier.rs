//! A domain classifier: can a model tell current embeddings from
//! reference ones? Logistic regression (L2 penalty as scikit-learn's
//! default `C = 1`: `½‖w‖² + Σ log-loss`, intercept free) on features
//! standardized with each training fold's mean and deviation, fitted by
//! L-BFGS; stratified k-fold cross-validation; the ROC AUC of the
//! out-of-fold probabilities (0.5: indistinguishable, 1: separated).
//! The rows are subsampled to at most `max_samples` per side, as for MMD.

use assay_gen::numpy_random::RandomState;

use super::auc::roc_auc;
use super::embedding::Rows;
use super::DriftError;

/// Options of [`domain_classifier`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ClassifierOptions {
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Rows per side above which a random subsample of this size is used.
    pub max_samples: usize,
    /// Seed of the subsampling and the fold assignment.
    pub seed: u32,
    /// Inverse regularization strength, as scikit-learn's `C`.
    pub c: f64,
    /// L-BFGS iterations at most.
    pub max_iter: usize,
    /// AUC at or above which drift is flagged.
    pub threshold: f64,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        ClassifierOptions {
            folds: 5,
            max_samples: 1000,
            seed: 0,
            c: 1.0,
            max_iter: 200,
            threshold: 0.6,
        }
    }
}

/// The classifier's verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DomainClassifier {
    /// ROC AUC of all out-of-fold probabilities (current = positive).
    pub auc: f64,
    /// Each fold's ROC AUC.
    pub fold_aucs: Vec<f64>,
    /// The threshold used.
    pub threshold: f64,
    /// Whether `auc >= threshold`.
    pub drifted: bool,
    /// Reference rows given.
    pub n_reference: usize,
    /// Current rows given.
    pub n_current: usize,
    /// Reference rows used.
    pub n_reference_used: usize,
    /// Current rows used.
    pub n_current_used: usize,
    /// Whether either side was subsampled.
    pub subsampled: bool,
}

fn pick(rows: &Rows<'_>, max: usize, rng: &mut RandomState) -> Vec<usize> {
    if rows.len() <= max {
        return (0..rows.len()).collect();
    }
    let mut idx = rng.permutation(rows.len());
    idx.truncate(max);
    idx.sort_unstable();
    idx
}

/// Cross-validated ROC AUC of a logistic regression telling current
/// (positive) from reference rows.
pub fn domain_classifier(
    reference: &[f32],
    current: &[f32],
    dim: usize,
    options: &ClassifierOptions,
) -> Result<DomainClassifier, DriftError> {
    if options.folds < 2 {
        return Err(DriftError::Option(format!(
            "folds must be at least 2, got {}",
            options.folds
        )));
    }
    if !(options.c > 0.0 && options.c.is_finite()) {
        return Err(DriftError::Option(format!(
            "C must be positive and finite, got {}",
            options.c
        )));
    }
    let r = Rows::new(reference, dim, "reference")?;
    let c = Rows::new(current, dim, "current")?;
    let mut rng = RandomState::new(options.seed);
    let ri = pick(&r, options.max_samples.max(options.folds), &mut rng);
    let ci = pick(&c, options.max_samples.max(options.folds), &mut rng);
    for (side, got) in [("reference", ri.len()), ("current", ci.len())] {
        if got < options.folds {
            return Err(DriftError::TooFew {
                what: "stratified cross-validation (one row per fold)",
                side,
                needed: options.folds,
                got,
            });
        }
    }
    let mut x: Vec<f64> = Vec::with_capacity((ri.len() + ci.len()) * dim);
    let mut y: Vec<bool> = Vec::with_capacity(ri.len() + ci.len());
    for &i in &ri {
        x.extend(r.row(i).iter().map(|&v| f64::from(v)));
        y.push(false);
    }
    for &i in &ci {
        x.extend(c.row(i).iter().map(|&v| f64::from(v)));
        y.push(true);
    }
    // Stratified folds: each class shuffled, dealt round-robin.
    let n = y.len();
    let mut fold = vec![0usize; n];
    for class in [false, true] {
        let mut members: Vec<usize> = (0..n).filter(|&i| y[i] == class).collect();
        rng.shuffle(&mut members);
        for (k, &i) in members.iter().enumerate() {
            fold[i] = k % options.folds;
        }
    }
    let mut oof = vec![0.0f64; n];
    let mut fold_aucs = Vec::with_capacity(options.folds);
    for f in 0..options.folds {
        let train: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
        let test: Vec<usize> = (0..n).filter(|&i| fold[i] == f).collect();
        let model = fit(&x, &y, dim, &train, options);
        let mut labels = Vec::with_capacity(test.len());
        let mut scores = Vec::with_capacity(test.len());
        for &i in &test {
            oof[i] = model.predict(&x[i * dim..(i + 1) * dim]);
            labels.push(y[i]);
            scores.push(oof[i]);
        }
        fold_aucs.push(roc_auc(&labels, &scores)?);
    }
    let auc = roc_auc(&y, &oof)?;
    Ok(DomainClassifier {
        auc,
        fold_aucs,
        threshold: options.threshold,
        drifted: auc >= options.threshold,
        n_reference: r.len(),
        n_current: c.len(),
        n_reference_used: ri.len(),
        n_current_used: ci.len(),
        subsampled: ri.len() < r.len() || ci.len() < c.len(),
    })
}

/// A fitted logistic regression on standardized features.
struct Model {
    mean: Vec<f64>,
    scale: Vec<f64>,
    w: Vec<f64>,
    b: f64,
}

impl Model {
    fn predict(&self, row: &[f64]) -> f64 {
        let z: f64 = self.b
            + row
                .iter()
                .zip(&self.mean)
                .zip(&self.scale)
                .zip(&self.w)
                .map(|(((v, m), s), w)| (v - m) / s * w)
                .sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    }
}

fn log1p_exp(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn fit(x: &[f64], y: &[bool], dim: usize, train: &[usize], options: &ClassifierOptions) -> Model {
    let nt = train.len() as f64;
    let mut mean = vec![0.0; dim];
    for &i in train {
        for (m, v) in mean.iter_mut().zip(&x[i * dim..(i + 1) * dim]) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= nt);
    let mut scale = vec![0.0; dim];
    for &i in train {
        for ((s, v), m) in scale.iter_mut().zip(&x[i * dim..(i + 1) * dim]).zip(&mean) {
            *s += (v - m) * (v - m);
        }
    }
    scale.iter_mut().for_each(|s| {
        *s = (*s / nt).sqrt();
        if *s == 0.0 {
            *s = 1.0;
        }
    });
    let z: Vec<f64> = train
        .iter()
        .flat_map(|&i| {
            x[i * dim..(i + 1) * dim]
                .iter()
                .zip(&mean)
                .zip(&scale)
                .map(|((v, m), s)| (v - m) / s)
        })
        .collect();
    let t: Vec<f64> = train
        .iter()
        .map(|&i| if y[i] { 1.0 } else { -1.0 })
        .collect();
    // Parameters: w (dim) then b. Objective: ½‖w‖²/C + Σ log(1 + exp(-t·(z·w + b))).
    let inv_c = 1.0 / options.c;
    let objective = |p: &[f64], grad: &mut [f64]| -> f64 {
        let (w, b) = (&p[..dim], p[dim]);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut f = 0.0;
        for (k, &tk) in t.iter().enumerate() {
            let row = &z[k * dim..(k + 1) * dim];
            let margin = tk * (row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + b);
            f += log1p_exp(-margin);
            // d/dmargin log(1 + e^-margin) = -1 / (1 + e^margin).
            let coef = -tk / (1.0 + margin.exp());
            for (g, a) in grad[..dim].iter_mut().zip(row) {
                *g += coef * a;
            }
            grad[dim] += coef;
        }
        for (g, wi) in grad[..dim].iter_mut().zip(w) {
            *g += inv_c * wi;
            f += 0.5 * inv_c * wi * wi;
        }
        f
    };
    let p = lbfgs(dim + 1, options.max_iter, objective);
    Model {
        mean,
        scale,
        b: p[dim],
        w: p[..dim].to_vec(),
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimizes a smooth convex function from 0 by L-BFGS (memory 10) with
/// a backtracking Armijo line search.
fn lbfgs(n: usize, max_iter: usize, mut f: impl FnMut(&[f64], &mut [f64]) -> f64) -> Vec<f64> {
    const MEMORY: usize = 10;
    let mut x = vec![0.0; n];
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut g_new = vec![0.0; n];
    for _ in 0..max_iter {
        let gnorm = dot(&g, &g).sqrt();
        if gnorm <= 1e-8 * (1.0 + fx.abs()) {
            break;
        }
        // Two-loop recursion for the direction -H g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(s_hist.len());
        for (s, yv) in s_hist.iter().zip(&y_hist).rev() {
            let rho = 1.0 / dot(yv, s);
            let a = rho * dot(s, &q);
            q.iter_mut().zip(yv).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push((rho, a));
        }
        if let (Some(s), Some(yv)) = (s_hist.last(), y_hist.last()) {
            let scale = dot(s, yv) / dot(yv, yv);
            q.iter_mut().for_each(|qi| *qi *= scale);
        } else {
            q.iter_mut().for_each(|qi| *qi /= gnorm.max(1.0));
        }
        for ((s, yv), (rho, a)) in s_hist.iter().zip(&y_hist).zip(alphas.into_iter().rev()) {
            let b = rho * dot(yv, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let d: Vec<f64> = q.iter().map(|v| -v).collect();
        let slope = dot(&g, &d);
        if slope >= 0.0 {
            break;
        }
        let mut step = 1.0;
        let mut x_new = vec![0.0; n];
        let mut f_new;
        loop {
            x_new
                .iter_mut()
                .zip(&x)
                .zip(&d)
                .for_each(|((xn, xi), di)| *xn = xi + step * di);
            f_new = f(&x_new, &mut g_new);
            if f_new <= fx + 1e-4 * step * slope || step < 1e-12 {
                break;
            }
            step *= 0.5;
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let improvement = fx - f_new;
        x = x_new;
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        if dot(&s, &yv) > 1e-12 {
            if s_hist.len() == MEMORY {
                s_hist.remove(0);
                y_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(yv);
        }
        if improvement.abs() <= 1e-12 * (1.0 + fx.abs()) {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::gaussian;

    #[test]
    fn chance_for_the_same_distribution_and_one_for_separated() {
        let o = ClassifierOptions::default();
        let a = gaussian(400, 4, 0.0, 1);
        let b = gaussian(400, 4, 0.0, 2);
        let c = gaussian(400, 4, 5.0, 3);
        let same = domain_classifier(&a, &b, 4, &o).unwrap();
        assert!((same.auc - 0.5).abs() < 0.07, "{same:?}");
        assert!(!same.drifted);
        let far = domain_classifier(&a, &c, 4, &o).unwrap();
        assert!(far.auc > 0.999, "{far:?}");
        assert!(far.drifted);
        assert_eq!(far.fold_aucs.len(), 5);
    }
}

//! NannyML 0.13.1's `needs_calibration`: whether isotonic calibration
//! lowers the expected calibration error (ECE) of one class's scores.
//!
//! In NannyML's order:
//! 1. targets of a single value need no calibration;
//! 2. nor do scores whose ROC AUC (scikit-learn's `roc_auc_score`, the
//!    trapezoid over the curve with intermediate points dropped) exceeds
//!    0.999;
//! 3. otherwise ten stratified shuffle splits (scikit-learn's
//!    `StratifiedShuffleSplit(n_splits=10, test_size=0.1,
//!    random_state=42)`, its random draws from NumPy's legacy
//!    `RandomState(42)`): each split fits an isotonic calibrator on its
//!    training part and calibrates its test part;
//! 4. the ten test parts, concatenated in split order, are sorted by
//!    score (NumPy's default `argsort`, so tied scores keep NumPy's
//!    order) and cut into equal-count bins (10, fewer for short inputs;
//!    the last bin takes the remainder); the ECE is the bin-size-weighted
//!    mean of |mean score - mean target|, before and after calibration;
//! 5. calibration is needed when the ECE before is larger than after.

use assay_eval::numeric::pairwise_sum;
use assay_gen::numpy_random::RandomState;

use super::isotonic::Isotonic;
use assay_core::numpy_sort::argsort;

use super::numpy::mean;

/// The number of shuffle splits NannyML evaluates.
const SPLITS: usize = 10;
/// The fraction of the data each split tests on.
const TEST_SIZE: f64 = 0.1;
/// NannyML's seed for the splits.
const SEED: u32 = 42;
/// The number of ECE bins NannyML asks for.
const BINS: usize = 10;
/// Scores with a larger ROC AUC need no calibration.
const AUC_LIMIT: f64 = 0.999;

/// Whether calibrating `scores` against the binary `targets` lowers the
/// ECE, decided as NannyML decides it. `Err` carries the reason the
/// check cannot run (scikit-learn's split refuses the data), in words.
pub(crate) fn needs_calibration(targets: &[bool], scores: &[f64]) -> Result<bool, String> {
    let positives = targets.iter().filter(|&&t| t).count();
    if positives == 0 || positives == targets.len() {
        return Ok(false);
    }
    if roc_auc(targets, scores) > AUC_LIMIT {
        return Ok(false);
    }
    let splits = stratified_shuffle_split(targets)?;
    let mut y_test = Vec::new();
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (train, test) in &splits {
        let train_x: Vec<f64> = train.iter().map(|&i| scores[i]).collect();
        let train_y: Vec<f64> = train
            .iter()
            .map(|&i| f64::from(u8::from(targets[i])))
            .collect();
        let calibrator = Isotonic::fit(&train_x, &train_y);
        for &i in test {
            y_test.push(f64::from(u8::from(targets[i])));
            before.push(scores[i]);
            after.push(calibrator.predict(scores[i]));
        }
    }
    let edges = bin_edges(before.len(), BINS)?;
    Ok(expected_calibration_error(&y_test, &before, &edges)
        > expected_calibration_error(&y_test, &after, &edges))
}

/// NannyML's `_get_bin_index_edges`: `[start, end)` ranges of
/// `bin_width = len / bins` positions (the last one stretched to `len`);
/// inputs of at most `2 * bins` values get `len / 2` bins.
fn bin_edges(len: usize, mut bins: usize) -> Result<Vec<(usize, usize)>, String> {
    if len <= 2 * bins {
        bins = len / 2;
        if bins < 2 {
            return Err(format!(
                "cannot split {len} calibration test values into the minimum of 2 bins"
            ));
        }
    }
    let width = len / bins;
    let mut edges: Vec<usize> = (0..=len).step_by(width).collect();
    *edges.last_mut().expect("at least one edge") = len;
    Ok(edges.windows(2).map(|w| (w[0], w[1])).collect())
}

/// NannyML's `_calculate_expected_calibration_error`.
fn expected_calibration_error(targets: &[f64], scores: &[f64], edges: &[(usize, usize)]) -> f64 {
    let order = argsort(scores);
    let sorted_scores: Vec<f64> = order.iter().map(|&i| scores[i]).collect();
    let sorted_targets: Vec<f64> = order.iter().map(|&i| targets[i]).collect();
    let terms: Vec<f64> = edges
        .iter()
        .map(|&(start, end)| {
            let score = mean(&sorted_scores[start..end]);
            let target = mean(&sorted_targets[start..end]);
            let weight = (end - start) as f64 / scores.len() as f64;
            weight * (score - target).abs()
        })
        .collect();
    pairwise_sum(&terms)
}

/// scikit-learn's `roc_auc_score` for binary targets (both present), in
/// its floating-point steps: the ROC points at each distinct score from
/// the highest down, collinear interior points dropped
/// (`drop_intermediate`), rates as counts over the totals, and the
/// trapezoid rule summed pairwise.
fn roc_auc(targets: &[bool], scores: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Descending; the order within ties does not change the counts.
    order.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).expect("no NaN"));
    let (mut tps, mut fps) = (Vec::new(), Vec::new());
    let mut positives = 0.0;
    for (k, &i) in order.iter().enumerate() {
        if targets[i] {
            positives += 1.0;
        }
        let last_of_score = k + 1 == order.len() || scores[order[k + 1]] != scores[i];
        if last_of_score {
            tps.push(positives);
            fps.push(1.0 + k as f64 - positives);
        }
    }
    if tps.len() > 2 {
        let corner = |v: &[f64], j: usize| (v[j + 1] - v[j]) - (v[j] - v[j - 1]) != 0.0;
        let keep: Vec<usize> = (0..tps.len())
            .filter(|&j| j == 0 || j + 1 == tps.len() || corner(&fps, j) || corner(&tps, j))
            .collect();
        tps = keep.iter().map(|&j| tps[j]).collect();
        fps = keep.iter().map(|&j| fps[j]).collect();
    }
    tps.insert(0, 0.0);
    fps.insert(0, 0.0);
    let (tp_total, fp_total) = (tps[tps.len() - 1], fps[fps.len() - 1]);
    let tpr: Vec<f64> = tps.iter().map(|t| t / tp_total).collect();
    let fpr: Vec<f64> = fps.iter().map(|f| f / fp_total).collect();
    let areas: Vec<f64> = (1..fpr.len())
        .map(|j| (fpr[j] - fpr[j - 1]) * (tpr[j] + tpr[j - 1]) / 2.0)
        .collect();
    pairwise_sum(&areas)
}

/// One split's training and test indices.
type Split = (Vec<usize>, Vec<usize>);

/// The `(train, test)` index lists of scikit-learn 1.9's
/// `StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=42)`
/// over binary targets, in its order, or scikit-learn's refusal.
fn stratified_shuffle_split(targets: &[bool]) -> Result<Vec<Split>, String> {
    let n = targets.len();
    let n_test = (TEST_SIZE * n as f64).ceil() as usize;
    let n_train = n - n_test;
    if n_train == 0 {
        return Err(format!(
            "with {n} samples and test_size=0.1 the training part of the split is empty"
        ));
    }
    // Classes in sorted order (false, true), each with its indices ascending.
    let class_indices: [Vec<usize>; 2] = [
        (0..n).filter(|&i| !targets[i]).collect(),
        (0..n).filter(|&i| targets[i]).collect(),
    ];
    let counts = [class_indices[0].len(), class_indices[1].len()];
    if counts.iter().any(|&c| c < 2) {
        return Err(
            "the least populated class has only 1 member; scikit-learn's stratified split needs at least 2"
                .to_string(),
        );
    }
    if n_train < 2 || n_test < 2 {
        return Err(format!(
            "the split's train size {n_train} and test size {n_test} must both be at least the number of classes, 2"
        ));
    }
    let mut rng = RandomState::new(SEED);
    let mut splits = Vec::with_capacity(SPLITS);
    for _ in 0..SPLITS {
        let n_i = approximate_mode(&counts, n_train, &mut rng);
        let remaining = [counts[0] - n_i[0], counts[1] - n_i[1]];
        let t_i = approximate_mode(&remaining, n_test, &mut rng);
        let mut train = Vec::with_capacity(n_train);
        let mut test = Vec::with_capacity(n_test);
        for class in 0..2 {
            let permutation = rng.permutation(counts[class]);
            let shuffled: Vec<usize> = permutation
                .iter()
                .map(|&p| class_indices[class][p])
                .collect();
            train.extend_from_slice(&shuffled[..n_i[class]]);
            test.extend_from_slice(&shuffled[n_i[class]..n_i[class] + t_i[class]]);
        }
        rng.shuffle(&mut train);
        rng.shuffle(&mut test);
        splits.push((train, test));
    }
    Ok(splits)
}

/// scikit-learn's `_approximate_mode`: `draws` spread over the classes in
/// proportion to `counts`, rounded down, the rest given to the largest
/// remainders, ties among equal remainders broken by
/// `rng.choice(..., replace=False)`.
fn approximate_mode(counts: &[usize; 2], draws: usize, rng: &mut RandomState) -> [usize; 2] {
    let total = (counts[0] + counts[1]) as f64;
    let continuous = counts.map(|c| c as f64 / total * draws as f64);
    let mut floored = continuous.map(f64::floor);
    let mut need = (draws as f64 - (floored[0] + floored[1])) as i64;
    if need > 0 {
        let remainder = [continuous[0] - floored[0], continuous[1] - floored[1]];
        let mut values = remainder.to_vec();
        values.sort_by(|a, b| b.partial_cmp(a).expect("finite"));
        values.dedup();
        for value in values {
            let inds: Vec<usize> = (0..2).filter(|&i| remainder[i] == value).collect();
            let add_now = inds.len().min(need as usize);
            let mut chosen = rng.permutation(inds.len());
            chosen.truncate(add_now);
            for c in chosen {
                floored[inds[c]] += 1.0;
            }
            need -= add_now as i64;
            if need == 0 {
                break;
            }
        }
    }
    floored.map(|f| f as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_as_nannyml_cuts_them() {
        assert_eq!(
            bin_edges(20, 4).unwrap(),
            [(0, 5), (5, 10), (10, 15), (15, 20)]
        );
        // 25 values, 10 bins of width 2: twelve bins, the last of three.
        let edges = bin_edges(25, 10).unwrap();
        assert_eq!(edges.len(), 12);
        assert_eq!(edges[11], (22, 25));
        assert_eq!(bin_edges(20, 10).unwrap().len(), 10);
        assert!(bin_edges(3, 10).is_err());
    }

    #[test]
    fn auc_counts_ties_half() {
        let y = [false, false, true, true];
        assert_eq!(roc_auc(&y, &[0.1, 0.4, 0.35, 0.8]), 0.75);
        assert_eq!(roc_auc(&y, &[0.5; 4]), 0.5);
    }

    #[test]
    fn split_sizes_follow_scikit_learn() {
        let targets: Vec<bool> = (0..53).map(|i| i % 3 == 0).collect();
        let splits = stratified_shuffle_split(&targets).unwrap();
        assert_eq!(splits.len(), 10);
        for (train, test) in &splits {
            // ceil(0.1 * 53) = 6 tested, 47 trained, no index in both.
            assert_eq!((train.len(), test.len()), (47, 6));
            assert!(test.iter().all(|i| !train.contains(i)));
        }
        let lonely: Vec<bool> = (0..30).map(|i| i == 0).collect();
        assert!(stratified_shuffle_split(&lonely).is_err());
    }
}

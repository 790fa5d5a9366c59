//! The area under the ROC curve, as scikit-learn 1.9's
//! `roc_auc_score(y_true, y_score)` gives it for two classes: the
//! trapezoidal area over the curve's points at each distinct score, so
//! tied scores count half. Computed in integers and divided once.

use super::DriftError;

/// ROC AUC of `scores` for the labels (`true` = positive).
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Result<f64, DriftError> {
    if labels.len() != scores.len() {
        return Err(DriftError::Option(format!(
            "{} labels but {} scores; expected one score per label",
            labels.len(),
            scores.len()
        )));
    }
    if let Some(index) = scores.iter().position(|s| s.is_nan()) {
        return Err(DriftError::NotFinite {
            side: "score",
            index,
        });
    }
    let positives = labels.iter().filter(|&&l| l).count() as u128;
    let negatives = labels.len() as u128 - positives;
    if positives == 0 || negatives == 0 {
        return Err(DriftError::Option(
            "ROC AUC needs both classes among the labels; only one is present".to_string(),
        ));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    // Twice the area times P·N: Σ Δfp · (tp + tp_prev) over distinct scores.
    let (mut tp, mut fp) = (0u128, 0u128);
    let mut twice_area = 0u128;
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        let (tp0, fp0) = (tp, fp);
        while i < order.len() && scores[order[i]] == s {
            if labels[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        twice_area += (fp - fp0) * (tp + tp0);
    }
    Ok(twice_area as f64 / (2 * positives * negatives) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_count_half() {
        // roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75.
        let y = [false, false, true, true];
        assert_eq!(roc_auc(&y, &[0.1, 0.4, 0.35, 0.8]).unwrap(), 0.75);
        assert_eq!(roc_auc(&y, &[0.5; 4]).unwrap(), 0.5);
        assert_eq!(roc_auc(&y, &[0.0, 0.0, 1.0, 1.0]).unwrap(), 1.0);
        assert!(roc_auc(&[true, true], &[0.1, 0.2]).is_err());
    }
}

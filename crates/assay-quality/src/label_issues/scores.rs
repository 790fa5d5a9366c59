//! Label-quality scores (cleanlab's `rank.get_label_quality_scores` with
//! `adjust_pred_probs=False`) and ranking issues by them
//! (`rank.order_label_issues`).

use super::error::{LabelIssueError, Result};
use super::input::PredProbs;
use super::numpy::{argsort, pairwise_sum};
use super::options::{ScoreMethod, TieOrder};

/// cleanlab's `CLIPPING_LOWER_BOUND`.
const CLIP: f64 = 1e-6;

/// One score per example; lower means the given label is more likely
/// wrong. `ConfidenceWeightedEntropy` needs every probability in `[0, 1]`.
pub fn label_quality_scores(input: &PredProbs, method: ScoreMethod) -> Result<Vec<f64>> {
    let score: fn(&PredProbs, usize) -> f64 = match method {
        ScoreMethod::SelfConfidence => |input, i| input.self_confidence(i),
        ScoreMethod::NormalizedMargin => normalized_margin,
        ScoreMethod::ConfidenceWeightedEntropy => {
            input.check_unit_interval()?;
            confidence_weighted_entropy
        }
    };
    Ok((0..input.len()).map(|i| score(input, i)).collect())
}

/// `(p(given) - max p(other) + 1) / 2`.
fn normalized_margin(input: &PredProbs, i: usize) -> f64 {
    let given = input.labels()[i];
    let other = input
        .row(i)
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != given)
        .map(|(_, &p)| p)
        .fold(f64::NEG_INFINITY, f64::max);
    (input.self_confidence(i) - other + 1.0) / 2.0
}

/// `ln(1 + s) / s` with `s` the normalized entropy of the row divided by
/// the self-confidence (both clipped at `1e-6` as cleanlab clips them).
fn confidence_weighted_entropy(input: &PredProbs, i: usize) -> f64 {
    let self_confidence = input.self_confidence(i).max(CLIP);
    let xlogx: Vec<f64> = input
        .row(i)
        .iter()
        .map(|&p| if p == 0.0 { 0.0 } else { p * p.ln() })
        .collect();
    let entropy = -pairwise_sum(&xlogx) / (input.num_classes() as f64).ln();
    let score = entropy / self_confidence;
    (score + 1.0).ln() / score.max(CLIP)
}

/// The indices of the flagged examples, most likely mislabeled first
/// (ascending score; ties in the order NumPy's `argsort` leaves them on the
/// CPU `ties` names), as cleanlab's `order_label_issues`.
pub fn order_label_issues(
    input: &PredProbs,
    is_issue: &[bool],
    rank_by: ScoreMethod,
    ties: TieOrder,
) -> Result<Vec<usize>> {
    if is_issue.len() != input.len() {
        return Err(LabelIssueError::MaskLength {
            got: is_issue.len(),
            expected: input.len(),
        });
    }
    input.check_two_classes(true)?;
    let scores = label_quality_scores(input, rank_by)?;
    let flagged: Vec<usize> = (0..input.len()).filter(|&i| is_issue[i]).collect();
    let flagged_scores: Vec<f64> = flagged.iter().map(|&i| scores[i]).collect();
    Ok(argsort(&flagged_scores, ties)
        .into_iter()
        .map(|at| flagged[at])
        .collect())
}

//! cleanlab's `filter.find_label_issues` for single-label classification.

use super::confident_joint::{
    compute_confident_joint, count_confident, num_label_issues, prediction_near_given,
};
use super::error::Result;
use super::input::PredProbs;
use super::numpy::{argmax, argsort};
use super::options::{FilterBy, FilterOptions, ScoreMethod, TieOrder};
use super::prune::{prune_by_class, prune_by_count, PruneCounts};
use super::scores::{label_quality_scores, order_label_issues};

/// One flag per example: `true` where the given label is likely wrong.
pub fn find_label_issues(input: &PredProbs, options: &FilterOptions) -> Result<Vec<bool>> {
    options.check(input.num_classes())?;
    let filter_by = options.filter_by;
    // cleanlab accepts all-zero labels only where it never validates again.
    input.check_two_classes(!matches!(
        filter_by,
        FilterBy::PredictedNeqGiven | FilterBy::LowNormalizedMargin | FilterBy::LowSelfConfidence
    ))?;
    let mut flags = match filter_by {
        FilterBy::LowNormalizedMargin => {
            return lowest_scores(input, ScoreMethod::NormalizedMargin, options.tie_order)
        }
        FilterBy::LowSelfConfidence => {
            return lowest_scores(input, ScoreMethod::SelfConfidence, options.tie_order)
        }
        FilterBy::ConfidentLearning => off_diagonal(input),
        FilterBy::PredictedNeqGiven => (0..input.len())
            .map(|i| argmax(input.row(i)) != input.labels()[i])
            .collect(),
        FilterBy::PruneByNoiseRate | FilterBy::PruneByClass | FilterBy::Both => {
            pruned(input, options)
        }
    };
    for (i, flag) in flags.iter_mut().enumerate() {
        *flag = *flag && !prediction_near_given(input, i);
    }
    Ok(flags)
}

/// `find_label_issues` with `return_indices_ranked_by`: the flagged
/// examples' indices, most likely mislabeled first by `rank_by`.
pub fn find_label_issues_ranked(
    input: &PredProbs,
    options: &FilterOptions,
    rank_by: ScoreMethod,
) -> Result<Vec<usize>> {
    let flags = find_label_issues(input, options)?;
    order_label_issues(input, &flags, rank_by, options.tie_order)
}

/// The examples counted off the diagonal of the confident joint.
fn off_diagonal(input: &PredProbs) -> Vec<bool> {
    let mut flags = vec![false; input.len()];
    for i in count_confident(input).off_diagonal {
        flags[i] = true;
    }
    flags
}

/// The `num_label_issues` examples with the lowest scores.
fn lowest_scores(input: &PredProbs, method: ScoreMethod, ties: TieOrder) -> Result<Vec<bool>> {
    let scores = label_quality_scores(input, method)?;
    let mut flags = vec![false; input.len()];
    let order = argsort(&scores, ties);
    for &i in &order[..num_label_issues(input)?] {
        flags[i] = true;
    }
    Ok(flags)
}

/// `prune_by_noise_rate`, `prune_by_class` or `both`, class by class.
fn pruned(input: &PredProbs, options: &FilterOptions) -> Vec<bool> {
    let class_counts = input.class_counts();
    let joint = compute_confident_joint(input, true, options.tie_order);
    let counts = PruneCounts::new(&joint.counts, &class_counts, options);
    let mut flags = vec![false; input.len()];
    for k in 0..input.num_classes() {
        let members = input.members(k);
        // cleanlab keeps the flags of classes with more than one example only.
        if members.len() <= 1 {
            continue;
        }
        let by_class = match options.filter_by {
            FilterBy::PruneByNoiseRate => vec![true; members.len()],
            _ => prune_by_class(input, &members, k, &counts, options),
        };
        let by_count = match options.filter_by {
            FilterBy::PruneByClass => vec![true; members.len()],
            _ => prune_by_count(input, &members, k, &counts, options),
        };
        for (m, &i) in members.iter().enumerate() {
            flags[i] = by_class[m] && by_count[m];
        }
    }
    flags
}

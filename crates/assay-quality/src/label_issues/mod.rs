//! Classification label errors, as cleanlab 2.9.0 finds them.
//!
//! A reimplementation of cleanlab's confident learning for single-label
//! classification, from out-of-sample predicted probabilities:
//! - [`find_label_issues`] / [`find_label_issues_ranked`]:
//!   `cleanlab.filter.find_label_issues` with every `filter_by`,
//!   `frac_noise`, `num_to_remove_per_class`, `min_examples_per_class` and
//!   `return_indices_ranked_by`;
//! - [`label_quality_scores`] and [`order_label_issues`]:
//!   `cleanlab.rank.get_label_quality_scores` (`adjust_pred_probs=False`)
//!   and `order_label_issues`;
//! - [`compute_confident_joint`], [`confident_thresholds`] and
//!   [`num_label_issues`]: the counting behind them (`cleanlab.count`).
//!
//! Results equal cleanlab's exactly: the same flags and order, the same
//! confident joint, and scores from the same floating-point operations
//! (NumPy's pairwise sums included, see `numpy.rs`).
//!
//! **Ties.** cleanlab sorts with `np.argsort`'s default, unstable kind, so
//! among examples with equal values (equal margins, equal scores, equal
//! rounding residuals of the confident joint) the one it flags or ranks first
//! depends on NumPy's sort. NumPy runs a portable introsort on ARM64 and on
//! x86-64 without AVX2, but x86-simd-sort's networks on AVX2 and AVX-512,
//! which order ties differently, so cleanlab's own result then depends on
//! the CPU. assay reproduces both NumPy 2.4's AVX2 sort (`simd_argsort.rs`,
//! the default) and the portable one (`numpy.rs`), chosen by [`TieOrder`]
//! (`FilterOptions::tie_order`); [`argsort`] is either sort. With AVX-512
//! NumPy's order is neither, so results may then differ where ties decide.
//!
//! **Inputs** are checked as cleanlab checks them ([`PredProbs::new`]):
//! probabilities within `[-1e-6, 1 + 1e-6]`, rows not required to sum to 1,
//! classes without examples allowed. assay also rejects NaN (cleanlab lets
//! it through), fewer than two classes and `frac_noise` outside `[0, 1]`.

mod confident_joint;
mod error;
mod filter;
mod input;
mod numpy;
mod options;
mod prune;
mod rounding;
mod scores;
mod simd_argsort;

pub use confident_joint::{
    compute_confident_joint, confident_thresholds, num_label_issues, ConfidentJoint,
};
pub use error::{LabelIssueError, Result};
pub use filter::{find_label_issues, find_label_issues_ranked};
pub use input::PredProbs;
pub use numpy::argsort;
pub use options::{FilterBy, FilterOptions, ScoreMethod, TieOrder};
pub use scores::{label_quality_scores, order_label_issues};

#[cfg(test)]
mod tests;

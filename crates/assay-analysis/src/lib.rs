//! Failure analysis over what assay measures: which properties of the
//! data predict a model's failures. Plain numbers in, numbers out; no I/O.
//!
//! - [`mutual_info`]: scikit-learn's `mutual_info_regression` k-nearest-
//!   neighbour estimator (Kraskov et al.), noise and seed as scikit-learn
//!   draws them, so results agree with it on the same inputs;
//! - [`correlation`]: Pearson's and Spearman's correlation as SciPy gives
//!   them;
//! - [`drift`]: drift between a reference and a current sample, per
//!   column as Evidently and SciPy compute it, and for embeddings (MMD as
//!   alibi-detect, centroid distance, a domain classifier's ROC AUC);
//! - [`binning`]: equal-count and equal-width binning of a numeric column
//!   into codes (NaN its own code), for slices and per-bucket results;
//! - [`slices`]: weak slices found automatically: SliceLine as the
//!   `sliceline` package runs it, deepchecks' weak-segment trees, and a
//!   slice's difference from the rest with interval and p-value;
//! - [`special`]: log-gamma, incomplete gamma and beta, erfc: the
//!   distribution tails behind every p-value here;
//! - [`multiple_testing`]: Benjamini-Hochberg adjusted p-values as
//!   statsmodels gives them;
//! - [`cbpe`]: a classifier's accuracy on unlabelled data, estimated from
//!   its calibrated confidence as NannyML's CBPE estimates it.

pub mod binning;
pub mod cbpe;
pub mod correlation;
pub mod drift;
pub mod multiple_testing;
pub mod mutual_info;
pub mod slices;
pub mod special;

//! `assay analyze ...`: failure analysis of a run (which metrics predict
//! failure, performance across a metric, weak slices), drift between
//! groups of samples, and whether one run is really better than another.
//! The workflows live in `assay_app::analysis`; this module parses flags
//! and prints.

mod buckets;
mod compare;
mod drift;
mod importance;
mod slices;

use anyhow::Result;
use assay_store::Store;
use clap::Subcommand;

/// `assay analyze` subcommands.
#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// Which data metrics predict whether the run finds an object: mutual
    /// information (scikit-learn's estimator, k = 3) with the IoU of the
    /// matched prediction (0 for misses), and Pearson's and Spearman's
    /// correlation, per class and overall.
    #[command(
        after_help = "Examples:\n  assay analyze importance --run 1\n  assay analyze importance --run 1 --class circle --json"
    )]
    Importance(importance::ImportanceArgs),
    /// Drift between two groups of samples (splits, or datasets): every
    /// image and object metric, the class mix, formats and sizes, tested
    /// as Evidently chooses by sample size (KS or Wasserstein, chi-squared
    /// or Jensen-Shannon, ...), and the embeddings (MMD, a domain
    /// classifier, and which clusters of the map grew or shrank).
    #[command(
        after_help = "Examples:\n  assay analyze drift --reference train --current val\n  assay analyze drift --reference shapes:train --current other:* --method psi --json"
    )]
    Drift(drift::DriftArgs),
    /// Weak slices of a run, found automatically: conjunctions of up to
    /// three conditions over binned metrics, classes, splits and tags
    /// where the run errs most (SliceLine, or deepchecks' trees), each
    /// against the rest with an interval and a Benjamini-Hochberg p-value,
    /// and the error kinds it holds.
    #[command(
        after_help = "Examples:\n  assay analyze slices --run 1\n  assay analyze slices --run 1 --target localization -k 5 --json\n  assay analyze slices --run 1 --method tree"
    )]
    Slices(slices::SlicesArgs),
    /// Performance by metric: precision, recall, AP and false-negative
    /// rate in each bucket of one data metric, overall and per class, with
    /// bootstrap intervals over images.
    #[command(
        after_help = "Examples:\n  assay analyze buckets --run 1 --metric box_area\n  assay analyze buckets --run 1 --metric brightness --buckets 4 --binning equal-width --class circle"
    )]
    Buckets(buckets::BucketsArgs),
    /// Is run B really better than run A? A paired bootstrap over images of
    /// the difference of every COCO metric (mAP, AP50, ..., AP per class)
    /// between two detection runs on the same ground truth, with
    /// intervals and p-values; for two classification runs, McNemar's test.
    #[command(
        after_help = "Examples:\n  assay analyze compare --a 1 --b 2\n  assay analyze compare --a 1 --b 2 --resamples 5000 --json"
    )]
    Compare(compare::CompareArgs),
}

/// Runs `assay analyze ...`.
pub fn run(store: &Store, cmd: AnalyzeCommand) -> Result<()> {
    match cmd {
        AnalyzeCommand::Importance(args) => importance::run(store, &args),
        AnalyzeCommand::Drift(args) => drift::run(store, &args),
        AnalyzeCommand::Slices(args) => slices::run(store, &args),
        AnalyzeCommand::Buckets(args) => buckets::run(store, &args),
        AnalyzeCommand::Compare(args) => compare::run(store, &args),
    }
}

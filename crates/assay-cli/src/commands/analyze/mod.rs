//! `assay analyze ...`: failure analysis of a run (which metrics predict
//! failure, performance across a metric, weak slices), drift between
//! groups of samples, and whether one run is really better than another.
//! The workflows live in `assay_app::analysis`; this module parses flags
//! and prints.

mod drift;
mod importance;

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
}

/// Runs `assay analyze ...`.
pub fn run(store: &Store, cmd: AnalyzeCommand) -> Result<()> {
    match cmd {
        AnalyzeCommand::Importance(args) => importance::run(store, &args),
        AnalyzeCommand::Drift(args) => drift::run(store, &args),
    }
}

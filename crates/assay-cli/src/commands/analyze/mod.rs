//! `assay analyze ...`: failure analysis of a run (which metrics predict
//! failure, performance across a metric, weak slices), drift between
//! groups of samples, and whether one run is really better than another.
//! The workflows live in `assay_app::analysis`; this module parses flags
//! and prints.

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
}

/// Runs `assay analyze ...`.
pub fn run(store: &Store, cmd: AnalyzeCommand) -> Result<()> {
    match cmd {
        AnalyzeCommand::Importance(args) => importance::run(store, &args),
    }
}

//! `assay gen`: generative-model validation from the command line.

pub mod compare;
mod diagnostics;
pub mod eval;
pub mod stats;

use std::path::Path;

use anyhow::Result;

use clap::Subcommand;

use compare::GenCompareArgs;
use eval::GenEvalArgs;
use stats::GenStatsArgs;

/// `assay gen` subcommands.
#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Evaluate generated images against real ones.
    #[command(
        after_help = "Examples:\n  assay gen eval --real photos/ --fake generated/prompts.csv\n  assay gen eval --dataset generated --real-dataset photos   (in a project: stored as runs)\n  assay gen eval --real real_feats.npy --fake fake_feats.npy --metrics fid,kid,prdc --json\n  assay gen eval --real fid_stats.npz --fake generated/ --model pt_inception.safetensors --metrics fid,is\n\nImages are embedded with --model (default: the built-in extractor, whose numbers are\nnot comparable with published ones; give the FID Inception for FID, a CLIP model for\nCLIPScore). KID uses torch-fidelity's defaults (100 subsets of 1000, seed 2020),\nlowering the subset size to the smaller set when it has fewer samples."
    )]
    Eval(GenEvalArgs),
    /// Save the FID statistics (mu, sigma) of a set, as pytorch-fid's `.npz`.
    #[command(
        after_help = "Example:\n  assay gen stats --images photos/ --model pt_inception.safetensors --out photos_fid.npz"
    )]
    Stats(GenStatsArgs),
    /// Compare generators against the same references: a leaderboard with
    /// intervals and per-prompt wins and losses.
    #[command(
        after_help = "Examples:\n  assay gen compare --real photos/ --fake a/prompts.csv --fake b/prompts.csv\n  assay gen compare --real photos/ --fake all.csv --by-model\n\nA manifest whose `model` column names several generators is split by model with --by-model."
    )]
    Compare(GenCompareArgs),
}

/// Runs one `assay gen` subcommand; `project` is opened only by those
/// that read or store project datasets.
pub fn run(cmd: GenCommand, project: &Path) -> Result<()> {
    match cmd {
        GenCommand::Eval(args) => eval::run(&args, project),
        GenCommand::Stats(args) => stats::run(&args),
        GenCommand::Compare(args) => compare::run(&args, project),
    }
}

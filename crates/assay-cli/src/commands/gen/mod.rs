//! `assay gen`: generative-model validation from the command line.

mod compare;
mod diagnostics;
mod eval;
mod inputs;
mod metrics;
mod project;
mod stats;

use std::path::Path;

use anyhow::Result;

use crate::cli::GenCommand;

pub use compare::Leaderboard;

/// `assay gen eval` on a project whose store is already open (the demo);
/// returns the leaderboard when a project dataset was evaluated.
pub fn run_eval_in(
    store: &mut assay_store::Store,
    args: &crate::cli::GenEvalArgs,
) -> Result<Option<Leaderboard>> {
    eval::run_with(args, Some(store))
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

//! One module per command; [`run`] dispatches.

pub mod analyze;
pub mod captions;
pub mod check;
pub mod embed;
pub mod embeddings;
pub mod eval;
pub mod evaluate;
pub mod export;
pub mod gen;
pub mod import;
pub mod info;
mod issues;
pub mod label_issues;
pub mod merge;
pub mod metrics;
pub mod monitor;
pub mod predictions;
pub mod quality;
pub mod report;
pub mod review;
pub mod runs;
pub mod scan;
pub mod search;
pub mod select;
pub mod serve;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use assay_store::Store;

use crate::cli::{Cli, Command};

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let project = cli.project.clone().unwrap_or_else(|| PathBuf::from("."));
    match cli.command {
        Command::Init { dir } => init(dir.as_deref().unwrap_or(&project)),
        Command::Import(cmd) => import::run(&mut open(&project)?, cmd),
        Command::Predictions(cmd) => predictions::run(&mut open(&project)?, cmd),
        Command::Export(cmd) => export::run(&open(&project)?, cmd),
        Command::Info { json } => info::run(&open(&project)?, json),
        Command::Evaluate(args) => evaluate::run(&mut open(&project)?, &args),
        Command::Runs(args) => runs::run(&open(&project)?, &args),
        Command::Metrics(cmd) => metrics::run(&mut open(&project)?, cmd),
        Command::Users(cmd) => review::users(&mut open(&project)?, cmd),
        Command::Review(cmd) => review::review(&mut open(&project)?, cmd),
        Command::Select(args) => select::run(&mut open(&project)?, &args),
        Command::Log(args) => runs::log(&mut open(&project)?, &args),
        Command::Quality(args) => quality::compute(&mut open(&project)?, &args),
        Command::Issues {
            dataset,
            kind,
            split,
            limit,
            json,
        } => issues::list(
            &open(&project)?,
            dataset.as_deref(),
            kind.as_deref(),
            split.as_deref(),
            limit,
            json,
        ),
        Command::Report(args) => report::run(&open(&project)?, &args),
        Command::LabelIssues(args) => label_issues::run(&args),
        Command::Eval(cmd) => eval::run(cmd),
        Command::Scan(args) => scan::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Demo(args) => crate::demo::run(&args),
        Command::Serve(args) => serve::run(&project, &args),
        Command::Embed(args) => embed::run(&mut open(&project)?, &args),
        Command::Search(args) => search::run(&open(&project)?, &args),
        Command::Embeddings(cmd) => embeddings::embeddings(&mut open(&project)?, cmd),
        Command::Gen(cmd) => gen::run(cmd, &project),
        Command::Captions(cmd) => captions::run(cmd),
        Command::Analyze(cmd) => analyze::run(&open(&project)?, cmd),
        Command::Check(args) => check::run(&mut open(&project)?, &args),
        Command::Ingest(args) => monitor::ingest(&mut open(&project)?, &args),
        Command::Monitor(args) => monitor::monitor(&mut open(&project)?, &args),
    }
}

fn init(dir: &Path) -> Result<()> {
    let store = Store::init(dir)?;
    println!("Created an assay project in {}", store.root().display());
    println!("Next: assay import coco --annotations FILE [--images DIR]   (or yolo, voc, folder, generated)");
    Ok(())
}

/// Opens the project at or above `dir`.
pub fn open(dir: &Path) -> Result<Store> {
    Ok(Store::open(dir)?)
}

pub use assay_app::project::choose_dataset;

/// Reads a list of file names or ids, one a line.
pub fn read_list(path: &Path) -> Result<std::collections::HashSet<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

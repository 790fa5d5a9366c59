//! `assay eval`: evaluation of files, without a project.

mod class_inputs;
mod classification;
mod coco;
mod semseg;
mod semseg_masks;

use std::path::Path;

use anyhow::{bail, Result};

use crate::cli::EvalCommand;

pub use coco::{category_names, iou_type, print_report};

/// Runs an `assay eval` subcommand.
pub fn run(cmd: EvalCommand) -> Result<()> {
    match cmd {
        EvalCommand::Coco(args) => coco::run(&args),
        EvalCommand::Classification(args) => classification::run(&args),
        EvalCommand::Semseg(args) => semseg::run(&args),
    }
}

/// Reads class names, one a line (blank lines at the end are dropped).
fn read_class_names(path: &Path) -> Result<Vec<String>> {
    let text = assay_io::error::read_text(path)?;
    let mut names: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    if let Some(line) = names.iter().position(String::is_empty) {
        bail!(
            "{}: line {} is empty; expected one class name a line, in class-index order",
            path.display(),
            line + 1
        );
    }
    if names.is_empty() {
        bail!("{}: no class names; expected one a line", path.display());
    }
    Ok(names)
}

/// Checks that `names` (read from `path`) has one name per class; `source`
/// says where the number of classes comes from (`probs.npy has 10 columns`).
fn check_class_count(
    names: &[String],
    path: &Path,
    num_classes: usize,
    source: &str,
) -> Result<()> {
    if names.len() != num_classes {
        bail!(
            "{}: {} class names, but {source}; expected one name per class, a line each, \
             in class-index order",
            path.display(),
            names.len()
        );
    }
    Ok(())
}

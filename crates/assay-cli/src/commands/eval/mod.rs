//! `assay eval`: evaluation of files, without a project.

mod classification;
mod coco;
mod semseg;
mod semseg_masks;

use anyhow::Result;

use crate::cli::EvalCommand;

pub use classification::print_classification;
pub use coco::{category_names, iou_type, print_report};

/// Runs an `assay eval` subcommand.
pub fn run(cmd: EvalCommand) -> Result<()> {
    match cmd {
        EvalCommand::Coco(args) => coco::run(&args),
        EvalCommand::Classification(args) => classification::run(&args),
        EvalCommand::Semseg(args) => semseg::run(&args),
    }
}

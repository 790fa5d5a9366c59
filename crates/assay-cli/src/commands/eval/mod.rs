//! `assay eval`: evaluation of files, without a project.

pub mod classification;
pub mod coco;
pub mod semseg;

use anyhow::Result;

pub use classification::print_classification;
pub use coco::{category_names, print_report};

use clap::Subcommand;

use classification::ClassificationEvalArgs;
use coco::CocoEvalArgs;
use semseg::SemsegEvalArgs;

/// Standalone evaluation commands.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// COCO evaluation (bbox, segm, keypoints), identical to pycocotools' COCOeval.
    #[command(
        after_help = "Examples:\n  assay eval coco --gt instances_val2017.json --dt detections.json\n  assay eval coco --gt gt.json --dt masks.json --iou-type segm --json | jq '.stats[0]'"
    )]
    Coco(CocoEvalArgs),
    /// Classification metrics from predicted probabilities (or classes) and
    /// true labels: accuracy, top-k, precision/recall/F1, calibration error,
    /// Brier score, per-class scores and the most frequent confusions.
    #[command(
        after_help = "Examples:\n  assay eval classification --probs probs.npy --labels labels.npy --class-names classes.txt\n  assay eval classification --preds preds.csv --labels labels.csv --json | jq '.macro_avg.f1'"
    )]
    Classification(ClassificationEvalArgs),
    /// Semantic segmentation metrics (as mmsegmentation's IoUMetric) from
    /// folders of PNG label masks: aAcc, mIoU, mDice, mAcc and per-class
    /// IoU, Dice, accuracy, precision and recall.
    #[command(
        after_help = "Examples:\n  assay eval semseg --pred out/ --gt ade20k/annotations/validation --num-classes 150 --reduce-zero-label\n  assay eval semseg --pred pred/ --gt gt/ --num-classes 19 --json | jq '.mIoU'"
    )]
    Semseg(SemsegEvalArgs),
    /// Merges the partial COCO evaluations of image shards (`assay eval
    /// coco --shard K/N --partial-out FILE`) into exactly the evaluation of
    /// all images at once.
    #[command(
        after_help = "Examples:\n  assay eval coco --gt gt.json --dt dt.json --shard 1/2 --partial-out part1.json\n  assay eval coco --gt gt.json --dt dt.json --shard 2/2 --partial-out part2.json\n  assay eval merge part1.json part2.json --json"
    )]
    Merge(coco::MergeArgs),
}

/// Runs an `assay eval` subcommand.
pub fn run(cmd: EvalCommand) -> Result<()> {
    match cmd {
        EvalCommand::Coco(args) => coco::run(&args),
        EvalCommand::Classification(args) => classification::run(&args),
        EvalCommand::Semseg(args) => semseg::run(&args),
        EvalCommand::Merge(args) => coco::merge(&args),
    }
}

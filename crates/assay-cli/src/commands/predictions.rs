//! `assay predictions add|classes`: store a model's predictions on a
//! dataset (`assay_app::import`, `assay_app::classification::import`).

use std::path::PathBuf;

use anyhow::Result;
use assay_app::classification::import::{import_classifications, ClassFiles};
use assay_app::import::{add_predictions, PredictionFiles};
use assay_store::Store;
use clap::{Args, Subcommand};

use crate::output::print_warnings;

/// Prediction commands.
#[derive(Debug, Subcommand)]
pub enum PredictionsCommand {
    /// Add a model's predictions on a dataset (replacing earlier ones of that model).
    #[command(
        after_help = "Examples:\n  assay predictions add --model yolov8n --coco results.json\n  assay predictions add --model yolov8n --yolo runs/detect/predict/labels"
    )]
    Add {
        /// Name of the model.
        #[arg(long)]
        model: String,
        /// COCO results file (list of {image_id, category_id, score, bbox|segmentation|keypoints}).
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "yolo",
            conflicts_with = "yolo"
        )]
        coco: Option<PathBuf>,
        /// Folder of YOLO prediction files (class cx cy w h conf).
        #[arg(long, value_name = "DIR")]
        yolo: Option<PathBuf>,
        /// Dataset the predictions are on (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Match image ids within this split only.
        #[arg(long)]
        split: Option<String>,
    },
    /// Add a classifier's output on a dataset with image labels: scores per
    /// class (or a class) for each image, matched by file name (replacing
    /// earlier ones of that model). `assay evaluate --model NAME` then
    /// records a classification run.
    #[command(
        after_help = "Examples:\n  assay predictions classes --model resnet --probs probs.npy --rows files.csv\n  assay predictions classes --model resnet --probs probs.csv      # columns: file, then one per class\n  assay predictions classes --model resnet --preds preds.jsonl    # {\"file\": ..., \"class\": \"cat\"}"
    )]
    Classes(ClassPredictionArgs),
}

/// A classifier's output files.
#[derive(Debug, Args)]
pub struct ClassPredictionArgs {
    /// Name of the model.
    #[arg(long)]
    pub model: String,
    /// Scores per image and class: .npy (with --rows), .csv (a `file` column, one column per class) or .jsonl ({"file", "scores"}).
    #[arg(long, value_name = "FILE", required_unless_present = "preds")]
    pub probs: Option<PathBuf>,
    /// Predicted class per image: .csv (`file` and `pred` columns) or .jsonl ({"file", "class"}).
    #[arg(long, value_name = "FILE", conflicts_with = "probs")]
    pub preds: Option<PathBuf>,
    /// The image file name of each row of a .npy array: one a line, or a CSV with a `file` column.
    #[arg(long, value_name = "FILE")]
    pub rows: Option<PathBuf>,
    /// Class names of the score columns, one a line (default: a CSV's header, else the dataset's classes in id order).
    #[arg(long, value_name = "FILE")]
    pub class_names: Option<PathBuf>,
    /// The scores are logits: turn each row into probabilities with a softmax.
    #[arg(long)]
    pub softmax: bool,
    /// Dataset the predictions are on (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
}

pub fn run(store: &mut Store, cmd: PredictionsCommand) -> Result<()> {
    let (model, coco, yolo, dataset, split) = match cmd {
        PredictionsCommand::Add {
            model,
            coco,
            yolo,
            dataset,
            split,
        } => (model, coco, yolo, dataset, split),
        PredictionsCommand::Classes(args) => return add_classes(store, &args),
    };
    let source = match (coco, yolo) {
        (Some(path), _) => PredictionFiles::Coco(path),
        (None, Some(dir)) => PredictionFiles::Yolo(dir),
        (None, None) => anyhow::bail!("give the predictions with --coco FILE or --yolo DIR"),
    };
    let added = add_predictions(store, dataset.as_deref(), split.as_deref(), &model, &source)?;
    print_warnings(&added.warnings);
    println!(
        "Stored {} predictions of model {model:?} on {} of {} images of dataset {:?}",
        added.predictions, added.images, added.of_images, added.dataset
    );
    Ok(())
}

/// Stores a classifier's output and says how it was matched.
fn add_classes(store: &mut Store, args: &ClassPredictionArgs) -> Result<()> {
    let dataset = super::choose_dataset(store, args.dataset.as_deref())?;
    let files = ClassFiles {
        probs: args.probs.clone(),
        preds: args.preds.clone(),
        rows: args.rows.clone(),
        class_names: args.class_names.clone(),
        softmax: args.softmax,
    };
    let done = import_classifications(store, &dataset, &args.model, &files)?;
    if done.unmatched_count > 0 {
        eprintln!(
            "warning: {} rows name no image of dataset {dataset:?} and were left out (first: {})",
            done.unmatched_count,
            done.unmatched.join(", ")
        );
    }
    println!(
        "Stored class predictions of model {:?} for {} images of dataset {dataset:?} ({} without one); {}.",
        args.model, done.matched, done.missing, done.columns
    );
    Ok(())
}

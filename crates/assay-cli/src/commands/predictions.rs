//! `assay predictions add`: store a model's predictions on a dataset.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Result;
use assay_core::model::{Annotation, Category};
use assay_io::{coco, yolo, Warnings};
use assay_store::{DatasetIndex, Store};

use assay_app::classification::import::{import_classifications, ClassFiles};

use crate::output::print_warnings;

use clap::{Args, Subcommand};
use std::path::PathBuf;

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
    let dataset = super::choose_dataset(store, dataset.as_deref())?;
    let index = store.dataset_index(&dataset, split.as_deref())?;
    let (predictions, warnings) = match (coco, yolo) {
        (Some(path), _) => read_coco_results(&path, &index)?,
        (None, Some(dir)) => read_yolo_predictions(&dir, &index)?,
        (None, None) => anyhow::bail!("give the predictions with --coco FILE or --yolo DIR"),
    };
    print_warnings(&warnings);
    let n = store.add_predictions(&dataset, &model, &predictions)?;
    let images: HashSet<i64> = predictions.iter().map(|p| p.sample_id).collect();
    println!(
        "Stored {n} predictions of model {model:?} on {} of {} images of dataset {dataset:?}",
        images.len(),
        index.images.len()
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

/// Reads a COCO results file against the dataset's ids.
pub fn read_coco_results(path: &Path, index: &DatasetIndex) -> Result<(Vec<Annotation>, Warnings)> {
    let sizes: HashMap<i64, Option<(u32, u32)>> = index
        .images
        .iter()
        .map(|(id, (_, size))| (*id, *size))
        .collect();
    let categories: HashSet<i64> = index.categories.iter().map(|c| c.id).collect();
    Ok(coco::read_coco_results(path, &sizes, &categories)?)
}

/// Reads YOLO prediction files: class `k` is the dataset's k-th class (by id),
/// and files are matched to images by path or by file name without extension.
fn read_yolo_predictions(dir: &Path, index: &DatasetIndex) -> Result<(Vec<Annotation>, Warnings)> {
    let mut by_stem: HashMap<String, yolo::ImageRef> = HashMap::new();
    let mut basename_count: HashMap<String, usize> = HashMap::new();
    for stem in index.stems.keys() {
        let base = stem.rsplit('/').next().unwrap_or(stem).to_string();
        *basename_count.entry(base).or_default() += 1;
    }
    for (stem, id) in &index.stems {
        let entry = (*id, index.images.get(id).and_then(|(_, size)| *size));
        let base = stem.rsplit('/').next().unwrap_or(stem).to_string();
        if basename_count[&base] == 1 {
            by_stem.insert(base, entry);
        }
        by_stem.insert(stem.clone(), entry);
    }
    let by_index: Vec<Category> = index
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| Category::named(i as i64, &c.name))
        .collect();
    let (mut predictions, warnings) = yolo::read_yolo_predictions(dir, &by_stem, &by_index)?;
    for p in &mut predictions {
        p.category_id = index.categories[p.category_id as usize].id;
    }
    Ok((predictions, warnings))
}

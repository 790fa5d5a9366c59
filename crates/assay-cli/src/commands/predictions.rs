//! `assay predictions add`: store a model's predictions on a dataset.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Result;
use assay_core::model::{Annotation, Category};
use assay_io::{coco, yolo, Warnings};
use assay_store::{DatasetIndex, Store};

use assay_app::classification::import::{import_classifications, ClassFiles};

use crate::cli::{ClassPredictionArgs, PredictionsCommand};
use crate::output::print_warnings;

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

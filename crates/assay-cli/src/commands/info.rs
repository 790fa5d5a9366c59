//! `assay info`: what the project holds.

use anyhow::Result;
use assay_store::{ProjectSummary, Store};

use crate::output::table;

pub fn run(store: &Store, json: bool) -> Result<()> {
    let summary = store.summary()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(())
}

/// Prints a project summary as tables.
pub fn print_summary(summary: &ProjectSummary) {
    println!("Project {}", summary.project);
    if summary.datasets.is_empty() {
        println!("No datasets yet: import one with `assay import coco|yolo|voc|folder|generated`.");
    }
    for d in &summary.datasets {
        println!();
        println!(
            "Dataset {:?}: {} images ({} with files), {} annotations, {} categories",
            d.name, d.images, d.images_with_files, d.annotations, d.categories
        );
        let mut splits = table(&["split", "images", "annotations"]);
        for s in &d.splits {
            splits.add_row(vec![
                s.split.clone(),
                s.images.to_string(),
                s.annotations.to_string(),
            ]);
        }
        println!("{splits}");
        if !d.annotation_kinds.is_empty() {
            let kinds: Vec<String> = d
                .annotation_kinds
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            println!("annotation kinds: {}", kinds.join(", "));
        }
        if d.generated_images > 0 {
            println!("generated images: {}", d.generated_images);
        }
        print_classes(d);
        if !d.injected_problems.is_empty() {
            let injected: Vec<String> = d
                .injected_problems
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            println!("injected on purpose (demo truth): {}", injected.join(", "));
        }
    }
    if !summary.models.is_empty() {
        println!();
        let mut models = table(&["model", "dataset", "predictions", "images"]);
        for m in &summary.models {
            models.add_row(vec![
                m.name.clone(),
                m.dataset.clone(),
                m.predictions.to_string(),
                m.images.to_string(),
            ]);
        }
        println!("{models}");
    }
}

fn print_classes(d: &assay_store::DatasetSummary) {
    const SHOWN: usize = 15;
    let mut classes = table(&["class", "annotations", "images"]);
    for c in d.classes.iter().take(SHOWN) {
        classes.add_row(vec![
            c.name.clone(),
            c.annotations.to_string(),
            c.images.to_string(),
        ]);
    }
    println!("{classes}");
    if d.classes.len() > SHOWN {
        println!(
            "... and {} more classes (all in `assay info --json`)",
            d.classes.len() - SHOWN
        );
    }
}

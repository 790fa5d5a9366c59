//! `assay quality`: computes a dataset's data-quality results
//! (`assay_app::quality`) and prints what was found.

use anyhow::Result;
use assay_app::quality::{self, some_names, QualityOptions, QualityOutcome};
use assay_quality::issues::OutlierMetric;
use assay_store::Store;
use serde_json::json;

use crate::output::{table, Bars};
pub use assay_app::quality::SPLIT_LEAK;

use clap::Args;

/// Options of `assay quality`.
#[derive(Debug, Args)]
pub struct QualityArgs {
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Also find label errors from this model's predictions: for a
    /// detector, cleanlab's object-detection scores (overlooked objects,
    /// swapped classes, badly located boxes), FiftyOne Brain's
    /// mistakenness and assay's mistaken_class, mistaken_box and
    /// missing_label; for a classifier with scores, FiftyOne Brain's
    /// hardness and mistakenness per image.
    #[arg(long)]
    pub model: Option<String>,
    /// Per-image metrics the `outlier` issue checks, comma-separated
    /// (default: brightness,contrast,blurriness,entropy,colourfulness,saturation,noise).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "METRICS")]
    pub outlier_metrics: Vec<OutlierMetric>,
    /// Tukey fence factor of the `outlier` issue: a value beyond
    /// `Q1 - K·IQR` or `Q3 + K·IQR` of the dataset is an outlier.
    #[arg(long, default_value_t = 3.0, value_name = "K")]
    pub outlier_k: f64,
    /// Largest pHash Hamming distance between near duplicates and between
    /// the images of a split leak (0: equal hashes, as CleanVision).
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=32))]
    pub near_radius: u32,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The options of the command line.
pub fn options(args: &QualityArgs) -> QualityOptions {
    QualityOptions {
        dataset: args.dataset.clone(),
        model: args.model.clone(),
        outlier_metrics: args.outlier_metrics.clone(),
        outlier_k: args.outlier_k,
        near_radius: args.near_radius,
    }
}

/// Runs `assay quality`.
pub fn compute(store: &mut Store, args: &QualityArgs) -> Result<()> {
    show(store, &options(args), args.json)
}

/// Computes the quality metrics and issues of a dataset, stores them and
/// prints what was found.
pub fn show(store: &mut Store, options: &QualityOptions, json: bool) -> Result<()> {
    let done = quality::compute(store, options, &Bars::default())?;
    let images = &done.images;
    if json {
        let counts: serde_json::Map<String, serde_json::Value> = done
            .counts
            .iter()
            .map(|(k, n)| (k.clone(), json!(n)))
            .collect();
        let files = json!({
            "measured": images.measured,
            "unreadable": images.unreadable,
            "missing": images.missing.len(),
        });
        println!(
            "{}",
            json!({"dataset": done.dataset, "images": files, "annotations": done.annotations, "issues": counts})
        );
        return Ok(());
    }
    print_files(&done);
    println!(
        "Measured {} annotations; {} issues stored.",
        done.annotations, done.issues
    );
    print_counts(&done.counts);
    println!("Next: assay issues --type TYPE   (worst examples first)");
    Ok(())
}

/// What the image checks looked at, and the samples they could not.
fn print_files(done: &QualityOutcome) {
    let (name, images, n) = (&done.dataset, &done.images, done.samples);
    println!(
        "Measured {} of the {n} image files of dataset {name:?} ({} unreadable).",
        images.measured, images.unreadable
    );
    if images.missing.is_empty() {
        return;
    }
    let missing = images.missing.len();
    if missing == n {
        println!("No sample has an image file on disk (imported without --images?): only annotations were checked.");
    } else {
        println!(
            "{missing} samples have no image file on disk and were left out of the image checks: {}",
            some_names(&images.missing, 3)
        );
    }
    println!("  Import again with --images DIR to attach the files.");
}

pub fn print_counts(counts: &[(String, usize)]) {
    if counts.is_empty() {
        println!("No issues found.");
        return;
    }
    let mut t = table(&["issue", "count"]);
    for (kind, n) in counts {
        t.add_row(vec![kind.clone(), n.to_string()]);
    }
    println!("{t}");
}

//! `assay quality`: computes a dataset's data-quality results
//! (`assay_app::quality`) and prints what was found.

use std::path::{Path, PathBuf};

use anyhow::Result;
use assay_app::quality::{self, shards, some_names, QualityOptions, QualityOutcome};
use assay_core::shard::Shard;
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
    /// Measure only the image files of shard K of N (a contiguous run of
    /// the dataset's samples) into --partial-out, storing nothing; every
    /// shard's file then goes to --merge.
    #[arg(long, value_name = "K/N", requires = "partial_out")]
    pub shard: Option<Shard>,
    /// Write the (shard's) image measurements to FILE instead of storing
    /// results.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "merge", "model"])]
    pub partial_out: Option<PathBuf>,
    /// Compute and store the quality results from every shard's
    /// --partial-out file (once each, any order) instead of measuring the
    /// images here: the same results as one unsharded run.
    #[arg(long, num_args = 1.., value_name = "FILE", conflicts_with = "shard")]
    pub merge: Vec<PathBuf>,
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
    if let Some(out) = &args.partial_out {
        return partial(store, args, out);
    }
    if !args.merge.is_empty() {
        let parts = args
            .merge
            .iter()
            .map(|p| shards::read_part(p))
            .collect::<Result<Vec<_>>>()?;
        let done = shards::merge(store, &options(args), parts)?;
        return print_outcome(&done, args.json);
    }
    show(store, &options(args), args.json)
}

/// `assay quality --shard K/N --partial-out FILE`: one shard's images
/// measured.
fn partial(store: &Store, args: &QualityArgs, out: &Path) -> Result<()> {
    let shard = args.shard.unwrap_or(Shard { index: 0, count: 1 });
    let part = shards::measure_shard(store, args.dataset.as_deref(), shard, &Bars::default())?;
    shards::write_part(&part, out)?;
    println!(
        "Measured {} image files of shard {}/{} of dataset {:?} ({} samples) into {}",
        part.scan.rows.len(),
        shard.index + 1,
        shard.count,
        part.dataset,
        part.scan.files,
        out.display()
    );
    Ok(())
}

/// Computes the quality metrics and issues of a dataset, stores them and
/// prints what was found.
pub fn show(store: &mut Store, options: &QualityOptions, json: bool) -> Result<()> {
    let done = quality::compute(store, options, &Bars::default())?;
    print_outcome(&done, json)
}

/// Prints what a quality run measured and stored.
fn print_outcome(done: &QualityOutcome, json: bool) -> Result<()> {
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
    print_files(done);
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

//! `assay eval coco`: COCO evaluation of a results file against an
//! instances file.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use assay_core::model::{Annotation, Category, Dataset};
use assay_eval::coco::{self, CocoEvaluation, IouType, Params};
use assay_io::coco::{read_coco, read_coco_results_with, UnknownCategory};
use assay_report::format;
use serde_json::json;

use crate::output::{print_warnings, table};

use clap::Args;
use std::path::PathBuf;

/// What `assay eval coco` compares.
#[derive(Debug, Args)]
pub struct CocoEvalArgs {
    /// Ground truth: a COCO instances file.
    #[arg(long, value_name = "FILE")]
    pub gt: PathBuf,
    /// Detections: a COCO results file.
    #[arg(long, value_name = "FILE")]
    pub dt: PathBuf,
    /// What IoU is computed on.
    #[arg(long, value_enum, default_value = "bbox")]
    pub iou_type: IouType,
    /// Print one JSON object (`stats` in pycocotools' order, `per_category`).
    #[arg(long)]
    pub json: bool,
    /// Count matches with a ground truth whose id is 0, which pycocotools
    /// silently treats as unmatched.
    #[arg(long)]
    pub fix_zero_id: bool,
    /// OKS sigmas, one per keypoint (default: the 17 COCO person sigmas).
    #[arg(long, value_delimiter = ',', value_name = "S1,S2,...")]
    pub sigmas: Option<Vec<f64>>,
    /// Write the full precision array [T, R, K, A, M] (and recall, scores) as JSON.
    #[arg(long, value_name = "FILE")]
    pub precision_out: Option<PathBuf>,
}

/// Runs `assay eval coco`.
pub fn run(args: &CocoEvalArgs) -> Result<()> {
    let gt = read_coco(&args.gt)?;
    let (dt, dt_warnings) = read_results(&args.dt, &gt.dataset)?;
    print_warnings(&gt.warnings);
    print_warnings(&dt_warnings);
    let mut params = Params::new(args.iou_type);
    params.fix_zero_id = args.fix_zero_id;
    if let Some(sigmas) = &args.sigmas {
        params.oks_sigmas = sigmas.clone();
    }
    let evaluation = coco::evaluate(&gt.dataset, &dt, &params)
        .with_context(|| format!("cannot evaluate {}", args.dt.display()))?;
    if let Some(path) = &args.precision_out {
        write_arrays(&evaluation, path)?;
    }
    if args.json {
        let report = json_report(&evaluation, &gt.dataset.categories);
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&evaluation, &gt.dataset.categories);
    }
    Ok(())
}

/// Reads a results file against the ground truth's images and categories.
fn read_results(path: &Path, gt: &Dataset) -> Result<(Vec<Annotation>, assay_io::error::Warnings)> {
    let sizes: HashMap<i64, Option<(u32, u32)>> = gt
        .samples
        .iter()
        .map(|s| (s.id, s.width.zip(s.height)))
        .collect();
    let categories: HashSet<i64> = gt.categories.iter().map(|c| c.id).collect();
    // pycocotools evaluates the ground truth's categories and leaves other
    // results out; so does this, with a warning.
    let skip = UnknownCategory::Skip;
    Ok(read_coco_results_with(path, &sizes, &categories, skip)?)
}

/// Category names by id.
pub fn category_names(categories: &[Category]) -> HashMap<i64, &str> {
    categories.iter().map(|c| (c.id, c.name.as_str())).collect()
}

fn json_report(e: &CocoEvaluation, categories: &[Category]) -> serde_json::Value {
    let names = category_names(categories);
    let per_category: Vec<_> = e
        .per_category()
        .into_iter()
        .map(|c| {
            let mut v = serde_json::to_value(&c).unwrap_or_default();
            v["name"] = json!(names.get(&c.category_id).copied().unwrap_or(""));
            v
        })
        .collect();
    json!({
        "iou_type": e.params.iou_type,
        "stats": e.stats(),
        "summary": e.summary(),
        "extra": e.extra_recall(),
        "per_category": per_category,
        "images": e.image_ids.len(),
    })
}

/// Prints the summary lines and the per-category table.
pub fn print_report(e: &CocoEvaluation, categories: &[Category]) {
    for line in e.summary().iter().chain(&e.extra_recall()) {
        println!("{}", line.line());
    }
    let names = category_names(categories);
    let mut t = table(&["category", "AP", "AP50", "AP75", "AR"]);
    for c in e.per_category() {
        let name = names.get(&c.category_id).copied().unwrap_or("?");
        t.add_row(vec![
            name.to_string(),
            format::metric(c.ap),
            format::metric(c.ap50),
            format::metric(c.ap75),
            format::metric(c.ar),
        ]);
    }
    println!("\n{t}");
}

fn write_arrays(e: &CocoEvaluation, path: &Path) -> Result<()> {
    let p = &e.params;
    let dims = [
        p.iou_thresholds.len(),
        p.recall_thresholds.len(),
        e.category_ids.len(),
        p.area_ranges.len(),
        p.max_dets.len(),
    ];
    let value = json!({
        "layout": "precision and scores [T, R, K, A, M], recall [T, K, A, M], row-major",
        "shape": dims,
        "params": p,
        "category_ids": e.category_ids,
        "precision": e.precision,
        "recall": e.recall,
        "scores": e.scores,
    });
    let text = serde_json::to_string(&value)?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

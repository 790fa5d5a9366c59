//! `assay eval coco`: COCO evaluation of a results file against an
//! instances file.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use assay_core::model::{Annotation, Category, Dataset};
use std::collections::BTreeMap;

use assay_core::shard::Shard;
use assay_eval::coco::{self, CocoEvaluation, IouType, Params, PartialEvaluation};
use assay_io::coco::{read_coco, read_coco_results_with, UnknownCategory};
use assay_report::format;
use serde::{Deserialize, Serialize};
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
    /// Evaluate only shard K of N (the images in id order, cut into N
    /// runs) and write its matches with --partial-out, for `assay eval
    /// merge`.
    #[arg(long, value_name = "K/N", requires = "partial_out")]
    pub shard: Option<Shard>,
    /// Write the (shard's) matches, unaccumulated, to FILE instead of the
    /// report: `assay eval merge` combines such files into exactly the
    /// unsharded evaluation.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "precision_out"])]
    pub partial_out: Option<PathBuf>,
}

/// What `--partial-out` writes: one shard's matches and the category
/// names the merged report shows.
#[derive(Serialize, Deserialize)]
pub struct PartialFile {
    /// The matches.
    #[serde(flatten)]
    pub evaluation: PartialEvaluation,
    /// Category names by id.
    pub category_names: BTreeMap<i64, String>,
}

/// Runs `assay eval coco`.
pub fn run(args: &CocoEvalArgs) -> Result<()> {
    let mut gt = read_coco(&args.gt)?;
    let (mut dt, dt_warnings) = read_results(&args.dt, &gt.dataset)?;
    if let Some(shard) = args.shard {
        let keep = shard.image_ids(&gt.dataset);
        gt.dataset = shard.of_dataset(&gt.dataset);
        dt.retain(|a| keep.contains(&a.sample_id));
    }
    print_warnings(&gt.warnings);
    print_warnings(&dt_warnings);
    let mut params = Params::new(args.iou_type);
    params.fix_zero_id = args.fix_zero_id;
    if let Some(sigmas) = &args.sigmas {
        params.oks_sigmas = sigmas.clone();
    }
    let cannot = || format!("cannot evaluate {}", args.dt.display());
    if let Some(path) = &args.partial_out {
        let evaluator = coco::CocoEvaluator::new(&gt.dataset, &dt, &params).with_context(cannot)?;
        return write_partial(evaluator.partial(), &gt.dataset.categories, path);
    }
    let evaluation = coco::evaluate(&gt.dataset, &dt, &params).with_context(cannot)?;
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

fn write_partial(
    evaluation: PartialEvaluation,
    categories: &[Category],
    path: &Path,
) -> Result<()> {
    let images = evaluation.image_ids.len();
    let file = PartialFile {
        evaluation,
        category_names: categories.iter().map(|c| (c.id, c.name.clone())).collect(),
    };
    let text = serde_json::to_string(&file)?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("Wrote the matches of {images} images to {}", path.display());
    Ok(())
}

/// Options of `assay eval merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial evaluations written by `assay eval coco --partial-out`.
    #[arg(required = true, value_name = "FILE")]
    pub parts: Vec<PathBuf>,
    /// Print one JSON object, as `assay eval coco --json`.
    #[arg(long)]
    pub json: bool,
    /// Write the full precision array, as `assay eval coco --precision-out`.
    #[arg(long, value_name = "FILE")]
    pub precision_out: Option<PathBuf>,
}

/// Runs `assay eval merge`: the shards' matches accumulated into the
/// report one process gives.
pub fn merge(args: &MergeArgs) -> Result<()> {
    let mut parts = Vec::with_capacity(args.parts.len());
    let mut names = BTreeMap::new();
    for path in &args.parts {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file: PartialFile = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a partial evaluation of `assay eval coco --partial-out`: {e}",
                path.display()
            )
        })?;
        names.extend(file.category_names);
        parts.push(file.evaluation);
    }
    let evaluation = coco::merge(&parts)?;
    let categories: Vec<Category> = names
        .into_iter()
        .map(|(id, name)| Category {
            id,
            name,
            supercategory: None,
            keypoints: Vec::new(),
            skeleton: Vec::new(),
        })
        .collect();
    if let Some(path) = &args.precision_out {
        write_arrays(&evaluation, path)?;
    }
    if args.json {
        let report = json_report(&evaluation, &categories);
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&evaluation, &categories);
    }
    Ok(())
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

//! `assay evaluate` and `assay runs`: evaluation inside a project, kept as
//! runs.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Result;
use assay_app::evaluate::classification::ClassificationRun;
use assay_app::evaluate::detection::{class_counts, DetectionRun};
use assay_app::evaluate::segmentation::MaskOptions;
use assay_app::evaluate::{evaluate, EvaluateOptions, Evaluated};
use assay_app::summary::SegmentationSummary;
use assay_eval::coco::ConfusionMatrix;
use assay_report::format;
use assay_store::Store;

use super::eval::{category_names, print_report};

use crate::output::{table, Bars};

use clap::Args;

use assay_eval::coco::IouType;

/// What `assay evaluate` evaluates.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model whose predictions to evaluate.
    #[arg(long)]
    pub model: String,
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only images of this split.
    #[arg(long)]
    pub split: Option<String>,
    /// IoU threshold for per-object outcomes (TP/FP/FN) and the confusion matrix.
    #[arg(long, default_value_t = 0.5)]
    pub iou: f64,
    /// What IoU is computed on.
    #[arg(long, value_enum, default_value = "bbox")]
    pub iou_type: IouType,
    /// Predictions below this score are left out of the confusion matrix.
    #[arg(long, default_value_t = 0.0)]
    pub conf: f64,
    /// Count matches with a ground truth whose id is 0 (pycocotools does not).
    #[arg(long)]
    pub fix_zero_id: bool,
    /// Predicted label masks (PNG, one class index a pixel): a semantic
    /// segmentation run against --gt-masks, masks named after the images.
    #[arg(long, value_name = "DIR", requires_all = ["gt_masks", "num_classes"])]
    pub masks: Option<PathBuf>,
    /// Label masks of the dataset's images (`a/b.png` for the image `a/b.jpg`).
    #[arg(long, value_name = "DIR", requires = "masks")]
    pub gt_masks: Option<PathBuf>,
    /// Number of classes of the masks.
    #[arg(long, value_name = "N", requires = "masks")]
    pub num_classes: Option<usize>,
    /// Label value whose pixels are left out.
    #[arg(long, default_value_t = 255, value_name = "V")]
    pub ignore_index: u32,
    /// mmseg's reduce_zero_label: label 0 is ignored, the others shift down by one.
    #[arg(long)]
    pub reduce_zero_label: bool,
    /// Class names of the masks, one a line (added to the dataset's classes).
    #[arg(long, value_name = "FILE", requires = "masks")]
    pub class_names: Option<PathBuf>,
    /// Print the run as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The options of the command line.
pub fn options(args: &EvaluateArgs) -> EvaluateOptions {
    EvaluateOptions {
        dataset: args.dataset.clone(),
        model: args.model.clone(),
        split: args.split.clone(),
        iou: args.iou,
        iou_type: args.iou_type,
        conf: args.conf,
        fix_zero_id: args.fix_zero_id,
        masks: args.masks.as_ref().map(|pred| MaskOptions {
            pred: pred.clone(),
            gt: args.gt_masks.clone().unwrap_or_default(),
            num_classes: args.num_classes.unwrap_or_default(),
            ignore_index: args.ignore_index,
            reduce_zero_label: args.reduce_zero_label,
            class_names: args.class_names.clone(),
        }),
    }
}

/// Runs `assay evaluate`.
pub fn run(store: &mut Store, args: &EvaluateArgs) -> Result<()> {
    show(store, &options(args), args.json)
}

/// Evaluates stored predictions, records the run and prints it.
pub fn show(store: &mut Store, options: &EvaluateOptions, json: bool) -> Result<()> {
    let evaluated = evaluate(store, options, &Bars::default())?;
    if json {
        let mut out = match &evaluated {
            Evaluated::Detection(d) => serde_json::to_value(&d.summary)?,
            Evaluated::Classification(c) => serde_json::to_value(&c.summary)?,
            Evaluated::Segmentation(s) => serde_json::to_value(&s.summary)?,
        };
        out["run_id"] = serde_json::json!(evaluated.run_id());
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    match &evaluated {
        Evaluated::Detection(d) => print_run(d),
        Evaluated::Classification(c) => print_classification(c),
        Evaluated::Segmentation(s) => print_segmentation(&s.summary),
    }
    println!("\nStored as run {}.", evaluated.run_id());
    if let Some(earlier) = evaluated.earlier() {
        println!(
            "Run {} ({}) evaluated the same ground truth, predictions and parameters; both are kept.",
            earlier.id, earlier.created_at
        );
    }
    Ok(())
}

fn print_segmentation(s: &SegmentationSummary) {
    super::eval::semseg::warn_out_of_range(&s.report);
    super::eval::semseg::print_report(&s.report);
    if s.masks_without_image > 0 {
        eprintln!(
            "warning: {} label masks are named after no image of the dataset and were left out",
            s.masks_without_image
        );
    }
    if s.images_without_mask > 0 {
        println!(
            "\n{} images of the dataset have no label mask and are not evaluated.",
            s.images_without_mask
        );
    }
}

fn print_classification(c: &ClassificationRun) {
    for note in &c.notes.notes {
        eprintln!("note: {note}");
    }
    let left = c.summary.left_out;
    super::eval::print_classification(
        &c.report,
        Some(&c.names),
        10,
        assay_eval::classification::DEFAULT_BINS,
    );
    if left.unlabelled + left.several_labels + left.unpredicted > 0 {
        println!(
            "\nLeft out: {} images without a label, {} with several, {} without a prediction.",
            left.unlabelled, left.several_labels, left.unpredicted
        );
    }
    println!(
        "\n{} images have labels the classifier's probabilities call into doubt \
         (stored as `label_issue` issues: assay issues --type label_issue).",
        c.summary.label_issues
    );
}

fn print_run(r: &DetectionRun) {
    let gt = &r.ground_truth;
    print_report(&r.evaluation, &gt.categories);
    let names = category_names(&gt.categories);
    let counts = class_counts(&r.outcomes);
    println!(
        "\nOutcomes at IoU {}: TP, FP, FN per class",
        r.outcomes.iou_threshold
    );
    let mut t = table(&["category", "TP", "FP", "FN", "precision", "recall"]);
    for c in &gt.categories {
        let [tp, fp, fn_] = counts.get(&c.id).copied().unwrap_or_default();
        let ratio = |a: u64, b: u64| format::metric(a as f64 / (a + b) as f64);
        t.add_row(vec![
            names[&c.id].to_string(),
            tp.to_string(),
            fp.to_string(),
            fn_.to_string(),
            ratio(tp, fp),
            ratio(tp, fn_),
        ]);
    }
    println!("{t}");
    println!(
        "\nErrors (TIDE-style, IoU {} / {}): AP50 {}; what fixing each kind would add",
        r.errors.foreground_iou,
        r.errors.background_iou,
        format::metric(r.errors.ap)
    );
    let mut t = table(&["error", "count", "dAP50"]);
    for c in &r.errors.costs {
        t.add_row(vec![
            c.kind.as_str().to_string(),
            c.count.to_string(),
            format::delta(c.delta_ap),
        ]);
    }
    println!("{t}");
    print_confusions(&r.confusion, &names);
}

/// The largest confusions between classes (the background row and column
/// are the FP and FN columns of the outcome table).
fn print_confusions(m: &ConfusionMatrix, names: &HashMap<i64, &str>) {
    let bg = m.background();
    let name = |i: usize| names.get(&m.category_ids[i]).copied().unwrap_or("?");
    let mut cells: Vec<(u64, usize, usize)> = Vec::new();
    for (row, counts) in m.counts.iter().enumerate().take(bg) {
        for (col, &n) in counts.iter().enumerate().take(bg) {
            if row != col && n > 0 {
                cells.push((n, row, col));
            }
        }
    }
    if cells.is_empty() {
        println!(
            "\nNo confusions between classes at IoU {}.",
            m.iou_threshold
        );
        return;
    }
    cells.sort_by_key(|c| std::cmp::Reverse(c.0));
    println!(
        "\nConfusions between classes at IoU {} (score >= {}), largest first",
        m.iou_threshold, m.min_score
    );
    let mut t = table(&["ground truth", "predicted as", "count"]);
    for (n, row, col) in cells.into_iter().take(10) {
        t.add_row(vec![
            name(row).to_string(),
            name(col).to_string(),
            n.to_string(),
        ]);
    }
    println!("{t}");
}

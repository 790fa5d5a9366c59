//! `assay eval semseg`: semantic segmentation metrics from folders of PNG
//! label masks (`assay_app::semseg`), printed.

use anyhow::{bail, Context, Result};
use assay_eval::semseg::{SemsegAccumulator, SemsegReport};

use assay_app::semseg::accumulate;
use assay_app::semseg::masks::{pair_masks, MaskPair, Pairing};

use crate::output::{table, Bars};
use assay_app::classification::files::{check_class_count, read_class_names};

use clap::Args;
use std::path::PathBuf;

/// What `assay eval semseg` compares.
#[derive(Debug, Args)]
pub struct SemsegEvalArgs {
    /// Folder of predicted masks: PNG, 8- or 16-bit greyscale, one class
    /// index a pixel. Paired with --gt by relative path without extension.
    #[arg(long, value_name = "DIR")]
    pub pred: PathBuf,
    /// Folder of ground-truth masks (PNG, 8- or 16-bit greyscale).
    #[arg(long, value_name = "DIR")]
    pub gt: PathBuf,
    /// Number of classes (class indices 0..N).
    #[arg(long, value_name = "N")]
    pub num_classes: usize,
    /// Ground-truth value whose pixels are left out.
    #[arg(long, default_value_t = 255, value_name = "V")]
    pub ignore_index: u32,
    /// Remap ground truth as mmseg's reduce_zero_label: 0 becomes the ignore
    /// index, every other value v becomes v - 1 (e.g. ADE20K).
    #[arg(long)]
    pub reduce_zero_label: bool,
    /// Class names, one a line, in class-index order.
    #[arg(long, value_name = "FILE")]
    pub class_names: Option<PathBuf>,
    /// Count a ground truth without a prediction as all-ignored (its pixels
    /// are left out) and warn, instead of failing.
    #[arg(long)]
    pub allow_missing: bool,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `assay eval semseg`.
pub fn run(args: &SemsegEvalArgs) -> Result<()> {
    let accumulator = new_accumulator(args)?;
    let pairing = pair_masks(&args.pred, &args.gt)?;
    check_missing(&pairing, args)?;
    warn_unused(&pairing);
    let report = accumulate(&pairing.pairs, &accumulator, &Bars::default())?.finish();
    warn_out_of_range(&report);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

fn new_accumulator(args: &SemsegEvalArgs) -> Result<SemsegAccumulator> {
    let accumulator = SemsegAccumulator::new(args.num_classes, args.ignore_index)
        .context("--num-classes")?
        .with_reduce_zero_label(args.reduce_zero_label);
    let Some(path) = &args.class_names else {
        return Ok(accumulator);
    };
    let names = read_class_names(path)?;
    let source = format!("--num-classes is {}", args.num_classes);
    check_class_count(&names, path, args.num_classes, &source)?;
    Ok(accumulator.with_class_names(names)?)
}

/// Fails on a ground truth without a prediction, unless `--allow-missing`.
fn check_missing(pairing: &Pairing, args: &SemsegEvalArgs) -> Result<()> {
    let missing: Vec<&MaskPair> = pairing.missing().collect();
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let what = format!(
        "{} of {} ground-truth masks have no prediction in {} (first: {})",
        missing.len(),
        pairing.pairs.len(),
        args.pred.display(),
        first.gt.display()
    );
    if !args.allow_missing {
        bail!(
            "{what}; predictions are paired by relative path without extension. \
             Pass --allow-missing to count them as all-ignored"
        );
    }
    eprintln!("warning: {what}; counted as all-ignored (their pixels are left out)");
    Ok(())
}

/// Warns about files that take no part.
fn warn_unused(pairing: &Pairing) {
    let lists = [
        (&pairing.unmatched_preds, "predictions have no ground truth"),
        (
            &pairing.skipped_gt,
            "files in the ground-truth folder are not PNGs",
        ),
    ];
    for (files, what) in lists {
        if let Some(first) = files.first() {
            let n = files.len();
            eprintln!("warning: {n} {what}; skipped (first: {})", first.display());
        }
    }
}

/// Warns when masks hold values that are not classes.
pub fn warn_out_of_range(r: &SemsegReport) {
    if r.out_of_range_predictions > 0 || r.out_of_range_labels > 0 {
        eprintln!(
            "warning: pixels whose value is not a class index 0..{} were left out (as mmseg \
             does): {} predicted, {} in the ground truth; check --num-classes, \
             --ignore-index and --reduce-zero-label",
            r.num_classes, r.out_of_range_predictions, r.out_of_range_labels
        );
    }
}

/// A metric with four decimals, `-` for NaN.
fn fmt(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else {
        format!("{v:.4}")
    }
}

/// Prints the headline metrics and the per-class table.
/// Prints the totals and the per-class table.
pub fn print_report(r: &SemsegReport) {
    println!(
        "{} images, {} pixels evaluated, {} ignored",
        r.images, r.evaluated_pixels, r.ignored_pixels
    );
    for (name, value) in [
        ("aAcc", r.a_acc),
        ("mIoU", r.m_iou),
        ("mDice", r.m_dice),
        ("mAcc", r.m_acc),
    ] {
        println!("{name:<6} {}", fmt(value));
    }
    let mut t = table(&["class", "IoU", "Dice", "Acc", "Precision", "Recall"]);
    for c in &r.classes {
        let label = match &c.name {
            Some(name) => format!("{} {name}", c.class),
            None => c.class.to_string(),
        };
        let metrics = [c.iou, c.dice, c.acc, c.precision, c.recall].map(fmt);
        t.add_row(std::iter::once(label).chain(metrics).collect::<Vec<_>>());
    }
    println!("\n{t}");
}

//! `assay evaluate` and `assay runs`: evaluation inside a project, kept as
//! runs.

use std::collections::HashMap;

use anyhow::{Context, Result};
use assay_core::model::{Annotation, Dataset};
use assay_eval::coco::{
    CocoEvaluation, CocoEvaluator, ConfusionMatrix, ErrorBreakdown, IouType, Outcome, Outcomes,
    Params,
};
use assay_report::format;
use assay_store::{Curve, NewRun, ObjectOutcome, Selection, Store};
use serde_json::json;

use super::choose_dataset;
use super::eval::{category_names, iou_type, print_report};
use crate::cli::EvaluateArgs;
use crate::output::table;

/// IoU threshold at which TIDE separates hits from near misses.
const TIDE_FOREGROUND: f64 = 0.5;
/// IoU below which a false positive is on background.
const TIDE_BACKGROUND: f64 = 0.1;

/// Everything one evaluation produced.
struct Results {
    evaluation: CocoEvaluation,
    outcomes: Outcomes,
    errors: ErrorBreakdown,
    confusion: ConfusionMatrix,
}

/// Evaluates stored predictions, records the run and prints it.
pub fn run(store: &mut Store, args: &EvaluateArgs) -> Result<()> {
    let dataset_name = choose_dataset(store, args.dataset.as_deref())?;
    let selection = Selection {
        split: args.split.clone(),
        ..Selection::default()
    };
    let gt = store.load_dataset(&dataset_name, &selection)?;
    if gt.samples.is_empty() {
        anyhow::bail!("no images to evaluate in dataset {dataset_name:?} with this selection");
    }
    let mut predictions = store
        .load_predictions(&dataset_name, &args.model)?
        .predictions;
    let selected: std::collections::HashSet<i64> = gt.samples.iter().map(|s| s.id).collect();
    predictions.retain(|p| selected.contains(&p.sample_id));
    let mut params = Params::new(iou_type(args.iou_type));
    params.fix_zero_id = args.fix_zero_id;
    let results = evaluate(&gt, &predictions, &params, args)?;
    let run = new_run(&dataset_name, &gt, &predictions, &params, args, &results);
    let same_inputs = store
        .runs(Some(&dataset_name))?
        .into_iter()
        .find(|r| r.inputs_hash == run.inputs_hash && r.model == args.model);
    let run_id = store.record_run(&run)?;
    if args.json {
        let mut out = run.summary.clone();
        out["run_id"] = json!(run_id);
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    print_run(&gt, &results);
    println!("\nStored as run {run_id}.");
    if let Some(earlier) = same_inputs {
        println!(
            "Run {} ({}) evaluated the same ground truth, predictions and parameters; both are kept.",
            earlier.id, earlier.created_at
        );
    }
    Ok(())
}

fn evaluate(
    gt: &Dataset,
    predictions: &[Annotation],
    params: &Params,
    args: &EvaluateArgs,
) -> Result<Results> {
    if !(0.0..=1.0).contains(&args.iou) {
        anyhow::bail!("--iou must be between 0 and 1, got {}", args.iou);
    }
    let evaluator = CocoEvaluator::new(gt, predictions, params)
        .with_context(|| format!("cannot evaluate model {:?}", args.model))?;
    let evaluation = evaluator.evaluate();
    let outcomes = evaluator.outcomes(args.iou);
    let tide_outcomes = if args.iou == TIDE_FOREGROUND {
        None
    } else {
        Some(evaluator.outcomes(TIDE_FOREGROUND))
    };
    let errors =
        evaluator.error_breakdown(tide_outcomes.as_ref().unwrap_or(&outcomes), TIDE_BACKGROUND);
    let confusion = evaluator.confusion(&outcomes, args.conf);
    Ok(Results {
        evaluation,
        outcomes,
        errors,
        confusion,
    })
}

fn new_run(
    dataset: &str,
    gt: &Dataset,
    predictions: &[Annotation],
    params: &Params,
    args: &EvaluateArgs,
    r: &Results,
) -> NewRun {
    let e = &r.evaluation;
    let mut metrics: Vec<(String, f64)> = e
        .summary()
        .iter()
        .chain(&e.extra_recall())
        .map(|s| (stat_name(s.metric, s.iou, &s.area, s.max_dets), s.value))
        .collect();
    metrics.push(("tide_ap50".into(), r.errors.ap));
    for c in &r.errors.costs {
        metrics.push((format!("tide_delta_{}", c.kind.as_str()), c.delta_ap));
    }
    let task = match params.iou_type {
        IouType::Bbox => "detection",
        IouType::Segm => "segmentation",
        IouType::Keypoints => "keypoints",
    };
    let run_params = json!({
        "iou_type": params.iou_type,
        "iou": args.iou,
        "conf": args.conf,
        "split": args.split,
        "fix_zero_id": params.fix_zero_id,
        "max_dets": params.max_dets,
        "tide": {"foreground_iou": TIDE_FOREGROUND, "background_iou": TIDE_BACKGROUND},
    });
    NewRun {
        dataset: dataset.to_string(),
        model: args.model.clone(),
        task: task.to_string(),
        inputs_hash: inputs_hash(gt, predictions, &run_params),
        summary: json!({
            "stats": e.stats(),
            "summary": e.summary(),
            "extra": e.extra_recall(),
            "per_category": e.per_category(),
            "confusion": r.confusion,
            "errors": {"ap50": r.errors.ap, "costs": r.errors.costs},
            "counts": class_counts(&r.outcomes),
        }),
        params: run_params,
        metrics,
        class_metrics: class_metrics(r),
        curves: curves(e),
        outcomes: object_outcomes(r),
        confusion_objects: r.confusion.objects.clone(),
    }
}

/// `ap`, `ap50`, `ap_small`, `ar1`, `ar100_large`, ... from a summary line.
fn stat_name(metric: &str, iou: Option<f64>, area: &str, max_dets: usize) -> String {
    let mut name = metric.to_lowercase();
    if let Some(t) = iou {
        name += &format!("{}", (t * 100.0).round() as i64);
    }
    if metric == "AR" {
        name += &format!("@{max_dets}");
    }
    if area != "all" {
        name += &format!("_{area}");
    }
    name
}

/// TP, FP and FN per class at the outcome threshold.
fn class_counts(o: &Outcomes) -> HashMap<i64, [u64; 3]> {
    let mut counts: HashMap<i64, [u64; 3]> = HashMap::new();
    for d in &o.detections {
        let c = counts.entry(d.category_id).or_default();
        match d.outcome {
            Outcome::Tp => c[0] += 1,
            Outcome::Fp => c[1] += 1,
            _ => {}
        }
    }
    for g in &o.ground_truths {
        if g.outcome == Outcome::Fn {
            counts.entry(g.category_id).or_default()[2] += 1;
        }
    }
    counts
}

fn class_metrics(r: &Results) -> Vec<(i64, String, f64)> {
    let counts = class_counts(&r.outcomes);
    let mut out = Vec::new();
    for c in r.evaluation.per_category() {
        let k = c.category_id;
        out.push((k, "ap".to_string(), c.ap));
        out.push((k, "ap50".to_string(), c.ap50));
        out.push((k, "ap75".to_string(), c.ap75));
        out.push((k, "ar".to_string(), c.ar));
        for (area, v) in &c.ap_by_area {
            out.push((k, format!("ap_{area}"), *v));
        }
        let [tp, fp, fn_] = counts.get(&k).copied().unwrap_or_default();
        out.push((k, "tp".to_string(), tp as f64));
        out.push((k, "fp".to_string(), fp as f64));
        out.push((k, "fn".to_string(), fn_ as f64));
    }
    out
}

/// Precision-recall curves at IoU 0.5 and 0.75 (all areas, most
/// detections), per category and averaged over categories with ground truth.
fn curves(e: &CocoEvaluation) -> Vec<Curve> {
    let p = &e.params;
    let (r_n, k_n, a_n, m_n) = (
        p.recall_thresholds.len(),
        e.category_ids.len(),
        p.area_ranges.len(),
        p.max_dets.len(),
    );
    let mut out = Vec::new();
    for iou in [0.5, 0.75] {
        let Some(t) = p.iou_thresholds.iter().position(|&v| v == iou) else {
            continue;
        };
        let at = |r: usize, k: usize| (((t * r_n + r) * k_n + k) * a_n) * m_n + m_n - 1;
        let mut mean = vec![0.0; r_n];
        let mut counted = 0;
        for (k, &category) in e.category_ids.iter().enumerate() {
            if e.precision[at(0, k)] < 0.0 {
                continue;
            }
            counted += 1;
            let precision: Vec<f64> = (0..r_n).map(|r| e.precision[at(r, k)]).collect();
            for (m, v) in mean.iter_mut().zip(&precision) {
                *m += v;
            }
            out.push(Curve {
                category_id: Some(category),
                iou,
                recall: p.recall_thresholds.clone(),
                precision,
                scores: (0..r_n).map(|r| e.scores[at(r, k)]).collect(),
            });
        }
        if counted > 0 {
            out.push(Curve {
                category_id: None,
                iou,
                recall: p.recall_thresholds.clone(),
                precision: mean.iter().map(|v| v / counted as f64).collect(),
                scores: Vec::new(),
            });
        }
    }
    out
}

fn object_outcomes(r: &Results) -> Vec<ObjectOutcome> {
    // TIDE errors are defined at IoU 0.5; they are attached by object id.
    let det_errors: HashMap<i64, &str> = r
        .errors
        .detection_errors
        .iter()
        .zip(&r.outcomes.detections)
        .filter_map(|(e, d)| e.map(|e| (d.id, e.as_str())))
        .collect();
    let gt_errors: HashMap<i64, &str> = r
        .errors
        .ground_truth_errors
        .iter()
        .zip(&r.outcomes.ground_truths)
        .filter_map(|(e, g)| e.map(|e| (g.id, e.as_str())))
        .collect();
    let dets = r.outcomes.detections.iter().map(|d| ObjectOutcome {
        sample_id: d.image_id,
        prediction: true,
        object_id: d.id,
        category_id: d.category_id,
        outcome: d.outcome.as_str().to_string(),
        matched_id: d.matched_id,
        iou: d.iou,
        score: Some(d.score),
        error: det_errors.get(&d.id).map(|s| s.to_string()),
        tp_sweep: d.tp_sweep,
    });
    let gts = r.outcomes.ground_truths.iter().map(|g| ObjectOutcome {
        sample_id: g.image_id,
        prediction: false,
        object_id: g.id,
        category_id: g.category_id,
        outcome: g.outcome.as_str().to_string(),
        matched_id: g.matched_id,
        iou: g.iou,
        score: g.score,
        error: gt_errors.get(&g.id).map(|s| s.to_string()),
        tp_sweep: g.tp_sweep,
    });
    dets.chain(gts).collect()
}

/// A hash of what the run evaluated: the ground truth, the predictions and
/// the parameters (through their exact `Debug` forms).
fn inputs_hash(gt: &Dataset, predictions: &[Annotation], params: &serde_json::Value) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(format!("{:?}", gt.annotations).as_bytes());
    hasher.update(format!("{:?}", gt.categories).as_bytes());
    hasher.update(format!("{:?}", gt.samples).as_bytes());
    hasher.update(format!("{predictions:?}").as_bytes());
    hasher.update(params.to_string().as_bytes());
    hasher.finalize().to_hex()[..16].to_string()
}

fn print_run(gt: &Dataset, r: &Results) {
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

/// Lists runs with their headline metrics.
pub fn list_runs(store: &Store, dataset: Option<&str>, json: bool) -> Result<()> {
    let runs = store.runs(dataset)?;
    if json {
        println!("{}", serde_json::to_string(&runs)?);
        return Ok(());
    }
    if runs.is_empty() {
        println!("No runs yet; run `assay evaluate --model NAME`.");
        return Ok(());
    }
    let headline = ["ap", "ap50", "ap75", "ar@100"];
    let mut header = vec!["run", "created", "dataset", "model", "task"];
    header.extend(headline);
    let mut t = table(&header);
    for r in runs {
        let metric = |name: &str| {
            r.metrics
                .iter()
                .find(|(n, _)| n == name)
                .map_or("-".to_string(), |(_, v)| format::metric(*v))
        };
        let mut row = vec![
            r.id.to_string(),
            r.created_at.clone(),
            r.dataset.clone(),
            r.model.clone(),
            r.task.clone(),
        ];
        row.extend(headline.iter().map(|h| metric(h)));
        t.add_row(row);
    }
    println!("{t}");
    Ok(())
}

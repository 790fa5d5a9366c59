//! COCO-style evaluation of a model's stored boxes, masks or keypoints,
//! with per-object outcomes, TIDE-style errors and a confusion matrix,
//! recorded as a run.

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Context, Result};
use assay_core::model::{Annotation, Dataset};
use assay_eval::coco::{
    CocoEvaluation, CocoEvaluator, ConfusionMatrix, ErrorBreakdown, IouType, Outcome, Outcomes,
    Params,
};
use assay_store::{Curve, NewRun, ObjectOutcome, RunInfo, Selection, Store};
use serde::Deserialize;
use serde_json::json;

use super::{same_inputs, EvaluateOptions};
use crate::summary::{
    CategoryAp, Confusion, DetectionSummary, ErrorCost, ErrorSummary, StatLine, DETECTION,
    KEYPOINTS, SEGMENTATION,
};

/// IoU threshold at which TIDE separates hits from near misses.
pub const TIDE_FOREGROUND: f64 = 0.5;
/// IoU below which a false positive is on background.
pub const TIDE_BACKGROUND: f64 = 0.1;

/// A recorded COCO-style run with everything it computed.
pub struct DetectionRun {
    /// The recorded run's id.
    pub run_id: i64,
    /// An earlier run of the model on the same inputs, if any.
    pub earlier: Option<RunInfo>,
    /// The ground truth evaluated.
    pub ground_truth: Dataset,
    /// pycocotools' evaluation.
    pub evaluation: CocoEvaluation,
    /// Per-object outcomes at the chosen IoU.
    pub outcomes: Outcomes,
    /// TIDE-style error breakdown.
    pub errors: ErrorBreakdown,
    /// The confusion matrix with its background row and column.
    pub confusion: ConfusionMatrix,
    /// The summary as stored.
    pub summary: DetectionSummary,
}

/// Evaluates the stored predictions of `options.model` on `dataset` and
/// records the run.
pub fn evaluate(
    store: &mut Store,
    dataset: &str,
    options: &EvaluateOptions,
) -> Result<DetectionRun> {
    if !(0.0..=1.0).contains(&options.iou) {
        bail!("--iou must be between 0 and 1, got {}", options.iou);
    }
    let selection = Selection {
        split: options.split.clone(),
        ..Selection::default()
    };
    let gt = store.load_dataset(dataset, &selection)?;
    if gt.samples.is_empty() {
        bail!("no images to evaluate in dataset {dataset:?} with this selection");
    }
    let mut predictions = store.load_predictions(dataset, &options.model)?.predictions;
    let selected: HashSet<i64> = gt.samples.iter().map(|s| s.id).collect();
    predictions.retain(|p| selected.contains(&p.sample_id));
    let mut params = Params::new(options.iou_type);
    params.fix_zero_id = options.fix_zero_id;
    let evaluator = CocoEvaluator::new(&gt, &predictions, &params)
        .with_context(|| format!("cannot evaluate model {:?}", options.model))?;
    let evaluation = evaluator.evaluate();
    let outcomes = evaluator.outcomes(options.iou);
    let tide_outcomes =
        (options.iou != TIDE_FOREGROUND).then(|| evaluator.outcomes(TIDE_FOREGROUND));
    let errors =
        evaluator.error_breakdown(tide_outcomes.as_ref().unwrap_or(&outcomes), TIDE_BACKGROUND);
    let confusion = evaluator.confusion(&outcomes, options.conf);
    let summary = summary(&evaluation, &outcomes, &errors, &confusion);
    let mut run = DetectionRun {
        run_id: 0,
        earlier: None,
        ground_truth: gt,
        evaluation,
        outcomes,
        errors,
        confusion,
        summary,
    };
    let new = new_run(dataset, &predictions, &params, options, &run)?;
    run.earlier = same_inputs(store, dataset, &options.model, &new.inputs_hash)?;
    run.run_id = store.record_run(&new)?;
    Ok(run)
}

/// The stored summary of an evaluation.
fn summary(
    e: &CocoEvaluation,
    outcomes: &Outcomes,
    errors: &ErrorBreakdown,
    confusion: &ConfusionMatrix,
) -> DetectionSummary {
    let line = |s: &assay_eval::coco::SummaryStat| StatLine {
        metric: s.metric.to_string(),
        iou: s.iou,
        area: s.area.clone(),
        max_dets: s.max_dets,
        value: s.value,
    };
    DetectionSummary {
        stats: e.stats().to_vec(),
        summary: e.summary().iter().map(line).collect(),
        extra: e.extra_recall().iter().map(line).collect(),
        per_category: e
            .per_category()
            .into_iter()
            .map(|c| CategoryAp {
                category_id: c.category_id,
                ap: c.ap,
                ap50: c.ap50,
                ap75: c.ap75,
                ar: c.ar,
                ap_by_area: c.ap_by_area,
            })
            .collect(),
        confusion: Confusion {
            category_ids: confusion.category_ids.clone(),
            counts: confusion.counts.clone(),
            iou_threshold: Some(confusion.iou_threshold),
            min_score: Some(confusion.min_score),
            background: true,
        },
        errors: ErrorSummary {
            ap50: errors.ap,
            costs: errors
                .costs
                .iter()
                .map(|c| ErrorCost {
                    kind: c.kind.as_str().to_string(),
                    count: c.count as u64,
                    delta_ap: c.delta_ap,
                })
                .collect(),
        },
        counts: class_counts(outcomes).into_iter().collect(),
    }
}

fn new_run(
    dataset: &str,
    predictions: &[Annotation],
    params: &Params,
    options: &EvaluateOptions,
    r: &DetectionRun,
) -> Result<NewRun> {
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
        IouType::Bbox => DETECTION,
        IouType::Segm => SEGMENTATION,
        IouType::Keypoints => KEYPOINTS,
    };
    let run_params = json!({
        "iou_type": params.iou_type,
        "iou": options.iou,
        "conf": options.conf,
        "split": options.split,
        "fix_zero_id": params.fix_zero_id,
        "max_dets": params.max_dets,
        "tide": {"foreground_iou": TIDE_FOREGROUND, "background_iou": TIDE_BACKGROUND},
    });
    Ok(NewRun {
        dataset: dataset.to_string(),
        model: options.model.clone(),
        task: task.to_string(),
        inputs_hash: inputs_hash(&r.ground_truth, predictions, &run_params),
        summary: serde_json::to_value(&r.summary)?,
        params: run_params,
        metrics,
        class_metrics: class_metrics(r),
        curves: curves(e),
        outcomes: object_outcomes(r),
        confusion_objects: r.confusion.objects.clone(),
    })
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
pub fn class_counts(o: &Outcomes) -> HashMap<i64, [u64; 3]> {
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

fn class_metrics(r: &DetectionRun) -> Vec<(i64, String, f64)> {
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

fn object_outcomes(r: &DetectionRun) -> Vec<ObjectOutcome> {
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
pub(crate) fn inputs_hash(
    gt: &Dataset,
    predictions: &[Annotation],
    params: &serde_json::Value,
) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(format!("{:?}", gt.annotations).as_bytes());
    hasher.update(format!("{:?}", gt.categories).as_bytes());
    hasher.update(format!("{:?}", gt.samples).as_bytes());
    hasher.update(format!("{predictions:?}").as_bytes());
    hasher.update(params.to_string().as_bytes());
    hasher.finalize().to_hex()[..16].to_string()
}

/// What a detection run stored of how it was evaluated.
#[derive(Deserialize)]
pub(crate) struct StoredParams {
    /// Boxes, masks or keypoints.
    pub iou_type: IouType,
    /// The split evaluated (`None`: all).
    pub split: Option<String>,
    /// pycocotools' handling of category id 0.
    #[serde(default)]
    pub fix_zero_id: bool,
}

/// How run `run` was evaluated, as it stored it.
pub(crate) fn stored_params(store: &Store, run: i64) -> Result<StoredParams> {
    let tables = store.run_tables(run)?;
    serde_json::from_value(tables.params)
        .with_context(|| format!("run {run} stored parameters assay cannot read back"))
}

/// A detection run's COCO metrics on some of its images: the summary
/// metrics by the run's names (`ap`, `ap50`, `ap_small`, `ar@100`, ...)
/// and AP/AR per class.
#[derive(Debug, Clone, Default)]
pub struct SubsetMetrics {
    /// Images evaluated.
    pub images: usize,
    /// Summary metrics by name.
    pub metrics: Vec<(String, f64)>,
    /// Per class name: `ap`, `ap50`, `ap75`, `ar` and `ap_<area>`.
    pub class_metrics: Vec<(String, String, f64)>,
}

/// Evaluates run `run` again on the images in `images` only (row ids, as
/// the explorer and the analysis tables name them),
/// exactly as the run was evaluated (IoU type, split, category handling):
/// pycocotools with `imgIds` set to those images.
pub fn metrics_on_images(store: &Store, run: i64, images: &HashSet<i64>) -> Result<SubsetMetrics> {
    let subject = store.run_subject(run)?;
    let stored = stored_params(store, run)?;
    let selection = Selection {
        split: stored.split.clone(),
        ..Selection::default()
    };
    let chosen: HashSet<i64> = store
        .sample_rows(&subject.dataset)?
        .into_iter()
        .filter(|s| images.contains(&s.id))
        .map(|s| s.source_id)
        .collect();
    let mut gt = store.load_dataset(&subject.dataset, &selection)?;
    gt.samples.retain(|s| chosen.contains(&s.id));
    let kept: HashSet<i64> = gt.samples.iter().map(|s| s.id).collect();
    gt.annotations.retain(|a| kept.contains(&a.sample_id));
    let mut predictions = store
        .load_predictions(&subject.dataset, &subject.model)?
        .predictions;
    predictions.retain(|p| kept.contains(&p.sample_id));
    let mut params = Params::new(stored.iou_type);
    params.fix_zero_id = stored.fix_zero_id;
    let e = CocoEvaluator::new(&gt, &predictions, &params)
        .with_context(|| format!("cannot evaluate run {run} on the chosen images"))?
        .evaluate();
    let names: HashMap<i64, &str> = gt
        .categories
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let mut class_metrics = Vec::new();
    for c in e.per_category() {
        let class = names
            .get(&c.category_id)
            .map_or_else(|| c.category_id.to_string(), |n| n.to_string());
        let mut add = |name: &str, v: f64| class_metrics.push((class.clone(), name.to_string(), v));
        add("ap", c.ap);
        add("ap50", c.ap50);
        add("ap75", c.ap75);
        add("ar", c.ar);
        for (area, v) in &c.ap_by_area {
            add(&format!("ap_{area}"), *v);
        }
    }
    Ok(SubsetMetrics {
        images: kept.len(),
        metrics: e
            .summary()
            .iter()
            .chain(&e.extra_recall())
            .map(|s| (stat_name(s.metric, s.iou, &s.area, s.max_dets), s.value))
            .collect(),
        class_metrics,
    })
}

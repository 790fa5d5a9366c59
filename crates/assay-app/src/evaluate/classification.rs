//! Classification of a project's images scored against their image-level
//! labels and recorded as a run: the same report as `assay eval
//! classification`, plus per-image outcomes, the confusion matrix with the
//! images behind each cell, the reliability diagram, and the labels
//! confident learning doubts stored as `label_issue` issues.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use assay_core::model::Dataset;
use assay_eval::classification::{calibration_bins, ClassificationReport, ReportOptions};
use assay_quality::label_issues::{
    find_label_issues_ranked, label_quality_scores, FilterBy, FilterOptions, PredProbs, ScoreMethod,
};
use assay_store::{
    ClassPrediction, IssueRow, NewRun, ObjectOutcome, RunInfo, Selection, Store, CLASS_LABEL_ISSUE,
};
use serde_json::json;

use super::{same_inputs, EvaluateOptions};
use crate::classification::report::{build_report, Notes, Predicted};
use crate::summary::{
    AverageRow, CalibrationRow, ClassificationSummary, Confusion, LeftOut, CLASSIFICATION,
};

/// A recorded classification run with everything it computed.
pub struct ClassificationRun {
    /// The recorded run's id.
    pub run_id: i64,
    /// An earlier run of the model on the same inputs, if any.
    pub earlier: Option<RunInfo>,
    /// The metrics.
    pub report: ClassificationReport,
    /// What could not be computed, in words.
    pub notes: Notes,
    /// Class names, in class-index order (the dataset's categories by id).
    pub names: Vec<String>,
    /// The summary as stored.
    pub summary: ClassificationSummary,
}

/// The images evaluated: label and prediction of each, in dataset order.
struct Pairs {
    samples: Vec<i64>,
    /// Annotation id of each image's label.
    label_ids: Vec<i64>,
    labels: Vec<usize>,
    predicted: Predicted,
    left_out: LeftOut,
}

/// Evaluates `options.model`'s class predictions on `dataset` and records
/// the run.
pub fn evaluate(
    store: &mut Store,
    dataset: &str,
    options: &EvaluateOptions,
) -> Result<ClassificationRun> {
    let selection = Selection {
        split: options.split.clone(),
        ..Selection::default()
    };
    let gt = store.load_dataset(dataset, &selection)?;
    let (ids, names) = classes(&gt);
    let predictions = store.class_predictions(dataset, &options.model)?;
    let pairs = pair_up(&gt, &ids, &predictions)?;
    if pairs.samples.is_empty() {
        anyhow::bail!(
            "no image of dataset {dataset:?} has both one image-level label and a class \
             prediction of {:?}",
            options.model
        );
    }
    let report_options = ReportOptions::default();
    let k = ids.len();
    let (report, notes) = build_report(&pairs.labels, &pairs.predicted, k, &report_options)
        .with_context(|| format!("cannot evaluate model {:?}", options.model))?;
    let probabilities = match &pairs.predicted {
        Predicted::Scores(s) if !report.ece.is_nan() => Some(s.as_slice()),
        _ => None,
    };
    let issues = match probabilities {
        Some(p) => label_issues(&pairs, p, &names)?,
        None => Vec::new(),
    };
    let calibration = match probabilities {
        Some(p) => calibration_bins(&pairs.labels, p, k, report_options.n_bins)?,
        None => Vec::new(),
    };
    let summary = summary(&report, &pairs, &ids, &calibration, issues.len());
    let new = new_run(dataset, options, &report, &pairs, &ids, &summary)?;
    let earlier = same_inputs(store, dataset, &options.model, &new.inputs_hash)?;
    let run_id = store.record_run(&new)?;
    store.replace_issues_of_kind(dataset, CLASS_LABEL_ISSUE, &issues)?;
    Ok(ClassificationRun {
        run_id,
        earlier,
        report,
        notes,
        names,
        summary,
    })
}

/// The dataset's category ids and names, by id.
fn classes(gt: &Dataset) -> (Vec<i64>, Vec<String>) {
    let mut categories: Vec<(i64, String)> = gt
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    categories.sort();
    categories.into_iter().unzip()
}

/// Each image with exactly one label and a prediction; scores when every
/// prediction has them, else the predicted classes.
fn pair_up(gt: &Dataset, ids: &[i64], predictions: &[ClassPrediction]) -> Result<Pairs> {
    let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let mut labels_of: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for a in &gt.annotations {
        labels_of
            .entry(a.sample_id)
            .or_default()
            .push((a.id, a.category_id));
    }
    let with_scores = predictions.iter().all(|p| p.scores.len() == ids.len());
    let mut pairs = Pairs {
        samples: Vec::new(),
        label_ids: Vec::new(),
        labels: Vec::new(),
        predicted: Predicted::Classes(Vec::new()),
        left_out: LeftOut::default(),
    };
    let (mut scores, mut classes) = (Vec::new(), Vec::new());
    let selected: HashSet<i64> = gt.samples.iter().map(|s| s.id).collect();
    let predicted_ids: HashSet<i64> = predictions.iter().map(|p| p.sample_id).collect();
    pairs.left_out.unpredicted = gt
        .samples
        .iter()
        .filter(|s| {
            !predicted_ids.contains(&s.id) && labels_of.get(&s.id).is_some_and(|l| l.len() == 1)
        })
        .count();
    // In the order of the user's file, so sums match `eval classification`.
    for p in predictions
        .iter()
        .filter(|p| selected.contains(&p.sample_id))
    {
        let (label_id, category) = match labels_of.get(&p.sample_id).map(Vec::as_slice) {
            None | Some([]) => {
                pairs.left_out.unlabelled += 1;
                continue;
            }
            Some([one]) => *one,
            Some(_) => {
                pairs.left_out.several_labels += 1;
                continue;
            }
        };
        pairs.samples.push(p.sample_id);
        pairs.label_ids.push(label_id);
        pairs.labels.push(index[&category]);
        classes.push(index[&p.category_id]);
        if with_scores {
            scores.extend_from_slice(&p.scores);
        }
    }
    pairs.predicted = if with_scores {
        Predicted::Scores(scores)
    } else {
        Predicted::Classes(classes)
    };
    Ok(pairs)
}

/// The predicted class of row `i`: the first largest score, or the class.
fn predicted_class(predicted: &Predicted, k: usize, i: usize) -> (usize, Option<f64>) {
    match predicted {
        Predicted::Classes(c) => (c[i], None),
        Predicted::Scores(s) => {
            let row = &s[i * k..(i + 1) * k];
            let best = (0..k).fold(0, |b, c| if row[c] > row[b] { c } else { b });
            (best, Some(row[best]))
        }
    }
}

/// Confident learning over the run's probabilities (cleanlab's defaults:
/// prune by noise rate, ranked by self-confidence).
fn label_issues(pairs: &Pairs, probs: &[f64], names: &[String]) -> Result<Vec<IssueRow>> {
    let k = names.len();
    let input = PredProbs::new(&pairs.labels, probs, k)?;
    let rank_by = ScoreMethod::SelfConfidence;
    let flagged = find_label_issues_ranked(
        &input,
        &FilterOptions::new(FilterBy::PruneByNoiseRate),
        rank_by,
    )?;
    let scores = label_quality_scores(&input, rank_by)?;
    Ok(flagged
        .into_iter()
        .map(|i| {
            let (best, confidence) = predicted_class(&pairs.predicted, k, i);
            let given = pairs.labels[i];
            IssueRow {
                sample_id: pairs.samples[i],
                annotation_id: None,
                kind: CLASS_LABEL_ISSUE.to_string(),
                score: scores[i],
                explanation: format!(
                    "labelled {}, but the classifier says {} ({:.2}; {:.2} for the label)",
                    names[given],
                    names[best],
                    confidence.unwrap_or(f64::NAN),
                    probs[i * k + given]
                ),
                group: None,
            }
        })
        .collect())
}

fn summary(
    report: &ClassificationReport,
    pairs: &Pairs,
    ids: &[i64],
    calibration: &[assay_eval::classification::CalibrationBin],
    label_issues: usize,
) -> ClassificationSummary {
    let average = |name: &str, a: assay_eval::classification::AverageScores| AverageRow {
        average: name.to_string(),
        precision: a.precision,
        recall: a.recall,
        f1: a.f1,
    };
    ClassificationSummary {
        num_samples: report.num_samples,
        left_out: pairs.left_out,
        accuracy: report.accuracy,
        top_k: report.top_k.iter().map(|t| (t.k, t.accuracy)).collect(),
        ece: report.ece,
        brier: report.brier,
        averages: vec![
            average("macro", report.macro_avg),
            average("micro", report.micro_avg),
            average("weighted", report.weighted_avg),
        ],
        confusion: Confusion {
            category_ids: ids.to_vec(),
            counts: report.confusion.rows().to_vec(),
            iou_threshold: None,
            min_score: None,
            background: false,
        },
        calibration: calibration
            .iter()
            .map(|b| CalibrationRow {
                lower: b.lower,
                upper: b.upper,
                count: b.count,
                confidence: b.mean_confidence,
                accuracy: b.accuracy,
            })
            .collect(),
        label_issues,
    }
}

fn new_run(
    dataset: &str,
    options: &EvaluateOptions,
    report: &ClassificationReport,
    pairs: &Pairs,
    ids: &[i64],
    summary: &ClassificationSummary,
) -> Result<NewRun> {
    let mut metrics = vec![("accuracy".to_string(), report.accuracy)];
    for t in &report.top_k {
        metrics.push((format!("top{}_accuracy", t.k), t.accuracy));
    }
    for a in &summary.averages {
        metrics.push((format!("{}_precision", a.average), a.precision));
        metrics.push((format!("{}_recall", a.average), a.recall));
        metrics.push((format!("{}_f1", a.average), a.f1));
    }
    metrics.push(("ece".to_string(), report.ece));
    metrics.push(("brier".to_string(), report.brier));
    metrics.push(("label_issues".to_string(), summary.label_issues as f64));
    let mut class_metrics = Vec::new();
    for c in &report.per_class {
        let id = ids[c.class];
        let predicted = report.confusion.predicted_count(c.class);
        let tp = report.confusion.true_positives(c.class);
        class_metrics.push((id, "precision".to_string(), c.precision));
        class_metrics.push((id, "recall".to_string(), c.recall));
        class_metrics.push((id, "f1".to_string(), c.f1));
        class_metrics.push((id, "support".to_string(), c.support as f64));
        class_metrics.push((id, "tp".to_string(), tp as f64));
        class_metrics.push((id, "fp".to_string(), (predicted - tp) as f64));
        class_metrics.push((id, "fn".to_string(), (c.support - tp) as f64));
    }
    let params = json!({"split": options.split, "report": ReportOptions::default()});
    let (outcomes, confusion_objects) = outcomes(pairs, ids);
    let mut hasher = blake3::Hasher::new();
    hasher.update(format!("{:?}{:?}{:?}", pairs.samples, pairs.labels, ids).as_bytes());
    match &pairs.predicted {
        Predicted::Scores(s) => hasher.update(format!("{s:?}").as_bytes()),
        Predicted::Classes(c) => hasher.update(format!("{c:?}").as_bytes()),
    };
    hasher.update(params.to_string().as_bytes());
    Ok(NewRun {
        dataset: dataset.to_string(),
        model: options.model.clone(),
        task: CLASSIFICATION.to_string(),
        params,
        summary: serde_json::to_value(summary)?,
        inputs_hash: hasher.finalize().to_hex()[..16].to_string(),
        metrics,
        class_metrics,
        curves: Vec::new(),
        outcomes,
        confusion_objects,
    })
}

/// Per image, the label's outcome (`tp` or `fn`) and the prediction's
/// (`tp` or `fp`, with its confidence), a wrong class marked as a
/// `classification` error; and the confusion cell of each image.
fn outcomes(pairs: &Pairs, ids: &[i64]) -> (Vec<ObjectOutcome>, Vec<(i64, usize, usize)>) {
    let k = ids.len();
    let mut outcomes = Vec::with_capacity(2 * pairs.samples.len());
    let mut cells = Vec::with_capacity(pairs.samples.len());
    for (i, &sample) in pairs.samples.iter().enumerate() {
        let (label, (predicted, confidence)) =
            (pairs.labels[i], predicted_class(&pairs.predicted, k, i));
        let right = label == predicted;
        let error = (!right).then(|| "classification".to_string());
        outcomes.push(ObjectOutcome {
            sample_id: sample,
            prediction: false,
            object_id: pairs.label_ids[i],
            category_id: ids[label],
            outcome: if right { "tp" } else { "fn" }.to_string(),
            matched_id: right.then_some(sample),
            iou: if right { 1.0 } else { 0.0 },
            score: confidence,
            error: error.clone(),
            tp_sweep: 0,
        });
        outcomes.push(ObjectOutcome {
            sample_id: sample,
            prediction: true,
            object_id: sample,
            category_id: ids[predicted],
            outcome: if right { "tp" } else { "fp" }.to_string(),
            matched_id: right.then_some(pairs.label_ids[i]),
            iou: if right { 1.0 } else { 0.0 },
            score: confidence,
            error,
            tp_sweep: 0,
        });
        cells.push((sample, label, predicted));
    }
    (outcomes, cells)
}

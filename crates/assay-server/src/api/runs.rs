//! A run's page: `GET /api/runs/<id>` (metrics, classes, curves, confusion
//! matrix, error breakdown), `GET /api/runs/<id>/breakdown` (quality by
//! object size or by a data metric) and `GET /api/compare` (two runs).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use assay_app::summary::{CalibrationRow, ErrorSummary, RunSummary};

use crate::error::{ApiError, ApiResult};
use crate::explorer::query::Counts;
use crate::state::AppState;

/// One class's metrics in a run.
#[derive(Serialize)]
struct ClassRow {
    category_id: i64,
    name: String,
    metrics: BTreeMap<String, f64>,
}

/// A precision-recall curve with its class name.
#[derive(Serialize)]
struct CurveRow {
    category: Option<String>,
    iou: f64,
    recall: Vec<f64>,
    precision: Vec<f64>,
}

/// The model page's data.
#[derive(Serialize)]
pub struct RunPage {
    id: i64,
    dataset: String,
    model: String,
    task: String,
    created_at: String,
    params: Value,
    metrics: Vec<(String, f64)>,
    classes: Vec<ClassRow>,
    curves: Vec<CurveRow>,
    confusion: Option<LabelledConfusion>,
    errors: Option<ErrorSummary>,
    calibration: Vec<CalibrationRow>,
    summary: Value,
}

/// A run's confusion matrix with class names as labels.
#[derive(Serialize)]
struct LabelledConfusion {
    /// Class names, then `background` for detection.
    labels: Vec<String>,
    counts: Vec<Vec<u64>>,
    iou_threshold: Option<f64>,
    min_score: Option<f64>,
    /// Whether the last row and column are the background.
    background: bool,
}

/// Answers `GET /api/runs/<id>`.
pub async fn run(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RunPage>> {
    state
        .blocking(move |state| run_page(state, id).map(Json))
        .await
}

fn run_page(state: &AppState, id: i64) -> ApiResult<RunPage> {
    let (detail, classes) = state.store(|s| -> assay_store::Result<_> {
        let detail = s.run_detail(id)?;
        let classes = s.category_names(&detail.info.dataset)?;
        Ok((detail, classes))
    })?;
    let names: HashMap<i64, String> = classes.into_iter().collect();
    let tables = detail.tables;
    let mut rows: Vec<ClassRow> = Vec::new();
    for m in &tables.class_metrics {
        if rows.last().is_none_or(|c| c.category_id != m.category_id) {
            rows.push(ClassRow {
                category_id: m.category_id,
                name: m.class.clone(),
                metrics: BTreeMap::new(),
            });
        }
        let row = rows.last_mut().expect("pushed");
        row.metrics.insert(m.name.clone(), m.value);
    }
    let curves = tables
        .curves
        .into_iter()
        .map(|c| CurveRow {
            category: c.class,
            iou: c.curve.iou,
            recall: c.curve.recall,
            precision: c.curve.precision,
        })
        .collect();
    let summary = RunSummary::parse(&detail.info.task, &tables.summary);
    let confusion = summary
        .confusion()
        .filter(|c| c.is_well_formed())
        .map(|c| LabelledConfusion {
            labels: c.labels(&names),
            counts: c.counts.clone(),
            iou_threshold: c.iou_threshold,
            min_score: c.min_score,
            background: c.background,
        });
    let calibration = match &summary {
        RunSummary::Classification(c) => c.calibration.clone(),
        _ => Vec::new(),
    };
    let info = detail.info;
    Ok(RunPage {
        id,
        dataset: info.dataset,
        model: info.model,
        task: info.task,
        created_at: info.created_at,
        params: tables.params,
        metrics: info.metrics,
        classes: rows,
        curves,
        confusion,
        errors: summary.errors().cloned(),
        calibration,
        summary: tables.summary,
    })
}

/// Options of the breakdown.
#[derive(Deserialize)]
pub struct BreakdownArgs {
    by: Option<String>,
    bins: Option<usize>,
}

/// One bucket of objects.
#[derive(Serialize, Default, Clone)]
struct Bucket {
    label: String,
    lo: f64,
    hi: f64,
    ground_truths: u64,
    tp: u64,
    fp: u64,
    r#fn: u64,
    precision: Option<f64>,
    recall: Option<f64>,
}

/// The breakdown's answer.
#[derive(Serialize)]
pub struct Breakdown {
    by: String,
    buckets: Vec<Bucket>,
}

/// COCO's area ranges.
const SIZES: [(&str, f64, f64); 3] = [
    ("small", 0.0, 32.0 * 32.0),
    ("medium", 32.0 * 32.0, 96.0 * 96.0),
    ("large", 96.0 * 96.0, f64::INFINITY),
];

/// Answers `GET /api/runs/<id>/breakdown`.
pub async fn breakdown(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    Query(args): Query<BreakdownArgs>,
) -> ApiResult<Json<Breakdown>> {
    state
        .blocking(move |state| {
            let by = args.by.unwrap_or_else(|| "size".into());
            let bins = args.bins.unwrap_or(5).clamp(1, 50);
            let (objects, dataset) = state.store(|s| -> assay_store::Result<_> {
                Ok((s.run_object_areas(id)?, s.run_detail(id)?.info.dataset))
            })?;
            let (mut buckets, place): (Vec<Bucket>, Placer) = if by == "size" {
                let buckets = SIZES
                    .iter()
                    .map(|&(l, lo, hi)| Bucket {
                        label: l.into(),
                        lo,
                        hi,
                        ..Default::default()
                    })
                    .collect();
                let place = |_: i64, area: Option<f64>| {
                    let a = area?;
                    SIZES.iter().position(|&(_, lo, hi)| a >= lo && a < hi)
                };
                (buckets, Box::new(place))
            } else {
                let name = by.strip_prefix("metric:").ok_or_else(|| {
                    ApiError::bad_request(format!("by must be size or metric:<name>, not {by:?}"))
                })?;
                metric_buckets(state, &dataset, name, bins)?
            };
            for o in objects {
                let Some(b) = place(o.sample_id, o.area) else {
                    continue;
                };
                let b = &mut buckets[b];
                match (o.prediction, o.outcome.as_str()) {
                    (true, "tp") => b.tp += 1,
                    (true, "fp") => b.fp += 1,
                    (false, "tp") => b.ground_truths += 1,
                    (false, "fn") => {
                        b.ground_truths += 1;
                        b.r#fn += 1
                    }
                    _ => {}
                }
            }
            for b in &mut buckets {
                b.precision = ratio(b.tp, b.tp + b.fp);
                b.recall = ratio(b.ground_truths - b.r#fn, b.ground_truths);
            }
            Ok(Json(Breakdown { by, buckets }))
        })
        .await
}

type Placer = Box<dyn Fn(i64, Option<f64>) -> Option<usize>>;

/// Equal-count bins of a sample metric, and where each sample falls.
fn metric_buckets(
    state: &AppState,
    dataset: &str,
    name: &str,
    bins: usize,
) -> ApiResult<(Vec<Bucket>, Placer)> {
    let table = state.table(dataset)?;
    let column = table
        .metric(name)
        .ok_or_else(|| {
            ApiError::bad_request(format!("dataset {dataset:?} has no metric {name:?}"))
        })?
        .to_vec();
    let mut sorted: Vec<f64> = column.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return Err(ApiError::bad_request(format!(
            "metric {name:?} has no values"
        )));
    }
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = (0..=bins)
        .map(|k| sorted[((sorted.len() - 1) * k) / bins])
        .collect();
    edges.dedup();
    if edges.len() == 1 {
        edges.push(edges[0]);
    }
    let buckets = edges
        .windows(2)
        .map(|w| Bucket {
            label: format!("{:.3} – {:.3}", w[0], w[1]),
            lo: w[0],
            hi: w[1],
            ..Default::default()
        })
        .collect();
    let index_of = table.index_of.clone();
    let place = move |sample: i64, _: Option<f64>| {
        let v = column[*index_of.get(&sample)? as usize];
        if !v.is_finite() {
            return None;
        }
        let last = edges.len() - 2;
        Some(
            edges[1..]
                .iter()
                .position(|&hi| v <= hi)
                .unwrap_or(last)
                .min(last),
        )
    };
    Ok((buckets, Box::new(place)))
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Options of the comparison.
#[derive(Deserialize)]
pub struct CompareArgs {
    a: i64,
    b: i64,
    limit: Option<usize>,
}

/// A metric of both runs.
#[derive(Serialize)]
struct MetricDelta {
    name: String,
    a: Option<f64>,
    b: Option<f64>,
    delta: Option<f64>,
}

/// A sample whose errors changed.
#[derive(Serialize)]
struct Changed {
    id: i64,
    file_name: String,
    a: Counts,
    b: Counts,
    change: &'static str,
}

/// The runs page's data.
#[derive(Serialize)]
pub struct Comparison {
    a: assay_store::RunInfo,
    b: assay_store::RunInfo,
    metrics: Vec<MetricDelta>,
    fixed: usize,
    broken: usize,
    samples: Vec<Changed>,
}

/// Answers `GET /api/compare?a=&b=`.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    Query(args): Query<CompareArgs>,
) -> ApiResult<Json<Comparison>> {
    state
        .blocking(move |state| comparison(state, &args).map(Json))
        .await
}

fn comparison(state: &AppState, args: &CompareArgs) -> ApiResult<Comparison> {
    let runs = state.store(|s| s.runs(None))?;
    let find = |id: i64| {
        runs.iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("no run with id {id}")))
    };
    let (a, b) = (find(args.a)?, find(args.b)?);
    if a.dataset != b.dataset {
        return Err(ApiError::bad_request(format!(
            "runs {} and {} are on different datasets ({:?}, {:?})",
            a.id, b.id, a.dataset, b.dataset
        )));
    }
    let (ca, cb) = (state.run_counts(a.id)?, state.run_counts(b.id)?);
    let table = state.table(&a.dataset)?;
    let errors = |c: [u32; 3]| c[1] + c[2];
    let mut samples = Vec::new();
    let (mut fixed, mut broken) = (0, 0);
    for i in 0..table.len() {
        let (x, y) = (ca.counts[i], cb.counts[i]);
        let change = match errors(y).cmp(&errors(x)) {
            std::cmp::Ordering::Less => "fixed",
            std::cmp::Ordering::Greater => "broken",
            std::cmp::Ordering::Equal => continue,
        };
        if change == "fixed" {
            fixed += 1
        } else {
            broken += 1
        }
        samples.push(Changed {
            id: table.ids[i],
            file_name: table.file_names[i].clone(),
            a: x.into(),
            b: y.into(),
            change,
        });
    }
    samples.sort_by_key(|c| {
        std::cmp::Reverse(
            errors([c.a.tp, c.a.fp, c.a.r#fn]).abs_diff(errors([c.b.tp, c.b.fp, c.b.r#fn])),
        )
    });
    samples.truncate(args.limit.unwrap_or(200).min(5000));
    Ok(Comparison {
        metrics: metric_deltas(&a, &b),
        a,
        b,
        fixed,
        broken,
        samples,
    })
}

fn metric_deltas(a: &assay_store::RunInfo, b: &assay_store::RunInfo) -> Vec<MetricDelta> {
    let finite = |v: f64| v.is_finite().then_some(v);
    let of_b: HashMap<&str, f64> = b.metrics.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let mut out: Vec<MetricDelta> = a
        .metrics
        .iter()
        .map(|(name, va)| {
            let (va, vb) = (
                finite(*va),
                of_b.get(name.as_str()).copied().and_then(finite),
            );
            MetricDelta {
                name: name.clone(),
                a: va,
                b: vb,
                delta: va.zip(vb).map(|(x, y)| y - x),
            }
        })
        .collect();
    for (name, vb) in &b.metrics {
        if !a.metrics.iter().any(|(n, _)| n == name) {
            out.push(MetricDelta {
                name: name.clone(),
                a: None,
                b: finite(*vb),
                delta: None,
            });
        }
    }
    out
}

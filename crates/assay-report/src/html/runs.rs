//! The model-performance section: the runs table as `assay runs` prints
//! it, then each run's headline metrics, per-class table, PR curves,
//! confusion matrix and error breakdown.

use std::fmt::Write as _;

use super::parts::{cards, raw, table, td, td_num, Card};
use crate::data::{ClassRow, ReportData, RunReport};
use crate::escape::html;
use crate::format;
use crate::svg::{bar_chart, heatmap, line_chart, Bar, Series};
use assay_app::summary::{CLASSIFICATION, SEMANTIC_SEGMENTATION};

/// The headline metrics of a task's runs.
pub fn headline(task: &str) -> &'static [&'static str] {
    match task {
        CLASSIFICATION => &["accuracy", "top5_accuracy", "macro_f1", "ece"],
        SEMANTIC_SEGMENTATION => &["mIoU", "aAcc", "mDice", "mAcc"],
        _ => &["ap", "ap50", "ap75", "ar@100"],
    }
}

/// The headline columns of a table of `runs`: each task's headline, in
/// order of first appearance.
pub fn headline_columns<'a>(tasks: impl Iterator<Item = &'a str>) -> Vec<&'static str> {
    let mut columns: Vec<&'static str> = Vec::new();
    for task in tasks {
        for h in headline(task) {
            if !columns.contains(h) {
                columns.push(h);
            }
        }
    }
    columns
}

/// Per-class columns of a task: (stored name, header).
fn class_columns(task: &str) -> &'static [(&'static str, &'static str)] {
    match task {
        CLASSIFICATION => &[("f1", "F1"), ("support", "support")],
        SEMANTIC_SEGMENTATION => &[("iou", "IoU"), ("dice", "Dice"), ("acc", "Acc")],
        _ => &[
            ("ap", "AP"),
            ("ap50", "AP50"),
            ("ap75", "AP75"),
            ("ar", "AR"),
        ],
    }
}

/// Most per-class precision-recall curves drawn in one chart.
const MAX_CLASS_CURVES: usize = 8;

/// Every evaluation run.
pub fn section(data: &ReportData) -> String {
    if data.runs.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section id=\"runs\"><h2>Model performance</h2>");
    out += &runs_table(&data.runs);
    for run in &data.runs {
        out += &run_section(run);
    }
    out + "</section>"
}

/// A metric cell of a run.
fn metric_cell(run: i64, name: &str, value: Option<f64>) -> String {
    let run = run.to_string();
    let value = value.unwrap_or(f64::NAN);
    td_num(
        &format::metric(value),
        &[("run", &run), ("metric", name), ("value", &raw(value))],
    )
}

fn runs_table(runs: &[RunReport]) -> String {
    let mut header = vec!["run", "created", "dataset", "model", "task"];
    let columns = headline_columns(runs.iter().map(|r| r.info.task.as_str()));
    header.extend(&columns);
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let i = &r.info;
            let mut row = vec![
                format!("<td><a href=\"#run-{}\">{}</a></td>", i.id, i.id),
                td(&i.created_at),
                td(&i.dataset),
                td(&i.model),
                td(&i.task),
            ];
            row.extend(
                columns
                    .iter()
                    .map(|h| metric_cell(i.id, h, find(&i.metrics, h))),
            );
            row
        })
        .collect();
    table(&header, &rows)
}

fn find(metrics: &[(String, f64)], name: &str) -> Option<f64> {
    metrics.iter().find(|(n, _)| n == name).map(|m| m.1)
}

fn run_section(run: &RunReport) -> String {
    let i = &run.info;
    let mut out = format!(
        "<h3 id=\"run-{}\">Run {}: {} on {} ({})</h3><p class=\"muted\">recorded {} · inputs {}</p>",
        i.id,
        i.id,
        html(&i.model),
        html(&i.dataset),
        html(&i.task),
        html(&i.created_at),
        html(&i.inputs_hash)
    );
    let headline: Vec<_> = headline(&i.task)
        .iter()
        .map(|h| {
            let v = find(&i.metrics, h).unwrap_or(f64::NAN);
            Card {
                label: h,
                value: format::metric(v),
                attrs: vec![("run", i.id.to_string()), ("headline", h.to_string())],
            }
        })
        .collect();
    out += &cards(&headline);
    let rows: Vec<Vec<String>> = i
        .metrics
        .iter()
        .map(|(name, v)| vec![td(name), metric_cell(i.id, name, Some(*v))])
        .collect();
    out += &format!(
        "<details><summary>All {} headline metrics</summary>{}</details>",
        rows.len(),
        table(&["metric", "value"], &rows)
    );
    out += &class_table(run);
    out += &charts(run);
    out
}

fn class_table(run: &RunReport) -> String {
    if run.classes.is_empty() {
        return String::new();
    }
    let mut header: Vec<&str> = vec!["class"];
    header.extend(class_columns(&run.info.task).iter().map(|c| c.1));
    header.extend(["TP", "FP", "FN", "precision", "recall"]);
    let rows: Vec<Vec<String>> = run.classes.iter().map(|c| class_row(run, c)).collect();
    format!("<h4>Per class</h4>{}", table(&header, &rows))
}

fn class_row(run: &RunReport, c: &ClassRow) -> Vec<String> {
    let run_id = run.info.id.to_string();
    let cell = |name: &str, text: String, v: f64| {
        td_num(
            &text,
            &[
                ("run", &run_id),
                ("class", &c.class),
                ("class-metric", name),
                ("value", &raw(v)),
            ],
        )
    };
    let mut row = vec![td(&c.class)];
    for (name, _) in class_columns(&run.info.task) {
        let v = c.get(name).unwrap_or(f64::NAN);
        row.push(cell(name, format::metric(v), v));
    }
    let count = |name| c.get(name).filter(|v| v.is_finite()).unwrap_or(0.0);
    let (tp, fp, fn_) = (count("tp"), count("fp"), count("fn"));
    for (name, v) in [("tp", tp), ("fp", fp), ("fn", fn_)] {
        row.push(cell(name, format!("{}", v as u64), v));
    }
    let ratio = |a: f64, b: f64| if a + b == 0.0 { f64::NAN } else { a / (a + b) };
    for (name, v) in [("precision", ratio(tp, fp)), ("recall", ratio(tp, fn_))] {
        row.push(cell(name, format::metric(v), v));
    }
    row
}

fn charts(run: &RunReport) -> String {
    let mut out = String::from("<div class=\"charts\">");
    let (bar_metric, bar_title) = match run.info.task.as_str() {
        CLASSIFICATION => ("f1", "F1 per class"),
        SEMANTIC_SEGMENTATION => ("iou", "IoU per class"),
        _ => ("ap", "AP per class"),
    };
    if !run.classes.is_empty() {
        let bars: Vec<Bar> = run
            .classes
            .iter()
            .map(|c| {
                let v = c.get(bar_metric).unwrap_or(f64::NAN);
                Bar {
                    label: c.class.clone(),
                    value: v,
                    text: format::metric(v),
                }
            })
            .collect();
        let _ = write!(
            out,
            "<div><h4>{bar_title}</h4>{}</div>",
            bar_chart(bar_title, &bars)
        );
    }
    for iou in [0.5, 0.75] {
        out += &pr_curves(run, iou);
    }
    if let Some(c) = &run.confusion {
        let title = match (c.stored.iou_threshold, c.stored.min_score) {
            (Some(iou), Some(score)) => format!(
                "Confusion at IoU {iou} (score ≥ {score}): rows ground truth, columns predicted"
            ),
            _ => "Confusion: rows labelled class, columns predicted".to_string(),
        };
        let _ = write!(
            out,
            "<div><h4>{}</h4>{}</div>",
            html(&title),
            heatmap(&title, &c.labels, &c.counts)
        );
    }
    out += &errors(run);
    out + "</div>"
}

/// The mean curve and the per-class curves at one IoU.
fn pr_curves(run: &RunReport, iou: f64) -> String {
    let series: Vec<Series> = run
        .curves
        .iter()
        .filter(|c| c.curve.iou == iou)
        .map(|c| Series {
            name: c
                .class
                .clone()
                .unwrap_or_else(|| "mean over classes".to_string()),
            bold: c.class.is_none(),
            points: c
                .curve
                .recall
                .iter()
                .copied()
                .zip(c.curve.precision.iter().copied())
                .collect(),
        })
        .collect();
    if series.is_empty() {
        return String::new();
    }
    // Past a handful of classes the per-class lines are unreadable: the
    // mean alone is drawn.
    let classes = series.iter().filter(|s| !s.bold).count();
    let (series, note) = match classes > MAX_CLASS_CURVES {
        true => (
            series.into_iter().filter(|s| s.bold).collect(),
            format!("<p class=\"note\">The {classes} per-class curves are left out; the table above has each class's AP.</p>"),
        ),
        false => (series, String::new()),
    };
    let title = format!("Precision-recall at IoU {iou}");
    format!(
        "<div><h4>{}</h4>{}</div>",
        html(&title),
        line_chart(&title, "recall", "precision", &series) + &note
    )
}

fn errors(run: &RunReport) -> String {
    let Some(e) = &run.errors else {
        return String::new();
    };
    let id = run.info.id.to_string();
    let bars: Vec<Bar> = e
        .costs
        .iter()
        .map(|c| Bar {
            label: c.kind.clone(),
            value: c.delta_ap,
            text: format::delta(c.delta_ap),
        })
        .collect();
    let rows: Vec<Vec<String>> = e
        .costs
        .iter()
        .map(|c| {
            vec![
                td(&c.kind),
                td_num(
                    &c.count.to_string(),
                    &[("run", &id), ("error", &c.kind), ("count", "objects")],
                ),
                td_num(
                    &format::delta(c.delta_ap),
                    &[
                        ("run", &id),
                        ("error", &c.kind),
                        ("value", &raw(c.delta_ap)),
                    ],
                ),
            ]
        })
        .collect();
    format!(
        "<div><h4>Errors (TIDE-style): AP50 {}; what fixing each kind would add</h4>{}{}</div>",
        format::metric(e.ap50),
        bar_chart("dAP50 per error kind", &bars),
        table(&["error", "count", "dAP50"], &rows)
    )
}

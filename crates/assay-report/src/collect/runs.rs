//! Evaluation runs: headline metrics, per-class rows, curves, and the
//! confusion matrix and error breakdown from the run's stored summary.

use std::collections::HashMap;

use assay_app::summary::RunSummary;
use assay_store::{RunInfo, Store};

use crate::data::{ClassRow, Confusion, RunReport};
use crate::Result;

/// The task generative runs are stored under; everything else is an
/// evaluation run.
pub const GENERATION_TASK: &str = assay_app::summary::GENERATION;

/// The evaluation runs among `runs`, with their tables, in the same order.
pub fn evaluation_runs(store: &Store, runs: &[RunInfo]) -> Result<Vec<RunReport>> {
    let mut out = Vec::new();
    for info in runs.iter().filter(|r| r.task != GENERATION_TASK) {
        let tables = store.run_tables(info.id)?;
        let summary = RunSummary::parse(&info.task, &tables.summary);
        let names: HashMap<i64, String> =
            store.category_names(&info.dataset)?.into_iter().collect();
        out.push(RunReport {
            info: info.clone(),
            classes: class_rows(&tables.class_metrics),
            curves: tables.curves,
            confusion: confusion(&summary, &names),
            errors: summary.errors().cloned(),
        });
    }
    Ok(out)
}

/// Groups per-class metrics by class, in first-seen order.
fn class_rows(metrics: &[assay_store::ClassMetric]) -> Vec<ClassRow> {
    let mut rows: Vec<ClassRow> = Vec::new();
    for m in metrics {
        let at = match rows.iter().position(|r| r.category_id == m.category_id) {
            Some(at) => at,
            None => {
                rows.push(ClassRow {
                    category_id: m.category_id,
                    class: m.class.clone(),
                    metrics: Vec::new(),
                });
                rows.len() - 1
            }
        };
        rows[at].metrics.push((m.name.clone(), m.value));
    }
    rows
}

/// The run's confusion matrix with class names, when it can be drawn.
fn confusion(summary: &RunSummary, names: &HashMap<i64, String>) -> Option<Confusion> {
    let c = summary.confusion()?;
    c.is_well_formed().then(|| Confusion {
        labels: c.labels(names),
        counts: c.counts.clone(),
        stored: c.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detection(confusion: serde_json::Value) -> RunSummary {
        let summary = json!({"stats": [], "summary": [], "extra": [], "per_category": [],
            "confusion": confusion, "errors": {"ap50": 0.5, "costs": []}, "counts": {}});
        RunSummary::parse("detection", &summary)
    }

    #[test]
    fn a_confusion_matrix_gets_class_names_and_background() {
        let names = HashMap::from([(1, "cat".to_string())]);
        let summary = detection(
            json!({"category_ids": [1, 7], "counts": [[1, 0, 2], [0, 3, 0], [4, 0, 0]],
            "iou_threshold": 0.5, "min_score": 0.0}),
        );
        let c = confusion(&summary, &names).unwrap();
        assert_eq!(c.labels, ["cat", "class 7", "background"]);
        assert_eq!(c.counts[2][0], 4);
    }

    #[test]
    fn a_ragged_or_missing_matrix_is_left_out() {
        let ragged = detection(json!({"category_ids": [1], "counts": [[1, 0], [2]]}));
        assert!(confusion(&ragged, &HashMap::new()).is_none());
        let other = RunSummary::parse("detection", &json!({}));
        assert!(confusion(&other, &HashMap::new()).is_none());
        assert!(other.errors().is_none());
    }
}

//! Evaluation runs: headline metrics, per-class rows, curves, and the
//! confusion matrix and error breakdown from the run's stored summary.

use std::collections::HashMap;

use assay_store::{RunInfo, Store};
use serde_json::Value;

use crate::data::{ClassRow, Confusion, ErrorBreakdown, ErrorCost, RunReport};
use crate::Result;

/// The task generative runs are stored under; everything else is an
/// evaluation run.
pub const GENERATION_TASK: &str = "generation";

/// The evaluation runs among `runs`, with their tables, in the same order.
pub fn evaluation_runs(store: &Store, runs: &[RunInfo]) -> Result<Vec<RunReport>> {
    let mut out = Vec::new();
    for info in runs.iter().filter(|r| r.task != GENERATION_TASK) {
        let tables = store.run_tables(info.id)?;
        let names: HashMap<i64, String> =
            store.category_names(&info.dataset)?.into_iter().collect();
        out.push(RunReport {
            info: info.clone(),
            classes: class_rows(&tables.class_metrics),
            curves: tables.curves,
            confusion: confusion(&tables.summary, &names),
            errors: errors(&tables.summary),
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

/// The confusion matrix of a detection run's summary, with class names.
fn confusion(summary: &Value, names: &HashMap<i64, String>) -> Option<Confusion> {
    let c = summary.get("confusion")?;
    let ids: Vec<i64> = serde_json::from_value(c.get("category_ids")?.clone()).ok()?;
    let counts: Vec<Vec<u64>> = serde_json::from_value(c.get("counts")?.clone()).ok()?;
    let mut labels: Vec<String> = ids
        .iter()
        .map(|id| {
            names
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("class {id}"))
        })
        .collect();
    labels.push("background".to_string());
    let square = counts.len() == labels.len() && counts.iter().all(|r| r.len() == labels.len());
    square.then(|| Confusion {
        labels,
        counts,
        iou_threshold: c["iou_threshold"].as_f64().unwrap_or(f64::NAN),
        min_score: c["min_score"].as_f64().unwrap_or(f64::NAN),
    })
}

/// The TIDE-style breakdown of a detection run's summary.
fn errors(summary: &Value) -> Option<ErrorBreakdown> {
    let e = summary.get("errors")?;
    let costs = e
        .get("costs")?
        .as_array()?
        .iter()
        .map(|c| ErrorCost {
            kind: c["kind"].as_str().unwrap_or("?").to_string(),
            count: c["count"].as_u64().unwrap_or(0),
            delta_ap: c["delta_ap"].as_f64().unwrap_or(f64::NAN),
        })
        .collect();
    Some(ErrorBreakdown {
        ap50: e["ap50"].as_f64().unwrap_or(f64::NAN),
        costs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_confusion_matrix_gets_class_names_and_background() {
        let names = HashMap::from([(1, "cat".to_string())]);
        let summary = json!({"confusion": {"category_ids": [1, 7], "counts": [[1, 0, 2], [0, 3, 0], [4, 0, 0]],
            "iou_threshold": 0.5, "min_score": 0.0}});
        let c = confusion(&summary, &names).unwrap();
        assert_eq!(c.labels, ["cat", "class 7", "background"]);
        assert_eq!(c.counts[2][0], 4);
    }

    #[test]
    fn a_ragged_or_missing_matrix_is_left_out() {
        let ragged = json!({"confusion": {"category_ids": [1], "counts": [[1, 0], [2]]}});
        assert!(confusion(&ragged, &HashMap::new()).is_none());
        assert!(confusion(&json!({}), &HashMap::new()).is_none());
        assert!(errors(&json!({"stats": []})).is_none());
    }
}

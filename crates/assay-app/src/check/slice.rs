//! The `slice` condition: a metric of a detection run on part of its data,
//! chosen by predicates over the columns of `assay analyze slices` (image
//! metrics, `object_*`, `box_*`, `class`, `split`, `tag`; custom metrics
//! included).

use std::collections::HashSet;

use crate::analysis::slices::{matches, parse_condition, Condition};
use crate::analysis::table::{Level, RunTable};
use crate::evaluate::detection::metrics_on_images;
use assay_store::{RunInfo, Store};

/// Metrics counted from the run's stored outcomes (the rest are COCO
/// metrics, evaluated on the slice's images).
const COUNTED: &[&str] = &["recall", "miss_rate", "error_rate", "ground_truths"];

/// A slice's metric, or why there is none (an empty slice).
pub(super) enum SliceValue {
    /// The value and how it was found.
    Value(f64, String),
    /// Nothing to measure.
    Empty(String),
}

/// An error about one key of the condition.
type KeyError = (&'static str, String);

/// `metric` of `run` on the rows where every predicate holds.
pub(super) fn slice_value(
    store: &Store,
    run: &RunInfo,
    predicates: &[String],
    metric: &str,
) -> Result<SliceValue, KeyError> {
    let table = RunTable::load(store, run.id).map_err(|e| ("run", format!("{e:#}")))?;
    let conditions = predicates
        .iter()
        .map(|p| parse_condition(&table, p))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|m| ("where", m))?;
    let described = format!(
        "run {} {}, where {}",
        run.id,
        run.model,
        predicates.join(" and ")
    );
    if COUNTED.contains(&metric) {
        return Ok(counted(&table, &conditions, metric, &described));
    }
    coco(store, &table, &conditions, metric, &described)
}

/// Recall, miss rate, error rate or ground-truth count of the slice.
fn counted(
    table: &RunTable,
    conditions: &[Condition],
    metric: &str,
    described: &str,
) -> SliceValue {
    let rows: Vec<usize> = (0..table.rows.len())
        .filter(|&i| matches(table, i, conditions))
        .filter(|&i| metric == "error_rate" || !table.rows[i].prediction)
        .collect();
    let errors = rows.iter().filter(|&&i| table.rows[i].error).count();
    let n = rows.len();
    if metric == "ground_truths" {
        return SliceValue::Value(n as f64, format!("{n} ground truths ({described})"));
    }
    if n == 0 {
        return SliceValue::Empty(format!("the slice holds no objects ({described})"));
    }
    let (v, what) = match metric {
        "recall" => ((n - errors) as f64 / n as f64, "ground truths found"),
        "miss_rate" => (errors as f64 / n as f64, "ground truths missed"),
        _ => (errors as f64 / n as f64, "misses and false positives"),
    };
    let count = match metric {
        "recall" => n - errors,
        _ => errors,
    };
    SliceValue::Value(
        v,
        format!("{metric} = {v:.4}: {count} of {n} {what} ({described})"),
    )
}

/// A COCO metric evaluated on the slice's images; a `class` predicate
/// picks that class's metric.
fn coco(
    store: &Store,
    table: &RunTable,
    conditions: &[Condition],
    metric: &str,
    described: &str,
) -> Result<SliceValue, KeyError> {
    let (class, image_level): (Vec<&Condition>, Vec<Condition>) = {
        let (class, rest): (Vec<&Condition>, Vec<&Condition>) =
            conditions.iter().partition(|c| c.column == "class");
        (class, rest.into_iter().cloned().collect())
    };
    if let Some(c) = image_level.iter().find(|c| !of_images(table, &c.column)) {
        return Err((
            "where",
            format!(
                "{metric:?} is evaluated on the slice's images, so every predicate must be about images (image metrics, split, tag; class picks the class), but {:?} is about objects; use recall, miss_rate, error_rate or ground_truths",
                c.column
            ),
        ));
    }
    let class = match class[..] {
        [] => None,
        [c] => Some(c.label.as_str()),
        _ => return Err(("where", "at most one class predicate".into())),
    };
    let images: HashSet<i64> = (0..table.rows.len())
        .filter(|&i| matches(table, i, &image_level))
        .map(|i| table.rows[i].sample)
        .collect();
    if images.is_empty() {
        return Ok(SliceValue::Empty(format!(
            "the slice holds no images ({described})"
        )));
    }
    let m = metrics_on_images(store, table.run, &images).map_err(|e| ("run", format!("{e:#}")))?;
    let names: Vec<(&str, f64)> = match class {
        None => m.metrics.iter().map(|(n, v)| (n.as_str(), *v)).collect(),
        Some(class) => m
            .class_metrics
            .iter()
            .filter(|(c, _, _)| c == class)
            .map(|(_, n, v)| (n.as_str(), *v))
            .collect(),
    };
    let Some(&(_, v)) = names.iter().find(|(n, _)| *n == metric) else {
        let known: Vec<&str> = COUNTED
            .iter()
            .copied()
            .chain(names.iter().map(|n| n.0))
            .collect();
        return Err((
            "metric",
            format!("no slice metric {metric:?}; known: {}", known.join(", ")),
        ));
    };
    if v < 0.0 {
        return Ok(SliceValue::Empty(format!(
            "{metric} cannot be measured on the slice: no ground truth counts there ({described})"
        )));
    }
    Ok(SliceValue::Value(
        v,
        format!(
            "{metric} = {v:.4} on {} images, evaluated as the run was ({described})",
            m.images
        ),
    ))
}

/// Whether a column describes whole images.
fn of_images(table: &RunTable, column: &str) -> bool {
    matches!(column, "split" | "tag")
        || table
            .numeric
            .iter()
            .any(|c| c.name == column && c.level == Level::Image)
}

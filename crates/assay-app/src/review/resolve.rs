//! The corrected dataset: each item's reviewers' verdicts resolved by
//! majority, the winning fixes applied to a copy of the stored labels, and
//! a changelog of every item.

use std::collections::HashMap;

use anyhow::{bail, Result};
use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Dataset};
use assay_store::{Selection, Store, VerdictRow};
use serde::Serialize;

use super::{parse_stored, Decision, Edit, Label};

/// Boxes drawn by two reviewers count as the same fix from this IoU.
const SAME_BOX: f64 = 0.5;

/// What happened to one reviewed item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The queue.
    pub queue: String,
    /// The item.
    pub item: i64,
    /// The image.
    pub file_name: String,
    /// The object the item was about.
    pub annotation: Option<i64>,
    /// The outcome most reviewers chose (none on a tie).
    pub decision: Option<Decision>,
    /// The fixes applied (with `fix`).
    pub edits: Vec<Edit>,
    /// Reviewers who chose that outcome, by name.
    pub agreed: Vec<String>,
    /// Reviewers who gave a verdict.
    pub reviewers: usize,
    /// Whether the labels were changed.
    pub applied: bool,
    /// Notes the reviewers left.
    pub notes: Vec<String>,
}

/// Every reviewed item of a dataset and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changelog {
    /// The dataset.
    pub dataset: String,
    /// The rule, for people.
    pub rule: String,
    /// Items whose fixes were applied.
    pub applied: usize,
    /// Items where reviewers split evenly (nothing applied).
    pub ties: usize,
    /// Per reviewed item, in queue order.
    pub changes: Vec<Change>,
}

/// The dataset's labels with the reviewed fixes of its queues (all, or
/// those named) applied, and the changelog. The store is not changed.
pub fn corrected_dataset(
    store: &Store,
    dataset: &str,
    queues: &[String],
) -> Result<(Dataset, Changelog)> {
    let mut data = store.load_dataset(dataset, &Selection::default())?;
    let rows = store.sample_rows(dataset)?;
    let source_of: HashMap<i64, (i64, String)> = rows
        .iter()
        .map(|s| (s.id, (s.source_id, s.file_name.clone())))
        .collect();
    if source_of.len() != data.samples.len()
        || data
            .samples
            .iter()
            .map(|s| s.id)
            .collect::<std::collections::HashSet<_>>()
            .len()
            != data.samples.len()
    {
        bail!("dataset {dataset:?} repeats image ids (merged imports); export it renumbered before correcting it");
    }
    let mut changes = Vec::new();
    for queue in store.queues(None)?.into_iter().rev() {
        if queue.dataset != dataset || (!queues.is_empty() && !queues.contains(&queue.name)) {
            continue;
        }
        let verdicts = store.verdicts(queue.id)?;
        for item in store.queue_items(queue.id)? {
            let mine: Vec<&VerdictRow> = verdicts.iter().filter(|v| v.item == item.id).collect();
            let Some(mut change) = resolve(&mine)? else {
                continue;
            };
            let (source, file_name) = source_of[&item.sample].clone();
            change.queue = queue.name.clone();
            change.item = item.id;
            change.file_name = file_name;
            change.annotation = item.annotation;
            if change.decision == Some(Decision::Fix) {
                apply(&mut data, source, &change.edits)?;
                change.applied = true;
            }
            changes.push(change);
        }
    }
    Ok((
        data,
        Changelog {
            dataset: dataset.to_string(),
            rule: format!("per item, each reviewer's latest verdict other than skip; the outcome more than half of them chose wins (fixes agree when they make the same changes, boxes with IoU >= {SAME_BOX}); the earliest verdict of that outcome supplies the fixes; ties change nothing"),
            applied: changes.iter().filter(|c| c.applied).count(),
            ties: changes.iter().filter(|c| c.decision.is_none()).count(),
            changes,
        },
    ))
}

/// How many items flagged by one issue type reviewers confirmed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuePrecision {
    /// The issue type (the start of the item's reason).
    pub issue: String,
    /// Items with a majority verdict.
    pub resolved: usize,
    /// Of those, items the reviewers rejected or fixed (the issue was real).
    pub confirmed: usize,
    /// `confirmed / resolved`.
    pub precision: Option<f64>,
}

/// Per issue type of queue `queue`: of the items its reviewers settled,
/// the share they confirmed (rejected or fixed rather than accepted):
/// the precision of assay's label checks as people judge it.
pub fn issue_precision(store: &Store, queue: i64) -> Result<Vec<IssuePrecision>> {
    let verdicts = store.verdicts(queue)?;
    let mut by_issue: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for item in store.queue_items(queue)? {
        let Some((issue, _)) = item.reason.split_once(": ") else {
            continue;
        };
        let mine: Vec<&VerdictRow> = verdicts.iter().filter(|v| v.item == item.id).collect();
        let Some(decision) = resolve(&mine)?.and_then(|c| c.decision) else {
            continue;
        };
        let entry = by_issue.entry(issue.to_string()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(matches!(decision, Decision::Reject | Decision::Fix));
    }
    Ok(by_issue
        .into_iter()
        .map(|(issue, (resolved, confirmed))| IssuePrecision {
            issue,
            resolved,
            confirmed,
            precision: (resolved > 0).then(|| confirmed as f64 / resolved as f64),
        })
        .collect())
}

/// The majority outcome of an item's verdicts (none when nobody gave one
/// other than skip).
fn resolve(verdicts: &[&VerdictRow]) -> Result<Option<Change>> {
    let mut latest: Vec<&VerdictRow> = Vec::new();
    for v in verdicts.iter().rev().filter(|v| v.decision != "skip") {
        if !latest.iter().any(|l| l.reviewer == v.reviewer) {
            latest.push(v);
        }
    }
    latest.reverse();
    if latest.is_empty() {
        return Ok(None);
    }
    let outcomes: Vec<(Decision, Vec<Edit>, Vec<Label>)> = latest
        .iter()
        .map(|v| {
            let decision = Decision::parse(&v.decision).unwrap_or(Decision::Reject);
            Ok((
                decision,
                parse_stored(&v.edits, "edit list")?,
                parse_stored(&v.after, "label list")?,
            ))
        })
        .collect::<Result<_>>()?;
    let mut best: Option<(usize, Vec<usize>)> = None;
    for (i, a) in outcomes.iter().enumerate() {
        let group: Vec<usize> = (0..outcomes.len())
            .filter(|&j| same_outcome(a, &outcomes[j]))
            .collect();
        if best.as_ref().is_none_or(|b| group.len() > b.1.len()) {
            best = Some((i, group));
        }
    }
    let (first, group) = best.expect("at least one verdict");
    let majority = 2 * group.len() > latest.len();
    let notes = latest.iter().filter_map(|v| v.note.clone()).collect();
    Ok(Some(Change {
        queue: String::new(),
        item: 0,
        file_name: String::new(),
        annotation: None,
        decision: majority.then_some(outcomes[first].0),
        edits: if majority {
            outcomes[first].1.clone()
        } else {
            Vec::new()
        },
        agreed: if majority {
            group.iter().map(|&j| latest[j].reviewer.clone()).collect()
        } else {
            Vec::new()
        },
        reviewers: latest.len(),
        applied: false,
        notes,
    }))
}

/// Whether two verdicts come to the same: the same decision and, for
/// fixes, the same labels after (same ids and classes, boxes close).
fn same_outcome(
    a: &(Decision, Vec<Edit>, Vec<Label>),
    b: &(Decision, Vec<Edit>, Vec<Label>),
) -> bool {
    if a.0 != b.0 {
        return false;
    }
    if a.0 != Decision::Fix {
        return true;
    }
    let bx = |l: &Label| BBox::new(l.bbox[0], l.bbox[1], l.bbox[2], l.bbox[3]);
    a.2.len() == b.2.len()
        && a.2.iter().zip(&b.2).all(|(x, y)| {
            x.id == y.id && x.class == y.class && bx(x).iou(&bx(y), false) >= SAME_BOX
        })
}

/// Applies fixes to image `source`'s annotations in `data`.
fn apply(data: &mut Dataset, source: i64, edits: &[Edit]) -> Result<()> {
    let class_id = |data: &Dataset, name: &str| -> Result<i64> {
        match data.categories.iter().find(|c| c.name == name) {
            Some(c) => Ok(c.id),
            None => bail!("no class {name:?}"),
        }
    };
    for edit in edits {
        let position = |data: &Dataset, id: i64| {
            data.annotations
                .iter()
                .position(|a| a.sample_id == source && a.id == id)
        };
        match edit {
            Edit::Relabel { id, class } => {
                let c = class_id(data, class)?;
                if let Some(i) = position(data, *id) {
                    data.annotations[i].category_id = c;
                }
            }
            Edit::Move { id, bbox } => {
                if let Some(i) = position(data, *id) {
                    let a = &mut data.annotations[i];
                    a.bbox = Some(BBox::new(bbox[0], bbox[1], bbox[2], bbox[3]));
                    a.area = Some(bbox[2] * bbox[3]);
                    // A moved box no longer matches its old mask.
                    a.segmentation = None;
                }
            }
            Edit::Add { class, bbox } => {
                let c = class_id(data, class)?;
                let id = data.annotations.iter().map(|a| a.id).max().unwrap_or(0) + 1;
                let mut added = Annotation::new(id, source, c);
                added.bbox = Some(BBox::new(bbox[0], bbox[1], bbox[2], bbox[3]));
                added.area = Some(bbox[2] * bbox[3]);
                data.annotations.push(added);
            }
            Edit::Delete { id } => {
                if let Some(i) = position(data, *id) {
                    data.annotations.remove(i);
                }
            }
        }
    }
    Ok(())
}

//! What nearest neighbours in embedding space say about a dataset, stored
//! beside `assay quality`'s results (as `embedding_*` metrics and issues):
//! - uniqueness: 1 - mean cosine similarity to the 5 nearest neighbours;
//! - near-duplicate groups: vectors at least `threshold` alike, joined
//!   transitively; a group member outside a training split that has a
//!   member in one is a split leak;
//! - label consistency: the share of the 10 nearest neighbours with the
//!   same label (objects: their class; images: their only class, when all
//!   their objects share one), and a mismatch issue where most neighbours
//!   carry another label.

use std::collections::HashMap;

use anyhow::Result;
use assay_core::union_find::UnionFind;
use assay_index::{IndexConfig, Metric, SearchIndex, SearchOptions};
use assay_quality::neighbours::label_consistency;
use assay_store::{
    EmbeddingKey, EmbeddingLevel, EmbeddingSet, IssueRow, QualityRecord, Selection, Store,
    IMAGE_LEVEL,
};
use serde::Serialize;

use crate::progress::Progress;

/// Neighbours consulted for label consistency.
const K: usize = 10;
/// Neighbours averaged for uniqueness.
const UNIQUENESS_K: usize = 5;
/// Queries per pass over the index.
const QUERY_BATCH: usize = 16;

/// What the neighbours showed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Findings {
    /// Near-duplicate groups.
    pub near_duplicate_groups: usize,
    /// Items flagged as split leaks.
    pub split_leaks: usize,
    /// Items whose neighbours mostly carry another label.
    pub label_mismatches: usize,
}

/// One stored vector and what is known about it.
struct Item {
    key: EmbeddingKey,
    split: Option<String>,
    file_name: String,
    label: Option<i64>,
}

/// Computes and stores the findings for `set`, whose vectors are `rows`.
pub fn analyse(
    store: &mut Store,
    set: &EmbeddingSet,
    rows: &[(EmbeddingKey, Vec<f32>)],
    threshold: f32,
    progress: &dyn Progress,
) -> Result<Findings> {
    let (items, names) = describe(store, set, rows)?;
    let mut record = QualityRecord {
        dataset: set.dataset.clone(),
        ..Default::default()
    };
    let mut findings = Findings::default();
    if rows.len() >= 2 {
        let flat: Vec<f32> = rows.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        let index = SearchIndex::build(Metric::Cosine, set.dim, flat, &IndexConfig::default())?;
        let neighbours = all_neighbours(&index, rows, K.min(rows.len() - 1), progress)?;
        uniqueness(&items, &neighbours, set.level, &mut record);
        duplicates(
            &items,
            &neighbours,
            threshold,
            set,
            &mut record,
            &mut findings,
        );
        labels(&items, &neighbours, &names, set, &mut record, &mut findings);
    }
    store.replace_embedding_quality(&record, set.level)?;
    Ok(findings)
}

/// The items of the rows, and the class names by id.
fn describe(
    store: &Store,
    set: &EmbeddingSet,
    rows: &[(EmbeddingKey, Vec<f32>)],
) -> Result<(Vec<Item>, HashMap<i64, String>)> {
    let data = store.load_dataset(&set.dataset, &Selection::default())?;
    let names = data
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let samples: HashMap<i64, &assay_core::model::Sample> =
        data.samples.iter().map(|s| (s.id, s)).collect();
    let mut classes: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut object_class: HashMap<i64, i64> = HashMap::new();
    for a in &data.annotations {
        classes.entry(a.sample_id).or_default().push(a.category_id);
        object_class.insert(a.id, a.category_id);
    }
    let only_class = |sample: i64| {
        let all = classes.get(&sample)?;
        all.iter().all(|c| *c == all[0]).then(|| all[0])
    };
    let items = rows
        .iter()
        .map(|((sample, object), _)| {
            let s = samples.get(sample);
            Item {
                key: (*sample, *object),
                split: s.and_then(|s| s.split.clone()),
                file_name: s.map(|s| s.file_name.clone()).unwrap_or_default(),
                label: if *object == IMAGE_LEVEL {
                    only_class(*sample)
                } else {
                    object_class.get(object).copied()
                },
            }
        })
        .collect();
    Ok((items, names))
}

/// The `k` nearest rows of every row, itself left out, nearest first.
/// Queries go in batches (one pass over the index serves a batch).
fn all_neighbours(
    index: &SearchIndex,
    rows: &[(EmbeddingKey, Vec<f32>)],
    k: usize,
    progress: &dyn Progress,
) -> Result<Vec<Vec<(usize, f32)>>> {
    progress.start("neighbours", rows.len() as u64);
    let mut out = Vec::with_capacity(rows.len());
    for (b, batch) in rows.chunks(QUERY_BATCH).enumerate() {
        let queries: Vec<f32> = batch.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        let found = index.search_batch(&queries, k + 1, &SearchOptions::default())?;
        for (i, hits) in found.into_iter().enumerate() {
            let own = (b * QUERY_BATCH + i) as u32;
            out.push(
                hits.into_iter()
                    .filter(|h| h.id != own)
                    .take(k)
                    .map(|h| (h.id as usize, h.score))
                    .collect(),
            );
        }
        progress.advance(batch.len() as u64);
    }
    progress.finish();
    Ok(out)
}

fn uniqueness(
    items: &[Item],
    neighbours: &[Vec<(usize, f32)>],
    level: EmbeddingLevel,
    record: &mut QualityRecord,
) {
    for (item, near) in items.iter().zip(neighbours) {
        let taken = &near[..near.len().min(UNIQUENESS_K)];
        let mean =
            taken.iter().map(|(_, s)| f64::from(*s)).sum::<f64>() / taken.len().max(1) as f64;
        let metric = vec![("embedding_uniqueness".to_string(), 1.0 - mean)];
        match level {
            EmbeddingLevel::Image => record.sample_metrics.push((item.key.0, metric)),
            EmbeddingLevel::Object => record
                .annotation_metrics
                .push((item.key.0, item.key.1, metric)),
        }
    }
}

fn duplicates(
    items: &[Item],
    neighbours: &[Vec<(usize, f32)>],
    threshold: f32,
    set: &EmbeddingSet,
    record: &mut QualityRecord,
    findings: &mut Findings,
) {
    let mut sets = UnionFind::new(items.len());
    for (i, near) in neighbours.iter().enumerate() {
        for &(j, _) in near.iter().filter(|(_, s)| *s >= threshold) {
            sets.union(i, j);
        }
    }
    let is_train = |i: usize| {
        items[i]
            .split
            .as_deref()
            .is_some_and(|s| s.starts_with("train"))
    };
    for members in &sets.groups(2) {
        findings.near_duplicate_groups += 1;
        let key = format!(
            "embedding-{}-{}",
            items[members[0]].key.0, items[members[0]].key.1
        );
        let train = members.iter().copied().find(|&m| is_train(m));
        for &m in members {
            let best = neighbours[m].iter().find(|(j, _)| members.contains(j));
            let (other, sim) = best.map_or((members[0], 1.0), |&(j, s)| (j, s));
            let issue = |kind: &str, explanation: String| IssueRow {
                sample_id: items[m].key.0,
                annotation_id: (items[m].key.1 != IMAGE_LEVEL).then_some(items[m].key.1),
                kind: kind.into(),
                score: f64::from(1.0 - sim).clamp(0.0, 1.0),
                explanation,
                group: Some(key.clone()),
            };
            record.issues.push(issue(
                "embedding_near_duplicates",
                format!(
                    "looks like {} (cosine {sim:.3} in {} space)",
                    items[other].file_name, set.extractor
                ),
            ));
            if let (Some(t), false) = (train, is_train(m)) {
                findings.split_leaks += 1;
                record.issues.push(issue(
                    "embedding_split_leak",
                    format!(
                        "in {}, looks like training image {}",
                        items[m].split.as_deref().unwrap_or("no split"),
                        items[t].file_name
                    ),
                ));
            }
        }
    }
}

fn labels(
    items: &[Item],
    neighbours: &[Vec<(usize, f32)>],
    names: &HashMap<i64, String>,
    set: &EmbeddingSet,
    record: &mut QualityRecord,
    findings: &mut Findings,
) {
    let labelled: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].label.is_some())
        .collect();
    let mut classes: Vec<i64> = labelled.iter().filter_map(|&i| items[i].label).collect();
    classes.sort_unstable();
    classes.dedup();
    if classes.len() < 2 {
        return;
    }
    let position: HashMap<usize, usize> =
        labelled.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    let label_index = |i: usize| {
        classes
            .binary_search(&items[i].label.unwrap_or_default())
            .unwrap_or(0)
    };
    let labels: Vec<usize> = labelled.iter().map(|&i| label_index(i)).collect();
    let near: Vec<Vec<usize>> = labelled
        .iter()
        .map(|&i| {
            neighbours[i]
                .iter()
                .filter_map(|(j, _)| position.get(j).copied())
                .collect()
        })
        .collect();
    for (p, c) in label_consistency(&labels, &near).into_iter().enumerate() {
        let item = &items[labelled[p]];
        let metric = vec![("embedding_label_agreement".to_string(), c.agreement)];
        match set.level {
            EmbeddingLevel::Image => record.sample_metrics.push((item.key.0, metric)),
            EmbeddingLevel::Object => record
                .annotation_metrics
                .push((item.key.0, item.key.1, metric)),
        }
        if let Some(suggested) = c.suggested_label {
            findings.label_mismatches += 1;
            record.issues.push(IssueRow {
                sample_id: item.key.0,
                annotation_id: (item.key.1 != IMAGE_LEVEL).then_some(item.key.1),
                kind: "embedding_label_mismatch".into(),
                score: c.agreement,
                explanation: format!(
                    "labelled {}; most of its {} nearest neighbours are {} ({} space)",
                    class_name(names, item.label.unwrap_or_default()),
                    near[p].len(),
                    class_name(names, classes[suggested]),
                    set.extractor
                ),
                group: None,
            });
        }
    }
}

fn class_name(names: &HashMap<i64, String>, id: i64) -> String {
    names
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("class {id}"))
}

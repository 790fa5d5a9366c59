//! `GET /api/quality?dataset=`: each issue type with its worst examples,
//! and duplicate groups.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::ApiResult;
use crate::explorer::table::DatasetTable;
use crate::state::AppState;

/// Most duplicate groups listed.
const MAX_GROUPS: usize = 50;

/// Options of the quality page.
#[derive(Deserialize)]
pub struct QualityArgs {
    dataset: String,
    worst: Option<usize>,
}

/// One issue of an example.
#[derive(Serialize)]
struct Example {
    sample_id: i64,
    file_name: String,
    score: f64,
    explanation: String,
    annotation_id: Option<i64>,
}

/// An issue type with its count and worst examples.
#[derive(Serialize)]
struct Kind {
    kind: String,
    count: usize,
    worst: Vec<Example>,
}

/// A sample of a group.
#[derive(Serialize)]
struct Member {
    id: i64,
    file_name: String,
}

/// Samples sharing a group key (duplicates).
#[derive(Serialize)]
struct Group {
    kind: String,
    group: String,
    samples: Vec<Member>,
}

/// The quality page's data.
#[derive(Serialize)]
pub struct Quality {
    dataset: String,
    kinds: Vec<Kind>,
    groups: Vec<Group>,
}

/// Answers `GET /api/quality`.
pub async fn quality(
    State(state): State<Arc<AppState>>,
    Query(args): Query<QualityArgs>,
) -> ApiResult<Json<Quality>> {
    state
        .blocking(move |state| {
            let table = state.table(&args.dataset)?;
            let worst = args.worst.unwrap_or(8).min(100);
            let (counts, listed) = state.store(|s| -> assay_store::Result<_> {
                let counts = s.issue_counts(&args.dataset, None)?;
                let mut listed = Vec::new();
                for (kind, _) in &counts {
                    listed.push(s.issues(&args.dataset, Some(kind), None, usize::MAX >> 1)?);
                }
                Ok((counts, listed))
            })?;
            let mut kinds = Vec::new();
            let mut groups = Vec::new();
            for ((kind, count), issues) in counts.into_iter().zip(listed) {
                kinds.push(Kind {
                    worst: issues
                        .iter()
                        .take(worst)
                        .filter_map(|i| example(&table, i))
                        .collect(),
                    kind: kind.clone(),
                    count,
                });
                groups.extend(grouped(&table, &kind, &issues));
            }
            groups.truncate(MAX_GROUPS);
            Ok(Json(Quality {
                dataset: args.dataset.clone(),
                kinds,
                groups,
            }))
        })
        .await
}

fn row_id(table: &DatasetTable, source_id: i64) -> Option<i64> {
    table
        .index_of_source
        .get(&source_id)
        .map(|&i| table.ids[i as usize])
}

fn example(table: &DatasetTable, i: &assay_store::IssueInfo) -> Option<Example> {
    Some(Example {
        sample_id: row_id(table, i.issue.sample_id)?,
        file_name: i.file_name.clone(),
        score: i.issue.score,
        explanation: i.issue.explanation.clone(),
        annotation_id: i.issue.annotation_id,
    })
}

fn grouped(table: &DatasetTable, kind: &str, issues: &[assay_store::IssueInfo]) -> Vec<Group> {
    let mut by_key: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    for i in issues {
        let (Some(key), Some(id)) = (i.issue.group.as_deref(), row_id(table, i.issue.sample_id))
        else {
            continue;
        };
        let members = by_key.entry(key).or_default();
        if !members.iter().any(|m| m.id == id) {
            members.push(Member {
                id,
                file_name: i.file_name.clone(),
            });
        }
    }
    by_key
        .into_iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(key, samples)| Group {
            kind: kind.to_string(),
            group: key.to_string(),
            samples,
        })
        .collect()
}

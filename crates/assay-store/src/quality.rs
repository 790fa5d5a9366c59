//! Data-quality results: metrics per sample and per annotation, and the
//! issues found from them. A new computation replaces a dataset's earlier
//! results as a whole, in one transaction.

use std::collections::HashMap;

use rusqlite::params;
use serde::Serialize;

use crate::{EmbeddingLevel, Result, Store, StoreError};

/// Named metric values.
pub type Metrics = Vec<(String, f64)>;

/// Named text values (formats, hashes).
pub type Properties = Vec<(String, String)>;

/// Quality results of one dataset. Ids are the dataset's own (source) ids.
#[derive(Debug, Clone, Default)]
pub struct QualityRecord {
    /// The dataset.
    pub dataset: String,
    /// Per sample: (sample id, [(metric, value)]).
    pub sample_metrics: Vec<(i64, Metrics)>,
    /// Per sample: (sample id, [(property, text)]).
    pub sample_properties: Vec<(i64, Properties)>,
    /// Per annotation: (sample id, annotation id, [(metric, value)]).
    pub annotation_metrics: Vec<(i64, i64, Metrics)>,
    /// The issues found.
    pub issues: Vec<IssueRow>,
}

/// One issue of a sample or of one of its annotations.
#[derive(Debug, Clone, Serialize)]
pub struct IssueRow {
    /// The sample (dataset id).
    pub sample_id: i64,
    /// The annotation, for annotation issues.
    pub annotation_id: Option<i64>,
    /// Issue type (`dark`, `near_duplicates`, `tiny_box`, ...).
    pub kind: String,
    /// In [0, 1]; lower is worse.
    pub score: f64,
    /// What is wrong, in words.
    pub explanation: String,
    /// Samples sharing a key belong to one group (duplicates).
    pub group: Option<String>,
}

/// An issue as listed, with where its sample is.
#[derive(Debug, Clone, Serialize)]
pub struct IssueInfo {
    /// Sample file name.
    pub file_name: String,
    /// Image path, when known.
    pub path: Option<String>,
    /// Split of the sample.
    pub split: Option<String>,
    /// The issue.
    #[serde(flatten)]
    pub issue: IssueRow,
}

/// The issue type of image labels a classifier's scores call into doubt
/// (confident learning); owned by classification runs, so
/// [`Store::replace_quality`] leaves it alone.
pub const CLASS_LABEL_ISSUE: &str = "label_issue";

impl Store {
    /// Replaces the issues of type `kind` in `dataset` (and nothing else).
    pub fn replace_issues_of_kind(
        &mut self,
        dataset: &str,
        kind: &str,
        issues: &[IssueRow],
    ) -> Result<()> {
        if let Some(bad) = issues.iter().find(|i| i.kind != kind) {
            return Err(StoreError::Conflict(format!(
                "issue of type {:?} among {kind:?} issues",
                bad.kind
            )));
        }
        let dataset_id = self.dataset_id(dataset)?;
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM issues WHERE dataset_id = ?1 AND kind = ?2",
            params![dataset_id, kind],
        )?;
        let record = QualityRecord {
            dataset: dataset.to_string(),
            issues: issues.to_vec(),
            ..QualityRecord::default()
        };
        write_results(&tx, dataset_id, &record)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces the quality results of `record.dataset`, except those
    /// derived from embeddings (metrics and issue types named
    /// `embedding_*`), which [`Store::replace_embedding_quality`] owns, and
    /// the user's own metrics ([`Store::replace_custom_metric`]).
    pub fn replace_quality(&mut self, record: &QualityRecord) -> Result<()> {
        let dataset_id = self.dataset_id(&record.dataset)?;
        let tx = self.write()?;
        for table in ["sample_metrics", "sample_properties", "annotation_metrics"] {
            tx.execute(
                &format!(
                    "DELETE FROM {table} WHERE sample_id IN (SELECT id FROM samples WHERE dataset_id = ?1)
                     AND name NOT LIKE 'embedding\\_%' ESCAPE '\\'
                     AND name NOT IN (SELECT name FROM custom_metrics WHERE dataset_id = ?1)"
                ),
                [dataset_id],
            )?;
        }
        tx.execute(
            "DELETE FROM issues WHERE dataset_id = ?1 AND kind NOT LIKE 'embedding\\_%' ESCAPE '\\'
             AND kind != ?2",
            params![dataset_id, CLASS_LABEL_ISSUE],
        )?;
        write_results(&tx, dataset_id, record)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces the embedding-derived results of `record.dataset` at one
    /// level: every metric and issue type in the record must be named
    /// `embedding_*`; earlier ones of that level (sample metrics and image
    /// issues, or annotation metrics and object issues) are removed first,
    /// other results stay.
    pub fn replace_embedding_quality(
        &mut self,
        record: &QualityRecord,
        level: EmbeddingLevel,
    ) -> Result<()> {
        let dataset_id = self.dataset_id(&record.dataset)?;
        let prefixed = |name: &str| name.starts_with("embedding_");
        let names = record
            .sample_metrics
            .iter()
            .flat_map(|(_, m)| m.iter().map(|(n, _)| n))
            .chain(
                record
                    .annotation_metrics
                    .iter()
                    .flat_map(|(_, _, m)| m.iter().map(|(n, _)| n)),
            );
        if let Some(bad) = names
            .chain(record.issues.iter().map(|i| &i.kind))
            .find(|n| !prefixed(n))
        {
            return Err(StoreError::Conflict(format!(
                "{bad:?} is not an embedding_* result"
            )));
        }
        let (table, objects) = match level {
            EmbeddingLevel::Image => ("sample_metrics", "IS NULL"),
            EmbeddingLevel::Object => ("annotation_metrics", "IS NOT NULL"),
        };
        let tx = self.write()?;
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE sample_id IN (SELECT id FROM samples WHERE dataset_id = ?1)
                 AND name LIKE 'embedding\\_%' ESCAPE '\\'"
            ),
            [dataset_id],
        )?;
        tx.execute(
            &format!(
                "DELETE FROM issues WHERE dataset_id = ?1 AND kind LIKE 'embedding\\_%' ESCAPE '\\'
                 AND annotation_source_id {objects}"
            ),
            [dataset_id],
        )?;
        write_results(&tx, dataset_id, record)?;
        tx.commit()?;
        Ok(())
    }

    /// Number of issues of each type in a dataset (or one split of it),
    /// most frequent first.
    pub fn issue_counts(&self, dataset: &str, split: Option<&str>) -> Result<Vec<(String, usize)>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT i.kind, COUNT(*) FROM issues i JOIN samples s ON s.id = i.sample_id
             WHERE i.dataset_id = ?1 AND (?2 IS NULL OR s.split = ?2)
             GROUP BY i.kind ORDER BY COUNT(*) DESC, i.kind",
        )?;
        let rows = stmt.query_map(params![dataset_id, split], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as usize))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Issues of a dataset, worst first, optionally of one type and split.
    pub fn issues(
        &self,
        dataset: &str,
        kind: Option<&str>,
        split: Option<&str>,
        limit: usize,
    ) -> Result<Vec<IssueInfo>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT s.file_name, s.path, s.split, s.source_id, i.annotation_source_id, i.kind, i.score, i.explanation, i.group_key
             FROM issues i JOIN samples s ON s.id = i.sample_id
             WHERE i.dataset_id = ?1 AND (?2 IS NULL OR i.kind = ?2) AND (?3 IS NULL OR s.split = ?3)
             ORDER BY i.kind, i.score, s.file_name LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![dataset_id, kind, split, limit as i64], |r| {
            Ok(IssueInfo {
                file_name: r.get(0)?,
                path: r
                    .get::<_, Option<crate::paths::StoredPath>>(1)?
                    .map(|p| p.0.to_string_lossy().into_owned()),
                split: r.get(2)?,
                issue: IssueRow {
                    sample_id: r.get(3)?,
                    annotation_id: r.get(4)?,
                    kind: r.get(5)?,
                    score: r.get(6)?,
                    explanation: r.get(7)?,
                    group: r.get(8)?,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// What was injected into `dataset` on purpose (the demo's truth).
    pub fn injections(&self, dataset: &str) -> Result<Vec<crate::Injection>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT s.file_name, p.annotation_source_id, p.kind, p.detail
             FROM injected_problems p LEFT JOIN samples s ON s.id = p.sample_id
             WHERE p.dataset_id = ?1 ORDER BY p.id",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok(crate::Injection {
                file_name: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                annotation_id: r.get(1)?,
                kind: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Inserts the metrics, properties and issues of `record` (ids are the
/// dataset's own) inside `tx`.
fn write_results(
    tx: &rusqlite::Transaction,
    dataset_id: i64,
    record: &QualityRecord,
) -> Result<()> {
    let rows: HashMap<i64, i64> = {
        let mut stmt = tx.prepare("SELECT source_id, id FROM samples WHERE dataset_id = ?1")?;
        let rows = stmt.query_map([dataset_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let row = |id: i64| {
        rows.get(&id).copied().ok_or_else(|| {
            StoreError::Conflict(format!("image {id} is not in dataset {:?}", record.dataset))
        })
    };
    let mut stmt =
        tx.prepare("INSERT INTO sample_metrics (sample_id, name, value) VALUES (?1, ?2, ?3)")?;
    for (sample, metrics) in &record.sample_metrics {
        let sample = row(*sample)?;
        for (name, value) in metrics {
            stmt.execute(params![sample, name, value.is_finite().then_some(*value)])?;
        }
    }
    let mut stmt =
        tx.prepare("INSERT INTO sample_properties (sample_id, name, value) VALUES (?1, ?2, ?3)")?;
    for (sample, properties) in &record.sample_properties {
        let sample = row(*sample)?;
        for (name, value) in properties {
            stmt.execute(params![sample, name, value])?;
        }
    }
    let mut stmt = tx.prepare(
                "INSERT INTO annotation_metrics (sample_id, annotation_source_id, name, value) VALUES (?1, ?2, ?3, ?4)",
            )?;
    for (sample, annotation, metrics) in &record.annotation_metrics {
        let sample = row(*sample)?;
        for (name, value) in metrics {
            let value = value.is_finite().then_some(*value);
            stmt.execute(params![sample, annotation, name, value])?;
        }
    }
    let mut stmt = tx.prepare(
                "INSERT INTO issues (dataset_id, sample_id, annotation_source_id, kind, score, explanation, group_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
    for i in &record.issues {
        stmt.execute(params![
            dataset_id,
            row(i.sample_id)?,
            i.annotation_id,
            i.kind,
            i.score,
            i.explanation,
            i.group
        ])?;
    }
    Ok(())
}

//! The explorer's query: filters over a [`DatasetTable`]'s columns, a sort
//! key, and one page of the result. Filtering runs on all cores; sorting
//! selects only the rows up to the end of the page before ordering them.

use std::cmp::Ordering;
use std::collections::HashSet;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::table::DatasetTable;
use crate::error::{ApiError, ApiResult};

/// Most samples one page may hold.
pub const MAX_LIMIT: usize = 1000;

/// What the explorer asks for (see API.md, `POST /api/query`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// The dataset.
    pub dataset: String,
    /// First sample of the page.
    #[serde(default)]
    pub offset: usize,
    /// Page size (default 100, at most [`MAX_LIMIT`]).
    pub limit: Option<usize>,
    /// Only this split.
    pub split: Option<String>,
    /// Samples with a ground truth of any of these classes.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Samples with any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Samples with any of these issue types.
    #[serde(default)]
    pub issues: Vec<String>,
    /// Metric ranges that must all hold.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Samples with predictions of this model.
    pub model: Option<String>,
    /// The run whose outcomes `outcome`, `cell` and the `errors` sort use.
    pub run: Option<i64>,
    /// `tp`, `fp` or `fn`: samples with such an object in `run`.
    pub outcome: Option<String>,
    /// A cell of `run`'s confusion matrix.
    pub cell: Option<[usize; 2]>,
    /// Substring of the file name or prompt.
    pub text: Option<String>,
    /// Sort by similarity to this sample's embedding.
    pub similar_to: Option<i64>,
    /// Sort by similarity to this text (needs CLIP image embeddings).
    pub semantic: Option<String>,
    /// Points of a 2-D map inside a polygon.
    pub map: Option<MapFilter>,
    /// Only these samples.
    pub ids: Option<Vec<i64>>,
    /// Only the images of a slice of a run (`assay analyze slices`).
    pub slice: Option<assay_app::analysis::slices::SliceFilter>,
    /// The order.
    pub sort: Option<Sort>,
    /// Send each item's objects, to draw on its thumbnail.
    #[serde(default)]
    pub objects: bool,
}

/// A metric range; open ends are `None`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Metric name.
    pub metric: String,
    /// Inclusive lower bound.
    pub min: Option<f64>,
    /// Inclusive upper bound.
    pub max: Option<f64>,
}

/// A polygon on an embedding set's 2-D map.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFilter {
    /// The embedding set.
    pub set_id: i64,
    /// Vertices in map coordinates.
    pub polygon: Vec<[f64; 2]>,
}

/// The sort order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sort {
    /// `id`, `file_name`, `metric:<name>`, `errors` or `similarity`.
    pub by: String,
    /// Descending.
    #[serde(default)]
    pub desc: bool,
}

/// What the query needs from outside the table, gathered by the handler.
#[derive(Debug, Default)]
pub struct Context<'a> {
    /// TP, FP, FN per sample index in `run`.
    pub counts: Option<&'a [[u32; 3]]>,
    /// Sample indexes of the confusion cell and of the slice, when asked.
    pub cell: Option<HashSet<u32>>,
    /// Sample indexes inside the map polygon.
    pub inside_map: Option<Vec<bool>>,
    /// Cosine similarity per sample index (NaN without an embedding).
    pub similarity: Option<Vec<f32>>,
}

/// One sample of a page.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Row id.
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// Split.
    pub split: Option<String>,
    /// Width (0 when unknown).
    pub width: u32,
    /// Height (0 when unknown).
    pub height: u32,
    /// The sort key, when a metric or similarity.
    pub value: Option<f64>,
    /// Ground-truth classes.
    pub classes: Vec<String>,
    /// Issue types.
    pub issues: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Outcome counts in the query's run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    /// Its objects, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects: Option<Vec<assay_store::DrawnObject>>,
}

/// Outcome counts of one sample.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Counts {
    /// True positives.
    pub tp: u32,
    /// False positives.
    pub fp: u32,
    /// False negatives.
    pub r#fn: u32,
}

impl From<[u32; 3]> for Counts {
    fn from(c: [u32; 3]) -> Self {
        Counts {
            tp: c[0],
            fp: c[1],
            r#fn: c[2],
        }
    }
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Samples matching the filters.
    pub total: usize,
    /// First sample of the page.
    pub offset: usize,
    /// The page.
    pub items: Vec<Item>,
    /// Time spent on the server, in milliseconds.
    pub elapsed_ms: f64,
}

/// Runs `query` on `table`.
pub fn run(table: &DatasetTable, query: &Query, cx: &Context) -> ApiResult<Page> {
    let started = std::time::Instant::now();
    let limit = query.limit.unwrap_or(100);
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be at most {MAX_LIMIT}"
        )));
    }
    let filter = Filter::compile(table, query, cx)?;
    let mut rows: Vec<u32> = (0..table.len() as u32)
        .into_par_iter()
        .filter(|&i| filter.keeps(table, i as usize))
        .collect();
    let key = sort_key(table, query, cx)?;
    let end = (query.offset + limit).min(rows.len());
    order_prefix(&mut rows, end, &key);
    let items = rows
        .get(query.offset.min(end)..end)
        .unwrap_or(&[])
        .iter()
        .map(|&i| item(table, i, &key, cx))
        .collect();
    Ok(Page {
        total: rows.len(),
        offset: query.offset,
        items,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// The filters of a query, resolved to codes and masks.
struct Filter<'a> {
    split: Option<u16>,
    classes: Option<Vec<bool>>,
    issues: Option<Vec<bool>>,
    model: Option<u16>,
    tagged: Option<HashSet<u32>>,
    ranges: Vec<(&'a [f64], f64, f64)>,
    outcome: Option<(&'a [[u32; 3]], usize)>,
    cell: Option<&'a HashSet<u32>>,
    inside_map: Option<&'a [bool]>,
    similar: Option<&'a [f32]>,
    text: Option<String>,
    ids: Option<HashSet<u32>>,
    none: bool,
}

impl<'a> Filter<'a> {
    fn compile(table: &'a DatasetTable, q: &Query, cx: &'a Context) -> ApiResult<Self> {
        let mut none = false;
        let split = q.split.as_ref().map(|s| {
            table.splits.get(s).unwrap_or_else(|| {
                none = true;
                0
            })
        });
        let classes = (!q.classes.is_empty()).then(|| wanted(&table.class_codes.names, &q.classes));
        let issues = (!q.issues.is_empty()).then(|| wanted(&table.issue_codes.names, &q.issues));
        let model = q.model.as_ref().map(|m| {
            table.model_codes.get(m).unwrap_or_else(|| {
                none = true;
                0
            })
        });
        let tagged = (!q.tags.is_empty()).then(|| {
            let tags = table.tags.read().unwrap_or_else(|e| e.into_inner());
            q.tags
                .iter()
                .filter_map(|t| tags.by_tag.get(t))
                .flatten()
                .copied()
                .collect()
        });
        let mut ranges = Vec::new();
        for r in &q.ranges {
            let column = table.metric(&r.metric).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "dataset {:?} has no metric {:?}",
                    table.name, r.metric
                ))
            })?;
            ranges.push((
                column,
                r.min.unwrap_or(f64::NEG_INFINITY),
                r.max.unwrap_or(f64::INFINITY),
            ));
        }
        let outcome = match (&q.outcome, cx.counts) {
            (None, _) => None,
            (Some(o), Some(counts)) => Some((counts, outcome_index(o)?)),
            (Some(_), None) => return Err(ApiError::bad_request("`outcome` needs `run`")),
        };
        let ids = q.ids.as_ref().map(|ids| {
            ids.iter()
                .filter_map(|id| table.index_of.get(id).copied())
                .collect()
        });
        Ok(Filter {
            split,
            classes,
            issues,
            model,
            tagged,
            ranges,
            outcome,
            cell: cx.cell.as_ref(),
            inside_map: cx.inside_map.as_deref(),
            similar: cx.similarity.as_deref(),
            text: q
                .text
                .as_ref()
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty()),
            ids,
            none,
        })
    }

    fn keeps(&self, t: &DatasetTable, i: usize) -> bool {
        !self.none
            && self.split.is_none_or(|s| t.split[i] == s)
            && self
                .classes
                .as_ref()
                .is_none_or(|w| any(t.classes.of(i), w))
            && self.issues.as_ref().is_none_or(|w| any(t.issues.of(i), w))
            && self.model.is_none_or(|m| t.models.of(i).contains(&m))
            && self.tagged.as_ref().is_none_or(|s| s.contains(&(i as u32)))
            && self
                .ranges
                .iter()
                .all(|&(c, lo, hi)| c[i] >= lo && c[i] <= hi)
            && self.outcome.is_none_or(|(c, k)| c[i][k] > 0)
            && self.cell.is_none_or(|s| s.contains(&(i as u32)))
            && self.inside_map.is_none_or(|m| m[i])
            && self.similar.is_none_or(|s| !s[i].is_nan())
            && self
                .text
                .as_ref()
                .is_none_or(|q| t.text[i].contains(q.as_str()))
            && self.ids.as_ref().is_none_or(|s| s.contains(&(i as u32)))
    }
}

fn wanted(names: &[String], asked: &[String]) -> Vec<bool> {
    names.iter().map(|n| asked.contains(n)).collect()
}

fn any(codes: &[u16], wanted: &[bool]) -> bool {
    codes.iter().any(|&c| wanted[c as usize])
}

fn outcome_index(o: &str) -> ApiResult<usize> {
    match o {
        "tp" => Ok(0),
        "fp" => Ok(1),
        "fn" => Ok(2),
        other => Err(ApiError::bad_request(format!(
            "outcome must be tp, fp or fn, not {other:?}"
        ))),
    }
}

/// How rows are ordered: a numeric key per row (NaN sorts last either way),
/// ties by id.
struct Key<'a> {
    value: KeyColumn<'a>,
    desc: bool,
    shown: bool,
}

enum KeyColumn<'a> {
    Id,
    Rank(&'a [u32]),
    Float(&'a [f64]),
    Single(&'a [f32]),
    Errors(&'a [[u32; 3]]),
}

impl Key<'_> {
    fn value(&self, i: usize) -> f64 {
        match self.value {
            KeyColumn::Id => i as f64,
            KeyColumn::Rank(r) => r[i] as f64,
            KeyColumn::Float(c) => c[i],
            KeyColumn::Single(c) => c[i] as f64,
            KeyColumn::Errors(c) => (c[i][1] + c[i][2]) as f64,
        }
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        let (x, y) = (self.value(a as usize), self.value(b as usize));
        let by_value = match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ if self.desc => y.total_cmp(&x),
            _ => x.total_cmp(&y),
        };
        by_value.then(a.cmp(&b))
    }
}

fn sort_key<'a>(t: &'a DatasetTable, q: &Query, cx: &'a Context) -> ApiResult<Key<'a>> {
    let default = if cx.similarity.is_some() {
        ("similarity", true)
    } else {
        ("id", false)
    };
    let (by, desc) = q.sort.as_ref().map_or(default, |s| (s.by.as_str(), s.desc));
    let value = match by {
        "id" => KeyColumn::Id,
        "file_name" => KeyColumn::Rank(&t.name_rank),
        "errors" => KeyColumn::Errors(
            cx.counts
                .ok_or_else(|| ApiError::bad_request("sorting by errors needs `run`"))?,
        ),
        "similarity" => KeyColumn::Single(
            cx.similarity
                .as_deref()
                .ok_or_else(|| ApiError::bad_request("sorting by similarity needs `similar_to`"))?,
        ),
        other => {
            let name = other.strip_prefix("metric:").ok_or_else(|| {
                ApiError::bad_request(format!(
                    "sort.by must be id, file_name, errors, similarity or metric:<name>, not {other:?}"
                ))
            })?;
            KeyColumn::Float(t.metric(name).ok_or_else(|| {
                ApiError::bad_request(format!("dataset {:?} has no metric {name:?}", t.name))
            })?)
        }
    };
    let shown = matches!(
        value,
        KeyColumn::Float(_) | KeyColumn::Single(_) | KeyColumn::Errors(_)
    );
    Ok(Key { value, desc, shown })
}

/// Puts the `end` first rows in order (the rest stays unordered).
fn order_prefix(rows: &mut [u32], end: usize, key: &Key) {
    if matches!(key.value, KeyColumn::Id) {
        if key.desc {
            rows.reverse();
        }
        return;
    }
    if end == 0 {
        return;
    }
    if end < rows.len() {
        rows.select_nth_unstable_by(end - 1, |&a, &b| key.compare(a, b));
    }
    rows[..end].par_sort_unstable_by(|&a, &b| key.compare(a, b));
}

fn item(t: &DatasetTable, i: u32, key: &Key, cx: &Context) -> Item {
    let u = i as usize;
    let value = key.shown.then(|| key.value(u)).filter(|v| !v.is_nan());
    let tags = t.tags.read().unwrap_or_else(|e| e.into_inner()).of(i);
    Item {
        id: t.ids[u],
        file_name: t.file_names[u].clone(),
        split: t.split_of(u).map(str::to_string),
        width: t.size[u].0,
        height: t.size[u].1,
        value,
        classes: t.class_codes.names_of(t.classes.of(u)),
        issues: t.issue_codes.names_of(t.issues.of(u)),
        tags,
        counts: cx.counts.map(|c| c[u].into()),
        objects: None,
    }
}

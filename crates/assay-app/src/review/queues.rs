//! Review queues made from a selection assay can express.

use std::collections::HashSet;

use anyhow::{bail, Context, Result};
use assay_store::{NewItem, NewQueue, QueueInfo, Store};

use crate::analysis::slices::{matches, parse_condition};
use crate::analysis::table::RunTable;

/// The issue types that are about labels (label checks, confident
/// learning, embedding consistency).
pub const LABEL_ISSUES: &[&str] = &[
    assay_store::CLASS_LABEL_ISSUE,
    "mistaken_class",
    "mistaken_box",
    "missing_label",
    "swapped_class",
    "badly_located",
    "overlooked_object",
    "embedding_label_inconsistent",
];

/// What a queue is made from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Images (or objects) with an issue of this type.
    Issue(String),
    /// Every label issue ([`LABEL_ISSUES`]).
    LabelIssues,
    /// Chosen images (row ids, as the explorer names them).
    Samples(Vec<i64>),
    /// Images with an object in a slice of a detection run: predicates
    /// `COLUMN OP VALUE` as `assay check`'s slice conditions write them.
    Slice {
        /// The run.
        run: i64,
        /// The predicates, all of which hold.
        predicates: Vec<String>,
    },
    /// Images two runs disagree on (different numbers of true positives,
    /// false positives or misses; for classifiers, right against wrong).
    Disagree {
        /// One run.
        a: i64,
        /// The other.
        b: i64,
    },
    /// Images of a confusion-matrix cell of a run (row, column indices).
    Cell {
        /// The run.
        run: i64,
        /// The row (ground truth) index.
        row: usize,
        /// The column (prediction) index.
        column: usize,
    },
}

impl Source {
    /// Reads `issue:TYPE`, `label_issues`, `samples:ID,ID,...`,
    /// `slice:RUN:PREDICATE;PREDICATE`, `disagree:RUN:RUN` or
    /// `cell:RUN:ROW:COLUMN`.
    pub fn parse(text: &str) -> Result<Source> {
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        let number = |s: &str| -> Result<i64> {
            s.trim()
                .parse()
                .with_context(|| format!("{text:?}: {s:?} is not a number"))
        };
        Ok(match kind {
            "issue" if !rest.is_empty() => Source::Issue(rest.to_string()),
            "label_issues" => Source::LabelIssues,
            "samples" => Source::Samples(
                rest.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(number)
                    .collect::<Result<_>>()?,
            ),
            "slice" => {
                let Some((run, predicates)) = rest.split_once(':') else {
                    bail!("{text:?}: expected slice:RUN:PREDICATE;PREDICATE (e.g. slice:1:brightness < 0.3)");
                };
                Source::Slice {
                    run: number(run)?,
                    predicates: predicates
                        .split(';')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect(),
                }
            }
            "disagree" => {
                let Some((a, b)) = rest.split_once(':') else {
                    bail!("{text:?}: expected disagree:RUN:RUN");
                };
                Source::Disagree {
                    a: number(a)?,
                    b: number(b)?,
                }
            }
            "cell" => {
                let parts: Vec<&str> = rest.split(':').collect();
                let [run, row, column] = parts[..] else {
                    bail!("{text:?}: expected cell:RUN:ROW:COLUMN");
                };
                Source::Cell {
                    run: number(run)?,
                    row: number(row)? as usize,
                    column: number(column)? as usize,
                }
            }
            _ => bail!(
                "{text:?}: expected issue:TYPE, label_issues, samples:ID,ID,..., slice:RUN:PREDICATE;..., disagree:RUN:RUN or cell:RUN:ROW:COLUMN"
            ),
        })
    }

    /// The source as written.
    pub fn describe(&self) -> String {
        match self {
            Source::Issue(t) => format!("issue:{t}"),
            Source::LabelIssues => "label_issues".into(),
            Source::Samples(ids) => format!("samples ({} chosen)", ids.len()),
            Source::Slice { run, predicates } => format!("slice:{run}:{}", predicates.join(";")),
            Source::Disagree { a, b } => format!("disagree:{a}:{b}"),
            Source::Cell { run, row, column } => format!("cell:{run}:{row}:{column}"),
        }
    }
}

/// A queue to make.
#[derive(Debug, Clone)]
pub struct QueueRequest {
    /// The dataset.
    pub dataset: String,
    /// The queue's name.
    pub name: String,
    /// What it is made from.
    pub source: Source,
    /// Reviewers per item (at least 1).
    pub overlap: u32,
    /// At most this many items (the worst first).
    pub limit: Option<usize>,
    /// The reviewers, by name.
    pub assignees: Vec<String>,
    /// Who makes it.
    pub created_by: Option<String>,
}

/// Makes a queue; an empty selection, an unknown reviewer or an overlap
/// above the number of reviewers is refused.
pub fn create_queue(store: &mut Store, request: &QueueRequest) -> Result<QueueInfo> {
    if request.overlap == 0 {
        bail!("the overlap must be at least 1 reviewer per item");
    }
    let users = store.users()?;
    let mut assignees = Vec::new();
    for name in &request.assignees {
        match users.iter().find(|u| &u.name == name) {
            Some(u) => assignees.push(u.id),
            None => bail!("no user named {name:?} (add one with `assay users add`)"),
        }
    }
    if !assignees.is_empty() && request.overlap as usize > assignees.len() {
        bail!(
            "an overlap of {} needs at least that many reviewers; {} assigned",
            request.overlap,
            assignees.len()
        );
    }
    let mut items = items(store, &request.dataset, &request.source)?;
    if let Some(limit) = request.limit {
        items.truncate(limit);
    }
    if items.is_empty() {
        bail!(
            "{} selects nothing in dataset {:?}",
            request.source.describe(),
            request.dataset
        );
    }
    let id = store.create_queue(&NewQueue {
        dataset: request.dataset.clone(),
        name: request.name.clone(),
        source: request.source.describe(),
        overlap: request.overlap,
        created_by: request.created_by.clone(),
        items,
        assignees,
    })?;
    Ok(store.queue(id)?)
}

/// The items a source selects, each (image, object) once.
fn items(store: &Store, dataset: &str, source: &Source) -> Result<Vec<NewItem>> {
    let rows: HashSet<i64> = store.sample_rows(dataset)?.iter().map(|s| s.id).collect();
    let from_issues = |kinds: &[&str]| -> Result<Vec<NewItem>> {
        Ok(store
            .issue_items(dataset, kinds)?
            .into_iter()
            .map(|i| NewItem {
                sample: i.sample,
                annotation: i.annotation,
                reason: format!("{}: {}", i.kind, i.explanation),
            })
            .collect())
    };
    let mut items = match source {
        Source::Issue(kind) => from_issues(&[kind.as_str()])?,
        Source::LabelIssues => from_issues(LABEL_ISSUES)?,
        Source::Samples(ids) => {
            if let Some(id) = ids.iter().find(|id| !rows.contains(id)) {
                bail!("image {id} is not in dataset {dataset:?}");
            }
            ids.iter()
                .map(|&sample| NewItem {
                    sample,
                    annotation: None,
                    reason: "chosen".into(),
                })
                .collect()
        }
        Source::Slice { run, predicates } => {
            let table = RunTable::load(store, *run)?;
            let conditions = predicates
                .iter()
                .map(|p| parse_condition(&table, p))
                .collect::<std::result::Result<Vec<_>, String>>()
                .map_err(anyhow::Error::msg)?;
            let mut samples: Vec<i64> = (0..table.rows.len())
                .filter(|&i| matches(&table, i, &conditions))
                .map(|i| table.rows[i].sample)
                .collect();
            samples.sort_unstable();
            samples.dedup();
            samples
                .into_iter()
                .map(|sample| NewItem {
                    sample,
                    annotation: None,
                    reason: format!("slice of run {run}: {}", predicates.join(" and ")),
                })
                .collect()
        }
        Source::Disagree { a, b } => {
            let counts = |run: i64| -> Result<std::collections::HashMap<i64, [u32; 3]>> {
                Ok(store.run_sample_counts(run)?.into_iter().collect())
            };
            let (ca, cb) = (counts(*a)?, counts(*b)?);
            let mut samples: Vec<i64> = ca.keys().chain(cb.keys()).copied().collect();
            samples.sort_unstable();
            samples.dedup();
            samples
                .into_iter()
                .filter(|s| {
                    ca.get(s).copied().unwrap_or_default() != cb.get(s).copied().unwrap_or_default()
                })
                .map(|sample| NewItem {
                    sample,
                    annotation: None,
                    reason: format!("runs {a} and {b} disagree"),
                })
                .collect()
        }
        Source::Cell { run, row, column } => store
            .confusion_samples(*run, *row, *column)?
            .into_iter()
            .map(|sample| NewItem {
                sample,
                annotation: None,
                reason: format!("confusion cell ({row}, {column}) of run {run}"),
            })
            .collect(),
    };
    let mut seen = HashSet::new();
    items.retain(|i| rows.contains(&i.sample) && seen.insert((i.sample, i.annotation)));
    Ok(items)
}

//! `assay issues`: the stored issues of a dataset, counted per type, with
//! the worst examples of each and where their files are.

use anyhow::Result;
use assay_quality::IssueType;
use assay_store::{IssueInfo, Store};
use serde_json::json;

use super::choose_dataset;
use super::quality::{print_counts, SPLIT_LEAK};
use crate::output::table;

/// Lists stored issues: counts per type and the worst examples of each,
/// optionally of one type and one split.
pub fn list(
    store: &Store,
    dataset: Option<&str>,
    kind: Option<&str>,
    split: Option<&str>,
    limit: usize,
    as_json: bool,
) -> Result<()> {
    let name = choose_dataset(store, dataset)?;
    let counts = store.issue_counts(&name, split)?;
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k],
        None => counts.iter().map(|(k, _)| k.as_str()).collect(),
    };
    let mut examples: Vec<(String, Vec<IssueInfo>)> = Vec::new();
    for k in &kinds {
        examples.push((k.to_string(), store.issues(&name, Some(k), split, limit)?));
    }
    if as_json {
        println!(
            "{}",
            json!({"dataset": name, "split": split, "counts": counts, "examples": examples})
        );
        return Ok(());
    }
    let of_split = split
        .map(|s| format!(" in split {s:?}"))
        .unwrap_or_default();
    if counts.is_empty() {
        println!(
            "No issues stored for dataset {name:?}{of_split} (`assay quality` computes them)."
        );
        return Ok(());
    }
    print_counts(&counts);
    for (k, list) in examples {
        let count = counts.iter().find(|(c, _)| *c == k).map_or(0, |c| c.1);
        if count == 0 {
            let known: Vec<&str> = counts.iter().map(|(c, _)| c.as_str()).collect();
            println!(
                "\nNo {k:?} issues{of_split} (stored: {}).",
                known.join(", ")
            );
            continue;
        }
        println!("\n{k}: {count}{of_split}, worst {}", list.len());
        if let Some(what) = explanation(&k) {
            println!("  {what}");
        }
        let mut t = table(&["file", "split", "score", "what", "path"]);
        for i in list {
            let file = match i.issue.annotation_id {
                Some(a) => format!("{} (annotation {a})", i.file_name),
                None => i.file_name,
            };
            t.add_row(vec![
                file,
                i.split.unwrap_or_default(),
                assay_report::format::score(i.issue.score),
                i.issue.explanation,
                i.path.unwrap_or_default(),
            ]);
        }
        println!("{t}");
    }
    Ok(())
}

/// What an image issue type means, for the listing's header.
fn explanation(kind: &str) -> Option<&'static str> {
    if kind == SPLIT_LEAK {
        return Some("the same or nearly the same image is also in another split");
    }
    kind.parse::<IssueType>().ok().map(IssueType::explanation)
}

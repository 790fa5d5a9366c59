//! The demo's quality step: runs `assay quality` with the simulated
//! detector's predictions, then scores what it found against what the demo
//! injected (recall and precision per injected problem).

use std::collections::BTreeSet;

use anyhow::Result;
use assay_quality::truth::{score_against_truth, TypeScore};
use assay_store::{Injection, IssueInfo, Store};

use crate::commands::quality;
use crate::output::table;
use assay_app::quality::QualityOptions;

/// How an injected problem shows up among the issues, and what identifies
/// one instance of it.
struct Finding {
    /// The injected problem (`Store::injections`' kind).
    injected: &'static str,
    /// The issue types that find it: CleanVision's and assay's own (an
    /// image counts once when both flag it).
    issues: &'static [&'static str],
    /// Matched by annotation id (label errors on a box) rather than by file.
    by_annotation: bool,
}

const fn finding(
    injected: &'static str,
    issues: &'static [&'static str],
    by_annotation: bool,
) -> Finding {
    Finding {
        injected,
        issues,
        by_annotation,
    }
}

/// Every injected problem with the issues that should find it. Image
/// problems that both a CleanVision-named type and one of assay's own look
/// for get three rows: each type alone, and either. A missing box is found
/// when its image gets an `overlooked_object` (cleanlab) or `missing_label`
/// (assay's own) issue.
const FINDINGS: [Finding; 21] = [
    finding("dark", &["dark"], false),
    finding("dark", &["underexposed"], false),
    finding("dark", &["dark", "underexposed"], false),
    finding("light", &["light"], false),
    finding("light", &["overexposed"], false),
    finding("light", &["light", "overexposed"], false),
    finding("blurry", &["blurry"], false),
    finding("blurry", &["soft"], false),
    finding("blurry", &["blurry", "soft"], false),
    finding("corrupt", &["unreadable"], false),
    finding("exact_duplicate", &["exact_duplicates"], false),
    finding("near_duplicate", &["near_duplicates"], false),
    finding("near_duplicate", &["similar"], false),
    finding("near_duplicate", &["near_duplicates", "similar"], false),
    finding("split_leak", &["split_leak"], false),
    finding("wrong_class", &["swapped_class"], true),
    finding("loose_box", &["badly_located"], true),
    finding("missing_box", &["overlooked_object"], false),
    finding("wrong_class", &["mistaken_class"], true),
    finding("loose_box", &["mistaken_box"], true),
    finding("missing_box", &["missing_label"], false),
];

/// The splits the checks are scored on: the `shifted` split is a planted
/// shift (every image a little darker and softer, by design), not a set of
/// planted problems, so flags there would be neither right nor wrong.
const SCORED_SPLITS: [&str; 2] = ["train", "val"];

/// Runs the quality computation on the demo dataset and prints recall and
/// precision per injected problem and the issue types that look for it.
pub fn run(store: &mut Store, dataset: &str, model: &str) -> Result<()> {
    let options = QualityOptions {
        dataset: Some(dataset.to_string()),
        model: Some(model.to_string()),
        ..QualityOptions::default()
    };
    quality::show(store, &options, false)?;
    let injected = store.injections(dataset)?;
    let mut rows = Vec::new();
    for f in &FINDINGS {
        let truth: Vec<(String, String)> = injected
            .iter()
            .filter(|i| i.kind == f.injected)
            .filter_map(|i| injection_key(f, i))
            .map(|key| (key, f.injected.to_string()))
            .collect();
        let mut keys = BTreeSet::new();
        for issue in f.issues {
            for split in SCORED_SPLITS {
                let found = store.issues(dataset, Some(issue), Some(split), i64::MAX as usize)?;
                keys.extend(found.iter().filter_map(|i| issue_key(f, i)));
            }
        }
        let flagged: Vec<(String, String)> = keys
            .into_iter()
            .map(|key| (key, f.injected.to_string()))
            .collect();
        if let Some(score) = score_against_truth(&truth, &flagged).pop() {
            rows.push((f, score));
        }
    }
    print_scores(&rows);
    Ok(())
}

fn injection_key(f: &Finding, i: &Injection) -> Option<String> {
    if f.by_annotation {
        i.annotation_id.map(|a| a.to_string())
    } else {
        Some(i.file_name.clone())
    }
}

fn issue_key(f: &Finding, i: &IssueInfo) -> Option<String> {
    if f.by_annotation {
        i.issue.annotation_id.map(|a| a.to_string())
    } else {
        Some(i.file_name.clone())
    }
}

fn print_scores(rows: &[(&Finding, TypeScore)]) {
    println!("\nHow much of what was injected the checks found (recall), and how much of what they flagged was injected (precision), in the train and val splits (the shifted split is a planted shift, mildly dark and soft by design):");
    let mut t = table(&[
        "problem",
        "found as",
        "injected",
        "flagged",
        "found",
        "recall",
        "precision",
    ]);
    let ratio = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.2}"));
    for (f, s) in rows {
        let found_as = match f.issues {
            [one] => one.to_string(),
            many => format!("either ({})", many.join(" + ")),
        };
        t.add_row(vec![
            f.injected.to_string(),
            found_as,
            s.injected.to_string(),
            s.flagged.to_string(),
            s.found.to_string(),
            ratio(s.recall),
            ratio(s.precision),
        ]);
    }
    println!("{t}");
}

//! Scoring found issues against known injected problems (the demo's truth,
//! or a generated test set's): recall and precision per issue type.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

/// Recall and precision of one issue type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeScore {
    /// The issue type.
    pub kind: String,
    /// Items injected with this problem.
    pub injected: usize,
    /// Items flagged with this type.
    pub flagged: usize,
    /// Injected items that were flagged.
    pub found: usize,
    /// `found / injected` (`None` without injected items).
    pub recall: Option<f64>,
    /// `found / flagged` (`None` without flagged items).
    pub precision: Option<f64>,
}

/// Scores `flagged` (item, issue type) pairs against `injected` ones, per
/// type that occurs in either. Items are whatever identifies a problem:
/// file names for image issues, annotation ids for label issues.
pub fn score_against_truth(
    injected: &[(String, String)],
    flagged: &[(String, String)],
) -> Vec<TypeScore> {
    let mut by_kind: BTreeMap<&str, (HashSet<&str>, HashSet<&str>)> = BTreeMap::new();
    for (item, kind) in injected {
        by_kind.entry(kind).or_default().0.insert(item);
    }
    for (item, kind) in flagged {
        by_kind.entry(kind).or_default().1.insert(item);
    }
    by_kind
        .into_iter()
        .map(|(kind, (truth, found))| {
            let hits = truth.intersection(&found).count();
            let ratio = |n: usize| (n > 0).then(|| hits as f64 / n as f64);
            TypeScore {
                kind: kind.to_string(),
                injected: truth.len(),
                flagged: found.len(),
                found: hits,
                recall: ratio(truth.len()),
                precision: ratio(found.len()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn recall_and_precision_per_type() {
        let truth = pairs(&[("a", "dark"), ("b", "dark"), ("c", "blurry")]);
        let found = pairs(&[("a", "dark"), ("d", "dark"), ("x", "light")]);
        let s = score_against_truth(&truth, &found);
        let get = |k: &str| s.iter().find(|t| t.kind == k).unwrap().clone();
        assert_eq!(get("dark").recall, Some(0.5));
        assert_eq!(get("dark").precision, Some(0.5));
        assert_eq!(get("blurry").recall, Some(0.0));
        assert_eq!(get("blurry").precision, None);
        assert_eq!(get("light").recall, None);
        assert_eq!(get("light").precision, Some(0.0));
    }
}

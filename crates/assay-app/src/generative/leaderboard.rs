//! Generators side by side: ranked by one metric (the one ranking every
//! front end uses), with per-prompt wins and losses.

use serde::Serialize;

use super::results::{EvalReport, MetricValue};

/// The leaderboard.
#[derive(Debug, Serialize)]
pub struct Leaderboard {
    /// Generators, best first by the ranking metric.
    pub entries: Vec<Entry>,
    /// The metric the entries are ordered by, and whether lower is better.
    pub ranked_by: String,
    /// The per-prompt score the wins and losses compare.
    pub prompt_score: Option<String>,
    /// Each pair of generators with prompts in common, in rank order.
    pub head_to_head: Vec<HeadToHead>,
}

/// Two generators on the prompts both answered.
#[derive(Debug, Serialize)]
pub struct HeadToHead {
    /// The better-ranked generator.
    pub a: String,
    /// The other.
    pub b: String,
    /// Prompts both answered.
    pub prompts: usize,
    /// Prompts on which `a` scores higher.
    pub a_wins: usize,
    /// Prompts on which `b` scores higher.
    pub b_wins: usize,
}

/// One generator's results.
#[derive(Debug, Serialize)]
pub struct Entry {
    /// The generator's name.
    pub name: String,
    /// Its full evaluation.
    pub report: EvalReport,
    /// The run it was stored as, for a project's generators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<i64>,
}

/// Orders the entries and counts per-prompt wins.
pub fn leaderboard(mut entries: Vec<Entry>) -> Leaderboard {
    let ranked_by = rank(&mut entries, |e, name| metric(&e.report.metrics, name));
    let prompt_score = entries
        .first()
        .and_then(|e| e.report.diagnostics.prompt_score_name());
    let mut head_to_head = Vec::new();
    if let Some(score) = &prompt_score {
        for (i, a) in entries.iter().enumerate() {
            for b in &entries[i + 1..] {
                if let Some(h) = compare_prompts(a, b, score) {
                    head_to_head.push(h);
                }
            }
        }
    }
    Leaderboard {
        entries,
        ranked_by,
        prompt_score,
        head_to_head,
    }
}

/// The metrics generators are ranked by, in order of preference, and
/// whether lower is better: FID, else KID, else precision.
pub const RANKING: [(&str, bool); 3] = [("fid", true), ("kid", true), ("precision", false)];

/// Orders generators best first by the first metric of [`RANKING`] every
/// one of them has (`metric(item, name)`), and returns what was used, as
/// `fid (lower is better)`. The one ranking of the CLI's leaderboard, the
/// report and the web UI.
pub fn rank<T>(items: &mut [T], metric: impl Fn(&T, &str) -> Option<f64>) -> String {
    let (name, lower_is_better) = RANKING
        .into_iter()
        .find(|(m, _)| items.iter().all(|e| metric(e, m).is_some()))
        .unwrap_or(RANKING[0]);
    items.sort_by(|a, b| {
        let (x, y) = (metric(a, name), metric(b, name));
        let order = x.unwrap_or(f64::NAN).total_cmp(&y.unwrap_or(f64::NAN));
        if lower_is_better {
            order
        } else {
            order.reverse()
        }
    });
    let better = if lower_is_better { "lower" } else { "higher" };
    format!("{name} ({better} is better)")
}

/// The value of metric `name` among `metrics`.
pub fn metric(metrics: &[MetricValue], name: &str) -> Option<f64> {
    metrics.iter().find(|m| m.name == name).map(|m| m.value)
}

/// `a` against `b` on the prompts both answered (`None` when none).
fn compare_prompts(a: &Entry, b: &Entry, score: &str) -> Option<HeadToHead> {
    let ours = a.report.diagnostics.prompt_scores(score);
    let theirs = b.report.diagnostics.prompt_scores(score);
    let shared: Vec<(f64, f64)> = ours
        .iter()
        .filter_map(|(prompt, x)| Some((*x, *theirs.get(prompt)?)))
        .collect();
    (!shared.is_empty()).then(|| HeadToHead {
        a: a.name.clone(),
        b: b.name.clone(),
        prompts: shared.len(),
        a_wins: shared.iter().filter(|(x, y)| x > y).count(),
        b_wins: shared.iter().filter(|(x, y)| y > x).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, f64)]) -> Vec<MetricValue> {
        pairs
            .iter()
            .map(|&(name, value)| MetricValue {
                name: name.into(),
                value,
                std: None,
                interval: None,
            })
            .collect()
    }

    #[test]
    fn lower_fid_ranks_first_and_precision_ranks_without_it() {
        let mut e = vec![values(&[("fid", 9.0)]), values(&[("fid", 3.0)])];
        assert_eq!(rank(&mut e, |m, n| metric(m, n)), "fid (lower is better)");
        assert_eq!(e[0][0].value, 3.0);
        let mut e = vec![
            values(&[("fid", 1.0), ("precision", 0.2)]),
            values(&[("precision", 0.9)]),
        ];
        assert_eq!(
            rank(&mut e, |m, n| metric(m, n)),
            "precision (higher is better)"
        );
        assert_eq!(e[0][0].value, 0.9);
    }
}

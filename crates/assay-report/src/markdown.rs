//! The Markdown summary for CI comments: headline numbers, issue counts
//! and leaderboards as tables, written with the CLI's number formats; no
//! images.

use std::fmt::Write as _;

use crate::data::{DatasetReport, Leaderboard, ReportData};
use crate::escape::markdown_cell as cell;
use crate::format;
use crate::html::headline_columns;

/// Renders the summary.
pub fn render(data: &ReportData) -> String {
    let mut out = format!(
        "# assay report\n\nProject `{}` · assay {}\n",
        data.project.replace('`', "'"),
        data.assay_version
    );
    out += &datasets(&data.datasets);
    if !data.runs.is_empty() {
        out += "\n## Model performance\n\n";
        let mut header = vec!["run", "dataset", "model", "task"];
        let columns = headline_columns(data.runs.iter().map(|r| r.info.task.as_str()));
        header.extend(&columns);
        let rows: Vec<Vec<String>> = data
            .runs
            .iter()
            .map(|r| {
                let i = &r.info;
                let mut row = vec![
                    i.id.to_string(),
                    cell(&i.dataset),
                    cell(&i.model),
                    cell(&i.task),
                ];
                row.extend(columns.iter().map(|h| {
                    let v = i
                        .metrics
                        .iter()
                        .find(|(n, _)| n == h)
                        .map_or(f64::NAN, |m| m.1);
                    format::metric(v)
                }));
                row
            })
            .collect();
        out += &table(&header, &rows);
    }
    if let Some(checks) = &data.checks {
        out += "\n";
        out += &assay_app::check::render::markdown(checks).replacen(
            "## assay check",
            "## Checks: assay check",
            1,
        );
    }
    out += &analysis(data);
    for board in &data.leaderboards {
        out += &leaderboard(board);
    }
    out
}

/// Failure analysis in brief: each run's top metrics and weak slices, run
/// comparisons' headline differences, drifted splits.
fn analysis(data: &ReportData) -> String {
    let a = &data.analysis;
    if a.runs.is_empty() && a.drift.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Failure analysis\n\n");
    for r in &a.runs {
        let top = |metrics: &[assay_app::analysis::importance::MetricImportance]| {
            metrics
                .iter()
                .take(3)
                .map(|m| format!("{} ({:.3})", m.metric, m.mutual_info))
                .collect::<Vec<String>>()
                .join(", ")
        };
        let overall = &r.importance.groups[0];
        out += &format!(
            "- Run {} ({}): metrics that predict misses: of the objects {}; of the images {}.\n",
            r.importance.run,
            cell(&r.importance.model),
            top(&overall.metrics),
            top(&overall.image_metrics)
        );
        for s in r.slices.slices.iter().take(3) {
            out += &format!(
                "  - slice {}: {} rows, error rate {:.3} vs {:.3} elsewhere (p {:.1e})\n",
                cell(&s.description),
                s.rows,
                s.error_rate,
                s.rest_error_rate,
                s.p_adjusted
            );
        }
    }
    for c in &a.comparisons {
        if let Some(m) = c
            .bootstrap
            .metrics
            .iter()
            .find(|m| m.name == "AP" && m.class.is_none())
        {
            let interval = match (m.low, m.high) {
                (Some(lo), Some(hi)) => format!("[{lo:+.4}, {hi:+.4}]"),
                _ => "-".into(),
            };
            out += &format!(
                "- Run {} against run {}: AP {:+.4}, {:.0}% interval {interval}, p {}\n",
                c.b.id,
                c.a.id,
                m.difference,
                100.0 * c.bootstrap.confidence,
                m.p_value.map_or("-".into(), |p| format!("{p:.3}"))
            );
        }
    }
    for d in &a.drift {
        out += &format!(
            "- Drift of {} against {}: {} ({} of {} image columns)\n",
            cell(&d.current.group),
            cell(&d.reference.group),
            if d.drifted { "drift" } else { "no drift" },
            d.images.n_drifted,
            d.images.columns.len()
        );
    }
    out
}

fn datasets(datasets: &[DatasetReport]) -> String {
    let mut out = String::from("\n## Datasets\n\n");
    if datasets.is_empty() {
        return out + "No datasets yet.\n";
    }
    let rows: Vec<Vec<String>> = datasets
        .iter()
        .map(|d| {
            let s = &d.summary;
            vec![
                cell(&s.name),
                s.images.to_string(),
                s.images_with_files.to_string(),
                s.annotations.to_string(),
                s.categories.to_string(),
                d.issue_counts
                    .iter()
                    .map(|c| c.1)
                    .sum::<usize>()
                    .to_string(),
            ]
        })
        .collect();
    out += &table(
        &[
            "dataset",
            "images",
            "with files",
            "annotations",
            "categories",
            "issues",
        ],
        &rows,
    );
    for d in datasets.iter().filter(|d| !d.issue_counts.is_empty()) {
        let _ = write!(out, "\n### Issues in {}\n\n", cell(&d.summary.name));
        let rows: Vec<Vec<String>> = d
            .issue_counts
            .iter()
            .map(|(k, n)| vec![cell(k), n.to_string()])
            .collect();
        out += &table(&["issue type", "count"], &rows);
    }
    out
}

fn leaderboard(board: &Leaderboard) -> String {
    let out = format!(
        "\n## Generative: {} (ranked by {})\n\n",
        cell(&board.dataset),
        cell(&board.ranked_by)
    );
    let names = board.metric_names();
    let mut header = vec!["rank", "generator", "run", "images"];
    header.extend(names.iter().copied());
    header.extend(["near-duplicate sets", "memorized"]);
    let rows: Vec<Vec<String>> = board
        .entries
        .iter()
        .enumerate()
        .map(|(rank, e)| {
            let mut row = vec![
                (rank + 1).to_string(),
                cell(&e.generator),
                e.run_id.to_string(),
                e.images.to_string(),
            ];
            row.extend(names.iter().map(|n| {
                e.metric(n)
                    .map_or("-".to_string(), |m| format::gen_value(m.value, m.std))
            }));
            row.extend([
                e.near_duplicate_sets.to_string(),
                e.memorized.len().to_string(),
            ]);
            row
        })
        .collect();
    out + &table(&header, &rows)
}

/// A GitHub-flavoured Markdown table; cells are already escaped.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for _ in header {
        out += " --- |";
    }
    out += "\n";
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_a_separator_row_and_one_line_per_row() {
        let t = table(&["a", "b"], &[vec!["1".into(), cell("x|y")]]);
        assert_eq!(t, "| a | b |\n| --- | --- |\n| 1 | x\\|y |\n");
    }

    #[test]
    fn an_empty_project_says_so() {
        let md = render(&ReportData::default());
        assert!(md.contains("No datasets yet."), "{md}");
        assert!(!md.contains("Model performance"));
    }
}

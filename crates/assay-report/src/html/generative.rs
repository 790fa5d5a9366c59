//! The generative section: per generated dataset, the leaderboard of
//! generators as `assay gen compare` prints it, their findings, and the
//! memorized and outlying generations as images.

use std::fmt::Write as _;

use super::parts::{figure, raw, table, td, td_num};
use crate::data::{GenEntry, GenMetric, Leaderboard, ReportData};
use crate::escape::html;
use crate::format;

/// Every leaderboard.
pub fn section(data: &ReportData) -> String {
    if data.leaderboards.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section id=\"generative\"><h2>Generative</h2>");
    for board in &data.leaderboards {
        out += &leaderboard(data, board);
    }
    out + "</section>"
}

/// A metric cell: value (with spread, carrying the raw value) and its
/// interval (carrying its bounds).
fn metric_cell(run: i64, m: &GenMetric) -> String {
    let value = format::gen_value(m.value, m.std);
    let interval = m.interval.as_ref().map_or(String::new(), |i| {
        format!(
            "<br><span class=\"muted\" data-low=\"{}\" data-high=\"{}\">{}</span>",
            raw(i.low),
            raw(i.high),
            html(&format::gen_interval(i.low, i.high))
        )
    });
    format!(
        "<td class=\"num\"><span data-run=\"{run}\" data-gen-metric=\"{}\" data-value=\"{}\">{}</span>{interval}</td>",
        html(&m.name),
        raw(m.value),
        html(&value)
    )
}

fn leaderboard(data: &ReportData, board: &Leaderboard) -> String {
    let names = board.metric_names();
    let mut header = vec!["rank", "generator", "run", "images"];
    header.extend(names.iter().copied());
    header.push("warnings");
    let rows: Vec<Vec<String>> = board
        .entries
        .iter()
        .enumerate()
        .map(|(rank, e)| {
            let mut row = vec![
                td_num(&(rank + 1).to_string(), &[]),
                td(&e.generator),
                td_num(&e.run_id.to_string(), &[]),
                td_num(
                    &e.images.to_string(),
                    &[("run", &e.run_id.to_string()), ("count", "images")],
                ),
            ];
            row.extend(names.iter().map(|n| match e.metric(n) {
                Some(m) => metric_cell(e.run_id, m),
                None => td("-"),
            }));
            row.push(warnings_cell(&e.warnings));
            row
        })
        .collect();
    let mut out = format!(
        "<h3>Dataset “{}”: leaderboard (ranked by {})</h3>{}",
        html(&board.dataset),
        html(&board.ranked_by),
        table(&header, &rows)
    );
    out += &interval_notes(&board.entries);
    out += &findings(&board.entries);
    for e in &board.entries {
        out += &examples(data, e);
    }
    out
}

/// The level and method of the leaderboard's intervals, each once.
fn interval_notes(entries: &[GenEntry]) -> String {
    let mut notes: Vec<String> = Vec::new();
    let intervals = entries
        .iter()
        .flat_map(|e| &e.metrics)
        .filter_map(|m| m.interval.as_ref());
    for i in intervals {
        if !notes.contains(&i.note) {
            notes.push(i.note.clone());
        }
    }
    notes
        .iter()
        .map(|n| {
            format!(
                "<p class=\"note\" data-interval-method=\"note\">{}</p>",
                html(n)
            )
        })
        .collect()
}

fn findings(entries: &[GenEntry]) -> String {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let run = e.run_id.to_string();
            let count =
                |what, n: usize| td_num(&n.to_string(), &[("run", &run), ("finding", what)]);
            vec![
                td(&e.generator),
                count("near_duplicate_sets", e.near_duplicate_sets),
                count("memorized", e.memorized.len()),
                count("outliers", e.outlier_count),
                td_num(
                    &format::mean4(e.mean_diversity),
                    &[("run", &run), ("finding", "mean_diversity")],
                ),
            ]
        })
        .collect();
    format!(
        "<h4>Findings per generator</h4>{}",
        table(
            &[
                "generator",
                "near-duplicate sets",
                "memorized",
                "outliers",
                "mean diversity"
            ],
            &rows
        )
    )
}

/// Memorized pairs side by side, then the worst outliers.
fn examples(data: &ReportData, e: &GenEntry) -> String {
    if e.memorized.is_empty() && e.outliers.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<h4>{}: memorized and outlying generations</h4><div class=\"grid\">",
        html(&e.generator)
    );
    for m in &e.memorized {
        let caption = format!(
            "<b>{}</b> copies<br><b>{}</b><br>similarity {:.4}",
            html(&m.file),
            html(&m.nearest),
            m.similarity
        );
        let _ = write!(
            out,
            "<div class=\"pair\">{}{}</div>",
            figure(data, m.file_path.as_deref(), &m.file, &caption),
            figure(
                data,
                m.nearest_path.as_deref(),
                &m.nearest,
                "training image"
            )
        );
    }
    for o in &e.outliers {
        let caption = format!("<b>{}</b><br>outlier score {:.3}", html(&o.file), o.score);
        out += &figure(data, o.path.as_deref(), &o.file, &caption);
    }
    out + "</div>"
}

/// A generator's warnings as a compact icon: their text on hover (the
/// title) and on click (the list it opens); empty without warnings.
fn warnings_cell(warnings: &[String]) -> String {
    if warnings.is_empty() {
        return "<td></td>".into();
    }
    let items: String = warnings
        .iter()
        .map(|w| format!("<li>{}</li>", html(w)))
        .collect();
    format!(
        "<td><details class=\"warn-icon\"><summary class=\"warn\" title=\"{}\" \
         aria-label=\"{n} warnings\">⚠ {n}</summary><ul class=\"warn\">{items}</ul></details></td>",
        html(&warnings.join("\n")),
        n = warnings.len()
    )
}

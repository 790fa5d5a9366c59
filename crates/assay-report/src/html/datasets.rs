//! The datasets section (counts, splits, classes, issue counts, worst
//! examples, models) and the embeddings section.

use std::fmt::Write as _;

use assay_quality::IssueType;

use super::parts::{cards, figure, table, td, td_num, Card};
use crate::data::{DatasetReport, IssueExamples, ReportData};
use crate::escape::html;
use crate::format;
use crate::svg::{bar_chart, scatter, Bar};

/// Every dataset, then the models with predictions.
pub fn section(data: &ReportData) -> String {
    let mut out = String::from("<section id=\"datasets\"><h2>Datasets</h2>");
    if data.datasets.is_empty() {
        out += "<p class=\"note\">No datasets yet: import one with <code>assay import</code>.</p>";
    }
    for d in &data.datasets {
        out += &dataset(data, d);
    }
    if !data.models.is_empty() {
        out += "<h3>Models with predictions</h3>";
        let rows: Vec<Vec<String>> = data
            .models
            .iter()
            .map(|m| {
                vec![
                    td(&m.name),
                    td(&m.dataset),
                    td_num(&m.predictions.to_string(), &[("count", "predictions")]),
                    td_num(&m.images.to_string(), &[("count", "images")]),
                ]
            })
            .collect();
        out += &table(&["model", "dataset", "predictions", "images"], &rows);
    }
    out + "</section>"
}

fn dataset(data: &ReportData, d: &DatasetReport) -> String {
    let s = &d.summary;
    let name = s.name.as_str();
    let count = |what: &'static str, n: usize| Card {
        label: what,
        value: n.to_string(),
        attrs: vec![
            ("dataset", name.to_string()),
            ("total", what.replace(' ', "_")),
        ],
    };
    let mut items = vec![
        count("images", s.images),
        count("images with files", s.images_with_files),
        count("annotations", s.annotations),
        count("categories", s.categories),
    ];
    if s.generated_images > 0 {
        items.push(count("generated images", s.generated_images));
    }
    items.push(count("issues", d.issue_counts.iter().map(|c| c.1).sum()));
    let mut out = format!("<h3>Dataset “{}”</h3>{}", html(name), cards(&items));
    out += &splits(d);
    if !s.annotation_kinds.is_empty() {
        let kinds: Vec<String> = s
            .annotation_kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let _ = write!(out, "<p>Annotation kinds: {}</p>", html(&kinds.join(", ")));
    }
    out += &classes_and_issues(d);
    if !s.injected_problems.is_empty() {
        let injected: Vec<String> = s
            .injected_problems
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let _ = write!(
            out,
            "<p class=\"note\">Injected on purpose (demo truth): {}</p>",
            html(&injected.join(", "))
        );
    }
    for w in &d.worst {
        out += &worst_examples(data, name, w);
    }
    out
}

fn splits(d: &DatasetReport) -> String {
    let items: Vec<(&str, [usize; 2])> = d
        .summary
        .splits
        .iter()
        .map(|s| (s.split.as_str(), [s.images, s.annotations]))
        .collect();
    count_table(&d.summary.name, "split", ["images", "annotations"], &items)
}

/// A table of two counts per row, each cell tagged with the dataset, the
/// row (`data-<key>`) and what it counts.
fn count_table(
    dataset: &str,
    key: &str,
    columns: [&str; 2],
    items: &[(&str, [usize; 2])],
) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|(label, counts)| {
            let mut row = vec![td(label)];
            for (what, n) in columns.iter().zip(counts) {
                let attrs = [("dataset", dataset), (key, label), ("count", what)];
                row.push(td_num(&n.to_string(), &attrs));
            }
            row
        })
        .collect();
    table(&[key, columns[0], columns[1]], &rows)
}

/// The class distribution and the issue counts, as charts and tables.
fn classes_and_issues(d: &DatasetReport) -> String {
    let name = d.summary.name.as_str();
    let count_bar = |label: &str, n: usize| Bar {
        label: label.to_string(),
        value: n as f64,
        text: n.to_string(),
    };
    let class_bars: Vec<Bar> = d
        .summary
        .classes
        .iter()
        .map(|c| count_bar(&c.name, c.annotations))
        .collect();
    let issue_bars: Vec<Bar> = d
        .issue_counts
        .iter()
        .map(|(k, n)| count_bar(k, *n))
        .collect();
    let mut out = String::from("<div class=\"charts\">");
    if !class_bars.is_empty() {
        out += &format!(
            "<div><h4>Annotations per class</h4>{}</div>",
            bar_chart("Annotations per class", &class_bars)
        );
    }
    let issues_chart = match issue_bars.is_empty() {
        true => {
            "<p class=\"note\">No issues stored (<code>assay quality</code> computes them).</p>"
                .to_string()
        }
        false => bar_chart("Issues per type", &issue_bars),
    };
    let _ = write!(
        out,
        "<div><h4>Issues per type</h4>{issues_chart}</div></div>"
    );
    if !d.summary.classes.is_empty() {
        let items: Vec<(&str, [usize; 2])> = d
            .summary
            .classes
            .iter()
            .map(|c| (c.name.as_str(), [c.annotations, c.images]))
            .collect();
        let classes = count_table(name, "class", ["annotations", "images"], &items);
        out += &details("Classes", &classes);
    }
    if !d.issue_counts.is_empty() {
        let rows: Vec<Vec<String>> = d
            .issue_counts
            .iter()
            .map(|(kind, n)| {
                let what = kind.parse::<IssueType>().map_or("", IssueType::explanation);
                vec![
                    td(kind),
                    td_num(&n.to_string(), &[("dataset", name), ("issue", kind)]),
                    td(what),
                ]
            })
            .collect();
        out += &table(&["issue type", "count", "what it means"], &rows);
    }
    out
}

fn details(summary: &str, inner: &str) -> String {
    format!(
        "<details><summary>{}</summary>{inner}</details>",
        html(summary)
    )
}

/// The worst examples of one issue type as a grid of thumbnails.
fn worst_examples(data: &ReportData, dataset: &str, w: &IssueExamples) -> String {
    let mut out = format!(
        "<h4>{}: {}, worst {}</h4><div class=\"grid\">",
        html(&w.kind),
        w.count,
        w.examples.len()
    );
    for e in &w.examples {
        let file = match e.issue.annotation_id {
            Some(a) => format!("{} (annotation {a})", e.file_name),
            None => e.file_name.clone(),
        };
        let caption = format!(
            "<b>{}</b><br>{} · score <span data-dataset=\"{}\" data-issue-score=\"{}\">{}</span><br><span class=\"muted\">{}</span>",
            html(&file),
            html(e.split.as_deref().unwrap_or("")),
            html(dataset),
            html(&w.kind),
            format::score(e.issue.score),
            html(&e.issue.explanation)
        );
        out += &figure(data, e.path.as_deref(), &file, &caption);
    }
    out + "</div>"
}

/// The stored embedding sets with their maps.
pub fn embeddings(data: &ReportData) -> String {
    if data.embeddings.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section id=\"embeddings\"><h2>Embeddings</h2>");
    let rows: Vec<Vec<String>> = data
        .embeddings
        .iter()
        .map(|e| {
            let s = &e.set;
            vec![
                td(&s.dataset),
                td(&s.extractor),
                td(s.level.name()),
                td_num(&s.dim.to_string(), &[]),
                td_num(&s.count.to_string(), &[("count", "vectors")]),
                td(if s.comparable { "yes" } else { "no" }),
            ]
        })
        .collect();
    out += &table(
        &[
            "dataset",
            "extractor",
            "level",
            "dimensions",
            "vectors",
            "comparable",
        ],
        &rows,
    );
    out += "<div class=\"charts\">";
    for e in &data.embeddings {
        let title = format!(
            "{} · {} · {} (PCA map, colour = cluster)",
            e.set.dataset,
            e.set.extractor,
            e.set.level.name()
        );
        let _ = write!(
            out,
            "<div><h4>{}</h4>{}</div>",
            html(&title),
            scatter(&title, &e.map)
        );
    }
    out + "</div></section>"
}

//! The HTML report: one self-contained file. Inline CSS and SVG, images as
//! `data:` URIs, the raw numbers in a `<script type="application/json"
//! id="assay-data">` block, and no external reference of any kind.
//! Every string from the store is escaped; every number is written with
//! [`crate::format`] and carries its raw value in `data-*` attributes.

mod analysis;
mod checks;
mod datasets;
mod generative;
mod parts;
mod runs;

pub use runs::headline_columns;

use std::fmt::Write as _;

use crate::data::ReportData;
use crate::escape::{html, script_json};
use crate::Result;

const STYLE: &str = include_str!("style.css");

/// Renders the whole report as one HTML document.
pub fn render(data: &ReportData) -> Result<String> {
    let mut body = String::new();
    body += &datasets::section(data);
    body += &runs::section(data);
    body += &checks::section(data);
    body += &analysis::section(data);
    body += &generative::section(data);
    body += &datasets::embeddings(data);
    let json = script_json(&serde_json::to_string(data)?);
    let mut out = String::with_capacity(body.len() + json.len() + 4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>assay report: {project}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>assay report</h1><p>Project {project} · assay {version} · store schema {schema}</p></header>\n\
         {nav}\n<main>\n{body}</main>\n\
         <script type=\"application/json\" id=\"assay-data\">{json}</script>\n</body>\n</html>\n",
        project = html(&data.project),
        version = html(&data.assay_version),
        schema = data.schema_version,
        nav = nav(data),
    );
    Ok(out)
}

/// Links to the sections present.
fn nav(data: &ReportData) -> String {
    let mut links = vec![("datasets", "Datasets")];
    if !data.runs.is_empty() {
        links.push(("runs", "Model performance"));
    }
    if data.checks.is_some() || data.checks_error.is_some() {
        links.push(("checks", "Checks"));
    }
    if !data.analysis.runs.is_empty() || !data.analysis.drift.is_empty() {
        links.push(("analysis", "Failure analysis"));
    }
    if !data.leaderboards.is_empty() {
        links.push(("generative", "Generative"));
    }
    if !data.embeddings.is_empty() {
        links.push(("embeddings", "Embeddings"));
    }
    let links: String = links
        .iter()
        .map(|(id, text)| format!("<a href=\"#{id}\">{text}</a>"))
        .collect();
    format!("<nav>{links}</nav>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DatasetReport;

    #[test]
    fn names_from_the_store_are_escaped_everywhere() {
        let mut data = ReportData {
            project: "<b>proj</b>".into(),
            ..ReportData::default()
        };
        data.datasets.push(DatasetReport {
            summary: assay_store::DatasetSummary {
                name: "</script><script>alert(1)</script>".into(),
                ..Default::default()
            },
            ..Default::default()
        });
        let page = render(&data).unwrap();
        assert!(!page.contains("<b>proj</b>"));
        assert!(!page.contains("<script>alert"), "{page}");
        assert_eq!(page.matches("</script>").count(), 1);
    }

    #[test]
    fn an_empty_project_renders() {
        let page = render(&ReportData::default()).unwrap();
        assert!(page.contains("No datasets"), "{page}");
        assert!(page.contains(r#"id="assay-data""#));
    }
}

//! The checks section: the default suites of `assay check` (data
//! integrity, train/test validation, model evaluation) with each
//! condition's status, as the CI gate would print them.

use super::parts::{table, td};
use crate::data::ReportData;
use crate::escape::html;

/// The section; empty when neither checks nor an error are there.
pub fn section(data: &ReportData) -> String {
    let mut out = String::from("<section id=\"checks\"><h2>Checks</h2>");
    if let Some(e) = &data.checks_error {
        out += &format!("<p>The checks could not be made: {}</p></section>", html(e));
        return out;
    }
    let Some(c) = &data.checks else {
        return String::new();
    };
    out += &format!(
        "<p>assay check's default suites ({}): {} passed, {} warned, {} failed, {} skipped. \
         <code>assay check --junit FILE</code> gives the same as a CI gate.</p>",
        if c.passes() { "PASS" } else { "FAIL" },
        c.passed,
        c.warned,
        c.failed,
        c.skipped
    );
    let rows: Vec<Vec<String>> = c
        .results
        .iter()
        .map(|r| {
            vec![
                format!(
                    "<td class=\"status-{}\">{}</td>",
                    r.status.as_str().to_lowercase(),
                    r.status.as_str()
                ),
                td(&r.name),
                td(&r.expected),
                td(&r.detail),
                td(&r.dataset),
                td(&r.source),
            ]
        })
        .collect();
    out += &table(
        &[
            "status",
            "condition",
            "expected",
            "found",
            "dataset",
            "suite",
        ],
        &rows,
    );
    out += "</section>";
    out
}

//! A check's report as JUnit XML (one testcase per condition, for CI
//! systems' test views) and as Markdown (for a pull-request comment).

use quick_xml::escape::escape;

use super::{CheckReport, ConditionResult, Status};

/// JUnit XML: one `testsuite` per source (`config` or a suite's name), one
/// `testcase` per condition; a FAIL is a `failure`, a SKIP is `skipped`,
/// a WARN passes with its detail in `system-out`.
pub fn junit(report: &CheckReport) -> String {
    let mut sources: Vec<&str> = Vec::new();
    for r in &report.results {
        if !sources.contains(&r.source.as_str()) {
            sources.push(&r.source);
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out += &format!(
        "<testsuites name=\"assay check\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
        report.results.len(),
        report.failed,
        report.skipped
    );
    for source in sources {
        let cases: Vec<&ConditionResult> = report
            .results
            .iter()
            .filter(|r| r.source == source)
            .collect();
        let count = |s: Status| cases.iter().filter(|r| r.status == s).count();
        out += &format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
            escape(source),
            cases.len(),
            count(Status::Fail),
            count(Status::Skip)
        );
        for r in cases {
            out += &testcase(source, r);
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    out
}

fn testcase(source: &str, r: &ConditionResult) -> String {
    let open = format!(
        "    <testcase classname=\"assay.{}.{}\" name=\"{}\"",
        escape(source),
        escape(&r.dataset),
        escape(format!("{} ({})", r.name, r.expected))
    );
    let text = format!(
        "{}: expected {}; {}",
        r.status.as_str(),
        r.expected,
        r.detail
    );
    match r.status {
        Status::Pass => format!("{open}/>\n"),
        Status::Fail => format!(
            "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            escape(&r.detail),
            r.kind,
            escape(&text)
        ),
        Status::Skip => format!(
            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
            escape(&r.detail)
        ),
        Status::Warn => format!(
            "{open}>\n      <system-out>{}</system-out>\n    </testcase>\n",
            escape(&text)
        ),
    }
}

/// Markdown: a headline with the verdict and counts, then a table of the
/// conditions, failures first.
pub fn markdown(report: &CheckReport) -> String {
    let verdict = if report.passes() { "passed" } else { "failed" };
    let mut out = format!(
        "## assay check {verdict}\n\n{} passed, {} warned, {} failed, {} skipped on {}",
        report.passed,
        report.warned,
        report.failed,
        report.skipped,
        report
            .datasets
            .iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some((id, model)) = &report.run {
        out += &format!(", run {id} (`{model}`)");
    }
    if let Some((id, model)) = &report.baseline {
        out += &format!(" against run {id} (`{model}`)");
    }
    out += ".\n\n| status | condition | expected | found | dataset | from |\n|---|---|---|---|---|---|\n";
    let order = |s: Status| match s {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Pass => 2,
        Status::Skip => 3,
    };
    let mut rows: Vec<&ConditionResult> = report.results.iter().collect();
    rows.sort_by_key(|r| order(r.status));
    for r in rows {
        let mark = match r.status {
            Status::Pass => "✅ PASS",
            Status::Warn => "⚠️ WARN",
            Status::Fail => "❌ FAIL",
            Status::Skip => "⏭️ SKIP",
        };
        out += &format!(
            "| {mark} | {} | {} | {} | {} | {} |\n",
            cell(&r.name),
            cell(&r.expected),
            cell(&r.detail),
            cell(&r.dataset),
            cell(&r.source)
        );
    }
    out
}

/// Text safe in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

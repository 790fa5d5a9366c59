//! A scanned folder as a table: the rows `assay scan --out` writes and
//! `assay.scan` returns.

use assay_io::table::{Column, Table};
use assay_quality::columns::{Getter, METRIC_COLUMNS};
use assay_quality::{ImageMetrics, ScanReport};

/// One row per image: path, error (for unreadable files), the metrics
/// (empty for unreadable files), then a score and a 0/1 flag per issue
/// type (CleanVision's column names).
pub fn scan_table(report: &ScanReport) -> Table {
    let mut t = Table::default();
    let rows = &report.rows;
    t.push(
        "path",
        Column::Text(rows.iter().map(|r| Some(r.path.clone())).collect()),
    );
    t.push(
        "error",
        Column::Text(
            rows.iter()
                .map(|r| r.result.as_ref().err().map(|e| e.reason.clone()))
                .collect(),
        ),
    );
    let metrics: Vec<Option<&ImageMetrics>> = rows.iter().map(|r| r.result.as_ref().ok()).collect();
    for (name, column) in metric_columns(&metrics) {
        t.push(&name, column);
    }
    for r in &report.issues.results {
        let name = r.issue_type.name();
        t.push(&format!("{name}_score"), Column::Float(r.scores.clone()));
        let flags = (0..rows.len()).map(|i| r.scores[i].map(|_| i64::from(r.is_flagged(i))));
        t.push(&format!("is_{name}_issue"), Column::Int(flags.collect()));
    }
    t
}

fn metric_columns(m: &[Option<&ImageMetrics>]) -> Vec<(String, Column)> {
    METRIC_COLUMNS
        .iter()
        .map(|c| {
            let column = match c.get {
                Getter::Int(f) => Column::Int(m.iter().map(|x| x.map(f)).collect()),
                Getter::Float(f) => {
                    Column::Float(m.iter().map(|x| x.map(f).filter(|v| !v.is_nan())).collect())
                }
                Getter::Text(f) => Column::Text(m.iter().map(|x| x.map(f)).collect()),
            };
            (c.name.to_string(), column)
        })
        .collect()
}

//! The failure-analysis section: per detection run the metrics that
//! predict its misses and its weak slices; drift between splits; runs
//! compared with paired-bootstrap intervals.

use super::parts::{table, td, td_num};
use crate::data::{AnalysisReport, ReportData};
use crate::escape::html;
use crate::format;

fn signed(v: f64) -> String {
    format!("{v:+.3}")
}

/// The section, empty without detection runs or splits.
pub fn section(data: &ReportData) -> String {
    let a: &AnalysisReport = &data.analysis;
    if a.runs.is_empty() && a.drift.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section id=\"analysis\"><h2>Failure analysis</h2>");
    for r in &a.runs {
        let i = &r.importance;
        out += &format!(
            "<h3>Run {} ({})</h3><p>Metric importance: mutual information with the {} (above its shuffled null).</p>",
            i.run,
            html(&i.model),
            html(i.target)
        );
        for (what, metrics) in [
            ("Object metrics, per ground truth", &i.groups[0].metrics),
            ("Image metrics, per image", &i.groups[0].image_metrics),
        ] {
            let rows: Vec<Vec<String>> = metrics
                .iter()
                .map(|m| {
                    vec![
                        td(&m.metric),
                        td_num(&format::score(m.mutual_info), &[]),
                        td_num(&format::score(m.excess), &[]),
                        td_num(&m.spearman.map_or("-".into(), signed), &[]),
                    ]
                })
                .collect();
            out += &format!("<p>{what}:</p>");
            out += &table(&["metric", "mutual info", "above null", "Spearman"], &rows);
        }
        let s = &r.slices;
        out += &format!(
            "<p>Weak slices ({} rows, error = {}, overall rate {:.3}):</p>",
            s.rows,
            html(&s.target),
            s.error_rate
        );
        let rows: Vec<Vec<String>> = s
            .slices
            .iter()
            .map(|x| {
                vec![
                    td(&x.description),
                    td_num(&x.rows.to_string(), &[]),
                    td_num(&x.samples.to_string(), &[]),
                    td_num(&format!("{:.3}", x.error_rate), &[]),
                    td_num(
                        &format!(
                            "{} [{}, {}]",
                            signed(x.difference),
                            signed(x.interval[0]),
                            signed(x.interval[1])
                        ),
                        &[],
                    ),
                    td_num(&format!("{:.1e}", x.p_adjusted), &[]),
                ]
            })
            .collect();
        out += &table(
            &[
                "slice",
                "rows",
                "images",
                "error rate",
                "vs rest [95%]",
                "p (BH)",
            ],
            &rows,
        );
    }
    for c in &a.comparisons {
        out += &format!(
            "<h3>Run {} ({}) against run {} ({})</h3><p>{}</p>",
            c.b.id,
            html(&c.b.model),
            c.a.id,
            html(&c.a.model),
            html(&c.method)
        );
        let rows: Vec<Vec<String>> = c
            .bootstrap
            .metrics
            .iter()
            .filter(|m| m.class.is_none())
            .map(|m| {
                let interval = match (m.low, m.high) {
                    (Some(lo), Some(hi)) => format!("[{}, {}]", signed(lo), signed(hi)),
                    _ => "-".into(),
                };
                vec![
                    td(&m.name),
                    td_num(&format!("{:.4}", m.a), &[]),
                    td_num(&format!("{:.4}", m.b), &[]),
                    td_num(&signed(m.difference), &[]),
                    td_num(&interval, &[]),
                    td_num(&m.p_value.map_or("-".into(), |p| format!("{p:.3}")), &[]),
                ]
            })
            .collect();
        out += &table(&["metric", "A", "B", "B - A", "interval", "p"], &rows);
    }
    for d in &a.drift {
        out += &format!(
            "<h3>Drift of {} against {}: {}</h3>",
            html(&d.current.group),
            html(&d.reference.group),
            if d.drifted { "drift" } else { "no drift" }
        );
        let drifted: Vec<String> = d
            .images
            .columns
            .iter()
            .chain(d.objects.iter().flat_map(|o| &o.columns))
            .filter(|c| c.drifted)
            .map(|c| html(&c.column))
            .collect();
        out += &format!(
            "<p>{} of {} image columns drifted{}. Drifted: {}.</p>",
            d.images.n_drifted,
            d.images.columns.len(),
            d.objects.as_ref().map_or(String::new(), |o| format!(
                ", {} of {} object columns",
                o.n_drifted,
                o.columns.len()
            )),
            if drifted.is_empty() {
                "none".to_string()
            } else {
                drifted.join(", ")
            }
        );
        if let Some(e) = &d.embeddings {
            out += &format!(
                "<p>Embeddings ({}): MMD² {:.4}, p = {:.3}; domain classifier ROC AUC {:.3}.</p>",
                html(&e.extractor),
                e.mmd.mmd2,
                e.mmd.p_value,
                e.classifier.auc
            );
        }
    }
    out + "</section>"
}

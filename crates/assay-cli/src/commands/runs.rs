//! `assay runs`: the recorded runs with their headline metrics.

use anyhow::Result;
use assay_report::format;
use assay_store::Store;

use crate::output::table;

/// Lists runs with their headline metrics.
pub fn list_runs(store: &Store, dataset: Option<&str>, json: bool) -> Result<()> {
    let runs = store.runs(dataset)?;
    if json {
        println!("{}", serde_json::to_string(&runs)?);
        return Ok(());
    }
    if runs.is_empty() {
        println!("No runs yet; run `assay evaluate --model NAME`.");
        return Ok(());
    }
    let wanted = ["ap", "ap50", "ap75", "ar@100", "accuracy", "macro_f1"];
    let headline: Vec<&str> = wanted
        .into_iter()
        .filter(|name| {
            runs.iter()
                .any(|r| r.metrics.iter().any(|(n, _)| n == name))
        })
        .collect();
    let mut header = vec!["run", "created", "dataset", "model", "task"];
    header.extend(&headline);
    let mut t = table(&header);
    for r in runs {
        let metric = |name: &str| {
            r.metrics
                .iter()
                .find(|(n, _)| n == name)
                .map_or("-".to_string(), |(_, v)| format::metric(*v))
        };
        let mut row = vec![
            r.id.to_string(),
            r.created_at.clone(),
            r.dataset.clone(),
            r.model.clone(),
            r.task.clone(),
        ];
        row.extend(headline.iter().map(|h| metric(h)));
        t.add_row(row);
    }
    println!("{t}");
    Ok(())
}

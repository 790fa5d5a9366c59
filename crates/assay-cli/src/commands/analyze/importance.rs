//! `assay analyze importance`.

use anyhow::{bail, Result};
use assay_app::analysis::importance::{
    importance, GroupImportance, MetricImportance, DEFAULT_PERMUTATIONS,
};
use assay_app::analysis::table::RunTable;
use assay_report::format;
use assay_store::Store;
use clap::Args;

use crate::output::table;

/// Flags of `assay analyze importance`.
#[derive(Debug, Args)]
pub struct ImportanceArgs {
    /// The run (see `assay runs`).
    #[arg(long)]
    run: i64,
    /// Show only this class (the JSON always holds every class).
    #[arg(long)]
    class: Option<String>,
    /// Metrics shown per group.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Seed of the estimator's tie-breaking noise (scikit-learn's
    /// `random_state`).
    #[arg(long, default_value_t = 0)]
    seed: u32,
    /// Shuffles per metric for the null (the noise floor of the estimator).
    #[arg(long, default_value_t = DEFAULT_PERMUTATIONS)]
    permutations: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `assay analyze importance`.
pub fn run(store: &Store, args: &ImportanceArgs) -> Result<()> {
    let table = RunTable::load(store, args.run)?;
    let result = importance(&table, args.seed, args.permutations);
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
        return Ok(());
    }
    println!(
        "Metric importance for run {} ({}): mutual information (k = {}, seed {}) and correlation with the {};\nranked by mutual information above its null (the mean over {} shuffles of the metric); image metrics once per image.",
        result.run, result.model, result.neighbours, result.seed, result.target, result.permutations
    );
    let groups: Vec<&GroupImportance> = match &args.class {
        None => result.groups.iter().collect(),
        Some(c) => {
            let found: Vec<_> = result
                .groups
                .iter()
                .filter(|g| g.class.as_deref() == Some(c))
                .collect();
            if found.is_empty() {
                bail!("run {} has no class {c:?}", args.run);
            }
            found
        }
    };
    for g in groups {
        print_group(g, args.top);
    }
    Ok(())
}

fn print_group(g: &GroupImportance, top: usize) {
    let name = g.class.as_deref().unwrap_or("all classes");
    println!(
        "\n{name} ({} ground truths in {} images)",
        g.objects, g.images
    );
    if g.metrics.is_empty() && g.image_metrics.is_empty() {
        println!("  too few ground truths with measured metrics to rank");
        return;
    }
    for (what, metrics) in [
        ("object metrics, per ground truth", &g.metrics),
        ("image metrics, per image", &g.image_metrics),
    ] {
        if !metrics.is_empty() {
            println!("{what}");
            println!("{}", metric_table(metrics, top));
        }
    }
}

fn metric_table(metrics: &[MetricImportance], top: usize) -> comfy_table::Table {
    let mut t = table(&[
        "metric",
        "level",
        "n",
        "mutual info",
        "null",
        "p",
        "pearson",
        "spearman",
    ]);
    let r = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:+.3}"));
    for m in metrics.iter().take(top) {
        t.add_row(vec![
            m.metric.clone(),
            format!("{:?}", m.level).to_lowercase(),
            m.n.to_string(),
            format::score(m.mutual_info),
            format::score(m.null_mean),
            format!("{:.2}", m.p_value),
            r(m.pearson),
            r(m.spearman),
        ]);
    }
    t
}

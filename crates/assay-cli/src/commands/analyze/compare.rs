//! `assay analyze compare`.

use std::collections::HashMap;

use anyhow::Result;
use assay_app::analysis::compare::{
    compare, compare_classification, BootstrapOptions, ClassificationComparison, RunComparison,
};
use assay_store::Store;
use clap::Args;

use crate::output::table;

/// Flags of `assay analyze compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run A, the baseline (see `assay runs`).
    #[arg(long)]
    a: i64,
    /// Run B; differences are B - A.
    #[arg(long)]
    b: i64,
    /// Bootstrap resamples of images.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
    /// Confidence of the intervals.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Seed of the resampling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `assay analyze compare`.
pub fn run(store: &Store, args: &CompareArgs) -> Result<()> {
    let options = BootstrapOptions {
        resamples: args.resamples,
        confidence: args.confidence,
        seed: args.seed,
    };
    if store.run_subject(args.a)?.task == "classification" {
        let result = compare_classification(store, args.a, args.b)?;
        if args.json {
            println!("{}", serde_json::to_string(&result)?);
        } else {
            print_mcnemar(&result);
        }
        return Ok(());
    }
    let result = compare(store, args.a, args.b, &options)?;
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
        return Ok(());
    }
    print_comparison(&result);
    Ok(())
}

fn print_comparison(r: &RunComparison) {
    println!(
        "Run {} ({}) against run {} ({}) on {} images of {}:",
        r.b.id, r.b.model, r.a.id, r.a.model, r.bootstrap.images, r.dataset
    );
    println!("{}\n", r.method);
    let names: HashMap<i64, &str> = r.classes.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let mut t = table(&["metric", "A", "B", "B - A", "interval", "p"]);
    let interval = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
        (Some(lo), Some(hi)) => format!("[{lo:+.4}, {hi:+.4}]"),
        _ => "-".into(),
    };
    for m in &r.bootstrap.metrics {
        let name = match m.class {
            Some(c) => format!("{} {}", m.name, names.get(&c).copied().unwrap_or("?")),
            None => m.name.clone(),
        };
        t.add_row(vec![
            name,
            format!("{:.4}", m.a),
            format!("{:.4}", m.b),
            format!("{:+.4}", m.difference),
            interval(m.low, m.high),
            m.p_value.map_or("-".into(), |p| format!("{p:.3}")),
        ]);
    }
    println!("{t}");
}

fn print_mcnemar(r: &ClassificationComparison) {
    println!(
        "Run {} ({}) against run {} ({}) on {} labelled images of {}:",
        r.b.id, r.b.model, r.a.id, r.a.model, r.samples, r.dataset
    );
    println!(
        "accuracy {:.4} against {:.4} ({:+.4}); {} images only A gets right, {} only B.",
        r.accuracy_b,
        r.accuracy_a,
        r.accuracy_b - r.accuracy_a,
        r.table[0][1],
        r.table[1][0]
    );
    println!(
        "McNemar's test (as statsmodels): exact p = {:.4}{}",
        r.exact.p_value,
        r.chi_squared.as_ref().map_or(String::new(), |c| format!(
            ", chi-squared with continuity correction {:.3}, p = {:.4}",
            c.statistic, c.p_value
        ))
    );
}

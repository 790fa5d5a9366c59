//! `assay analyze buckets`.

use anyhow::{bail, Result};
use assay_app::analysis::buckets::{buckets, Binning, BucketGroup, BucketOptions, Estimate};
use assay_app::analysis::table::RunTable;
use assay_store::Store;
use clap::Args;

use crate::output::table;

/// Flags of `assay analyze buckets`.
#[derive(Debug, Args)]
pub struct BucketsArgs {
    /// The run (see `assay runs`).
    #[arg(long)]
    run: i64,
    /// The metric (see `assay analyze importance`).
    #[arg(long)]
    metric: String,
    /// Number of buckets.
    #[arg(long, default_value_t = 5)]
    buckets: usize,
    /// How edges are chosen.
    #[arg(long, value_enum, default_value = "equal-count")]
    binning: Binning,
    /// Show only this class (the JSON always holds every class).
    #[arg(long)]
    class: Option<String>,
    /// Bootstrap resamples of images for the intervals.
    #[arg(long, default_value_t = 200)]
    resamples: usize,
    /// Seed of the resampling.
    #[arg(long, default_value_t = 0)]
    seed: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `assay analyze buckets`.
pub fn run(store: &Store, args: &BucketsArgs) -> Result<()> {
    let run_table = RunTable::load(store, args.run)?;
    let options = BucketOptions {
        metric: args.metric.clone(),
        buckets: args.buckets,
        binning: args.binning,
        resamples: args.resamples,
        confidence: 0.95,
        seed: args.seed,
    };
    let result = buckets(&run_table, &options)?;
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
        return Ok(());
    }
    println!(
        "Run {} by {} ({} buckets, {:?}; 95% intervals from {} resamples of images; {} objects unmeasured):",
        result.run,
        result.metric,
        result.edges.len().saturating_sub(1),
        result.binning,
        result.resamples,
        result.unmeasured
    );
    let groups: Vec<&BucketGroup> = match &args.class {
        None => result.groups.iter().take(1).collect(),
        Some(c) => result
            .groups
            .iter()
            .filter(|g| g.class.as_deref() == Some(c))
            .collect(),
    };
    if groups.is_empty() {
        bail!("run {} has no class {:?}", args.run, args.class);
    }
    for g in groups {
        println!("\n{}", g.class.as_deref().unwrap_or("all classes"));
        let mut t = table(&[
            "bucket",
            "ground truths",
            "false pos.",
            "recall",
            "precision",
            "AP",
            "FN rate",
        ]);
        for b in &g.buckets {
            t.add_row(vec![
                format!("[{:.4}, {:.4}]", b.low, b.high),
                b.ground_truths.to_string(),
                b.false_positives.to_string(),
                estimate(b.recall),
                estimate(b.precision),
                estimate(b.ap),
                estimate(b.false_negative_rate),
            ]);
        }
        println!("{t}");
    }
    Ok(())
}

fn estimate(e: Option<Estimate>) -> String {
    e.map_or("-".into(), |e| {
        format!("{:.3} [{:.3}, {:.3}]", e.value, e.low, e.high)
    })
}

//! `assay analyze drift`.

use anyhow::Result;
use assay_app::analysis::drift::{
    drift, parse_method, DatasetDrift, DriftOptions, DriftReport, Group,
};
use assay_store::Store;
use clap::Args;

use super::super::choose_dataset;
use crate::output::table;

/// Flags of `assay analyze drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Dataset of groups given without one (default: the only one).
    #[arg(long)]
    dataset: Option<String>,
    /// The reference group: `[DATASET:]SPLIT`, `*` for every split.
    #[arg(long)]
    reference: String,
    /// The current group, as --reference.
    #[arg(long)]
    current: String,
    /// One method for every column instead of Evidently's choice by size
    /// and type: ks, chisquare, z, wasserstein, jensenshannon, psi
    /// (Evidently's), psi-quantiles (10 reference-quantile bins, epsilon
    /// 1e-4), psi-width (10 equal-width bins, epsilon 1e-4).
    #[arg(long)]
    method: Option<String>,
    /// Threshold instead of the method's default (a p-value for tests, a
    /// distance otherwise).
    #[arg(long)]
    threshold: Option<f64>,
    /// Share of drifted columns at which a table drifts.
    #[arg(long, default_value_t = 0.5)]
    drift_share: f64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `assay analyze drift`.
pub fn run(store: &Store, args: &DriftArgs) -> Result<()> {
    let dataset = choose_dataset(store, args.dataset.as_deref())?;
    let options = DriftOptions {
        method: args.method.as_deref().map(parse_method).transpose()?,
        threshold: args.threshold,
        drift_share: args.drift_share,
    };
    let report = drift(
        store,
        &Group::parse(&args.reference, &dataset),
        &Group::parse(&args.current, &dataset),
        &options,
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    print_report(&report);
    Ok(())
}

fn print_report(r: &DriftReport) {
    println!(
        "Drift of {} ({} images, {} objects) against {} ({} images, {} objects): {}.",
        r.current.group,
        r.current.samples,
        r.current.objects,
        r.reference.group,
        r.reference.samples,
        r.reference.objects,
        if r.drifted { "DRIFT" } else { "no drift" }
    );
    print_table("Images", &r.images);
    if let Some(objects) = &r.objects {
        print_table("Objects", objects);
    }
    if let Some(e) = &r.embeddings {
        println!(
            "\nEmbeddings ({}): MMD² {:.4} (p = {:.3}, {} permutations{}), domain classifier ROC AUC {:.3}, centroid distance {:.4}: {}.",
            e.extractor,
            e.mmd.mmd2,
            e.mmd.p_value,
            e.mmd.n_permutations,
            if e.mmd.subsampled { ", subsampled" } else { "" },
            e.classifier.auc,
            e.centroid.euclidean,
            if e.drifted { "DRIFT" } else { "no drift" }
        );
        let mut t = table(&["cluster", "reference", "current", "share change"]);
        for c in e.clusters.iter().take(5) {
            t.add_row(vec![
                c.cluster.to_string(),
                format!("{} ({:.0}%)", c.reference, 100.0 * c.reference_share),
                format!("{} ({:.0}%)", c.current, 100.0 * c.current_share),
                format!("{:+.1} pt", 100.0 * c.change),
            ]);
        }
        println!("Clusters of the map that grew or shrank most:\n{t}");
    }
}

fn print_table(what: &str, d: &DatasetDrift) {
    println!(
        "\n{what}: {} of {} columns drifted ({:.0}%; the table drifts at {:.0}%)",
        d.n_drifted,
        d.columns.len(),
        100.0 * d.share_drifted,
        100.0 * d.drift_share
    );
    let mut t = table(&[
        "column",
        "method",
        "statistic",
        "score",
        "threshold",
        "drift",
    ]);
    let mut columns: Vec<_> = d.columns.iter().collect();
    columns.sort_by_key(|c| !c.drifted);
    for c in columns {
        t.add_row(vec![
            c.column.clone(),
            c.method.name(),
            format!("{:.4}", c.statistic),
            format!("{:.4}", c.score),
            format!("{}", c.threshold),
            if c.drifted {
                "yes".into()
            } else {
                String::new()
            },
        ]);
    }
    println!("{t}");
}

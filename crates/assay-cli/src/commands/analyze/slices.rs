//! `assay analyze slices`.

use anyhow::Result;
use assay_app::analysis::slices::{slices, Method, SliceOptions, Target};
use assay_app::analysis::table::RunTable;
use assay_store::Store;
use clap::Args;

use crate::output::table;

/// Flags of `assay analyze slices`.
#[derive(Debug, Args)]
pub struct SlicesArgs {
    /// The run (see `assay runs`).
    #[arg(long)]
    run: i64,
    /// What counts as an error: `missed` (ground truths the run missed),
    /// `errors` (misses and false positives) or one error kind (`missed`,
    /// `wrong_detection`, `classification`, `localization`, `both`,
    /// `duplicate`, `background`).
    #[arg(long, default_value = "missed")]
    target: String,
    /// SliceLine, or deepchecks' trees over pairs of metrics.
    #[arg(long, value_enum, default_value = "sliceline")]
    method: Method,
    /// Slices to report.
    #[arg(long, short = 'k', default_value_t = 10)]
    top: usize,
    /// Equal-count bins per metric.
    #[arg(long, default_value_t = 5)]
    bins: usize,
    /// Most conditions per slice.
    #[arg(long, default_value_t = 3)]
    max_predicates: usize,
    /// Fewest rows per slice (default: 1% of the rows, at least 10).
    #[arg(long)]
    min_support: Option<usize>,
    /// SliceLine's weight of a slice's error rate against its size (0-1].
    #[arg(long, default_value_t = 0.95)]
    alpha: f64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `assay analyze slices`.
pub fn run(store: &Store, args: &SlicesArgs) -> Result<()> {
    let table_ = RunTable::load(store, args.run)?;
    let options = SliceOptions {
        target: Target::parse(&args.target),
        method: args.method,
        bins: args.bins,
        k: args.top,
        max_predicates: args.max_predicates,
        min_support: args.min_support,
        alpha: args.alpha,
        ..SliceOptions::default()
    };
    let found = slices(&table_, &options)?;
    if args.json {
        println!("{}", serde_json::to_string(&found)?);
        return Ok(());
    }
    println!(
        "Weak slices of run {} ({}) by {:?}: {} rows, error = {}, overall rate {:.3}; at least {} rows per slice.",
        found.run,
        found.model,
        found.method,
        found.rows,
        found.target,
        found.error_rate,
        found.min_support
    );
    if found.slices.is_empty() {
        println!("No slice errs more than the rest.");
        return Ok(());
    }
    let mut t = table(&[
        "slice",
        "rows",
        "images",
        "error rate",
        "vs rest (95% interval)",
        "p (BH)",
        "errors by kind",
    ]);
    for s in &found.slices {
        let kinds: Vec<String> = s
            .error_kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        t.add_row(vec![
            s.description.clone(),
            s.rows.to_string(),
            s.samples.to_string(),
            format!("{:.3}", s.error_rate),
            format!(
                "{:+.3} [{:+.3}, {:+.3}]",
                s.difference, s.interval[0], s.interval[1]
            ),
            format!(
                "{:.2e}{}",
                s.p_adjusted,
                if s.significant { "" } else { " (ns)" }
            ),
            kinds.join(", "),
        ]);
    }
    println!("{t}");
    println!(
        "Listed by the search's score; p: Benjamini-Hochberg adjusted over the search's {} candidates; ns: not significant at {}.",
        found.candidates, found.significance
    );
    Ok(())
}

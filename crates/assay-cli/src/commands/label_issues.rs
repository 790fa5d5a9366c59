//! `assay label-issues`: cleanlab's `find_label_issues` on `.npy` files.

use anyhow::{Context, Result};
use assay_io::npy::read_npy;
use assay_quality::label_issues::{
    find_label_issues_ranked, label_quality_scores, FilterBy, FilterOptions, PredProbs,
    ScoreMethod, TieOrder,
};
use serde_json::json;

use crate::output::table;

use clap::Args;
use std::path::PathBuf;

/// What `assay label-issues` reads and how it filters.
#[derive(Debug, Args)]
pub struct LabelIssuesArgs {
    /// Out-of-sample predicted probabilities, an n x k `.npy` array.
    #[arg(long, value_name = "FILE")]
    pub pred_probs: PathBuf,
    /// Given labels, n class indices in a `.npy` array.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// cleanlab's `filter_by`: prune_by_noise_rate, prune_by_class, both,
    /// confident_learning, predicted_neq_given, low_normalized_margin,
    /// low_self_confidence.
    #[arg(long, default_value = "prune_by_noise_rate")]
    pub filter_by: String,
    /// Rank the flagged examples by self_confidence, normalized_margin or
    /// confidence_weighted_entropy.
    #[arg(long, default_value = "self_confidence")]
    pub rank_by: String,
    /// Which of several tied examples comes first, as NumPy's sort orders
    /// them on the CPU cleanlab runs on (cleanlab's own output differs):
    /// avx2 (x86-64 with AVX2) or portable (ARM64, x86-64 without AVX2).
    #[arg(long, default_value = "avx2")]
    pub tie_order: String,
    /// Examples printed (all with --json).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print one JSON object: the flagged indices, ranked, with scores.
    #[arg(long)]
    pub json: bool,
}

/// Reads the arrays, finds the issues and prints them, worst first.
pub fn run(args: &LabelIssuesArgs) -> Result<()> {
    let probs = read_npy(&args.pred_probs)?;
    let (n, k) = probs.dims2(&args.pred_probs)?;
    let labels = read_npy(&args.labels)?.as_class_indices(&args.labels)?;
    if labels.len() != n {
        anyhow::bail!(
            "{} has {} labels but {} has {n} rows of probabilities",
            args.labels.display(),
            labels.len(),
            args.pred_probs.display()
        );
    }
    let filter_by: FilterBy = args.filter_by.parse()?;
    let rank_by: ScoreMethod = args.rank_by.parse()?;
    let tie_order: TieOrder = args.tie_order.parse()?;
    let input = PredProbs::new(&labels, &probs.values, k)
        .with_context(|| format!("cannot use {}", args.pred_probs.display()))?;
    let options = FilterOptions {
        tie_order,
        ..FilterOptions::new(filter_by)
    };
    let ranked = find_label_issues_ranked(&input, &options, rank_by)?;
    let scores = label_quality_scores(&input, rank_by)?;
    let argmax = |i: usize| {
        let row = input.row(i);
        (0..k).fold(0, |best, c| if row[c] > row[best] { c } else { best })
    };
    if args.json {
        let issues: Vec<_> = ranked
            .iter()
            .map(|&i| json!({"index": i, "label": labels[i], "predicted": argmax(i), "score": scores[i]}))
            .collect();
        let out = json!({
            "examples": n,
            "classes": k,
            "filter_by": filter_by.name(),
            "rank_by": rank_by.name(),
            "tie_order": tie_order.name(),
            "issues": issues,
        });
        outln!("{out}")?;
        return Ok(());
    }
    outln!(
        "{} of {n} examples are likely mislabelled (filter_by {}, ranked by {}).",
        ranked.len(),
        filter_by.name(),
        rank_by.name()
    )?;
    let mut t = table(&["index", "given label", "predicted", "score"]);
    for &i in ranked.iter().take(args.limit) {
        t.add_row(vec![
            i.to_string(),
            labels[i].to_string(),
            argmax(i).to_string(),
            format!("{:.4}", scores[i]),
        ]);
    }
    outln!("{t}")?;
    Ok(())
}

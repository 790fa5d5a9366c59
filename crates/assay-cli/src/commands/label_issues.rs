//! `assay label-issues`: cleanlab's `find_label_issues` on `.npy` files.

use anyhow::{Context, Result};
use assay_io::npy::read_npy;
use assay_quality::label_issues::{
    find_label_issues_ranked, label_quality_scores, FilterBy, FilterOptions, PredProbs,
    ScoreMethod, TieOrder,
};
use serde_json::json;

use crate::cli::LabelIssuesArgs;
use crate::output::table;

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

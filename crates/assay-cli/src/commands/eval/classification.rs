//! `assay eval classification`: classification metrics from files of
//! probabilities (or predicted classes) and true labels.

use std::path::Path;

use crate::output::table;
use anyhow::{bail, Context, Result};
use assay_app::classification::inputs::{read_inputs, Inputs, LabelledFiles, Predicted};
use assay_app::classification::report::{build_report as report_of, Predicted as Output};
use assay_eval::classification::{
    ClassificationReport, ConfusionMatrix, LabelSet, ReportOptions, ScoreOptions, TopKTies,
    ZeroDivision,
};

use clap::{ArgGroup, Args};
use std::path::PathBuf;

/// What `assay eval classification` compares.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("predictions").required(true).args(["probs", "preds"])))]
pub struct ClassificationEvalArgs {
    /// Predicted probabilities or scores, one row per sample and one column
    /// per class: a 2-D `.npy` array, or a CSV with a header row (a column
    /// named `label` is skipped). Scores outside [0, 1] give no ECE or Brier
    /// score unless --softmax turns them into probabilities.
    #[arg(long, value_name = "FILE")]
    pub probs: Option<PathBuf>,
    /// True classes: a `.npy` array, a text file with one class a line, or a
    /// CSV with a `label` column. Classes are indices 0..k, or names from
    /// --class-names.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Predicted classes instead of probabilities (same formats as --labels,
    /// CSV column `pred`): gives accuracy, precision/recall/F1 and the
    /// confusions, no top-k or calibration.
    #[arg(long, value_name = "FILE")]
    pub preds: Option<PathBuf>,
    /// Class names, one a line, in class-index order.
    #[arg(long, value_name = "FILE")]
    pub class_names: Option<PathBuf>,
    /// The top-k accuracies to report.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "K1,K2,...",
        default_value = "1,5"
    )]
    pub top_k: Vec<usize>,
    /// Number of calibration bins of the expected calibration error.
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub bins: usize,
    /// Classes that get scores and enter the averages: those present among
    /// the true or predicted classes (scikit-learn's default), or all.
    #[arg(long, value_enum, default_value = "present")]
    pub average_labels: LabelSet,
    /// The value of a precision, recall or F1 whose denominator is 0.
    #[arg(long, value_enum, default_value = "0")]
    pub zero_division: ZeroDivision,
    /// How top-k ranks equal scores: as scikit-learn (higher class index
    /// first), or lower index first as torch/torchmetrics' argmax.
    #[arg(long, value_enum, default_value = "sklearn")]
    pub top_k_ties: TopKTies,
    /// Apply a softmax to each row of --probs first (for logits).
    #[arg(long)]
    pub softmax: bool,
    /// How many of the most frequent confusions to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub confusions: usize,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ClassificationEvalArgs) -> Result<()> {
    let options = report_options(args)?;
    let inputs = read_inputs(&LabelledFiles {
        probs: args.probs.clone(),
        preds: args.preds.clone(),
        labels: args.labels.clone(),
        class_names: args.class_names.clone(),
        softmax: args.softmax,
    })?;
    let report = build_report(&inputs, &options, args)?;
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        if let Some(names) = &inputs.names {
            value["class_names"] = serde_json::json!(names);
        }
        println!("{}", serde_json::to_string(&value)?);
    } else {
        print_report(&report, inputs.names.as_deref(), args);
    }
    Ok(())
}

/// The report options of the command line, checked.
fn report_options(args: &ClassificationEvalArgs) -> Result<ReportOptions> {
    if args.top_k.contains(&0) {
        bail!("--top-k: every k must be at least 1 (e.g. --top-k 1,5)");
    }
    if args.bins == 0 {
        bail!("--bins: the calibration error needs at least one bin (default 15)");
    }
    Ok(ReportOptions {
        top_k: args.top_k.clone(),
        ties: args.top_k_ties,
        scores: ScoreOptions {
            labels: args.average_labels,
            zero_division: args.zero_division,
        },
        n_bins: args.bins,
        ..ReportOptions::default()
    })
}

fn build_report(
    inputs: &Inputs,
    options: &ReportOptions,
    args: &ClassificationEvalArgs,
) -> Result<ClassificationReport> {
    let predicted = match &inputs.predicted {
        Predicted::Classes(c) => Output::Classes(c.clone()),
        Predicted::Scores(s) => Output::Scores(s.values.clone()),
    };
    let path = args.probs.as_deref().unwrap_or(Path::new("--probs"));
    let (report, notes) = report_of(&inputs.labels, &predicted, inputs.num_classes, options)
        .with_context(|| format!("cannot evaluate {}", path.display()))?;
    for note in notes.notes {
        eprintln!("note: {}: {note}", path.display());
    }
    Ok(report)
}

/// Prints the headline metrics, the averages, the per-class table and the
/// most frequent confusions.
fn print_report(r: &ClassificationReport, names: Option<&[String]>, args: &ClassificationEvalArgs) {
    print_classification(r, names, args.confusions, args.bins);
}

/// Prints a classification report: headline metrics, averages, per-class
/// table and the `confusions` most frequent confusions.
pub fn print_classification(
    r: &ClassificationReport,
    names: Option<&[String]>,
    confusions: usize,
    bins: usize,
) {
    println!("{} samples, {} classes", r.num_samples, r.num_classes);
    println!("accuracy        {:.4}", r.accuracy);
    for t in &r.top_k {
        println!("top-{:<2} accuracy {:.4}", t.k, t.accuracy);
    }
    if !r.ece.is_nan() {
        println!("ECE ({bins} bins)   {:.4}", r.ece);
        println!("Brier score     {:.4}", r.brier);
    }
    let mut averages = table(&["average", "precision", "recall", "F1"]);
    for (name, a) in [
        ("macro", r.macro_avg),
        ("micro", r.micro_avg),
        ("weighted", r.weighted_avg),
    ] {
        averages.add_row(vec![
            name.into(),
            fmt(a.precision),
            fmt(a.recall),
            fmt(a.f1),
        ]);
    }
    println!("\n{averages}");
    print_per_class(r, names);
    print_confusions(&r.confusion, names, confusions);
}

/// A score with four decimals, `-` for NaN.
fn fmt(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else {
        format!("{v:.4}")
    }
}

/// `3 cat` with names, `3` without.
fn class_label(class: usize, names: Option<&[String]>) -> String {
    match names.and_then(|n| n.get(class)) {
        Some(name) => format!("{class} {name}"),
        None => class.to_string(),
    }
}

fn print_per_class(r: &ClassificationReport, names: Option<&[String]>) {
    let mut t = table(&["class", "precision", "recall", "F1", "support"]);
    for c in &r.per_class {
        t.add_row(vec![
            class_label(c.class, names),
            fmt(c.precision),
            fmt(c.recall),
            fmt(c.f1),
            c.support.to_string(),
        ]);
    }
    println!("\n{t}");
}

/// The `limit` largest off-diagonal counts: (true, predicted, count).
fn top_confusions(confusion: &ConfusionMatrix, limit: usize) -> Vec<(usize, usize, u64)> {
    let mut pairs: Vec<(usize, usize, u64)> = confusion
        .rows()
        .iter()
        .enumerate()
        .flat_map(|(t, row)| row.iter().enumerate().map(move |(p, &n)| (t, p, n)))
        .filter(|&(t, p, n)| t != p && n > 0)
        .collect();
    pairs.sort_by(|a, b| b.2.cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
    pairs.truncate(limit);
    pairs
}

fn print_confusions(confusion: &ConfusionMatrix, names: Option<&[String]>, limit: usize) {
    let pairs = top_confusions(confusion, limit);
    if pairs.is_empty() {
        return;
    }
    let mut t = table(&["true", "predicted", "count", "of true class"]);
    for (truth, predicted, count) in pairs {
        let share = count as f64 / confusion.support(truth) as f64;
        t.add_row(vec![
            class_label(truth, names),
            class_label(predicted, names),
            count.to_string(),
            format!("{:.1}%", 100.0 * share),
        ]);
    }
    println!("\nMost frequent confusions\n{t}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusions_are_sorted_by_count_then_class() {
        let labels = [0, 0, 0, 1, 1, 2, 2, 2];
        let predicted = [1, 1, 2, 0, 1, 0, 0, 2];
        let confusion = ConfusionMatrix::new(&labels, &predicted, 3).unwrap();
        let top = top_confusions(&confusion, 2);
        assert_eq!(top, vec![(0, 1, 2), (2, 0, 2)]);
    }
}

//! Printing a generated set's findings.

use assay_app::generative::diagnostics::Diagnostics;

use crate::output::table;

/// Prints the worst prompts and the flagged samples.
pub fn print_diagnostics(d: &Diagnostics, worst: usize) {
    let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    if !d.prompts.is_empty() && (d.computed || d.clip_score.is_some()) {
        let mut t = table(&[
            "prompt",
            "images",
            "clip_score",
            "realism",
            "diversity",
            "near-dup",
        ]);
        for p in d.prompts.iter().take(worst) {
            t.add_row(vec![
                p.prompt.clone(),
                p.images.to_string(),
                fmt(p.clip_score),
                fmt(p.realism),
                fmt(p.diversity),
                p.near_duplicates.to_string(),
            ]);
        }
        println!(
            "Worst prompts ({} of {}):\n{t}",
            worst.min(d.prompts.len()),
            d.prompts.len()
        );
    }
    if !d.computed {
        return;
    }
    println!(
        "Near-duplicate generations: {} sets",
        d.near_duplicates.len()
    );
    for set in d.near_duplicates.iter().take(worst) {
        // A set can hold hundreds of files: the first few, then a count.
        let shown = set.iter().take(worst.max(2)).cloned().collect::<Vec<_>>();
        let rest = set.len() - shown.len();
        let more = if rest > 0 {
            format!("  (and {rest} more)")
        } else {
            String::new()
        };
        println!("  {}{more}", shown.join("  ~  "));
    }
    println!(
        "Memorized (copies of a training image): {}",
        d.memorized.len()
    );
    for m in d.memorized.iter().take(worst) {
        println!("  {} ~ {} (cosine {:.4})", m.file, m.nearest, m.similarity);
    }
    println!("Outlier generations: {}", d.outliers.len());
    for o in d.outliers.iter().take(worst) {
        println!("  {} (score {:.3})", o.file, o.score);
    }
}

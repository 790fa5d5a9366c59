//! `assay gen compare`: several generators against the same references, a
//! leaderboard with intervals, and per-prompt wins and losses.

use std::path::PathBuf;

use anyhow::{bail, Result};
use assay_embed::Extractor;
use serde::Serialize;

use super::diagnostics::Diagnostician;
use super::eval::{evaluate, format_metric, EvalReport};
use super::inputs::{load_reference, load_set};

use crate::output::table;

use clap::Args;

use super::eval::GenOptions;

/// Options of `assay gen compare`.
#[derive(Debug, Args)]
pub struct GenCompareArgs {
    /// Generated sets, one per generator (`NAME=PATH` or `PATH`, the name
    /// then being the file or folder name).
    #[arg(long, value_name = "[NAME=]PATH", required = true)]
    pub fake: Vec<String>,
    /// Split each manifest by its `model` column.
    #[arg(long)]
    pub by_model: bool,
    /// The shared settings.
    #[command(flatten)]
    pub options: GenOptions,
}

/// The leaderboard.
#[derive(Debug, Serialize)]
pub struct Leaderboard {
    /// Generators, best first by the ranking metric.
    pub entries: Vec<Entry>,
    /// The metric the entries are ordered by, and whether lower is better.
    pub ranked_by: String,
    /// The per-prompt score the wins and losses compare.
    pub prompt_score: Option<String>,
    /// Each pair of generators with prompts in common, in rank order.
    pub head_to_head: Vec<HeadToHead>,
}

/// Two generators on the prompts both answered.
#[derive(Debug, Serialize)]
pub struct HeadToHead {
    /// The better-ranked generator.
    pub a: String,
    /// The other.
    pub b: String,
    /// Prompts both answered.
    pub prompts: usize,
    /// Prompts on which `a` scores higher.
    pub a_wins: usize,
    /// Prompts on which `b` scores higher.
    pub b_wins: usize,
}

/// One generator's results.
#[derive(Debug, Serialize)]
pub struct Entry {
    /// The generator's name.
    pub name: String,
    /// Its full evaluation.
    pub report: EvalReport,
}

/// Runs `gen compare` (`project` for `--real-dataset`).
pub fn run(args: &GenCompareArgs, project: &std::path::Path) -> Result<()> {
    let opts = &args.options;
    let extractor = Extractor::open(&opts.model)?.with_inception_resize(opts.resize.mode());
    let store = match opts.real_dataset.is_some() {
        true => Some(crate::commands::open(project)?),
        false => None,
    };
    let reference = load_reference(opts, store.as_ref(), &extractor)?;
    let doctor = Diagnostician::new(opts, &extractor, &reference)?;
    let mut sets = Vec::new();
    for spec in &args.fake {
        let (name, path) = parse_spec(spec);
        let set = load_set(&path, &extractor, opts.batch)?;
        if args.by_model {
            sets.extend(set.split_by_model());
        } else {
            sets.push((name, set));
        }
    }
    if sets.len() < 2 {
        bail!("compare needs at least two generated sets (repeat --fake, or --by-model with a manifest naming several models)");
    }
    let mut entries = Vec::new();
    for (name, set) in &sets {
        eprintln!("evaluating {name} ({} images)", set.features.len());
        let report = evaluate(&reference, set, &extractor, &doctor, opts)?;
        entries.push(Entry {
            name: name.clone(),
            report,
        });
    }
    let board = leaderboard(entries);
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&board)?);
    } else {
        print_board(&board);
    }
    Ok(())
}

/// `NAME=PATH`, or `PATH` named after its file or folder.
fn parse_spec(spec: &str) -> (String, PathBuf) {
    if let Some((name, path)) = spec.split_once('=') {
        if !name.is_empty() && !name.contains(['/', '\\']) {
            return (name.to_string(), PathBuf::from(path));
        }
    }
    let path = PathBuf::from(spec);
    let name = path
        .file_stem()
        .map_or(spec.to_string(), |s| s.to_string_lossy().into_owned());
    (name, path)
}

/// Orders the entries and counts per-prompt wins.
pub fn leaderboard(mut entries: Vec<Entry>) -> Leaderboard {
    let ranked_by = ["fid", "kid", "precision"]
        .into_iter()
        .find(|m| entries.iter().all(|e| metric(&e.report, m).is_some()))
        .unwrap_or("fid");
    let lower_is_better = ranked_by != "precision";
    entries.sort_by(|a, b| {
        let (x, y) = (metric(&a.report, ranked_by), metric(&b.report, ranked_by));
        let order = x.unwrap_or(f64::NAN).total_cmp(&y.unwrap_or(f64::NAN));
        if lower_is_better {
            order
        } else {
            order.reverse()
        }
    });
    let prompt_score = entries
        .first()
        .and_then(|e| e.report.diagnostics.prompt_score_name());
    let mut head_to_head = Vec::new();
    if let Some(score) = &prompt_score {
        for (i, a) in entries.iter().enumerate() {
            for b in &entries[i + 1..] {
                if let Some(h) = compare_prompts(a, b, score) {
                    head_to_head.push(h);
                }
            }
        }
    }
    Leaderboard {
        entries,
        ranked_by: format!(
            "{ranked_by} ({} is better)",
            if lower_is_better { "lower" } else { "higher" }
        ),
        prompt_score,
        head_to_head,
    }
}

fn metric(report: &EvalReport, name: &str) -> Option<f64> {
    report
        .metrics
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.value)
}

/// `a` against `b` on the prompts both answered (`None` when none).
fn compare_prompts(a: &Entry, b: &Entry, score: &str) -> Option<HeadToHead> {
    let ours = a.report.diagnostics.prompt_scores(score);
    let theirs = b.report.diagnostics.prompt_scores(score);
    let shared: Vec<(f64, f64)> = ours
        .iter()
        .filter_map(|(prompt, x)| Some((*x, *theirs.get(prompt)?)))
        .collect();
    (!shared.is_empty()).then(|| HeadToHead {
        a: a.name.clone(),
        b: b.name.clone(),
        prompts: shared.len(),
        a_wins: shared.iter().filter(|(x, y)| x > y).count(),
        b_wins: shared.iter().filter(|(x, y)| y > x).count(),
    })
}

/// Prints the leaderboard and the wins and losses.
pub fn print_board(board: &Leaderboard) {
    let names: Vec<String> = board
        .entries
        .first()
        .map(|e| e.report.metrics.iter().map(|m| m.name.clone()).collect())
        .unwrap_or_default();
    let mut header = vec!["rank", "generator", "images"];
    header.extend(names.iter().map(String::as_str));
    let mut t = table(&header);
    for (rank, e) in board.entries.iter().enumerate() {
        let mut row = vec![
            (rank + 1).to_string(),
            e.name.clone(),
            e.report.fake.count.unwrap_or(0).to_string(),
        ];
        for m in &e.report.metrics {
            let (value, interval) = format_metric(m);
            row.push(if interval == "-" {
                value
            } else {
                format!("{value}\n{interval}")
            });
        }
        t.add_row(row);
    }
    println!("Leaderboard (ranked by {}):\n{t}", board.ranked_by);
    let mut t = table(&[
        "generator",
        "near-duplicate sets",
        "memorized",
        "outliers",
        "mean diversity",
    ]);
    for e in &board.entries {
        let d = &e.report.diagnostics;
        let diversities: Vec<f64> = d.prompts.iter().filter_map(|p| p.diversity).collect();
        let mean = assay_report::format::mean4(
            (!diversities.is_empty())
                .then(|| diversities.iter().sum::<f64>() / diversities.len() as f64),
        );
        t.add_row(vec![
            e.name.clone(),
            d.near_duplicates.len().to_string(),
            d.memorized.len().to_string(),
            d.outliers.len().to_string(),
            mean,
        ]);
    }
    println!("Findings per generator:\n{t}");
    if let Some(score) = &board.prompt_score {
        if board.head_to_head.is_empty() {
            println!("No two generators share a prompt: no per-prompt comparison.");
            return;
        }
        let mut t = table(&["generator", "vs", "shared prompts", "won", "lost", "tied"]);
        for h in &board.head_to_head {
            t.add_row(vec![
                h.a.clone(),
                h.b.clone(),
                h.prompts.to_string(),
                h.a_wins.to_string(),
                h.b_wins.to_string(),
                (h.prompts - h.a_wins - h.b_wins).to_string(),
            ]);
        }
        println!("Per-prompt wins and losses (by {score}, higher is better):\n{t}");
    }
}

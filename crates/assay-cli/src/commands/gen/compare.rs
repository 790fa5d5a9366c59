//! `assay gen compare`: several generators against the same references, a
//! leaderboard with intervals, and per-prompt wins and losses.

use std::path::PathBuf;

use anyhow::Result;
use assay_app::generative::{self, leaderboard::Leaderboard};

use super::eval::{format_metric, interval_notes, print_report};
use crate::output::{print_warnings, table, Bars};

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

/// Runs `gen compare` (`project` for `--real-dataset`).
pub fn run(args: &GenCompareArgs, project: &std::path::Path) -> Result<()> {
    let opts = &args.options;
    let store = match opts.real_dataset.is_some() {
        true => Some(crate::commands::open(project)?),
        false => None,
    };
    let sets: Vec<(String, PathBuf)> = args.fake.iter().map(|s| parse_spec(s)).collect();
    let (board, warnings) = generative::compare(
        store.as_ref(),
        &sets,
        args.by_model,
        &opts.to_options(),
        &Bars::default(),
    )?;
    print_warnings(&warnings);
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&board)?);
    } else {
        print_board(&board);
    }
    Ok(())
}

/// Prints the generators of a project dataset just stored as runs: one
/// report when there is one generator, else the leaderboard.
pub fn print_stored(board: &Leaderboard, json: bool, worst: usize) -> Result<()> {
    for e in &board.entries {
        if let Some(run) = e.run_id {
            eprintln!("{}: stored as run {run}", e.name);
        }
    }
    match (board.entries.as_slice(), json) {
        ([only], true) => println!("{}", serde_json::to_string_pretty(&only.report)?),
        ([only], false) => print_report(&only.report, worst),
        (_, true) => println!("{}", serde_json::to_string_pretty(board)?),
        (_, false) => print_board(board),
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
    for note in interval_notes(board.entries.iter().flat_map(|e| &e.report.metrics)) {
        println!("{note}");
    }
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

//! `assay check`: a CI gate. Evaluates the conditions of an `assay.toml`
//! and of built-in suites, prints PASS/WARN/FAIL per condition and exits 0
//! when none failed, 1 when one did, 2 when the configuration or the
//! inputs are wrong.

use std::path::PathBuf;

use anyhow::Result;
use assay_app::check::{
    check, prepare, render, suites, CheckError, CheckReport, CheckRequest, Status,
};
use assay_store::Store;
use clap::Args;

use crate::output::table;

/// Options of `assay check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The conditions (TOML; see the README). Without it and without
    /// --suite, the default suites run.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A built-in suite to run (repeatable): data_integrity,
    /// train_test_validation, model_evaluation, generative.
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,
    /// Print the conditions of the chosen suites and do not evaluate them.
    #[arg(long)]
    pub explain: bool,
    /// Dataset (default: the checked run's, else the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// The checked run: an id or a model (its newest run). Default: the
    /// configuration's, else the newest evaluation run of the dataset.
    #[arg(long)]
    pub run: Option<String>,
    /// The baseline run for regression conditions: an id or a model.
    #[arg(long)]
    pub baseline: Option<String>,
    /// Also write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write a Markdown summary here (for a pull-request comment).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// How `assay check` ends when it does not pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckExit {
    /// Conditions failed (exit 1); their names.
    #[error("{} failed: {}", if .0.len() == 1 { "a condition" } else { "conditions" }, .0.join("; "))]
    Failed(Vec<String>),
    /// The configuration or inputs are wrong (exit 2).
    #[error("{0}")]
    Invalid(CheckError),
}

impl CheckExit {
    /// The process's exit code.
    pub fn code(&self) -> u8 {
        match self {
            CheckExit::Failed(_) => 1,
            CheckExit::Invalid(_) => 2,
        }
    }
}

/// Runs `assay check`.
pub fn run(store: &mut Store, args: &CheckArgs) -> Result<()> {
    if args.explain {
        return explain(args);
    }
    let request = CheckRequest {
        config: args.config.clone(),
        suites: args.suites.clone(),
        dataset: args.dataset.clone(),
        run: args.run.clone(),
        baseline: args.baseline.clone(),
    };
    prepare(store, &request).map_err(CheckExit::Invalid)?;
    let report = check(store, &request).map_err(CheckExit::Invalid)?;
    if let Some(path) = &args.junit {
        write(path, &render::junit(&report))?;
    }
    if let Some(path) = &args.markdown {
        write(path, &render::markdown(&report))?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print(&report);
    }
    if report.passes() {
        Ok(())
    } else {
        let failed = report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail)
            .map(|r| format!("{} ({}, {})", r.name, r.expected, r.dataset))
            .collect();
        Err(CheckExit::Failed(failed).into())
    }
}

fn write(path: &PathBuf, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

fn print(report: &CheckReport) {
    let mut t = table(&[
        "status",
        "condition",
        "expected",
        "found",
        "dataset",
        "from",
    ]);
    for r in &report.results {
        t.add_row(vec![
            r.status.as_str().to_string(),
            r.name.clone(),
            r.expected.clone(),
            r.detail.clone(),
            r.dataset.clone(),
            r.source.clone(),
        ]);
    }
    println!("{t}");
    let verdict = if report.passes() { "PASS" } else { "FAIL" };
    println!(
        "{verdict}: {} passed, {} warned, {} failed, {} skipped (datasets {}{})",
        report.passed,
        report.warned,
        report.failed,
        report.skipped,
        report.datasets.join(", "),
        report
            .run
            .as_ref()
            .map_or(String::new(), |(id, m)| format!(", run {id} {m}"))
    );
}

fn explain(args: &CheckArgs) -> Result<()> {
    let names: Vec<String> = if args.suites.is_empty() {
        suites::SUITES.iter().map(|s| s.name.to_string()).collect()
    } else {
        args.suites.clone()
    };
    for name in names {
        let suite = suites::find(&name).map_err(CheckExit::Invalid)?;
        println!("{}: {}", suite.name, suite.about);
        for line in suite.explain {
            println!("  - {line}");
        }
    }
    Ok(())
}

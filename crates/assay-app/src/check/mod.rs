//! `assay check`: conditions over what a project stores, evaluated to
//! PASS, WARN or FAIL, for a CI gate. Conditions come from an `assay.toml`
//! (see [`config`]) and from built-in suites (see [`suites`]); the result
//! is one [`CheckReport`], which the CLI prints and [`render`] writes as
//! JUnit XML and Markdown.

pub mod config;
mod evaluate;
pub mod render;
mod slice;
pub mod suites;

use std::path::PathBuf;

use assay_store::{RunInfo, Store};
use serde::{Deserialize, Serialize};

pub use evaluate::Context;

/// What a condition that does not hold is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A warning: reported, the gate still passes.
    Warn,
    /// A failure: the gate fails.
    #[default]
    Fail,
}

/// The outcome of one condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// It holds.
    Pass,
    /// It does not hold, at level warn.
    Warn,
    /// It does not hold, at level fail.
    Fail,
    /// A built-in condition with nothing to check in this project (the
    /// reason is in its detail).
    Skip,
}

impl Status {
    /// The status's name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// One condition evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionResult {
    /// Where it comes from: a suite's name, or `config`.
    pub source: String,
    /// The dataset it was checked on.
    pub dataset: String,
    /// Its name.
    pub name: String,
    /// Its kind (`metric`, `regression`, `issues`, `images_per_class`).
    pub kind: &'static str,
    /// Its level when it does not hold.
    pub level: Level,
    /// The outcome.
    pub status: Status,
    /// The measured value, where there is one.
    pub value: Option<f64>,
    /// What passes, in words (`>= 0.3`, `drop <= 0.01`).
    pub expected: String,
    /// What was found, in words.
    pub detail: String,
}

/// Everything `assay check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The datasets checked.
    pub datasets: Vec<String>,
    /// The checked run, when one dataset was checked and it has one (id
    /// and model).
    pub run: Option<(i64, String)>,
    /// The baseline run, if any.
    pub baseline: Option<(i64, String)>,
    /// Every condition, in order: the configuration's, then the suites'.
    pub results: Vec<ConditionResult>,
    /// Conditions per status.
    pub passed: usize,
    /// Conditions that warned.
    pub warned: usize,
    /// Conditions that failed.
    pub failed: usize,
    /// Conditions skipped.
    pub skipped: usize,
}

impl CheckReport {
    /// Whether the gate passes (no condition failed).
    pub fn passes(&self) -> bool {
        self.failed == 0
    }
}

/// Why the check could not be made: the configuration or the inputs are
/// wrong (the CLI exits 2).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckError {
    /// A mistake in the configuration, with where it is.
    #[error("{file}:{line}: {key}{}{message}", if key.is_empty() { "" } else { ": " })]
    Config {
        /// The configuration file.
        file: String,
        /// Its line (1-based).
        line: usize,
        /// The key concerned (empty when none).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// An input that is missing or wrong (no such run, no dataset).
    #[error("{0}")]
    Input(String),
}

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// The configuration file, if any.
    pub config: Option<PathBuf>,
    /// Built-in suites to run (besides the configuration's).
    pub suites: Vec<String>,
    /// Dataset (overrides the configuration's).
    pub dataset: Option<String>,
    /// The checked run (overrides the configuration's).
    pub run: Option<String>,
    /// The baseline run (overrides the configuration's).
    pub baseline: Option<String>,
}

/// Computes the metrics the configuration defines (`[[metric]]`) on its
/// dataset (or the only one), before [`check`]; returns their names.
pub fn prepare(store: &mut Store, request: &CheckRequest) -> Result<Vec<String>, CheckError> {
    let Some(path) = &request.config else {
        return Ok(Vec::new());
    };
    let config = config::read(path)?;
    if config.metrics.is_empty() {
        return Ok(Vec::new());
    }
    let dataset = request.dataset.clone().or(config.settings.dataset.clone());
    let dataset = crate::project::choose_dataset(store, dataset.as_deref())
        .map_err(|e| CheckError::Input(format!("{e:#}")))?;
    let mut names = Vec::new();
    for (spec, origin) in &config.metrics {
        define(store, &dataset, spec, origin)?;
        names.push(spec.name.clone());
    }
    Ok(names)
}

/// Computes one `[[metric]]` of the configuration; errors name its line.
fn define(
    store: &mut Store,
    dataset: &str,
    spec: &config::MetricSpec,
    origin: &config::Origin,
) -> Result<(), CheckError> {
    let expr_error = |e: anyhow::Error| origin.error("expr", format!("{e:#}"));
    if !spec.objects {
        if spec.run.is_some() {
            return Err(origin.error("run", "a run's outcomes need objects = true"));
        }
        crate::metrics::define_expression(store, dataset, &spec.name, &spec.expr)
            .map_err(expr_error)?;
        return Ok(());
    }
    let run = match &spec.run {
        Some(name) => {
            let runs = store
                .runs(None)
                .map_err(|e| CheckError::Input(e.to_string()))?;
            let run = crate::runs::find_run(&runs, name, Some(dataset))
                .map_err(|e| origin.error("run", e.to_string()))?;
            Some(run.id)
        }
        None => None,
    };
    crate::metrics::define_object_expression(store, dataset, &spec.name, &spec.expr, run)
        .map_err(expr_error)?;
    Ok(())
}

/// Evaluates the configuration's conditions and the suites' on `store`.
pub fn check(store: &Store, request: &CheckRequest) -> Result<CheckReport, CheckError> {
    let config = match &request.config {
        Some(path) => config::read(path)?,
        None => config::Config::default(),
    };
    let mut suite_names = config.settings.suites.clone();
    suite_names.extend(request.suites.iter().cloned());
    if request.config.is_none() && suite_names.is_empty() {
        suite_names = suites::DEFAULT.iter().map(|s| s.to_string()).collect();
    }
    let chosen: Vec<&suites::Suite> = suite_names
        .iter()
        .map(|n| suites::find(n))
        .collect::<Result<_, _>>()?;
    let pick = |cli: &Option<String>, file: &Option<String>| cli.clone().or_else(|| file.clone());
    let dataset = pick(&request.dataset, &config.settings.dataset);
    let run = pick(&request.run, &config.settings.run);
    let baseline = pick(&request.baseline, &config.settings.baseline);
    let names = match (&dataset, &run) {
        (None, None) => store
            .dataset_names()
            .map_err(|e| CheckError::Input(e.to_string()))?,
        _ => vec![String::new()],
    };
    if names.len() > 1 && !config.conditions.is_empty() {
        return Err(CheckError::Input(format!(
            "the project has several datasets ({}); choose one with --dataset or [check] dataset",
            names.join(", ")
        )));
    }
    let mut results = Vec::new();
    let mut contexts = Vec::new();
    for name in &names {
        let chosen_dataset = dataset
            .as_deref()
            .or((!name.is_empty()).then_some(name.as_str()));
        let ctx = Context::new(store, chosen_dataset, run.as_deref(), baseline.as_deref())?;
        for (spec, origin) in &config.conditions {
            results.push(ctx.evaluate("config", spec, Some(origin))?);
        }
        for suite in &chosen {
            for (spec, skip) in (suite.conditions)(&ctx) {
                let applies = skip.map_or_else(|| ctx.applies(&spec), Err);
                results.push(match applies {
                    Ok(()) => ctx.evaluate(suite.name, &spec, None)?,
                    Err(reason) => ctx.skipped(suite.name, &spec, reason),
                });
            }
        }
        contexts.push(ctx);
    }
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let named = |r: &Option<RunInfo>| r.as_ref().map(|r| (r.id, r.model.clone()));
    let (run, baseline) = match contexts.as_slice() {
        [one] => (named(&one.run), named(&one.baseline)),
        _ => (None, None),
    };
    Ok(CheckReport {
        run,
        baseline,
        datasets: contexts.iter().map(|c| c.dataset.clone()).collect(),
        passed: count(Status::Pass),
        warned: count(Status::Warn),
        failed: count(Status::Fail),
        skipped: count(Status::Skip),
        results,
    })
}

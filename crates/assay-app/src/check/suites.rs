//! Built-in suites: conditions that need no configuration, named as
//! Deepchecks names its suites (`data_integrity`, `train_test_validation`,
//! `model_evaluation`) plus `generative`. A condition the project has
//! nothing for (no quality results, no split, no run) is skipped with the
//! reason, not failed.

use super::config::ConditionSpec;
use super::{CheckError, Context, Level};

/// A built-in suite.
pub struct Suite {
    /// Its name.
    pub name: &'static str,
    /// What it checks, in one line.
    pub about: &'static str,
    /// Its conditions, in words.
    pub explain: &'static [&'static str],
    /// Its conditions for a project, each with the reason it is skipped
    /// where the project has nothing to check it on.
    pub conditions: fn(&Context) -> Vec<Planned>,
}

/// A suite's condition, or why it is skipped.
pub type Planned = (ConditionSpec, Option<String>);

/// Every built-in suite.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "data_integrity",
        about: "unreadable files, duplicates, label issues and classes with few images",
        explain: &[
            "WARN when any image is unreadable; FAIL when more than 1% are",
            "WARN when more than 5% of the images are exact duplicates, 10% near duplicates",
            "WARN when more than 5% of the images have a label issue (classification) or a mistaken class (detection)",
            "WARN when a class has fewer than 10 images",
        ],
        conditions: data_integrity,
    },
    Suite {
        name: "train_test_validation",
        about: "no image shared across splits, every class in every split, no drift between splits",
        explain: &[
            "FAIL when an image (or a near copy) is in two splits (split_leak)",
            "WARN when the embeddings find one (embedding_split_leak)",
            "WARN when a class has no image in a split",
            "WARN when a split's image metrics drift from the training split's (Evidently's dataset verdict: half the columns drift)",
        ],
        conditions: train_test_validation,
    },
    Suite {
        name: "model_evaluation",
        about: "the checked run: no class far behind the mean, no drop from the baseline",
        explain: &[
            "WARN when a class's AP (detection) or recall (classification) is below half the run's AP or accuracy",
            "FAIL when AP or accuracy dropped by more than 0.01 from the baseline (with --baseline)",
        ],
        conditions: model_evaluation,
    },
    Suite {
        name: "generative",
        about: "every generation run: no mode collapse, no memorized or repeated generations",
        explain: &[
            "WARN when recall or coverage is below 0.05 (the generator covers almost none of the real images)",
            "WARN when a generation copies a training image (memorized) or repeats another of its prompt (near-duplicate generations)",
        ],
        conditions: generative,
    },
];

/// The suites `assay check` runs with no configuration and no `--suite`.
pub const DEFAULT: &[&str] = &[
    "data_integrity",
    "train_test_validation",
    "model_evaluation",
];

/// The suite named `name`.
pub fn find(name: &str) -> Result<&'static Suite, CheckError> {
    SUITES.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = SUITES.iter().map(|s| s.name).collect();
        CheckError::Input(format!(
            "no built-in suite {name:?}; there are {}",
            names.join(", ")
        ))
    })
}

fn issues(
    issue: &str,
    max_count: Option<u64>,
    max_share: Option<f64>,
    level: Level,
) -> ConditionSpec {
    ConditionSpec::Issues {
        name: None,
        issue: issue.to_string(),
        max_count,
        max_share,
        level,
    }
}

fn checked(specs: Vec<ConditionSpec>) -> Vec<Planned> {
    specs.into_iter().map(|s| (s, None)).collect()
}

fn data_integrity(_: &Context) -> Vec<Planned> {
    checked(vec![
        issues("unreadable", Some(0), None, Level::Warn),
        issues("unreadable", None, Some(0.01), Level::Fail),
        issues("exact_duplicates", None, Some(0.05), Level::Warn),
        issues("near_duplicates", None, Some(0.10), Level::Warn),
        issues("label_issue", None, Some(0.05), Level::Warn),
        issues("mistaken_class", None, Some(0.05), Level::Warn),
        ConditionSpec::ImagesPerClass {
            name: None,
            min: 10,
            split: None,
            level: Level::Warn,
        },
    ])
}

fn train_test_validation(ctx: &Context) -> Vec<Planned> {
    let mut out = vec![
        issues("split_leak", Some(0), None, Level::Fail),
        issues("embedding_split_leak", Some(0), None, Level::Warn),
    ];
    let splits = ctx.splits();
    for split in &splits {
        out.push(ConditionSpec::ImagesPerClass {
            name: None,
            min: 1,
            split: Some(split.clone()),
            level: Level::Warn,
        });
    }
    // Every other split against the training split (else the first).
    let reference = splits
        .iter()
        .find(|s| s.as_str() == "train")
        .or(splits.first());
    if let Some(reference) = reference {
        for split in splits.iter().filter(|s| *s != reference) {
            out.push(ConditionSpec::Drift {
                name: None,
                reference: reference.clone(),
                current: split.clone(),
                max_share: None,
                column: None,
                level: Level::Warn,
            });
        }
    }
    checked(out)
}

fn model_evaluation(ctx: &Context) -> Vec<Planned> {
    let Some(run) = &ctx.run else {
        let reason = format!("no evaluated run on dataset {:?}", ctx.dataset);
        return vec![(metric("ap", None, Some(0.0), Level::Fail), Some(reason))];
    };
    let headline = if run.task == "classification" {
        "accuracy"
    } else {
        "ap"
    };
    let mut out = Vec::new();
    // No class far behind: at least half of the overall value.
    if let Some(overall) = run.metrics.iter().find(|m| m.0 == headline).map(|m| m.1) {
        let per_class = if run.task == "classification" {
            "recall"
        } else {
            "ap"
        };
        for class in ctx.classes_of_run() {
            out.push(metric(
                per_class,
                Some(class),
                Some(overall / 2.0),
                Level::Warn,
            ));
        }
    }
    if ctx.baseline.is_some() {
        out.push(ConditionSpec::Regression {
            name: None,
            metric: headline.to_string(),
            class: None,
            max_drop: Some(0.01),
            max_relative_drop: None,
            lower_is_better: false,
            significant: None,
            level: Level::Fail,
        });
    }
    if out.is_empty() {
        out.push(metric(headline, None, Some(0.0), Level::Fail));
    }
    checked(out)
}

fn generative(ctx: &Context) -> Vec<Planned> {
    let runs = ctx.generation_runs();
    if runs.is_empty() {
        let reason = "no generation run (assay gen eval)".to_string();
        return vec![(
            metric("recall", None, Some(0.05), Level::Warn),
            Some(reason),
        )];
    }
    let mut out = Vec::new();
    for run in runs {
        let bound = |name: &str, min: Option<f64>, max: Option<f64>| ConditionSpec::Metric {
            name: Some(format!("{name} of {}", run.model)),
            metric: name.to_string(),
            class: None,
            min,
            max,
            run: Some(run.id.to_string()),
            level: Level::Warn,
        };
        for spec in [
            bound("recall", Some(0.05), None),
            bound("coverage", Some(0.05), None),
            bound("memorized", None, Some(0.0)),
            bound("near_duplicate_generations", None, Some(0.0)),
        ] {
            let skip = ctx.applies(&spec).err();
            out.push((spec, skip));
        }
    }
    out
}

fn metric(name: &str, class: Option<String>, min: Option<f64>, level: Level) -> ConditionSpec {
    ConditionSpec::Metric {
        name: None,
        metric: name.to_string(),
        class,
        min,
        max: None,
        run: None,
        level,
    }
}

//! Conditions evaluated against the store: the runs, metrics, issues and
//! class counts a check reads, gathered once.

use std::collections::{BTreeMap, HashMap, HashSet};

use assay_quality::IssueType;
use assay_store::{RunInfo, Store, CLASS_LABEL_ISSUE};

use super::config::{ConditionSpec, Origin};
use super::slice::{slice_value, SliceValue};
use super::{CheckError, ConditionResult, Level, Status};
use crate::analysis::compare::compare;
use crate::analysis::drift::{drift, DriftOptions, Group};
use crate::quality::SPLIT_LEAK;
use crate::summary::{RunSummary, GENERATION};
use assay_eval::coco::{BootstrapOptions, MetricDifference};

/// Issue types assay stores besides [`IssueType::ALL`] (label checks,
/// leaks, unreadable files); `embedding_*` types are known too.
const OTHER_ISSUES: &[&str] = &[
    SPLIT_LEAK,
    CLASS_LABEL_ISSUE,
    "unreadable",
    "swapped_class",
    "badly_located",
    "overlooked_object",
    "mistaken_class",
    "mistaken_box",
    "missing_label",
];

/// What a check reads from the project, gathered once.
pub struct Context<'a> {
    store: &'a Store,
    /// The dataset checked.
    pub dataset: String,
    /// The checked run.
    pub run: Option<RunInfo>,
    /// The baseline run.
    pub baseline: Option<RunInfo>,
    all_runs: Vec<RunInfo>,
    images: usize,
    /// Images with at least one issue of a type.
    issue_images: HashMap<String, usize>,
    /// Whether quality results are stored for the dataset.
    measured: bool,
    /// Per split (`None`: all) and class name: images.
    class_images: BTreeMap<Option<String>, BTreeMap<String, usize>>,
}

impl<'a> Context<'a> {
    /// Gathers what the check reads: `dataset` (default: the checked run's,
    /// else the only one), and the runs named by id or model.
    pub fn new(
        store: &'a Store,
        dataset: Option<&str>,
        run: Option<&str>,
        baseline: Option<&str>,
    ) -> Result<Context<'a>, CheckError> {
        let input = |e: anyhow::Error| CheckError::Input(format!("{e:#}"));
        let all = store.runs(None).map_err(|e| input(e.into()))?;
        let run = run.map(|r| find_run(&all, r, dataset)).transpose()?;
        let dataset = match (dataset, &run) {
            (Some(d), _) => d.to_string(),
            (None, Some(r)) => r.dataset.clone(),
            (None, None) => crate::project::choose_dataset(store, None).map_err(input)?,
        };
        let baseline = baseline
            .map(|r| find_run(&all, r, Some(&dataset)))
            .transpose()?;
        let run = run.or_else(|| newest_evaluation(&all, &dataset));
        let summary = store.summary().map_err(|e| input(e.into()))?;
        let images = summary
            .datasets
            .iter()
            .find(|d| d.name == dataset)
            .map(|d| d.images)
            .ok_or_else(|| CheckError::Input(format!("no dataset named {dataset:?}")))?;
        let mut issue_images: HashMap<String, usize> = HashMap::new();
        for (_, kind) in store
            .sample_issue_kinds(&dataset)
            .map_err(|e| input(e.into()))?
        {
            *issue_images.entry(kind).or_default() += 1;
        }
        let measured = !store
            .sample_metric_values(&dataset)
            .map_err(|e| input(e.into()))?
            .is_empty();
        let class_images = class_images(store, &dataset).map_err(input)?;
        Ok(Context {
            store,
            dataset,
            run,
            baseline,
            all_runs: all,
            images,
            issue_images,
            measured,
            class_images,
        })
    }

    /// Why a built-in condition cannot be checked in this project, if so.
    pub fn applies(&self, spec: &ConditionSpec) -> Result<(), String> {
        match spec {
            ConditionSpec::Metric {
                metric, class, run, ..
            } => {
                let run = self.run_or_checked(run.as_deref())?;
                self.metric_of(&run, metric, class.as_deref())
                    .map(|_| ())
                    .map_err(|e| e.1)
            }
            ConditionSpec::Regression { metric, class, .. } => {
                let run = self.run.as_ref().ok_or("no evaluated run")?;
                let base = self
                    .baseline
                    .as_ref()
                    .ok_or("no baseline run (--baseline)")?;
                self.metric_of(run, metric, class.as_deref())
                    .map_err(|e| e.1)?;
                self.metric_of(base, metric, class.as_deref())
                    .map(|_| ())
                    .map_err(|e| e.1)
            }
            ConditionSpec::Issues { .. } if !self.measured => Err(format!(
                "no quality results for {} (run `assay quality`)",
                self.dataset
            )),
            ConditionSpec::Issues { .. } => Ok(()),
            ConditionSpec::Drift { .. } if !self.measured => Err(format!(
                "no quality results for {} (run `assay quality`)",
                self.dataset
            )),
            ConditionSpec::Drift { .. } => Ok(()),
            ConditionSpec::ImageMetric { .. } => Ok(()),
            ConditionSpec::Slice { run, .. } => self.run_or_checked(run.as_deref()).map(|_| ()),
            ConditionSpec::ImagesPerClass { split, .. } => match self.class_images.get(split) {
                Some(c) if !c.is_empty() => Ok(()),
                _ => Err("no labelled images".to_string()),
            },
        }
    }

    /// A built-in condition that does not apply, as skipped.
    pub fn skipped(&self, source: &str, spec: &ConditionSpec, reason: String) -> ConditionResult {
        let (name, kind, level, expected) = describe(spec);
        ConditionResult {
            source: source.to_string(),
            dataset: self.dataset.clone(),
            name,
            kind,
            level,
            status: Status::Skip,
            value: None,
            expected,
            detail: reason,
        }
    }

    /// Evaluates one condition; errors name `origin`'s line and key.
    pub fn evaluate(
        &self,
        source: &str,
        spec: &ConditionSpec,
        origin: Option<&Origin>,
    ) -> Result<ConditionResult, CheckError> {
        let fail = |key: &str, message: String| match origin {
            Some(o) => o.error(key, message),
            None => CheckError::Input(message),
        };
        let (name, kind, level, expected) = describe(spec);
        let (holds, value, detail) = match spec {
            ConditionSpec::Metric {
                metric,
                class,
                min,
                max,
                run,
                ..
            } => {
                if min.is_none() && max.is_none() {
                    return Err(fail("kind", "a metric condition needs min or max".into()));
                }
                let run = self
                    .run_or_checked(run.as_deref())
                    .map_err(|m| fail(if run.is_some() { "run" } else { "kind" }, m))?;
                let v = self
                    .metric_of(&run, metric, class.as_deref())
                    .map_err(|(key, m)| fail(key, m))?;
                let holds = min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
                (
                    holds,
                    Some(v),
                    format!("{metric} = {v:.4} (run {} {})", run.id, run.model),
                )
            }
            ConditionSpec::Regression {
                metric,
                class,
                max_drop,
                max_relative_drop,
                lower_is_better,
                significant,
                ..
            } => {
                if max_drop.is_none() && max_relative_drop.is_none() && significant.is_none() {
                    return Err(fail(
                        "kind",
                        "a regression condition needs max_drop, max_relative_drop or significant"
                            .into(),
                    ));
                }
                if significant.is_some_and(|a| !(a > 0.0 && a < 1.0)) {
                    return Err(fail(
                        "significant",
                        "must be a level in (0, 1), e.g. 0.05".into(),
                    ));
                }
                let run = self.checked_run().map_err(|m| fail("kind", m))?;
                let base = self.baseline.as_ref().ok_or_else(|| {
                    fail(
                        "kind",
                        "a regression condition needs a baseline: [check] baseline or --baseline"
                            .into(),
                    )
                })?;
                let of = |r: &RunInfo| {
                    self.metric_of(r, metric, class.as_deref())
                        .map_err(|(key, m)| fail(key, m))
                };
                let (v, b) = (of(run)?, of(base)?);
                let drop = if *lower_is_better { v - b } else { b - v };
                let relative = drop / b.abs();
                let within = max_drop.is_none_or(|m| drop <= m)
                    && max_relative_drop.is_none_or(|m| drop <= 0.0 || relative <= m);
                let mut detail = format!(
                    "{metric}: {b:.4} (run {} {}) -> {v:.4} (run {} {}), drop {drop:+.4} ({:+.1}%)",
                    base.id,
                    base.model,
                    run.id,
                    run.model,
                    100.0 * relative
                );
                let holds = match significant {
                    None => within,
                    Some(alpha) => {
                        let bounded = max_drop.is_some() || max_relative_drop.is_some();
                        let d = self
                            .paired(base, run, metric, class.as_deref())
                            .map_err(|(key, m)| fail(key, m))?;
                        let p = d.p_value.unwrap_or(1.0);
                        detail += &format!(
                            "; paired bootstrap: difference {:+.4} [{}, {}], p {p:.3}",
                            d.difference,
                            d.low.map_or("-".into(), |v| format!("{v:+.4}")),
                            d.high.map_or("-".into(), |v| format!("{v:+.4}"))
                        );
                        let worse = drop > 0.0 && p < *alpha;
                        !(worse && (!bounded || !within))
                    }
                };
                (holds, Some(drop), detail)
            }
            ConditionSpec::Issues {
                issue,
                max_count,
                max_share,
                ..
            } => {
                if max_count.is_none() && max_share.is_none() {
                    return Err(fail(
                        "kind",
                        "an issues condition needs max_count or max_share".into(),
                    ));
                }
                self.known_issue(issue).map_err(|m| fail("issue", m))?;
                if !self.measured {
                    return Err(fail(
                        "issue",
                        format!(
                            "no quality results for dataset {:?}: run `assay quality` first",
                            self.dataset
                        ),
                    ));
                }
                let n = self.issue_images.get(issue).copied().unwrap_or(0);
                let share = n as f64 / self.images.max(1) as f64;
                let holds =
                    max_count.is_none_or(|m| n as u64 <= m) && max_share.is_none_or(|m| share <= m);
                let detail = format!(
                    "{n} of {} images ({:.1}%) have {issue}",
                    self.images,
                    100.0 * share
                );
                (holds, Some(n as f64), detail)
            }
            ConditionSpec::Drift {
                reference,
                current,
                max_share,
                column,
                ..
            } => {
                let group = |spec: &str| Group::parse(spec, &self.dataset);
                let report = drift(
                    self.store,
                    &group(reference),
                    &group(current),
                    &DriftOptions::default(),
                )
                .map_err(|e| fail("reference", format!("{e:#}")))?;
                let images = &report.images;
                match column {
                    Some(name) => {
                        let c = images
                            .columns
                            .iter()
                            .find(|c| &c.column == name)
                            .ok_or_else(|| {
                                fail("column", format!("no image column {name:?} to compare"))
                            })?;
                        let detail = format!(
                            "{name}: {} score {:.4} (threshold {}), {}",
                            c.method.name(),
                            c.score,
                            c.threshold,
                            if c.drifted { "drifted" } else { "no drift" }
                        );
                        (!c.drifted, Some(c.score), detail)
                    }
                    None => {
                        let holds = match max_share {
                            Some(m) => images.share_drifted <= *m,
                            None => !images.drifted,
                        };
                        let detail = format!(
                            "{} of {} image columns drifted ({:.0}%) from {} to {}",
                            images.n_drifted,
                            images.columns.len(),
                            100.0 * images.share_drifted,
                            report.reference.group,
                            report.current.group
                        );
                        (holds, Some(images.share_drifted), detail)
                    }
                }
            }
            ConditionSpec::ImageMetric {
                metric,
                statistic,
                split,
                min,
                max,
                ..
            } => {
                if min.is_none() && max.is_none() {
                    return Err(fail(
                        "kind",
                        "an image_metric condition needs min or max".into(),
                    ));
                }
                let mut values = self
                    .image_metric(metric, split.as_deref())
                    .map_err(|(key, m)| fail(key, m))?;
                let n = values.len();
                let v = statistic.of(&mut values).ok_or_else(|| {
                    fail(
                        "metric",
                        format!(
                            "no image of dataset {:?} has a value of {metric:?}",
                            self.dataset
                        ),
                    )
                })?;
                let holds = min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
                let detail = format!("{} {metric} = {v:.4} over {n} images", statistic.name());
                (holds, Some(v), detail)
            }
            ConditionSpec::Slice {
                predicates,
                metric,
                min,
                max,
                run,
                ..
            } => {
                if min.is_none() && max.is_none() {
                    return Err(fail("kind", "a slice condition needs min or max".into()));
                }
                let run = self
                    .run_or_checked(run.as_deref())
                    .map_err(|m| fail(if run.is_some() { "run" } else { "kind" }, m))?;
                match slice_value(self.store, &run, predicates, metric)
                    .map_err(|(key, m)| fail(key, m))?
                {
                    SliceValue::Value(v, detail) => {
                        let holds = min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
                        (holds, Some(v), detail)
                    }
                    SliceValue::Empty(reason) => return Ok(self.skipped(source, spec, reason)),
                }
            }
            ConditionSpec::ImagesPerClass { min, split, .. } => {
                let counts = self.class_images.get(split).ok_or_else(|| {
                    fail(
                        "split",
                        format!("dataset {:?} has no split {split:?}", self.dataset),
                    )
                })?;
                let short: Vec<String> = counts
                    .iter()
                    .filter(|(_, &n)| (n as u64) < *min)
                    .map(|(c, n)| format!("{c} ({n})"))
                    .collect();
                let fewest = counts.values().min().copied().unwrap_or(0);
                let detail = if short.is_empty() {
                    format!("every class has at least {fewest} images")
                } else {
                    format!("too few images: {}", short.join(", "))
                };
                (short.is_empty(), Some(fewest as f64), detail)
            }
        };
        Ok(ConditionResult {
            source: source.to_string(),
            dataset: self.dataset.clone(),
            name,
            kind,
            level,
            status: match (holds, level) {
                (true, _) => Status::Pass,
                (false, Level::Warn) => Status::Warn,
                (false, Level::Fail) => Status::Fail,
            },
            value,
            expected,
            detail,
        })
    }

    /// What a generation run's diagnostics count, as metrics:
    /// `memorized` (generations copying a training image),
    /// `near_duplicate_generations` (images in sets of near-duplicates of
    /// one prompt), `outliers` (generations far from every real image) and
    /// `clip_score` (mean CLIPScore), where computed.
    fn generation_quantities(&self, run: &RunInfo) -> Vec<(String, f64)> {
        if run.task != GENERATION {
            return Vec::new();
        }
        let Ok(tables) = self.store.run_tables(run.id) else {
            return Vec::new();
        };
        let summary = RunSummary::parse(&run.task, &tables.summary);
        let Some(report) = summary.generation() else {
            return Vec::new();
        };
        let d = &report.diagnostics;
        let mut out = Vec::new();
        if d.computed {
            out.push(("memorized".to_string(), d.memorized.len() as f64));
            let dups: usize = d.near_duplicates.iter().map(Vec::len).sum();
            out.push(("near_duplicate_generations".to_string(), dups as f64));
            out.push(("outliers".to_string(), d.outliers.len() as f64));
        }
        if let Some(c) = &d.clip_score {
            out.push(("clip_score".to_string(), c.mean));
        }
        out
    }

    /// The paired bootstrap's difference of `metric` (of `class`) from
    /// `base` to `run`; an error names the key at fault.
    fn paired(
        &self,
        base: &RunInfo,
        run: &RunInfo,
        metric: &str,
        class: Option<&str>,
    ) -> Result<MetricDifference, (&'static str, String)> {
        let result = compare(self.store, base.id, run.id, &BootstrapOptions::default())
            .map_err(|e| ("significant", format!("{e:#}")))?;
        let category = match class {
            None => None,
            Some(name) => Some(
                result
                    .classes
                    .iter()
                    .find(|(_, n)| n == name)
                    .map(|c| c.0)
                    .ok_or(("class", format!("the runs have no class {name:?}")))?,
            ),
        };
        let found = result
            .bootstrap
            .metrics
            .into_iter()
            .find(|m| m.class == category && m.name.eq_ignore_ascii_case(metric));
        found.ok_or_else(|| {
            let what = if class.is_some() {
                "per class only AP"
            } else {
                "AP, AP50, AP75, AP_small, ..., AR@100"
            };
            (
                "metric",
                format!("the paired bootstrap has no {metric:?} here ({what})"),
            )
        })
    }

    /// The values of an image metric over the dataset (or one split); an
    /// error names the key at fault.
    fn image_metric(
        &self,
        metric: &str,
        split: Option<&str>,
    ) -> Result<Vec<f64>, (&'static str, String)> {
        let store_error = |e: assay_store::StoreError| ("metric", e.to_string());
        let rows = self.store.sample_rows(&self.dataset).map_err(store_error)?;
        let in_split: HashSet<i64> = rows
            .iter()
            .filter(|r| split.is_none_or(|s| r.split.as_deref() == Some(s)))
            .map(|r| r.id)
            .collect();
        if in_split.is_empty() {
            return Err((
                "split",
                format!("dataset {:?} has no split {split:?}", self.dataset),
            ));
        }
        let all = self
            .store
            .sample_metric_values(&self.dataset)
            .map_err(store_error)?;
        if !all.iter().any(|(_, n, _)| n == metric) {
            return Err((
                "metric",
                format!(
                    "{metric:?} is no image metric of dataset {:?} (assay quality, assay metrics)",
                    self.dataset
                ),
            ));
        }
        Ok(all
            .into_iter()
            .filter(|(s, n, v)| n == metric && in_split.contains(s) && v.is_finite())
            .map(|(_, _, v)| v)
            .collect())
    }

    /// The splits of the dataset that have labelled images.
    pub fn splits(&self) -> Vec<String> {
        self.class_images.keys().flatten().cloned().collect()
    }

    /// The classes the checked run has per-class metrics for.
    pub fn classes_of_run(&self) -> Vec<String> {
        let Some(run) = &self.run else {
            return Vec::new();
        };
        let Ok(tables) = self.store.run_tables(run.id) else {
            return Vec::new();
        };
        let mut classes: Vec<String> = Vec::new();
        for m in tables.class_metrics {
            if !classes.contains(&m.class) {
                classes.push(m.class);
            }
        }
        classes
    }

    /// The generation runs on the dataset (else in the project), newest
    /// first, one per model.
    pub fn generation_runs(&self) -> Vec<&RunInfo> {
        let generation: Vec<&RunInfo> = self
            .all_runs
            .iter()
            .filter(|r| r.task == GENERATION)
            .collect();
        let on_dataset: Vec<&RunInfo> = generation
            .iter()
            .copied()
            .filter(|r| r.dataset == self.dataset)
            .collect();
        let chosen = if on_dataset.is_empty() {
            generation
        } else {
            on_dataset
        };
        let mut seen = HashSet::new();
        chosen
            .into_iter()
            .filter(|r| seen.insert(r.model.clone()))
            .collect()
    }

    /// The run named by id or model, else the checked run.
    fn run_or_checked(&self, name: Option<&str>) -> Result<RunInfo, String> {
        match name {
            Some(r) => find_run(&self.all_runs, r, Some(&self.dataset)).map_err(|e| e.to_string()),
            None => self.checked_run().cloned(),
        }
    }

    fn checked_run(&self) -> Result<&RunInfo, String> {
        self.run.as_ref().ok_or_else(|| {
            format!(
                "no run to check on dataset {:?}: evaluate one, or name it with [check] run or --run",
                self.dataset
            )
        })
    }

    /// A run's metric, overall or of one class; an error names the key at
    /// fault (`metric` or `class`).
    fn metric_of(
        &self,
        run: &RunInfo,
        metric: &str,
        class: Option<&str>,
    ) -> Result<f64, (&'static str, String)> {
        let Some(class) = class else {
            let derived = self.generation_quantities(run);
            return run
                .metrics
                .iter()
                .chain(&derived)
                .find(|(n, _)| n == metric)
                .map(|m| m.1)
                .ok_or_else(|| {
                    let names: Vec<&str> = run
                        .metrics
                        .iter()
                        .chain(&derived)
                        .map(|m| m.0.as_str())
                        .collect();
                    let message = format!(
                        "run {} ({}) has no metric {metric:?}; it has {}",
                        run.id,
                        run.model,
                        names.join(", ")
                    );
                    ("metric", message)
                });
        };
        let tables = self
            .store
            .run_tables(run.id)
            .map_err(|e| ("class", e.to_string()))?;
        let of_class: Vec<_> = tables
            .class_metrics
            .iter()
            .filter(|m| m.class == class)
            .collect();
        if of_class.is_empty() {
            let mut classes: Vec<&str> = tables
                .class_metrics
                .iter()
                .map(|m| m.class.as_str())
                .collect();
            classes.dedup();
            let message = format!(
                "run {} ({}) has no class {class:?}; it has {}",
                run.id,
                run.model,
                classes.join(", ")
            );
            return Err(("class", message));
        }
        of_class
            .iter()
            .find(|m| m.name == metric)
            .map(|m| m.value)
            .ok_or_else(|| {
                let names: Vec<&str> = of_class.iter().map(|m| m.name.as_str()).collect();
                let message = format!(
                    "run {} ({}) has no per-class metric {metric:?}; it has {}",
                    run.id,
                    run.model,
                    names.join(", ")
                );
                ("metric", message)
            })
    }

    fn known_issue(&self, issue: &str) -> Result<(), String> {
        let known = self.issue_images.contains_key(issue)
            || IssueType::ALL.iter().any(|t| t.name() == issue)
            || OTHER_ISSUES.contains(&issue)
            || issue.starts_with("embedding_");
        if known {
            return Ok(());
        }
        let mut names: Vec<&str> = IssueType::ALL.iter().map(|t| t.name()).collect();
        names.extend(OTHER_ISSUES);
        Err(format!(
            "unknown issue type {issue:?}; known types: {}",
            names.join(", ")
        ))
    }
}

/// [`crate::runs::find_run`], its error an input error.
fn find_run(runs: &[RunInfo], name: &str, dataset: Option<&str>) -> Result<RunInfo, CheckError> {
    crate::runs::find_run(runs, name, dataset).map_err(|e| CheckError::Input(e.to_string()))
}

/// The newest detection or classification run on `dataset`.
fn newest_evaluation(runs: &[RunInfo], dataset: &str) -> Option<RunInfo> {
    runs.iter()
        .find(|r| r.dataset == dataset && (r.task == "detection" || r.task == "classification"))
        .cloned()
}

/// Images per class name, over the dataset (`None`) and per split.
fn class_images(
    store: &Store,
    dataset: &str,
) -> anyhow::Result<BTreeMap<Option<String>, BTreeMap<String, usize>>> {
    let names: HashMap<i64, String> = store.class_names(dataset)?.into_iter().collect();
    let split: HashMap<i64, Option<String>> = store
        .sample_rows(dataset)?
        .into_iter()
        .map(|s| (s.id, s.split))
        .collect();
    let mut out: BTreeMap<Option<String>, BTreeMap<String, usize>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for (sample, class) in store.sample_classes(dataset)? {
        if !seen.insert((sample, class)) {
            continue;
        }
        let name = names
            .get(&class)
            .cloned()
            .unwrap_or_else(|| class.to_string());
        *out.entry(None)
            .or_default()
            .entry(name.clone())
            .or_default() += 1;
        if let Some(Some(s)) = split.get(&sample) {
            *out.entry(Some(s.clone()))
                .or_default()
                .entry(name)
                .or_default() += 1;
        }
    }
    Ok(out)
}

/// A condition's shown name, kind, level and what passes.
fn describe(spec: &ConditionSpec) -> (String, &'static str, Level, String) {
    let bounds = |min: &Option<f64>, max: &Option<f64>| match (min, max) {
        (Some(a), Some(b)) => format!("between {} and {}", num(*a), num(*b)),
        (Some(a), None) => format!(">= {}", num(*a)),
        (None, Some(b)) => format!("<= {}", num(*b)),
        (None, None) => String::new(),
    };
    let of_class =
        |class: &Option<String>| class.as_ref().map_or(String::new(), |c| format!(" of {c}"));
    let (name, subject, kind, level, expected) = match spec {
        ConditionSpec::Metric {
            name,
            metric,
            class,
            min,
            max,
            level,
            ..
        } => (
            name,
            format!("{metric}{}", of_class(class)),
            "metric",
            *level,
            bounds(min, max),
        ),
        ConditionSpec::Regression {
            name,
            metric,
            class,
            max_drop,
            max_relative_drop,
            significant,
            level,
            ..
        } => {
            let mut limits = Vec::new();
            if let Some(d) = max_drop {
                limits.push(format!("drop <= {}", num(*d)));
            }
            if let Some(r) = max_relative_drop {
                limits.push(format!("drop <= {}%", num(100.0 * r)));
            }
            if let Some(alpha) = significant {
                limits.push(format!("or not significant at {}", num(*alpha)));
            }
            (
                name,
                format!("{metric}{} against the baseline", of_class(class)),
                "regression",
                *level,
                limits.join(", "),
            )
        }
        ConditionSpec::Issues {
            name,
            issue,
            max_count,
            max_share,
            level,
        } => {
            let mut limits = Vec::new();
            if let Some(n) = max_count {
                limits.push(format!("<= {n} images"));
            }
            if let Some(s) = max_share {
                limits.push(format!("<= {}% of images", num(100.0 * s)));
            }
            (
                name,
                format!("images with {issue}"),
                "issues",
                *level,
                limits.join(", "),
            )
        }
        ConditionSpec::Drift {
            name,
            reference,
            current,
            max_share,
            column,
            level,
        } => (
            name,
            format!(
                "drift{} from {reference} to {current}",
                column
                    .as_ref()
                    .map_or(String::new(), |c| format!(" of {c}"))
            ),
            "drift",
            *level,
            match (column, max_share) {
                (Some(_), _) => "no drift".to_string(),
                (None, Some(m)) => format!("<= {}% of image columns drift", num(100.0 * m)),
                (None, None) => "no dataset drift (Evidently's verdict)".to_string(),
            },
        ),
        ConditionSpec::ImageMetric {
            name,
            metric,
            statistic,
            split,
            min,
            max,
            level,
        } => (
            name,
            format!(
                "{} {metric}{}",
                statistic.name(),
                split.as_ref().map_or(String::new(), |s| format!(" in {s}"))
            ),
            "image_metric",
            *level,
            bounds(min, max),
        ),
        ConditionSpec::Slice {
            name,
            predicates,
            metric,
            min,
            max,
            level,
            ..
        } => (
            name,
            format!("{metric} where {}", predicates.join(" and ")),
            "slice",
            *level,
            bounds(min, max),
        ),
        ConditionSpec::ImagesPerClass {
            name,
            min,
            split,
            level,
        } => (
            name,
            format!(
                "images per class{}",
                split.as_ref().map_or(String::new(), |s| format!(" in {s}"))
            ),
            "images_per_class",
            *level,
            format!(">= {min}"),
        ),
    };
    (name.clone().unwrap_or(subject), kind, level, expected)
}

/// A threshold as written: at most four decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

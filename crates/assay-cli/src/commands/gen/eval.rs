//! `assay gen eval`: one generated set against the reference.

use std::path::Path;

use anyhow::{bail, Result};
use assay_embed::Extractor;
use assay_gen::bootstrap::BootstrapOptions;
use assay_gen::kid::KidOptions;
use assay_report::format;
use assay_store::Store;
use serde::Serialize;

use super::compare::Leaderboard;
use super::diagnostics::{diagnose, Diagnostician, Diagnostics};
use super::inputs::{load_reference, load_set, FeatureSet, Reference, Unreadable};
use super::metrics::{distribution_metrics, MetricOptions, MetricValue};
use crate::cli::{GenEvalArgs, GenMetric, GenOptions};
use crate::output::table;

/// Everything `gen eval` reports about one generated set.
#[derive(Debug, Serialize)]
pub struct EvalReport {
    /// The extractor the features came from.
    pub extractor: ExtractorInfo,
    /// The reference side.
    pub real: SetInfo,
    /// The generated side.
    pub fake: SetInfo,
    /// The distribution metrics (and CLIPScore), with intervals.
    pub metrics: Vec<MetricValue>,
    /// Why a number may mislead (small samples, incomparable extractor).
    pub warnings: Vec<String>,
    /// Per-prompt and per-sample findings.
    pub diagnostics: Diagnostics,
}

/// Which extractor made the features.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractorInfo {
    /// Its name.
    pub name: String,
    /// `builtin`, `inception`, `clip`, `dinov2`.
    pub kind: String,
    /// Whether numbers are comparable with published ones.
    pub comparable: bool,
}

/// A side's source and counts.
#[derive(Debug, Clone, Serialize)]
pub struct SetInfo {
    /// The path as given.
    pub source: String,
    /// Samples with features.
    pub count: Option<usize>,
    /// Images left out.
    pub unreadable: Vec<Unreadable>,
}

impl SetInfo {
    fn of_set(set: &FeatureSet) -> SetInfo {
        SetInfo {
            source: set.source.clone(),
            count: Some(set.features.len()),
            unreadable: set.unreadable.clone(),
        }
    }

    fn of_reference(reference: &Reference) -> SetInfo {
        match reference {
            Reference::Set(set) => SetInfo::of_set(set),
            Reference::Stats { source, stats } => SetInfo {
                source: source.clone(),
                count: stats.count,
                unreadable: Vec::new(),
            },
        }
    }
}

/// Where the features came from: the extractor, or, when both sides were
/// read from files, "precomputed features" (assay cannot tell which model
/// made them).
fn features_info(reference: &Reference, fake: &FeatureSet, extractor: &Extractor) -> ExtractorInfo {
    if fake.precomputed && reference.precomputed() {
        return ExtractorInfo {
            name: "precomputed features".into(),
            kind: "precomputed".into(),
            comparable: false,
        };
    }
    ExtractorInfo {
        name: extractor.name.clone(),
        kind: extractor.kind.to_string(),
        comparable: extractor.comparable,
    }
}

/// What the reader should know about the features' origin, if anything.
fn features_note(
    reference: &Reference,
    fake: &FeatureSet,
    extractor: &Extractor,
) -> Option<String> {
    match (reference.precomputed(), fake.precomputed) {
        (true, true) => Some(
            "precomputed features: assay cannot tell which model made them; the numbers are \
             comparable with published FID/KID only if both sets came from the FID Inception's \
             2048-d pool features"
                .into(),
        ),
        (true, false) | (false, true) => Some(format!(
            "one side's features were read from a file and the other's computed with the {} \
             extractor: the numbers mean something only if both came from the same model",
            extractor.name
        )),
        (false, false) if !extractor.comparable => Some(format!(
            "features from the {} extractor: numbers are comparable only with other runs of \
             assay's built-in extractor, not with published FID/KID (give --model the FID Inception)",
            extractor.name
        )),
        (false, false) => None,
    }
}

/// Runs `gen eval`: files given on the command line, or a generated
/// dataset of the project at `project` (stored as runs).
pub fn run(args: &GenEvalArgs, project: &Path) -> Result<()> {
    let needs_store = args.dataset.is_some() || args.options.real_dataset.is_some();
    let mut store = match needs_store {
        true => Some(crate::commands::open(project)?),
        false => None,
    };
    run_with(args, store.as_mut()).map(|_| ())
}

/// [`run`] with the project's store already open (when one is needed);
/// returns the leaderboard of a project dataset's generators.
pub fn run_with(args: &GenEvalArgs, store: Option<&mut Store>) -> Result<Option<Leaderboard>> {
    let opts = &args.options;
    let extractor = Extractor::open(&opts.model)?.with_inception_resize(opts.resize.mode());
    let reference = load_reference(opts, store.as_deref(), &extractor)?;
    let doctor = Diagnostician::new(opts, &extractor, &reference)?;
    let Some(fake) = &args.fake else {
        let (Some(store), Some(dataset)) = (store, &args.dataset) else {
            bail!("give the generated images with --fake, or a project dataset with --dataset");
        };
        let board = super::project::evaluate_dataset(
            store, dataset, &reference, &extractor, &doctor, opts,
        )?;
        return Ok(Some(board));
    };
    let fake = load_set(fake, &extractor, opts.batch)?;
    let report = evaluate(&reference, &fake, &extractor, &doctor, opts)?;
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, opts.worst);
    }
    Ok(None)
}

/// The metrics `opts` asks for, or the defaults for this extractor and
/// reference (saved statistics allow FID only).
fn chosen_metrics(
    opts: &GenOptions,
    extractor: &Extractor,
    reference: &Reference,
    clip: bool,
) -> Vec<GenMetric> {
    if let Some(list) = &opts.metrics {
        return list.clone();
    }
    let mut list = match reference {
        Reference::Set(_) => vec![GenMetric::Fid, GenMetric::Kid, GenMetric::Prdc],
        Reference::Stats { .. } => vec![GenMetric::Fid],
    };
    if extractor.has_class_logits() {
        list.push(GenMetric::Is);
    }
    if clip {
        list.push(GenMetric::Clip);
    }
    list
}

/// Evaluates `fake` against `reference`.
pub fn evaluate(
    reference: &Reference,
    fake: &FeatureSet,
    extractor: &Extractor,
    doctor: &Diagnostician,
    opts: &GenOptions,
) -> Result<EvalReport> {
    let metric_opts = MetricOptions {
        metrics: chosen_metrics(opts, extractor, reference, doctor.can_score_prompts(fake)),
        bootstrap: BootstrapOptions {
            replicates: opts.bootstrap,
            seed: opts.seed,
            ..BootstrapOptions::default()
        },
        kid: KidOptions {
            subsets: opts.kid_subsets,
            subset_size: opts.kid_subset_size,
            ..KidOptions::default()
        },
    };
    let (mut metrics, mut warnings) = distribution_metrics(reference, fake, &metric_opts)?;
    let info = features_info(reference, fake, extractor);
    if let Some(note) = features_note(reference, fake, extractor) {
        warnings.insert(0, note);
    }
    let diagnostics = diagnose(doctor, fake, metric_opts.metrics.contains(&GenMetric::Clip))?;
    metrics.extend(diagnostics.clip_score_metric());
    warnings.extend(diagnostics.warnings.iter().cloned());
    Ok(EvalReport {
        extractor: info,
        real: SetInfo::of_reference(reference),
        fake: SetInfo::of_set(fake),
        metrics,
        warnings,
        diagnostics,
    })
}

/// Formats a value with its spread and interval.
pub fn format_metric(m: &MetricValue) -> (String, String) {
    let value = format::gen_value(m.value, m.std);
    let interval = m.interval.as_ref().map_or("-".into(), |i| {
        format::gen_interval(i.low, i.high, i.confidence, i.replicates)
    });
    (value, interval)
}

/// Prints one generated set's evaluation.
pub fn print_report(report: &EvalReport, worst: usize) {
    println!(
        "Generated: {} ({} images) vs real: {} ({})",
        report.fake.source,
        report.fake.count.unwrap_or(0),
        report.real.source,
        report
            .real
            .count
            .map_or("statistics".to_string(), |n| format!("{n} images"))
    );
    if report.extractor.kind == "precomputed" {
        println!("Features: precomputed, read from files");
    } else {
        println!(
            "Extractor: {} ({})",
            report.extractor.name, report.extractor.kind
        );
    }
    let mut t = table(&["metric", "value", "bootstrap interval"]);
    for m in &report.metrics {
        let (value, interval) = format_metric(m);
        t.add_row(vec![m.name.clone(), value, interval]);
    }
    println!("{t}");
    for side in [&report.real, &report.fake] {
        for bad in &side.unreadable {
            println!("unreadable: {} ({})", bad.file, bad.reason);
        }
    }
    report.diagnostics.print(worst);
    for w in &report.warnings {
        println!("warning: {w}");
    }
}

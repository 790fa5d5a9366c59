//! One generated set against the reference: the distribution metrics with
//! their intervals, the warnings, and the per-prompt and per-sample
//! findings, as an [`EvalReport`] (the stored summary of a generation run).

use anyhow::Result;
use assay_embed::Extractor;
use assay_gen::interval::IntervalOptions;
use assay_gen::kid::KidOptions;
use serde::{Deserialize, Serialize};

use super::diagnostics::{diagnose, Diagnostician};
use super::inputs::{FeatureSet, Reference};
use super::metrics::{distribution_metrics, MetricOptions};
pub use super::results::{EvalReport, ExtractorInfo, GenMetric, SetInfo};
use super::workflow::GenerativeOptions;

/// How images reach the FID Inception (mirrors
/// `assay_embed::inception::InceptionResize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum FidResize {
    /// Resized inside the network, bilinear (pytorch-fid, torch-fidelity).
    PytorchFid,
    /// PIL bicubic on float pixels to 299 x 299 first (clean-fid "clean").
    Clean,
}

impl FidResize {
    /// The extractor's setting.
    pub fn mode(self) -> assay_embed::inception::InceptionResize {
        match self {
            FidResize::PytorchFid => assay_embed::inception::InceptionResize::PytorchFid,
            FidResize::Clean => assay_embed::inception::InceptionResize::Clean,
        }
    }
}

/// The CLIPScore variant (mirrors `assay_gen::clip_score::ClipScoreKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ClipScoreArg {
    /// 2.5 x max(cos, 0) per image (Hessel et al. 2021, the CLIPScore paper).
    Hessel,
    /// 100 x cos per image, the mean clipped at 0 (torchmetrics).
    Torchmetrics,
}

impl ClipScoreArg {
    /// The library's variant.
    pub fn kind(self) -> assay_gen::clip_score::ClipScoreKind {
        match self {
            ClipScoreArg::Hessel => assay_gen::clip_score::ClipScoreKind::Hessel,
            ClipScoreArg::Torchmetrics => assay_gen::clip_score::ClipScoreKind::Torchmetrics,
        }
    }
}

/// The generated or reference side's description.
mod set_info {
    use super::*;

    /// A set read from files.
    pub fn of_set(set: &FeatureSet) -> SetInfo {
        SetInfo {
            source: set.source.clone(),
            count: Some(set.features.len()),
            unreadable: set.unreadable.clone(),
        }
    }

    /// The reference: a set, or saved statistics.
    pub fn of_reference(reference: &Reference) -> SetInfo {
        match reference {
            Reference::Set(set) => of_set(set),
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

/// The metrics `opts` asks for, or the defaults for this extractor and
/// reference (saved statistics allow FID only).
fn chosen_metrics(
    opts: &GenerativeOptions,
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
    opts: &GenerativeOptions,
) -> Result<EvalReport> {
    let metric_opts = MetricOptions {
        metrics: chosen_metrics(opts, extractor, reference, doctor.can_score_prompts(fake)),
        interval: IntervalOptions {
            draws: opts.interval_draws,
            seed: opts.seed,
            ..IntervalOptions::default()
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
        real: set_info::of_reference(reference),
        fake: set_info::of_set(fake),
        metrics,
        warnings,
        diagnostics,
    })
}

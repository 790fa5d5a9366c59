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

use crate::output::table;

use clap::{ArgGroup, Args, ValueEnum};
use std::path::PathBuf;

/// A metric `assay gen eval` can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenMetric {
    /// Fréchet distance (FID with the Inception, FD-DINOv2 with DINOv2).
    Fid,
    /// Kernel Inception Distance (torch-fidelity's).
    Kid,
    /// Inception Score (needs the FID Inception's logits).
    Is,
    /// Precision and recall (k = 3), density and coverage (k = 5).
    Prdc,
    /// CLIPScore of each image against its prompt (needs a CLIP model and prompts).
    Clip,
}

impl GenMetric {
    /// The metric's key in output.
    pub fn key(self) -> &'static str {
        match self {
            GenMetric::Fid => "fid",
            GenMetric::Kid => "kid",
            GenMetric::Is => "is",
            GenMetric::Prdc => "prdc",
            GenMetric::Clip => "clip",
        }
    }
}

/// How images reach the FID Inception (mirrors
/// `assay_embed::inception::InceptionResize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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

/// Settings shared by `gen eval` and `gen compare`.
#[derive(Debug, Args, Clone)]
#[command(group(ArgGroup::new("reference").required(true).args(["real", "real_dataset"])))]
pub struct GenOptions {
    /// Real (reference) images: a folder, a manifest, features `.npy`, or
    /// FID statistics `.npz` (FID only).
    #[arg(long, value_name = "DIR|FILE")]
    pub real: Option<PathBuf>,
    /// Real images from a dataset of the project instead.
    #[arg(long, value_name = "NAME")]
    pub real_dataset: Option<String>,
    /// Only this split of --real-dataset.
    #[arg(long, value_name = "SPLIT", requires = "real_dataset")]
    pub real_split: Option<String>,
    /// Extractor for the features: `builtin`, or a model folder or
    /// `.safetensors` (the FID Inception, CLIP, DINOv2).
    #[arg(long, default_value = "builtin", value_name = "PATH|builtin")]
    pub model: String,
    /// How images reach the FID Inception: as pytorch-fid and
    /// torch-fidelity do (resized inside the network), or as clean-fid's
    /// "clean" mode (antialiased bicubic resize of float pixels first).
    #[arg(long, value_enum, default_value_t = FidResize::PytorchFid)]
    pub resize: FidResize,
    /// Metrics to compute (default: fid,kid,prdc, plus is with the
    /// Inception and clip with a CLIP model and prompts).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub metrics: Option<Vec<GenMetric>>,
    /// CLIP model for CLIPScore (default: --model when it is CLIP).
    #[arg(long, value_name = "PATH")]
    pub clip_model: Option<String>,
    /// CLIPScore variant: Hessel et al.'s 2.5 x max(cos, 0), or
    /// torchmetrics' 100 x cos (mean clipped at 0).
    #[arg(long, value_enum, default_value_t = ClipScoreArg::Hessel)]
    pub clip_score: ClipScoreArg,
    /// Training or reference images searched for memorized generations
    /// (default: --real when it is images).
    #[arg(long, value_name = "DIR|FILE")]
    pub train: Option<PathBuf>,
    /// Bootstrap replicates for the confidence intervals (0: none).
    #[arg(long, default_value_t = 20)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// KID: number of subsets.
    #[arg(long, default_value_t = 100)]
    pub kid_subsets: usize,
    /// KID: subset size (lowered to the smaller set when needed).
    #[arg(long, default_value_t = 1000)]
    pub kid_subset_size: usize,
    /// Cosine similarity at or above which two generations of a prompt are
    /// near-duplicates (default: 0.95 for learned extractors, 0.90 for the
    /// built-in one, whose similarities run lower: same-seed generations on
    /// other hardware score 0.90 to 0.95 there).
    #[arg(long)]
    pub near_threshold: Option<f32>,
    /// Cosine similarity at or above which a generation counts as a copy
    /// of a training image (default as for --near-threshold).
    #[arg(long)]
    pub memorization_threshold: Option<f32>,
    /// Only the distribution metrics: no per-prompt and per-sample findings
    /// (diversity, near-duplicates, memorization, outliers, CLIPScore),
    /// which search neighbours among all samples.
    #[arg(long)]
    pub no_diagnostics: bool,
    /// Images decoded and embedded at once.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Rows in the worst-prompts and findings tables.
    #[arg(long, default_value_t = 10)]
    pub worst: usize,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Options of `assay gen eval`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("generated").required(true).args(["fake", "dataset"])))]
pub struct GenEvalArgs {
    /// Generated images: a folder, a manifest (`.csv`/`.jsonl` with file,
    /// prompt, model, seed) or features `.npy`.
    #[arg(long, value_name = "DIR|FILE")]
    pub fake: Option<PathBuf>,
    /// A generated-images dataset of the project (imported with
    /// `assay import generated`): each generator in it is evaluated and
    /// stored as a run, and several make a leaderboard.
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// The shared settings.
    #[command(flatten)]
    pub options: GenOptions,
}

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

//! `assay gen eval`: one generated set (or a project's generators) against
//! the reference, printed; the work is `assay_app::generative`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use assay_app::generative::metrics::MetricValue;
use assay_app::generative::report::{ClipScoreArg, EvalReport, FidResize, GenMetric};
use assay_app::generative::{self, Evaluated, GenerativeOptions};
use assay_report::format;
use assay_store::Store;
use clap::{ArgGroup, Args};

use super::diagnostics::print_diagnostics;
use crate::output::{print_warnings, table, Bars};

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
    /// Draws for the 95% intervals: subsampling without replacement, half
    /// of each set per draw, the spread rescaled to the full sample size
    /// (0: no intervals).
    #[arg(long, alias = "bootstrap", default_value_t = 100, value_name = "N")]
    pub interval_draws: usize,
    /// Seed of the intervals' draws.
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

impl GenOptions {
    /// The workflow's options.
    pub fn to_options(&self) -> GenerativeOptions {
        GenerativeOptions {
            real: self.real.clone(),
            real_dataset: self.real_dataset.clone(),
            real_split: self.real_split.clone(),
            model: self.model.clone(),
            resize: self.resize,
            metrics: self.metrics.clone(),
            clip_model: self.clip_model.clone(),
            clip_score: self.clip_score,
            train: self.train.clone(),
            interval_draws: self.interval_draws,
            seed: self.seed,
            kid_subsets: self.kid_subsets,
            kid_subset_size: self.kid_subset_size,
            near_threshold: self.near_threshold,
            memorization_threshold: self.memorization_threshold,
            no_diagnostics: self.no_diagnostics,
            batch: self.batch,
        }
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

/// Runs `assay gen eval` with an open store (needed for project datasets).
pub fn run_with(args: &GenEvalArgs, store: Option<&mut Store>) -> Result<()> {
    let opts = &args.options;
    let evaluated = generative::evaluate(
        store,
        args.fake.as_deref(),
        args.dataset.as_deref(),
        &opts.to_options(),
        &Bars::default(),
    )?;
    match evaluated {
        Evaluated::Set(report) => {
            print_warnings(&report.1);
            if opts.json {
                println!("{}", serde_json::to_string_pretty(&report.0)?);
            } else {
                print_report(&report.0, opts.worst);
            }
            Ok(())
        }
        Evaluated::Dataset(board) => super::compare::print_stored(&board, opts.json, opts.worst),
    }
}

/// Formats a value with its spread and interval.
pub fn format_metric(m: &MetricValue) -> (String, String) {
    let value = format::gen_value(m.value, m.std);
    let interval = m
        .interval
        .as_ref()
        .map_or("-".into(), |i| format::gen_interval(i.low, i.high));
    (value, interval)
}

/// The lines naming the level and method of the intervals of `metrics`,
/// each once (`95% intervals: subsampling without replacement, ...`).
pub fn interval_notes<'a>(metrics: impl IntoIterator<Item = &'a MetricValue>) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for i in metrics.into_iter().filter_map(|m| m.interval.as_ref()) {
        let note = i.note();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes
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
    let mut t = table(&["metric", "value", "interval"]);
    for m in &report.metrics {
        let (value, interval) = format_metric(m);
        t.add_row(vec![m.name.clone(), value, interval]);
    }
    println!("{t}");
    for note in interval_notes(&report.metrics) {
        println!("{note}");
    }
    for side in [&report.real, &report.fake] {
        for bad in &side.unreadable {
            println!("unreadable: {} ({})", bad.file, bad.reason);
        }
    }
    print_diagnostics(&report.diagnostics, worst);
    for w in &report.warnings {
        println!("warning: {w}");
    }
}

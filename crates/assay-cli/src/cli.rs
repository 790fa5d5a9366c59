//! Command-line definitions (clap derive). Each command's help ends with an example.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands::analyze::AnalyzeCommand;
use crate::commands::captions::CaptionsCommand;
use crate::commands::embed::EmbedArgs;
use crate::commands::embeddings::EmbeddingsCommand;
use crate::commands::eval::EvalCommand;
use crate::commands::evaluate::EvaluateArgs;
use crate::commands::export::ExportCommand;
use crate::commands::gen::GenCommand;
use crate::commands::import::ImportCommand;
use crate::commands::label_issues::LabelIssuesArgs;
use crate::commands::merge::MergeCommandArgs;
use crate::commands::predictions::PredictionsCommand;
use crate::commands::quality::QualityArgs;
use crate::commands::report::ReportArgs;
use crate::commands::scan::ScanArgs;
use crate::commands::search::SearchArgs;
use crate::commands::serve::ServeArgs;
use crate::demo::DemoArgs;

/// `assay --version`: the version and which JPEG decoder this build uses
/// (the system's libjpeg-turbo decodes as Pillow does; the fallback does not).
static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let exact = if assay_image::jpeg::PILLOW_EXACT {
        "Pillow-exact"
    } else {
        "not Pillow-exact"
    };
    format!(
        "{}\nJPEG: {}, {exact}",
        env!("CARGO_PKG_VERSION"),
        assay_image::jpeg::BACKEND
    )
});

/// assay validates computer-vision models and the data they learn from.
#[derive(Debug, Parser)]
#[command(name = "assay", version = VERSION.as_str(), about, long_about = None, after_help = "Start with `assay demo` to see everything assay does on a generated project.")]
pub struct Cli {
    /// Project folder (or any folder inside it). Defaults to the current folder.
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a project (a `.assay/` folder holding the store).
    #[command(after_help = "Example:\n  assay init my-project")]
    Init {
        /// Folder to create the project in (default: the current folder).
        dir: Option<PathBuf>,
    },
    /// Import a dataset into the project.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage model predictions.
    #[command(subcommand)]
    Predictions(PredictionsCommand),
    /// Export a dataset, a selection of it, predictions or tables.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Show what the project holds: datasets, splits, counts per class, models.
    #[command(
        after_help = "Examples:\n  assay info\n  assay info --json | jq '.datasets[0].images'"
    )]
    Info {
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate a model's stored predictions against the stored ground truth
    /// and record the run.
    #[command(
        after_help = "Examples:\n  assay evaluate --model yolov8n\n  assay evaluate --model yolov8n --split val --iou 0.75 --json\n  assay evaluate --model resnet          # after `assay predictions classes`: a classification run\n  assay evaluate --model segformer --masks pred/ --gt-masks labels/ --num-classes 19"
    )]
    Evaluate(EvaluateArgs),
    /// List evaluation runs with their headline metrics, or (--commands)
    /// every tracked command run with its resource usage.
    #[command(
        after_help = "Examples:\n  assay runs\n  assay runs --task detection --model yolov8n --since 2026-12-01 --param iou_type=bbox\n  assay runs --compare 1,2,5 --metrics ap,ap50,ar@100\n  assay runs --commands\n  assay runs --command quality --json\n  assay runs --series --name yolo-ft-3"
    )]
    Runs(crate::commands::runs::RunsArgs),
    /// Custom image metrics without recompiling: from a CSV file, an
    /// expression over stored metrics, or a program that scores images.
    #[command(
        subcommand,
        after_help = "Examples:\n  assay metrics import --csv scores.csv\n  assay metrics define exposure --expr \"brightness * contrast\"\n  assay metrics run --command \"python3 score.py\" --timeout 120\n  assay metrics list"
    )]
    Metrics(crate::commands::metrics::MetricsCommand),
    /// Users of the project's server: a name, a role (admin, reviewer,
    /// viewer) and a token shown once.
    #[command(
        subcommand,
        after_help = "Examples:\n  assay users add ana --role reviewer\n  assay users list"
    )]
    Users(crate::commands::review::UsersCommand),
    /// Review queues: made from issues or chosen images, reviewed in the
    /// UI by assigned reviewers, with their agreement.
    #[command(
        subcommand,
        after_help = "Examples:\n  assay review create --name labels --from label_issues --limit 20 --overlap 2 --assign ana,ben\n  assay review list\n  assay review show 1"
    )]
    Review(crate::commands::review::ReviewCommand),
    /// What to label next: uncertainty, core-set diversity, a hybrid or
    /// random over a dataset's embeddings; --simulate measures each
    /// against random on a labelled set.
    #[command(
        after_help = "Examples:\n  assay select --budget 100 --strategy coreset --queue next-batch --assign ana\n  assay select --budget 100 --strategy margin --model resnet\n  assay select --simulate --initial 100 --budget 100 --rounds 10 --seeds 5"
    )]
    Select(crate::commands::select::SelectArgs),
    /// Log values of a training run or experiment (a loss, an external
    /// metric) at a step, stored as series (see `assay runs --series`).
    #[command(
        after_help = "Examples:\n  assay log --run yolo-ft-3 --step 10 loss=0.42 map50=0.61\n  assay runs --series --name yolo-ft-3"
    )]
    Log(crate::commands::runs::LogArgs),
    /// Compute data-quality metrics and issues for a dataset and store them:
    /// image issues of the samples' files (dark, light, blurry, duplicates,
    /// split leaks, unreadable files, outliers, ...), annotation issues and,
    /// with --model, label errors.
    #[command(
        after_help = "Examples:\n  assay quality\n  assay quality --model yolov8n --json\n  assay quality --outlier-metrics brightness,noise --outlier-k 1.5 --near-radius 4"
    )]
    Quality(QualityArgs),
    /// List the stored data-quality issues: counts per type and the worst examples.
    #[command(
        after_help = "Examples:\n  assay issues\n  assay issues --type duplicate_label --split val --limit 50"
    )]
    Issues {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Only this issue type.
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Only samples of this split.
        #[arg(long)]
        split: Option<String>,
        /// Examples shown per type.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Write a report of everything the project holds: one self-contained
    /// HTML file (headline metrics, charts, worst examples as embedded
    /// thumbnails; no external requests) or a Markdown summary for CI.
    #[command(
        after_help = "Examples:\n  assay report\n  assay report --out review.html --dataset shapes\n  assay report --format md --out -   (Markdown on stdout, for a CI comment)"
    )]
    Report(ReportArgs),
    /// Find likely label errors of a classification set from out-of-sample
    /// predicted probabilities, as cleanlab's `find_label_issues` does.
    #[command(
        after_help = "Examples:\n  assay label-issues --pred-probs pred_probs.npy --labels labels.npy\n  assay label-issues --pred-probs p.npy --labels y.npy --filter-by both --rank-by normalized_margin --json"
    )]
    LabelIssues(LabelIssuesArgs),
    /// Evaluate model outputs from files, without a project.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Scan a folder of images for data issues, without a project: dark,
    /// light, blurry, low-information, odd-sized and greyscale images (as
    /// CleanVision defines them), exact and near duplicates, unreadable
    /// files and outliers; and beside them assay's own detectors for what
    /// those miss: underexposed, overexposed (washed out), soft (blur at
    /// full resolution), monochrome (greyscale stored as RGB), low-contrast
    /// (flat) images, unusual sizes (against the median) and similar images
    /// (crops, resizes, re-encodes).
    #[command(
        after_help = "Examples:\n  assay scan ./images\n  assay scan ./images --near-radius 4 --out metrics.parquet\n  assay scan ./images --issue dark --issue blurry --json | jq '.counts'\n  assay scan ./images --preset cleanvision\n  assay scan ./images --similar-radius 10 --soft-threshold 0.25"
    )]
    Scan(ScanArgs),
    /// Merge the partial results of a sharded run (every shard once, any
    /// order) into exactly the unsharded result: COCO evaluations (`assay
    /// eval coco --shard`), scans (`assay scan --shard`, default issue
    /// options) and FID statistics (`assay gen stats --shard`).
    #[command(
        after_help = "Examples:\n  assay merge part-1.json part-2.json --json      # COCO evaluations or scans\n  assay merge moments-* --out reference.npz        # FID statistics"
    )]
    Merge(MergeCommandArgs),
    /// Build a synthetic project with injected data problems and a simulated
    /// detector, then show what it holds.
    #[command(
        after_help = "Example:\n  assay demo            # builds ./assay-demo\n  assay demo /tmp/demo --images 500"
    )]
    Demo(DemoArgs),
    /// Serve the project's web UI and JSON API over HTTP (loopback only
    /// unless --host names another address, which then needs a token).
    #[command(
        after_help = "Examples:\n  assay serve                      # http://127.0.0.1:8000/\n  assay serve --port 9000\n  assay serve --host 0.0.0.0       # prints an address with an access token"
    )]
    Serve(ServeArgs),
    /// Compute image (and object-crop) embeddings of a dataset and store
    /// them, with a 2-D map and clusters for the UI. Resumable: what is
    /// stored is skipped.
    #[command(
        after_help = "Examples:\n  assay embed                                   # the built-in, weight-free extractor\n  assay embed --model ~/models/clip-vit-base-patch32\n  assay embed --model dinov2-small/model.safetensors --objects"
    )]
    Embed(EmbedArgs),
    /// Find the samples nearest to a text, an image file or a sample.
    #[command(
        after_help = "Examples:\n  assay search --image query.jpg -k 5\n  assay search --text \"a cyclist at night\" --split val\n  assay search --sample 000123.jpg --json"
    )]
    Search(SearchArgs),
    /// Export stored embeddings to `.npy`, or import vectors computed elsewhere.
    #[command(subcommand)]
    Embeddings(EmbeddingsCommand),
    /// Validate generative models: realism and diversity (FID, KID, IS,
    /// precision/recall, density/coverage), prompt faithfulness (CLIPScore),
    /// near-duplicate generations, memorization; leaderboards.
    #[command(subcommand)]
    Gen(GenCommand),
    /// A CI gate: evaluate conditions (an assay.toml, built-in suites) over
    /// what the project stores; PASS/WARN/FAIL per condition, exit 0 when
    /// none failed, 1 when one did, 2 when the configuration is wrong.
    #[command(
        after_help = "Examples:\n  assay check                                   # the default suites\n  assay check --config assay.toml --baseline sim-detector --junit check.xml --markdown check.md\n  assay check --suite generative --explain"
    )]
    Check(crate::commands::check::CheckArgs),
    /// Production records (what a deployed model saw and made) from a JSON
    /// lines file into a stream, idempotent by record id; `--labels` adds
    /// true labels that arrived later.
    #[command(
        after_help = "Examples:\n  assay ingest records.jsonl\n  assay ingest --labels labels.jsonl"
    )]
    Ingest(crate::commands::monitor::IngestArgs),
    /// A stream's windows (volume, latency, errors, image metrics,
    /// predictions, drift from the reference), the reference bands, and the
    /// alerts the configuration's rules fire (stored once, sent to stdout, a
    /// file or a webhook).
    #[command(
        after_help = "Examples:\n  assay monitor\n  assay monitor --config assay.toml --window 6h\n  assay monitor --stream production --json"
    )]
    Monitor(crate::commands::monitor::MonitorArgs),
    /// Caption metrics from files, without a project.
    #[command(subcommand)]
    Captions(CaptionsCommand),
    /// Explain failures: which data metrics predict them, weak slices,
    /// drift between groups of samples, and whether run B is really better
    /// than run A.
    #[command(subcommand)]
    Analyze(AnalyzeCommand),
}

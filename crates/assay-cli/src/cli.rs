//! Command-line definitions (clap derive). Each command's help ends with an example.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

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
        after_help = "Examples:\n  assay evaluate --model yolov8n\n  assay evaluate --model yolov8n --split val --iou 0.75 --json"
    )]
    Evaluate(EvaluateArgs),
    /// List evaluation runs with their headline metrics.
    #[command(after_help = "Examples:\n  assay runs\n  assay runs --json")]
    Runs {
        /// Only runs on this dataset.
        #[arg(long)]
        dataset: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
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
    /// files and outliers; and beside them assay's own detectors for the
    /// milder cases: underexposed, overexposed, soft (blur at full
    /// resolution), monochrome (greyscale stored as RGB) and similar images
    /// (crops, resizes, re-encodes).
    #[command(
        after_help = "Examples:\n  assay scan ./images\n  assay scan ./images --near-radius 4 --out metrics.parquet\n  assay scan ./images --issue dark --issue blurry --json | jq '.counts'\n  assay scan ./images --preset cleanvision\n  assay scan ./images --similar-radius 10 --soft-threshold 0.25"
    )]
    Scan(ScanArgs),
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
    /// Caption metrics from files, without a project.
    #[command(subcommand)]
    Captions(CaptionsCommand),
}

/// Where imported samples go.
#[derive(Debug, Args)]
pub struct Target {
    /// Dataset to import into (created if new). Defaults to the source's name.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Split for every imported image (e.g. train, val).
    #[arg(long)]
    pub split: Option<String>,
    /// Follow image paths that are absolute or lead outside the image
    /// folder (`..`, symbolic links). Off by default: a dataset file is
    /// untrusted, and such names are refused with a warning.
    #[arg(long)]
    pub allow_absolute_paths: bool,
}

/// Import formats.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// COCO instances JSON (boxes, polygons, RLE, crowds, keypoints).
    #[command(
        after_help = "Examples:\n  assay import coco --annotations instances_val2017.json --images val2017/ --split val\n  assay import coco --annotations gt.json            # annotations only, no pixels"
    )]
    Coco {
        /// The COCO JSON file.
        #[arg(long, value_name = "FILE")]
        annotations: PathBuf,
        /// Folder holding the images named in the file (optional).
        #[arg(long, value_name = "DIR")]
        images: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
    /// YOLO (Ultralytics) labels: boxes and polygons, class names from YAML.
    #[command(
        after_help = "Examples:\n  assay import yolo --data data.yaml                 # every split it lists\n  assay import yolo --images images/train --labels labels/train --classes data.yaml --split train"
    )]
    Yolo {
        /// A data.yaml naming the splits and classes.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["images", "labels"])]
        data: Option<PathBuf>,
        /// Folder of images (when not using --data).
        #[arg(long, value_name = "DIR", required_unless_present = "data")]
        images: Option<PathBuf>,
        /// Folder of label files (default: the images folder with `images` replaced by `labels`).
        #[arg(long, value_name = "DIR")]
        labels: Option<PathBuf>,
        /// YAML with `names:` (or a text file, one class a line); required without --data.
        #[arg(long, value_name = "FILE", required_unless_present = "data")]
        classes: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
    /// Pascal VOC XML files.
    #[command(
        after_help = "Example:\n  assay import voc --annotations VOC2012/Annotations --images VOC2012/JPEGImages"
    )]
    Voc {
        /// Folder of .xml files.
        #[arg(long, value_name = "DIR")]
        annotations: PathBuf,
        /// Folder of images.
        #[arg(long, value_name = "DIR")]
        images: Option<PathBuf>,
        /// Text file with one class name a line (default: names found, sorted).
        #[arg(long, value_name = "FILE")]
        classes: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
    /// A plain folder of images, or a class-folder tree (root/<class>/*.jpg).
    #[command(
        after_help = "Examples:\n  assay import folder --images ./photos\n  assay import folder --images ./cifar/test --class-folders --split test\n  assay import folder --images ./photos --labels labels.csv"
    )]
    Folder {
        /// The folder.
        #[arg(long, value_name = "DIR")]
        images: PathBuf,
        /// Treat first-level folder names as image class labels.
        #[arg(long)]
        class_folders: bool,
        /// Image labels from a CSV file with an image column (file, file_name, image or path) and a label column (label, class or category).
        #[arg(long, value_name = "FILE", conflicts_with = "class_folders")]
        labels: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
    /// Generated images with a manifest (CSV or JSONL: file, prompt, model, seed).
    #[command(
        after_help = "Example:\n  assay import generated --manifest prompts.csv --images ./generated"
    )]
    Generated {
        /// The manifest.
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        /// Folder the `file` column is relative to (default: the manifest's folder).
        #[arg(long, value_name = "DIR")]
        images: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
}

/// Prediction commands.
#[derive(Debug, Subcommand)]
pub enum PredictionsCommand {
    /// Add a model's predictions on a dataset (replacing earlier ones of that model).
    #[command(
        after_help = "Examples:\n  assay predictions add --model yolov8n --coco results.json\n  assay predictions add --model yolov8n --yolo runs/detect/predict/labels"
    )]
    Add {
        /// Name of the model.
        #[arg(long)]
        model: String,
        /// COCO results file (list of {image_id, category_id, score, bbox|segmentation|keypoints}).
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "yolo",
            conflicts_with = "yolo"
        )]
        coco: Option<PathBuf>,
        /// Folder of YOLO prediction files (class cx cy w h conf).
        #[arg(long, value_name = "DIR")]
        yolo: Option<PathBuf>,
        /// Dataset the predictions are on (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Match image ids within this split only.
        #[arg(long)]
        split: Option<String>,
    },
    /// Add a classifier's output on a dataset with image labels: scores per
    /// class (or a class) for each image, matched by file name (replacing
    /// earlier ones of that model). `assay evaluate --model NAME` then
    /// records a classification run.
    #[command(
        after_help = "Examples:\n  assay predictions classes --model resnet --probs probs.npy --rows files.csv\n  assay predictions classes --model resnet --probs probs.csv      # columns: file, then one per class\n  assay predictions classes --model resnet --preds preds.jsonl    # {\"file\": ..., \"class\": \"cat\"}"
    )]
    Classes(ClassPredictionArgs),
}

/// A classifier's output files.
#[derive(Debug, Args)]
pub struct ClassPredictionArgs {
    /// Name of the model.
    #[arg(long)]
    pub model: String,
    /// Scores per image and class: .npy (with --rows), .csv (a `file` column, one column per class) or .jsonl ({"file", "scores"}).
    #[arg(long, value_name = "FILE", required_unless_present = "preds")]
    pub probs: Option<PathBuf>,
    /// Predicted class per image: .csv (`file` and `pred` columns) or .jsonl ({"file", "class"}).
    #[arg(long, value_name = "FILE", conflicts_with = "probs")]
    pub preds: Option<PathBuf>,
    /// The image file name of each row of a .npy array: one a line, or a CSV with a `file` column.
    #[arg(long, value_name = "FILE")]
    pub rows: Option<PathBuf>,
    /// Class names of the score columns, one a line (default: a CSV's header, else the dataset's classes in id order).
    #[arg(long, value_name = "FILE")]
    pub class_names: Option<PathBuf>,
    /// The scores are logits: turn each row into probabilities with a softmax.
    #[arg(long)]
    pub softmax: bool,
    /// Dataset the predictions are on (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
}

/// Standalone evaluation commands.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// COCO evaluation (bbox, segm, keypoints), identical to pycocotools' COCOeval.
    #[command(
        after_help = "Examples:\n  assay eval coco --gt instances_val2017.json --dt detections.json\n  assay eval coco --gt gt.json --dt masks.json --iou-type segm --json | jq '.stats[0]'"
    )]
    Coco(CocoEvalArgs),
    /// Classification metrics from predicted probabilities (or classes) and
    /// true labels: accuracy, top-k, precision/recall/F1, calibration error,
    /// Brier score, per-class scores and the most frequent confusions.
    #[command(
        after_help = "Examples:\n  assay eval classification --probs probs.npy --labels labels.npy --class-names classes.txt\n  assay eval classification --preds preds.csv --labels labels.csv --json | jq '.macro_avg.f1'"
    )]
    Classification(ClassificationEvalArgs),
    /// Semantic segmentation metrics (as mmsegmentation's IoUMetric) from
    /// folders of PNG label masks: aAcc, mIoU, mDice, mAcc and per-class
    /// IoU, Dice, accuracy, precision and recall.
    #[command(
        after_help = "Examples:\n  assay eval semseg --pred out/ --gt ade20k/annotations/validation --num-classes 150 --reduce-zero-label\n  assay eval semseg --pred pred/ --gt gt/ --num-classes 19 --json | jq '.mIoU'"
    )]
    Semseg(SemsegEvalArgs),
}

/// Caption commands.
#[derive(Debug, Subcommand)]
pub enum CaptionsCommand {
    /// BLEU-1..4, CIDEr-D and ROUGE-L of a COCO captions results file, as
    /// pycocoevalcap computes them (corpus and per image), with the images
    /// whose captions score lowest. Captions are tokenised like
    /// pycocoevalcap's PTBTokenizer (without Java; see the docs for the
    /// rare differences).
    #[command(
        after_help = "Examples:\n  assay captions eval --refs captions_val2017.json --results results.json\n  assay captions eval --refs refs.json --results results.json --bleu sacrebleu --worst 20\n  assay captions eval --refs refs.json --results results.json --json | jq '.metrics.CIDEr'"
    )]
    Eval(CaptionsEvalArgs),
}

/// Options of `assay captions eval`.
#[derive(Debug, Args)]
pub struct CaptionsEvalArgs {
    /// References: a COCO captions file (`images`, `annotations` with
    /// `image_id` and `caption`).
    #[arg(long, value_name = "FILE")]
    pub refs: PathBuf,
    /// Candidates: a COCO results list (`[{"image_id", "caption"}]`), one
    /// caption per image.
    #[arg(long, value_name = "FILE")]
    pub results: PathBuf,
    /// Which BLEU: pycocoevalcap's Bleu_1..4 on tokenised text, or
    /// sacrebleu's corpus BLEU (13a tokenizer on the raw captions).
    #[arg(long, value_enum, default_value = "coco")]
    pub bleu: BleuArg,
    /// How many of the lowest-CIDEr images to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub worst: usize,
    /// Print one JSON object (corpus `metrics`, `worst`, `per_image`).
    #[arg(long)]
    pub json: bool,
}

/// Which BLEU `assay captions eval` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BleuArg {
    /// pycocoevalcap's Bleu_1..4 (0..1).
    Coco,
    /// sacrebleu's corpus_bleu (0..100).
    Sacrebleu,
}

/// Options of `assay quality`.
#[derive(Debug, Args)]
pub struct QualityArgs {
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Also find label errors from this model's predictions (cleanlab's
    /// object-detection scores: overlooked objects, swapped classes,
    /// badly located boxes).
    #[arg(long)]
    pub model: Option<String>,
    /// Per-image metrics the `outlier` issue checks, comma-separated
    /// (default: brightness,contrast,blurriness,entropy,colourfulness,saturation,noise).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "METRICS")]
    pub outlier_metrics: Vec<OutlierMetricArg>,
    /// Tukey fence factor of the `outlier` issue: a value beyond
    /// `Q1 - K·IQR` or `Q3 + K·IQR` of the dataset is an outlier.
    #[arg(long, default_value_t = 3.0, value_name = "K")]
    pub outlier_k: f64,
    /// Largest pHash Hamming distance between near duplicates and between
    /// the images of a split leak (0: equal hashes, as CleanVision).
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=32))]
    pub near_radius: u32,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--outlier-metrics` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutlierMetricArg {
    /// Mean brightness.
    Brightness,
    /// RMS contrast.
    Contrast,
    /// CleanVision's blurriness.
    Blurriness,
    /// Histogram entropy.
    Entropy,
    /// Colourfulness.
    Colourfulness,
    /// Mean saturation.
    Saturation,
    /// Noise estimate.
    Noise,
    /// min(w/h, h/w).
    #[value(name = "aspect_ratio")]
    AspectRatio,
    /// sqrt(w)·sqrt(h).
    Size,
}

/// What `assay scan` scans.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folder of images, searched recursively (jpg, jpeg, png, bmp, gif,
    /// tif, tiff, webp; hidden files skipped).
    pub dir: PathBuf,
    /// Print one JSON object: counts per issue type and the flagged files
    /// with their scores.
    #[arg(long)]
    pub json: bool,
    /// Write the per-image metrics and issue scores (.csv or .parquet).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Largest pHash Hamming distance inside a near-duplicate group
    /// (0: equal hashes, as CleanVision).
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=32))]
    pub near_radius: u32,
    /// Only this issue type (repeatable; default: all, or the preset's).
    #[arg(long = "issue", value_enum, value_name = "TYPE")]
    pub issues: Vec<IssueTypeArg>,
    /// Which issue types to find when no --issue is given: all of them, or
    /// only CleanVision's (dark, light, blurry, low_information, grayscale,
    /// odd_aspect_ratio, odd_size, exact_duplicates, near_duplicates).
    #[arg(long, value_enum, default_value = "all")]
    pub preset: PresetArg,
    /// Leave out this issue type (repeatable).
    #[arg(long = "skip", value_enum, value_name = "TYPE")]
    pub skip: Vec<IssueTypeArg>,
    /// Largest pHash Hamming distance inside a `similar` group.
    #[arg(long, default_value_t = 8, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=32))]
    pub similar_radius: u32,
    /// Largest dHash Hamming distance confirming a `similar` pair (64: no
    /// confirmation).
    #[arg(long, default_value_t = 16, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=64))]
    pub similar_dhash_radius: u32,
    /// `underexposed` flags scores below this (0-1; at 0.5 the brightest
    /// 0.1% of pixels are under mid-grey and the mean is dim).
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub underexposed_threshold: f64,
    /// `overexposed` flags scores below this (0-1; 0.5 is the documented rule).
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub overexposed_threshold: f64,
    /// `soft` flags scores below this (0-1; 0 is no detail at full
    /// resolution, 1 is step edges or sharper).
    #[arg(long, default_value_t = 1.0 / 3.0, value_name = "X")]
    pub soft_threshold: f64,
    /// What `grayscale` flags: single-channel images (CleanVision's rule)
    /// or any image whose channels are all equal.
    #[arg(long, value_enum, default_value = "mode")]
    pub grayscale: GrayscaleArg,
    /// How many of the worst images to list per issue type.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub examples: usize,
    /// Benchmark: only read and decode every image (same decoder, same
    /// cores), measure nothing, and print the time taken.
    #[arg(long, hide = true)]
    pub decode_only: bool,
}

/// `--issue` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IssueTypeArg {
    /// The file cannot be decoded.
    Unreadable,
    /// Identical pixels.
    #[value(name = "exact_duplicates")]
    ExactDuplicates,
    /// Equal or close pHash.
    #[value(name = "near_duplicates")]
    NearDuplicates,
    /// Mostly dark.
    Dark,
    /// Washed out.
    Light,
    /// Few edges.
    Blurry,
    /// Low histogram entropy.
    #[value(name = "low_information")]
    LowInformation,
    /// Single-channel (or equal-channel) images.
    Grayscale,
    /// Very unequal width and height.
    #[value(name = "odd_aspect_ratio")]
    OddAspectRatio,
    /// Size far from the dataset's.
    #[value(name = "odd_size")]
    OddSize,
    /// A metric far outside the dataset's.
    Outlier,
    /// assay's: the brightest tones below mid-grey.
    Underexposed,
    /// assay's: washed out or blown highlights.
    Overexposed,
    /// assay's: little detail at full resolution.
    Soft,
    /// assay's: no colour in the pixels.
    Monochrome,
    /// assay's: pHash within a radius (crops, resizes, re-encodes).
    Similar,
}

/// `--preset` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// Every issue type: CleanVision's, assay's own, unreadable, outlier.
    All,
    /// CleanVision 0.3.7's issue types only.
    Cleanvision,
}

/// `--grayscale` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GrayscaleArg {
    /// Decoded with one channel (PIL mode L), as CleanVision.
    Mode,
    /// Red, green and blue equal in every pixel.
    Pixels,
}

/// What `assay eval classification` compares.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("predictions").required(true).args(["probs", "preds"])))]
pub struct ClassificationEvalArgs {
    /// Predicted probabilities or scores, one row per sample and one column
    /// per class: a 2-D `.npy` array, or a CSV with a header row (a column
    /// named `label` is skipped). Scores outside [0, 1] give no ECE or Brier
    /// score unless --softmax turns them into probabilities.
    #[arg(long, value_name = "FILE")]
    pub probs: Option<PathBuf>,
    /// True classes: a `.npy` array, a text file with one class a line, or a
    /// CSV with a `label` column. Classes are indices 0..k, or names from
    /// --class-names.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Predicted classes instead of probabilities (same formats as --labels,
    /// CSV column `pred`): gives accuracy, precision/recall/F1 and the
    /// confusions, no top-k or calibration.
    #[arg(long, value_name = "FILE")]
    pub preds: Option<PathBuf>,
    /// Class names, one a line, in class-index order.
    #[arg(long, value_name = "FILE")]
    pub class_names: Option<PathBuf>,
    /// The top-k accuracies to report.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "K1,K2,...",
        default_value = "1,5"
    )]
    pub top_k: Vec<usize>,
    /// Number of calibration bins of the expected calibration error.
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub bins: usize,
    /// Classes that get scores and enter the averages: those present among
    /// the true or predicted classes (scikit-learn's default), or all.
    #[arg(long, value_enum, default_value = "present")]
    pub average_labels: AverageLabelsArg,
    /// The value of a precision, recall or F1 whose denominator is 0.
    #[arg(long, value_enum, default_value = "0")]
    pub zero_division: ZeroDivisionArg,
    /// How top-k ranks equal scores: as scikit-learn (higher class index
    /// first), or lower index first as torch/torchmetrics' argmax.
    #[arg(long, value_enum, default_value = "sklearn")]
    pub top_k_ties: TopKTiesArg,
    /// Apply a softmax to each row of --probs first (for logits).
    #[arg(long)]
    pub softmax: bool,
    /// How many of the most frequent confusions to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub confusions: usize,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `--average-labels` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AverageLabelsArg {
    /// Classes among the true or predicted classes.
    Present,
    /// Every class.
    All,
}

/// `--zero-division` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ZeroDivisionArg {
    /// 0.0 (scikit-learn's default).
    #[value(name = "0")]
    Zero,
    /// 1.0.
    #[value(name = "1")]
    One,
    /// NaN (written as null in JSON); averages skip it.
    Nan,
}

/// `--top-k-ties` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TopKTiesArg {
    /// scikit-learn: among equal scores the higher class index ranks first.
    Sklearn,
    /// torchmetrics-like: among equal scores the lower class index ranks first.
    LowerIndex,
}

/// What `assay eval semseg` compares.
#[derive(Debug, Args)]
pub struct SemsegEvalArgs {
    /// Folder of predicted masks: PNG, 8- or 16-bit greyscale, one class
    /// index a pixel. Paired with --gt by relative path without extension.
    #[arg(long, value_name = "DIR")]
    pub pred: PathBuf,
    /// Folder of ground-truth masks (PNG, 8- or 16-bit greyscale).
    #[arg(long, value_name = "DIR")]
    pub gt: PathBuf,
    /// Number of classes (class indices 0..N).
    #[arg(long, value_name = "N")]
    pub num_classes: usize,
    /// Ground-truth value whose pixels are left out.
    #[arg(long, default_value_t = 255, value_name = "V")]
    pub ignore_index: u32,
    /// Remap ground truth as mmseg's reduce_zero_label: 0 becomes the ignore
    /// index, every other value v becomes v - 1 (e.g. ADE20K).
    #[arg(long)]
    pub reduce_zero_label: bool,
    /// Class names, one a line, in class-index order.
    #[arg(long, value_name = "FILE")]
    pub class_names: Option<PathBuf>,
    /// Count a ground truth without a prediction as all-ignored (its pixels
    /// are left out) and warn, instead of failing.
    #[arg(long)]
    pub allow_missing: bool,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// What `assay eval coco` compares.
#[derive(Debug, Args)]
pub struct CocoEvalArgs {
    /// Ground truth: a COCO instances file.
    #[arg(long, value_name = "FILE")]
    pub gt: PathBuf,
    /// Detections: a COCO results file.
    #[arg(long, value_name = "FILE")]
    pub dt: PathBuf,
    /// What IoU is computed on.
    #[arg(long, value_enum, default_value = "bbox")]
    pub iou_type: IouTypeArg,
    /// Print one JSON object (`stats` in pycocotools' order, `per_category`).
    #[arg(long)]
    pub json: bool,
    /// Count matches with a ground truth whose id is 0, which pycocotools
    /// silently treats as unmatched.
    #[arg(long)]
    pub fix_zero_id: bool,
    /// OKS sigmas, one per keypoint (default: the 17 COCO person sigmas).
    #[arg(long, value_delimiter = ',', value_name = "S1,S2,...")]
    pub sigmas: Option<Vec<f64>>,
    /// Write the full precision array [T, R, K, A, M] (and recall, scores) as JSON.
    #[arg(long, value_name = "FILE")]
    pub precision_out: Option<PathBuf>,
}

/// What `assay evaluate` evaluates.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model whose predictions to evaluate.
    #[arg(long)]
    pub model: String,
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only images of this split.
    #[arg(long)]
    pub split: Option<String>,
    /// IoU threshold for per-object outcomes (TP/FP/FN) and the confusion matrix.
    #[arg(long, default_value_t = 0.5)]
    pub iou: f64,
    /// What IoU is computed on.
    #[arg(long, value_enum, default_value = "bbox")]
    pub iou_type: IouTypeArg,
    /// Predictions below this score are left out of the confusion matrix.
    #[arg(long, default_value_t = 0.0)]
    pub conf: f64,
    /// Count matches with a ground truth whose id is 0 (pycocotools does not).
    #[arg(long)]
    pub fix_zero_id: bool,
    /// Print the run as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What `assay label-issues` reads and how it filters.
#[derive(Debug, Args)]
pub struct LabelIssuesArgs {
    /// Out-of-sample predicted probabilities, an n x k `.npy` array.
    #[arg(long, value_name = "FILE")]
    pub pred_probs: PathBuf,
    /// Given labels, n class indices in a `.npy` array.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// cleanlab's `filter_by`: prune_by_noise_rate, prune_by_class, both,
    /// confident_learning, predicted_neq_given, low_normalized_margin,
    /// low_self_confidence.
    #[arg(long, default_value = "prune_by_noise_rate")]
    pub filter_by: String,
    /// Rank the flagged examples by self_confidence, normalized_margin or
    /// confidence_weighted_entropy.
    #[arg(long, default_value = "self_confidence")]
    pub rank_by: String,
    /// Which of several tied examples comes first, as NumPy's sort orders
    /// them on the CPU cleanlab runs on (cleanlab's own output differs):
    /// avx2 (x86-64 with AVX2) or portable (ARM64, x86-64 without AVX2).
    #[arg(long, default_value = "avx2")]
    pub tie_order: String,
    /// Examples printed (all with --json).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print one JSON object: the flagged indices, ranked, with scores.
    #[arg(long)]
    pub json: bool,
}

/// `--iou-type` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IouTypeArg {
    /// Boxes.
    Bbox,
    /// Instance masks.
    Segm,
    /// Keypoints (OKS).
    Keypoints,
}

/// Which samples to export.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Dataset to export (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only this split.
    #[arg(long)]
    pub split: Option<String>,
    /// Only images with an annotation of this class (repeatable).
    #[arg(long = "class", value_name = "NAME")]
    pub classes: Vec<String>,
    /// Only the images listed in this file (file names or ids, one a line).
    #[arg(long, value_name = "FILE")]
    pub samples: Option<PathBuf>,
}

/// Export formats.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Ground truth as COCO JSON, or a model's predictions as a COCO results file.
    #[command(
        after_help = "Examples:\n  assay export coco --out gt.json --split val\n  assay export coco --out results.json --model yolov8n"
    )]
    Coco {
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Export this model's predictions instead of the ground truth.
        #[arg(long)]
        model: Option<String>,
        #[command(flatten)]
        selection: SelectionArgs,
    },
    /// Ground truth as YOLO labels with a data.yaml (for relabelling or training).
    #[command(
        after_help = "Example:\n  assay export yolo --out ./relabel --class person --copy-images"
    )]
    Yolo {
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also copy the image files into <out>/images/<split>/.
        #[arg(long)]
        copy_images: bool,
        #[command(flatten)]
        selection: SelectionArgs,
    },
    /// A table of the project as CSV or Parquet (by the file extension).
    #[command(
        after_help = "Examples:\n  assay export table --table annotations --out annotations.parquet\n  assay export table --table predictions --model yolov8n --out preds.csv"
    )]
    Table {
        /// Which table.
        #[arg(long, value_enum)]
        table: TableName,
        /// Output file (.csv or .parquet).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Model, for the predictions table.
        #[arg(long)]
        model: Option<String>,
        #[command(flatten)]
        selection: SelectionArgs,
    },
}

/// Tables that can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableName {
    /// One row per image.
    Samples,
    /// One row per ground-truth annotation.
    Annotations,
    /// One row per prediction of a model.
    Predictions,
    /// One row per class with counts.
    Classes,
}

/// Options of `assay demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder to build the demo project in (default: ./assay-demo).
    pub dir: Option<PathBuf>,
    /// Number of clean images before duplicates and corrupt files are added.
    #[arg(long, default_value_t = 300)]
    pub images: usize,
    /// Random seed; the same seed builds the same project.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Options of `assay serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port, printed).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on. Anything but loopback requires an access token.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Require this access token (default: none on loopback, a random one
    /// elsewhere).
    #[arg(long)]
    pub token: Option<String>,
}

/// Options of `assay embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// `builtin` (weight-free, not comparable with published numbers), or
    /// a model folder in Hugging Face layout or a `.safetensors` file
    /// (CLIP, DINOv2). Nothing is downloaded.
    #[arg(long, default_value = "builtin", value_name = "PATH|builtin")]
    pub model: String,
    /// Embed the crops of ground-truth boxes instead of whole images.
    #[arg(long)]
    pub objects: bool,
    /// Images per forward pass (and per stored batch).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub batch: u32,
    /// Number of k-means clusters for the map (default: about sqrt(n/2), 2 to 50).
    #[arg(long, value_name = "K")]
    pub clusters: Option<usize>,
    /// Cosine similarity from which two images (or objects) are near
    /// duplicates (`embedding_near_duplicates`, `embedding_split_leak`).
    #[arg(long, default_value_t = 0.97, value_name = "COS")]
    pub near_threshold: f32,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

/// Options of `assay search`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("query").required(true).args(["text", "image", "sample"])))]
pub struct SearchArgs {
    /// Text query (needs embeddings from a CLIP model).
    #[arg(long)]
    pub text: Option<String>,
    /// Image file to find similar samples to.
    #[arg(long, value_name = "FILE")]
    pub image: Option<PathBuf>,
    /// A sample of the dataset (file name or image id).
    #[arg(long, value_name = "ID|FILE_NAME")]
    pub sample: Option<String>,
    /// Number of results.
    #[arg(short, long, default_value_t = 10)]
    pub k: usize,
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Which stored embeddings (extractor name, e.g. `builtin`; default: the
    /// most recent image-level set).
    #[arg(long, value_name = "NAME")]
    pub embeddings: Option<String>,
    /// Only samples of this split.
    #[arg(long)]
    pub split: Option<String>,
    /// Only samples with an object of this class.
    #[arg(long = "class", value_name = "CLASS")]
    pub class: Option<String>,
    /// Distance: cosine similarity (default) or Euclidean distance.
    #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
    pub metric: MetricArg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--metric` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Cosine similarity (higher is closer).
    Cosine,
    /// Euclidean distance (lower is closer).
    Euclidean,
}

/// `assay embeddings` subcommands.
#[derive(Debug, Subcommand)]
pub enum EmbeddingsCommand {
    /// List the stored embedding sets.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a set as an `(n, d)` float32 `.npy` and a CSV of what each row is.
    #[command(
        after_help = "Example:\n  assay embeddings export --embeddings builtin --out feats.npy   # also writes feats.csv"
    )]
    Export {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Which set (extractor name; default: the most recent image-level set).
        #[arg(long, value_name = "NAME")]
        embeddings: Option<String>,
        /// The `.npy` file to write; the row list goes beside it as `.csv`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Store vectors computed elsewhere: an `(n, d)` `.npy` and a file
    /// naming the sample of each row (a file name or image id per line).
    #[command(
        after_help = "Example:\n  assay embeddings import --npy feats.npy --rows files.txt --name my-clip"
    )]
    Import {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// The vectors.
        #[arg(long)]
        npy: PathBuf,
        /// One line per row: the sample's file name or image id.
        #[arg(long)]
        rows: PathBuf,
        /// Name to store the set under.
        #[arg(long)]
        name: String,
    },
}

/// `assay gen` subcommands.
#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Evaluate generated images against real ones.
    #[command(
        after_help = "Examples:\n  assay gen eval --real photos/ --fake generated/prompts.csv\n  assay gen eval --dataset generated --real-dataset photos   (in a project: stored as runs)\n  assay gen eval --real real_feats.npy --fake fake_feats.npy --metrics fid,kid,prdc --json\n  assay gen eval --real fid_stats.npz --fake generated/ --model pt_inception.safetensors --metrics fid,is\n\nImages are embedded with --model (default: the built-in extractor, whose numbers are\nnot comparable with published ones; give the FID Inception for FID, a CLIP model for\nCLIPScore). KID uses torch-fidelity's defaults (100 subsets of 1000, seed 2020),\nlowering the subset size to the smaller set when it has fewer samples."
    )]
    Eval(GenEvalArgs),
    /// Save the FID statistics (mu, sigma) of a set, as pytorch-fid's `.npz`.
    #[command(
        after_help = "Example:\n  assay gen stats --images photos/ --model pt_inception.safetensors --out photos_fid.npz"
    )]
    Stats(GenStatsArgs),
    /// Compare generators against the same references: a leaderboard with
    /// intervals and per-prompt wins and losses.
    #[command(
        after_help = "Examples:\n  assay gen compare --real photos/ --fake a/prompts.csv --fake b/prompts.csv\n  assay gen compare --real photos/ --fake all.csv --by-model\n\nA manifest whose `model` column names several generators is split by model with --by-model."
    )]
    Compare(GenCompareArgs),
}

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

/// Options of `assay gen stats`.
#[derive(Debug, Args)]
pub struct GenStatsArgs {
    /// The images (a folder or manifest) or features `.npy`.
    #[arg(long, value_name = "DIR|FILE")]
    pub images: PathBuf,
    /// Extractor (as in `gen eval`).
    #[arg(long, default_value = "builtin", value_name = "PATH|builtin")]
    pub model: String,
    /// Resize for the FID Inception (as in `gen eval`).
    #[arg(long, value_enum, default_value_t = FidResize::PytorchFid)]
    pub resize: FidResize,
    /// The `.npz` to write (`mu`, `sigma`, and the sample count `n`).
    #[arg(long)]
    pub out: PathBuf,
    /// Images decoded and embedded at once.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
}

/// Options of `assay report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Where to write (default: report.html, or report.md with --format
    /// md); `-` writes to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// `html` (one self-contained file) or `md` (a Markdown summary).
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Only this dataset and its runs (default: everything).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Worst examples shown per issue type.
    #[arg(long, default_value_t = 6)]
    pub examples: usize,
}

/// The kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file.
    Html,
    /// A Markdown summary.
    Md,
}

//! `assay import ...`: reads a dataset and stores it (`assay_app::import`),
//! printing the warnings and what was stored.

use std::path::PathBuf;

use anyhow::{Context, Result};
use assay_app::import::{self, ImportJob, ImportTarget};
use assay_store::{ImportSummary, Store};
use clap::{Args, Subcommand};

use crate::output::{print_warnings, Bars};

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

impl From<Target> for ImportTarget {
    fn from(t: Target) -> Self {
        ImportTarget {
            dataset: t.dataset,
            split: t.split,
            allow_absolute_paths: t.allow_absolute_paths,
        }
    }
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
    /// CVAT for images 1.1 XML (boxes and polygons).
    #[command(
        after_help = "Example:\n  assay import cvat --annotations annotations.xml --images ./images"
    )]
    Cvat {
        /// The XML file.
        #[arg(long, value_name = "FILE")]
        annotations: PathBuf,
        /// Folder of images.
        #[arg(long, value_name = "DIR")]
        images: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
    },
    /// LabelMe JSON files, one per image (rectangles and polygons).
    #[command(
        after_help = "Example:\n  assay import labelme --annotations ./labelled --images ./labelled"
    )]
    Labelme {
        /// Folder of .json files.
        #[arg(long, value_name = "DIR")]
        annotations: PathBuf,
        /// Folder of images (default: the annotations' folder).
        #[arg(long, value_name = "DIR")]
        images: Option<PathBuf>,
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

pub fn run(store: &mut Store, cmd: ImportCommand) -> Result<()> {
    let bars = Bars::default();
    let job = match cmd {
        ImportCommand::Coco {
            annotations,
            images,
            target,
        } => import::read_coco(&annotations, images.as_deref(), target.into(), &bars)?,
        ImportCommand::Yolo {
            data,
            images,
            labels,
            classes,
            target,
        } => match data {
            Some(data) => import::read_yolo_data(&data, target.into(), &bars)?,
            None => {
                let images = images.context("--images is required without --data")?;
                let classes = classes.context("--classes is required without --data")?;
                import::read_yolo_folders(&images, labels, &classes, target.into(), &bars)?
            }
        },
        ImportCommand::Voc {
            annotations,
            images,
            classes,
            target,
        } => import::read_voc(
            &annotations,
            images.as_deref(),
            classes.as_deref(),
            target.into(),
            &bars,
        )?,
        ImportCommand::Cvat {
            annotations,
            images,
            target,
        } => import::read_cvat(&annotations, images.as_deref(), target.into(), &bars)?,
        ImportCommand::Labelme {
            annotations,
            images,
            target,
        } => {
            let images = images.unwrap_or_else(|| annotations.clone());
            import::read_labelme(&annotations, Some(&images), target.into(), &bars)?
        }
        ImportCommand::Folder {
            images,
            class_folders,
            labels,
            target,
        } => import::read_folder(
            &images,
            class_folders,
            labels.as_deref(),
            target.into(),
            &bars,
        )?,
        ImportCommand::Generated {
            manifest,
            images,
            target,
        } => import::read_generated(&manifest, images.as_deref(), target.into(), &bars)?,
    };
    let summary = import_dataset(store, job)?;
    println!(
        "Imported into dataset {:?}: {} images added, {} updated, {} annotations, {} new categories",
        summary.dataset, summary.samples_added, summary.samples_updated, summary.annotations, summary.categories_added
    );
    Ok(())
}

/// Stores a job in one transaction and prints its warnings.
pub fn import_dataset(store: &mut Store, job: ImportJob) -> Result<ImportSummary> {
    let (summary, warnings) = import::import_dataset(store, job)?;
    print_warnings(&warnings);
    Ok(summary)
}

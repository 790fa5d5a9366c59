//! `assay import ...`: read a dataset, find its images, store it in one transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use assay_core::model::Dataset;
use assay_io::images::{locate_images, ImageRoot, LocatedImages};
use assay_io::{coco, folder, generated, voc, yolo, Warnings};
use assay_store::{DatasetImport, ImportSummary, SampleFile, Store};

use crate::output::{print_warnings, progress, spinner};

use clap::{Args, Subcommand};

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

/// A dataset read from files, ready to be stored.
pub struct ImportJob {
    /// Format name (`coco`, `yolo`, ...).
    pub format: &'static str,
    /// The file or folder read.
    pub source: PathBuf,
    /// Dataset to import into.
    pub dataset: String,
    /// Split for every sample, if given.
    pub split: Option<String>,
    /// What was read.
    pub data: Dataset,
    /// The image files found, if an image folder was given.
    pub images: LocatedImages,
    /// Whether the format has its own image and annotation ids.
    pub keep_ids: bool,
    /// Warnings of reading and locating.
    pub warnings: Warnings,
}

pub fn run(store: &mut Store, cmd: ImportCommand) -> Result<()> {
    let job = match cmd {
        ImportCommand::Coco {
            annotations,
            images,
            target,
        } => read_coco(&annotations, images.as_deref(), target)?,
        ImportCommand::Yolo {
            data,
            images,
            labels,
            classes,
            target,
        } => match data {
            Some(data) => read_yolo_data(&data, target)?,
            None => {
                let images = images.context("--images is required without --data")?;
                let classes = classes.context("--classes is required without --data")?;
                read_yolo_folders(&images, labels, &classes, target)?
            }
        },
        ImportCommand::Voc {
            annotations,
            images,
            classes,
            target,
        } => read_voc(&annotations, images.as_deref(), classes.as_deref(), target)?,
        ImportCommand::Folder {
            images,
            class_folders,
            labels,
            target,
        } => read_folder(&images, class_folders, labels.as_deref(), target)?,
        ImportCommand::Generated {
            manifest,
            images,
            target,
        } => read_generated(&manifest, images.as_deref(), target)?,
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
    let mut warnings = job.warnings;
    warnings.extend(job.images.warnings);
    print_warnings(&warnings);
    let files: HashMap<i64, SampleFile> = job
        .images
        .files
        .into_iter()
        .map(|(id, f)| {
            let file = SampleFile {
                path: f.path,
                content_hash: f.content_hash,
                bytes: f.bytes,
            };
            (id, file)
        })
        .collect();
    let counts = warnings.counts();
    let source = job.source.display().to_string();
    let summary = store.import_dataset(&DatasetImport {
        dataset: &job.dataset,
        format: job.format,
        source: &source,
        data: &job.data,
        files: &files,
        keep_ids: job.keep_ids,
        split: job.split.as_deref(),
        warnings: &counts,
    })?;
    Ok(summary)
}

/// Default dataset name: the file's stem or the folder's name.
fn name_of(target: &Target, source: &Path) -> String {
    target.dataset.clone().unwrap_or_else(|| {
        let stem = source.file_stem().or_else(|| source.file_name());
        stem.map_or_else(
            || "default".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    })
}

/// The image folder of an import, with the user's choice about paths
/// leading outside it.
fn image_root(dir: &Path, target: &Target) -> ImageRoot {
    if target.allow_absolute_paths {
        ImageRoot::allowing_outside(dir)
    } else {
        ImageRoot::new(dir)
    }
}

/// Finds the images of `data` under `root` with a progress bar.
fn locate(data: &mut Dataset, root: &ImageRoot) -> LocatedImages {
    let bar = progress(data.samples.len(), "images");
    let located = locate_images(data, root, || bar.inc(1));
    bar.finish_and_clear();
    located
}

pub fn read_coco(annotations: &Path, images: Option<&Path>, target: Target) -> Result<ImportJob> {
    let read = coco::read_coco(annotations)?;
    let mut data = read.dataset;
    let located = images
        .map(|dir| locate(&mut data, &image_root(dir, &target)))
        .unwrap_or_default();
    Ok(ImportJob {
        format: "coco",
        source: annotations.to_path_buf(),
        dataset: name_of(&target, annotations),
        split: target.split,
        data,
        images: located,
        keep_ids: true,
        warnings: read.warnings,
    })
}

fn read_yolo_folders(
    images: &Path,
    labels: Option<PathBuf>,
    classes: &Path,
    target: Target,
) -> Result<ImportJob> {
    let categories = yolo::read_class_names(classes)?;
    let labels = labels.unwrap_or_else(|| yolo::labels_dir_for(images));
    let bar = spinner("images");
    let root = image_root(images, &target);
    let read = yolo::read_yolo(&root, &labels, categories, || bar.inc(1))?;
    bar.finish_and_clear();
    Ok(ImportJob {
        format: "yolo",
        source: images.to_path_buf(),
        dataset: name_of(&target, images),
        split: target.split,
        data: read.dataset,
        images: read.images,
        keep_ids: false,
        warnings: read.warnings,
    })
}

/// Reads every split of a data.yaml into one dataset; file names are
/// relative to the YAML's `path:` so that splits cannot collide.
fn read_yolo_data(data_yaml: &Path, target: Target) -> Result<ImportJob> {
    let categories = yolo::read_class_names(data_yaml)?;
    let mut merged = Dataset {
        categories: categories.clone(),
        ..Dataset::default()
    };
    let mut files = HashMap::new();
    let mut warnings = Warnings::default();
    for split in yolo::read_splits(data_yaml)? {
        if !target.allow_absolute_paths {
            check_split_inside(data_yaml, &split.images)?;
        }
        let bar = spinner(&split.name);
        let root = image_root(&split.images, &target);
        let read = yolo::read_yolo(&root, &split.labels, categories.clone(), || bar.inc(1))?;
        bar.finish_and_clear();
        let offset = merged.samples.len() as i64;
        let annotation_offset = merged.annotations.len() as i64;
        let prefix = split
            .images
            .strip_prefix(data_yaml.parent().unwrap_or(Path::new("")))
            .unwrap_or(&split.images);
        for mut s in read.dataset.samples {
            s.file_name = assay_io::images::to_file_name(&prefix.join(&s.file_name));
            s.split = Some(target.split.clone().unwrap_or_else(|| split.name.clone()));
            s.id += offset;
            merged.samples.push(s);
        }
        for mut a in read.dataset.annotations {
            a.sample_id += offset;
            a.id += annotation_offset;
            merged.annotations.push(a);
        }
        files.extend(
            read.images
                .files
                .into_iter()
                .map(|(id, f)| (id + offset, f)),
        );
        warnings.extend(read.warnings);
        warnings.extend(read.images.warnings);
    }
    let name = target.dataset.clone().unwrap_or_else(|| {
        let dir = std::path::absolute(data_yaml).ok().and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        });
        dir.unwrap_or_else(|| "default".into())
    });
    Ok(ImportJob {
        format: "yolo",
        source: data_yaml.to_path_buf(),
        dataset: name,
        split: None,
        data: merged,
        images: LocatedImages {
            files,
            warnings: Warnings::default(),
        },
        keep_ids: false,
        warnings,
    })
}

/// A data.yaml from elsewhere must not point assay at folders outside the
/// dataset: its split folders must lie inside the YAML's folder.
fn check_split_inside(data_yaml: &Path, images: &Path) -> Result<()> {
    let base = data_yaml.parent().unwrap_or(Path::new("."));
    let (Ok(base), Ok(dir)) = (base.canonicalize(), images.canonicalize()) else {
        return Ok(()); // a missing folder is reported by the reader
    };
    anyhow::ensure!(
        dir.starts_with(&base),
        "{}: split folder {} lies outside the dataset folder {}; pass --allow-absolute-paths to read it",
        data_yaml.display(),
        images.display(),
        base.display()
    );
    Ok(())
}

fn read_voc(
    annotations: &Path,
    images: Option<&Path>,
    classes: Option<&Path>,
    target: Target,
) -> Result<ImportJob> {
    let classes = classes
        .map(|p| yolo::read_class_names(p).map(|c| c.into_iter().map(|c| c.name).collect()))
        .transpose()?;
    let read = voc::read_voc(annotations, classes)?;
    let mut data = read.dataset;
    let located = images
        .map(|dir| locate(&mut data, &image_root(dir, &target)))
        .unwrap_or_default();
    Ok(ImportJob {
        format: "voc",
        source: annotations.to_path_buf(),
        dataset: name_of(&target, annotations),
        split: target.split,
        data,
        images: located,
        keep_ids: false,
        warnings: read.warnings,
    })
}

/// Reads a folder of images, labelled by their class folders or by a
/// labels CSV.
pub fn read_folder(
    images: &Path,
    class_folders: bool,
    labels: Option<&Path>,
    target: Target,
) -> Result<ImportJob> {
    let mut read = folder::read_folder(images, class_folders)?;
    if let Some(labels) = labels {
        folder::add_labels_csv(&mut read, labels)?;
    }
    let mut data = read.dataset;
    let located = locate(&mut data, &image_root(images, &target));
    Ok(ImportJob {
        format: match (class_folders, labels.is_some()) {
            (true, _) => "class-folders",
            (false, true) => "folder+labels",
            (false, false) => "folder",
        },
        source: images.to_path_buf(),
        dataset: name_of(&target, images),
        split: target.split,
        data,
        images: located,
        keep_ids: false,
        warnings: read.warnings,
    })
}

/// Reads a generated-images manifest (images relative to `images`, or to
/// the manifest's folder) into an import job.
pub fn read_generated(manifest: &Path, images: Option<&Path>, target: Target) -> Result<ImportJob> {
    let read = generated::read_manifest(manifest)?;
    let mut data = read.dataset;
    let dir = images
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.parent().unwrap_or(Path::new(".")).to_path_buf());
    let located = locate(&mut data, &image_root(&dir, &target));
    Ok(ImportJob {
        format: "generated",
        source: manifest.to_path_buf(),
        dataset: name_of(&target, manifest),
        split: target.split,
        data,
        images: located,
        keep_ids: false,
        warnings: read.warnings,
    })
}

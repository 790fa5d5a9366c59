//! Importing a dataset: read it with its format's reader, find its images
//! (never outside the image folder unless the user allows it), and store
//! it in one transaction.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use assay_core::model::{Annotation, Category, Dataset};
use assay_io::images::{locate_images, ImageRoot, LocatedImages};
use assay_io::{coco, folder, generated, voc, yolo, Warnings};
use assay_store::{DatasetImport, DatasetIndex, ImportSummary, SampleFile, Store};

use crate::progress::Progress;

/// Where imported samples go.
#[derive(Debug, Clone, Default)]
pub struct ImportTarget {
    /// Dataset to import into (default: the source's name).
    pub dataset: Option<String>,
    /// Split for every imported image.
    pub split: Option<String>,
    /// Follow image paths that are absolute or lead outside the image folder.
    pub allow_absolute_paths: bool,
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

/// Stores a job in one transaction; returns what was stored and the
/// warnings of reading and locating it.
pub fn import_dataset(store: &mut Store, job: ImportJob) -> Result<(ImportSummary, Warnings)> {
    let mut warnings = job.warnings;
    warnings.extend(job.images.warnings);
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
    Ok((summary, warnings))
}

/// Default dataset name: the file's stem or the folder's name.
fn name_of(target: &ImportTarget, source: &Path) -> String {
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
fn image_root(dir: &Path, target: &ImportTarget) -> ImageRoot {
    if target.allow_absolute_paths {
        ImageRoot::allowing_outside(dir)
    } else {
        ImageRoot::new(dir)
    }
}

/// Finds the images of `data` under `root`.
fn locate(data: &mut Dataset, root: &ImageRoot, progress: &dyn Progress) -> LocatedImages {
    progress.start("images", data.samples.len() as u64);
    let located = locate_images(data, root, || progress.advance(1));
    progress.finish();
    located
}

/// Reads a COCO instances file (images under `images`, when given).
pub fn read_coco(
    annotations: &Path,
    images: Option<&Path>,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let read = coco::read_coco(annotations)?;
    let mut data = read.dataset;
    let located = images
        .map(|dir| locate(&mut data, &image_root(dir, &target), progress))
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

/// Reads YOLO label files beside an image folder, with a class list.
pub fn read_yolo_folders(
    images: &Path,
    labels: Option<PathBuf>,
    classes: &Path,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let categories = yolo::read_class_names(classes)?;
    let labels = labels.unwrap_or_else(|| yolo::labels_dir_for(images));
    progress.start("images", 0);
    let root = image_root(images, &target);
    let read = yolo::read_yolo(&root, &labels, categories, || progress.advance(1))?;
    progress.finish();
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
pub fn read_yolo_data(
    data_yaml: &Path,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
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
        progress.start(&split.name, 0);
        let root = image_root(&split.images, &target);
        let read = yolo::read_yolo(&root, &split.labels, categories.clone(), || {
            progress.advance(1)
        })?;
        progress.finish();
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

/// Reads Pascal VOC XML files (images under `images`, when given).
pub fn read_voc(
    annotations: &Path,
    images: Option<&Path>,
    classes: Option<&Path>,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let classes = classes
        .map(|p| yolo::read_class_names(p).map(|c| c.into_iter().map(|c| c.name).collect()))
        .transpose()?;
    let read = voc::read_voc(annotations, classes)?;
    let mut data = read.dataset;
    let located = images
        .map(|dir| locate(&mut data, &image_root(dir, &target), progress))
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

/// Reads a CVAT for images 1.1 XML file.
pub fn read_cvat(
    annotations: &Path,
    images: Option<&Path>,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let mut data = assay_io::cvat::read_cvat(annotations)?.dataset;
    labelled_files(annotations, "cvat", &mut data, images, target, progress)
}

/// Reads a folder of LabelMe JSON files.
pub fn read_labelme(
    annotations: &Path,
    images: Option<&Path>,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let mut data = assay_io::labelme::read_labelme(annotations)?;
    labelled_files(annotations, "labelme", &mut data, images, target, progress)
}

/// The import of a dataset read from `annotations` whose images lie in
/// `images`, the source's own ids kept.
fn labelled_files(
    annotations: &Path,
    format: &'static str,
    data: &mut Dataset,
    images: Option<&Path>,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let located = images
        .map(|dir| locate(data, &image_root(dir, &target), progress))
        .unwrap_or_default();
    Ok(ImportJob {
        format,
        source: annotations.to_path_buf(),
        dataset: name_of(&target, annotations),
        split: target.split,
        data: std::mem::take(data),
        images: located,
        keep_ids: false,
        warnings: Warnings::default(),
    })
}

/// Reads a folder of images, labelled by their class folders or by a
/// labels CSV.
pub fn read_folder(
    images: &Path,
    class_folders: bool,
    labels: Option<&Path>,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let mut read = folder::read_folder(images, class_folders)?;
    if let Some(labels) = labels {
        folder::add_labels_csv(&mut read, labels)?;
    }
    let mut data = read.dataset;
    let located = locate(&mut data, &image_root(images, &target), progress);
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
pub fn read_generated(
    manifest: &Path,
    images: Option<&Path>,
    target: ImportTarget,
    progress: &dyn Progress,
) -> Result<ImportJob> {
    let read = generated::read_manifest(manifest)?;
    let mut data = read.dataset;
    let dir = images
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.parent().unwrap_or(Path::new(".")).to_path_buf());
    let located = locate(&mut data, &image_root(&dir, &target), progress);
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

/// A model's predicted objects in a file format.
pub enum PredictionFiles {
    /// A COCO results file.
    Coco(PathBuf),
    /// A folder of YOLO prediction files (`class cx cy w h conf`).
    Yolo(PathBuf),
    /// A COCO results list in memory (JSON); `name` names it in errors.
    CocoJson {
        /// What the list is called in errors.
        name: String,
        /// The JSON text.
        json: Vec<u8>,
    },
}

/// What storing predictions did.
pub struct AddedPredictions {
    /// The dataset.
    pub dataset: String,
    /// Predictions stored.
    pub predictions: usize,
    /// Images with at least one.
    pub images: usize,
    /// Images of the dataset (or split).
    pub of_images: usize,
    /// What reading warned about.
    pub warnings: Warnings,
}

/// Reads a model's predictions (matched to the dataset's images, within
/// `split` when given) and stores them, replacing the model's earlier ones.
pub fn add_predictions(
    store: &mut Store,
    dataset: Option<&str>,
    split: Option<&str>,
    model: &str,
    source: &PredictionFiles,
) -> Result<AddedPredictions> {
    let dataset = crate::project::choose_dataset(store, dataset)?;
    let index = store.dataset_index(&dataset, split)?;
    let (predictions, warnings) = match source {
        PredictionFiles::Coco(path) => read_coco_results(path, &index)?,
        PredictionFiles::Yolo(dir) => read_yolo_predictions(dir, &index)?,
        PredictionFiles::CocoJson { name, json } => {
            parse_coco_results(Path::new(name), json, &index)?
        }
    };
    let n = store.add_predictions(&dataset, model, &predictions)?;
    let images: HashSet<i64> = predictions.iter().map(|p| p.sample_id).collect();
    Ok(AddedPredictions {
        dataset,
        predictions: n,
        images: images.len(),
        of_images: index.images.len(),
        warnings,
    })
}

/// Reads a COCO results file against the dataset's ids.
pub fn read_coco_results(path: &Path, index: &DatasetIndex) -> Result<(Vec<Annotation>, Warnings)> {
    let bytes = assay_io::error::read_file(path)?;
    parse_coco_results(path, &bytes, index)
}

/// Parses a COCO results list against the dataset's ids; `path` names it
/// in errors.
fn parse_coco_results(
    path: &Path,
    bytes: &[u8],
    index: &DatasetIndex,
) -> Result<(Vec<Annotation>, Warnings)> {
    let sizes: HashMap<i64, Option<(u32, u32)>> = index
        .images
        .iter()
        .map(|(id, (_, size))| (*id, *size))
        .collect();
    let categories: HashSet<i64> = index.categories.iter().map(|c| c.id).collect();
    let error = coco::UnknownCategory::Error;
    Ok(coco::parse_coco_results_with(
        path,
        bytes,
        &sizes,
        &categories,
        error,
    )?)
}

/// Reads YOLO prediction files: class `k` is the dataset's k-th class (by id),
/// and files are matched to images by path or by file name without extension.
fn read_yolo_predictions(dir: &Path, index: &DatasetIndex) -> Result<(Vec<Annotation>, Warnings)> {
    let mut by_stem: HashMap<String, yolo::ImageRef> = HashMap::new();
    let mut basename_count: HashMap<String, usize> = HashMap::new();
    for stem in index.stems.keys() {
        let base = stem.rsplit('/').next().unwrap_or(stem).to_string();
        *basename_count.entry(base).or_default() += 1;
    }
    for (stem, id) in &index.stems {
        let entry = (*id, index.images.get(id).and_then(|(_, size)| *size));
        let base = stem.rsplit('/').next().unwrap_or(stem).to_string();
        if basename_count[&base] == 1 {
            by_stem.insert(base, entry);
        }
        by_stem.insert(stem.clone(), entry);
    }
    let by_index: Vec<Category> = index
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| Category::named(i as i64, &c.name))
        .collect();
    let (mut predictions, warnings) = yolo::read_yolo_predictions(dir, &by_stem, &by_index)?;
    for p in &mut predictions {
        p.category_id = index.categories[p.category_id as usize].id;
    }
    Ok((predictions, warnings))
}

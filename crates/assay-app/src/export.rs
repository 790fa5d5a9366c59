//! Exports of a project's datasets: the selection, COCO files (with one
//! id renumbering for datasets merged from several imports, used by the
//! CLI and the server alike), YOLO folders with their images, and column
//! tables of samples, annotations, predictions and classes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use assay_core::model::{Annotation, Dataset};
use assay_io::table::{Column, Table};
use assay_io::yolo;
use assay_store::{Selection, Store};

use crate::project::choose_dataset;

/// Which samples to export.
#[derive(Debug, Clone, Default)]
pub struct ExportSelection {
    /// The dataset (default: the only one).
    pub dataset: Option<String>,
    /// Only this split.
    pub split: Option<String>,
    /// Only images with an annotation of one of these classes.
    pub classes: Vec<String>,
    /// Only these images (file names or ids).
    pub samples: Option<HashSet<String>>,
}

impl ExportSelection {
    /// The dataset it names, and the store's selection.
    pub fn resolve(&self, store: &Store) -> Result<(String, Selection)> {
        let dataset = choose_dataset(store, self.dataset.as_deref())?;
        let chosen = Selection {
            split: self.split.clone(),
            classes: self.classes.clone(),
            samples: self.samples.clone(),
        };
        Ok((dataset, chosen))
    }
}

/// The dataset a selection names, and its selected samples.
pub fn load(store: &Store, selection: &ExportSelection) -> Result<(String, Dataset)> {
    let (dataset, chosen) = selection.resolve(store)?;
    let data = store.load_dataset(&dataset, &chosen)?;
    Ok((dataset, data))
}

/// A dataset ready to write as COCO instances.
pub struct CocoExport {
    /// The data, ids unique.
    pub data: Dataset,
    /// Whether repeated ids were renumbered from 1.
    pub renumbered: bool,
}

/// The selected samples of `dataset` as a COCO file holds them: with the
/// sources' ids, or, when those repeat (a dataset merged from several
/// imports), renumbered from 1 in import order.
pub fn coco_export(store: &Store, dataset: &str, selection: &Selection) -> Result<CocoExport> {
    let data = store.load_dataset(dataset, selection)?;
    if ids_are_unique(&data) {
        return Ok(CocoExport {
            data,
            renumbered: false,
        });
    }
    Ok(CocoExport {
        data: store.load_dataset_renumbered(dataset, selection)?,
        renumbered: true,
    })
}

/// Whether images, annotations and categories each have distinct ids.
fn ids_are_unique(data: &Dataset) -> bool {
    let unique = |ids: Vec<i64>| ids.iter().collect::<HashSet<_>>().len() == ids.len();
    unique(data.samples.iter().map(|s| s.id).collect())
        && unique(data.annotations.iter().map(|a| a.id).collect())
        && unique(data.categories.iter().map(|c| c.id).collect())
}

/// The stored predictions of `model` on the selected samples of `data`.
pub fn selected_predictions(
    store: &Store,
    dataset: &str,
    model: &str,
    data: &Dataset,
) -> Result<Vec<Annotation>> {
    let ids: HashSet<i64> = data.samples.iter().map(|s| s.id).collect();
    let mut predictions = store.load_predictions(dataset, model)?.predictions;
    predictions.retain(|p| ids.contains(&p.sample_id));
    Ok(predictions)
}

/// What copying a dataset's images under a YOLO folder did.
#[derive(Debug, Default)]
pub struct CopiedImages {
    /// Images copied.
    pub copied: usize,
    /// Why some images were not copied, one line each.
    pub warnings: Vec<String>,
}

/// Copies each sample's recorded file to `images/<split>/<file name>`
/// under `out`; names that would lead outside `out` are left out with a
/// warning, and a destination that is the source itself is not written.
pub fn copy_images_into(
    store: &Store,
    dataset: &str,
    data: &Dataset,
    out: &Path,
) -> Result<CopiedImages> {
    let paths = store.sample_paths(dataset)?;
    let mut done = CopiedImages::default();
    for s in &data.samples {
        let Some(src) = paths.get(&s.id) else {
            continue;
        };
        let split = s.split.as_deref().unwrap_or("default");
        let dest = match yolo::image_path(out, split, &s.file_name) {
            Ok(dest) => dest,
            Err(why) => {
                done.warnings
                    .push(format!("{why}; its image was not copied"));
                continue;
            }
        };
        match assay_io::output::copy_inside(out, src, &dest)
            .with_context(|| format!("cannot copy {} to {}", src.display(), dest.display()))?
        {
            assay_io::output::Copied::Copied => done.copied += 1,
            assay_io::output::Copied::SameFile => done.warnings.push(format!(
                "{} is the source image itself; left as it is",
                dest.display()
            )),
        }
    }
    Ok(done)
}

/// Which table to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum TableKind {
    /// One row per image.
    Samples,
    /// One row per ground-truth annotation.
    Annotations,
    /// One row per prediction of a model.
    Predictions,
    /// One row per class with counts.
    Classes,
}

/// The table of the selected samples.
pub fn table(
    store: &Store,
    which: TableKind,
    model: Option<&str>,
    selection: &ExportSelection,
) -> Result<Table> {
    let (dataset, data) = load(store, selection)?;
    Ok(match which {
        TableKind::Samples => samples_table(&data, &store.sample_paths(&dataset)?),
        TableKind::Annotations => annotations_table(&data, &data.annotations),
        TableKind::Predictions => {
            let model = model.context("--model is required for the predictions table")?;
            annotations_table(&data, &selected_predictions(store, &dataset, model, &data)?)
        }
        TableKind::Classes => classes_table(&data),
    })
}

fn samples_table(data: &Dataset, paths: &HashMap<i64, PathBuf>) -> Table {
    let s = &data.samples;
    let mut t = Table::default();
    t.push(
        "image_id",
        Column::Int(s.iter().map(|s| Some(s.id)).collect()),
    );
    t.push(
        "file_name",
        Column::Text(s.iter().map(|s| Some(s.file_name.clone())).collect()),
    );
    t.push(
        "split",
        Column::Text(s.iter().map(|s| s.split.clone()).collect()),
    );
    t.push(
        "width",
        Column::Int(s.iter().map(|s| s.width.map(i64::from)).collect()),
    );
    t.push(
        "height",
        Column::Int(s.iter().map(|s| s.height.map(i64::from)).collect()),
    );
    t.push(
        "path",
        Column::Text(
            s.iter()
                .map(|s| paths.get(&s.id).map(|p| p.display().to_string()))
                .collect(),
        ),
    );
    let generation = |f: fn(&assay_core::model::Generation) -> String| {
        Column::Text(s.iter().map(|s| s.generation.as_ref().map(f)).collect())
    };
    t.push("prompt", generation(|g| g.prompt.clone()));
    t.push("model", generation(|g| g.model.clone()));
    t.push(
        "seed",
        Column::Int(
            s.iter()
                .map(|s| s.generation.as_ref().and_then(|g| g.seed))
                .collect(),
        ),
    );
    t
}

fn annotations_table(data: &Dataset, annotations: &[Annotation]) -> Table {
    let files: HashMap<i64, &str> = data
        .samples
        .iter()
        .map(|s| (s.id, s.file_name.as_str()))
        .collect();
    let names: HashMap<i64, &str> = data
        .categories
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let a = annotations;
    let coord = |f: fn(&assay_core::geometry::BBox) -> f64| {
        Column::Float(a.iter().map(|a| a.bbox.as_ref().map(f)).collect())
    };
    let mut t = Table::default();
    t.push("id", Column::Int(a.iter().map(|a| Some(a.id)).collect()));
    t.push(
        "image_id",
        Column::Int(a.iter().map(|a| Some(a.sample_id)).collect()),
    );
    t.push(
        "file_name",
        Column::Text(
            a.iter()
                .map(|a| files.get(&a.sample_id).map(|f| f.to_string()))
                .collect(),
        ),
    );
    t.push(
        "category_id",
        Column::Int(a.iter().map(|a| Some(a.category_id)).collect()),
    );
    t.push(
        "category",
        Column::Text(
            a.iter()
                .map(|a| names.get(&a.category_id).map(|n| n.to_string()))
                .collect(),
        ),
    );
    t.push(
        "kind",
        Column::Text(
            a.iter()
                .map(|a| Some(a.kind().as_str().to_string()))
                .collect(),
        ),
    );
    t.push("x", coord(|b| b.x));
    t.push("y", coord(|b| b.y));
    t.push("w", coord(|b| b.w));
    t.push("h", coord(|b| b.h));
    t.push("area", Column::Float(a.iter().map(|a| a.area).collect()));
    t.push(
        "iscrowd",
        Column::Int(a.iter().map(|a| Some(i64::from(a.iscrowd))).collect()),
    );
    t.push("score", Column::Float(a.iter().map(|a| a.score).collect()));
    t
}

fn classes_table(data: &Dataset) -> Table {
    let mut annotations: HashMap<i64, i64> = HashMap::new();
    let mut images: HashMap<i64, HashSet<i64>> = HashMap::new();
    for a in &data.annotations {
        *annotations.entry(a.category_id).or_default() += 1;
        images.entry(a.category_id).or_default().insert(a.sample_id);
    }
    let c = &data.categories;
    let mut t = Table::default();
    t.push(
        "category_id",
        Column::Int(c.iter().map(|c| Some(c.id)).collect()),
    );
    t.push(
        "name",
        Column::Text(c.iter().map(|c| Some(c.name.clone())).collect()),
    );
    t.push(
        "supercategory",
        Column::Text(c.iter().map(|c| c.supercategory.clone()).collect()),
    );
    t.push(
        "annotations",
        Column::Int(
            c.iter()
                .map(|c| Some(annotations.get(&c.id).copied().unwrap_or(0)))
                .collect(),
        ),
    );
    t.push(
        "images",
        Column::Int(
            c.iter()
                .map(|c| Some(images.get(&c.id).map_or(0, |s| s.len() as i64)))
                .collect(),
        ),
    );
    t
}

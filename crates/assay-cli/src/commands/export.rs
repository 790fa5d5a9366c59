//! `assay export ...`: datasets and selections back to COCO and YOLO, tables to CSV and Parquet.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::path::PathBuf;

use anyhow::{Context, Result};
use assay_core::model::{Annotation, Dataset};
use assay_io::table::{write_table, Column, Table};
use assay_io::{coco, yolo};
use assay_store::{Selection, Store};

use clap::{Args, Subcommand, ValueEnum};

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

pub fn run(store: &Store, cmd: ExportCommand) -> Result<()> {
    match cmd {
        ExportCommand::Coco {
            out,
            model,
            selection,
        } => export_coco(store, &out, model.as_deref(), &selection),
        ExportCommand::Yolo {
            out,
            copy_images,
            selection,
        } => export_yolo(store, &out, copy_images, &selection),
        ExportCommand::Table {
            table,
            out,
            model,
            selection,
        } => export_table(store, table, &out, model.as_deref(), &selection),
    }
}

fn load(store: &Store, args: &SelectionArgs) -> Result<(String, Dataset)> {
    let dataset = super::choose_dataset(store, args.dataset.as_deref())?;
    let selection = Selection {
        split: args.split.clone(),
        classes: args.classes.clone(),
        samples: args.samples.as_deref().map(super::read_list).transpose()?,
    };
    let data = store.load_dataset(&dataset, &selection)?;
    Ok((dataset, data))
}

fn export_coco(store: &Store, out: &Path, model: Option<&str>, args: &SelectionArgs) -> Result<()> {
    let (dataset, mut data) = load(store, args)?;
    if let Some(model) = model {
        let predictions = selected_predictions(store, &dataset, model, &data)?;
        coco::write_coco_results(&predictions, out)?;
        println!(
            "Wrote {} predictions of {model:?} to {}",
            predictions.len(),
            out.display()
        );
        return Ok(());
    }
    if renumber_duplicate_ids(&mut data) {
        eprintln!("warning: ids repeat across the imports of this dataset; images and annotations were renumbered from 1");
    }
    coco::write_coco(&data, out)?;
    println!(
        "Wrote {} images, {} annotations, {} categories to {}",
        data.samples.len(),
        data.annotations.len(),
        data.categories.len(),
        out.display()
    );
    Ok(())
}

fn selected_predictions(
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

/// Gives images, annotations and categories fresh ids from 1 when any of
/// them repeat (datasets merged from several imports); returns whether it did.
fn renumber_duplicate_ids(data: &mut Dataset) -> bool {
    let unique = |ids: Vec<i64>| ids.iter().collect::<HashSet<_>>().len() == ids.len();
    let samples_ok = unique(data.samples.iter().map(|s| s.id).collect());
    let annotations_ok = unique(data.annotations.iter().map(|a| a.id).collect());
    let categories_ok = unique(data.categories.iter().map(|c| c.id).collect());
    if samples_ok && annotations_ok && categories_ok {
        return false;
    }
    // Annotations follow their sample in load order, so positions map old ids to new ones.
    let mut sample_ids = Vec::new();
    for (i, s) in data.samples.iter_mut().enumerate() {
        sample_ids.push(s.id);
        s.id = i as i64 + 1;
    }
    let category_ids: HashMap<i64, i64> = data
        .categories
        .iter_mut()
        .enumerate()
        .map(|(i, c)| (std::mem::replace(&mut c.id, i as i64 + 1), i as i64 + 1))
        .collect();
    let mut sample_pos = 0;
    for (i, a) in data.annotations.iter_mut().enumerate() {
        while sample_ids
            .get(sample_pos)
            .is_some_and(|id| *id != a.sample_id)
        {
            sample_pos += 1;
        }
        a.id = i as i64 + 1;
        a.sample_id = sample_pos as i64 + 1;
        a.category_id = category_ids
            .get(&a.category_id)
            .copied()
            .unwrap_or(a.category_id);
    }
    true
}

fn export_yolo(store: &Store, out: &Path, copy_images: bool, args: &SelectionArgs) -> Result<()> {
    let (dataset, data) = load(store, args)?;
    let written = yolo::write_yolo(&data, out)?;
    crate::output::print_warnings(&written.warnings);
    let skipped = data
        .samples
        .iter()
        .filter(|s| s.width.is_none() || s.height.is_none())
        .count();
    if skipped > 0 {
        eprintln!("warning: {skipped} images have no known size and were left out (YOLO labels are normalised)");
    }
    if copy_images {
        let copied = copy_images_into(store, &dataset, &data, out)?;
        println!("Copied {copied} images");
    }
    println!(
        "Wrote {} label files and data.yaml to {}",
        written.files.len() - 1,
        out.display()
    );
    Ok(())
}

/// Copies each sample's recorded file to `images/<split>/<file name>`
/// under `out`; names that would lead outside `out` are left out with a
/// warning, and a destination that is the source itself is not written.
fn copy_images_into(store: &Store, dataset: &str, data: &Dataset, out: &Path) -> Result<usize> {
    let paths = store.sample_paths(dataset)?;
    let mut copied = 0;
    for s in &data.samples {
        let Some(src) = paths.get(&s.id) else {
            continue;
        };
        let split = s.split.as_deref().unwrap_or("default");
        let dest = match yolo::image_path(out, split, &s.file_name) {
            Ok(dest) => dest,
            Err(why) => {
                eprintln!("warning: {why}; its image was not copied");
                continue;
            }
        };
        match assay_io::output::copy_inside(out, src, &dest)
            .with_context(|| format!("cannot copy {} to {}", src.display(), dest.display()))?
        {
            assay_io::output::Copied::Copied => copied += 1,
            assay_io::output::Copied::SameFile => eprintln!(
                "warning: {} is the source image itself; left as it is",
                dest.display()
            ),
        }
    }
    Ok(copied)
}

fn export_table(
    store: &Store,
    which: TableName,
    out: &Path,
    model: Option<&str>,
    args: &SelectionArgs,
) -> Result<()> {
    let (dataset, data) = load(store, args)?;
    let table = match which {
        TableName::Samples => samples_table(&data, &store.sample_paths(&dataset)?),
        TableName::Annotations => annotations_table(&data, &data.annotations),
        TableName::Predictions => {
            let model = model.context("--model is required for the predictions table")?;
            annotations_table(&data, &selected_predictions(store, &dataset, model, &data)?)
        }
        TableName::Classes => classes_table(&data),
    };
    write_table(&table, out)?;
    println!("Wrote {} rows to {}", table.rows(), out.display());
    Ok(())
}

fn samples_table(data: &Dataset, paths: &HashMap<i64, std::path::PathBuf>) -> Table {
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

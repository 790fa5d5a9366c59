//! `assay export ...`: datasets and selections back to COCO and YOLO, tables to CSV and Parquet.

use std::path::Path;
use std::path::PathBuf;

use anyhow::Result;
use assay_app::export::{self, ExportSelection, TableKind};
use assay_io::table::write_table;
use assay_io::{coco, yolo};
use assay_store::Store;

use clap::{Args, Subcommand};

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
        /// The ground truth with the fixes reviewers agreed on applied (a
        /// new version; the stored labels stay), and a changelog written
        /// to <out>.changelog.json.
        #[arg(long, conflicts_with = "model")]
        reviewed: bool,
        /// With --reviewed: only this queue's fixes (repeatable).
        #[arg(long = "queue", value_name = "NAME", requires = "reviewed")]
        queues: Vec<String>,
        #[command(flatten)]
        selection: SelectionArgs,
    },
    /// Ground truth as CVAT for images 1.1 XML (boxes and polygons).
    #[command(after_help = "Example:\n  assay export cvat --out annotations.xml --split val")]
    Cvat {
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        selection: SelectionArgs,
    },
    /// Ground truth as LabelMe JSON, one file per image.
    #[command(after_help = "Example:\n  assay export labelme --out ./labelme")]
    Labelme {
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
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
        /// The labels with the fixes reviewers agreed on applied, and a
        /// changelog in <out>/changelog.json.
        #[arg(long)]
        reviewed: bool,
        /// With --reviewed: only this queue's fixes (repeatable).
        #[arg(long = "queue", value_name = "NAME", requires = "reviewed")]
        queues: Vec<String>,
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
        table: TableKind,
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

/// The selection of the command line.
fn selection(args: &SelectionArgs) -> Result<ExportSelection> {
    Ok(ExportSelection {
        dataset: args.dataset.clone(),
        split: args.split.clone(),
        classes: args.classes.clone(),
        samples: args.samples.as_deref().map(super::read_list).transpose()?,
    })
}

/// Runs `assay export ...`.
pub fn run(store: &Store, cmd: ExportCommand) -> Result<()> {
    match cmd {
        ExportCommand::Coco {
            out,
            reviewed: true,
            queues,
            selection: args,
            ..
        } => export_reviewed(store, &out, &queues, &selection(&args)?),
        ExportCommand::Coco {
            out,
            model,
            selection: args,
            ..
        } => export_coco(store, &out, model.as_deref(), &selection(&args)?),
        ExportCommand::Yolo {
            out,
            copy_images,
            reviewed,
            queues,
            selection: args,
        } => {
            let reviewed = reviewed.then_some(queues.as_slice());
            export_yolo(store, &out, copy_images, reviewed, &selection(&args)?)
        }
        ExportCommand::Cvat {
            out,
            selection: args,
        } => {
            let data = unique_ids(store, &selection(&args)?)?;
            assay_io::cvat::write_cvat(&data, None, &out)?;
            println!(
                "Wrote {} images, {} annotations as CVAT XML to {}",
                data.samples.len(),
                data.annotations.len(),
                out.display()
            );
            Ok(())
        }
        ExportCommand::Labelme {
            out,
            selection: args,
        } => {
            let data = unique_ids(store, &selection(&args)?)?;
            let written = assay_io::labelme::write_labelme(&data, &out)?;
            println!("Wrote {written} LabelMe files to {}", out.display());
            Ok(())
        }
        ExportCommand::Table {
            table,
            out,
            model,
            selection: args,
        } => {
            let table = export::table(store, table, model.as_deref(), &selection(&args)?)?;
            write_table(&table, &out)?;
            println!("Wrote {} rows to {}", table.rows(), out.display());
            Ok(())
        }
    }
}

fn export_coco(
    store: &Store,
    out: &Path,
    model: Option<&str>,
    selection: &ExportSelection,
) -> Result<()> {
    if let Some(model) = model {
        let (dataset, data) = export::load(store, selection)?;
        let predictions = export::selected_predictions(store, &dataset, model, &data)?;
        coco::write_coco_results(&predictions, out)?;
        println!(
            "Wrote {} predictions of {model:?} to {}",
            predictions.len(),
            out.display()
        );
        return Ok(());
    }
    let (dataset, chosen) = selection.resolve(store)?;
    let export = export::coco_export(store, &dataset, &chosen)?;
    if export.renumbered {
        eprintln!("warning: ids repeat across the imports of this dataset; images and annotations were renumbered from 1");
    }
    let data = &export.data;
    coco::write_coco(data, out)?;
    println!(
        "Wrote {} images, {} annotations, {} categories to {}",
        data.samples.len(),
        data.annotations.len(),
        data.categories.len(),
        out.display()
    );
    Ok(())
}

/// The selected images with ids unique (renumbered when imports repeat them).
fn unique_ids(store: &Store, selection: &ExportSelection) -> Result<assay_core::model::Dataset> {
    let (dataset, chosen) = selection.resolve(store)?;
    let export = export::coco_export(store, &dataset, &chosen)?;
    if export.renumbered {
        eprintln!("warning: ids repeat across the imports of this dataset; images and annotations were renumbered from 1");
    }
    Ok(export.data)
}

/// The reviewed version of the selected images as COCO, and its changelog.
fn export_reviewed(
    store: &Store,
    out: &Path,
    queues: &[String],
    selection: &ExportSelection,
) -> Result<()> {
    let (dataset, chosen) = selection.resolve(store)?;
    let (mut data, changelog) = assay_app::review::corrected_dataset(store, &dataset, queues)?;
    let selected: std::collections::HashSet<i64> = store
        .load_dataset(&dataset, &chosen)?
        .samples
        .iter()
        .map(|s| s.id)
        .collect();
    data.samples.retain(|s| selected.contains(&s.id));
    data.annotations.retain(|a| selected.contains(&a.sample_id));
    coco::write_coco(&data, out)?;
    let log_path = PathBuf::from(format!("{}.changelog.json", out.display()));
    std::fs::write(&log_path, serde_json::to_string_pretty(&changelog)?)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", log_path.display()))?;
    println!(
        "Wrote {} images, {} annotations to {} with {} reviewed fixes applied ({} ties left as they were); changelog in {}",
        data.samples.len(),
        data.annotations.len(),
        out.display(),
        changelog.applied,
        changelog.ties,
        log_path.display()
    );
    Ok(())
}

fn export_yolo(
    store: &Store,
    out: &Path,
    copy_images: bool,
    reviewed: Option<&[String]>,
    selection: &ExportSelection,
) -> Result<()> {
    let (dataset, mut data) = export::load(store, selection)?;
    if let Some(queues) = reviewed {
        let (corrected, changelog) = assay_app::review::corrected_dataset(store, &dataset, queues)?;
        let chosen: std::collections::HashSet<i64> = data.samples.iter().map(|s| s.id).collect();
        data.annotations = corrected
            .annotations
            .into_iter()
            .filter(|a| chosen.contains(&a.sample_id))
            .collect();
        std::fs::create_dir_all(out)?;
        assay_io::output::write_inside(
            out,
            &out.join("changelog.json"),
            serde_json::to_string_pretty(&changelog)?.as_bytes(),
        )?;
        println!(
            "{} reviewed fixes applied ({} ties left as they were); changelog in {}",
            changelog.applied,
            changelog.ties,
            out.join("changelog.json").display()
        );
    }
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
        let copied = export::copy_images_into(store, &dataset, &data, out)?;
        for w in &copied.warnings {
            eprintln!("warning: {w}");
        }
        println!("Copied {} images", copied.copied);
    }
    println!(
        "Wrote {} label files and data.yaml to {}",
        written.files.len() - 1,
        out.display()
    );
    Ok(())
}

//! `assay metrics`: the user's own image and object metrics, without
//! recompiling.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use assay_app::metrics::{
    define_expression, define_object_expression, import_csv, run_command, Stored,
};
use assay_app::project::choose_dataset;
use assay_app::runs::find_run;
use assay_store::Store;
use clap::Subcommand;

use crate::output::table;

/// `assay metrics ...`.
#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Import image metrics from a CSV file: a key column (file_name, file,
    /// image or path; or image_id, id) and one column per metric.
    Import {
        /// The CSV file.
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Define an image metric as an expression over stored image metrics
    /// (e.g. "brightness * contrast", "sqrt(noise) + 2 * blurriness"), or
    /// with --objects an object metric over the objects' columns
    /// ("object_area / brightness"; with --run also found, iou, score).
    Define {
        /// The metric's name.
        name: String,
        /// The expression.
        #[arg(long)]
        expr: String,
        /// A metric of ground-truth objects: over image metrics, object_*
        /// metrics and box_area, box_aspect_ratio, box_relative_area.
        #[arg(long)]
        objects: bool,
        /// With --objects: also the outcome of this detection run (id or
        /// model): found (1 or 0), iou, score.
        #[arg(long, requires = "objects")]
        run: Option<String>,
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Score the images with a program: it reads one JSON object per image
    /// on stdin ({"id", "file_name", "path", "metrics"}) and writes one per
    /// image on stdout ({"id": 7, "my_score": 0.4}).
    Run {
        /// The command (run with `sh -c`).
        #[arg(long)]
        command: String,
        /// Seconds before the program is stopped.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// List the custom metrics of a dataset.
    List {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `assay metrics ...`.
pub fn run(store: &mut Store, cmd: MetricsCommand) -> Result<()> {
    match cmd {
        MetricsCommand::Import { csv, dataset } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            report(&dataset, &import_csv(store, &dataset, &csv)?);
        }
        MetricsCommand::Define {
            name,
            expr,
            objects,
            run,
            dataset,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            if !objects {
                let n = define_expression(store, &dataset, &name, &expr)?;
                println!("Stored {name} = {expr} for {n} images of {dataset}");
                return Ok(());
            }
            let run = match run {
                Some(r) => Some(find_run(&store.runs(None)?, &r, Some(&dataset))?.id),
                None => None,
            };
            let n = define_object_expression(store, &dataset, &name, &expr, run)?;
            println!("Stored {name} = {expr} for {n} objects of {dataset} (object_{name} in assay analyze)");
        }
        MetricsCommand::Run {
            command,
            timeout,
            dataset,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            // A program that exits without reading all its input must not
            // end assay with SIGPIPE: its writes then fail instead.
            let _ignore = IgnoreSigpipe::new();
            let stored = run_command(store, &dataset, &command, Duration::from_secs(timeout))?;
            report(&dataset, &stored);
        }
        MetricsCommand::List { dataset, json } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let metrics = store.custom_metrics(&dataset)?;
            if json {
                println!("{}", serde_json::to_string(&metrics)?);
                return Ok(());
            }
            if metrics.is_empty() {
                println!("No custom metrics on {dataset}; add some with `assay metrics import|define|run`.");
                return Ok(());
            }
            let mut t = table(&["metric", "of", "source", "definition", "values"]);
            for m in metrics {
                let of = match m.run {
                    Some(r) => format!("{} (run {r})", m.level.as_str()),
                    None => m.level.as_str().to_string(),
                };
                t.add_row(vec![
                    m.name,
                    of,
                    m.source,
                    m.definition,
                    m.count.to_string(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(())
}

fn report(dataset: &str, stored: &Stored) {
    for (name, n) in &stored.metrics {
        println!("Stored {name} for {n} images of {dataset}");
    }
    if stored.unmatched > 0 {
        println!(
            "{} rows named no image of {dataset} and were left out",
            stored.unmatched
        );
    }
}

/// Ignores SIGPIPE while it lives (the CLI otherwise ends quietly on it,
/// for `assay ... | head`), restoring the default after.
struct IgnoreSigpipe;

impl IgnoreSigpipe {
    fn new() -> Self {
        #[cfg(unix)]
        // SAFETY: changing a signal's disposition has no memory-safety
        // requirements.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
        IgnoreSigpipe
    }
}

impl Drop for IgnoreSigpipe {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: as above.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
}

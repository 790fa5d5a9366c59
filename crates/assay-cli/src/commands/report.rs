//! `assay report`: everything the project holds as one self-contained
//! HTML file or a Markdown summary (`assay-report` builds both).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use assay_report::{collect, format, ReportOptions};
use assay_store::Store;

use clap::{Args, ValueEnum};

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

/// Writes the report and says where, how large, and how long it took.
pub fn run(store: &Store, args: &ReportArgs) -> Result<()> {
    let started = Instant::now();
    let written = write_report(store, args)?;
    if let Some((path, size)) = written {
        eprintln!(
            "Wrote {} ({}) in {:.1} s.",
            path.display(),
            format::bytes(size),
            started.elapsed().as_secs_f64()
        );
        if args.format == ReportFormat::Html {
            eprintln!("Open it in any browser; it makes no network requests.");
        }
    }
    Ok(())
}

/// Builds and writes the report; returns the file and its size (`None`
/// when written to stdout).
pub fn write_report(store: &Store, args: &ReportArgs) -> Result<Option<(PathBuf, u64)>> {
    let options = ReportOptions {
        dataset: args.dataset.clone(),
        examples_per_issue: args.examples,
        thumbnails: args.format == ReportFormat::Html,
        ..ReportOptions::default()
    };
    let data = collect(store, &options)?;
    let text = match args.format {
        ReportFormat::Html => assay_report::html::render(&data)?,
        ReportFormat::Md => assay_report::markdown::render(&data),
    };
    let out = args.out.clone().unwrap_or_else(|| match args.format {
        ReportFormat::Html => PathBuf::from("report.html"),
        ReportFormat::Md => PathBuf::from("report.md"),
    });
    if out == Path::new("-") {
        std::io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(None);
    }
    std::fs::write(&out, &text).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(Some((out, text.len() as u64)))
}

//! `assay ingest` (production records from a file) and `assay monitor`
//! (a stream's windows, bands and alerts).

use std::path::PathBuf;

use anyhow::{bail, Result};
use assay_app::generative::report::ClipScoreArg;
use assay_app::monitor::alerts::{watch, MonitorConfig, Watched};
use assay_app::monitor::features::FeatureSettings;
use assay_app::monitor::ingest::{ingest_file, ingest_labels};
use assay_app::monitor::windows::{Reference, WindowSize};
use assay_store::Store;
use clap::Args;

use crate::output::{table, Bars};

/// Options of `assay ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Records, one JSON object per line (see the README's record format).
    pub file: PathBuf,
    /// The file holds true labels of stored records (`{"id": ..., "class":
    /// ...}` or `{"id": ..., "boxes": [...]}`), not records.
    #[arg(long)]
    pub labels: bool,
    /// Another folder image paths may point into (besides the file's own).
    #[arg(long = "images", value_name = "DIR")]
    pub images: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `assay ingest`.
pub fn ingest(store: &mut Store, args: &IngestArgs) -> Result<()> {
    if args.labels {
        let n = ingest_labels(store, &args.file)?;
        if args.json {
            println!("{}", serde_json::json!({ "labelled": n }));
        } else {
            println!("Labelled {n} records from {}", args.file.display());
        }
        return Ok(());
    }
    let summary = ingest_file(store, &args.file, &args.images, &Bars::default())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "Ingested {} records from {}: {} stored, {} already stored",
            summary.records, summary.file, summary.counts.stored, summary.counts.duplicates
        );
    }
    Ok(())
}

/// Options of `assay monitor`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The `[monitor]` settings and `[[alert]]` rules (the same file as
    /// `assay check`). Without it: hourly windows, the first 24 hours as
    /// reference, no rules.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The stream (default: the configuration's, else every stream).
    #[arg(long)]
    pub stream: Option<String>,
    /// Window size: hour, day, <n>m, <n>h, <n>d or count:<n>.
    #[arg(long)]
    pub window: Option<String>,
    /// The reference: windows within this many hours of the first.
    #[arg(long, value_name = "HOURS")]
    pub reference_hours: Option<f64>,
    /// The reference: the first this many windows.
    #[arg(long, value_name = "N", conflicts_with = "reference_hours")]
    pub reference_windows: Option<usize>,
    /// `builtin` or a model folder: the vectors of `embedding_drift` and a
    /// generator's `fid` (overrides the configuration's `embed_model`).
    #[arg(long, value_name = "MODEL")]
    pub embed_model: Option<String>,
    /// A CLIP model folder: a generator's `clip_score`.
    #[arg(long, value_name = "DIR")]
    pub clip_model: Option<String>,
    /// Which CLIPScore.
    #[arg(long, value_enum)]
    pub clip_score: Option<ClipScoreArg>,
    /// FID's reference: real images (folder or manifest), `.npy` features
    /// or `.npz` statistics (default: the reference windows).
    #[arg(long, value_name = "PATH")]
    pub real: Option<PathBuf>,
    /// Or a project dataset as FID's reference.
    #[arg(long, value_name = "NAME", conflicts_with = "real")]
    pub real_dataset: Option<String>,
    /// Columns to show (default: records, latency, error rate, brightness,
    /// boxes, confidence, class drift).
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Print JSON (windows, bands, new alerts).
    #[arg(long)]
    pub json: bool,
}

const DEFAULT_COLUMNS: [&str; 8] = [
    "records",
    "latency_p95",
    "error_rate",
    "brightness_mean",
    "boxes_per_image",
    "confidence_mean",
    "class_drift",
    "unseen_class_share",
];

/// Runs `assay monitor`: windows every stream (or one), stores and sends
/// the alerts that fire, prints the windows and every stored alert.
pub fn monitor(store: &mut Store, args: &MonitorArgs) -> Result<()> {
    let mut cfg = MonitorConfig::read(args.config.as_deref())?;
    if let Some(s) = &args.stream {
        cfg.stream = Some(s.clone());
    }
    if let Some(w) = &args.window {
        cfg.options.size = w.parse::<WindowSize>().map_err(anyhow::Error::msg)?;
    }
    if let Some(h) = args.reference_hours {
        if h.is_nan() || h <= 0.0 {
            bail!("--reference-hours: expected hours > 0, got {h}");
        }
        cfg.options.reference = Reference::Hours(h);
    }
    if let Some(n) = args.reference_windows {
        if n < 2 {
            bail!("--reference-windows: expected at least 2 windows, got {n}");
        }
        cfg.options.reference = Reference::Windows(n);
    }
    override_features(&mut cfg.features, args);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let watched = watch(store, &cfg, now, &Bars::default())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&watched)?);
        return Ok(());
    }
    for w in &watched {
        print_stream(w, &args.metrics);
    }
    Ok(())
}

/// The command line's model settings over the configuration's.
fn override_features(f: &mut FeatureSettings, args: &MonitorArgs) {
    if let Some(m) = &args.embed_model {
        f.embed_model = Some(m.clone());
    }
    if let Some(m) = &args.clip_model {
        f.clip_model = Some(m.clone());
    }
    if let Some(k) = args.clip_score {
        f.clip_score = k.kind();
    }
    if let Some(r) = &args.real {
        f.real = Some(r.clone());
        f.real_dataset = None;
    }
    if let Some(d) = &args.real_dataset {
        f.real_dataset = Some(d.clone());
        f.real = None;
    }
}

fn print_stream(w: &Watched, chosen: &[String]) {
    let s = &w.windows;
    let columns: Vec<&str> = if chosen.is_empty() {
        DEFAULT_COLUMNS
            .into_iter()
            .filter(|c| s.metrics.iter().any(|m| m == c))
            .collect()
    } else {
        chosen.iter().map(String::as_str).collect()
    };
    let alerts = &w.alerts;
    println!(
        "Stream {}: {} records in {} windows ({} reference)",
        s.stream,
        s.records,
        s.windows.len(),
        s.windows.iter().filter(|w| w.reference).count()
    );
    let mut header = vec!["window (UTC)"];
    header.extend(columns.iter().copied());
    header.push("alerts");
    let mut t = table(&header);
    for win in &s.windows {
        let mut row = vec![format!(
            "{}{}",
            time_text(win.start_ms),
            if win.reference { " ref" } else { "" }
        )];
        for c in &columns {
            row.push(win.values.get(*c).map_or("-".into(), |v| format!("{v:.4}")));
        }
        let fired: Vec<&str> = alerts
            .iter()
            .filter(|a| a.alert.window_start_ms == win.start_ms)
            .map(|a| a.alert.rule.as_str())
            .collect();
        row.push(fired.join(", "));
        t.add_row(row);
    }
    println!("{t}");
    for name in &w.unbanded {
        eprintln!("warning: rule {name:?} has no band: the reference has fewer than two windows with its metric");
    }
    for e in &w.delivery_errors {
        eprintln!("warning: an alert was not delivered: {e}");
    }
    println!(
        "{} alerts stored ({} new this time)",
        alerts.len(),
        w.new_alerts.len()
    );
    for a in alerts {
        println!(
            "  {}  {}: {}",
            time_text(a.alert.window_start_ms),
            a.alert.rule,
            a.alert.message
        );
    }
}

/// `2026-12-01 10:00` (UTC).
pub fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

//! What the Monitoring page shows: a stream's windows with their bands,
//! the rules that watch them and the alerts stored, read without firing
//! or sending anything.

use std::path::Path;

use anyhow::{bail, Result};
use assay_store::{AlertRow, Store};
use serde::Serialize;

use super::alerts::MonitorConfig;
use super::windows::{stream_windows, StreamWindows};

/// The configuration the server reads: `<project>/assay.toml` when there
/// is one (its `[monitor]` and `[[alert]]` tables), else the defaults.
pub fn project_config(root: &Path) -> Result<MonitorConfig> {
    let path = root.join("assay.toml");
    Ok(MonitorConfig::read(
        path.is_file().then_some(path.as_path()),
    )?)
}

/// A rule as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    /// Its name.
    pub name: String,
    /// The metric it watches.
    pub metric: String,
    /// Whether it alerts outside the reference band.
    pub band: bool,
    /// Lowest value that passes.
    pub min: Option<f64>,
    /// Highest value that passes.
    pub max: Option<f64>,
}

/// One stream's monitoring, for the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorView {
    /// Every stream of the project.
    pub streams: Vec<String>,
    /// The stream shown, its windows and bands.
    pub windows: StreamWindows,
    /// The rules of the configuration.
    pub rules: Vec<RuleInfo>,
    /// The alerts stored for the stream.
    pub alerts: Vec<AlertRow>,
}

/// The view of `stream` (default: the configuration's, else the first).
pub fn view(
    store: &Store,
    config: &MonitorConfig,
    stream: Option<&str>,
    now_ms: i64,
) -> Result<MonitorView> {
    let streams: Vec<String> = store
        .monitor_streams()?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let Some(chosen) = stream
        .map(str::to_string)
        .or_else(|| config.stream.clone())
        .or_else(|| streams.first().cloned())
    else {
        bail!("no records have been ingested yet (assay ingest, or POST /api/ingest)");
    };
    if !streams.contains(&chosen) {
        bail!(
            "no stream named {chosen:?} (streams: {})",
            streams.join(", ")
        );
    }
    let options = super::windows::WindowOptions {
        now_ms,
        ..config.options
    };
    Ok(MonitorView {
        windows: stream_windows(store, &chosen, &options, &config.features)?,
        alerts: store.monitor_alerts(Some(&chosen))?,
        rules: config
            .rules
            .iter()
            .map(|r| RuleInfo {
                name: r.spec.name(),
                metric: r.spec.metric.clone(),
                band: r.spec.band,
                min: r.spec.min,
                max: r.spec.max,
            })
            .collect(),
        streams,
    })
}

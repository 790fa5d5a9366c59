//! Alert rules, read from the `[monitor]` table and `[[alert]]` tables of
//! the same `assay.toml` as `assay check`, evaluated on a stream's
//! windows; each alert fired is stored once per rule and window and sent
//! where the rule says.
//!
//! ```toml
//! [monitor]
//! stream = "production"     # default: every stream
//! window = "hour"           # hour, day, <n>m, <n>h, <n>d, count:<n>
//! reference_hours = 12      # or reference_windows = 24 (default: 24 hours)
//! std = 3                   # bands: reference mean ± std * sd
//! sinks = ["stdout", "file:alerts.jsonl", "webhook:http://127.0.0.1:9000/hook"]
//!
//! [[alert]]
//! name = "darker images"
//! metric = "brightness_mean"
//! band = true               # outside the reference band
//!
//! [[alert]]
//! metric = "latency_p99"
//! max = 250                 # or min; with band, both apply
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Result};
use assay_store::{NewAlert, Store};
use serde::{Deserialize, Serialize};

use super::features::{embed_stream, FeatureSettings};
use super::windows::{stream_windows, Reference, StreamWindows, WindowOptions, WindowSize};
use crate::check::config::{Config, Origin};
use crate::check::CheckError;
use crate::progress::Progress;
use assay_gen::clip_score::ClipScoreKind;

/// How long a webhook may take to answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// The `[monitor]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSettings {
    /// The stream watched (default: every stream).
    pub stream: Option<String>,
    /// Window size (default `hour`).
    pub window: Option<String>,
    /// The reference: windows within this many hours of the first.
    pub reference_hours: Option<f64>,
    /// The reference: the first this many windows.
    pub reference_windows: Option<usize>,
    /// Bands are the reference mean ± this many standard deviations.
    pub std: Option<f64>,
    /// Where alerts go unless a rule says otherwise.
    #[serde(default)]
    pub sinks: Vec<String>,
    /// `builtin` or a model folder: `embedding_drift` and a generator's
    /// `fid`.
    pub embed_model: Option<String>,
    /// A CLIP model folder: a generator's `clip_score`.
    pub clip_model: Option<String>,
    /// `hessel` (default) or `torchmetrics`.
    pub clip_score: Option<String>,
    /// FID's reference: images, `.npy` features or `.npz` statistics.
    pub real: Option<String>,
    /// Or a project dataset as FID's reference.
    pub real_dataset: Option<String>,
}

/// An `[[alert]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSpec {
    /// Shown name (default: the metric and bounds).
    pub name: Option<String>,
    /// The window metric watched (`assay monitor --json` lists them).
    pub metric: String,
    /// Alert outside the reference band.
    #[serde(default)]
    pub band: bool,
    /// Alert below this.
    pub min: Option<f64>,
    /// Alert above this.
    pub max: Option<f64>,
    /// Where its alerts go (default: the `[monitor]` sinks).
    pub sinks: Option<Vec<String>>,
}

impl AlertSpec {
    /// The rule's name.
    pub fn name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            let mut parts = vec![self.metric.clone()];
            if self.band {
                parts.push("band".into());
            }
            if let Some(m) = self.min {
                parts.push(format!(">= {m}"));
            }
            if let Some(m) = self.max {
                parts.push(format!("<= {m}"));
            }
            parts.join(" ")
        })
    }
}

/// Where an alert is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// A JSON line on standard output.
    Stdout,
    /// A JSON line appended to a file.
    File(std::path::PathBuf),
    /// A JSON `POST` to an `http://` address.
    Webhook {
        /// `host:port`.
        address: String,
        /// The path, from `/`.
        path: String,
    },
}

impl std::str::FromStr for Sink {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "stdout" {
            return Ok(Sink::Stdout);
        }
        if let Some(path) = s.strip_prefix("file:") {
            return Ok(Sink::File(path.into()));
        }
        if let Some(url) = s.strip_prefix("webhook:") {
            let rest = url.strip_prefix("http://").ok_or_else(|| {
                format!("{s:?}: webhooks are plain http:// addresses (no TLS in assay)")
            })?;
            let (host, path) = rest
                .split_once('/')
                .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
            let address = if host.contains(':') {
                host.to_string()
            } else {
                format!("{host}:80")
            };
            return Ok(Sink::Webhook { address, path });
        }
        Err(format!(
            "{s:?}: expected stdout, file:PATH or webhook:http://HOST:PORT/PATH"
        ))
    }
}

/// A rule ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// As written.
    pub spec: AlertSpec,
    /// Where.
    pub origin: Origin,
    /// Where its alerts go.
    pub sinks: Vec<Sink>,
}

/// The monitoring part of a configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorConfig {
    /// The stream watched (default: every stream).
    pub stream: Option<String>,
    /// How windows are cut and compared (its `now_ms` is set when run).
    pub options: WindowOptions,
    /// The rules.
    pub rules: Vec<Rule>,
    /// The models and reference of the model-based metrics.
    pub features: FeatureSettings,
}

impl MonitorConfig {
    /// The monitoring part of the configuration file `path` (the defaults
    /// without one).
    pub fn read(path: Option<&Path>) -> Result<Self, CheckError> {
        match path {
            None => Self::from_config(&Config::default(), ""),
            Some(p) => Self::from_config(&crate::check::config::read(p)?, &p.display().to_string()),
        }
    }

    /// Checks a configuration's `[monitor]` and `[[alert]]` tables; the
    /// error names the file, line and key.
    pub fn from_config(config: &Config, file: &str) -> Result<Self, CheckError> {
        let m = &config.monitor;
        let at = |key: &str, message: String| CheckError::Config {
            file: file.to_string(),
            line: config.monitor_line,
            key: key.to_string(),
            message,
        };
        let size: WindowSize = m
            .window
            .as_deref()
            .unwrap_or("hour")
            .parse()
            .map_err(|e| at("window", e))?;
        let reference = match (m.reference_hours, m.reference_windows) {
            (Some(_), Some(_)) => {
                return Err(at(
                    "reference_windows",
                    "give reference_hours or reference_windows, not both".into(),
                ))
            }
            (Some(h), None) if h > 0.0 && h.is_finite() => Reference::Hours(h),
            (Some(h), None) => {
                return Err(at(
                    "reference_hours",
                    format!("expected hours > 0, got {h}"),
                ))
            }
            (None, Some(n)) if n >= 2 => Reference::Windows(n),
            (None, Some(n)) => {
                return Err(at(
                    "reference_windows",
                    format!("expected at least 2 windows, got {n}"),
                ))
            }
            (None, None) => Reference::Hours(24.0),
        };
        let std_multiplier = m.std.unwrap_or(3.0);
        if !(std_multiplier > 0.0 && std_multiplier.is_finite()) {
            return Err(at(
                "std",
                format!("expected a number > 0, got {std_multiplier}"),
            ));
        }
        let base = Path::new(file).parent().unwrap_or(Path::new(""));
        let defaults = parse_sinks(&m.sinks, base).map_err(|e| at("sinks", e))?;
        let mut rules = Vec::new();
        for (spec, origin) in &config.alerts {
            if !spec.band && spec.min.is_none() && spec.max.is_none() {
                return Err(origin.error("metric", "an alert needs band = true, min or max"));
            }
            let sinks = match &spec.sinks {
                Some(s) => parse_sinks(s, base).map_err(|e| origin.error("sinks", e))?,
                None => defaults.clone(),
            };
            rules.push(Rule {
                spec: spec.clone(),
                origin: origin.clone(),
                sinks,
            });
        }
        let features = feature_settings(m, base).map_err(|(key, e)| at(key, e))?;
        Ok(MonitorConfig {
            features,
            stream: m.stream.clone(),
            options: WindowOptions {
                size,
                reference,
                std_multiplier,
                now_ms: 0,
            },
            rules,
        })
    }
}

/// The model settings; relative paths are under `base` (the
/// configuration's folder). The error names the key.
fn feature_settings(
    m: &MonitorSettings,
    base: &Path,
) -> Result<FeatureSettings, (&'static str, String)> {
    let path = |spec: &String| match spec.as_str() {
        "builtin" => spec.clone(),
        p => base.join(p).display().to_string(),
    };
    let clip_score = match m.clip_score.as_deref() {
        None | Some("hessel") => ClipScoreKind::Hessel,
        Some("torchmetrics") => ClipScoreKind::Torchmetrics,
        Some(other) => {
            return Err((
                "clip_score",
                format!("expected \"hessel\" or \"torchmetrics\", got {other:?}"),
            ))
        }
    };
    if m.real.is_some() && m.real_dataset.is_some() {
        return Err(("real_dataset", "give real or real_dataset, not both".into()));
    }
    Ok(FeatureSettings {
        embed_model: m.embed_model.as_ref().map(path),
        clip_model: m.clip_model.as_ref().map(path),
        clip_score,
        real: m.real.as_ref().map(|p| base.join(p)),
        real_dataset: m.real_dataset.clone(),
    })
}

/// The sinks as written; a relative alert file is under `base` (the
/// configuration's folder).
fn parse_sinks(sinks: &[String], base: &Path) -> Result<Vec<Sink>, String> {
    sinks
        .iter()
        .map(|s| match s.parse()? {
            Sink::File(p) if p.is_relative() => Ok(Sink::File(base.join(p))),
            sink => Ok(sink),
        })
        .collect()
}

/// The alerts a stream's windows fire under `rules`: threshold rules on
/// every complete window, band rules on complete windows after the
/// reference.
pub fn evaluate(windows: &StreamWindows, rules: &[Rule]) -> Vec<(usize, NewAlert)> {
    let mut out = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        let spec = &rule.spec;
        let band = spec.band.then(|| windows.bands.get(&spec.metric)).flatten();
        for w in windows.windows.iter().filter(|w| w.complete) {
            let Some(&value) = w.values.get(&spec.metric) else {
                continue;
            };
            let mut lower = spec.min;
            let mut upper = spec.max;
            let mut why = Vec::new();
            if let Some(b) = band.filter(|_| !w.reference) {
                lower = Some(lower.map_or(b.lower, |l| l.max(b.lower)));
                upper = Some(upper.map_or(b.upper, |u| u.min(b.upper)));
                if value < b.lower || value > b.upper {
                    why.push(format!(
                        "outside the reference band [{:.4}, {:.4}] (mean ± {} sd of {} reference windows)",
                        b.lower, b.upper, windows.std_multiplier, b.windows
                    ));
                }
            }
            if let Some(m) = spec.min.filter(|m| value < *m) {
                why.push(format!("below the minimum {m}"));
            }
            if let Some(m) = spec.max.filter(|m| value > *m) {
                why.push(format!("above the maximum {m}"));
            }
            if why.is_empty() {
                continue;
            }
            out.push((
                r,
                NewAlert {
                    rule: spec.name(),
                    metric: spec.metric.clone(),
                    window_start_ms: w.start_ms,
                    window_end_ms: w.end_ms,
                    value: Some(value),
                    lower,
                    upper,
                    message: format!("{} = {value:.4} is {}", spec.metric, why.join(" and ")),
                },
            ));
        }
    }
    out
}

/// One stream watched: its windows, and the alerts that are new.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Watched {
    /// The windows and bands.
    pub windows: StreamWindows,
    /// Alerts stored by this watch (new ones only).
    pub new_alerts: Vec<NewAlert>,
    /// Every alert stored for the stream (earlier watches' too).
    pub alerts: Vec<assay_store::AlertRow>,
    /// Sinks that could not take an alert, in words.
    pub delivery_errors: Vec<String>,
    /// Band rules whose metric has no band (too few reference windows).
    pub unbanded: Vec<String>,
}

/// Watches the configured streams: embeds their new images when a
/// model-based metric is configured, cuts and measures their windows,
/// stores the alerts that fire (once per rule and window) and sends the
/// new ones to their sinks.
pub fn watch(
    store: &mut Store,
    config: &MonitorConfig,
    now_ms: i64,
    progress: &dyn Progress,
) -> Result<Vec<Watched>> {
    let streams: Vec<String> = match &config.stream {
        Some(s) => vec![s.clone()],
        None => store
            .monitor_streams()?
            .into_iter()
            .map(|s| s.name)
            .collect(),
    };
    if streams.is_empty() {
        bail!("no records have been ingested yet (assay ingest, or POST /api/ingest)");
    }
    let options = WindowOptions {
        now_ms,
        ..config.options
    };
    let mut out = Vec::new();
    for stream in streams {
        // A model that cannot run is said in the notes; the rules still
        // run on every other metric.
        let embedded = embed_stream(store, &stream, &config.features, progress);
        let mut windows = stream_windows(store, &stream, &options, &config.features)?;
        match embedded {
            Ok(notes) => windows.notes.extend(notes),
            Err(e) => windows
                .notes
                .push(format!("new records were not embedded: {e:#}")),
        }
        let fired = evaluate(&windows, &config.rules);
        let alerts: Vec<NewAlert> = fired.iter().map(|(_, a)| a.clone()).collect();
        let new = store.record_alerts(&stream, &alerts)?;
        let mut delivery_errors = Vec::new();
        let mut new_alerts = Vec::new();
        for ((rule, alert), is_new) in fired.into_iter().zip(new) {
            if !is_new {
                continue;
            }
            for sink in &config.rules[rule].sinks {
                if let Err(e) = deliver(sink, &stream, &alert) {
                    delivery_errors.push(e);
                }
            }
            new_alerts.push(alert);
        }
        let unbanded = config
            .rules
            .iter()
            .filter(|r| r.spec.band && !windows.bands.contains_key(&r.spec.metric))
            .map(|r| r.spec.name())
            .collect();
        out.push(Watched {
            alerts: store.monitor_alerts(Some(&stream))?,
            windows,
            new_alerts,
            delivery_errors,
            unbanded,
        });
    }
    Ok(out)
}

/// An alert as sinks receive it.
#[derive(Serialize)]
struct Delivered<'a> {
    stream: &'a str,
    #[serde(flatten)]
    alert: &'a NewAlert,
}

fn deliver(sink: &Sink, stream: &str, alert: &NewAlert) -> Result<(), String> {
    let line = serde_json::to_string(&Delivered { stream, alert }).map_err(|e| e.to_string())?;
    match sink {
        Sink::Stdout => {
            println!("{line}");
            Ok(())
        }
        Sink::File(path) => std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{line}"))
            .map_err(|e| format!("alert file {}: {e}", path.display())),
        Sink::Webhook { address, path } => {
            post(address, path, &line).map_err(|e| format!("webhook http://{address}{path}: {e}"))
        }
    }
}

/// A JSON `POST` over plain HTTP/1.1; a 2xx answer is success.
fn post(address: &str, path: &str, body: &str) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let addr = address
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("the address resolves to nothing")?;
    let mut conn = TcpStream::connect_timeout(&addr, WEBHOOK_TIMEOUT).map_err(|e| e.to_string())?;
    conn.set_read_timeout(Some(WEBHOOK_TIMEOUT))
        .map_err(|e| e.to_string())?;
    conn.set_write_timeout(Some(WEBHOOK_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    conn.read_exact(&mut head)
        .map_err(|e| format!("no answer: {e}"))?;
    let status = std::str::from_utf8(&head[9..12]).unwrap_or("");
    if status.starts_with('2') {
        Ok(())
    } else {
        Err(format!("answered {status}"))
    }
}

//! The `assay.toml` file of `assay check`: the settings and the conditions,
//! read with the line and key of every mistake.
//!
//! ```toml
//! [check]
//! dataset = "shapes"          # default: the only one
//! run = "sim-detector-v2"     # a run id or a model (its newest run)
//! baseline = "sim-detector"   # for regression conditions
//! suites = ["data_integrity"] # built-in suites to add
//!
//! [[metric]]                  # a metric of your own, computed first
//! name = "exposure"
//! expr = "brightness * contrast"
//!
//! [[metric]]                  # ... of objects, with a run's outcomes
//! name = "hit_iou"
//! expr = "found * iou"
//! objects = true
//! run = "sim-detector"
//!
//! [[condition]]
//! kind = "metric"             # metric, regression, issues, drift, image_metric, slice, images_per_class
//! metric = "ap50"
//! class = "triangle"          # optional: the class's metric
//! min = 0.3
//! level = "fail"              # or "warn" (default: fail)
//!
//! [[condition]]
//! kind = "slice"              # a metric on part of the data
//! where = ["brightness < 0.3", "class = triangle"]
//! metric = "recall"
//! min = 0.5
//! ```

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{CheckError, Level};

/// A condition as written, before it meets the project.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConditionSpec {
    /// A run metric (overall, or of one class) within bounds.
    Metric {
        /// Shown name (default: made from the condition).
        name: Option<String>,
        /// Metric of the run (`ap`, `ap50`, `accuracy`, `fid`, ...).
        metric: String,
        /// The class whose metric is meant.
        class: Option<String>,
        /// Lowest value that passes.
        min: Option<f64>,
        /// Highest value that passes.
        max: Option<f64>,
        /// Another run than the checked one (id or model).
        run: Option<String>,
        /// WARN or FAIL when it does not hold.
        #[serde(default)]
        level: Level,
    },
    /// A metric of the checked run against the baseline run.
    Regression {
        /// Shown name.
        name: Option<String>,
        /// The metric compared.
        metric: String,
        /// The class whose metric is meant.
        class: Option<String>,
        /// Largest drop allowed, in the metric's units.
        max_drop: Option<f64>,
        /// Largest drop allowed, as a share of the baseline's value.
        max_relative_drop: Option<f64>,
        /// Whether the metric is better when lower (FID, ECE): then a rise
        /// is the drop. Default: higher is better.
        #[serde(default)]
        lower_is_better: bool,
        /// Fail only when the drop is also significant at this level by
        /// the paired bootstrap over images (`assay analyze compare`;
        /// detection runs on the same ground truth). Without max_drop or
        /// max_relative_drop, any significant drop fails.
        significant: Option<f64>,
        /// WARN or FAIL.
        #[serde(default)]
        level: Level,
    },
    /// How many images have an issue of one type.
    Issues {
        /// Shown name.
        name: Option<String>,
        /// The issue type (`split_leak`, `unreadable`, `label_issue`, ...).
        issue: String,
        /// Most images allowed.
        max_count: Option<u64>,
        /// Largest share of the dataset's images allowed.
        max_share: Option<f64>,
        /// WARN or FAIL.
        #[serde(default)]
        level: Level,
    },
    /// Drift between two groups of samples (`[DATASET:]SPLIT`), by the
    /// tests of `assay analyze drift` on the image metrics.
    Drift {
        /// Shown name.
        name: Option<String>,
        /// The reference group (`train`, `shapes:train`).
        reference: String,
        /// The current group.
        current: String,
        /// Largest share of drifted image columns allowed (default: the
        /// dataset-level verdict, Evidently's share of one half).
        max_share: Option<f64>,
        /// Only this column must not drift.
        column: Option<String>,
        /// WARN or FAIL.
        #[serde(default)]
        level: Level,
    },
    /// A statistic of an image metric (built-in or custom) over the
    /// dataset's images, or one split's, within bounds.
    ImageMetric {
        /// Shown name.
        name: Option<String>,
        /// The image metric (`brightness`, a custom metric, ...).
        metric: String,
        /// `mean` (default), `median`, `min` or `max`.
        #[serde(default)]
        statistic: Statistic,
        /// Only this split.
        split: Option<String>,
        /// Lowest value that passes.
        min: Option<f64>,
        /// Highest value that passes.
        max: Option<f64>,
        /// WARN or FAIL.
        #[serde(default)]
        level: Level,
    },
    /// A metric of the checked run on a slice of its objects or images:
    /// `recall` (share of the slice's ground truths found), `miss_rate`,
    /// `error_rate` (misses and false positives among the slice's rows),
    /// `ground_truths` (how many), or a COCO metric (`ap`, `ap50`, ...,
    /// per class with a `class = NAME` predicate) evaluated on the slice's
    /// images, which needs predicates on images only.
    Slice {
        /// Shown name.
        name: Option<String>,
        /// The slice: predicates that must all hold, each `COLUMN OP
        /// VALUE` with OP one of `<`, `<=`, `>`, `>=`, `=` (a column of
        /// `assay analyze slices`: an image metric, `object_*`, `box_*`,
        /// `class`, `split` or `tag`).
        #[serde(rename = "where")]
        predicates: Vec<String>,
        /// The metric on the slice.
        metric: String,
        /// Lowest value that passes.
        min: Option<f64>,
        /// Highest value that passes.
        max: Option<f64>,
        /// Another run than the checked one (id or model).
        run: Option<String>,
        /// WARN or FAIL.
        #[serde(default)]
        level: Level,
    },
    /// Images per class (of the dataset, or of one split).
    ImagesPerClass {
        /// Shown name.
        name: Option<String>,
        /// Fewest images a class needs.
        min: u64,
        /// Only this split.
        split: Option<String>,
        /// WARN or FAIL.
        #[serde(default)]
        level: Level,
    },
}

/// A statistic of an image metric over images.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// The mean.
    #[default]
    Mean,
    /// The median (the mean of the middle two for an even count).
    Median,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
}

impl Statistic {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Mean => "mean",
            Statistic::Median => "median",
            Statistic::Min => "min",
            Statistic::Max => "max",
        }
    }

    /// The statistic of `values` (none when empty).
    pub fn of(self, values: &mut [f64]) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        Some(match self {
            Statistic::Mean => values.iter().sum::<f64>() / n as f64,
            Statistic::Median if n % 2 == 1 => values[n / 2],
            Statistic::Median => (values[n / 2 - 1] + values[n / 2]) / 2.0,
            Statistic::Min => values[0],
            Statistic::Max => values[n - 1],
        })
    }
}

/// Where a condition was written: the file and the line of its table.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The configuration file.
    pub file: String,
    /// The line of its `[[condition]]` (1-based).
    pub line: usize,
    /// The source lines of its table (from its header to the next), to
    /// find a key's line.
    text: String,
}

impl Origin {
    /// The line of `key` in this condition's table (its first line when
    /// the key is not written there).
    pub fn line_of(&self, key: &str) -> usize {
        self.text
            .lines()
            .position(|l| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map_or(self.line, |i| self.line + i)
    }

    /// An error about `key` of this condition.
    pub fn error(&self, key: &str, message: impl Into<String>) -> CheckError {
        CheckError::Config {
            file: self.file.clone(),
            line: self.line_of(key),
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// The `[check]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Dataset (default: the only one).
    pub dataset: Option<String>,
    /// The checked run: an id or a model.
    pub run: Option<String>,
    /// The baseline run: an id or a model.
    pub baseline: Option<String>,
    /// Built-in suites to run besides the conditions.
    #[serde(default)]
    pub suites: Vec<String>,
}

/// A metric defined in the file (`[[metric]]`): an expression over stored
/// image metrics, or with `objects = true` over the objects' columns (and
/// with `run`, its outcomes), computed before the conditions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// Its name.
    pub name: String,
    /// The expression (as `assay metrics define --expr`).
    pub expr: String,
    /// A metric of ground-truth objects (as `--objects`).
    #[serde(default)]
    pub objects: bool,
    /// With `objects`: the run (id or model) whose outcomes (`found`,
    /// `iou`, `score`) the expression may use.
    pub run: Option<String>,
}

/// A configuration file, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The `[check]` settings.
    pub settings: Settings,
    /// The metrics it defines, with where each was written.
    pub metrics: Vec<(MetricSpec, Origin)>,
    /// The conditions with where each was written.
    pub conditions: Vec<(ConditionSpec, Origin)>,
    /// The `[monitor]` settings of `assay monitor` and the server.
    pub monitor: crate::monitor::alerts::MonitorSettings,
    /// The line of `[monitor]` (1 when absent).
    pub monitor_line: usize,
    /// Its alert rules, with where each was written.
    pub alerts: Vec<(crate::monitor::alerts::AlertSpec, Origin)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    check: Settings,
    #[serde(default)]
    metric: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    condition: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    monitor: Option<Spanned<crate::monitor::alerts::MonitorSettings>>,
    #[serde(default)]
    alert: Vec<Spanned<toml::Table>>,
}

/// Reads a configuration file.
pub fn read(path: &Path) -> Result<Config, CheckError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CheckError::Input(format!(
            "cannot read the configuration {}: {e}",
            path.display()
        ))
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses a configuration's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Config, CheckError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_at(text, s.start));
        CheckError::Config {
            file: file.to_string(),
            line,
            key: key_at(text, line),
            message: e.message().trim().to_string(),
        }
    })?;
    let monitor_line = raw
        .monitor
        .as_ref()
        .map_or(1, |m| line_at(text, m.span().start));
    Ok(Config {
        settings: raw.check,
        metrics: tables(raw.metric, text, file)?,
        conditions: tables(raw.condition, text, file)?,
        monitor: raw.monitor.map(Spanned::into_inner).unwrap_or_default(),
        monitor_line,
        alerts: tables(raw.alert, text, file)?,
    })
}

/// Each `[[...]]` table read as a `T`, with where it was written.
fn tables<T: serde::de::DeserializeOwned>(
    raw: Vec<Spanned<toml::Table>>,
    text: &str,
    file: &str,
) -> Result<Vec<(T, Origin)>, CheckError> {
    let mut out = Vec::new();
    for table in raw {
        let start = table.span().start;
        let origin = Origin {
            file: file.to_string(),
            line: line_at(text, start),
            text: table_text(&text[start..]),
        };
        let table = table.into_inner();
        let spec = T::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| condition_error(&origin, &table, e.message()))?;
        out.push((spec, origin));
    }
    Ok(out)
}

/// The error of a condition table that does not read, at the key it is
/// about: the field serde names in backquotes (`unknown field `mni``), or
/// the key holding the value it names (`unknown variant `loud``), or a key
/// the message mentions; else `kind`.
fn condition_error(origin: &Origin, table: &toml::Table, message: &str) -> CheckError {
    let named = message.split('`').nth(1).unwrap_or_default();
    let holds = |v: &toml::Value| v.as_str() == Some(named);
    let key = if table.contains_key(named)
        || message.starts_with("unknown field")
        || message.starts_with("missing field")
    {
        named
    } else if let Some((k, _)) = table.iter().find(|(_, v)| holds(v)) {
        k.as_str()
    } else {
        table
            .keys()
            .find(|k| message.contains(&format!("`{k}`")))
            .map_or("kind", String::as_str)
    };
    origin.error(key, message.trim())
}

/// The lines of the table whose header starts `rest`: up to the next
/// table header.
fn table_text(rest: &str) -> String {
    let mut lines = rest.lines();
    let mut out: Vec<&str> = lines.next().into_iter().collect();
    out.extend(lines.take_while(|l| !l.trim_start().starts_with('[')));
    out.join("\n")
}

/// The 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The key assigned on `line`, if the line assigns one.
fn key_at(text: &str, line: usize) -> String {
    text.lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_error(text: &str) -> (usize, String, String) {
        match parse(text, "assay.toml") {
            Err(CheckError::Config {
                file,
                line,
                key,
                message,
            }) => {
                assert_eq!(file, "assay.toml");
                (line, key, message)
            }
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn conditions_read_with_their_lines() {
        let text = "[check]\nrun = \"b\"\nbaseline = \"a\"\n\n[[condition]]\nkind = \"metric\"\nmetric = \"ap\"\nmin = 0.3\n\n[[condition]]\nkind = \"regression\"\nmetric = \"ap\"\nclass = \"cat\"\nmax_drop = 0.01\nlevel = \"warn\"\n";
        let config = parse(text, "assay.toml").unwrap();
        assert_eq!(config.settings.run.as_deref(), Some("b"));
        assert_eq!(config.conditions.len(), 2);
        let (spec, origin) = &config.conditions[1];
        assert_eq!(origin.line, 10);
        assert_eq!(origin.line_of("class"), 13);
        assert!(matches!(
            spec,
            ConditionSpec::Regression {
                level: Level::Warn,
                max_drop: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn mistakes_name_their_line_and_key() {
        let (line, key, message) =
            config_error("[[condition]]\nkind = \"metric\"\nmetric = \"ap\"\nmni = 0.3\n");
        assert_eq!((line, key.as_str()), (4, "mni"), "{message}");
        assert!(message.contains("unknown field"), "{message}");
        let (line, key, _) = config_error("[[condition]]\nkind = \"metrc\"\n");
        assert_eq!((line, key.as_str()), (2, "kind"));
        let (line, key, _) = config_error("[check]\nrun = 3\n");
        assert_eq!((line, key.as_str()), (2, "run"));
        let (line, _, message) = config_error("[check\n");
        assert_eq!(line, 1, "{message}");
        let (line, key, _) =
            config_error("[[condition]]\nkind = \"metric\"\nmetric = \"ap\"\nlevel = \"loud\"\n");
        assert_eq!((line, key.as_str()), (4, "level"));
    }
}

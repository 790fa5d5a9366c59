//! The records a deployed model sends: what it saw and what it made, as
//! JSON (one object per line in files, a list in `POST /api/ingest`), read
//! with the line and JSON path of every mistake.
//!
//! ```json
//! {"id": "cam3-000001", "time": "2026-12-01T10:00:00Z", "stream": "production",
//!  "model": "sim-detector", "version": "2",
//!  "image": {"base64": "iVBORw0..."},
//!  "boxes": [{"class": "circle", "score": 0.93, "box": [12, 40, 30, 28],
//!             "mask": {"size": [60, 80], "counts": "..."}}],
//!  "latency_ms": 41.5, "metadata": {"camera": 3}}
//! ```
//!
//! `time` is RFC 3339 or seconds since 1970; `image` is `{"base64": ...}`
//! or `{"path": ...}` (read only under the roots the policy allows; assay
//! does not download, so URLs are refused). A classifier sends
//! `probabilities` (class name to probability) and optionally `class`; a
//! generator sends `generation` (`prompt`, `seed`, `parameters`). Labels
//! that arrive later are `{"id": ..., "class": ...}` or `{"id": ..., "boxes":
//! [{"class": ..., "box": [...]}]}`.

use std::collections::BTreeMap;

use assay_core::geometry::polygon_bbox;
use assay_core::model::Segmentation;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest record id, stream or model name.
pub const MAX_NAME: usize = 200;

/// A record as sent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestRecord {
    /// The client's id, unique over the project: sending it again changes
    /// nothing.
    pub id: String,
    /// When the model saw the image.
    pub time: TimeValue,
    /// The stream (default `production`).
    pub stream: Option<String>,
    /// The model's name.
    pub model: String,
    /// Its version.
    pub version: Option<String>,
    /// The image the model saw.
    pub image: Option<ImageInput>,
    /// A detector's boxes (or a segmenter's masks).
    #[serde(default)]
    pub boxes: Vec<InputBox>,
    /// A classifier's probabilities by class name.
    pub probabilities: Option<BTreeMap<String, f64>>,
    /// A classifier's predicted class (default: the most probable).
    pub class: Option<String>,
    /// A generator's prompt, seed and parameters.
    pub generation: Option<Generation>,
    /// How long the model took, in milliseconds.
    pub latency_ms: Option<f64>,
    /// The model's failure, when it failed.
    pub error: Option<String>,
    /// Anything else, kept as sent.
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// A time: RFC 3339 text or seconds since 1970.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum TimeValue {
    /// Seconds since 1970 (UTC).
    Seconds(f64),
    /// RFC 3339, e.g. `2026-12-01T10:00:00Z`.
    Text(String),
}

/// Where a record's image comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageInput {
    /// The file's bytes, base64 (standard alphabet, padded).
    pub base64: Option<String>,
    /// A path the receiver may read (relative to an allowed root).
    pub path: Option<String>,
    /// A URL: refused (assay does not download).
    pub url: Option<String>,
}

/// A predicted object as sent: a box, a mask, or both.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputBox {
    /// Class name.
    pub class: String,
    /// Confidence in [0, 1].
    pub score: f64,
    /// `[x, y, w, h]` in pixels (default: the mask's bounds).
    #[serde(rename = "box")]
    pub bbox: Option<[f64; 4]>,
    /// The mask, in COCO's form: polygons `[[x1, y1, ...]]` or RLE
    /// `{"size": [h, w], "counts": ...}`.
    pub mask: Option<Segmentation>,
}

impl InputBox {
    /// The box given, else the mask's bounds (`None` without a box, or
    /// with an empty mask).
    pub fn bounds(&self) -> Option<[f64; 4]> {
        if let Some(Segmentation::Rle { rle, .. }) = &self.mask {
            if rle.area() == 0 {
                return None;
            }
        }
        self.bbox.or_else(|| match self.mask.as_ref()? {
            Segmentation::Rle { rle, .. } => Some(rle.to_bbox()),
            Segmentation::Polygons(parts) => polygon_bbox(parts).map(|b| [b.x, b.y, b.w, b.h]),
        })
    }
}

/// A predicted object as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputBox {
    /// Class name.
    pub class: String,
    /// Confidence in [0, 1].
    pub score: f64,
    /// `[x, y, w, h]` in pixels (a mask is stored with the model's
    /// predictions, not here).
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
}

/// A generator's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generation {
    /// The prompt.
    pub prompt: String,
    /// The seed.
    pub seed: Option<i64>,
    /// Other parameters, kept as sent.
    pub parameters: Option<serde_json::Map<String, Value>>,
}

/// What a model made, as stored with its record (and read back by the
/// windows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordOutput {
    /// A detector's boxes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<OutputBox>,
    /// A classifier's probabilities by class name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<BTreeMap<String, f64>>,
    /// A classifier's predicted class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// A generator's request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<Generation>,
}

/// True labels of a record that arrived later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordLabels {
    /// The record's id (only in label files).
    #[serde(default, skip_serializing)]
    pub id: String,
    /// The true class of a classified image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// The true boxes of a detector's image (an empty list: it shows
    /// nothing to detect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boxes: Option<Vec<LabelBox>>,
}

impl RecordLabels {
    /// The true boxes (none when the labels give only a class).
    pub fn true_boxes(&self) -> &[LabelBox] {
        self.boxes.as_deref().unwrap_or(&[])
    }
}

/// A true box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelBox {
    /// Class name.
    pub class: String,
    /// `[x, y, w, h]` in pixels.
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
}

/// Reads one JSON text as `T`; the error names the JSON path.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de)
        .map_err(path_error)
        .and_then(|v| {
            de.end().map_err(|e| e.to_string())?;
            Ok(v)
        })
}

/// Reads a JSON value (a Parquet row) as `T`; the error names the path.
pub fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

/// `$.boxes[0].score: invalid type ...`.
fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> String {
    match e.path().to_string().as_str() {
        "." => e.inner().to_string(),
        path => format!("$.{path}: {}", e.inner()),
    }
}

impl IngestRecord {
    /// Checks what serde cannot: names, numbers, one image source. The
    /// message names the field.
    pub fn validate(&self) -> Result<(), String> {
        name("id", &self.id)?;
        name("model", &self.model)?;
        if let Some(s) = &self.stream {
            name("stream", s)?;
        }
        self.time_ms()?;
        if let Some(ms) = self.latency_ms {
            if !(ms.is_finite() && ms >= 0.0) {
                return Err(format!("$.latency_ms: expected a duration >= 0, got {ms}"));
            }
        }
        for (i, b) in self.boxes.iter().enumerate() {
            if !(0.0..=1.0).contains(&b.score) {
                return Err(format!(
                    "$.boxes[{i}].score: expected 0..1, got {}",
                    b.score
                ));
            }
            match b.bounds() {
                Some(bbox) => check_box(&bbox).map_err(|e| format!("$.boxes[{i}].box: {e}"))?,
                None => {
                    return Err(format!(
                        "$.boxes[{i}]: expected a box, or a mask with at least one pixel"
                    ))
                }
            }
        }
        if let Some(p) = &self.probabilities {
            if p.len() < 2 {
                return Err("$.probabilities: expected at least two classes".into());
            }
            if let Some((c, v)) = p.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
                return Err(format!(
                    "$.probabilities.{c}: expected a probability, got {v}"
                ));
            }
            if let Some(c) = &self.class {
                if !p.contains_key(c) {
                    return Err(format!(
                        "$.class: {c:?} is not one of the probabilities' classes"
                    ));
                }
            }
        }
        if let Some(image) = &self.image {
            let given = [&image.base64, &image.path, &image.url];
            if given.iter().filter(|v| v.is_some()).count() != 1 {
                return Err("$.image: expected exactly one of base64, path, url".into());
            }
            if image.url.is_some() {
                return Err(
                    "$.image.url: assay does not download images; send base64 or a path".into(),
                );
            }
        }
        Ok(())
    }

    /// The record's time in milliseconds since 1970.
    pub fn time_ms(&self) -> Result<i64, String> {
        let ms = match &self.time {
            TimeValue::Seconds(s) => s * 1000.0,
            TimeValue::Text(t) => chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|e| format!("$.time: {t:?} is not an RFC 3339 time: {e}"))?
                .timestamp_millis() as f64,
        };
        // 1970 to the year 9999.
        if !(0.0..253_402_300_800_000.0).contains(&ms) {
            return Err(format!("$.time: {ms} ms is outside 1970..9999"));
        }
        Ok(ms.round() as i64)
    }

    /// What the model made, as stored.
    pub fn output(&self) -> RecordOutput {
        let class = self.class.clone().or_else(|| {
            let p = self.probabilities.as_ref()?;
            // The most probable class; the first by name on ties.
            let best = p
                .iter()
                .fold(None::<(&String, f64)>, |best, (c, &v)| match best {
                    Some((_, b)) if b >= v => best,
                    _ => Some((c, v)),
                });
            best.map(|(c, _)| c.clone())
        });
        RecordOutput {
            boxes: self
                .boxes
                .iter()
                .filter_map(|b| {
                    Some(OutputBox {
                        class: b.class.clone(),
                        score: b.score,
                        bbox: b.bounds()?,
                    })
                })
                .collect(),
            probabilities: self.probabilities.clone(),
            class,
            generation: self.generation.clone(),
        }
    }
}

impl RecordLabels {
    /// Checks the id and boxes.
    pub fn validate(&self) -> Result<(), String> {
        name("id", &self.id)?;
        if self.class.is_none() && self.boxes.is_none() {
            return Err(
                "expected a class or boxes (an empty list for an image without objects)".into(),
            );
        }
        for (i, b) in self.true_boxes().iter().enumerate() {
            check_box(&b.bbox).map_err(|e| format!("$.boxes[{i}].box: {e}"))?;
        }
        Ok(())
    }
}

fn name(field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() || value.len() > MAX_NAME || value.chars().any(char::is_control) {
        return Err(format!(
            "$.{field}: expected 1 to {MAX_NAME} characters without control characters"
        ));
    }
    Ok(())
}

fn check_box(b: &[f64; 4]) -> Result<(), String> {
    if b.iter().all(|v| v.is_finite()) && b[2] >= 0.0 && b[3] >= 0.0 {
        Ok(())
    } else {
        Err(format!("expected [x, y, w, h] with w, h >= 0, got {b:?}"))
    }
}

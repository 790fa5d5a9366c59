//! A stream cut into windows (by time or by count), each measured: volume,
//! latency percentiles, error rate, the images' metrics and issue rates,
//! what the model predicted (boxes, classes, confidence) and, once labels
//! arrived, how well it did. The first windows are the reference: each metric's band is
//! their mean ± k standard deviations (NumPy's `std`, as NannyML's
//! standard-deviation thresholds), and the class distribution of later
//! windows is compared with theirs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use anyhow::{bail, Result};
use assay_core::geometry::BBox;
use assay_store::{RecordRow, Store};
use serde::Serialize;

use super::features::{add_feature_metrics, FeatureSettings};
use super::ingest::{record_issue_types, IMAGE_METRICS};
use super::record::{RecordLabels, RecordOutput};

const HOUR_MS: i64 = 3_600_000;
/// A box below this confidence counts as low-confidence; the predicted
/// classes of a window are counted over the others (a deployed detector's
/// output is thresholded before anyone acts on it).
pub const LOW_CONFIDENCE: f64 = 0.5;
/// IoU at which a predicted box matches a true one (realized precision
/// and recall of a detector).
pub const MATCH_IOU: f64 = 0.5;

/// How a stream is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSize {
    /// Fixed spans of time (ms), aligned to multiples since 1970 (UTC).
    Duration(i64),
    /// A fixed number of consecutive records.
    Count(usize),
}

impl FromStr for WindowSize {
    type Err = String;

    /// `hour`, `day`, `30m`, `6h`, `2d`, or `count:500`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("window {s:?}: expected hour, day, <n>m, <n>h, <n>d or count:<n>");
        let number = |t: &str| t.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad);
        Ok(match s {
            "hour" => WindowSize::Duration(HOUR_MS),
            "day" => WindowSize::Duration(24 * HOUR_MS),
            _ if s.starts_with("count:") => WindowSize::Count(number(&s[6..])? as usize),
            _ if s.ends_with('m') => WindowSize::Duration(number(&s[..s.len() - 1])? * 60_000),
            _ if s.ends_with('h') => WindowSize::Duration(number(&s[..s.len() - 1])? * HOUR_MS),
            _ if s.ends_with('d') => {
                WindowSize::Duration(number(&s[..s.len() - 1])? * 24 * HOUR_MS)
            }
            _ => return Err(bad()),
        })
    }
}

/// Which windows are the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reference {
    /// Those ending within this many hours of the stream's first window.
    Hours(f64),
    /// The first this many windows.
    Windows(usize),
}

/// How to cut and compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowOptions {
    /// Window size.
    pub size: WindowSize,
    /// The reference windows.
    pub reference: Reference,
    /// Bands are the reference mean ± this many standard deviations.
    pub std_multiplier: f64,
    /// The time now (ms since 1970): a window that has not ended is
    /// incomplete.
    pub now_ms: i64,
}

/// One window and what was measured in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    /// Position in the stream, from 0.
    pub index: usize,
    /// Start (ms since 1970), inclusive.
    pub start_ms: i64,
    /// End, exclusive.
    pub end_ms: i64,
    /// Records in it.
    pub records: usize,
    /// One of the reference windows.
    pub reference: bool,
    /// It has ended (a later record exists, or its end has passed).
    pub complete: bool,
    /// Metric values by name (absent where nothing was measured).
    pub values: BTreeMap<String, f64>,
}

/// A metric's normal range, from the reference windows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Mean over the reference windows.
    pub mean: f64,
    /// Their standard deviation (ddof 0).
    pub std: f64,
    /// `mean - k * std`.
    pub lower: f64,
    /// `mean + k * std`.
    pub upper: f64,
    /// Reference windows with a value.
    pub windows: usize,
}

/// A stream's windows, with the reference bands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamWindows {
    /// The stream.
    pub stream: String,
    /// Records in the stream.
    pub records: usize,
    /// The windows, oldest first.
    pub windows: Vec<Window>,
    /// Every metric measured in some window, sorted.
    pub metrics: Vec<String>,
    /// Each metric's band (where the reference has two windows with it).
    pub bands: BTreeMap<String, Band>,
    /// The k of the bands.
    pub std_multiplier: f64,
    /// What could not be computed, and why.
    pub notes: Vec<String>,
}

/// Cuts a stream into windows and measures each (with the model-based
/// metrics `features` configures, from stored vectors).
pub fn stream_windows(
    store: &Store,
    stream: &str,
    opts: &WindowOptions,
    features: &FeatureSettings,
) -> Result<StreamWindows> {
    let kinds: Vec<&str> = record_issue_types().iter().map(|t| t.name()).collect();
    let issues = store.stream_issues(stream, &kinds)?;
    let mut cutter = Cutter::new(opts.size, features.any(), &issues.flags);
    let mut last_ms = 0;
    let records = store.for_each_monitor_record(stream, &RECORD_METRICS, |r, metrics| {
        last_ms = r.time_ms;
        cutter.add(&r, metrics)
    })?;
    if records == 0 {
        bail!("stream {stream:?} has no records");
    }
    let (spans, sums) = (cutter.spans, cutter.sums);
    let mut windows = Vec::with_capacity(spans.len());
    for (index, ((start_ms, end_ms, n), acc)) in spans.into_iter().zip(&sums).enumerate() {
        let mut values = acc.values();
        values.extend(acc.counts_as_values());
        windows.push(Window {
            index,
            start_ms,
            end_ms,
            records: n,
            reference: false,
            complete: end_ms <= last_ms || end_ms <= opts.now_ms,
            values,
        });
    }
    mark_reference(&mut windows, opts.reference);
    add_issue_rates(&mut windows, &sums, &issues.kinds);
    add_class_comparison(&mut windows, &sums);
    add_drift_tests(&mut windows, &sums);
    let mut estimated = BTreeMap::new();
    let mut notes: Vec<String> = add_cbpe(&mut windows, &sums, &mut estimated)
        .into_iter()
        .chain(add_detector_estimate(&mut windows, &sums))
        .collect();
    let generator = sums.iter().any(|a| a.generations > 0);
    let samples: Vec<Vec<i64>> = sums.into_iter().map(|a| a.samples).collect();
    // A model that cannot run says why; the other metrics and the rules
    // that use them go on.
    match add_feature_metrics(store, stream, &mut windows, &samples, generator, features) {
        Ok(n) => notes.extend(n),
        Err(e) => notes.push(format!(
            "embedding_drift, fid and clip_score were not computed: {e:#}"
        )),
    }
    let metrics: BTreeSet<String> = windows
        .iter()
        .flat_map(|w| w.values.keys().cloned())
        .collect();
    let mut bands = bands(&windows, &metrics, opts.std_multiplier);
    bands.extend(estimated);
    Ok(StreamWindows {
        stream: stream.to_string(),
        records,
        windows,
        metrics: metrics.into_iter().collect(),
        bands,
        std_multiplier: opts.std_multiplier,
        notes,
    })
}

/// The metrics read with each record: the image metrics, then whether
/// the image was unreadable (present only for records with an image).
const RECORD_METRICS: [&str; 8] = [
    IMAGE_METRICS[0],
    IMAGE_METRICS[1],
    IMAGE_METRICS[2],
    IMAGE_METRICS[3],
    IMAGE_METRICS[4],
    IMAGE_METRICS[5],
    IMAGE_METRICS[6],
    "unreadable",
];

/// Cuts records arriving in time order into windows as they come.
struct Cutter<'a> {
    size: WindowSize,
    /// (start, end, records) per window.
    spans: Vec<(i64, i64, usize)>,
    sums: Vec<Accumulator>,
    first: Option<i64>,
    /// Keep each record's sample and prompt.
    keep_samples: bool,
    /// The image issues of the stream's samples, by sample row id.
    issues: &'a HashMap<i64, u64>,
}

impl<'a> Cutter<'a> {
    fn new(size: WindowSize, keep_samples: bool, issues: &'a HashMap<i64, u64>) -> Self {
        Cutter {
            size,
            keep_samples,
            issues,
            spans: Vec::new(),
            sums: Vec::new(),
            first: None,
        }
    }

    fn add(&mut self, r: &RecordRow, metrics: &[Option<f64>]) -> Result<()> {
        match self.size {
            WindowSize::Duration(d) => {
                // Aligned to multiples of the size; empty windows kept.
                let first = *self.first.get_or_insert(r.time_ms.div_euclid(d) * d);
                let index = ((r.time_ms - first) / d) as usize;
                while self.spans.len() <= index {
                    let i = self.spans.len() as i64;
                    self.spans.push((first + i * d, first + (i + 1) * d, 0));
                    self.sums.push(Accumulator::default());
                }
            }
            WindowSize::Count(n) => {
                if self.spans.last().is_none_or(|w| w.2 == n) {
                    // A window ends where the next one's first record is.
                    if let Some(w) = self.spans.last_mut() {
                        w.1 = r.time_ms;
                    }
                    self.spans.push((r.time_ms, r.time_ms + 1, 0));
                    self.sums.push(Accumulator::default());
                }
                if let Some(w) = self.spans.last_mut() {
                    w.1 = r.time_ms + 1;
                }
            }
        }
        if let (Some(w), Some(acc)) = (self.spans.last_mut(), self.sums.last_mut()) {
            w.2 += 1;
            acc.add(r, metrics, self.keep_samples)?;
            if let Some(&flags) = r.sample_id.and_then(|s| self.issues.get(&s)) {
                acc.add_issues(flags);
            }
        }
        Ok(())
    }
}

/// `issue_rate` (images with any issue) and `issue_rate:<type>` for
/// every issue type seen in the stream, per window with images.
fn add_issue_rates(windows: &mut [Window], sums: &[Accumulator], kinds: &[String]) {
    for (w, a) in windows.iter_mut().zip(sums).filter(|(_, a)| a.images > 0) {
        let images = a.images as f64;
        w.values
            .insert("issue_rate".into(), a.images_with_issue as f64 / images);
        for (bit, k) in kinds.iter().enumerate() {
            let n = a.issues.get(bit).copied().unwrap_or(0);
            w.values
                .insert(format!("issue_rate:{k}"), n as f64 / images);
        }
    }
}

fn mark_reference(windows: &mut [Window], reference: Reference) {
    let Some(first) = windows.first().map(|w| w.start_ms) else {
        return;
    };
    for w in windows.iter_mut() {
        w.reference = match reference {
            Reference::Hours(h) => (w.end_ms - first) as f64 <= h * HOUR_MS as f64,
            Reference::Windows(n) => w.index < n,
        };
    }
}

/// Adds, per window, the share of boxes (or predicted classes) of classes
/// the reference never saw, and the Jensen-Shannon distance (base 2) of
/// its class distribution from the reference's.
fn add_class_comparison(windows: &mut [Window], sums: &[Accumulator]) {
    let reference = reference_classes(windows, sums);
    let total = reference.values().sum::<u64>() as f64;
    if total == 0.0 {
        return;
    }
    for (w, a) in windows.iter_mut().zip(sums) {
        let counts = &a.class_counts;
        let n = counts.values().sum::<usize>() as f64;
        if n == 0.0 {
            continue;
        }
        let unseen = counts
            .iter()
            .filter(|(c, _)| !reference.contains_key(c.as_str()))
            .fold(0.0, |sum, (_, v)| sum + *v as f64);
        w.values.insert("unseen_class_share".into(), unseen / n);
        let classes: BTreeSet<&str> = reference
            .keys()
            .copied()
            .chain(counts.keys().map(String::as_str))
            .collect();
        let pairs: Vec<(f64, f64)> = classes
            .into_iter()
            .map(|c| {
                let p = reference.get(c).copied().unwrap_or(0) as f64 / total;
                let q = counts.get(c).copied().unwrap_or(0) as f64 / n;
                (p, q)
            })
            .collect();
        w.values
            .insert("class_drift".into(), jensen_shannon(&pairs));
    }
}

/// The predicted classes of the reference windows, counted together.
fn reference_classes<'a>(windows: &[Window], sums: &'a [Accumulator]) -> BTreeMap<&'a str, u64> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, a) in windows.iter().zip(sums).filter(|(w, _)| w.reference) {
        for (c, n) in &a.class_counts {
            *counts.entry(c).or_default() += *n as u64;
        }
    }
    counts
}

/// Adds, per window, the p-values of drift tests against the reference
/// windows pooled: `class_drift_p`, the chi-square test of the predicted
/// classes as Evidently computes it, with rare classes pooled first
/// ([`pool_rare`]), and `<metric>_drift_p`, SciPy's two-sample
/// Kolmogorov-Smirnov test of each image metric. Small means changed.
fn add_drift_tests(windows: &mut [Window], sums: &[Accumulator]) {
    let reference: Vec<&Accumulator> = windows
        .iter()
        .zip(sums)
        .filter(|(w, _)| w.reference)
        .map(|(_, a)| a)
        .collect();
    let ref_classes = reference_classes(windows, sums);
    let mut ref_image: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for a in &reference {
        for (m, v) in &a.image {
            ref_image.entry(m).or_default().extend(v);
        }
    }
    for v in ref_image.values_mut() {
        v.sort_by(f64::total_cmp);
    }
    for (w, a) in windows.iter_mut().zip(sums) {
        if !a.class_counts.is_empty() && !ref_classes.is_empty() {
            let classes: BTreeSet<&str> = ref_classes
                .keys()
                .copied()
                .chain(a.class_counts.keys().map(String::as_str))
                .collect();
            let r: Vec<u64> = classes
                .iter()
                .map(|c| ref_classes.get(c).copied().unwrap_or(0))
                .collect();
            let c: Vec<u64> = classes
                .iter()
                .map(|c| a.class_counts.get(*c).map_or(0, |n| *n as u64))
                .collect();
            let (r, c) = pool_rare(&r, &c);
            let test = assay_analysis::drift::stattests::chisquare_counts(&r, &c);
            if !test.p_value.is_nan() {
                w.values.insert("class_drift_p".into(), test.p_value);
            }
        }
        for (m, values) in &a.image {
            let Some(reference) = ref_image.get(m).filter(|r| !r.is_empty()) else {
                continue;
            };
            if *m == "unreadable" {
                continue;
            }
            let mut current = values.clone();
            current.sort_by(f64::total_cmp);
            if let Some(ks) = assay_analysis::drift::ks::ks_2samp_sorted(reference, &current) {
                w.values.insert(format!("{m}_drift_p"), ks.p_value);
            }
        }
    }
}

/// Cochran's rule for the chi-square test: the categories the current
/// sample would expect fewer than 5 of (at the reference's shares) are
/// pooled, smallest first, until the pool expects at least 5. Without it,
/// a class the reference saw twice in thousands of boxes, seen three times
/// in a window, would be "significant" drift.
fn pool_rare(r: &[u64], c: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let (n_r, n_c) = (r.iter().sum::<u64>() as f64, c.iter().sum::<u64>() as f64);
    let expected = |i: usize| r[i] as f64 * n_c / n_r;
    let mut order: Vec<usize> = (0..r.len()).collect();
    order.sort_by(|&a, &b| expected(a).total_cmp(&expected(b)));
    let (mut pool_r, mut pool_c, mut pooled) = (0u64, 0u64, 0usize);
    for &i in &order {
        if pooled > 0 && pool_r as f64 * n_c / n_r >= 5.0 {
            break;
        }
        if pooled == 0 && expected(i) >= 5.0 {
            break;
        }
        pool_r += r[i];
        pool_c += c[i];
        pooled += 1;
    }
    let mut out_r: Vec<u64> = order[pooled..].iter().map(|&i| r[i]).collect();
    let mut out_c: Vec<u64> = order[pooled..].iter().map(|&i| c[i]).collect();
    if pooled > 0 {
        out_r.push(pool_r);
        out_c.push(pool_c);
    }
    (out_r, out_c)
}

/// Jensen-Shannon distance in base 2 (SciPy's `jensenshannon(p, q, 2)`).
fn jensen_shannon(pq: &[(f64, f64)]) -> f64 {
    let kl = |a: f64, m: f64| if a > 0.0 { a * (a / m).log2() } else { 0.0 };
    let js: f64 = pq
        .iter()
        .map(|&(p, q)| {
            let m = (p + q) / 2.0;
            (kl(p, m) + kl(q, m)) / 2.0
        })
        .sum();
    js.max(0.0).sqrt()
}

fn bands(windows: &[Window], metrics: &BTreeSet<String>, k: f64) -> BTreeMap<String, Band> {
    let mut out = BTreeMap::new();
    for m in metrics {
        let values: Vec<f64> = windows
            .iter()
            .filter(|w| w.reference)
            .filter_map(|w| w.values.get(m).copied())
            .collect();
        if values.len() < 2 {
            continue;
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        let std = var.sqrt();
        out.insert(
            m.clone(),
            Band {
                mean,
                std,
                lower: mean - k * std,
                upper: mean + k * std,
                windows: values.len(),
            },
        );
    }
    out
}

/// One classified record, for the label-free estimate.
struct ClassRow {
    probabilities: BTreeMap<String, f64>,
    predicted: String,
    label: Option<String>,
}

/// NannyML's CBPE for a classifier's stream: fitted on the reference
/// windows' labelled records (NannyML's chunk size: their mean count per
/// window), it estimates each window's accuracy from the (calibrated)
/// probabilities alone (`estimated_accuracy`, with `_lower` and `_upper`
/// at ± 3 sampling errors), and its thresholds become the band of
/// `estimated_accuracy` (NannyML's: the reference chunks' realized
/// accuracy, mean ± 3 standard deviations, clipped to [0, 1]). Returns why
/// it was not computed, when it was not.
fn add_cbpe(
    windows: &mut [Window],
    sums: &[Accumulator],
    bands: &mut BTreeMap<String, Band>,
) -> Option<String> {
    use assay_analysis::cbpe::{Cbpe, CbpeOptions, ClassifierRows};
    let first = sums.iter().flat_map(|a| &a.class_rows).next()?;
    let classes: Vec<&String> = first.probabilities.keys().collect();
    let index = |c: &str| classes.iter().position(|k| k.as_str() == c);
    let same = |r: &ClassRow| {
        r.probabilities.len() == classes.len() && r.probabilities.keys().all(|k| index(k).is_some())
    };
    if let Some(r) = sums.iter().flat_map(|a| &a.class_rows).find(|r| !same(r)) {
        return Some(format!(
            "estimated accuracy: records give probabilities of different classes ({classes:?} and {:?})",
            r.probabilities.keys().collect::<Vec<_>>()
        ));
    }
    let rows = |list: &[&ClassRow], labelled: bool| -> Result<ClassifierRows, String> {
        let probabilities = list
            .iter()
            .flat_map(|r| r.probabilities.values().copied())
            .collect();
        let predicted = list
            .iter()
            .map(|r| index(&r.predicted).unwrap_or(0))
            .collect();
        let rows = ClassifierRows::new(probabilities, classes.len())
            .and_then(|r| r.with_predicted(predicted))
            .map_err(|e| e.to_string())?;
        if !labelled {
            return Ok(rows);
        }
        let labels = list
            .iter()
            .map(|r| r.label.as_deref().and_then(index))
            .collect();
        rows.with_labels(labels).map_err(|e| e.to_string())
    };
    let reference: Vec<&ClassRow> = windows
        .iter()
        .zip(sums)
        .filter(|(w, _)| w.reference)
        .flat_map(|(_, a)| &a.class_rows)
        .filter(|r| r.label.as_deref().and_then(index).is_some())
        .collect();
    let reference_windows = windows
        .iter()
        .filter(|w| w.reference && w.records > 0)
        .count()
        .max(1);
    let chunk = (reference.len() / reference_windows).max(1);
    let fitted = rows(&reference, true)
        .and_then(|r| Cbpe::fit(&r, &CbpeOptions::new(chunk)).map_err(|e| e.to_string()));
    let cbpe = match fitted {
        Ok(c) => c,
        Err(e) => {
            return Some(format!(
                "estimated accuracy: CBPE cannot be fitted on the reference windows' {} labelled records: {e}",
                reference.len()
            ))
        }
    };
    for (w, a) in windows.iter_mut().zip(sums) {
        let list: Vec<&ClassRow> = a.class_rows.iter().collect();
        if list.is_empty() {
            continue;
        }
        let estimate =
            rows(&list, false).and_then(|r| cbpe.estimate(&r).map_err(|e| e.to_string()));
        if let Ok(e) = estimate {
            w.values
                .insert("estimated_accuracy".into(), e.estimated_accuracy);
            w.values
                .insert("estimated_accuracy_lower".into(), e.lower_confidence);
            w.values
                .insert("estimated_accuracy_upper".into(), e.upper_confidence);
        }
    }
    let realized: Vec<f64> = cbpe
        .reference_estimates()
        .iter()
        .filter_map(|e| e.realized_accuracy)
        .collect();
    let t = cbpe.thresholds();
    let mean = realized.iter().sum::<f64>() / realized.len().max(1) as f64;
    let var =
        realized.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / realized.len().max(1) as f64;
    bands.insert(
        "estimated_accuracy".into(),
        Band {
            mean,
            std: var.sqrt(),
            lower: t.lower.unwrap_or(f64::NEG_INFINITY),
            upper: t.upper.unwrap_or(f64::INFINITY),
            windows: realized.len(),
        },
    );
    None
}

/// A confidence-based estimate of a detector's precision, the detection
/// counterpart of CBPE: on the reference windows' labelled records, an
/// isotonic regression (scikit-learn's, as CBPE calibrates) maps a box's
/// score to the chance that it matches a true box (same class, IoU >=
/// 0.5, greedy by score); a window's `estimated_precision` is the mean
/// of that chance over its confident boxes (score >= 0.5), the precision
/// `precision` measures once labels arrive. Recall cannot be estimated
/// this way (a missed object leaves no box), and the estimate assumes the
/// score-to-hit relation of the reference holds. Returns why it was not
/// computed, when it was not.
fn add_detector_estimate(windows: &mut [Window], sums: &[Accumulator]) -> Option<String> {
    use assay_analysis::cbpe::isotonic::Isotonic;
    if sums.iter().all(|a| a.confident_scores.is_empty()) {
        return None;
    }
    let (x, y): (Vec<f64>, Vec<f64>) = windows
        .iter()
        .zip(sums)
        .filter(|(w, _)| w.reference)
        .flat_map(|(_, a)| &a.labelled_boxes)
        .map(|&(score, tp)| (score, if tp { 1.0 } else { 0.0 }))
        .unzip();
    if x.is_empty() {
        return Some(
            "estimated precision: no labelled boxes in the reference windows (assay ingest --labels)"
                .into(),
        );
    }
    let calibration = Isotonic::fit(&x, &y);
    for (w, a) in windows.iter_mut().zip(sums) {
        let chances: Vec<f64> = a
            .confident_scores
            .iter()
            .map(|&s| calibration.predict(s))
            .collect();
        if let Some(m) = mean(&chances) {
            w.values.insert("estimated_precision".into(), m);
        }
    }
    None
}

/// Sums over one window's records.
#[derive(Default)]
struct Accumulator {
    records: usize,
    errors: usize,
    latencies: Vec<f64>,
    image: BTreeMap<&'static str, Vec<f64>>,
    images: usize,
    boxes: usize,
    score_sum: f64,
    low_confidence: usize,
    classified: usize,
    confidence_sum: f64,
    /// A classifier's rows: probabilities, predicted and true class.
    class_rows: Vec<ClassRow>,
    class_counts: BTreeMap<String, usize>,
    labelled: usize,
    correct: usize,
    /// Confident boxes of labelled records that match a true box.
    matched: usize,
    true_boxes: usize,
    /// Confident boxes of labelled records.
    predicted_boxes_labelled: usize,
    /// Every box of labelled records: its score and whether it matched.
    labelled_boxes: Vec<(f64, bool)>,
    /// Scores of the confident boxes (labelled or not).
    confident_scores: Vec<f64>,
    /// Records a generator made.
    generations: usize,
    /// Images flagged, by issue type (bit).
    issues: Vec<usize>,
    /// Images with some issue.
    images_with_issue: usize,
    /// The records' samples (row ids), kept when a model-based metric
    /// is configured.
    samples: Vec<i64>,
}

impl Accumulator {
    fn add(&mut self, r: &RecordRow, metrics: &[Option<f64>], keep_samples: bool) -> Result<()> {
        self.records += 1;
        self.errors += usize::from(r.error.is_some());
        if let Some(ms) = r.latency_ms {
            self.latencies.push(ms);
        }
        // `unreadable` is measured for every record with an image.
        if metrics[RECORD_METRICS.len() - 1].is_some() {
            self.images += 1;
        }
        for (name, v) in RECORD_METRICS.iter().zip(metrics) {
            if let Some(v) = v {
                self.image.entry(name).or_default().push(*v);
            }
        }
        let output: RecordOutput = serde_json::from_str(&r.output)?;
        self.generations += usize::from(output.generation.is_some());
        if let (true, Some(sample)) = (keep_samples, r.sample_id) {
            self.samples.push(sample);
        }
        for b in &output.boxes {
            self.boxes += 1;
            self.score_sum += b.score;
            if b.score < LOW_CONFIDENCE {
                self.low_confidence += 1;
            } else {
                self.confident_scores.push(b.score);
                *self.class_counts.entry(b.class.clone()).or_default() += 1;
            }
        }
        let labels: Option<RecordLabels> =
            r.labels.as_deref().map(serde_json::from_str).transpose()?;
        if let (Some(p), Some(class)) = (&output.probabilities, &output.class) {
            self.classified += 1;
            self.confidence_sum += p.get(class).copied().unwrap_or(0.0);
            *self.class_counts.entry(class.clone()).or_default() += 1;
            self.class_rows.push(ClassRow {
                probabilities: p.clone(),
                predicted: class.clone(),
                label: labels.as_ref().and_then(|l| l.class.clone()),
            });
        }
        if let Some(labels) = &labels {
            self.add_labels(&output, labels);
        }
        Ok(())
    }

    fn add_issues(&mut self, flags: u64) {
        self.images_with_issue += usize::from(flags != 0);
        let bits = 64 - flags.leading_zeros() as usize;
        if self.issues.len() < bits {
            self.issues.resize(bits, 0);
        }
        for (bit, n) in self.issues.iter_mut().enumerate() {
            *n += usize::from(flags >> bit & 1 == 1);
        }
    }

    fn add_labels(&mut self, output: &RecordOutput, labels: &RecordLabels) {
        self.labelled += 1;
        if let (Some(truth), Some(predicted)) = (&labels.class, &output.class) {
            self.correct += usize::from(truth == predicted);
        }
        if labels.boxes.is_some() {
            self.true_boxes += labels.true_boxes().len();
            for (b, tp) in output.boxes.iter().zip(match_boxes(output, labels)) {
                self.labelled_boxes.push((b.score, tp));
                if b.score >= LOW_CONFIDENCE {
                    self.predicted_boxes_labelled += 1;
                    self.matched += usize::from(tp);
                }
            }
        }
    }

    fn values(&self) -> BTreeMap<String, f64> {
        let mut v = BTreeMap::new();
        let rate = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
        let mut put = |name: &str, value: Option<f64>| {
            if let Some(x) = value {
                v.insert(name.to_string(), x);
            }
        };
        put("records", Some(self.records as f64));
        put("error_rate", rate(self.errors, self.records));
        for (name, q) in [
            ("latency_p50", 50.0),
            ("latency_p95", 95.0),
            ("latency_p99", 99.0),
        ] {
            put(name, assay_quality::stats::percentile(&self.latencies, q));
        }
        for (name, values) in &self.image {
            let key = if *name == "unreadable" {
                "unreadable_rate".to_string()
            } else {
                format!("{name}_mean")
            };
            put(&key, mean(values));
        }
        if self.boxes > 0 || (self.images > 0 && self.classified == 0) {
            put("boxes_per_image", rate(self.boxes, self.records));
            put(
                "confidence_mean",
                (self.boxes > 0).then(|| self.score_sum / self.boxes as f64),
            );
            put(
                "low_confidence_share",
                rate(self.low_confidence, self.boxes),
            );
        }
        if self.classified > 0 {
            put(
                "confidence_mean",
                Some(self.confidence_sum / self.classified as f64),
            );
        }
        if self.labelled > 0 {
            put("labelled", Some(self.labelled as f64));
            if self.classified > 0 {
                put("accuracy", rate(self.correct, self.labelled));
            }
            put(
                "precision",
                rate(self.matched, self.predicted_boxes_labelled),
            );
            put("recall", rate(self.matched, self.true_boxes));
        }
        v
    }

    /// Class counts and shares, kept as values so later steps (and the
    /// bands) see them.
    fn counts_as_values(&self) -> BTreeMap<String, f64> {
        let total: usize = self.class_counts.values().sum();
        let mut v = BTreeMap::new();
        for (class, n) in &self.class_counts {
            v.insert(format!("class_count:{class}"), *n as f64);
            v.insert(format!("class_share:{class}"), *n as f64 / total as f64);
        }
        v
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Which predicted boxes match a true one of the same class at IoU >=
/// 0.5, highest score first, each true box once.
fn match_boxes(output: &RecordOutput, labels: &RecordLabels) -> Vec<bool> {
    let mut order: Vec<usize> = (0..output.boxes.len()).collect();
    order.sort_by(|&a, &b| output.boxes[b].score.total_cmp(&output.boxes[a].score));
    let mut used = vec![false; labels.true_boxes().len()];
    let mut matched = vec![false; output.boxes.len()];
    for i in order {
        let p = &output.boxes[i];
        let best = labels
            .true_boxes()
            .iter()
            .enumerate()
            .filter(|(j, t)| !used[*j] && t.class == p.class)
            .map(|(j, t)| (j, iou(&p.bbox, &t.bbox)))
            .filter(|(_, iou)| *iou >= MATCH_IOU)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((j, _)) = best {
            used[j] = true;
            matched[i] = true;
        }
    }
    matched
}

fn iou(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let [ax, ay, aw, ah] = *a;
    let [bx, by, bw, bh] = *b;
    BBox::new(ax, ay, aw, ah).iou(&BBox::new(bx, by, bw, bh), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes_parse() {
        assert_eq!("hour".parse(), Ok(WindowSize::Duration(HOUR_MS)));
        assert_eq!("6h".parse(), Ok(WindowSize::Duration(6 * HOUR_MS)));
        assert_eq!("count:50".parse(), Ok(WindowSize::Count(50)));
        assert!("count:0".parse::<WindowSize>().is_err());
        assert!("weekly".parse::<WindowSize>().is_err());
    }

    #[test]
    fn rare_classes_are_pooled_until_the_pool_expects_five() {
        // Reference shares 0.001, 0.009, 0.49, 0.5; 100 current boxes
        // expect 0.1, 0.9, 49, 50: the two rare ones and the next are
        // pooled (1.0 < 5, then 50 >= 5).
        let (r, c) = pool_rare(&[1, 9, 490, 500], &[3, 1, 46, 50]);
        assert_eq!(r, vec![500, 500]);
        assert_eq!(c, vec![50, 50]);
        // Nothing rare: unchanged (ordered by expected count).
        assert_eq!(
            pool_rare(&[50, 50], &[40, 60]),
            (vec![50, 50], vec![40, 60])
        );
    }

    #[test]
    fn jensen_shannon_of_equal_and_disjoint_distributions() {
        assert_eq!(jensen_shannon(&[(0.5, 0.5), (0.5, 0.5)]), 0.0);
        assert!((jensen_shannon(&[(1.0, 0.0), (0.0, 1.0)]) - 1.0).abs() < 1e-15);
    }
}

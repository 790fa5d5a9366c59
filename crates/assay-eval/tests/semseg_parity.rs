//! Parity of `assay_eval::semseg` with mmsegmentation's `IoUMetric`.
//!
//! Generates seeded random datasets (several images each, random sizes,
//! ignored pixels, absent classes, predictions of classes never labelled,
//! values that are not classes, `reduce_zero_label` on and off, u8/u16/u32
//! masks), runs `tests/oracles/semseg_oracle.py` (mmseg's formulas
//! transcribed in numpy) on them with the Python interpreter from
//! `ASSAY_PYTHON` (default: `<workspace>/.venv/bin/python`) and compares
//! every number: areas exactly, metrics within 1e-12 with NaN where the
//! oracle has NaN. A missing interpreter or numpy fails the test.
//!
//! Each dataset is also fed through `par_add` and through two accumulators
//! merged, which must give exactly what sequential `add`s give.

use std::collections::BTreeMap;

use assay_eval::semseg::{ClassMetrics, SemsegAccumulator, SemsegReport};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

mod common;

const SEED: u64 = 0x5e35_e6a1_0c0d;
const RANDOM_CASES: usize = 240;
const TOLERANCE: f64 = 1e-12;

/// Pixel type the masks are given to `add` as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Width {
    U8,
    U16,
    U32,
}

impl Width {
    fn max(self) -> u32 {
        match self {
            Width::U8 => u8::MAX.into(),
            Width::U16 => u16::MAX.into(),
            Width::U32 => u32::MAX,
        }
    }
}

/// One prediction and its label mask, flat.
type Image = (Vec<u32>, Vec<u32>);

#[derive(Debug)]
struct Case {
    num_classes: usize,
    ignore_index: u32,
    reduce_zero_label: bool,
    width: Width,
    images: Vec<Image>,
}

impl Case {
    fn to_json(&self) -> Value {
        let images: Vec<Value> = self
            .images
            .iter()
            .map(|(pred, label)| json!({ "pred": pred, "label": label }))
            .collect();
        json!({
            "num_classes": self.num_classes,
            "ignore_index": self.ignore_index,
            "reduce_zero_label": self.reduce_zero_label,
            "images": images,
        })
    }

    /// Settings and sizes, for failure messages (the pixels are too many).
    fn describe(&self) -> String {
        let sizes: Vec<usize> = self.images.iter().map(|(p, _)| p.len()).collect();
        format!(
            "num_classes {}, ignore_index {}, reduce_zero_label {}, {:?}, image pixels {sizes:?}",
            self.num_classes, self.ignore_index, self.reduce_zero_label, self.width
        )
    }

    fn accumulator(&self) -> SemsegAccumulator {
        SemsegAccumulator::new(self.num_classes, self.ignore_index)
            .expect("generated class counts are valid")
            .with_reduce_zero_label(self.reduce_zero_label)
    }

    /// Sequential `add`s, with the masks in the case's pixel type.
    fn evaluate(&self) -> SemsegReport {
        let mut acc = self.accumulator();
        for (pred, label) in &self.images {
            add_as(&mut acc, self.width, pred, label);
        }
        acc.finish()
    }

    /// `par_add` on one half, `add` on the other, then `merge`.
    fn evaluate_split(&self) -> SemsegReport {
        let half = self.images.len() / 2;
        let mut first = self.accumulator();
        first
            .par_add(self.images[..half].to_vec())
            .expect("generated images have matching sizes");
        let mut second = first.empty_like();
        for (pred, label) in &self.images[half..] {
            add_as(&mut second, self.width, pred, label);
        }
        first.merge(&second).expect("same settings");
        first.finish()
    }
}

fn add_as(acc: &mut SemsegAccumulator, width: Width, pred: &[u32], label: &[u32]) {
    let result = match width {
        Width::U8 => acc.add(&narrow::<u8>(pred), &narrow::<u8>(label)),
        Width::U16 => acc.add(&narrow::<u16>(pred), &narrow::<u16>(label)),
        Width::U32 => acc.add(pred, label),
    };
    result.expect("generated images have matching sizes");
}

fn narrow<T: TryFrom<u32>>(values: &[u32]) -> Vec<T> {
    values
        .iter()
        .map(|&v| T::try_from(v).ok().expect("generated values fit the width"))
        .collect()
}

/// Random case generator.
struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn int(&mut self, lo: u64, hi: u64) -> u64 {
        self.rng.random_range(lo..=hi)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.rng.random_range(0..choices.len())]
    }

    fn num_classes(&mut self, width: Width) -> usize {
        let n = match self.int(0, 9) {
            0..=3 => self.pick(&[1, 2, 3, 5, 8, 19, 21]),
            4..=7 => self.int(1, 60),
            8 => 150,
            _ if width == Width::U8 => 254,
            _ => self.pick(&[300, 1000]),
        };
        n as usize
    }

    fn ignore_index(&mut self, width: Width, num_classes: usize) -> u32 {
        let nc = num_classes as u32;
        match self.int(0, 19) {
            0 => nc,
            1 => self.int(0, u64::from(nc - 1)) as u32,
            2 => width.max(),
            3 => u32::MAX,
            4 => 0,
            _ => 255,
        }
    }

    /// Height times width: mostly small, some empty or long, a few large.
    fn pixels(&mut self) -> usize {
        let (h, w) = match self.int(0, 19) {
            0 => (0, self.int(0, 9)),
            1 => (1, self.int(1, 300)),
            2 => (self.int(64, 256), self.int(64, 256)),
            _ => (self.int(1, 40), self.int(1, 40)),
        };
        (h * w) as usize
    }

    /// A value that is not a class: just past the classes, or anywhere.
    fn out_of_range(&mut self, first: u32, width: Width) -> u32 {
        let value = if self.chance(0.7) {
            u64::from(first) + self.int(0, 9)
        } else {
            self.int(u64::from(first), u64::from(width.max()))
        };
        value.min(u64::from(width.max())) as u32
    }

    fn case(&mut self) -> Case {
        let width = self.pick(&[Width::U8, Width::U8, Width::U16, Width::U32]);
        let num_classes = self.num_classes(width);
        let mut case = Case {
            num_classes,
            ignore_index: self.ignore_index(width, num_classes),
            reduce_zero_label: self.chance(0.35),
            width,
            images: Vec::new(),
        };
        let count = if self.chance(0.03) { 0 } else { self.int(1, 6) };
        // Chances of values that are not classes, for labels and predictions.
        let p_out = [
            self.pick(&[0.0, 0.0, 0.0, 0.01, 0.2]),
            self.pick(&[0.0, 0.0, 0.0, 0.02, 0.3]),
        ];
        for _ in 0..count {
            let image = self.image(&case, p_out);
            case.images.push(image);
        }
        case
    }

    fn image(&mut self, case: &Case, [label_out, pred_out]: [f64; 2]) -> Image {
        let labels = self.labels(case);
        let preds = self.preds(case, &labels, pred_out);
        let raw = labels
            .iter()
            .map(|l| self.raw_label(case, *l, label_out))
            .collect();
        (preds, raw)
    }

    /// Per pixel: `Some(class)`, or `None` for a pixel to ignore. Runs of one
    /// class, from a few classes present in the image (others are absent).
    fn labels(&mut self, case: &Case) -> Vec<Option<u32>> {
        let n = self.pixels();
        let present: Vec<u32> = (0..self.int(1, 6))
            .map(|_| self.int(0, case.num_classes as u64 - 1) as u32)
            .collect();
        let p_ignore = self.pick(&[0.0, 0.0, 0.05, 0.3, 1.0]);
        let mut labels = Vec::with_capacity(n);
        while labels.len() < n {
            let run = (self.int(1, 20) as usize).min(n - labels.len());
            let class = self.pick(&present);
            for _ in 0..run {
                labels.push((!self.chance(p_ignore)).then_some(class));
            }
        }
        labels
    }

    /// The label as written in the mask: ignore values, the `+1` of
    /// `reduce_zero_label`, and with probability `p_out` a value that is
    /// not a class.
    fn raw_label(&mut self, case: &Case, label: Option<u32>, p_out: f64) -> u32 {
        let shift = u32::from(case.reduce_zero_label);
        let max = case.width.max();
        match label {
            None if case.reduce_zero_label && (case.ignore_index > max || self.chance(0.5)) => 0,
            None => case.ignore_index.min(max),
            Some(_) if self.chance(p_out) => {
                self.out_of_range(case.num_classes as u32 + shift, case.width)
            }
            Some(class) => class + shift,
        }
    }

    /// Predictions: the label's class with some probability, else any class
    /// (often one never labelled), with probability `p_out` a value that is
    /// not a class.
    fn preds(&mut self, case: &Case, labels: &[Option<u32>], p_out: f64) -> Vec<u32> {
        let p_right = self.pick(&[0.0, 0.5, 0.8, 0.95, 1.0]);
        let nc = case.num_classes as u64;
        labels
            .iter()
            .map(|label| match label {
                _ if self.chance(p_out) => self.out_of_range(nc as u32, case.width),
                Some(class) if self.chance(p_right) => *class,
                _ => self.int(0, nc - 1) as u32,
            })
            .collect()
    }

    fn cases(&mut self) -> Vec<Case> {
        let mut cases = edge_cases();
        cases.extend((0..RANDOM_CASES).map(|_| self.case()));
        cases
    }
}

/// Hand-picked corners: no images, all ignored, one class, one pixel.
fn edge_cases() -> Vec<Case> {
    let case = |num_classes, ignore_index, reduce_zero_label, images| Case {
        num_classes,
        ignore_index,
        reduce_zero_label,
        width: Width::U32,
        images,
    };
    vec![
        case(3, 255, false, vec![]),
        case(3, 255, false, vec![(vec![], vec![])]),
        case(3, 255, false, vec![(vec![0, 1, 2], vec![255, 255, 255])]),
        case(3, 255, true, vec![(vec![0, 1, 2], vec![0, 0, 255])]),
        case(1, 255, false, vec![(vec![0, 0, 3, 0], vec![0, 2, 0, 255])]),
        case(2, 255, false, vec![(vec![1], vec![0])]),
        case(2, 0, false, vec![(vec![1, 0, 1], vec![0, 1, 1])]),
        case(2, 0, true, vec![(vec![1, 0, 1], vec![0, 1, 2])]),
    ]
}

/// Run the oracle on `cases` and return its per-case results.
fn run_oracle(cases: &[Case]) -> Vec<Value> {
    let json: Vec<Value> = cases.iter().map(Case::to_json).collect();
    common::oracle::run_oracle("semseg_oracle.py", &json)
}

/// A double the oracle sent as its IEEE-754 bit pattern.
fn float(value: &Value) -> Option<f64> {
    value.as_u64().map(f64::from_bits)
}

fn close(ours: f64, theirs: f64) -> bool {
    (ours.is_nan() && theirs.is_nan()) || (ours - theirs).abs() <= TOLERANCE
}

fn compare_float(errors: &mut Vec<String>, what: &str, ours: f64, theirs: Option<f64>) {
    match theirs {
        Some(theirs) if close(ours, theirs) => {}
        _ => errors.push(format!("{what}: {ours} != oracle {theirs:?}")),
    }
}

/// Reads one field of a class's metrics.
type Field<T> = fn(&ClassMetrics) -> T;

/// Per-class areas, exactly.
fn compare_areas(report: &SemsegReport, py: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let areas: [(&str, Field<u64>); 4] = [
        ("area_intersect", |c| c.area_intersect),
        ("area_union", |c| c.area_union),
        ("area_pred_label", |c| c.area_pred_label),
        ("area_label", |c| c.area_label),
    ];
    for (key, area) in areas {
        let ours: Vec<u64> = report.classes.iter().map(area).collect();
        let theirs: Vec<u64> = py[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        if ours != theirs {
            errors.push(format!("{key} {ours:?} != oracle {theirs:?}"));
        }
    }
    errors
}

/// Per-class metrics and the dataset's aAcc and means.
fn compare_metrics(report: &SemsegReport, py: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let per_class: [(&str, Field<f64>); 6] = [
        ("IoU", |c| c.iou),
        ("Acc", |c| c.acc),
        ("Dice", |c| c.dice),
        ("Fscore", |c| c.fscore),
        ("Precision", |c| c.precision),
        ("Recall", |c| c.recall),
    ];
    for (key, metric) in per_class {
        if py[key].as_array().map(Vec::len) != Some(report.classes.len()) {
            errors.push(format!("oracle {key} is not one value per class"));
            continue;
        }
        for (class, value) in report.classes.iter().enumerate() {
            let what = format!("{key}[{class}]");
            compare_float(&mut errors, &what, metric(value), float(&py[key][class]));
        }
    }
    for (key, ours) in [
        ("aAcc", report.a_acc),
        ("mIoU", report.m_iou),
        ("mAcc", report.m_acc),
        ("mDice", report.m_dice),
        ("mFscore", report.m_fscore),
        ("mPrecision", report.m_precision),
        ("mRecall", report.m_recall),
    ] {
        compare_float(&mut errors, key, ours, float(&py[key]));
    }
    errors
}

/// What a case exercises, for the closing summary.
fn features(case: &Case, report: &SemsegReport) -> Vec<&'static str> {
    let mut features = vec![];
    let absent = report.classes.iter().any(|c| c.area_label == 0);
    let never_labelled_predicted = report
        .classes
        .iter()
        .any(|c| c.area_label == 0 && c.area_pred_label > 0);
    for (on, name) in [
        (case.reduce_zero_label, "reduce_zero_label"),
        (report.ignored_pixels > 0, "ignored pixels"),
        (absent, "absent classes"),
        (never_labelled_predicted, "predicted, never labelled"),
        (
            report
                .classes
                .iter()
                .any(|c| c.fscore.is_nan() && c.area_label > 0),
            "NaN F-score",
        ),
        (
            report.out_of_range_predictions > 0,
            "predictions not classes",
        ),
        (report.out_of_range_labels > 0, "labels not classes"),
        (!report.has_labelled_pixels(), "no labelled pixels"),
        (case.images.len() > 1, "several images"),
    ] {
        if on {
            features.push(name);
        }
    }
    features
}

#[test]
fn semseg_metrics_match_mmseg() {
    let cases = Gen {
        rng: ChaCha8Rng::seed_from_u64(SEED),
    }
    .cases();
    let results = run_oracle(&cases);
    let mut failures = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, (case, py)) in cases.iter().zip(&results).enumerate() {
        let report = case.evaluate();
        let mut errors = compare_areas(&report, py);
        errors.extend(compare_metrics(&report, py));
        let json = |r: &SemsegReport| serde_json::to_string(r).expect("report serializes");
        if json(&case.evaluate_split()) != json(&report) {
            errors.push("par_add + merge differ from sequential add".into());
        }
        for error in errors {
            failures.push(format!("case {index} ({}): {error}", case.describe()));
        }
        for feature in features(case, &report) {
            *seen.entry(feature).or_default() += 1;
        }
    }
    let shown: Vec<&str> = failures.iter().take(15).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} mismatches with mmseg's formulas in {} cases; first ones:\n{}",
        failures.len(),
        cases.len(),
        shown.join("\n")
    );
    assert!(cases.len() >= 200, "at least 200 cases");
    println!(
        "mmseg parity: {} cases compared, all within {TOLERANCE:e}: {seen:?}",
        cases.len()
    );
}

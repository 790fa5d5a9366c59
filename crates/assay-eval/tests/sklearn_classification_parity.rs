//! Parity of `assay_eval::classification` with scikit-learn 1.9, the
//! reference.
//!
//! Generates seeded random cases (2 to 20 classes, 1 to 400 samples, classes
//! absent from the labels or the predictions, tied and quantized scores,
//! rows that do not sum to 1, logits), plus the CIFAR-10 test set's
//! out-of-fold predicted probabilities from cleanlab, runs
//! `tests/oracles/classification_oracle.py` on them with the Python
//! interpreter from `ASSAY_PYTHON` (default: `<workspace>/.venv/bin/python`)
//! and compares every metric. A missing interpreter or scikit-learn fails
//! the test.
//!
//! Counts must be identical; scores agree within 1e-12 (scikit-learn sums
//! with numpy's pairwise summation, so the last bits may differ).

mod common;

use std::path::Path;

use assay_eval::classification::{
    accuracy, argmax_classes, brier_score, classification_report, confusion_matrix, f1_score,
    precision_recall_f1_support, top_k_accuracy, Average, AverageScores, BrierScale, ClassScores,
    ClassificationReport, ConfusionMatrix, LabelSet, ReportOptions, ScoreOptions, TopKTies,
    ZeroDivision,
};
use assay_io::npy::read_npy;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const SEED: u64 = 0xc1a5_5eed_5eed;
const ORACLE: &str = "classification_oracle.py";
const TOLERANCE: f64 = 1e-12;
const CLEANLAB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cifar10_test_cleanlab/cleanlab"
);

/// One evaluation, given to both sides.
#[derive(Debug)]
struct Case {
    kind: &'static str,
    num_classes: usize,
    labels: Vec<usize>,
    /// Row-major `labels.len() x num_classes`.
    scores: Vec<f64>,
    /// Explicit predicted classes; else the argmax of each score row.
    predicted: Option<Vec<usize>>,
    /// Whether `scores` are probabilities in [0, 1] (Brier and the report
    /// need them).
    probabilities: bool,
    top_k: Vec<usize>,
    zero_division: ZeroDivision,
    brier_scale: BrierScale,
    /// The label set of the report's per-class scores.
    report_labels: LabelSet,
}

impl Case {
    fn to_json(&self) -> Value {
        json!({
            "num_classes": self.num_classes,
            "labels": self.labels,
            "scores": self.scores,
            "predicted": self.predicted,
            "probabilities": self.probabilities,
            "top_k": self.top_k,
            "zero_division": match self.zero_division {
                ZeroDivision::Zero => "zero",
                ZeroDivision::One => "one",
                ZeroDivision::Nan => "nan",
            },
            "brier_scale": match self.brier_scale {
                BrierScale::Auto => "auto",
                BrierScale::Full => "full",
                BrierScale::Half => "half",
            },
        })
    }

    fn predicted(&self) -> Vec<usize> {
        match &self.predicted {
            Some(p) => p.clone(),
            None => argmax_classes(&self.scores, self.num_classes).expect("valid scores"),
        }
    }

    fn score_options(&self, labels: LabelSet) -> ScoreOptions {
        ScoreOptions {
            labels,
            zero_division: self.zero_division,
        }
    }

    fn report_options(&self) -> ReportOptions {
        ReportOptions {
            top_k: self.top_k.clone(),
            ties: TopKTies::Sklearn,
            scores: self.score_options(self.report_labels),
            brier_scale: self.brier_scale,
            ..ReportOptions::default()
        }
    }
}

/// Random case generator.
struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn int(&mut self, lo: usize, hi: usize) -> usize {
        self.rng.random_range(lo..=hi)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.int(0, choices.len() - 1)]
    }

    fn num_classes(&mut self) -> usize {
        match self.int(0, 9) {
            0..=2 => 2,
            3 => 20,
            _ => self.int(3, 12),
        }
    }

    fn num_samples(&mut self) -> usize {
        match self.int(0, 9) {
            0..=2 => self.int(1, 5),
            3..=7 => self.int(6, 80),
            _ => self.int(81, 400),
        }
    }

    /// Classes drawn from a random subset (sometimes one class, sometimes all).
    fn classes(&mut self, n: usize, num_classes: usize) -> Vec<usize> {
        let used: Vec<usize> = match self.int(0, 5) {
            0 => vec![self.int(0, num_classes - 1)],
            1 | 2 => (0..num_classes).filter(|_| self.chance(0.6)).collect(),
            _ => (0..num_classes).collect(),
        };
        let used = if used.is_empty() { vec![0] } else { used };
        (0..n).map(|_| self.pick(&used)).collect()
    }

    /// A probability row leaning toward `label` with random strength;
    /// columns in `weak` rarely win.
    fn continuous_row(&mut self, label: usize, weak: &[bool]) -> Vec<f64> {
        let boost = self.pick(&[0.0, 1.0, 3.0, 10.0]);
        let mut row: Vec<f64> = weak
            .iter()
            .map(|&w| self.rng.random::<f64>() * if w { 0.01 } else { 1.0 })
            .collect();
        row[label] += boost * self.rng.random::<f64>();
        let total: f64 = row.iter().sum();
        row.iter().map(|v| v / total).collect()
    }

    /// Multiples of 1/q summing to 1: exact ties.
    fn quantized_row(&mut self, label: usize, q: usize, num_classes: usize) -> Vec<f64> {
        let mut units = vec![0usize; num_classes];
        for _ in 0..q {
            let class = if self.chance(0.4) {
                label
            } else {
                self.int(0, num_classes - 1)
            };
            units[class] += 1;
        }
        units.iter().map(|&u| u as f64 / q as f64).collect()
    }

    fn scores(&mut self, labels: &[usize], num_classes: usize) -> (Vec<f64>, bool, &'static str) {
        let weak: Vec<bool> = (0..num_classes).map(|_| self.chance(0.25)).collect();
        let q = self.pick(&[1, 2, 3, 4, 5, 10]);
        let kind = self.int(0, 9);
        let mut rows = Vec::new();
        for &label in labels {
            rows.extend(match kind {
                0..=4 => self.continuous_row(label, &weak),
                5..=7 => self.quantized_row(label, q, num_classes),
                8 => (0..num_classes)
                    .map(|_| self.pick(&[0.0, 0.25, 0.5, 0.75, 1.0]))
                    .collect(),
                _ => (0..num_classes)
                    .map(|_| self.pick(&[-2.0, 0.0, 0.5, 1.5]) + f64::from(self.int(0, 1) as u8))
                    .collect(),
            });
        }
        let described = ["continuous", "quantized", "unnormalized", "logits"];
        let name = described[[0, 0, 0, 0, 0, 1, 1, 1, 2, 3][kind]];
        (rows, kind != 9, name)
    }

    fn case(&mut self) -> Case {
        let num_classes = self.num_classes();
        let n = self.num_samples();
        let labels = self.classes(n, num_classes);
        let (scores, probabilities, kind) = self.scores(&labels, num_classes);
        let explicit = self.chance(0.25);
        let predicted = explicit.then(|| self.classes(n, num_classes));
        let max_k = (num_classes + 1).min(6);
        Case {
            kind: if explicit {
                "explicit predictions"
            } else {
                kind
            },
            num_classes,
            labels,
            scores,
            predicted,
            probabilities,
            top_k: (1..=max_k).collect(),
            zero_division: self.pick(&[ZeroDivision::Zero, ZeroDivision::One, ZeroDivision::Nan]),
            brier_scale: self.pick(&[BrierScale::Auto, BrierScale::Full, BrierScale::Half]),
            report_labels: self.pick(&[LabelSet::Present, LabelSet::All]),
        }
    }
}

/// Hand-picked corners: one sample, one class seen, all-equal scores, k = 2.
fn edge_cases() -> Vec<Case> {
    let case = |kind, num_classes, labels: Vec<usize>, scores: Vec<f64>| Case {
        kind,
        num_classes,
        labels,
        scores,
        predicted: None,
        probabilities: true,
        top_k: (1..=num_classes + 1).collect(),
        zero_division: ZeroDivision::Zero,
        brier_scale: BrierScale::Auto,
        report_labels: LabelSet::Present,
    };
    vec![
        case("one sample", 3, vec![1], vec![0.2, 0.5, 0.3]),
        case("one sample, wrong", 3, vec![0], vec![0.2, 0.5, 0.3]),
        case("all tied", 4, vec![0, 1, 2, 3], vec![0.25; 16]),
        case("binary at 0.5", 2, vec![0, 1, 1, 0], vec![0.5; 8]),
        case(
            "binary",
            2,
            vec![1, 1, 0],
            vec![0.3, 0.7, 0.6, 0.4, 0.9, 0.1],
        ),
        case(
            "one class seen",
            5,
            vec![2, 2, 2],
            [0.0, 0.0, 1.0, 0.0, 0.0].repeat(3),
        ),
        case(
            "one-hot wrong",
            3,
            vec![0, 1],
            vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        ),
    ]
}

/// Compares our numbers with the oracle's, collecting mismatches.
#[derive(Default)]
struct Check {
    errors: Vec<String>,
}

impl Check {
    fn float(&mut self, what: &str, ours: f64, theirs: &Value) {
        let same = match theirs.as_f64() {
            Some(t) => (ours - t).abs() <= TOLERANCE,
            None => theirs.is_null() && ours.is_nan(),
        };
        if !same {
            self.errors
                .push(format!("{what}: {ours} != sklearn {theirs}"));
        }
    }

    fn exact<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: T, theirs: T) {
        if ours != theirs {
            self.errors
                .push(format!("{what}: {ours:?} != sklearn {theirs:?}"));
        }
    }

    fn averages(&mut self, what: &str, ours: &AverageScores, theirs: &Value) {
        self.float(&format!("{what} precision"), ours.precision, &theirs[0]);
        self.float(&format!("{what} recall"), ours.recall, &theirs[1]);
        self.float(&format!("{what} f1"), ours.f1, &theirs[2]);
    }

    fn per_class(&mut self, what: &str, ours: &[ClassScores], theirs: &Value) {
        let classes: Vec<usize> = ours.iter().map(|s| s.class).collect();
        self.exact(
            &format!("{what} classes"),
            classes,
            as_usizes(&theirs["classes"]),
        );
        for (i, s) in ours.iter().enumerate() {
            let at = |field: &str| theirs[field][i].clone();
            let name = |field: &str| format!("{what} class {} {field}", s.class);
            self.float(&name("precision"), s.precision, &at("precision"));
            self.float(&name("recall"), s.recall, &at("recall"));
            self.float(&name("f1"), s.f1, &at("f1"));
            self.exact(&name("support"), Some(s.support), at("support").as_u64());
        }
    }

    fn confusion(&mut self, ours: &ConfusionMatrix, theirs: &Value) {
        let theirs: Vec<Vec<u64>> = serde_json::from_value(theirs.clone()).expect("matrix");
        self.exact("confusion matrix", ours.rows(), theirs.as_slice());
    }
}

fn as_usizes(value: &Value) -> Vec<usize> {
    serde_json::from_value(value.clone()).expect("a list of class indices")
}

const AVERAGES: [(&str, Average); 3] = [
    ("macro", Average::Macro),
    ("micro", Average::Micro),
    ("weighted", Average::Weighted),
];

/// The label-only metrics, from the standalone functions.
fn check_label_metrics(check: &mut Check, case: &Case, predicted: &[usize], py: &Value) {
    let (labels, k) = (&case.labels[..], case.num_classes);
    check.float(
        "accuracy",
        accuracy(labels, predicted, k).unwrap(),
        &py["accuracy"],
    );
    check.confusion(
        &confusion_matrix(labels, predicted, k).unwrap(),
        &py["confusion"],
    );
    for (name, set) in [("present", LabelSet::Present), ("all", LabelSet::All)] {
        let options = case.score_options(set);
        let ours = precision_recall_f1_support(labels, predicted, k, &options).unwrap();
        let theirs = &py["scores"][name];
        check.per_class(name, &ours.per_class, theirs);
        for (avg, average) in AVERAGES {
            check.averages(
                &format!("{name} {avg}"),
                &ours.average(average),
                &theirs[avg],
            );
        }
    }
    let options = case.score_options(LabelSet::Present);
    for (avg, average) in AVERAGES {
        let f1 = f1_score(labels, predicted, k, average, &options).unwrap();
        let theirs = &py["scores"]["present"][format!("f1_{avg}")];
        check.float(&format!("f1_score {avg}"), f1, theirs);
    }
}

fn check_report(check: &mut Check, case: &Case, report: &ClassificationReport, py: &Value) {
    let set = match case.report_labels {
        LabelSet::Present => "present",
        LabelSet::All => "all",
    };
    let scores = &py["scores"][set];
    check.float("report accuracy", report.accuracy, &py["accuracy"]);
    for (i, top) in report.top_k.iter().enumerate() {
        check.float(
            &format!("report top-{}", top.k),
            top.accuracy,
            &py["top_k"][i],
        );
    }
    check.per_class("report", &report.per_class, scores);
    check.averages("report macro", &report.macro_avg, &scores["macro"]);
    check.averages("report micro", &report.micro_avg, &scores["micro"]);
    check.averages("report weighted", &report.weighted_avg, &scores["weighted"]);
    check.confusion(&report.confusion, &py["confusion"]);
    check.float("report brier", report.brier, &py["brier"]);
}

fn compare(case: &Case, py: &Value) -> Vec<String> {
    let mut check = Check::default();
    let predicted = case.predicted();
    check.exact("predicted", predicted.clone(), as_usizes(&py["predicted"]));
    check_label_metrics(&mut check, case, &predicted, py);
    let (labels, scores, k) = (&case.labels[..], &case.scores[..], case.num_classes);
    for (i, &top) in case.top_k.iter().enumerate() {
        let ours = top_k_accuracy(labels, scores, k, top, TopKTies::Sklearn).unwrap();
        check.float(&format!("top-{top}"), ours, &py["top_k"][i]);
    }
    if case.probabilities {
        let ours = brier_score(labels, scores, k, case.brier_scale).unwrap();
        check.float("brier", ours, &py["brier"]);
    }
    if case.probabilities && case.predicted.is_none() {
        let report = classification_report(labels, scores, k, &case.report_options()).unwrap();
        check_report(&mut check, case, &report, py);
    }
    check.errors
}

/// Runs the oracle on `cases` and fails with the first mismatches.
fn assert_parity(cases: &[Case]) {
    let inputs: Vec<Value> = cases.iter().map(Case::to_json).collect();
    let results = common::oracle::run_oracle(ORACLE, &inputs);
    let mut failures = Vec::new();
    for (index, (case, py)) in cases.iter().zip(&results).enumerate() {
        for error in compare(case, py) {
            failures.push(format!(
                "case {index} ({}, {} classes, {} samples): {error}",
                case.kind,
                case.num_classes,
                case.labels.len()
            ));
        }
    }
    let shown: Vec<&str> = failures.iter().take(15).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} mismatches with scikit-learn in {} cases; first ones:\n{}",
        failures.len(),
        cases.len(),
        shown.join("\n")
    );
}

#[test]
fn random_cases_match_sklearn() {
    let mut gen = Gen {
        rng: ChaCha8Rng::seed_from_u64(SEED),
    };
    let mut cases = edge_cases();
    cases.extend((0..250).map(|_| gen.case()));
    assert_parity(&cases);
    let mut kinds = std::collections::BTreeMap::new();
    for case in &cases {
        *kinds.entry(case.kind).or_insert(0) += 1;
    }
    println!(
        "scikit-learn parity: {} cases, all agree: {kinds:?}",
        cases.len()
    );
}

#[test]
fn cifar10_cleanlab_matches_sklearn() {
    let dir = Path::new(CLEANLAB);
    let read = |name: &str| {
        let path = dir.join(name);
        let array = read_npy(&path).unwrap_or_else(|e| panic!("{e}"));
        (path, array)
    };
    let (_, probs) = read("cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy");
    let (labels_path, labels) = read("original_test_labels_cifar10_test_set_original_labels.npy");
    let (argmax_path, argmax) =
        read("cross_validated_predicted_labels_cifar10_test_set_pyx_argmax_predicted_labels.npy");
    assert_eq!(probs.shape, vec![10_000, 10]);
    assert_eq!(labels.shape, vec![10_000]);
    let labels = labels.as_class_indices(&labels_path).unwrap();
    let predicted = argmax_classes(&probs.values, 10).unwrap();
    assert_eq!(
        predicted,
        argmax.as_class_indices(&argmax_path).unwrap(),
        "argmax differs from cleanlab's"
    );
    assert_eq!(accuracy(&labels, &predicted, 10).unwrap(), 0.9294);
    let case = Case {
        kind: "cifar10 cleanlab",
        num_classes: 10,
        labels,
        scores: probs.values,
        predicted: None,
        probabilities: true,
        top_k: vec![1, 2, 3, 5, 10],
        zero_division: ZeroDivision::Zero,
        brier_scale: BrierScale::Auto,
        report_labels: LabelSet::All,
    };
    assert_parity(&[case]);
}

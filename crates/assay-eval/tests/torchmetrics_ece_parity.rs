//! Parity of the calibration error with torchmetrics 1.9's
//! `multiclass_calibration_error` (`MulticlassCalibrationError`).
//!
//! torch is too heavy for the test oracles, so the expected values were
//! produced once by `tests/oracles/make_ece_fixture.py` (torch and
//! torchmetrics versions recorded in the fixture) and are read from
//! `tests/fixtures/ece_torchmetrics.json`. The cases put confidences on and
//! next to every bin edge, at 1 and 0, and tie the largest probabilities.
//!
//! Tolerance: the inputs are float32 values, exactly representable as f64,
//! so both sides bin every sample identically; but torchmetrics sums the
//! confidences and accuracies of each bin in float32 and returns a float32,
//! while we sum in f64. Float32 keeps about 7 significant digits, so the
//! results agree within 1e-6, not to the bit.

use std::collections::BTreeMap;

use assay_eval::classification::{
    bin_edges, calibration_error, classification_report, CalibrationNorm, ReportOptions,
};
use serde::Deserialize;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/ece_torchmetrics.json"
);
const TOLERANCE: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture {
    torch: String,
    torchmetrics: String,
    /// torch's float32 bin edges, by number of bins.
    edges: BTreeMap<usize, Vec<f64>>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    kind: String,
    num_classes: usize,
    n_bins: usize,
    labels: Vec<usize>,
    /// Row-major float32 probabilities, as shortest decimals.
    probs: Vec<f64>,
    expected: BTreeMap<String, f64>,
}

impl Case {
    /// The float32 inputs torchmetrics saw, widened exactly to f64.
    fn probs(&self) -> Vec<f64> {
        self.probs.iter().map(|&p| f64::from(p as f32)).collect()
    }
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(FIXTURE).expect("read the torchmetrics fixture");
    serde_json::from_str(&text).expect("the fixture parses")
}

const NORMS: [(&str, CalibrationNorm); 3] = [
    ("l1", CalibrationNorm::L1),
    ("l2", CalibrationNorm::L2),
    ("max", CalibrationNorm::Max),
];

#[test]
fn bin_edges_match_torch_linspace() {
    let fixture = fixture();
    assert!(fixture.edges.contains_key(&15));
    for (&n_bins, theirs) in &fixture.edges {
        let ours = bin_edges(n_bins);
        assert_eq!(&ours, theirs, "edges of {n_bins} bins differ from torch");
    }
}

#[test]
fn calibration_error_matches_torchmetrics() {
    let fixture = fixture();
    let mut failures = Vec::new();
    let mut largest_gap = 0.0f64;
    for (index, case) in fixture.cases.iter().enumerate() {
        let probs = case.probs();
        for (name, norm) in NORMS {
            let ours = calibration_error(&case.labels, &probs, case.num_classes, case.n_bins, norm)
                .expect("valid fixture case");
            let theirs = case.expected[name];
            largest_gap = largest_gap.max((ours - theirs).abs());
            if (ours - theirs).abs() > TOLERANCE {
                failures.push(format!(
                    "case {index} ({}, {} classes, {} samples, {} bins) {name}: {ours} != torchmetrics {theirs}",
                    case.kind,
                    case.num_classes,
                    case.labels.len(),
                    case.n_bins
                ));
            }
        }
    }
    let shown: Vec<&str> = failures.iter().take(15).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} mismatches with torchmetrics {} (torch {}) in {} cases; first ones:\n{}",
        failures.len(),
        fixture.torchmetrics,
        fixture.torch,
        fixture.cases.len(),
        shown.join("\n")
    );
    println!(
        "torchmetrics {} parity: {} cases x 3 norms, largest difference {largest_gap:e}",
        fixture.torchmetrics,
        fixture.cases.len()
    );
}

#[test]
fn report_ece_is_the_15_bin_l1_error() {
    let fixture = fixture();
    for case in fixture.cases.iter().filter(|c| c.n_bins == 15) {
        let probs = case.probs();
        let report = classification_report(
            &case.labels,
            &probs,
            case.num_classes,
            &ReportOptions::default(),
        )
        .expect("valid fixture case");
        assert!((report.ece - case.expected["l1"]).abs() <= TOLERANCE);
    }
}

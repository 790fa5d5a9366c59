//! CBPE's accuracy estimate against NannyML 0.13.1, run live
//! (`tests/oracles/cbpe_oracle.py` in NannyML's own virtual environment,
//! `tests/oracles/requirements-nannyml.txt`).
//!
//! Seeded random cases: two classes and three to five, references of
//! several chunks, analysis data whose scores shift, well and badly
//! calibrated scores (so that NannyML calibrates some classes and not
//! others), scores rounded into ties, labels complete, partial or absent,
//! and references NannyML refuses. Per chunk of both periods: the
//! estimate, its sampling error and confidence bounds and the thresholds
//! within 1e-9, the realized accuracy within 1e-12, alerts and the
//! calibration decisions equal.

use assay_analysis::cbpe::{
    Calibration, Cbpe, CbpeError, CbpeOptions, ChunkEstimate, ClassifierRows,
};
use assay_test_support::oracle::{nannyml_python, run_oracle_in};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// Runs `tests/oracles/cbpe_oracle.py` on `cases` with NannyML's
/// interpreter; one result per case.
fn run_nannyml_oracle(cases: &[Value]) -> Vec<Value> {
    run_oracle_in(&nannyml_python(), "cbpe_oracle.py", &[], cases)
}

// ------------------------------------------------------------ the cases

/// One side of a case: row-major probabilities, predictions, labels.
#[derive(Clone, Debug)]
struct Part {
    proba: Vec<f64>,
    predicted: Vec<usize>,
    /// `None`: no label column at all.
    labels: Option<Vec<Option<usize>>>,
}

impl Part {
    fn rows(&self, k: usize) -> ClassifierRows {
        let rows = ClassifierRows::new(self.proba.clone(), k)
            .unwrap()
            .with_predicted(self.predicted.clone())
            .unwrap();
        match &self.labels {
            Some(labels) => rows.with_labels(labels.clone()).unwrap(),
            None => rows,
        }
    }

    fn json(&self, k: usize) -> Value {
        let proba: Vec<&[f64]> = self.proba.chunks_exact(k).collect();
        let mut part = json!({"proba": proba, "y_pred": self.predicted});
        if let Some(labels) = &self.labels {
            part["y_true"] = json!(labels);
        }
        part
    }
}

#[derive(Clone, Debug)]
struct Case {
    name: String,
    classes: usize,
    chunk_size: usize,
    calibration: Calibration,
    reference: Part,
    analysis: Part,
}

impl Case {
    fn json(&self) -> Value {
        let calibration = match self.calibration {
            Calibration::Auto => "auto",
            Calibration::Always => "always",
            Calibration::Never => "never",
        };
        json!({
            "classes": self.classes,
            "chunk_size": self.chunk_size,
            "calibration": calibration,
            "reference": self.reference.json(self.classes),
            "analysis": self.analysis.json(self.classes),
        })
    }

    fn options(&self) -> CbpeOptions {
        CbpeOptions {
            chunk_size: self.chunk_size,
            calibration: self.calibration,
        }
    }
}

/// How a case's scores relate to the probabilities its labels are drawn
/// from.
#[derive(Clone, Copy, Debug)]
enum Scores {
    /// The scores are those probabilities.
    Calibrated,
    /// Sharpened or flattened (logits scaled by this factor).
    Temperature(f64),
    /// Each probability raised to this power (binary only).
    Power(f64),
}

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn int(&mut self, lo: usize, hi: usize) -> usize {
        self.rng.random_range(lo..=hi)
    }

    fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.int(0, choices.len() - 1)]
    }

    fn normal(&mut self) -> f64 {
        // Box-Muller.
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn categorical(&mut self, p: &[f64]) -> usize {
        let mut x = self.uniform() * p.iter().sum::<f64>();
        for (i, &w) in p.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        p.len() - 1
    }

    /// `n` rows of `k` classes: logits around class-dependent centres,
    /// shifted by `shift`; labels drawn from the softmax, scores derived
    /// by `scores`, rounded to `quantum` (ties) when given.
    fn part(
        &mut self,
        n: usize,
        k: usize,
        spread: f64,
        shift: &[f64],
        scores: Scores,
        quantum: Option<f64>,
    ) -> Part {
        let mut proba = Vec::with_capacity(n * k);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let logits: Vec<f64> = (0..k).map(|j| spread * self.normal() + shift[j]).collect();
            let truth = softmax(&logits, 1.0);
            labels.push(Some(self.categorical(&truth)));
            let mut row = match scores {
                Scores::Calibrated => truth,
                Scores::Temperature(t) => softmax(&logits, t),
                Scores::Power(g) => {
                    let p = truth[1].powf(g);
                    vec![1.0 - p, p]
                }
            };
            if let Some(q) = quantum {
                row.iter_mut().for_each(|p| *p = (*p / q).round() * q);
            }
            proba.extend(row);
        }
        let predicted = proba
            .chunks_exact(k)
            .map(|row| {
                let mut best = 0;
                for (j, &p) in row.iter().enumerate() {
                    if p > row[best] {
                        best = j;
                    }
                }
                best
            })
            .collect();
        Part {
            proba,
            predicted,
            labels: Some(labels),
        }
    }

    fn case(&mut self, index: usize) -> Case {
        let binary = index.is_multiple_of(2);
        let k = if binary { 2 } else { self.int(3, 5) };
        let chunk_size = self.pick(&[40, 75, 100, 150, 173, 250, 400]);
        let n_ref = chunk_size * self.int(3, 8) + self.pick(&[0, 0, 1, chunk_size / 3]);
        let n_ana = chunk_size * self.int(1, 5) + self.pick(&[0, 7, chunk_size / 2]);
        let spread = self.pick(&[0.5, 1.0, 2.0, 3.0]);
        let scores = match self.int(0, 3) {
            0 | 1 => Scores::Calibrated,
            2 => Scores::Temperature(self.pick(&[0.4, 0.7, 1.6, 2.5])),
            _ if binary => Scores::Power(self.pick(&[0.5, 2.0])),
            _ => Scores::Temperature(0.5),
        };
        let quantum = match self.int(0, 3) {
            0 => Some(0.05),
            1 => Some(0.01),
            _ => None,
        };
        let centres: Vec<f64> = (0..k).map(|_| 0.8 * self.normal()).collect();
        let mut reference = self.part(n_ref, k, spread, &centres, scores, quantum);
        // The analysis period: centres shifted (a changed class mix and
        // confidence), at times a wider spread.
        let shifted: Vec<f64> = centres.iter().map(|c| c + 0.8 * self.normal()).collect();
        let spread_ana = spread * self.pick(&[1.0, 1.0, 0.6, 1.5]);
        let mut analysis = self.part(n_ana, k, spread_ana, &shifted, scores, quantum);
        // Predictions that are not the argmax, now and then.
        for part in [&mut reference, &mut analysis] {
            if self.chance(0.3) {
                for p in part.predicted.iter_mut() {
                    if self.chance(0.1) {
                        *p = self.int(0, k - 1);
                    }
                }
            }
        }
        match self.int(0, 3) {
            0 => analysis.labels = None,
            1 => {
                let labels = analysis.labels.as_mut().unwrap();
                for l in labels.iter_mut() {
                    if self.chance(0.4) {
                        *l = None;
                    }
                }
            }
            _ => {}
        }
        Case {
            name: format!(
                "random {index}: k={k}, chunk {chunk_size}, {n_ref} reference and {n_ana} analysis rows, {scores:?}, quantum {quantum:?}"
            ),
            classes: k,
            chunk_size,
            calibration: Calibration::Auto,
            reference,
            analysis,
        }
    }
}

fn softmax(logits: &[f64], temperature: f64) -> Vec<f64> {
    let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits
        .iter()
        .map(|l| ((l - max) * temperature).exp())
        .collect();
    let total: f64 = e.iter().sum();
    e.iter().map(|v| v / total).collect()
}

/// Hand-made cases for NannyML's edge behaviour.
fn special_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    // Scores that separate the classes (ROC AUC > 0.999: no calibration).
    let mut separable = g.part(600, 2, 1.0, &[0.0, 0.0], Scores::Calibrated, None);
    for (i, l) in separable.labels.as_mut().unwrap().iter_mut().enumerate() {
        let p = separable.proba[2 * i + 1];
        *l = Some(usize::from(p > 0.5));
    }
    let analysis = g.part(300, 2, 2.0, &[0.0, 0.5], Scores::Calibrated, None);
    cases.push(Case {
        name: "separable binary scores".into(),
        classes: 2,
        chunk_size: 100,
        calibration: Calibration::Auto,
        reference: separable,
        analysis,
    });
    // A single positive in the reference: scikit-learn's stratified split
    // refuses it, so NannyML's fit fails.
    let mut lonely = g.part(300, 2, 1.0, &[0.0, -1.0], Scores::Calibrated, Some(0.1));
    for (i, l) in lonely.labels.as_mut().unwrap().iter_mut().enumerate() {
        *l = Some(usize::from(i == 17));
    }
    let analysis = g.part(100, 2, 1.0, &[0.0, 0.0], Scores::Calibrated, None);
    cases.push(Case {
        name: "one positive reference label".into(),
        classes: 2,
        chunk_size: 50,
        calibration: Calibration::Auto,
        reference: lonely,
        analysis,
    });
    // A class no reference label has (the one-vs-rest check sees one
    // target value; the sampling error's binarizer sees fewer classes),
    // and analysis chunks whose labels or predictions are all one class.
    let mut missing = g.part(
        500,
        4,
        1.5,
        &[0.5, 0.0, -0.5, 0.2],
        Scores::Temperature(0.6),
        None,
    );
    for l in missing.labels.as_mut().unwrap().iter_mut() {
        if *l == Some(3) {
            *l = Some(0);
        }
    }
    let mut analysis = g.part(
        200,
        4,
        1.5,
        &[0.5, 0.0, -0.5, 0.2],
        Scores::Temperature(0.6),
        None,
    );
    for i in 0..50 {
        analysis.labels.as_mut().unwrap()[i] = Some(2);
        analysis.predicted[50 + i] = 1;
    }
    cases.push(Case {
        name: "multiclass with a class absent from the reference labels".into(),
        classes: 4,
        chunk_size: 50,
        calibration: Calibration::Auto,
        reference: missing,
        analysis,
    });
    // Only two of three classes among the reference labels: NannyML's
    // binarizer then encodes a prediction of the third class like the first.
    let mut two_of_three = g.part(
        400,
        3,
        1.0,
        &[0.0, 0.3, -0.3],
        Scores::Calibrated,
        Some(0.05),
    );
    for l in two_of_three.labels.as_mut().unwrap().iter_mut() {
        if *l == Some(2) {
            *l = Some(0);
        }
    }
    let analysis = g.part(
        120,
        3,
        1.0,
        &[0.0, 0.3, 0.3],
        Scores::Calibrated,
        Some(0.05),
    );
    cases.push(Case {
        name: "multiclass with two classes among the reference labels".into(),
        classes: 3,
        chunk_size: 60,
        calibration: Calibration::Auto,
        reference: two_of_three,
        analysis,
    });
    // A reference shorter than one chunk: a single reference chunk, so
    // zero spread and thresholds equal to its realized accuracy.
    let reference = g.part(
        90,
        3,
        1.0,
        &[0.2, 0.0, 0.1],
        Scores::Temperature(1.6),
        Some(0.01),
    );
    let analysis = g.part(
        250,
        3,
        1.0,
        &[0.2, 0.0, 0.1],
        Scores::Temperature(1.6),
        Some(0.01),
    );
    cases.push(Case {
        name: "reference shorter than a chunk".into(),
        classes: 3,
        chunk_size: 100,
        calibration: Calibration::Auto,
        reference,
        analysis,
    });
    cases
}

// ------------------------------------------------------------ comparison

/// The largest differences seen, per quantity.
#[derive(Default, Debug)]
struct MaxDiff {
    value: f64,
    sampling_error: f64,
    bounds: f64,
    thresholds: f64,
    realized: f64,
}

fn close(what: &str, ours: Option<f64>, theirs: &Value, tol: f64, max: &mut f64) {
    match (ours, theirs.as_f64()) {
        (Some(a), Some(b)) => {
            let d = (a - b).abs();
            *max = max.max(d);
            assert!(
                d <= tol,
                "{what}: assay {a:e}, NannyML {b:e} (difference {d:e} > {tol:e})"
            );
        }
        (None, None) => {}
        (a, _) => panic!("{what}: assay {a:?}, NannyML {theirs}"),
    }
}

fn compare_chunks(
    name: &str,
    period: &str,
    ours: &[ChunkEstimate],
    theirs: &Value,
    cbpe: &Cbpe,
    max: &mut MaxDiff,
) {
    let theirs = theirs.as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "{name}: {period} chunk count");
    let mut start = 0;
    for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
        let what = |q: &str| format!("{name}: {period} chunk {i}: {q}");
        assert_eq!(
            t["start_index"].as_u64().unwrap() as usize,
            start,
            "{}",
            what("start")
        );
        assert_eq!(
            t["end_index"].as_u64().unwrap() as usize,
            start + o.rows - 1,
            "{}",
            what("end")
        );
        start += o.rows;
        close(
            &what("estimate"),
            Some(o.estimated_accuracy),
            &t["value"],
            1e-9,
            &mut max.value,
        );
        close(
            &what("sampling error"),
            Some(o.sampling_error),
            &t["sampling_error"],
            1e-9,
            &mut max.sampling_error,
        );
        close(
            &what("upper confidence bound"),
            Some(o.upper_confidence),
            &t["upper_confidence_boundary"],
            1e-9,
            &mut max.bounds,
        );
        close(
            &what("lower confidence bound"),
            Some(o.lower_confidence),
            &t["lower_confidence_boundary"],
            1e-9,
            &mut max.bounds,
        );
        let th = cbpe.thresholds();
        close(
            &what("upper threshold"),
            th.upper,
            &t["upper_threshold"],
            1e-9,
            &mut max.thresholds,
        );
        close(
            &what("lower threshold"),
            th.lower,
            &t["lower_threshold"],
            1e-9,
            &mut max.thresholds,
        );
        close(
            &what("realized accuracy"),
            o.realized_accuracy,
            &t["realized"],
            1e-12,
            &mut max.realized,
        );
        assert_eq!(Some(o.alert), t["alert"].as_bool(), "{}", what("alert"));
    }
}

#[test]
fn cbpe_accuracy_matches_nannyml() {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(0xCB9E),
    };
    let mut cases: Vec<Case> = (0..64).map(|i| g.case(i)).collect();
    // Calibration forced on and off (NannyML's decision replaced by the
    // same answer), including the lonely positive NannyML's check refuses.
    for (i, calibration) in [Calibration::Always, Calibration::Never]
        .into_iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        let mut case = g.case(64 + i);
        case.name = format!("{} forced {calibration:?}", case.name);
        case.calibration = calibration;
        cases.push(case);
    }
    let special = special_cases(&mut g);
    for calibration in [Calibration::Always, Calibration::Never] {
        let mut case = special[1].clone();
        case.name = format!("{} forced {calibration:?}", case.name);
        case.calibration = calibration;
        cases.push(case);
    }
    cases.extend(special);
    let results = run_nannyml_oracle(&cases.iter().map(Case::json).collect::<Vec<_>>());

    let mut max = MaxDiff::default();
    // (calibrated, not calibrated) class counts where NannyML decides,
    // binary and multiclass.
    let (mut binary_branches, mut multi_branches) = ([0usize; 2], [0usize; 2]);
    let mut refused = 0;
    let (mut alerts, mut no_realized) = (0, 0);
    for (case, result) in cases.iter().zip(&results) {
        let name = &case.name;
        let fitted = Cbpe::fit(&case.reference.rows(case.classes), &case.options());
        if let Some(error) = result.get("error") {
            refused += 1;
            assert!(
                matches!(fitted, Err(CbpeError::CalibrationCheck { .. })),
                "{name}: NannyML refuses ({error}), assay gives {fitted:?}"
            );
            continue;
        }
        let cbpe = fitted.unwrap_or_else(|e| panic!("{name}: {e}"));
        let calibrated: Vec<bool> = result["calibrated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        assert_eq!(
            cbpe.calibrated(),
            calibrated,
            "{name}: calibration decisions"
        );
        let branches = if case.classes == 2 {
            &mut binary_branches
        } else {
            &mut multi_branches
        };
        if case.calibration == Calibration::Auto {
            for c in calibrated {
                branches[usize::from(!c)] += 1;
            }
        }
        compare_chunks(
            name,
            "reference",
            cbpe.reference_estimates(),
            &result["reference"],
            &cbpe,
            &mut max,
        );
        let analysis = cbpe
            .estimate_chunks(&case.analysis.rows(case.classes))
            .unwrap();
        compare_chunks(
            name,
            "analysis",
            &analysis,
            &result["analysis"],
            &cbpe,
            &mut max,
        );
        alerts += analysis.iter().filter(|e| e.alert).count();
        no_realized += analysis
            .iter()
            .filter(|e| e.realized_accuracy.is_none())
            .count();
    }
    eprintln!(
        "{} cases ({refused} refused by NannyML); calibrated/not: binary {binary_branches:?}, \
         multiclass classes {multi_branches:?}; {alerts} analysis alerts, {no_realized} chunks \
         without realized accuracy; max differences {max:?}",
        cases.len()
    );
    // Both calibration branches, alerts and refusals are exercised.
    assert!(
        binary_branches.iter().all(|&c| c >= 5),
        "binary branches {binary_branches:?}"
    );
    assert!(
        multi_branches.iter().all(|&c| c >= 5),
        "multiclass branches {multi_branches:?}"
    );
    assert!(alerts > 0 && refused > 0 && no_realized > 0);
}

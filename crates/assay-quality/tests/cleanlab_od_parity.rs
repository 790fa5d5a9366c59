//! Parity of `assay_quality::detection_labels` with cleanlab 2.9.0's
//! `cleanlab.object_detection`, the reference.
//!
//! Generates seeded random datasets (well-located true positives, swapped
//! classes, badly located labels, overlooked objects, missed and
//! low-confidence predictions, spurious confident predictions, labels of
//! two classes on one object, images without labels or predictions,
//! several classes), runs `tests/oracles/cleanlab_od_oracle.py` on them with
//! the Python interpreter from `ASSAY_PYTHON` (default:
//! `<workspace>/.venv/bin/python`) and compares every result. A missing
//! interpreter or cleanlab fails the test.
//!
//! Per-box, pooled and image scores and the smallest similarity must agree
//! within 1e-9 (NumPy's BLAS dot products and SIMD `exp` may round
//! differently in the last bit); the per-class thresholds (float32), the
//! per-box issues, the flagged images and their ranking must be identical.
//! Confidences are distinct within a class of a dataset, so that NumPy's
//! unstable argsort orders them as a stable sort does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use assay_core::geometry::BBox;
use assay_quality::detection_labels::{
    detection_label_issues, DetectionLabelInput, DetectionLabelParams, DetectionLabelReport,
    ImageBoxes, LabeledBox, PredictedBox, SubtypeWeights,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const SEED: u64 = 0x00b1_ec71_ab00;
const CASES: usize = 200;
const TOLERANCE: f64 = 1e-9;
const SETUP_HINT: &str = "run ./scripts/test.sh, which installs the Python oracles";

/// How the case's parameters relate to cleanlab's public functions.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Params {
    /// cleanlab's defaults.
    Default,
    /// Defaults but for the weights and the overlapping label check, which
    /// `get_label_quality_scores` and `find_label_issues` accept.
    Public,
    /// Every parameter changed; only cleanlab's parameterised helpers apply.
    Custom,
}

struct Case {
    kind: Params,
    params: DetectionLabelParams,
    input: DetectionLabelInput,
}

impl Case {
    fn to_json(&self) -> Value {
        let p = &self.params;
        let images: Vec<Value> = self
            .input
            .images
            .iter()
            .map(|img| {
                let labels: Vec<Value> = img
                    .labels
                    .iter()
                    .map(|l| {
                        let b = l.bbox;
                        json!([b.x, b.y, b.w, b.h, l.class])
                    })
                    .collect();
                let preds: Vec<Value> = img
                    .predictions
                    .iter()
                    .map(|q| {
                        let b = q.bbox;
                        json!([b.x, b.y, b.w, b.h, q.class, q.score])
                    })
                    .collect();
                json!({ "labels": labels, "predictions": preds })
            })
            .collect();
        json!({
            "num_classes": self.input.num_classes,
            "kind": match self.kind {
                Params::Default => "default",
                Params::Public => "public",
                Params::Custom => "custom",
            },
            "params": {
                "alpha": p.alpha,
                "low": p.low_probability_threshold,
                "high": p.high_probability_threshold,
                "temperature": p.temperature,
                "overlapping_label_check": p.overlapping_label_check,
                "weights": [p.weights.overlooked, p.weights.badloc, p.weights.swap],
            },
            "images": images,
        })
    }
}

/// Random case generator.
struct Gen {
    rng: ChaCha8Rng,
    /// (class, score bits) already used in the current case.
    scores: HashSet<(usize, u64)>,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            scores: HashSet::new(),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn float(&mut self, lo: f64, hi: f64) -> f64 {
        self.rng.random_range(lo..hi)
    }

    /// A coordinate, sometimes a whole pixel.
    fn coord(&mut self, lo: f64, hi: f64) -> f64 {
        let v = self.float(lo, hi.max(lo + 1e-3));
        if self.chance(0.3) {
            v.round()
        } else {
            v
        }
    }

    /// A confidence in `[lo, hi)` not used yet for `class`; now and then
    /// one of the thresholds' exact values.
    fn score(&mut self, class: usize, lo: f64, hi: f64) -> f64 {
        for _ in 0..1000 {
            let special = [0.95, 0.5, 1.0, 0.0];
            let s = if self.chance(0.06) {
                special[self.rng.random_range(0..special.len())]
            } else {
                self.float(lo, hi)
            };
            if self.scores.insert((class, s.to_bits())) {
                return s;
            }
        }
        unreachable!("a fresh random score")
    }

    fn jitter(&mut self, b: BBox, px: f64) -> BBox {
        let mut d = || self.float(-px, px);
        let (dx, dy, dw, dh) = (d(), d(), d(), d());
        BBox::new(b.x + dx, b.y + dy, (b.w + dw).max(1.0), (b.h + dh).max(1.0))
    }

    fn misplace(&mut self, b: BBox) -> BBox {
        if self.chance(0.5) {
            let (fx, fy) = (self.float(-0.6, 0.6), self.float(-0.6, 0.6));
            BBox::new(b.x + fx * b.w, b.y + fy * b.h, b.w, b.h)
        } else {
            let s = self.float(0.4, 1.8);
            BBox::new(b.x, b.y, b.w * s, b.h * self.float(0.5, 1.6))
        }
    }

    fn other_class(&mut self, class: usize, k: usize) -> usize {
        if k == 1 {
            return class;
        }
        (class + self.rng.random_range(1..k)) % k
    }

    fn image(&mut self, k: usize) -> ImageBoxes {
        let (w, h) = (self.float(64.0, 640.0), self.float(64.0, 480.0));
        let mut img = ImageBoxes::default();
        let objects = if self.chance(0.1) {
            0
        } else {
            self.rng.random_range(1..=5)
        };
        for _ in 0..objects {
            let bw = self.coord(6.0, w / 2.0);
            let bh = self.coord(6.0, h / 2.0);
            let truth = BBox::new(self.coord(0.0, w - bw), self.coord(0.0, h - bh), bw, bh);
            let class = self.rng.random_range(0..k);
            self.label(&mut img, truth, class, k);
            self.predict(&mut img, truth, class, k);
        }
        // Confident or unsure predictions of nothing labelled.
        for _ in 0..self.rng.random_range(0..=2) {
            let bw = self.coord(4.0, w / 3.0);
            let bh = self.coord(4.0, h / 3.0);
            let b = BBox::new(self.coord(0.0, w - bw), self.coord(0.0, h - bh), bw, bh);
            let class = self.rng.random_range(0..k);
            let score = if self.chance(0.5) {
                self.score(class, 0.95, 1.0)
            } else {
                self.score(class, 0.0, 1.0)
            };
            img.predictions.push(PredictedBox {
                bbox: b,
                class,
                score,
            });
        }
        // Far away boxes: closeness underflows towards zero.
        if self.chance(0.05) {
            let class = self.rng.random_range(0..k);
            let score = self.score(class, 0.9, 1.0);
            img.predictions.push(PredictedBox {
                bbox: BBox::new(5000.0 + w, 7000.0 + h, 20.0, 20.0),
                class,
                score,
            });
        }
        if self.chance(0.1) {
            img.predictions.clear();
        }
        if self.chance(0.08) {
            img.labels.clear();
        }
        img.predictions.shuffle(&mut self.rng);
        img
    }

    fn label(&mut self, img: &mut ImageBoxes, truth: BBox, class: usize, k: usize) {
        let fate = self.float(0.0, 1.0);
        let labeled = if fate < 0.65 {
            let b = if self.chance(0.5) {
                truth
            } else {
                self.jitter(truth, 2.0)
            };
            Some((b, class))
        } else if fate < 0.77 {
            Some((truth, self.other_class(class, k)))
        } else if fate < 0.89 {
            Some((self.misplace(truth), class))
        } else {
            None // overlooked
        };
        let Some((bbox, class)) = labeled else { return };
        let bbox = if self.chance(0.02) {
            BBox::new(bbox.x, bbox.y, 0.0, bbox.h) // degenerate
        } else {
            bbox
        };
        img.labels.push(LabeledBox { bbox, class });
        // The same object labelled with a second class.
        if k > 1 && self.chance(0.06) {
            let b = if self.chance(0.5) {
                bbox
            } else {
                BBox::new(bbox.x + 0.01 * bbox.w, bbox.y, bbox.w, bbox.h)
            };
            let other = self.other_class(class, k);
            img.labels.push(LabeledBox {
                bbox: b,
                class: other,
            });
        }
    }

    fn predict(&mut self, img: &mut ImageBoxes, truth: BBox, class: usize, k: usize) {
        let fate = self.float(0.0, 1.0);
        let (bbox, class, score) = if fate < 0.6 {
            let b = self.jitter(truth, 3.0);
            (b, class, self.score(class, 0.85, 1.0))
        } else if fate < 0.72 {
            let b = self.jitter(truth, 4.0);
            (b, class, self.score(class, 0.0, 0.9))
        } else if fate < 0.82 {
            return; // missed
        } else if fate < 0.92 {
            let b = self.misplace(truth);
            (b, class, self.score(class, 0.4, 1.0))
        } else {
            let other = self.other_class(class, k);
            let b = self.jitter(truth, 2.0);
            (b, other, self.score(other, 0.9, 1.0))
        };
        img.predictions.push(PredictedBox { bbox, class, score });
        // A second, confident guess of another class on the same object.
        if k > 1 && self.chance(0.08) {
            let other = self.other_class(class, k);
            let b = self.jitter(truth, 3.0);
            let score = self.score(other, 0.93, 1.0);
            img.predictions.push(PredictedBox {
                bbox: b,
                class: other,
                score,
            });
        }
    }

    fn params(&mut self, kind: Params) -> DetectionLabelParams {
        let mut p = DetectionLabelParams::default();
        if kind == Params::Default {
            return p;
        }
        p.overlapping_label_check = self.chance(0.5);
        let raw = [
            self.float(0.05, 1.0),
            self.float(0.05, 1.0),
            self.float(0.05, 1.0),
        ];
        let sum: f64 = raw.iter().sum();
        p.weights = SubtypeWeights {
            overlooked: raw[0] / sum,
            badloc: raw[1] / sum,
            swap: raw[2] / sum,
        };
        if kind == Params::Custom {
            p.alpha = self.float(0.4, 1.0);
            p.low_probability_threshold = self.float(0.2, 0.7);
            p.high_probability_threshold = self.float(0.7, 0.99);
            p.temperature = [0.01, 0.05, 0.3, 1.0][self.rng.random_range(0..4)];
        }
        p
    }

    fn case(&mut self, index: usize) -> Case {
        self.scores.clear();
        let kind = match index % 5 {
            0..=2 => Params::Default,
            3 => Params::Public,
            _ => Params::Custom,
        };
        let params = self.params(kind);
        let k = self.rng.random_range(1..=4);
        let n = self.rng.random_range(1..=10);
        let images = (0..n).map(|_| self.image(k)).collect();
        Case {
            kind,
            params,
            input: DetectionLabelInput {
                num_classes: k,
                images,
            },
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run the oracle on `cases` and return its per-case results.
fn run_oracle(cases: &[Case]) -> Vec<Value> {
    let root = workspace_root();
    let python = std::env::var_os("ASSAY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"));
    assert!(
        python.exists(),
        "Python interpreter {} not found (set ASSAY_PYTHON, or {SETUP_HINT})",
        python.display()
    );
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let input = dir.path().join("cleanlab_od_cases.json");
    let json = Value::Array(cases.iter().map(Case::to_json).collect());
    std::fs::write(&input, json.to_string()).expect("write the cases");
    let output = Command::new(&python)
        .arg(root.join("tests/oracles/cleanlab_od_oracle.py"))
        .arg(&input)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} ({SETUP_HINT})", python.display()));
    assert!(
        output.status.success(),
        "the cleanlab oracle failed ({SETUP_HINT}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).expect("oracle prints JSON");
    assert_eq!(results.len(), cases.len(), "one oracle result per case");
    results
}

/// A double the oracle sent as its bit pattern; `None` for null (NaN).
fn float(v: &Value) -> Option<f64> {
    v.as_u64().map(f64::from_bits)
}

fn floats(v: &Value) -> Vec<Option<f64>> {
    v.as_array().into_iter().flatten().map(float).collect()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|b| b.as_bool().expect("a boolean"))
        .collect()
}

/// Tallies of the comparisons.
#[derive(Default)]
struct Tally {
    scores: usize,
    identical: usize,
    max_diff: f64,
    exact: usize,
    errors: Vec<String>,
}

impl Tally {
    fn close(&mut self, what: &str, ours: Option<f64>, theirs: Option<f64>) {
        self.scores += 1;
        match (ours, theirs) {
            (Some(a), Some(b)) => {
                let d = (a - b).abs();
                self.max_diff = self.max_diff.max(d);
                if a.to_bits() == b.to_bits() {
                    self.identical += 1;
                }
                if d.is_nan() || d > TOLERANCE {
                    self.errors.push(format!("{what}: {a:?} != cleanlab {b:?}"));
                }
            }
            (None, None) => self.identical += 1,
            _ => self
                .errors
                .push(format!("{what}: {ours:?} != cleanlab {theirs:?}")),
        }
    }

    fn same<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: T, theirs: T) {
        self.exact += 1;
        if ours != theirs {
            self.errors
                .push(format!("{what}: {ours:?} != cleanlab {theirs:?}"));
        }
    }
}

fn compare(case: usize, kind: Params, r: &DetectionLabelReport, py: &Value, t: &mut Tally) {
    let at = |what: &str| format!("case {case}: {what}");
    t.close(
        &at("min similarity"),
        Some(r.min_similarity),
        float(&py["min_similarity"]),
    );
    let thresholds: Vec<Option<f64>> = r.class_thresholds.iter().map(|&v| Some(v)).collect();
    t.same(
        &at("class thresholds"),
        thresholds,
        floats(&py["class_thresholds"]),
    );
    for (i, img) in r.images.iter().enumerate() {
        let here = |what: &str| format!("case {case} image {i}: {what}");
        let ov = floats(&py["overlooked"][i]);
        let bl = floats(&py["badloc"][i]);
        let sw = floats(&py["swap"][i]);
        t.same(&here("predictions"), img.predictions.len(), ov.len());
        t.same(&here("labels"), img.labels.len(), bl.len());
        t.same(&here("labels (swap)"), img.labels.len(), sw.len());
        for (j, (p, &o)) in img.predictions.iter().zip(&ov).enumerate() {
            t.close(&here(&format!("overlooked[{j}]")), p.overlooked, o);
        }
        for (j, (l, (&b, &s))) in img.labels.iter().zip(bl.iter().zip(&sw)).enumerate() {
            t.close(&here(&format!("badloc[{j}]")), Some(l.badloc), b);
            t.close(&here(&format!("swap[{j}]")), Some(l.swap), s);
        }
        let pooled = &py["pooled"];
        t.close(
            &here("pooled overlooked"),
            Some(img.overlooked),
            float(&pooled["overlooked"][i]),
        );
        t.close(
            &here("pooled badloc"),
            Some(img.badloc),
            float(&pooled["badloc"][i]),
        );
        t.close(
            &here("pooled swap"),
            Some(img.swap),
            float(&pooled["swap"][i]),
        );
        t.close(&here("score"), Some(img.score), float(&py["scores"][i]));
        let issues = &py["issues"];
        let ours: Vec<bool> = img.predictions.iter().map(|p| p.overlooked_issue).collect();
        t.same(
            &here("overlooked issues"),
            ours,
            bools(&issues["overlooked"][i]),
        );
        let ours: Vec<bool> = img.labels.iter().map(|l| l.badloc_issue).collect();
        t.same(&here("badloc issues"), ours, bools(&issues["badloc"][i]));
        let ours: Vec<bool> = img.labels.iter().map(|l| l.swap_issue).collect();
        t.same(&here("swap issues"), ours, bools(&issues["swap"][i]));
    }
    let flagged: Vec<bool> = r.images.iter().map(|i| i.flagged).collect();
    t.same(&at("flagged"), &flagged, &bools(&py["flagged"]));
    let public = &py["public"];
    if public.is_null() {
        return;
    }
    t.same(
        &at("find_label_issues"),
        &flagged,
        &bools(&public["flagged"]),
    );
    // cleanlab ranks by the scores of its default parameters.
    if kind != Params::Default {
        return;
    }
    let ranked: Vec<usize> = public["ranked"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_u64().expect("an index") as usize)
        .collect();
    t.same(&at("ranked issues"), r.ranked_issues(), ranked);
}

#[test]
fn detection_label_issues_match_cleanlab() {
    let mut gen = Gen::new(SEED);
    let cases: Vec<Case> = (0..CASES).map(|i| gen.case(i)).collect();
    let started = Instant::now();
    let results = run_oracle(&cases);
    let oracle_time = started.elapsed();
    let started = Instant::now();
    let reports: Vec<DetectionLabelReport> = cases
        .iter()
        .map(|c| detection_label_issues(&c.input, &c.params).expect("valid generated case"))
        .collect();
    let ours_time = started.elapsed();

    let mut t = Tally::default();
    for (i, ((r, py), c)) in reports.iter().zip(&results).zip(&cases).enumerate() {
        compare(i, c.kind, r, py, &mut t);
    }
    let images: usize = cases.iter().map(|c| c.input.images.len()).sum();
    let flagged: usize = reports
        .iter()
        .map(|r| r.images.iter().filter(|i| i.flagged).count())
        .sum();
    let positive_thresholds: usize = reports
        .iter()
        .map(|r| r.class_thresholds.iter().filter(|&&v| v > 0.0).count())
        .sum();
    eprintln!(
        "{CASES} cases, {images} images, {flagged} flagged, {positive_thresholds} classes with \
         AP > 0; {} scores ({} bit-identical, largest difference {:e}), {} exact comparisons; \
         cleanlab {oracle_time:.2?}, assay {ours_time:.2?}",
        t.scores, t.identical, t.max_diff, t.exact
    );
    // The cases must exercise flagging both ways.
    assert!(
        flagged > 0 && flagged < images,
        "degenerate cases: {flagged} of {images} flagged"
    );
    assert!(
        t.errors.is_empty(),
        "{} mismatches with cleanlab, first ones:\n{}",
        t.errors.len(),
        t.errors[..t.errors.len().min(30)].join("\n")
    );
}

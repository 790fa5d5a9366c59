//! Parity of `assay_eval::agreement` with its references: Cohen's kappa
//! (unweighted, linear, quadratic) with scikit-learn 1.9's
//! `cohen_kappa_score`, Fleiss' kappa (Fleiss and Randolph) with
//! statsmodels 0.15's `fleiss_kappa`, and Krippendorff's alpha at every
//! level of measurement with the `krippendorff` package 0.9, on seeded
//! random cases (gapped and negative labels, a single label, missing values
//! at every rate, units nobody or one rater rated) and on the CIFAR-10 test
//! set's original labels against cleanlab's out-of-fold predictions; and
//! alpha over boxes (and, in half the cases, masks) matched across
//! annotators with `1 - IoU` as distance, against the package given that
//! distance as a callable.
//! Values agree within 1e-12; where a reference returns NaN or raises,
//! assay must say the statistic is undefined.

mod common;

use assay_core::geometry::BBox;
use assay_core::mask::{rle_pair_iou, Rle};
use assay_eval::agreement::{
    alpha, box_alpha, cohen_kappa, fleiss_kappa, units, AnnotatedBox, FleissMethod,
    ImageAnnotations, MeasurementLevel, Unit, Weights,
};
use assay_io::npy::read_npy;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use common::oracle::{run_oracle, shared_data};

const TOLERANCE: f64 = 1e-12;
const LEVELS: [(MeasurementLevel, &str); 4] = [
    (MeasurementLevel::Nominal, "nominal"),
    (MeasurementLevel::Ordinal, "ordinal"),
    (MeasurementLevel::Interval, "interval"),
    (MeasurementLevel::Ratio, "ratio"),
];
const WEIGHTS: [Weights; 3] = [Weights::Unweighted, Weights::Linear, Weights::Quadratic];

/// One case: what assay computed, and what the oracle is asked.
struct Case {
    ours: Result<f64, String>,
    oracle: Value,
}

fn weights_name(w: Weights) -> Value {
    match w {
        Weights::Unweighted => Value::Null,
        Weights::Linear => json!("linear"),
        Weights::Quadratic => json!("quadratic"),
    }
}

fn cohen_cases(a: &[i64], b: &[i64]) -> Vec<Case> {
    WEIGHTS
        .iter()
        .map(|w| Case {
            ours: cohen_kappa(a, b, *w).map_err(|e| e.to_string()),
            oracle: json!({"kind": "cohen", "a": a, "b": b, "weights": weights_name(*w)}),
        })
        .collect()
}

fn fleiss_cases(table: &[Vec<f64>]) -> Vec<Case> {
    [
        (FleissMethod::Fleiss, "fleiss"),
        (FleissMethod::Randolph, "randolph"),
    ]
    .iter()
    .map(|(m, name)| Case {
        ours: fleiss_kappa(table, *m).map_err(|e| e.to_string()),
        oracle: json!({"kind": "fleiss", "table": table, "method": name}),
    })
    .collect()
}

fn alpha_case(data: &[Vec<Option<f64>>], level: MeasurementLevel, name: &str) -> Case {
    Case {
        ours: alpha(data, level).map_err(|e| e.to_string()),
        oracle: json!({"kind": "alpha", "data": data, "level": name}),
    }
}

/// A label near `truth` (a rater who agrees with probability `p`).
fn rater(rng: &mut ChaCha8Rng, truth: &[i64], labels: &[i64], p: f64) -> Vec<i64> {
    truth
        .iter()
        .map(|&t| match rng.random_bool(p) {
            true => t,
            false => labels[rng.random_range(0..labels.len())],
        })
        .collect()
}

fn random_labels(rng: &mut ChaCha8Rng) -> Vec<i64> {
    let k = rng.random_range(1..=8);
    let mut labels: Vec<i64> = (0..k).map(|_| rng.random_range(-3..20)).collect();
    labels.sort_unstable();
    labels.dedup();
    labels
}

fn random_cases() -> Vec<Case> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4a99_ee0e);
    let mut cases = Vec::new();
    for _ in 0..200 {
        let labels = random_labels(&mut rng);
        let n = rng.random_range(1..=300);
        let truth: Vec<i64> = (0..n)
            .map(|_| labels[rng.random_range(0..labels.len())])
            .collect();
        let p = rng.random_range(0.0..1.0);
        let a = rater(&mut rng, &truth, &labels, p);
        let b = rater(&mut rng, &truth, &labels, p);
        cases.extend(cohen_cases(&a, &b));
    }
    for _ in 0..100 {
        let categories = rng.random_range(1..=8);
        let raters = rng.random_range(2..=10);
        let subjects = rng.random_range(1..=100);
        let skew = rng.random_range(0.0..1.0);
        let table: Vec<Vec<f64>> = (0..subjects)
            .map(|_| {
                let favourite = rng.random_range(0..categories);
                let mut row = vec![0.0; categories];
                for _ in 0..raters {
                    let c = match rng.random_bool(skew) {
                        true => favourite,
                        false => rng.random_range(0..categories),
                    };
                    row[c] += 1.0;
                }
                row
            })
            .collect();
        cases.extend(fleiss_cases(&table));
    }
    for (level, name) in LEVELS {
        for _ in 0..200 {
            let raters = rng.random_range(2..=8);
            let units = rng.random_range(1..=60);
            let missing = rng.random_range(0.0..0.8);
            let domain: Vec<f64> = match level {
                MeasurementLevel::Nominal | MeasurementLevel::Ordinal => {
                    random_labels(&mut rng).iter().map(|&v| v as f64).collect()
                }
                _ => (0..rng.random_range(1..=30))
                    .map(|_| (rng.random_range(0.0..50.0_f64) * 4.0).round() / 4.0)
                    .collect(),
            };
            let p = rng.random_range(0.0..1.0);
            let truth: Vec<f64> = (0..units)
                .map(|_| domain[rng.random_range(0..domain.len())])
                .collect();
            let data: Vec<Vec<Option<f64>>> = (0..raters)
                .map(|_| {
                    truth
                        .iter()
                        .map(|&t| {
                            (!rng.random_bool(missing)).then(|| match rng.random_bool(p) {
                                true => t,
                                false => domain[rng.random_range(0..domain.len())],
                            })
                        })
                        .collect()
                })
                .collect();
            cases.push(alpha_case(&data, level, name));
        }
    }
    cases
}

/// CIFAR-10's original test labels, cleanlab's out-of-fold argmax, and the
/// second most probable class: three "raters" of 10,000 images.
fn cifar_cases() -> Vec<Case> {
    let dir = shared_data().join("cifar10_test_cleanlab/cleanlab");
    let read = |name: &str| read_npy(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Vec<i64> = read("original_test_labels_cifar10_test_set_original_labels.npy")
        .values
        .iter()
        .map(|&v| v as i64)
        .collect();
    let probs = read("cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy").values;
    let k = probs.len() / original.len();
    let ranked: Vec<(i64, i64)> = probs
        .chunks(k)
        .map(|row| {
            let mut order: Vec<usize> = (0..k).collect();
            order.sort_by(|&i, &j| row[j].total_cmp(&row[i]).then(i.cmp(&j)));
            (order[0] as i64, order[1] as i64)
        })
        .collect();
    let first: Vec<i64> = ranked.iter().map(|r| r.0).collect();
    let second: Vec<i64> = ranked.iter().map(|r| r.1).collect();
    let mut cases = cohen_cases(&original, &first);
    let mut table = vec![vec![0.0; k]; original.len()];
    for (i, row) in table.iter_mut().enumerate() {
        for rater in [&original, &first, &second] {
            row[rater[i] as usize] += 1.0;
        }
    }
    cases.extend(fleiss_cases(&table));
    // Every seventh label of the model left out: missing values.
    let data: Vec<Vec<Option<f64>>> = vec![
        original.iter().map(|&v| Some(v as f64)).collect(),
        first
            .iter()
            .enumerate()
            .map(|(i, &v)| (i % 7 != 0).then_some(v as f64))
            .collect(),
    ];
    for (level, name) in LEVELS {
        cases.push(alpha_case(&data, level, name));
    }
    cases
}

fn compare(cases: &[Case]) {
    let oracle: Vec<Value> = cases.iter().map(|c| c.oracle.clone()).collect();
    let answers = run_oracle("agreement_oracle.py", &oracle);
    let mut failures = Vec::new();
    for (case, answer) in cases.iter().zip(&answers) {
        let reference = answer["value"].as_f64();
        match (&case.ours, reference) {
            (Ok(v), Some(r)) if (v - r).abs() <= TOLERANCE => {}
            (Err(_), None) => {}
            (ours, _) => failures.push(format!(
                "{}: assay {ours:?}, reference {answer}",
                case.oracle
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ; first:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn agreement_matches_scikit_learn_statsmodels_and_krippendorff_on_random_cases() {
    let cases = random_cases();
    let defined = cases.iter().filter(|c| c.ours.is_ok()).count();
    assert!(
        defined > cases.len() * 4 / 5,
        "too few defined cases: {defined}"
    );
    compare(&cases);
}

#[test]
fn agreement_matches_the_references_on_cifar10_labels() {
    compare(&cifar_cases());
}

/// The diamond inscribed in a box, as a mask of a 160 x 160 image.
fn diamond(b: &BBox) -> Rle {
    let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
    let polygon = [cx, b.y, b.x + b.w, cy, cx, b.y + b.h, b.x, cy];
    Rle::from_polygon(&polygon, 160, 160)
}

/// Random images: true boxes that each annotator draws (or misses, or
/// adds a stray one), jittered, sometimes with another class.
fn random_box_images(rng: &mut ChaCha8Rng, masks: bool) -> Vec<ImageAnnotations> {
    let annotators = rng.random_range(2..=5);
    let skill: Vec<f64> = (0..annotators)
        .map(|_| rng.random_range(0.5..1.0))
        .collect();
    (0..rng.random_range(1..=12))
        .map(|_| {
            let who: Vec<usize> = (0..annotators).filter(|_| rng.random_bool(0.8)).collect();
            let mut boxes = Vec::new();
            for _ in 0..rng.random_range(0..=5) {
                let class = rng.random_range(0..3);
                let (x, y) = (rng.random_range(0.0..100.0), rng.random_range(0.0..100.0));
                let (w, h) = (rng.random_range(5.0..40.0), rng.random_range(5.0..40.0));
                for &a in &who {
                    if !rng.random_bool(skill[a]) {
                        continue;
                    }
                    let jitter = (1.0 - skill[a]) * 10.0;
                    let mut j = || rng.random_range(-jitter..=jitter);
                    let bbox = BBox::new(x + j(), y + j(), (w + j()).max(1.0), (h + j()).max(1.0));
                    let class = if rng.random_bool(0.05) {
                        (class + 1) % 3
                    } else {
                        class
                    };
                    boxes.push(AnnotatedBox {
                        annotator: a,
                        class,
                        bbox,
                        mask: masks.then(|| diamond(&bbox)),
                    });
                }
            }
            if rng.random_bool(0.3) && !who.is_empty() {
                let a = who[rng.random_range(0..who.len())];
                let bbox = BBox::new(
                    rng.random_range(0.0..100.0),
                    rng.random_range(0.0..100.0),
                    8.0,
                    8.0,
                );
                boxes.push(AnnotatedBox {
                    annotator: a,
                    class: 0,
                    bbox,
                    mask: masks.then(|| diamond(&bbox)),
                });
            }
            ImageAnnotations {
                annotators: who,
                boxes,
            }
        })
        .collect()
}

/// The units as krippendorff's reliability data (value 0 is "no box",
/// box `k` of the flattened boxes is `k + 1`) and the distance matrix.
fn box_case(images: &[ImageAnnotations], units: &[Unit], annotators: usize) -> Value {
    let offsets: Vec<usize> = images
        .iter()
        .scan(0, |at, im| {
            let here = *at;
            *at += im.boxes.len();
            Some(here)
        })
        .collect();
    let total: usize = images.iter().map(|im| im.boxes.len()).sum();
    let mut data: Vec<Vec<Option<usize>>> = vec![vec![None; units.len()]; annotators];
    for (u, unit) in units.iter().enumerate() {
        for &(who, b) in &unit.values {
            data[who][u] = Some(b.map_or(0, |b| offsets[unit.image] + b + 1));
        }
    }
    let flat: Vec<(usize, &AnnotatedBox)> = images
        .iter()
        .enumerate()
        .flat_map(|(i, im)| im.boxes.iter().map(move |b| (i, b)))
        .collect();
    let distance: Vec<Vec<f64>> = (0..=total)
        .map(|p| {
            (0..=total)
                .map(|q| match (p, q) {
                    (0, 0) => 0.0,
                    (0, _) | (_, 0) => 1.0,
                    _ => {
                        let ((ia, a), (ib, b)) = (flat[p - 1], flat[q - 1]);
                        if ia == ib && a.class == b.class {
                            let iou = match (&a.mask, &b.mask) {
                                (Some(x), Some(y)) => rle_pair_iou(x, y, false),
                                _ => a.bbox.iou(&b.bbox, false),
                            };
                            1.0 - iou
                        } else {
                            1.0
                        }
                    }
                })
                .collect()
        })
        .collect();
    json!({"kind": "alpha_distance", "data": data, "distance": distance})
}

#[test]
fn box_alpha_matches_krippendorff_with_one_minus_iou() {
    let mut rng = ChaCha8Rng::seed_from_u64(0xb0c5_a1fa);
    let mut cases = Vec::new();
    for case in 0..200 {
        let images = random_box_images(&mut rng, case % 2 == 1);
        let found = units(&images, 0.5);
        let annotators = 5;
        cases.push(Case {
            ours: box_alpha(&images, &found).map_err(|e| e.to_string()),
            oracle: box_case(&images, &found, annotators),
        });
    }
    let defined = cases.iter().filter(|c| c.ours.is_ok()).count();
    assert!(defined > 150, "too few defined cases: {defined}");
    compare(&cases);
}

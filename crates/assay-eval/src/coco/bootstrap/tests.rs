//! The weighted accumulation against the ordinary evaluation of the
//! materialised resample (the ordinary evaluation is itself held to
//! pycocotools by `tests/pycocotools_parity.rs`; `tests/paired_parity.rs`
//! compares resamples with pycocotools directly).

use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Category, Dataset, Sample};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::coco::{evaluate, IouType};

fn sample(id: i64) -> Sample {
    Sample {
        id,
        file_name: format!("{id}.jpg"),
        width: Some(640),
        height: Some(480),
        split: None,
        generation: None,
    }
}

fn object(id: i64, image: i64, cat: i64, b: [f64; 4], score: Option<f64>) -> Annotation {
    let mut a = Annotation::new(id, image, cat);
    a.bbox = Some(BBox::new(b[0], b[1], b[2], b[3]));
    a.area = Some(b[2] * b[3]);
    a.score = score;
    a
}

/// A random scene with many tied scores, crowds and all object sizes.
fn scene(rng: &mut ChaCha8Rng) -> (Dataset, Vec<Annotation>) {
    let images = rng.random_range(1..10i64);
    let cats = [1i64, 3, 7];
    let mut gts = Vec::new();
    let mut dts = Vec::new();
    for image in 1..=images {
        for &cat in &cats {
            for _ in 0..rng.random_range(0..4) {
                let side = [8.0, 20.0, 50.0, 120.0][rng.random_range(0..4)];
                let b = [
                    rng.random_range(0.0..400.0),
                    rng.random_range(0.0..300.0),
                    side,
                    side,
                ];
                let mut g = object(gts.len() as i64 + 1, image, cat, b, None);
                g.iscrowd = rng.random_bool(0.1);
                gts.push(g.clone());
                for _ in 0..rng.random_range(0..3) {
                    let mut j = |v: f64| v + rng.random_range(-0.3..0.3) * side;
                    let d = [j(b[0]), j(b[1]), side, side];
                    let score = rng.random_range(1..6) as f64 / 10.0;
                    dts.push(object(0, image, cat, d, Some(score)));
                }
            }
            let extra = if rng.random_bool(0.05) { 110 } else { 2 };
            for _ in 0..rng.random_range(0..extra) {
                let b = [
                    rng.random_range(0.0..400.0),
                    rng.random_range(0.0..300.0),
                    30.0,
                    30.0,
                ];
                let score = rng.random_range(1..6) as f64 / 10.0;
                dts.push(object(0, image, cat, b, Some(score)));
            }
        }
    }
    for (i, d) in dts.iter_mut().enumerate() {
        d.id = i as i64 + 1;
    }
    let dataset = Dataset {
        samples: (1..=images).map(sample).collect(),
        categories: cats
            .iter()
            .map(|&c| Category::named(c, format!("c{c}")))
            .collect(),
        annotations: gts,
    };
    (dataset, dts)
}

/// The resample as a dataset of its own: occurrence `j` becomes image
/// `j + 1`, with copies of its objects.
fn materialise(
    dataset: &Dataset,
    dts: &[Annotation],
    image_ids: &[i64],
    picks: &[usize],
) -> (Dataset, Vec<Annotation>) {
    let mut out = Dataset {
        samples: Vec::new(),
        categories: dataset.categories.clone(),
        annotations: Vec::new(),
    };
    let mut dets = Vec::new();
    for (j, &i) in picks.iter().enumerate() {
        let id = j as i64 + 1;
        out.samples.push(sample(id));
        for g in dataset
            .annotations
            .iter()
            .filter(|a| a.sample_id == image_ids[i])
        {
            let mut g = g.clone();
            g.id = out.annotations.len() as i64 + 1;
            g.sample_id = id;
            out.annotations.push(g);
        }
        for d in dts.iter().filter(|a| a.sample_id == image_ids[i]) {
            let mut d = d.clone();
            d.id = dets.len() as i64 + 1;
            d.sample_id = id;
            dets.push(d);
        }
    }
    (out, dets)
}

#[test]
fn resamples_equal_the_evaluation_of_the_materialised_dataset() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_b007);
    let params = Params::new(IouType::Bbox);
    for case in 0..150 {
        let (dataset, dts) = scene(&mut rng);
        let evaluator = ResampleEvaluator::new(&dataset, &dts, &params).expect("evaluates");
        let n = evaluator.image_ids().len();
        let mut lists: Vec<Vec<usize>> = vec![(0..n).collect(), (0..n).rev().collect()];
        for _ in 0..3 {
            let len = rng.random_range(1..2 * n + 2);
            lists.push((0..len).map(|_| rng.random_range(0..n)).collect());
        }
        for picks in lists {
            let got = evaluator.evaluate(&picks).expect("valid resample");
            let (d, p) = materialise(&dataset, &dts, evaluator.image_ids(), &picks);
            let expected = evaluate(&d, &p, &params).expect("evaluates");
            let ap: Vec<f64> = expected.per_category().iter().map(|c| c.ap).collect();
            assert_eq!(
                got.summary,
                expected.stats(),
                "case {case}, resample {picks:?}"
            );
            assert_eq!(got.category_ap, ap, "case {case}, resample {picks:?}");
        }
    }
}

#[test]
fn the_bootstrap_is_seeded_and_centred_on_the_full_set() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (dataset, a) = loop {
        let (d, a) = scene(&mut rng);
        if d.samples.len() >= 5 && !a.is_empty() {
            break (d, a);
        }
    };
    let b: Vec<Annotation> = a
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.score = d.score.map(|s| 1.0 - s);
            d
        })
        .collect();
    let params = Params::new(IouType::Bbox);
    let options = BootstrapOptions {
        resamples: 200,
        confidence: 0.9,
        seed: 3,
    };
    let report = paired_bootstrap(&dataset, &a, &b, &params, &options).expect("runs");
    let again = paired_bootstrap(&dataset, &a, &b, &params, &options).expect("runs");
    assert_eq!(
        serde_json::to_string(&report).ok(),
        serde_json::to_string(&again).ok()
    );
    let full_a = evaluate(&dataset, &a, &params).expect("evaluates").stats();
    let full_b = evaluate(&dataset, &b, &params).expect("evaluates").stats();
    let ap = &report.metrics[0];
    assert_eq!((ap.name.as_str(), ap.class), ("AP", None));
    assert_eq!((ap.a, ap.b), (full_a[0], full_b[0]));
    for m in &report.metrics {
        assert_eq!(m.difference, m.b - m.a);
        let (low, high) = (
            m.low.expect("some resample"),
            m.high.expect("some resample"),
        );
        assert!(low <= high, "{m:?}");
        let p = m.p_value.expect("some resample");
        assert!(p > 0.0 && p <= 1.0, "{m:?}");
        assert!(m.resamples <= 200);
    }
    // The same run on both sides: every difference is 0.
    let same = paired_bootstrap(&dataset, &a, &a, &params, &options).expect("runs");
    for m in &same.metrics {
        assert_eq!(
            (m.difference, m.low, m.high, m.p_value),
            (0.0, Some(0.0), Some(0.0), Some(1.0))
        );
    }
    let bad = BootstrapOptions {
        confidence: 1.0,
        ..options
    };
    assert!(paired_bootstrap(&dataset, &a, &b, &params, &bad).is_err());
}

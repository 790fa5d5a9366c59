//! Hand-checked cases for outcomes, the confusion matrix and the error
//! breakdown (parity with pycocotools is tested in `tests/`).

use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Category, Dataset, Sample};

use super::*;

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

fn object(id: i64, cat: i64, b: [f64; 4], score: Option<f64>) -> Annotation {
    let mut a = Annotation::new(id, 1, cat);
    a.bbox = Some(BBox::new(b[0], b[1], b[2], b[3]));
    a.area = Some(b[2] * b[3]);
    a.score = score;
    a
}

/// Ground truths A, B, D (class 1) and C (class 2), and five class-1
/// detections: a hit on A, a duplicate of A, one on background (the
/// highest score), one on C (wrong class) and one poorly placed on B (IoU
/// 64/136).
fn scene() -> (Dataset, Vec<Annotation>) {
    let dataset = Dataset {
        samples: vec![sample(1)],
        categories: vec![Category::named(1, "one"), Category::named(2, "two")],
        annotations: vec![
            object(10, 1, [0.0, 0.0, 10.0, 10.0], None),
            object(11, 1, [20.0, 20.0, 10.0, 10.0], None),
            object(12, 2, [100.0, 100.0, 10.0, 10.0], None),
            object(13, 1, [200.0, 200.0, 10.0, 10.0], None),
        ],
    };
    let dets = vec![
        object(1, 1, [0.0, 0.0, 10.0, 10.0], Some(0.9)),
        object(2, 1, [0.0, 0.0, 10.0, 10.0], Some(0.8)),
        object(3, 1, [300.0, 300.0, 5.0, 5.0], Some(0.95)),
        object(4, 1, [100.0, 100.0, 10.0, 10.0], Some(0.6)),
        object(5, 1, [22.0, 22.0, 10.0, 10.0], Some(0.5)),
    ];
    (dataset, dets)
}

fn evaluator() -> CocoEvaluator {
    let (dataset, dets) = scene();
    CocoEvaluator::new(&dataset, &dets, &Params::new(IouType::Bbox)).unwrap()
}

#[test]
fn outcomes_mark_each_object() {
    let o = evaluator().outcomes(0.5);
    let det: Vec<Outcome> = o.detections.iter().map(|d| d.outcome).collect();
    use Outcome::*;
    assert_eq!(det, [Tp, Fp, Fp, Fp, Fp]);
    assert_eq!(o.detections[0].matched_id, Some(10));
    assert_eq!(o.detections[0].iou, 1.0);
    assert_eq!(o.detections[0].tp_sweep, (1 << 10) - 1);
    assert!((o.detections[4].iou - 64.0 / 136.0).abs() < 1e-15);
    let gt: Vec<Outcome> = o.ground_truths.iter().map(|g| g.outcome).collect();
    assert_eq!(gt, [Tp, Fn, Fn, Fn]);
    assert_eq!(o.ground_truths[0].matched_id, Some(1));
    assert_eq!(o.ground_truths[0].score, Some(0.9));
    // At a lower threshold the poorly placed box finds B.
    let loose = evaluator().outcomes(0.4);
    assert_eq!(loose.detections[4].outcome, Tp);
    assert_eq!(loose.ground_truths[1].outcome, Tp);
}

#[test]
fn confusion_matrix_has_background_row_and_column() {
    let e = evaluator();
    let m = e.confusion(&e.outcomes(0.5), 0.0);
    assert_eq!(m.background(), 2);
    // Rows: ground truth one, two, background; columns: predicted.
    assert_eq!(m.counts, vec![vec![1, 0, 2], vec![1, 0, 0], vec![3, 0, 0]]);
    // Above 0.65 only the hit, the duplicate and the background box stay;
    // C is no longer confused, it is missed.
    let strict = e.confusion(&e.outcomes(0.5), 0.65);
    assert_eq!(
        strict.counts,
        vec![vec![1, 0, 2], vec![0, 0, 1], vec![2, 0, 0]]
    );
}

#[test]
fn error_breakdown_names_each_false_positive() {
    let e = evaluator();
    let o = e.outcomes(0.5);
    let b = e.error_breakdown(&o, 0.1);
    use ErrorKind::*;
    assert_eq!(
        b.detection_errors,
        [
            None,
            Some(Duplicate),
            Some(Background),
            Some(Classification),
            Some(Localization)
        ]
    );
    assert_eq!(b.ground_truth_errors, [None, None, None, Some(Missed)]);
    let evaluation = e.evaluate();
    assert!(
        (b.ap - evaluation.stats()[1]).abs() < 1e-12,
        "TIDE base AP is COCO AP50"
    );
    let cost = |k: ErrorKind| b.costs.iter().find(|c| c.kind == k).unwrap();
    for kind in [Duplicate, Background, Classification, Localization, Missed] {
        assert_eq!(cost(kind).count, 1, "{kind:?}");
    }
    for kind in [Background, Classification, Localization, Missed] {
        assert!(
            cost(kind).delta_ap > 0.0,
            "{kind:?} costs AP: {:?}",
            b.costs
        );
    }
    // The duplicate scores below the last true positive: it costs nothing.
    assert_eq!(cost(Duplicate).delta_ap, 0.0);
    assert_eq!(cost(Both).count, 0);
    assert_eq!(cost(Both).delta_ap, 0.0);
}

#[test]
fn zero_id_quirk_is_followed_unless_fixed() {
    let (mut dataset, dets) = scene();
    dataset.annotations[0].id = 0;
    let quirky = CocoEvaluator::new(&dataset, &dets, &Params::new(IouType::Bbox)).unwrap();
    let o = quirky.outcomes(0.5);
    assert_eq!(o.detections[0].outcome, Outcome::Fp);
    assert_eq!(o.ground_truths[0].outcome, Outcome::Fn);
    let mut params = Params::new(IouType::Bbox);
    params.fix_zero_id = true;
    let fixed = CocoEvaluator::new(&dataset, &dets, &params).unwrap();
    assert_eq!(fixed.outcomes(0.5).detections[0].outcome, Outcome::Tp);
    assert!(fixed.evaluate().stats()[0] > quirky.evaluate().stats()[0]);
}

#[test]
fn categories_without_ground_truth_are_minus_one() {
    let (mut dataset, dets) = scene();
    dataset.categories.push(Category::named(3, "three"));
    let e = evaluate(&dataset, &dets, &Params::new(IouType::Bbox)).unwrap();
    let per = e.per_category();
    assert_eq!(per[2].ap, -1.0);
    assert!(per[0].ap > 0.0);
    assert_eq!(per[1].ap, 0.0);
}

#[test]
fn keypoint_ground_truth_stating_no_keypoints_is_ignored() {
    let mut gt = object(1, 1, [10.0, 10.0, 50.0, 50.0], None);
    gt.keypoints = Some((0..17).flat_map(|i| [20.0 + i as f64, 30.0, 2.0]).collect());
    let mut det = gt.clone();
    det.id = 1;
    det.score = Some(0.9);
    let dataset = Dataset {
        samples: vec![sample(1)],
        categories: vec![Category::named(1, "person")],
        annotations: vec![gt],
    };
    let params = Params::new(IouType::Keypoints);
    let found = evaluate(&dataset, std::slice::from_ref(&det), &params).unwrap();
    assert!((found.stats()[0] - 1.0).abs() < 1e-12);
    // pycocotools trusts the file's `num_keypoints`: 0 means ignored.
    let mut stated = dataset.clone();
    stated.annotations[0].stated_num_keypoints = Some(0);
    let ignored = evaluate(&stated, &[det], &params).unwrap();
    assert_eq!(ignored.stats()[0], -1.0);
}

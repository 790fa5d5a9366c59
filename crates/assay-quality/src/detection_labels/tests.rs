use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Category, Dataset, Sample};

use super::numeric::{linspace, pairwise_sum};
use super::*;

fn label(b: [f64; 4], class: usize) -> LabeledBox {
    LabeledBox {
        bbox: BBox::new(b[0], b[1], b[2], b[3]),
        class,
    }
}

fn pred(b: [f64; 4], class: usize, score: f64) -> PredictedBox {
    PredictedBox {
        bbox: BBox::new(b[0], b[1], b[2], b[3]),
        class,
        score,
    }
}

fn run(num_classes: usize, images: Vec<ImageBoxes>) -> DetectionLabelReport {
    let input = DetectionLabelInput {
        num_classes,
        images,
    };
    detection_label_issues(&input, &DetectionLabelParams::default()).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn overlap_and_similarity_follow_cleanlab() {
    let a = BBox::new(0.0, 0.0, 10.0, 10.0);
    let b = BBox::new(5.0, 0.0, 10.0, 10.0);
    assert!(close(box_overlap(&a, &b), 1.0 / 3.0));
    let expected = 0.9 / 3.0 + 0.1 * (-0.5f64).exp();
    assert!(close(box_similarity(&a, &b, ALPHA), expected));
    // Touching boxes and boxes without area do not overlap.
    assert_eq!(box_overlap(&a, &BBox::new(10.0, 0.0, 5.0, 5.0)), 0.0);
    let point = BBox::new(3.0, 3.0, 0.0, 0.0);
    assert_eq!(box_overlap(&point, &point), 0.0);
    assert!(close(box_similarity(&point, &point, ALPHA), 0.1));
}

#[test]
fn a_well_predicted_image_scores_one_and_is_not_flagged() {
    let r = run(
        1,
        vec![ImageBoxes {
            labels: vec![label([10.0, 10.0, 20.0, 20.0], 0)],
            predictions: vec![pred([10.0, 10.0, 20.0, 20.0], 0, 0.99)],
        }],
    );
    let img = &r.images[0];
    assert_eq!(img.predictions[0].overlooked, None);
    assert!(close(img.labels[0].badloc, 1.0));
    assert_eq!(img.labels[0].swap, 1.0);
    assert_eq!(img.overlooked, 1.0);
    assert!(close(img.score, 1.0));
    assert!(!img.flagged);
    assert_eq!(r.class_thresholds, [0.25]);
    assert!(r.ranked_issues().is_empty());
}

#[test]
fn a_confident_prediction_without_label_is_overlooked() {
    let r = run(
        2,
        vec![
            ImageBoxes {
                labels: vec![label([0.0, 0.0, 10.0, 10.0], 0)],
                predictions: vec![pred([100.0, 100.0, 10.0, 10.0], 1, 0.97)],
            },
            ImageBoxes {
                labels: vec![label([0.0, 0.0, 10.0, 10.0], 1)],
                predictions: vec![pred([0.0, 0.0, 10.0, 10.0], 1, 0.99)],
            },
        ],
    );
    // The only non-zero similarity below 1: the far pair's closeness term.
    let far = 0.1 * (-0.1 * 100.0 * 2f64.sqrt()).exp();
    assert!((r.min_similarity - far).abs() < 1e-15);
    let first = &r.images[0];
    let o = first.predictions[0].overlooked.unwrap();
    assert!((o - far * (1.0 - 0.97)).abs() < 1e-15);
    assert!(first.predictions[0].overlooked_issue);
    assert!(first.flagged && !r.images[1].flagged);
    // Class 1: a true positive, then a false positive: AP 1.
    assert_eq!(r.class_thresholds, [0.0, 0.25]);
    assert_eq!(r.ranked_issues(), [0]);
}

#[test]
fn a_confident_prediction_of_another_class_means_a_swap() {
    let r = run(
        2,
        vec![ImageBoxes {
            labels: vec![label([0.0, 0.0, 40.0, 40.0], 0)],
            predictions: vec![pred([0.0, 0.0, 40.0, 40.0], 1, 0.99)],
        }],
    );
    let l = r.images[0].labels[0];
    // 1 - similarity rounds to about 1e-16, below the smallest similarity.
    assert_eq!(l.swap, r.min_similarity);
    assert_eq!(l.badloc, 1.0);
}

#[test]
fn two_classes_on_one_box_get_the_lowest_swap_score() {
    let images = vec![ImageBoxes {
        labels: vec![
            label([0.0, 0.0, 40.0, 40.0], 0),
            label([0.0, 0.0, 40.0, 40.0], 1),
        ],
        predictions: vec![pred([60.0, 0.0, 40.0, 40.0], 0, 0.6)],
    }];
    let r = run(2, images.clone());
    assert_eq!(r.images[0].labels[0].swap, r.min_similarity);
    assert_eq!(r.images[0].labels[1].swap, r.min_similarity);
    let input = DetectionLabelInput {
        num_classes: 2,
        images,
    };
    let params = DetectionLabelParams {
        overlapping_label_check: false,
        ..DetectionLabelParams::default()
    };
    let r = detection_label_issues(&input, &params).unwrap();
    assert_eq!(r.images[0].labels[0].swap, 1.0);
}

#[test]
fn badly_located_counts_overlapping_predictions_above_the_low_threshold() {
    let l = label([0.0, 0.0, 20.0, 20.0], 0);
    let shifted = [5.0, 5.0, 20.0, 20.0];
    let sim = box_similarity(&l.bbox, &BBox::new(5.0, 5.0, 20.0, 20.0), ALPHA);
    let badloc = |score| {
        let r = run(
            1,
            vec![ImageBoxes {
                labels: vec![l],
                predictions: vec![pred(shifted, 0, score)],
            }],
        );
        r.images[0].labels[0].badloc
    };
    assert_eq!(badloc(0.8), sim);
    assert_eq!(badloc(0.5), 1.0);
}

#[test]
fn pooling_is_a_softmin_that_skips_nan() {
    assert_eq!(pool_box_scores(&[], TEMPERATURE), 1.0);
    assert_eq!(pool_box_scores(&[f64::NAN], TEMPERATURE), 1.0);
    assert_eq!(pool_box_scores(&[0.5, f64::NAN], TEMPERATURE), 0.5);
    let e = (-6.0f64).exp();
    let expected = (0.2 + 0.8 * e) / (1.0 + e);
    assert!(close(pool_box_scores(&[0.2, 0.8], TEMPERATURE), expected));
    // A near-zero temperature is the minimum.
    assert_eq!(pool_box_scores(&[0.2, 0.8], 0.0), 0.2);
}

#[test]
fn images_without_boxes_score_one() {
    let r = run(3, vec![ImageBoxes::default(); 2]);
    assert_eq!(r.images.len(), 2);
    assert_eq!(r.images[0].score, 1.0);
    assert_eq!(r.min_similarity, 1.0);
    assert_eq!(r.class_thresholds, [0.0, 0.0, 0.0]);
    let r = run(0, Vec::new());
    assert!(r.images.is_empty() && r.class_thresholds.is_empty());
}

#[test]
fn bad_inputs_are_errors() {
    let with = |labels, predictions| DetectionLabelInput {
        num_classes: 2,
        images: vec![ImageBoxes {
            labels,
            predictions,
        }],
    };
    let p = DetectionLabelParams::default();
    let bad = [
        with(vec![label([0.0, 0.0, 1.0, 1.0], 2)], vec![]),
        with(vec![label([0.0, f64::NAN, 1.0, 1.0], 0)], vec![]),
        with(vec![], vec![pred([0.0, 0.0, -1.0, 1.0], 0, 0.5)]),
        with(vec![], vec![pred([0.0, 0.0, 1.0, 1.0], 0, 1.5)]),
        with(vec![], vec![pred([1e308, 0.0, 1e308, 1.0], 0, 0.5)]),
    ];
    for input in &bad {
        assert!(detection_label_issues(input, &p).is_err(), "{input:?}");
    }
    let err = detection_label_issues(&bad[0], &p).unwrap_err();
    assert_eq!(
        err.to_string(),
        "image 0: label 0 has class 2, but there are 2 classes"
    );
    let mut p = DetectionLabelParams::default();
    p.weights.swap = 0.5;
    assert!(matches!(
        detection_label_issues(&with(vec![], vec![]), &p),
        Err(DetectionLabelError::InvalidParams(_))
    ));
}

#[test]
fn numpy_helpers_sum_and_space_like_numpy() {
    let t = linspace(0.5, 0.95, 10);
    assert_eq!(t[1], 0.55);
    assert_eq!(t[8], 0.8999999999999999);
    assert_eq!(t[9], 0.95);
    let v: Vec<f64> = (0..300).map(|i| f64::from(i) * 0.1).collect();
    assert!((pairwise_sum(&v) - 4485.0).abs() < 1e-9);
    assert_eq!(pairwise_sum::<f32>(&[]), 0.0);
}

fn boxed(id: i64, image: i64, cat: i64, b: [f64; 4], score: Option<f64>) -> Annotation {
    let mut a = Annotation::new(id, image, cat);
    a.bbox = Some(BBox::new(b[0], b[1], b[2], b[3]));
    a.score = score;
    a
}

fn dataset() -> Dataset {
    let sample = |id| Sample {
        id,
        file_name: format!("{id}.jpg"),
        width: Some(100),
        height: Some(100),
        split: None,
        generation: None,
    };
    let mut crowd = boxed(3, 20, 7, [0.0, 0.0, 50.0, 50.0], None);
    crowd.iscrowd = true;
    Dataset {
        samples: vec![sample(10), sample(20)],
        categories: vec![Category::named(7, "cat"), Category::named(5, "dog")],
        annotations: vec![
            boxed(1, 20, 5, [1.0, 2.0, 3.0, 4.0], None),
            Annotation::new(2, 10, 7),
            crowd,
            boxed(4, 10, 7, [5.0, 5.0, 10.0, 10.0], None),
        ],
    }
}

#[test]
fn a_dataset_becomes_per_sample_boxes_with_ids() {
    let preds = vec![
        boxed(100, 10, 5, [5.0, 5.0, 10.0, 10.0], Some(0.9)),
        boxed(101, 20, 7, [1.0, 2.0, 3.0, 4.0], Some(0.4)),
    ];
    let d = dataset_detections(&dataset(), &preds).unwrap();
    assert_eq!(d.sample_ids, [10, 20]);
    assert_eq!(d.category_ids, [7, 5]);
    assert_eq!(d.input.num_classes, 2);
    assert_eq!(d.label_ids, [vec![4], vec![1]]);
    assert_eq!(d.prediction_ids, [vec![100], vec![101]]);
    assert_eq!(d.input.images[0].labels, [label([5.0, 5.0, 10.0, 10.0], 0)]);
    assert_eq!(
        d.input.images[1].predictions,
        [pred([1.0, 2.0, 3.0, 4.0], 0, 0.4)]
    );
    let r = detection_label_issues(&d.input, &DetectionLabelParams::default()).unwrap();
    assert_eq!(r.images.len(), 2);
}

#[test]
fn dataset_problems_are_errors() {
    let d = dataset();
    let cases = [
        (
            boxed(9, 99, 5, [0.0, 0.0, 1.0, 1.0], Some(0.5)),
            DetectionLabelError::UnknownImage {
                kind: "prediction",
                id: 9,
                sample_id: 99,
            },
        ),
        (
            boxed(9, 10, 99, [0.0, 0.0, 1.0, 1.0], Some(0.5)),
            DetectionLabelError::UnknownCategory {
                kind: "prediction",
                id: 9,
                category_id: 99,
            },
        ),
        (
            boxed(9, 10, 5, [0.0, 0.0, 1.0, 1.0], None),
            DetectionLabelError::MissingScore { id: 9 },
        ),
        (
            boxed(9, 10, 5, [0.0, 0.0, 1.0, 1.0], Some(-0.1)),
            DetectionLabelError::InvalidAnnotationScore { id: 9, score: -0.1 },
        ),
        (
            boxed(9, 10, 5, [0.0, 0.0, f64::INFINITY, 1.0], Some(0.5)),
            DetectionLabelError::InvalidAnnotationBox {
                kind: "prediction",
                id: 9,
                bbox: [0.0, 0.0, f64::INFINITY, 1.0],
            },
        ),
    ];
    for (p, expected) in cases {
        assert_eq!(dataset_detections(&d, &[p]).unwrap_err(), expected);
    }
}

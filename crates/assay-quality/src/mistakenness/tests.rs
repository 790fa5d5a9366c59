use assay_core::geometry::BBox;

use super::*;
use crate::detection_labels::{DetectionLabelInput, ImageBoxes, LabeledBox, PredictedBox};

fn label(x: f64, class: usize) -> LabeledBox {
    LabeledBox {
        bbox: BBox::new(x, 0.0, 10.0, 10.0),
        class,
    }
}

fn pred(x: f64, class: usize, score: f64) -> PredictedBox {
    PredictedBox {
        bbox: BBox::new(x, 0.0, 10.0, 10.0),
        class,
        score,
    }
}

#[test]
fn formulas_follow_fiftyone() {
    assert_eq!(class_mistakenness(0.9, false), 0.95);
    assert!((class_mistakenness(0.9, true) - 0.05).abs() < 1e-15);
    // IoU 0.5 is the worst localization, IoU 1 the best.
    assert_eq!(loc_mistakenness(1.0, 0.5), 1.0);
    assert_eq!(loc_mistakenness(1.0, 1.0), 0.0);
    assert_eq!(loc_mistakenness(0.0, 0.7), 0.5);
    // Uniform logits: entropy ln K, confidence 1/K.
    let h = hardness(&[0.0, 0.0, 0.0, 0.0]).unwrap();
    assert!((h - 4f64.ln()).abs() < 1e-12);
    let c = class_mistakenness_logits(&[0.0, 0.0], false).unwrap();
    assert!((c - 0.75).abs() < 1e-12);
    assert!(hardness(&[]).is_none());
    assert!(hardness(&[f64::NAN, 1.0]).is_none());
}

#[test]
fn class_scores_stand_for_the_softmax_of_their_logarithms() {
    let p = [0.7, 0.2, 0.1];
    let logits: Vec<f64> = p.iter().map(|v: &f64| v.ln()).collect();
    for agrees in [true, false] {
        let (h, m) = class_scores_mistakenness(&p, agrees).unwrap();
        assert!((h - hardness(&logits).unwrap()).abs() < 1e-15);
        let expected = class_mistakenness_logits(&logits, agrees).unwrap();
        assert!((m - expected).abs() < 1e-15);
    }
    // Scores are normalised by their sum; a zero score adds nothing.
    let (h, _) = class_scores_mistakenness(&[2.0, 2.0, 0.0], true).unwrap();
    assert!((h - 2f64.ln()).abs() < 1e-15);
    assert!(class_scores_mistakenness(&[0.0, 0.0], true).is_none());
    assert!(class_scores_mistakenness(&[-0.1, 1.1], true).is_none());
    assert!(class_scores_mistakenness(&[f64::NAN, 1.0], true).is_none());
}

#[test]
fn matching_is_greedy_by_confidence_and_class_agnostic() {
    let image = ImageBoxes {
        labels: vec![label(0.0, 0), label(4.0, 1)],
        predictions: vec![pred(1.0, 1, 0.6), pred(3.0, 2, 0.9), pred(50.0, 0, 0.99)],
    };
    let m = match_image(&image, 0.5);
    // The 0.9 prediction goes first and takes the label at x = 4 (IoU
    // 0.75 against 0.54); the 0.6 one then takes the label at x = 0.
    assert_eq!(m.labels[1].map(|x| x.0), Some(1));
    assert_eq!(m.labels[0].map(|x| x.0), Some(0));
    assert_eq!(m.predictions[2], None);
    let s = image_mistakenness(&image);
    assert_eq!(s.possible_missing, vec![false, false, true]);
    assert_eq!(s.num_spurious, 0);
    assert_eq!(s.labels[1].mistakenness, Some(0.95));
    assert!((s.labels[0].mistakenness.unwrap() - 0.8).abs() < 1e-12);
    assert_eq!(s.mistakenness, 0.95);
}

#[test]
fn unmatched_labels_are_spurious_and_empty_images_score_minus_one() {
    let image = ImageBoxes {
        labels: vec![label(0.0, 0)],
        predictions: vec![pred(40.0, 0, 0.5)],
    };
    let s = image_mistakenness(&image);
    assert!(s.labels[0].possible_spurious);
    assert_eq!(s.labels[0].mistakenness, None);
    assert_eq!(s.mistakenness, -1.0);
    assert_eq!(s.num_missing, 0);
}

#[test]
fn iou_threshold_is_inclusive() {
    // A box half the width of the label inside it: IoU exactly 0.5.
    let image = ImageBoxes {
        labels: vec![LabeledBox {
            bbox: BBox::new(0.0, 0.0, 4.0, 1.0),
            class: 0,
        }],
        predictions: vec![PredictedBox {
            bbox: BBox::new(0.0, 0.0, 2.0, 1.0),
            class: 0,
            score: 0.5,
        }],
    };
    assert_eq!(match_image(&image, 0.5).labels[0], Some((0, 0.5)));
}

#[test]
fn mistakes_come_from_the_data() {
    // Many well-located agreeing predictions, one wrong class, one loose
    // box and one unlabelled object.
    let mut images = Vec::new();
    for k in 0..40 {
        let jitter = (k % 5) as f64 * 0.2;
        images.push(ImageBoxes {
            labels: vec![label(0.0, k % 3)],
            predictions: vec![pred(jitter, k % 3, 0.9 + (k % 9) as f64 * 0.01)],
        });
    }
    images.push(ImageBoxes {
        labels: vec![label(0.0, 0)],
        predictions: vec![pred(0.0, 1, 0.97)],
    });
    images.push(ImageBoxes {
        labels: vec![LabeledBox {
            bbox: BBox::new(0.0, 0.0, 20.0, 20.0),
            class: 2,
        }],
        predictions: vec![pred(5.0, 2, 0.97)],
    });
    images.push(ImageBoxes {
        labels: vec![],
        predictions: vec![pred(5.0, 2, 0.97), pred(5.5, 2, 0.5)],
    });
    let input = DetectionLabelInput {
        num_classes: 3,
        images,
    };
    let scored = detection_mistakenness(&input).unwrap();
    let report = find_mistakes(&input, &scored, &MistakeParams::default());
    let kinds: Vec<(usize, MistakeKind)> =
        report.mistakes.iter().map(|m| (m.image, m.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (40, MistakeKind::WrongClass),
            (41, MistakeKind::BadBox),
            (42, MistakeKind::MissingLabel)
        ]
    );
}

#[test]
fn bad_input_is_an_error() {
    let input = DetectionLabelInput {
        num_classes: 1,
        images: vec![ImageBoxes {
            labels: vec![],
            predictions: vec![pred(0.0, 0, 1.5)],
        }],
    };
    assert!(detection_mistakenness(&input).is_err());
}

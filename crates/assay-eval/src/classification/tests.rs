//! Unit tests: errors on bad input, and small hand-checked values.

use super::*;

const PROBS: [f64; 6] = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6];

#[test]
fn length_mismatch_is_an_error() {
    let err = accuracy(&[0, 1], &[0], 2).unwrap_err();
    assert_eq!(
        err,
        ClassificationError::LengthMismatch {
            what: "predicted",
            expected: 2,
            found: 1
        }
    );
    assert!(err
        .to_string()
        .contains("predicted has 1 entries but there are 2 labels"));
    assert!(confusion_matrix(&[0], &[0, 1], 2).is_err());
    let options = ScoreOptions::default();
    assert!(precision_recall_f1_support(&[0, 1, 1], &[0, 1], 2, &options).is_err());
    assert!(f1_score(&[0, 1], &[], 2, Average::Macro, &options).is_err());
}

#[test]
fn matrix_shape_mismatch_is_an_error() {
    let err = top_k_accuracy(&[0, 1], &PROBS, 2, 1, TopKTies::Sklearn).unwrap_err();
    assert_eq!(
        err,
        ClassificationError::MatrixShape {
            samples: 2,
            num_classes: 2,
            expected: 4,
            found: 6
        }
    );
    assert!(err
        .to_string()
        .contains("expected 2 samples x 2 classes = 4"));
    assert!(brier_score(&[0], &PROBS, 3, BrierScale::Auto).is_err());
    assert!(expected_calibration_error(&[0, 1, 2], &PROBS, 3).is_err());
    let err = argmax_classes(&PROBS, 4).unwrap_err();
    assert_eq!(
        err,
        ClassificationError::RaggedMatrix {
            num_classes: 4,
            found: 6
        }
    );
}

#[test]
fn label_out_of_range_is_an_error() {
    let err = accuracy(&[0, 3], &[0, 1], 3).unwrap_err();
    assert_eq!(
        err,
        ClassificationError::ClassOutOfRange {
            what: "labels",
            index: 1,
            value: 3,
            num_classes: 3
        }
    );
    assert!(err.to_string().contains("labels[1] is class 3"));
    let err = confusion_matrix(&[0, 1], &[0, 5], 3).unwrap_err();
    assert!(matches!(
        err,
        ClassificationError::ClassOutOfRange {
            what: "predicted",
            value: 5,
            ..
        }
    ));
    assert!(top_k_accuracy(&[0, 3], &PROBS, 3, 1, TopKTies::Sklearn).is_err());
    assert!(brier_score(&[3, 0], &PROBS, 3, BrierScale::Auto).is_err());
    assert!(expected_calibration_error(&[0, 7], &PROBS, 3).is_err());
    let report = classification_report(&[9, 0], &PROBS, 3, &ReportOptions::default());
    assert!(report.is_err());
}

#[test]
fn non_finite_scores_are_an_error() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut probs = PROBS;
        probs[4] = bad;
        let expected = ClassificationError::NotFinite {
            sample: 1,
            class: 1,
            value: bad,
        };
        let err = top_k_accuracy(&[0, 1], &probs, 3, 2, TopKTies::Sklearn).unwrap_err();
        // NaN != NaN, so compare the messages.
        assert_eq!(err.to_string(), expected.to_string());
        assert!(brier_score(&[0, 1], &probs, 3, BrierScale::Auto).is_err());
        assert!(expected_calibration_error(&[0, 1], &probs, 3).is_err());
        assert!(argmax_classes(&probs, 3).is_err());
        assert!(classification_report(&[0, 1], &probs, 3, &ReportOptions::default()).is_err());
    }
}

#[test]
fn probabilities_outside_the_unit_interval_are_an_error() {
    let logits = [2.0, -1.0, 0.5, 0.1, 0.3, 0.6];
    let err = brier_score(&[0, 1], &logits, 3, BrierScale::Auto).unwrap_err();
    assert_eq!(
        err,
        ClassificationError::NotAProbability {
            sample: 0,
            class: 0,
            value: 2.0
        }
    );
    assert!(err.to_string().contains("apply a softmax"));
    assert!(expected_calibration_error(&[0, 1], &logits, 3).is_err());
    // Top-k accepts any finite scores.
    assert_eq!(
        top_k_accuracy(&[0, 2], &logits, 3, 1, TopKTies::Sklearn),
        Ok(1.0)
    );
}

#[test]
fn empty_input_is_an_error() {
    let options = ScoreOptions::default();
    assert_eq!(accuracy(&[], &[], 3), Err(ClassificationError::Empty));
    assert_eq!(
        confusion_matrix(&[], &[], 3),
        Err(ClassificationError::Empty)
    );
    assert!(precision_recall_f1_support(&[], &[], 3, &options).is_err());
    assert_eq!(
        top_k_accuracy(&[], &[], 3, 1, TopKTies::Sklearn),
        Err(ClassificationError::Empty)
    );
    assert_eq!(
        brier_score(&[], &[], 3, BrierScale::Auto),
        Err(ClassificationError::Empty)
    );
    assert_eq!(
        expected_calibration_error(&[], &[], 3),
        Err(ClassificationError::Empty)
    );
    assert_eq!(argmax_classes(&[], 3), Err(ClassificationError::Empty));
    let report = classification_report(&[], &[], 3, &ReportOptions::default());
    assert_eq!(report.unwrap_err(), ClassificationError::Empty);
}

#[test]
fn zero_classes_k_and_bins_are_errors() {
    assert_eq!(accuracy(&[0], &[0], 0), Err(ClassificationError::NoClasses));
    assert_eq!(
        argmax_classes(&[0.5], 0),
        Err(ClassificationError::NoClasses)
    );
    assert_eq!(
        top_k_accuracy(&[0, 2], &PROBS, 3, 0, TopKTies::Sklearn),
        Err(ClassificationError::ZeroK)
    );
    assert_eq!(
        calibration_error(&[0, 2], &PROBS, 3, 0, CalibrationNorm::L1),
        Err(ClassificationError::ZeroBins)
    );
    let options = ReportOptions {
        top_k: vec![1, 0],
        ..ReportOptions::default()
    };
    let report = classification_report(&[0, 2], &PROBS, 3, &options);
    assert_eq!(report.unwrap_err(), ClassificationError::ZeroK);
}

#[test]
fn top_k_tie_conventions() {
    // Classes 0 and 2 tie for first place.
    let scores = [0.4, 0.2, 0.4];
    let top1 = |label, ties| top_k_accuracy(&[label], &scores, 3, 1, ties).unwrap();
    assert_eq!(top1(2, TopKTies::Sklearn), 1.0);
    assert_eq!(top1(0, TopKTies::Sklearn), 0.0);
    assert_eq!(top1(0, TopKTies::LowerIndexFirst), 1.0);
    assert_eq!(top1(2, TopKTies::LowerIndexFirst), 0.0);
    // scikit-learn's binary rule: class 1 only when its score exceeds 0.5.
    let half = [0.5, 0.5];
    assert_eq!(
        top_k_accuracy(&[0], &half, 2, 1, TopKTies::Sklearn),
        Ok(1.0)
    );
    assert_eq!(
        top_k_accuracy(&[0], &half, 2, 1, TopKTies::LowerIndexFirst),
        Ok(1.0)
    );
    assert_eq!(
        top_k_accuracy(&[1], &half, 2, 1, TopKTies::Sklearn),
        Ok(0.0)
    );
    assert_eq!(
        top_k_accuracy(&[1], &[0.9, 0.6], 2, 1, TopKTies::Sklearn),
        Ok(1.0)
    );
}

#[test]
fn absent_classes_and_zero_division() {
    // Class 2 is never true nor predicted; class 1 is never predicted.
    let labels = [0, 0, 1, 1];
    let predicted = [0, 0, 0, 0];
    let score = |labels_set, zero_division| {
        let options = ScoreOptions {
            labels: labels_set,
            zero_division,
        };
        precision_recall_f1_support(&labels, &predicted, 3, &options).unwrap()
    };
    let present = score(LabelSet::Present, ZeroDivision::Zero);
    assert_eq!(present.per_class.len(), 2);
    assert_eq!(present.per_class[1].precision, 0.0);
    assert_eq!(present.macro_avg.precision, 0.25);
    let all = score(LabelSet::All, ZeroDivision::One);
    assert_eq!(all.per_class.len(), 3);
    assert_eq!(all.macro_avg.precision, (0.5 + 1.0 + 1.0) / 3.0);
    let nan = score(LabelSet::All, ZeroDivision::Nan);
    assert!(nan.per_class[2].f1.is_nan());
    assert_eq!(nan.macro_avg.precision, 0.5);
    assert_eq!(all.micro_avg.recall, 0.5);
}

#[test]
fn brier_and_calibration_by_hand() {
    let labels = [0, 2];
    let brier = brier_score(&labels, &PROBS, 3, BrierScale::Auto).unwrap();
    let expected = ((0.3f64.powi(2) + 0.04 + 0.01) + (0.01 + 0.09 + 0.16)) / 2.0;
    assert!((brier - expected).abs() < 1e-15);
    let binary = brier_score(&[1], &[0.25, 0.75], 2, BrierScale::Auto).unwrap();
    assert_eq!(binary, 0.0625);
    // Confidences 0.7 and 0.6, both correct: gaps 0.3 and 0.4 in separate bins.
    let ece = expected_calibration_error(&labels, &PROBS, 3).unwrap();
    assert!((ece - 0.35).abs() < 1e-12);
    let max = calibration_error(&labels, &PROBS, 3, 15, CalibrationNorm::Max).unwrap();
    assert!((max - 0.4).abs() < 1e-12);
    let bins = calibration_bins(&labels, &PROBS, 3, 15).unwrap();
    assert_eq!(bins.len(), 16);
    assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), 2);
    assert_eq!((bins[15].lower, bins[15].upper), (1.0, 1.0));
}

#[test]
fn report_serializes() {
    let report = classification_report(&[0, 2], &PROBS, 3, &ReportOptions::default()).unwrap();
    assert_eq!(report.accuracy, 1.0);
    assert_eq!(
        report.confusion.rows(),
        &[vec![1, 0, 0], vec![0, 0, 0], vec![0, 0, 1]]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["top_k"][1]["k"], 5);
    assert_eq!(json["per_class"].as_array().unwrap().len(), 2);
}

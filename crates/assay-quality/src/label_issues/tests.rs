//! Small hand-checked cases; `tests/cleanlab_parity.rs` compares with
//! cleanlab itself.

use super::*;

/// Six examples of three classes; example 5 is labeled 0 but looks like 2.
fn sample() -> (Vec<usize>, Vec<f64>) {
    let labels = vec![0, 0, 1, 1, 2, 0];
    let probs = vec![
        0.9, 0.05, 0.05, //
        0.8, 0.1, 0.1, //
        0.1, 0.8, 0.1, //
        0.2, 0.7, 0.1, //
        0.1, 0.1, 0.8, //
        0.05, 0.05, 0.9,
    ];
    (labels, probs)
}

#[test]
fn finds_the_mislabeled_example_with_every_filter() {
    let (labels, probs) = sample();
    let input = PredProbs::new(&labels, &probs, 3).unwrap();
    for filter_by in FilterBy::ALL {
        let flags = find_label_issues(&input, &FilterOptions::new(filter_by)).unwrap();
        assert_eq!(
            flags,
            [false, false, false, false, false, true],
            "{filter_by}"
        );
    }
    let ranked = find_label_issues_ranked(
        &input,
        &FilterOptions::default(),
        ScoreMethod::SelfConfidence,
    );
    assert_eq!(ranked.unwrap(), vec![5]);
}

#[test]
fn confident_joint_counts_the_confident_predictions() {
    let (labels, probs) = sample();
    let input = PredProbs::new(&labels, &probs, 3).unwrap();
    // Thresholds: class 0 (0.9 + 0.8 + 0.05) / 3, class 1 0.75, class 2 0.8.
    let thresholds = confident_thresholds(&input);
    assert_eq!(thresholds[1], 0.75);
    let joint = compute_confident_joint(&input, false, TieOrder::default());
    assert_eq!(joint.counts, vec![2, 0, 1, 0, 1, 0, 0, 0, 1]);
    assert_eq!(joint.off_diagonal, vec![5]);
    assert_eq!(num_label_issues(&input), Ok(1));
    // Calibrated rows sum to the class sizes (3, 2, 1).
    let calibrated = compute_confident_joint(&input, true, TieOrder::default());
    let rows: Vec<i64> = calibrated
        .counts
        .chunks(3)
        .map(|r| r.iter().sum())
        .collect();
    assert_eq!(rows, vec![3, 2, 1]);
}

#[test]
fn scores_follow_their_formulas() {
    let (labels, probs) = sample();
    let input = PredProbs::new(&labels, &probs, 3).unwrap();
    let sc = label_quality_scores(&input, ScoreMethod::SelfConfidence).unwrap();
    assert_eq!(sc[5], 0.05);
    let nm = label_quality_scores(&input, ScoreMethod::NormalizedMargin).unwrap();
    assert_eq!(nm[0], (0.9 - 0.05 + 1.0) / 2.0);
    let cwe = label_quality_scores(&input, ScoreMethod::ConfidenceWeightedEntropy).unwrap();
    assert!(cwe[5] < cwe[0]);
}

#[test]
fn rejects_bad_inputs_clearly() {
    let err = |labels: &[usize], probs: &[f64], k| PredProbs::new(labels, probs, k).unwrap_err();
    assert_eq!(err(&[], &[], 2), LabelIssueError::Empty);
    assert_eq!(err(&[0], &[1.0], 1), LabelIssueError::TooFewColumns(1));
    assert!(matches!(
        err(&[0, 1], &[0.5; 3], 2),
        LabelIssueError::ShapeMismatch { .. }
    ));
    assert!(matches!(
        err(&[0, 2], &[0.5; 4], 2),
        LabelIssueError::LabelOutOfRange { label: 2, .. }
    ));
    assert!(matches!(
        err(&[0, 1], &[0.5, f64::NAN, 0.5, 0.5], 2),
        LabelIssueError::NonFinite { .. }
    ));
    let message = err(&[0, 1], &[0.5, 1.5, 0.5, 0.5], 2).to_string();
    assert!(message.contains("pred_probs[0][1] = 1.5"), "{message}");
    // cleanlab's slack: -1e-7 is accepted, except by confidence_weighted_entropy.
    let (labels, probs) = (vec![0, 1], vec![1.0 + 1e-7, -1e-7, 0.5, 0.5]);
    let input = PredProbs::new(&labels, &probs, 2).unwrap();
    assert!(label_quality_scores(&input, ScoreMethod::SelfConfidence).is_ok());
    assert!(matches!(
        label_quality_scores(&input, ScoreMethod::ConfidenceWeightedEntropy),
        Err(LabelIssueError::OutsideUnitInterval {
            index: 0,
            class: 0,
            ..
        })
    ));
}

#[test]
fn single_class_labels_follow_cleanlab() {
    let probs = [0.6, 0.4, 0.3, 0.7];
    let ones = PredProbs::new(&[1, 1], &probs, 2).unwrap();
    let options = FilterOptions::default();
    assert_eq!(
        find_label_issues(&ones, &options),
        Err(LabelIssueError::SingleClass(1))
    );
    // All-zero labels pass for the confident-joint methods only.
    let zeros = PredProbs::new(&[0, 0], &probs, 2).unwrap();
    assert!(find_label_issues(&zeros, &options).is_ok());
    let neq = FilterOptions::new(FilterBy::PredictedNeqGiven);
    assert_eq!(
        find_label_issues(&zeros, &neq),
        Err(LabelIssueError::SingleClass(0))
    );
    assert!(label_quality_scores(&ones, ScoreMethod::SelfConfidence).is_ok());
}

#[test]
fn checks_options() {
    let (labels, probs) = sample();
    let input = PredProbs::new(&labels, &probs, 3).unwrap();
    let mut options = FilterOptions::new(FilterBy::ConfidentLearning);
    options.num_to_remove_per_class = Some(vec![1, 0, 0]);
    assert!(matches!(
        find_label_issues(&input, &options),
        Err(LabelIssueError::RemoveCountUnsupported(
            "confident_learning"
        ))
    ));
    options.filter_by = FilterBy::PruneByClass;
    assert!(find_label_issues(&input, &options).unwrap()[5]);
    options.num_to_remove_per_class = Some(vec![1]);
    assert!(matches!(
        find_label_issues(&input, &options),
        Err(LabelIssueError::RemoveCountLength { .. })
    ));
    options.num_to_remove_per_class = None;
    options.frac_noise = 1.5;
    assert_eq!(
        find_label_issues(&input, &options),
        Err(LabelIssueError::FracNoise(1.5))
    );
    assert_eq!("both".parse::<FilterBy>(), Ok(FilterBy::Both));
    assert!("entropy"
        .parse::<ScoreMethod>()
        .unwrap_err()
        .to_string()
        .contains("self_confidence"));
}

#[test]
fn tie_orders_parse_by_name() {
    for ties in TieOrder::ALL {
        assert_eq!(ties.name().parse::<TieOrder>(), Ok(ties));
        assert_eq!(ties.to_string(), ties.name());
    }
    assert!("avx512".parse::<TieOrder>().is_err());
    assert_eq!(FilterOptions::default().tie_order, TieOrder::X86Avx2);
}

#[test]
fn tie_orders_differ_on_ties() {
    // Ten equal scores: the portable introsort keeps them in index order
    // (insertion sort); NumPy's AVX2 networks do not.
    let mut unsorted = [0.5; 10];
    unsorted[0] = 0.6;
    assert_eq!(
        argsort(&unsorted, TieOrder::Portable),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
    );
    assert_ne!(
        argsort(&unsorted, TieOrder::X86Avx2),
        argsort(&unsorted, TieOrder::Portable)
    );
}

//! Hand-computed cases; `tests/semseg_parity.rs` compares with mmseg's formulas.

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-15
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(close(actual, expected), "{what}: {actual} != {expected}");
}

fn acc(num_classes: usize) -> SemsegAccumulator {
    SemsegAccumulator::new(num_classes, DEFAULT_IGNORE_INDEX).unwrap()
}

/// pred `[[0, 1], [1, 0]]` against label `[[0, 1], [0, 0]]`.
fn two_by_two() -> SemsegReport {
    let mut acc = acc(2);
    acc.add(&[0u8, 1, 1, 0], &[0u8, 1, 0, 0]).unwrap();
    acc.finish()
}

#[test]
fn two_by_two_areas() {
    let report = two_by_two();
    let areas = |c: &ClassMetrics| {
        [
            c.area_intersect,
            c.area_union,
            c.area_pred_label,
            c.area_label,
        ]
    };
    assert_eq!(areas(&report.classes[0]), [2, 3, 2, 3]);
    assert_eq!(areas(&report.classes[1]), [1, 2, 2, 1]);
    assert_eq!(
        (
            report.images,
            report.evaluated_pixels,
            report.labelled_pixels
        ),
        (1, 4, 4)
    );
}

#[test]
fn two_by_two_class_metrics() {
    let report = two_by_two();
    let expected = [
        // IoU, Acc, Dice, Precision, Recall, Fscore
        [2.0 / 3.0, 2.0 / 3.0, 0.8, 1.0, 2.0 / 3.0, 0.8],
        [0.5, 1.0, 2.0 / 3.0, 0.5, 1.0, 2.0 / 3.0],
    ];
    for (c, want) in report.classes.iter().zip(expected) {
        let got = [c.iou, c.acc, c.dice, c.precision, c.recall, c.fscore];
        for (g, w) in got.into_iter().zip(want) {
            assert_close(g, w, &format!("class {}", c.class));
        }
    }
}

#[test]
fn two_by_two_means() {
    let report = two_by_two();
    assert_close(report.a_acc, 0.75, "aAcc");
    assert_close(report.m_iou, 7.0 / 12.0, "mIoU");
    assert_close(report.m_acc, 5.0 / 6.0, "mAcc");
    assert_close(report.m_dice, (0.8 + 2.0 / 3.0) / 2.0, "mDice");
    assert_close(report.m_precision, 0.75, "mPrecision");
    assert_close(report.m_recall, report.m_acc, "mRecall");
}

#[test]
fn ignored_pixels_count_nowhere() {
    let mut acc = acc(2);
    // The ignored pixel is predicted as class 1: that must not count.
    acc.add(&[0u8, 1, 1, 1], &[0u8, 1, 0, 255]).unwrap();
    let report = acc.finish();
    assert_eq!(report.ignored_pixels, 1);
    assert_eq!(report.evaluated_pixels, 3);
    assert_eq!(report.classes[1].area_pred_label, 2);
    assert_eq!(report.classes[1].iou, 0.5);
}

#[test]
fn all_ignored_image_gives_no_metrics() {
    let mut acc = acc(3);
    acc.add(&[0u8, 1, 2], &[255u8; 3]).unwrap();
    let report = acc.finish();
    assert_eq!((report.images, report.ignored_pixels), (1, 3));
    assert!(!report.has_labelled_pixels());
    assert!(report.a_acc.is_nan() && report.m_iou.is_nan() && report.m_fscore.is_nan());
    assert!(report.classes.iter().all(|c| c.iou.is_nan()));
    assert!(
        report.to_string().contains("no labelled pixels"),
        "{report}"
    );
}

#[test]
fn empty_dataset_reports_no_pixels() {
    let report = acc(4).finish();
    assert_eq!((report.images, report.evaluated_pixels), (0, 0));
    assert!(!report.has_labelled_pixels());
    assert!(report.a_acc.is_nan() && report.m_iou.is_nan() && report.m_dice.is_nan());
    assert_eq!(
        report.to_string(),
        "0 images, 0 pixels evaluated, 0 ignored: no labelled pixels, so no metrics"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["aAcc"].is_null() && json["mIoU"].is_null());
    assert!(json["classes"][3]["IoU"].is_null());
}

#[test]
fn zero_pixel_images_are_counted_but_add_nothing() {
    let mut acc = acc(2);
    acc.add::<u8, u8>(&[], &[]).unwrap();
    let report = acc.finish();
    assert_eq!((report.images, report.evaluated_pixels), (1, 0));
}

#[test]
fn absent_classes_are_nan_and_skipped_by_the_means() {
    let mut acc = acc(4);
    // Class 2 is predicted but never labelled; class 3 appears nowhere.
    acc.add(&[0u8, 0, 1, 2], &[0u8, 0, 1, 1]).unwrap();
    let report = acc.finish();
    let [c0, c1, c2, c3] = [0, 1, 2, 3].map(|i| &report.classes[i]);
    assert_eq!((c0.iou, c1.iou, c2.iou), (1.0, 0.5, 0.0));
    assert!(c2.acc.is_nan() && c2.recall.is_nan() && c2.precision == 0.0);
    assert!(c3.iou.is_nan() && c3.dice.is_nan() && c3.precision.is_nan());
    assert_close(report.m_iou, 0.5, "mIoU over classes 0, 1, 2");
    assert_close(report.m_acc, 0.75, "mAcc over classes 0, 1");
}

#[test]
fn fscore_of_a_class_that_never_overlaps_is_nan_as_in_mmseg() {
    let mut acc = acc(2);
    acc.add(&[1u8, 0], &[0u8, 1]).unwrap();
    let report = acc.finish();
    let c = &report.classes[0];
    assert_eq!((c.iou, c.dice, c.precision, c.recall), (0.0, 0.0, 0.0, 0.0));
    assert!(c.fscore.is_nan());
    assert!(report.m_fscore.is_nan());
    assert_eq!(report.m_dice, 0.0);
}

#[test]
fn reduce_zero_label_remaps_like_mmseg() {
    let mut acc = acc(3).with_reduce_zero_label(true);
    // Labels 0, 255 and 256 (255 after the shift) are ignored; 1..=3 -> 0..=2.
    acc.add(&[0u16, 0, 1, 2, 0, 0], &[1u16, 2, 3, 0, 255, 256])
        .unwrap();
    let report = acc.finish();
    assert_eq!(report.ignored_pixels, 3);
    let label_areas: Vec<u64> = report.classes.iter().map(|c| c.area_label).collect();
    assert_eq!(label_areas, [1, 1, 1]);
    assert_eq!(report.classes[0].area_intersect, 1);
    assert_eq!(report.a_acc, 1.0 / 3.0);
}

#[test]
fn out_of_range_values_are_dropped_and_counted_by_default() {
    let mut acc = acc(2);
    acc.add(&[5u32, 0, 9, 1], &[0u32, 7, 7, 1]).unwrap();
    let report = acc.finish();
    assert_eq!(report.out_of_range_predictions, 2);
    assert_eq!(report.out_of_range_labels, 2);
    // As in mmseg: the bad label's pixel still counts as a prediction of 0.
    assert_eq!(report.classes[0].area_pred_label, 1);
    assert_eq!(report.classes[0].area_label, 1);
    assert_eq!(report.labelled_pixels, 2);
    assert_eq!(report.a_acc, 0.5);
    assert!(report.to_string().contains("2 predicted, 2 labels"));
}

#[test]
fn out_of_range_error_names_the_pixel_and_adds_nothing() {
    let mut acc = acc(3).with_out_of_range(OutOfRange::Error);
    acc.add(&[0u8, 1], &[0u8, 1]).unwrap();
    let err = acc.add(&[0u8, 1, 3], &[0u8, 1, 1]).unwrap_err();
    assert_eq!(
        err,
        SemsegError::PredictionOutOfRange {
            value: 3,
            pixel: 2,
            num_classes: 3
        }
    );
    assert!(
        err.to_string().contains("expected 0..=2 for 3 classes"),
        "{err}"
    );
    let err = acc.add(&[0u8], &[9u8]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("label value 9 at pixel 0 is not a class index"),
        "{err}"
    );
    let report = acc.finish();
    assert_eq!((report.images, report.evaluated_pixels), (1, 2));
}

#[test]
fn out_of_range_error_names_the_first_pixel_of_a_run() {
    let mut acc = acc(2).with_out_of_range(OutOfRange::Error);
    let err = acc.add(&[0u8, 0, 1, 1, 1], &[0u8, 0, 1, 4, 4]).unwrap_err();
    assert!(
        err.to_string().starts_with("label value 4 at pixel 3 "),
        "{err}"
    );
}

#[test]
fn label_error_mentions_reduce_zero_label() {
    let mut acc = acc(2)
        .with_reduce_zero_label(true)
        .with_out_of_range(OutOfRange::Error);
    let err = acc.add(&[0u8], &[4u8]).unwrap_err().to_string();
    assert!(
        err.contains("label value 4 (3 after reduce_zero_label)"),
        "{err}"
    );
    assert!(err.contains("ignore index 255"), "{err}");
}

#[test]
fn size_mismatch_is_an_error() {
    let mut acc = acc(2);
    let err = acc.add(&[0u8; 4], &[0u8; 6]).unwrap_err();
    assert_eq!(err, SemsegError::LengthMismatch { pred: 4, label: 6 });
    assert!(err
        .to_string()
        .contains("4 pixels but the label mask has 6"));
    assert_eq!(acc.images(), 0);
}

#[test]
fn bad_settings_are_errors() {
    assert_eq!(
        SemsegAccumulator::new(0, 255).unwrap_err(),
        SemsegError::NoClasses
    );
    assert!(matches!(
        SemsegAccumulator::new(MAX_CLASSES + 1, 255),
        Err(SemsegError::TooManyClasses { .. })
    ));
    let err = acc(3).with_class_names(["a", "b"]).unwrap_err();
    assert_eq!(
        err,
        SemsegError::ClassNames {
            names: 2,
            num_classes: 3
        }
    );
}

#[test]
fn pixel_types_agree() {
    let pred = [0u8, 1, 2, 2, 1, 0, 7];
    let label = [0u8, 1, 1, 2, 255, 2, 0];
    let json = |report: SemsegReport| serde_json::to_string(&report).unwrap();
    let mut a = acc(3);
    a.add(&pred, &label).unwrap();
    let mut b = acc(3);
    let wide = |v: &[u8]| v.iter().map(|&x| u32::from(x)).collect::<Vec<_>>();
    b.add(&wide(&pred), &label.map(u16::from)).unwrap();
    assert_eq!(json(a.finish()), json(b.finish()));
}

fn images() -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..20u8)
        .map(|i| {
            let n = usize::from(i) * 3;
            let pred = (0..n).map(|p| (p as u8 + i) % 5).collect();
            let label = (0..n).map(|p| [0, 1, 2, 3, 255][(p * 7 + 1) % 5]).collect();
            (pred, label)
        })
        .collect()
}

fn sequential(images: &[(Vec<u8>, Vec<u8>)]) -> String {
    let mut acc = acc(4);
    for (pred, label) in images {
        acc.add(pred, label).unwrap();
    }
    serde_json::to_string(&acc.finish()).unwrap()
}

#[test]
fn merge_and_par_add_equal_sequential_adds() {
    let images = images();
    let expected = sequential(&images);
    let (left, right) = images.split_at(7);
    let mut a = acc(4);
    a.par_add(left.to_vec()).unwrap();
    let mut b = a.empty_like();
    b.par_add(right.iter().map(|(p, l)| (p, l)).collect::<Vec<_>>())
        .unwrap();
    a.merge(&b).unwrap();
    assert_eq!(a.images(), 20);
    assert_eq!(serde_json::to_string(&a.finish()).unwrap(), expected);
}

#[test]
fn par_add_failure_adds_nothing() {
    let mut images = images();
    images[13].1.pop();
    let mut acc = acc(4);
    let err = acc.par_add(images).unwrap_err();
    assert!(
        matches!(&err, SemsegError::InImage { index: 13, error } if matches!(**error, SemsegError::LengthMismatch { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("image 13 of the batch: "),
        "{err}"
    );
    assert_eq!(acc.images(), 0);
}

#[test]
fn merge_checks_settings() {
    let mut a = acc(4);
    let err = a.merge(&acc(5)).unwrap_err();
    assert!(err
        .to_string()
        .contains("num_classes differs (4 here, 5 in the other)"));
    let other = SemsegAccumulator::new(4, 0).unwrap();
    assert!(a.merge(&other).is_err());
    assert!(a.merge(&acc(4).with_reduce_zero_label(true)).is_err());
    assert!(a
        .merge(&acc(4).with_out_of_range(OutOfRange::Error))
        .is_ok());
}

#[test]
fn report_serializes_names_and_round_trips_nan() {
    let mut acc = acc(3).with_class_names(["road", "car", "sky"]).unwrap();
    acc.add(&[0u8, 1], &[0u8, 0]).unwrap();
    let report = acc.finish();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["classes"][2]["name"], "sky");
    assert_eq!(json["classes"][0]["IoU"], 0.5);
    assert!(json["classes"][1]["Acc"].is_null());
    assert!(json["classes"][2]["IoU"].is_null());
    let back: SemsegReport = serde_json::from_value(json).unwrap();
    assert!(back.classes[2].iou.is_nan());
    assert_eq!(back.classes[0].iou, 0.5);
    assert_eq!(back.classes[1].name.as_deref(), Some("car"));
}

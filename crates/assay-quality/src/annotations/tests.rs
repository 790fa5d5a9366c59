use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Category, Dataset, Sample};

use super::*;

fn sample(id: i64) -> Sample {
    Sample {
        id,
        file_name: format!("{id}.jpg"),
        width: Some(100),
        height: Some(100),
        split: None,
        generation: None,
    }
}

fn boxed(id: i64, image: i64, cat: i64, b: [f64; 4]) -> Annotation {
    let mut a = Annotation::new(id, image, cat);
    a.bbox = Some(BBox::new(b[0], b[1], b[2], b[3]));
    a
}

fn dataset(annotations: Vec<Annotation>) -> Dataset {
    Dataset {
        samples: vec![sample(1), sample(2)],
        categories: vec![Category::named(1, "a"), Category::named(2, "b")],
        annotations,
    }
}

fn kinds(d: &Dataset) -> Vec<(i64, AnnotationIssueKind)> {
    let m = annotation_metrics(d);
    let mut v: Vec<_> = annotation_issues(&m, &AnnotationThresholds::default())
        .into_iter()
        .map(|i| (i.id, i.kind))
        .collect();
    v.sort_by_key(|(id, _)| *id);
    v
}

#[test]
fn metrics_measure_position_overlap_and_frequency() {
    let d = dataset(vec![
        boxed(1, 1, 1, [10.0, 20.0, 30.0, 40.0]),
        boxed(2, 1, 1, [10.0, 20.0, 30.0, 38.0]),
        boxed(3, 1, 2, [10.0, 20.0, 30.0, 40.0]),
        boxed(4, 2, 2, [90.0, 90.0, 20.0, 20.0]),
    ]);
    let m = annotation_metrics(&d);
    assert_eq!(m.len(), 4);
    assert_eq!(m[0].border_distance, Some(10.0));
    assert_eq!(m[0].relative_area, Some(0.12));
    assert_eq!(m[0].aspect_ratio, 0.75);
    assert!((m[0].max_iou_same_class - 0.95).abs() < 1e-12);
    assert_eq!(m[0].overlaps_same_class, Some(2));
    assert_eq!(m[0].max_iou_other_class, 1.0);
    assert_eq!(m[0].objects_in_image, 3);
    assert_eq!(m[0].class_frequency, 0.5);
    assert_eq!(m[3].border_distance, Some(-10.0));
    assert_eq!(m[3].inside_fraction, Some(0.25));
}

#[test]
fn issues_find_duplicates_tiny_and_outside_boxes() {
    let d = dataset(vec![
        boxed(1, 1, 1, [10.0, 20.0, 30.0, 40.0]),
        boxed(2, 1, 1, [10.0, 20.0, 30.0, 38.0]),
        boxed(3, 1, 2, [50.0, 50.0, 2.0, 10.0]),
        boxed(4, 2, 2, [90.0, 90.0, 20.0, 20.0]),
        boxed(5, 2, 2, [10.0, 10.0, 20.0, 20.0]),
    ]);
    use AnnotationIssueKind::*;
    assert_eq!(
        kinds(&d),
        [
            (1, DuplicateLabel),
            (2, DuplicateLabel),
            (3, TinyBox),
            (4, BoxOutOfImage)
        ]
    );
}

#[test]
fn crowds_and_label_only_annotations_are_left_alone() {
    let mut crowd = boxed(1, 1, 1, [0.0, 0.0, 1.0, 1.0]);
    crowd.iscrowd = true;
    let label = Annotation::new(2, 1, 1);
    let d = dataset(vec![crowd, label]);
    assert_eq!(annotation_metrics(&d).len(), 1);
    assert!(kinds(&d).is_empty());
}

#[test]
fn a_box_far_from_its_class_shape_is_an_outlier() {
    let mut anns: Vec<Annotation> = (0..20)
        .map(|i| {
            let s = 20.0 + f64::from(i % 5);
            boxed(i64::from(i) + 1, 10 + i64::from(i), 1, [1.0, 1.0, s, s])
        })
        .collect();
    anns.push(boxed(100, 2, 1, [1.0, 1.0, 90.0, 5.0]));
    let d = dataset(anns);
    let issues = kinds(&d);
    assert_eq!(issues, [(100, AnnotationIssueKind::ShapeOutlier)]);
}

//! The store's promises: an import lands whole or not at all, importing the
//! same data again duplicates nothing, and data reads back as it went in.

use std::collections::{BTreeMap, HashMap};

use assay_core::geometry::BBox;
use assay_core::mask::Rle;
use assay_core::model::{Annotation, Category, Dataset, Sample, Segmentation};
use assay_store::{DatasetImport, Selection, Store, StoreError};

fn sample(id: i64, name: &str) -> Sample {
    Sample {
        id,
        file_name: name.into(),
        width: Some(40),
        height: Some(30),
        split: None,
        generation: None,
    }
}

fn dataset() -> Dataset {
    let mut boxed = Annotation::new(10, 1, 1);
    boxed.bbox = Some(BBox::new(1.5, 2.0, 10.0, 5.25));
    boxed.area = Some(52.5);
    let mut masked = Annotation::new(11, 2, 2);
    let rle = Rle::from_polygons(&[vec![2.0, 2.0, 20.0, 3.0, 10.0, 25.0]], 30, 40);
    masked.bbox = Some(BBox::new(2.0, 2.0, 18.0, 23.0));
    masked.segmentation = Some(Segmentation::Rle {
        rle,
        compressed: true,
    });
    masked.iscrowd = true;
    Dataset {
        samples: vec![sample(1, "a.jpg"), sample(2, "b.jpg")],
        categories: vec![Category::named(1, "cat"), Category::named(2, "dog")],
        annotations: vec![boxed, masked],
    }
}

fn import(store: &mut Store, data: &Dataset) -> Result<assay_store::ImportSummary, StoreError> {
    store.import_dataset(&DatasetImport {
        dataset: "d",
        format: "test",
        source: "memory",
        data,
        files: &HashMap::new(),
        keep_ids: true,
        split: Some("train"),
        warnings: &BTreeMap::new(),
    })
}

fn everything(store: &Store) -> String {
    format!(
        "{:?}",
        store.load_dataset("d", &Selection::default()).unwrap()
    )
}

#[test]
fn data_reads_back_as_it_went_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(dir.path()).unwrap();
    let data = dataset();
    import(&mut store, &data).unwrap();
    let back = store.load_dataset("d", &Selection::default()).unwrap();
    assert_eq!(back.annotations, data.annotations);
    assert_eq!(back.categories, data.categories);
    assert_eq!(back.samples.len(), 2);
    assert!(back
        .samples
        .iter()
        .all(|s| s.split.as_deref() == Some("train")));
}

#[test]
fn importing_twice_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(dir.path()).unwrap();
    import(&mut store, &dataset()).unwrap();
    let before = everything(&store);
    let second = import(&mut store, &dataset()).unwrap();
    assert_eq!(
        (
            second.samples_added,
            second.samples_updated,
            second.categories_added
        ),
        (0, 2, 0)
    );
    assert_eq!(everything(&store), before);
    let summary = store.summary().unwrap();
    assert_eq!(
        (summary.datasets[0].images, summary.datasets[0].annotations),
        (2, 2)
    );
}

#[test]
fn a_failed_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(dir.path()).unwrap();
    import(&mut store, &dataset()).unwrap();
    let before = everything(&store);
    // A new sample and new category, then an annotation pointing nowhere:
    // the store finds the dangling reference half-way through the import.
    let mut broken = dataset();
    broken.samples.push(sample(3, "c.jpg"));
    broken.categories.push(Category::named(3, "bird"));
    broken.annotations.push(Annotation::new(12, 99, 1));
    assert!(matches!(
        import(&mut store, &broken),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(everything(&store), before);
    assert_eq!(store.summary().unwrap().datasets[0].categories, 2);
}

#[test]
fn reopening_finds_the_project_from_a_subfolder() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(dir.path()).unwrap();
    import(&mut store, &dataset()).unwrap();
    drop(store);
    let sub = dir.path().join("x").join("y");
    std::fs::create_dir_all(&sub).unwrap();
    let store = Store::open(&sub).unwrap();
    assert_eq!(store.dataset_names().unwrap(), vec!["d".to_string()]);
    assert!(matches!(
        Store::init(dir.path()),
        Err(StoreError::AlreadyAProject(_))
    ));
    let elsewhere = tempfile::tempdir().unwrap();
    assert!(matches!(
        Store::open(elsewhere.path()),
        Err(StoreError::NotAProject(_))
    ));
}

#[test]
fn quality_results_replace_earlier_ones_and_list_worst_first() {
    use assay_store::{IssueRow, QualityRecord};
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(dir.path()).unwrap();
    import(&mut store, &dataset()).unwrap();
    let issue = |sample_id, kind: &str, score| IssueRow {
        sample_id,
        annotation_id: None,
        kind: kind.into(),
        score,
        explanation: format!("{kind} {score}"),
        group: None,
    };
    let mut record = QualityRecord {
        dataset: "d".into(),
        sample_metrics: vec![(
            1,
            vec![("brightness".into(), 0.1), ("nan".into(), f64::NAN)],
        )],
        sample_properties: vec![(1, vec![("phash".into(), "8f00ff00ff00ff00".into())])],
        annotation_metrics: vec![(1, 10, vec![("area".into(), 52.5)])],
        issues: vec![
            issue(1, "dark", 0.1),
            issue(2, "dark", 0.05),
            issue(2, "blurry", 0.2),
        ],
    };
    store.replace_quality(&record).unwrap();
    let counts = store.issue_counts("d", None).unwrap();
    assert_eq!(counts, [("dark".to_string(), 2), ("blurry".to_string(), 1)]);
    assert_eq!(store.issue_counts("d", Some("train")).unwrap(), counts);
    assert!(store
        .issue_counts("d", Some("no-such-split"))
        .unwrap()
        .is_empty());
    let dark = store.issues("d", Some("dark"), None, 10).unwrap();
    let files: Vec<&str> = dark.iter().map(|i| i.file_name.as_str()).collect();
    assert_eq!(files, ["b.jpg", "a.jpg"], "worst first");
    assert_eq!(dark[0].split.as_deref(), Some("train"));
    record.issues = vec![issue(1, "light", 0.3)];
    store.replace_quality(&record).unwrap();
    assert_eq!(
        store.issue_counts("d", None).unwrap(),
        [("light".to_string(), 1)]
    );
    record.issues = vec![issue(99, "dark", 0.1)];
    assert!(store.replace_quality(&record).is_err(), "unknown image");
    assert_eq!(
        store.issue_counts("d", None).unwrap(),
        [("light".to_string(), 1)],
        "unchanged"
    );
}

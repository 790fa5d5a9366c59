//! A generated project of any size, for the API tests and the explorer
//! benchmark: samples in three splits with boxes of eight classes, four
//! metrics, issues (some in duplicate groups), a tag, a model's predictions
//! and an evaluation run with per-object outcomes and confusion cells.
//! Images are written only when asked (`with_files`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Category, Dataset, Sample};
use assay_store::{
    DatasetImport, IssueRow, NewRun, ObjectOutcome, QualityRecord, SampleFile, Store,
};
use rand::{Rng, SeedableRng};

/// Name of the generated dataset.
pub const DATASET: &str = "synthetic";
/// Name of the generated model.
pub const MODEL: &str = "synthetic-detector";
/// The classes.
pub const CLASSES: [&str; 8] = ["person", "car", "dog", "cat", "bus", "bike", "tree", "sign"];
/// The metrics every sample has.
pub const METRICS: [&str; 4] = ["brightness", "sharpness", "entropy", "object_count"];

/// Creates a project in `dir` with `n` samples; with `with_files`, every
/// sample gets a small JPEG under `dir/images`.
pub fn build(dir: &Path, n: usize, with_files: bool, seed: u64) -> assay_store::Result<Store> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut store = Store::init(dir)?;
    let data = dataset(n, &mut rng);
    let files = if with_files {
        write_images(dir, &data)
    } else {
        HashMap::new()
    };
    let warnings = BTreeMap::new();
    store.import_dataset(&DatasetImport {
        dataset: DATASET,
        format: "synthetic",
        source: "generated",
        data: &data,
        files: &files,
        keep_ids: true,
        split: None,
        warnings: &warnings,
    })?;
    store.replace_quality(&quality(&data, &mut rng))?;
    let predictions = predictions(&data, &mut rng);
    let stored: Vec<Annotation> = predictions.iter().flatten().cloned().collect();
    store.add_predictions(DATASET, MODEL, &stored)?;
    store.record_run(&run(&data, &predictions))?;
    let tagged: Vec<i64> = (1..=n as i64).step_by(100).collect();
    store.set_tag(&tagged, "review", false)?;
    Ok(store)
}

fn dataset(n: usize, rng: &mut impl Rng) -> Dataset {
    let mut samples = Vec::with_capacity(n);
    let mut annotations = Vec::with_capacity(2 * n);
    for i in 1..=n as i64 {
        let split = match i % 10 {
            0 => "test",
            1 => "val",
            _ => "train",
        };
        samples.push(Sample {
            id: i,
            file_name: format!("img_{i:07}.jpg"),
            width: Some(64),
            height: Some(48),
            split: Some(split.into()),
            generation: None,
        });
        for _ in 0..rng.random_range(1..=3) {
            let id = annotations.len() as i64 + 1;
            let mut a = Annotation::new(id, i, rng.random_range(1..=CLASSES.len() as i64));
            let (x, y) = (rng.random_range(0.0..40.0), rng.random_range(0.0..30.0));
            let b = BBox::new(
                x,
                y,
                rng.random_range(4.0..24.0),
                rng.random_range(4.0..18.0),
            );
            a.area = Some(b.w * b.h);
            a.bbox = Some(b);
            annotations.push(a);
        }
    }
    let categories = CLASSES
        .iter()
        .enumerate()
        .map(|(k, c)| Category::named(k as i64 + 1, *c))
        .collect();
    Dataset {
        samples,
        categories,
        annotations,
    }
}

fn quality(data: &Dataset, rng: &mut impl Rng) -> QualityRecord {
    let mut record = QualityRecord {
        dataset: DATASET.into(),
        ..Default::default()
    };
    let mut objects = vec![0.0; data.samples.len() + 1];
    for a in &data.annotations {
        objects[a.sample_id as usize] += 1.0;
    }
    for s in &data.samples {
        let b: f64 = rng.random();
        let metrics = vec![
            (METRICS[0].to_string(), b),
            (METRICS[1].to_string(), rng.random_range(0.0..100.0)),
            (METRICS[2].to_string(), rng.random_range(2.0..8.0)),
            (METRICS[3].to_string(), objects[s.id as usize]),
        ];
        record.sample_metrics.push((s.id, metrics));
        let issue = |kind: &str, group: Option<String>| IssueRow {
            sample_id: s.id,
            annotation_id: None,
            kind: kind.into(),
            score: b,
            explanation: format!("generated {kind} issue"),
            group,
        };
        if b < 0.05 {
            record.issues.push(issue("dark", None));
        }
        if s.id % 50 == 0 {
            record.issues.push(issue("blurry", None));
        }
        if s.id % 97 < 2 {
            record
                .issues
                .push(issue("near_duplicates", Some(format!("g{}", s.id / 97))));
        }
    }
    record
}

/// A prediction for 80% of the objects (10% of them of a random class),
/// aligned with the annotations.
fn predictions(data: &Dataset, rng: &mut impl Rng) -> Vec<Option<Annotation>> {
    let mut out = Vec::with_capacity(data.annotations.len());
    for a in &data.annotations {
        if rng.random::<f64>() < 0.2 {
            out.push(None);
            continue;
        }
        let mut p = Annotation::new(out.len() as i64 + 1, a.sample_id, a.category_id);
        if rng.random::<f64>() < 0.1 {
            p.category_id = rng.random_range(1..=CLASSES.len() as i64);
        }
        let b = a.bbox.expect("every object has a box");
        p.bbox = Some(BBox::new(b.x + 1.0, b.y, b.w, b.h));
        p.score = Some(rng.random_range(0.05..1.0));
        out.push(Some(p));
    }
    out
}

/// A run whose outcomes follow the predictions: a prediction of the right
/// class is a true positive, of another class a false positive (and its
/// ground truth a miss, in the confusion cell of the two classes), and a
/// ground truth without prediction a miss.
fn run(data: &Dataset, predictions: &[Option<Annotation>]) -> NewRun {
    let background = CLASSES.len();
    let (mut outcomes, mut confusion_objects) = (Vec::new(), Vec::new());
    let (mut tp, mut fp, mut missed) = (0u64, 0u64, 0u64);
    for (a, found) in data.annotations.iter().zip(predictions) {
        let outcome = |prediction: bool, object_id, category_id, outcome: &str| ObjectOutcome {
            sample_id: a.sample_id,
            prediction,
            object_id,
            category_id,
            outcome: outcome.into(),
            matched_id: None,
            iou: 0.9,
            score: None,
            error: None,
            tp_sweep: 0,
        };
        let row = a.category_id as usize - 1;
        match found {
            Some(p) if p.category_id == a.category_id => {
                tp += 1;
                outcomes.push(outcome(true, p.id, p.category_id, "tp"));
                outcomes.push(outcome(false, a.id, a.category_id, "tp"));
                confusion_objects.push((a.sample_id, row, row));
            }
            Some(p) => {
                (fp, missed) = (fp + 1, missed + 1);
                outcomes.push(outcome(true, p.id, p.category_id, "fp"));
                outcomes.push(outcome(false, a.id, a.category_id, "fn"));
                confusion_objects.push((a.sample_id, row, p.category_id as usize - 1));
            }
            None => {
                missed += 1;
                outcomes.push(outcome(false, a.id, a.category_id, "fn"));
                confusion_objects.push((a.sample_id, row, background));
            }
        }
    }
    let mut counts = vec![vec![0u64; background + 1]; background + 1];
    for &(_, row, col) in &confusion_objects {
        counts[row][col] += 1;
    }
    let category_ids: Vec<i64> = (1..=CLASSES.len() as i64).collect();
    let summary = assay_app::summary::DetectionSummary {
        stats: Vec::new(),
        summary: Vec::new(),
        extra: Vec::new(),
        per_category: Vec::new(),
        confusion: assay_app::summary::Confusion {
            category_ids,
            counts,
            iou_threshold: Some(0.5),
            min_score: Some(0.0),
            background: true,
        },
        errors: assay_app::summary::ErrorSummary {
            ap50: f64::NAN,
            costs: Vec::new(),
        },
        counts: Default::default(),
    };
    let summary = serde_json::to_value(&summary).expect("a summary serialises");
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + missed).max(1) as f64;
    NewRun {
        dataset: DATASET.into(),
        model: MODEL.into(),
        task: "detection".into(),
        params: serde_json::json!({}),
        summary,
        inputs_hash: "synthetic".into(),
        metrics: vec![("precision".into(), precision), ("recall".into(), recall)],
        class_metrics: Vec::new(),
        curves: Vec::new(),
        outcomes,
        confusion_objects,
    }
}

fn write_images(dir: &Path, data: &Dataset) -> HashMap<i64, SampleFile> {
    let images = dir.join("images");
    std::fs::create_dir_all(&images).expect("cannot create the images folder");
    let mut files = HashMap::new();
    for s in &data.samples {
        let (w, h) = (64usize, 48usize);
        let shade = (s.id * 37 % 256) as u8;
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|p| [shade, (p % 256) as u8, 128])
            .collect();
        let jpeg = assay_image::thumbnail::encode_jpeg(&rgb, (w, h)).expect("cannot encode a JPEG");
        let path = images.join(&s.file_name);
        std::fs::write(&path, &jpeg).expect("cannot write an image");
        files.insert(
            s.id,
            SampleFile {
                path: path.clone(),
                content_hash: blake3::hash(&jpeg).to_hex().to_string(),
                bytes: jpeg.len() as u64,
            },
        );
    }
    files
}

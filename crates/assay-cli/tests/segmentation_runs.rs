//! Semantic segmentation inside a project: label masks beside a folder of
//! images, `assay evaluate --masks` records a run whose totals are those
//! of `assay eval semseg` on the same masks, with per-class metrics and
//! per image and class its own IoU as an outcome.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{assay, path};

/// Writes an 8-bit greyscale PNG of class indices.
fn mask(path: &Path, w: u32, h: u32, pixels: &[u8]) {
    let buffer = image::GrayImage::from_raw(w, h, pixels.to_vec()).expect("a full mask");
    buffer.save(path).expect("the mask is written");
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("one JSON object")
}

#[test]
fn a_segmentation_run_equals_eval_semseg_and_keeps_per_image_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let (images, gt, pred) = (p.join("images"), p.join("gt"), p.join("pred"));
    for d in [&images, &gt, &pred] {
        std::fs::create_dir_all(d).unwrap();
    }
    let (w, h) = (8u32, 4u32);
    // Four images; class 2 appears only in the prediction of `c`, and `d`'s
    // label has ignored pixels (255).
    let cases: [(&str, Vec<u8>, Vec<u8>); 4] = [
        ("a", vec![0; 32], vec![0; 32]),
        (
            "b",
            [vec![0; 16], vec![1; 16]].concat(),
            [vec![0; 20], vec![1; 12]].concat(),
        ),
        (
            "c",
            [vec![1; 16], vec![0; 16]].concat(),
            [vec![1; 8], vec![2; 8], vec![0; 16]].concat(),
        ),
        (
            "d",
            [vec![255; 8], vec![1; 24]].concat(),
            [vec![0; 8], vec![1; 24]].concat(),
        ),
    ];
    for (i, (name, label, predicted)) in cases.iter().enumerate() {
        common::images::write_png(&images.join(format!("{name}.png")), i as u64);
        mask(&gt.join(format!("{name}.png")), w, h, label);
        mask(&pred.join(format!("{name}.png")), w, h, predicted);
    }
    assay(p, &["init", path(p)]);
    assay(p, &["import", "folder", "--images", path(&images)]);
    let names = p.join("classes.txt");
    std::fs::write(&names, "road\ncar\nsky\n").unwrap();
    let run = json(&assay(
        p,
        &[
            "evaluate",
            "--model",
            "seg",
            "--masks",
            path(&pred),
            "--gt-masks",
            path(&gt),
            "--num-classes",
            "3",
            "--class-names",
            path(&names),
            "--json",
        ],
    ));
    let files = json(&assay(
        p,
        &[
            "eval",
            "semseg",
            "--pred",
            path(&pred),
            "--gt",
            path(&gt),
            "--num-classes",
            "3",
            "--class-names",
            path(&names),
            "--json",
        ],
    ));
    assert_eq!(run["report"], files, "the run's totals are eval semseg's");
    assert_eq!(run["images_without_mask"], 0);
    let run_id = run["run_id"].as_i64().unwrap();
    let store = assay_store::Store::open(p).unwrap();
    let listed = store.runs(None).unwrap();
    assert_eq!(listed[0].task, "semantic_segmentation");
    let miou = listed[0]
        .metrics
        .iter()
        .find(|(n, _)| n == "mIoU")
        .unwrap()
        .1;
    assert_eq!(miou, files["mIoU"].as_f64().unwrap());
    // Per image and class: `c` predicts sky where its label has none (a
    // false positive, IoU 0), and finds its road (IoU 1).
    let outcomes = store.run_outcomes(run_id).unwrap();
    let index = store.dataset_index("images", None).unwrap();
    let c = index.stems["c"];
    let categories: std::collections::HashMap<String, i64> = index
        .categories
        .iter()
        .map(|k| (k.name.clone(), k.id))
        .collect();
    let of = |class: &str, prediction: bool| {
        outcomes
            .iter()
            .find(|o| {
                o.sample_id == c && o.category_id == categories[class] && o.prediction == prediction
            })
            .map(|o| (o.outcome.clone(), o.iou))
    };
    assert_eq!(of("sky", true), Some(("fp".to_string(), 0.0)));
    assert_eq!(of("sky", false), None, "sky is not in c's label");
    assert_eq!(of("road", false), Some(("tp".to_string(), 1.0)));
    let (outcome, iou) = of("car", false).unwrap();
    assert_eq!(
        (outcome.as_str(), iou),
        ("tp", 0.5),
        "8 of 16 car pixels found"
    );
    // The report shows the run with its mIoU.
    let md = assay(p, &["report", "--format", "md", "--out", "-"]);
    assert!(md.contains("semantic\\_segmentation"), "{md}");
    assert!(md.contains(&format!("| {miou:.3} |")), "{md}");
}

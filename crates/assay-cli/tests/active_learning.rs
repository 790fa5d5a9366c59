//! What to label next on real images: 600 CIFAR-10 test images (60 per
//! class) embedded with the built-in extractor. `assay select` chooses
//! images by each strategy (or makes a review queue of them) and says what
//! a strategy needs; `assay select --simulate` runs the labelling loop for
//! every strategy against random over several seeds.

mod common;

use std::path::Path;

use serde_json::Value;

use common::{assay, assay_fails, data, path};

/// A project with 60 images of each CIFAR-10 class, embedded.
fn cifar_project(dir: &Path) -> std::path::PathBuf {
    let images = dir.join("cifar");
    let source = data().join("cifar10_test_cleanlab/test");
    for class in std::fs::read_dir(&source).unwrap() {
        let class = class.unwrap().path();
        let target = images.join(class.file_name().unwrap());
        std::fs::create_dir_all(&target).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(&class)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for f in files.into_iter().take(60) {
            std::fs::copy(&f, target.join(f.file_name().unwrap())).unwrap();
        }
    }
    let project = dir.join("project");
    std::fs::create_dir_all(&project).unwrap();
    assay(&project, &["init"]);
    assay(
        &project,
        &[
            "import",
            "folder",
            "--images",
            path(&images),
            "--class-folders",
            "--dataset",
            "cifar",
        ],
    );
    assay(&project, &["embed", "--dataset", "cifar"]);
    project
}

#[test]
fn strategies_choose_and_the_simulation_compares_them_with_random() {
    let dir = tempfile::tempdir().unwrap();
    let p = cifar_project(dir.path());
    let chosen: Value = serde_json::from_str(&assay(
        &p,
        &[
            "select",
            "--budget",
            "12",
            "--strategy",
            "coreset",
            "--all",
            "--json",
        ],
    ))
    .unwrap();
    let ids: Vec<i64> = chosen["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let distinct: std::collections::HashSet<i64> = ids.iter().copied().collect();
    assert_eq!((ids.len(), distinct.len()), (12, 12), "{chosen}");
    // Every image is labelled: without --all nothing is left to choose.
    let err = assay_fails(&p, &["select", "--budget", "5", "--strategy", "random"]);
    assert!(err.contains("no unlabelled images"), "{err}");
    let err = assay_fails(
        &p,
        &["select", "--budget", "5", "--strategy", "margin", "--all"],
    );
    assert!(err.contains("--model"), "{err}");
    let out = assay(
        &p,
        &[
            "select",
            "--budget",
            "8",
            "--strategy",
            "random",
            "--all",
            "--queue",
            "next",
        ],
    );
    assert!(out.contains("of 8 images"), "{out}");
    // Or a list of file names that `assay export --samples` takes.
    let list = dir.path().join("chosen.txt");
    assay(
        &p,
        &[
            "select",
            "--budget",
            "6",
            "--strategy",
            "coreset",
            "--all",
            "--out",
            path(&list),
        ],
    );
    let coco = dir.path().join("chosen.json");
    assay(
        &p,
        &[
            "export",
            "coco",
            "--samples",
            path(&list),
            "--out",
            path(&coco),
        ],
    );
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&coco).unwrap()).unwrap();
    assert_eq!(exported["images"].as_array().unwrap().len(), 6);

    let sim: Value = serde_json::from_str(&assay(
        &p,
        &[
            "select",
            "--simulate",
            "--initial",
            "20",
            "--budget",
            "20",
            "--rounds",
            "3",
            "--seeds",
            "3",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(
        sim["pool"].as_u64().unwrap() + sim["test"].as_u64().unwrap(),
        600
    );
    let curves = sim["curves"].as_array().unwrap();
    let names: Vec<&str> = curves
        .iter()
        .map(|c| c["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "random",
            "least_confidence",
            "margin",
            "entropy",
            "coreset",
            "hybrid"
        ]
    );
    for c in curves {
        assert_eq!(c["labels"], serde_json::json!([20, 40, 60, 80]));
        let per_seed = c["accuracy"].as_array().unwrap();
        assert_eq!(per_seed.len(), 3);
        // Every strategy starts from the same labels in a seed.
        assert_eq!(per_seed[0][0], curves[0]["accuracy"][0][0]);
        for a in per_seed.iter().flat_map(|s| s.as_array().unwrap()) {
            assert!((0.0..=1.0).contains(&a.as_f64().unwrap()));
        }
    }
    let random = &curves[0]["mean"];
    assert!(
        random[3].as_f64().unwrap() > 0.1,
        "better than chance: {random}"
    );
    assert!(curves[0]["labels_to_match_random"].as_u64().unwrap() <= 80);
    let table = assay(
        &p,
        &[
            "select",
            "--simulate",
            "--initial",
            "20",
            "--budget",
            "20",
            "--rounds",
            "2",
            "--seeds",
            "2",
            "--strategy",
            "coreset",
        ],
    );
    assert!(
        table.contains("Labels each strategy needs to reach random's"),
        "{table}"
    );
    assert!(table.contains("coreset:"), "{table}");
}

#[test]
fn a_detectors_box_uncertainty_is_aggregated_per_image() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    common::build_demo(p);
    assay(p, &["embed", "--dataset", "shapes"]);
    let predictions: Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("data/predictions.json")).unwrap())
            .unwrap();
    // Per image: the sum of each box's binary entropy.
    let mut sums: std::collections::HashMap<i64, f64> = Default::default();
    for d in predictions.as_array().unwrap() {
        let s = d["score"].as_f64().unwrap().clamp(0.0, 1.0);
        let h: f64 = [s, 1.0 - s]
            .iter()
            .filter(|&&q| q > 0.0)
            .map(|q| -q * q.ln())
            .sum();
        *sums.entry(d["image_id"].as_i64().unwrap()).or_default() += h;
    }
    let chosen: Value = serde_json::from_str(&assay(
        p,
        &[
            "select",
            "--dataset",
            "shapes",
            "--budget",
            "3",
            "--strategy",
            "entropy",
            "--model",
            "sim-detector",
            "--aggregate",
            "sum",
            "--all",
            "--json",
        ],
    ))
    .unwrap();
    let ids: Vec<i64> = chosen["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let mut ranked: Vec<(f64, i64)> = sums.iter().map(|(i, s)| (*s, *i)).collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    assert!(
        (sums[&ids[0]] - ranked[0].0).abs() < 1e-9,
        "chosen {ids:?}, most uncertain {:?}",
        &ranked[..3]
    );
    let err = assay_fails(
        p,
        &[
            "select",
            "--dataset",
            "shapes",
            "--budget",
            "3",
            "--strategy",
            "entropy",
            "--model",
            "sim-detector",
            "--aggregate",
            "median",
            "--all",
        ],
    );
    assert!(err.contains("max, mean or sum"), "{err}");
}

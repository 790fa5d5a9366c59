//! End-to-end tests of the `assay` binary on the real datasets in
//! `../shared/data`: imports that must agree, round trips that must be
//! lossless, and the counts `assay info` must report.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

mod common;
use common::{assay, data};

fn new_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    assay(dir.path(), &["init", dir.path().to_str().unwrap()]);
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("file exists")).expect("valid JSON")
}

/// Exports a dataset's ground truth as COCO JSON and reads it back.
fn export_coco(project: &Path, dataset: &str) -> Value {
    let out = project.join(format!("export-{dataset}.json"));
    assay(
        project,
        &["export", "coco", "--dataset", dataset, "--out", path(&out)],
    );
    read_json(&out)
}

/// (class name, [x, y, w, h]) of every non-crowd annotation, by image file base name.
fn boxes_by_image(coco: &Value) -> HashMap<String, Vec<(String, [f64; 4])>> {
    let names: HashMap<i64, &str> = coco["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    let files: HashMap<i64, String> = coco["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let name = i["file_name"].as_str().unwrap();
            (
                i["id"].as_i64().unwrap(),
                name.rsplit('/').next().unwrap().to_string(),
            )
        })
        .collect();
    let mut out: HashMap<String, Vec<(String, [f64; 4])>> =
        files.values().map(|f| (f.clone(), Vec::new())).collect();
    for a in coco["annotations"].as_array().unwrap() {
        if a["iscrowd"].as_i64() == Some(1) {
            continue;
        }
        let b: Vec<f64> = a["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let class = names[&a["category_id"].as_i64().unwrap()].to_string();
        out.get_mut(&files[&a["image_id"].as_i64().unwrap()])
            .unwrap()
            .push((class, [b[0], b[1], b[2], b[3]]));
    }
    out
}

/// Asserts both sides hold the same images, the same number of boxes per
/// image, and that each box on the left has its own box of the same class
/// on the right with every coordinate within `tolerance` pixels.
fn assert_same_boxes(left: &Value, right: &Value, tolerance: f64) {
    let (l, r) = (boxes_by_image(left), boxes_by_image(right));
    let mut lk: Vec<_> = l.keys().collect();
    let mut rk: Vec<_> = r.keys().collect();
    lk.sort();
    rk.sort();
    assert_eq!(lk, rk, "the two imports hold different images");
    let mut problems = Vec::new();
    for (image, boxes) in &l {
        let mut others = r[image].clone();
        if boxes.len() != others.len() {
            problems.push(format!(
                "{image}: {} boxes against {}",
                boxes.len(),
                others.len()
            ));
            continue;
        }
        for (class, b) in boxes {
            let close = |o: &(String, [f64; 4])| {
                &o.0 == class && (0..4).all(|k| (o.1[k] - b[k]).abs() <= tolerance)
            };
            match others.iter().position(close) {
                Some(i) => {
                    others.swap_remove(i);
                }
                None => problems.push(format!(
                    "{image}: no {class} box within {tolerance} px of {b:?}"
                )),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn coco_and_yolo_imports_of_coco128_agree() {
    let d = data().join("coco128_lightly");
    let project = new_project();
    let p = project.path();
    let gt = d.join("coco_json_train2017_developer0hye/instances_train2017_first128.json");
    let images = d.join("images/train2017");
    assay(
        p,
        &[
            "import",
            "coco",
            "--annotations",
            path(&gt),
            "--images",
            path(&images),
            "--dataset",
            "coco",
            "--split",
            "train",
        ],
    );
    assay(
        p,
        &[
            "import",
            "yolo",
            "--images",
            path(&images),
            "--labels",
            path(&d.join("object_detection/labels/train2017")),
            "--classes",
            path(&d.join("object_detection/config.yaml")),
            "--dataset",
            "yolo",
            "--split",
            "train",
        ],
    );
    let (coco, yolo) = (export_coco(p, "coco"), export_coco(p, "yolo"));
    assert_eq!(coco["images"].as_array().unwrap().len(), 128);
    assert_eq!(yolo["images"].as_array().unwrap().len(), 128);
    assert_same_boxes(&coco, &yolo, 1.0);
    let sizes = |v: &Value| -> HashMap<String, (i64, i64)> {
        v["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["file_name"].as_str().unwrap().to_string(),
                    (i["width"].as_i64().unwrap(), i["height"].as_i64().unwrap()),
                )
            })
            .collect()
    };
    assert_eq!(
        sizes(&coco),
        sizes(&yolo),
        "image sizes from the COCO file and from the image headers differ"
    );
}

#[test]
fn annotations_only_coco_import_with_two_results_files() {
    let d = data().join("faster_coco_eval_tests/tests/dataset/cocoapi");
    let project = new_project();
    let p = project.path();
    let out = assay(
        p,
        &[
            "import",
            "coco",
            "--annotations",
            path(&d.join("instances_val2014_100.json")),
        ],
    );
    assert!(out.contains("100 images added"), "{out}");
    let results = [
        "instances_val2014_fakebbox100_results.json",
        "instances_val2014_fakesegm100_results.json",
    ];
    for (model, file) in ["fake-bbox", "fake-segm"].iter().zip(results) {
        assay(
            p,
            &[
                "predictions",
                "add",
                "--model",
                model,
                "--coco",
                path(&d.join(file)),
            ],
        );
    }
    let info: Value = serde_json::from_str(&assay(p, &["info", "--json"])).unwrap();
    let ds = &info["datasets"][0];
    assert_eq!(ds["images"], 100);
    assert_eq!(ds["annotations"], 839);
    assert_eq!(ds["categories"], 80);
    assert_eq!(ds["images_with_files"], 0);
    let models = info["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    for (m, file) in models.iter().zip(results) {
        let expected = read_json(&d.join(file)).as_array().unwrap().len();
        assert_eq!(m["predictions"], expected, "{m}");
    }
    let table = assay(p, &["info"]);
    assert!(
        table.contains("100 images")
            && table.contains("839 annotations")
            && table.contains("80 categories"),
        "{table}"
    );
}

/// Writes every number as a float, so that `100` and `100.0` compare equal
/// (the value is what a round trip must keep, not its spelling).
fn numbers_as_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(numbers_as_floats).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), numbers_as_floats(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The fields of a COCO annotation that an import must keep exactly.
fn annotation_fields(coco: &Value) -> Vec<Value> {
    let keep = [
        "id",
        "image_id",
        "category_id",
        "bbox",
        "segmentation",
        "area",
        "iscrowd",
        "keypoints",
    ];
    let mut out: Vec<Value> = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            keep.iter()
                .filter_map(|k| a.get(*k).map(|v| (k.to_string(), numbers_as_floats(v))))
                .collect()
        })
        .collect();
    out.sort_by(|a, b| a["id"].as_f64().partial_cmp(&b["id"].as_f64()).unwrap());
    out
}

fn assert_same_annotations(left: &[Value], right: &[Value], file: &Path) {
    assert_eq!(
        left.len(),
        right.len(),
        "annotation count of {}",
        file.display()
    );
    let differ: Vec<String> = left
        .iter()
        .zip(right)
        .filter(|(l, r)| l != r)
        .take(3)
        .map(|(l, r)| format!("exported {l}\n   source {r}"))
        .collect();
    assert!(
        differ.is_empty(),
        "{} differs after the round trip:\n{}",
        file.display(),
        differ.join("\n")
    );
}

#[test]
fn coco_round_trip_is_lossless() {
    let files = [
        data().join("faster_coco_eval_tests/tests/dataset/cocoapi/instances_val2014_100.json"),
        data().join(
            "coco128_lightly/coco_json_train2017_developer0hye/instances_train2017_first128.json",
        ),
        data().join("faster_coco_eval_tests/tests/keypoints_dataset/gt_dataset.json"),
    ];
    for original in &files {
        let first = new_project();
        assay(
            first.path(),
            &[
                "import",
                "coco",
                "--annotations",
                path(original),
                "--dataset",
                "d",
            ],
        );
        let exported = export_coco(first.path(), "d");
        let source = read_json(original);
        assert_same_annotations(
            &annotation_fields(&exported),
            &annotation_fields(&source),
            original,
        );
        assert_eq!(
            exported["images"].as_array().unwrap().len(),
            source["images"].as_array().unwrap().len()
        );
        assert_eq!(
            exported["categories"].as_array().unwrap().len(),
            source["categories"].as_array().unwrap().len()
        );

        let second = new_project();
        let file = first.path().join("export-d.json");
        assay(
            second.path(),
            &[
                "import",
                "coco",
                "--annotations",
                path(&file),
                "--dataset",
                "d",
            ],
        );
        assert_eq!(
            export_coco(second.path(), "d"),
            exported,
            "second round trip of {}",
            original.display()
        );
    }
}

#[test]
fn yolo_round_trip_is_lossless() {
    let d = data().join("coco128_lightly");
    let cases = [
        ("object_detection", "val2017"),
        ("instance_segmentation", "train2017"),
    ];
    for (kind, split) in cases {
        let first = new_project();
        let p = first.path();
        let images = d.join("images").join(split);
        let labels = d.join(kind).join("labels").join(split);
        let classes = d.join(kind).join("config.yaml");
        let import = [
            "import",
            "yolo",
            "--images",
            path(&images),
            "--labels",
            path(&labels),
            "--classes",
            path(&classes),
        ];
        assay(
            p,
            &[&import[..], &["--dataset", "d", "--split", split]].concat(),
        );
        let out = p.join("yolo-out");
        assay(
            p,
            &[
                "export",
                "yolo",
                "--dataset",
                "d",
                "--out",
                path(&out),
                "--copy-images",
            ],
        );

        let second = new_project();
        let data_yaml = out.join("data.yaml");
        assay(
            second.path(),
            &[
                "import",
                "yolo",
                "--data",
                path(&data_yaml),
                "--dataset",
                "d",
            ],
        );
        let (before, after) = (export_coco(p, "d"), export_coco(second.path(), "d"));
        assert_eq!(
            before["annotations"].as_array().unwrap().len(),
            after["annotations"].as_array().unwrap().len()
        );
        assert_same_boxes(&before, &after, 1e-6);
        let polygons = |v: &Value| {
            v["annotations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a.get("segmentation").is_some())
                .count()
        };
        assert_eq!(polygons(&before), polygons(&after), "{kind}");
    }
}

#[test]
fn demo_builds_a_project_with_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let stdout = common::build_demo(&demo);
    let info: Value = serde_json::from_str(&assay(&demo, &["info", "--json"])).unwrap();
    let ds = &info["datasets"][0];
    assert_eq!(ds["name"], "shapes");
    assert!(ds["images"].as_u64().unwrap() >= 60);
    assert_eq!(ds["categories"], 5);
    let injected: HashMap<String, u64> = ds["injected_problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
        .collect();
    for kind in [
        "dark",
        "light",
        "blurry",
        "exact_duplicate",
        "near_duplicate",
        "corrupt",
        "wrong_class",
        "missing_box",
        "loose_box",
    ] {
        assert!(
            injected.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} injected: {injected:?}"
        );
    }
    assert!(info["models"][0]["predictions"].as_u64().unwrap() > 0);
    check_demo_quality(&stdout);
    let stored: Value =
        serde_json::from_str(&assay(&demo, &["issues", "--dataset", "shapes", "--json"])).unwrap();
    let kinds: Vec<&str> = stored["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap())
        .collect();
    for kind in ["unreadable", "exact_duplicates", "split_leak", "dark"] {
        assert!(kinds.contains(&kind), "no {kind} issues stored: {kinds:?}");
    }
    check_demo_search(&demo);
    check_demo_generative(&demo, &stdout);
}

/// The demo's generators are evaluated and stored as runs, the better one
/// ranks first, and the injected findings are found.
fn check_demo_generative(demo: &Path, stdout: &str) {
    assert!(
        stdout.contains("Found 2 of the 2 same-seed near-duplicate pairs and 1 of the 1 memorized"),
        "{stdout}"
    );
    let runs: Value =
        serde_json::from_str(&assay(demo, &["runs", "--dataset", "generated", "--json"])).unwrap();
    let fid = |model: &str| -> f64 {
        let run = runs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == model && r["task"] == "generation")
            .unwrap_or_else(|| panic!("no run of {model}: {runs}"));
        let metrics = run["metrics"].as_array().unwrap();
        metrics.iter().find(|m| m[0] == "fid").unwrap()[1]
            .as_f64()
            .unwrap()
    };
    assert!(fid("sim-gen-good") < fid("sim-gen-poor"));
}

/// `assay search --image` with the original of each injected copy (exact
/// and near-duplicate) finds the copy among its top 5 results.
fn check_demo_search(demo: &Path) {
    let images = demo.join("data").join("images");
    let mut pairs = Vec::new();
    for entry in std::fs::read_dir(&images).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("near_") || name.starts_with("dup_") {
            pairs.push(name);
        }
    }
    assert!(pairs.len() >= 4, "too few injected copies: {pairs:?}");
    for copy in &pairs {
        let found: Value = serde_json::from_str(&assay(
            demo,
            &[
                "search",
                "--dataset",
                "shapes",
                "--image",
                path(&images.join(copy)),
                "-k",
                "5",
                "--json",
            ],
        ))
        .unwrap();
        let names: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file_name"].as_str().unwrap())
            .collect();
        let original = original_of(demo, copy);
        assert!(
            names.contains(&copy.as_str()),
            "{copy} not found by its own image: {names:?}"
        );
        assert!(
            names.contains(&original.as_str()),
            "{original} not in the top 5 for its copy {copy}: {names:?}"
        );
    }
}

/// The original of an injected copy, from the demo's stored truth.
fn original_of(demo: &Path, copy: &str) -> String {
    let db = rusqlite::Connection::open(demo.join(".assay").join("project.db")).unwrap();
    let detail: String = db
        .query_row(
            "SELECT p.detail FROM injected_problems p JOIN samples s ON s.id = p.sample_id
             WHERE s.file_name = ?1 AND p.kind IN ('near_duplicate', 'exact_duplicate') AND p.detail LIKE '%copy of %'",
            [copy],
            |r| r.get(0),
        )
        .unwrap();
    detail.rsplit(' ').next().unwrap().to_string()
}

/// The demo's recall/precision table: every injected problem has a row;
/// problems the checks are built to find exactly are found exactly, and
/// assay's own image types find what was injected with recall at least 0.95
/// and precision at least 0.9.
fn check_demo_quality(stdout: &str) {
    let section = stdout
        .split("How much of what was injected the checks found")
        .nth(1)
        .unwrap_or_else(|| panic!("no quality section:\n{stdout}"));
    let row = |problem: &str, found_as: &str| -> Vec<String> {
        section
            .lines()
            .map(|l| {
                l.trim_matches(|c| c == '│' || c == ' ')
                    .split('┆')
                    .map(|c| c.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells[0] == problem && cells.get(1).is_some_and(|c| c == found_as))
            .unwrap_or_else(|| panic!("no row for {problem} as {found_as}:\n{section}"))
    };
    let ratio = |cells: &[String], i: usize| cells[i].parse::<f64>().ok();
    for (problem, found_as) in [
        ("corrupt", "unreadable"),
        ("exact_duplicate", "exact_duplicates"),
        ("split_leak", "split_leak"),
    ] {
        let cells = row(problem, found_as);
        assert_eq!(
            ratio(&cells, 5),
            Some(1.0),
            "recall of {problem}: {cells:?}"
        );
        assert_eq!(
            ratio(&cells, 6),
            Some(1.0),
            "precision of {problem}: {cells:?}"
        );
    }
    for (problem, found_as) in [
        ("dark", "underexposed"),
        ("light", "overexposed"),
        ("blurry", "soft"),
        ("near_duplicate", "similar"),
    ] {
        let cells = row(problem, found_as);
        let (recall, precision) = (ratio(&cells, 5).unwrap(), ratio(&cells, 6).unwrap());
        assert!(
            recall >= 0.95,
            "recall of {problem} as {found_as}: {cells:?}"
        );
        assert!(
            precision >= 0.9,
            "precision of {problem} as {found_as}: {cells:?}"
        );
    }
    for (problem, found_as) in [
        ("dark", "either (dark + underexposed)"),
        ("light", "either (light + overexposed)"),
        ("blurry", "either (blurry + soft)"),
        ("near_duplicate", "either (near_duplicates + similar)"),
    ] {
        let cells = row(problem, found_as);
        assert_eq!(
            ratio(&cells, 5),
            Some(1.0),
            "recall of {problem}: {cells:?}"
        );
    }
    for (problem, found_as) in [
        ("wrong_class", "swapped_class"),
        ("loose_box", "badly_located"),
        ("missing_box", "overlooked_object"),
    ] {
        let cells = row(problem, found_as);
        let recall = ratio(&cells, 5).unwrap_or_else(|| panic!("{cells:?}"));
        assert!((0.0..=1.0).contains(&recall), "{cells:?}");
    }
}

//! Classification inside a project: the CIFAR-10 test set imported as a
//! class-folder tree, cleanlab's out-of-fold probabilities imported with
//! their row list, and `assay evaluate` recording a run whose numbers are
//! those of `assay eval classification` on the same files; the other input
//! formats, and the errors a user meets.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{assay, assay_fails, data, path};

fn cifar() -> PathBuf {
    data().join("cifar10_test_cleanlab")
}

fn probs() -> PathBuf {
    cifar().join("cleanlab/cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("one JSON object")
}

/// A project with the 10,000 CIFAR-10 test images and cleanlab's
/// probabilities stored as model `cl`.
fn cifar_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let p = dir.path();
    assay(p, &["init", path(p)]);
    let images = cifar().join("test");
    assay(
        p,
        &[
            "import",
            "folder",
            "--images",
            path(&images),
            "--class-folders",
        ],
    );
    let rows = cifar().join("index_to_file_ASSUMED.csv");
    let out = assay(
        p,
        &[
            "predictions",
            "classes",
            "--model",
            "cl",
            "--probs",
            path(&probs()),
            "--rows",
            path(&rows),
        ],
    );
    assert!(out.contains("for 10000 images"), "{out}");
    dir
}

#[test]
fn a_cifar10_run_equals_eval_classification_on_the_same_files() {
    let dir = cifar_project();
    let p = dir.path();
    let run = json(&assay(p, &["evaluate", "--model", "cl", "--json"]));
    let labels = cifar().join("cleanlab/original_test_labels_cifar10_test_set_original_labels.npy");
    let files = json(&assay(
        p,
        &[
            "eval",
            "classification",
            "--probs",
            path(&probs()),
            "--labels",
            path(&labels),
            "--json",
        ],
    ));
    assert_eq!(run["num_samples"], 10000);
    for (key, of_files) in [
        ("accuracy", &files["accuracy"]),
        ("ece", &files["ece"]),
        ("brier", &files["brier"]),
    ] {
        assert_eq!(&run[key], of_files, "{key}");
    }
    let averages = run["averages"].as_array().unwrap();
    for (i, name) in ["macro_avg", "micro_avg", "weighted_avg"]
        .iter()
        .enumerate()
    {
        for m in ["precision", "recall", "f1"] {
            assert_eq!(averages[i][m], files[name][m], "{name} {m}");
        }
    }
    let top = run["top_k"].as_array().unwrap();
    let of_files = files["top_k"].as_array().unwrap();
    assert_eq!(top.len(), of_files.len());
    for (a, b) in top.iter().zip(of_files) {
        assert_eq!((&a[0], &a[1]), (&b["k"], &b["accuracy"]));
    }
    // The stored confusion matrix is the files' one, and each cell's images
    // are counted once.
    let counts = &run["confusion"]["counts"];
    assert_eq!(counts, &files["confusion"]["counts"], "confusion matrix");
    let store = assay_store::Store::open(p).unwrap();
    let run_id = run["run_id"].as_i64().unwrap();
    for (row, col) in [(3, 5), (5, 3), (0, 8), (2, 2)] {
        let samples = store.confusion_samples(run_id, row, col).unwrap();
        assert_eq!(
            samples.len() as u64,
            counts[row][col].as_u64().unwrap(),
            "cell {row},{col}"
        );
    }
    // Per-class metrics and per-image outcomes.
    let listed = json(&assay(p, &["runs", "--json"]));
    assert_eq!(listed[0]["task"], "classification");
    let outcomes = store.run_outcomes(run_id).unwrap();
    assert_eq!(outcomes.len(), 20000, "a label and a prediction per image");
    let wrong = outcomes
        .iter()
        .filter(|o| o.prediction && o.outcome == "fp")
        .count();
    assert_eq!(wrong, 706, "10000 images at accuracy 0.9294");
}

#[test]
fn label_issues_of_a_run_are_cleanlabs_and_are_stored_as_issues() {
    let dir = cifar_project();
    let p = dir.path();
    let run = json(&assay(p, &["evaluate", "--model", "cl", "--json"]));
    let labels = cifar().join("cleanlab/original_test_labels_cifar10_test_set_original_labels.npy");
    let cleanlab = json(&assay(
        p,
        &[
            "label-issues",
            "--pred-probs",
            path(&probs()),
            "--labels",
            path(&labels),
            "--json",
        ],
    ));
    let expected = cleanlab["issues"].as_array().unwrap().len();
    assert_eq!(run["label_issues"].as_u64().unwrap() as usize, expected);
    let issues = json(&assay(p, &["issues", "--type", "label_issue", "--json"]));
    let text = issues.to_string();
    assert!(text.contains("label_issue"), "{text}");
    // A later quality computation leaves the run's label issues alone.
    let store = assay_store::Store::open(p).unwrap();
    let counts = store.issue_counts("test", None).unwrap();
    assert_eq!(counts, vec![("label_issue".to_string(), expected)]);
}

/// A small project: four images in two classes, from a labels CSV.
fn small_project(dir: &Path) {
    let images = dir.join("images");
    std::fs::create_dir_all(&images).unwrap();
    for (i, name) in ["a.png", "b.png", "c.png", "d.png"].iter().enumerate() {
        common::images::write_png(&images.join(name), i as u64);
    }
    std::fs::write(
        dir.join("labels.csv"),
        "file,label\na.png,cat\nb.png,dog\nc.png,cat\nd.png,dog\n",
    )
    .unwrap();
    assay(dir, &["init", path(dir)]);
    assay(
        dir,
        &[
            "import",
            "folder",
            "--images",
            path(&images),
            "--labels",
            path(&dir.join("labels.csv")),
        ],
    );
}

#[test]
fn csv_and_jsonl_outputs_are_matched_by_file_and_class_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    small_project(p);
    // Columns in another order than the dataset's classes: matched by name.
    std::fs::write(
        p.join("probs.csv"),
        "file,dog,cat\nimages/a.png,0.2,0.8\nimages/b.png,0.9,0.1\nimages/c.png,0.7,0.3\nimages/d.png,0.6,0.4\n",
    )
    .unwrap();
    let probs = p.join("probs.csv");
    assay(
        p,
        &[
            "predictions",
            "classes",
            "--model",
            "m",
            "--probs",
            path(&probs),
        ],
    );
    let run = json(&assay(p, &["evaluate", "--model", "m", "--json"]));
    assert_eq!(run["accuracy"], 0.75, "c.png is called a dog");
    std::fs::write(
        p.join("preds.jsonl"),
        "{\"file\": \"a.png\", \"class\": \"cat\"}\n{\"file\": \"b.png\", \"class\": 1}\n{\"file\": \"c.png\", \"class\": \"dog\"}\n",
    )
    .unwrap();
    let preds = p.join("preds.jsonl");
    assay(
        p,
        &[
            "predictions",
            "classes",
            "--model",
            "n",
            "--preds",
            path(&preds),
        ],
    );
    let run = json(&assay(p, &["evaluate", "--model", "n", "--json"]));
    assert_eq!(run["num_samples"], 3);
    assert_eq!(run["left_out"]["unpredicted"], 1);
    assert!(run["ece"].is_null(), "no calibration without scores");
    assert_eq!(run["accuracy"].as_f64().unwrap(), 2.0 / 3.0);
}

#[test]
fn wrong_classifier_files_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    small_project(p);
    let write = |name: &str, text: &str| {
        let f = p.join(name);
        std::fs::write(&f, text).unwrap();
        f
    };
    let cases = [
        (
            write("unknown_class.csv", "file,cat,cow\na.png,1,0\n"),
            "class \"cow\" is not a class of the dataset",
        ),
        (
            write("not_a_number.csv", "file,cat,dog\na.png,x,0\n"),
            "line 2, column `cat`: `x` is not a number",
        ),
        (
            write("no_file_column.csv", "name,cat,dog\na.png,1,0\n"),
            "no column naming the image",
        ),
        (
            write("twice.jsonl", "{\"file\": \"a.png\", \"scores\": [1, 0]}\n{\"file\": \"a.png\", \"scores\": [0, 1]}\n"),
            "line 2: image \"a.png\" has a second row",
        ),
        (
            write("bad.jsonl", "{\"file\": \"a.png\", \"score\": [1, 0]}\n"),
            "bad.jsonl line 1: unknown field `score`",
        ),
        (
            write("nothing.csv", "file,cat,dog\nelsewhere.png,1,0\n"),
            "no row names an image",
        ),
    ];
    for (file, message) in &cases {
        let err = assay_fails(
            p,
            &[
                "predictions",
                "classes",
                "--model",
                "m",
                "--probs",
                path(file),
            ],
        );
        assert!(err.contains(message), "{}: {err}", file.display());
    }
    let npy = probs();
    let err = assay_fails(
        p,
        &[
            "predictions",
            "classes",
            "--model",
            "m",
            "--probs",
            path(&npy),
        ],
    );
    assert!(err.contains("give --rows FILE"), "{err}");
    let store = assay_store::Store::open(p).unwrap();
    assert!(!store.has_class_predictions("images", "m").unwrap());
}

//! `assay eval classification` and `assay eval semseg` run as the built
//! binary: the CIFAR-10 test set's cleanlab arrays, small CSV and PNG inputs
//! whose metrics are computed by hand, and broken inputs that must fail
//! with exit code 1 and a message naming the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assay_io::npy::write_npy_f64;
use serde_json::Value;

const CLEANLAB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cifar10_test_cleanlab/cleanlab"
);
const PROBS: &str = "cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy";
const LABELS: &str = "original_test_labels_cifar10_test_set_original_labels.npy";
const ARGMAX: &str =
    "cross_validated_predicted_labels_cifar10_test_set_pyx_argmax_predicted_labels.npy";
const CIFAR10: &str = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";

fn cleanlab(name: &str) -> String {
    Path::new(CLEANLAB).join(name).display().to_string()
}

/// Runs `assay eval <args>`.
fn eval(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("eval")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot start the assay binary")
}

/// Runs a command that must succeed and returns its stdout.
fn eval_ok(args: &[&str]) -> String {
    let out = eval(args);
    assert!(
        out.status.success(),
        "assay eval {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Runs a command with `--json` and parses its one JSON object.
fn eval_json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(eval_ok(&args).trim()).expect("stdout is one JSON object")
}

/// Runs a command that must fail with exit code 1; returns its stderr.
fn eval_err(args: &[&str]) -> String {
    let out = eval(args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "assay eval {args:?} should fail"
    );
    String::from_utf8(out.stderr).expect("stderr is UTF-8")
}

fn write(path: &Path, text: &str) -> String {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.display().to_string()
}

fn close(value: &Value, expected: f64) {
    let v = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"));
    assert!((v - expected).abs() < 1e-12, "{v} != {expected}");
}

// ---------------------------------------------------------------------------
// classification

#[test]
fn cifar10_cleanlab_probabilities() {
    let report = eval_json(&[
        "classification",
        "--probs",
        &cleanlab(PROBS),
        "--labels",
        &cleanlab(LABELS),
    ]);
    assert_eq!(report["accuracy"].as_f64(), Some(0.9294));
    assert_eq!(report["num_samples"], 10_000);
    assert_eq!(report["num_classes"], 10);
    assert_eq!(report["top_k"][0]["k"], 1);
    assert_eq!(report["top_k"][0]["accuracy"].as_f64(), Some(0.9294));
    assert_eq!(report["top_k"][1]["k"], 5);
    for avg in ["macro_avg", "micro_avg", "weighted_avg"] {
        for score in ["precision", "recall", "f1"] {
            let v = report[avg][score].as_f64().unwrap();
            assert!((0.8..=1.0).contains(&v), "{avg}.{score} = {v}");
        }
    }
    close(&report["micro_avg"]["f1"], 0.9294);
    assert_eq!(report["per_class"].as_array().unwrap().len(), 10);
    assert_eq!(report["per_class"][3]["support"], 1000);
    let ece = report["ece"].as_f64().unwrap();
    let brier = report["brier"].as_f64().unwrap();
    assert!(ece > 0.0 && ece < 0.1, "ece {ece}");
    assert!(brier > 0.0 && brier < 0.2, "brier {brier}");
    assert_eq!(
        report["confusion"]["counts"][3].as_array().unwrap().len(),
        10
    );
}

#[test]
fn cifar10_cleanlab_predicted_classes_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let names = write(&dir.path().join("classes.txt"), CIFAR10);
    let args = [
        "classification",
        "--preds",
        &cleanlab(ARGMAX),
        "--labels",
        &cleanlab(LABELS),
        "--class-names",
        &names,
    ];
    let report = eval_json(&args);
    assert_eq!(report["accuracy"].as_f64(), Some(0.9294));
    assert!(report["ece"].is_null() && report["brier"].is_null());
    assert_eq!(report["top_k"], serde_json::json!([]));
    assert_eq!(report["class_names"][3], "cat");
    let text = eval_ok(&args);
    assert!(text.contains("accuracy        0.9294"), "{text}");
    assert!(text.contains("Most frequent confusions"), "{text}");
    assert!(text.contains("3 cat") && text.contains("5 dog"), "{text}");
    assert!(
        text.contains("macro") && text.contains("weighted"),
        "{text}"
    );
}

#[test]
fn cifar10_text_report_has_every_section() {
    let text = eval_ok(&[
        "classification",
        "--probs",
        &cleanlab(PROBS),
        "--labels",
        &cleanlab(LABELS),
        "--top-k",
        "1,2,3",
    ]);
    for expected in [
        "10000 samples, 10 classes",
        "accuracy        0.9294",
        "top-3  accuracy",
        "ECE (15 bins)",
        "Brier score",
        "support",
        "Most frequent confusions",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// Three classes named in the CSV header; sample 3 is a tie between `cat`
/// and `bird` behind `dog`.
const PROBS_CSV: &str = "cat,dog,bird\n0.7,0.2,0.1\n0.1,0.8,0.1\n0.3,0.4,0.3\n0.2,0.2,0.6\n";

#[test]
fn csv_probabilities_with_named_labels() {
    let dir = tempfile::tempdir().unwrap();
    let probs = write(&dir.path().join("probs.csv"), PROBS_CSV);
    let labels = "file,label\na.jpg,cat\nb.jpg,dog\nc.jpg,bird\nd.jpg,bird\n";
    let labels = write(&dir.path().join("labels.csv"), labels);
    let args = ["classification", "--probs", &probs, "--labels", &labels];
    let mut with_k = args.to_vec();
    with_k.extend(["--top-k", "2"]);
    let report = eval_json(&with_k);
    assert_eq!(report["accuracy"].as_f64(), Some(0.75));
    assert_eq!(
        report["class_names"],
        serde_json::json!(["cat", "dog", "bird"])
    );
    // dog: one false positive (sample 3); bird: one false negative.
    close(&report["per_class"][1]["precision"], 0.5);
    close(&report["per_class"][2]["recall"], 0.5);
    close(
        &report["macro_avg"]["f1"],
        (1.0 + 2.0 / 3.0 + 2.0 / 3.0) / 3.0,
    );
    // scikit-learn ranks the tied bird (index 2) before cat: a top-2 hit.
    assert_eq!(report["top_k"][0]["accuracy"].as_f64(), Some(1.0));
    with_k.extend(["--top-k-ties", "lower-index"]);
    assert_eq!(
        eval_json(&with_k)["top_k"][0]["accuracy"].as_f64(),
        Some(0.75)
    );
}

#[test]
fn text_labels_one_integer_a_line_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let probs = write(&dir.path().join("probs.csv"), PROBS_CSV);
    let labels = write(&dir.path().join("labels.txt"), "0\n1\n2\n2\n");
    let report = eval_json(&["classification", "--probs", &probs, "--labels", &labels]);
    assert_eq!(report["accuracy"].as_f64(), Some(0.75));
    // dog (class 1) is never a true class: its recall is 0/0.
    let labels = write(&dir.path().join("zeros.txt"), "0\n0\n0\n0\n");
    let args = ["classification", "--probs", &probs, "--labels", &labels];
    let mut nan = args.to_vec();
    nan.extend(["--zero-division", "nan", "--average-labels", "all"]);
    let report = eval_json(&nan);
    assert!(report["per_class"][1]["recall"].is_null(), "{report}");
    assert_eq!(report["per_class"].as_array().unwrap().len(), 3);
}

#[test]
fn logits_need_softmax_for_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let logits = write(&dir.path().join("logits.csv"), "0,1\n2.0,-1.0\n-0.5,3.0\n");
    let labels = write(&dir.path().join("labels.txt"), "0\n0\n");
    let args = ["classification", "--probs", &logits, "--labels", &labels];
    let report = eval_json(&args);
    assert_eq!(report["accuracy"].as_f64(), Some(0.5));
    assert!(report["ece"].is_null(), "{report}");
    assert!(report.get("class_names").is_none(), "0,1 are not names");
    let mut softmax = args.to_vec();
    softmax.push("--softmax");
    let report = eval_json(&softmax);
    assert!(report["ece"].as_f64().is_some() && report["brier"].as_f64().is_some());
}

#[test]
fn length_mismatch_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("short_labels.npy");
    write_npy_f64(&labels, &[9_999], &vec![0.0; 9_999]).unwrap();
    let err = eval_err(&[
        "classification",
        "--probs",
        &cleanlab(PROBS),
        "--labels",
        labels.to_str().unwrap(),
    ]);
    assert!(err.contains("short_labels.npy: 9999 labels"), "{err}");
    assert!(err.contains("10000 rows"), "{err}");
}

#[test]
fn wrong_shapes_and_classes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let flat = dir.path().join("flat.npy");
    write_npy_f64(&flat, &[4], &[0.5; 4]).unwrap();
    let labels = write(&dir.path().join("labels.txt"), "0\n1\n2\n7\n");
    let err = eval_err(&[
        "classification",
        "--probs",
        flat.to_str().unwrap(),
        "--labels",
        &labels,
    ]);
    assert!(
        err.contains("flat.npy") && err.contains("expected a 2-D array"),
        "{err}"
    );

    let probs = write(&dir.path().join("probs.csv"), PROBS_CSV);
    let err = eval_err(&["classification", "--probs", &probs, "--labels", &labels]);
    assert!(
        err.contains("labels.txt: line 4: class 7 is out of range"),
        "{err}"
    );
    assert!(err.contains("probs.csv has 3 columns"), "{err}");

    let negative = dir.path().join("negative.npy");
    write_npy_f64(&negative, &[4], &[0.0, 1.0, -1.0, 0.0]).unwrap();
    let args = [
        "classification",
        "--probs",
        &probs,
        "--labels",
        negative.to_str().unwrap(),
    ];
    let err = eval_err(&args);
    assert!(
        err.contains("negative.npy: element 2: -1 is negative"),
        "{err}"
    );

    let names = write(&dir.path().join("names.txt"), "a\nb\n");
    let args = [
        "classification",
        "--probs",
        &probs,
        "--labels",
        &labels,
        "--class-names",
        &names,
    ];
    let err = eval_err(&args);
    assert!(
        err.contains("names.txt: 2 class names, but") && err.contains("3 columns"),
        "{err}"
    );

    let no_label = write(&dir.path().join("targets.csv"), "file,target\na,0\n");
    let err = eval_err(&["classification", "--probs", &probs, "--labels", &no_label]);
    assert!(
        err.contains("targets.csv: line 1 has several columns"),
        "{err}"
    );
    assert!(err.contains("`label`"), "{err}");

    let bad = write(&dir.path().join("bad.csv"), "cat,dog,bird\n0.1,x,0.2\n");
    let err = eval_err(&["classification", "--probs", &bad, "--labels", &labels]);
    assert!(
        err.contains("bad.csv: line 2, column `dog`: `x` is not a number"),
        "{err}"
    );
}

#[test]
fn help_ends_with_examples() {
    for command in ["classification", "semseg"] {
        let text = eval_ok(&[command, "--help"]);
        let examples = text.rfind("Examples:").expect("an example");
        assert!(
            text[examples..].contains(&format!("assay eval {command}")),
            "{text}"
        );
    }
}

// ---------------------------------------------------------------------------
// semseg

fn grey8(path: &Path, width: u32, height: u32, pixels: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let buffer = image::GrayImage::from_raw(width, height, pixels.to_vec()).unwrap();
    buffer.save(path).unwrap();
}

fn grey16(path: &Path, width: u32, height: u32, pixels: &[u16]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let buffer =
        image::ImageBuffer::<image::Luma<u16>, _>::from_raw(width, height, pixels.to_vec());
    buffer.unwrap().save(path).unwrap();
}

/// Two images, two classes, one ignored pixel:
///
/// ```text
/// a.png  gt [0 1 / 1 255]  pred [0 1 / 0 1]
/// sub/b  gt [1 1]          pred [1 0]
/// ```
///
/// class 0: intersection 1, predicted 3, labelled 1: IoU 1/3, Dice 1/2;
/// class 1: intersection 2, predicted 2, labelled 4: IoU 1/2, Dice 2/3;
/// aAcc 3/5.
fn semseg_folders(root: &Path) -> (PathBuf, PathBuf) {
    let (gt, pred) = (root.join("gt"), root.join("pred"));
    grey8(&gt.join("a.png"), 2, 2, &[0, 1, 1, 255]);
    grey8(&pred.join("a.png"), 2, 2, &[0, 1, 0, 1]);
    grey8(&gt.join("sub/b.png"), 2, 1, &[1, 1]);
    grey8(&pred.join("sub/b.png"), 2, 1, &[1, 0]);
    (pred, gt)
}

fn semseg_args<'a>(pred: &'a Path, gt: &'a Path) -> Vec<&'a str> {
    let (pred, gt) = (pred.to_str().unwrap(), gt.to_str().unwrap());
    vec!["semseg", "--pred", pred, "--gt", gt, "--num-classes", "2"]
}

fn check_hand_computed(report: &Value) {
    close(&report["classes"][0]["IoU"], 1.0 / 3.0);
    close(&report["classes"][1]["IoU"], 0.5);
    close(&report["classes"][0]["Dice"], 0.5);
    close(&report["classes"][1]["Dice"], 2.0 / 3.0);
    close(&report["classes"][0]["Precision"], 1.0 / 3.0);
    close(&report["classes"][1]["Recall"], 0.5);
    close(&report["mIoU"], (1.0 / 3.0 + 0.5) / 2.0);
    close(&report["mDice"], (0.5 + 2.0 / 3.0) / 2.0);
    close(&report["mAcc"], 0.75);
    close(&report["aAcc"], 0.6);
    assert_eq!(report["evaluated_pixels"], 5);
}

#[test]
fn semseg_hand_computed_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, gt) = semseg_folders(dir.path());
    let report = eval_json(&semseg_args(&pred, &gt));
    check_hand_computed(&report);
    assert_eq!(
        (report["images"].as_u64(), report["ignored_pixels"].as_u64()),
        (Some(2), Some(1))
    );
    let text = eval_ok(&semseg_args(&pred, &gt));
    assert!(text.contains("mIoU   0.4167"), "{text}");
    assert!(
        text.contains("aAcc   0.6000") && text.contains("Precision"),
        "{text}"
    );
}

#[test]
fn semseg_missing_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, gt) = semseg_folders(dir.path());
    grey8(&gt.join("c.png"), 3, 1, &[0, 1, 1]);
    let err = eval_err(&semseg_args(&pred, &gt));
    assert!(
        err.contains("1 of 3 ground-truth masks have no prediction"),
        "{err}"
    );
    assert!(
        err.contains("c.png") && err.contains("--allow-missing"),
        "{err}"
    );

    let mut args = semseg_args(&pred, &gt);
    args.extend(["--allow-missing", "--json"]);
    let out = eval(&args);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("c.png"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    check_hand_computed(&report);
    assert_eq!(
        (report["images"].as_u64(), report["ignored_pixels"].as_u64()),
        (Some(3), Some(4))
    );
}

#[test]
fn semseg_size_mismatch_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, gt) = semseg_folders(dir.path());
    grey8(&pred.join("sub/b.png"), 1, 2, &[1, 0]);
    let err = eval_err(&semseg_args(&pred, &gt));
    let (p, g) = (pred.join("sub/b.png"), gt.join("sub/b.png"));
    let expected = format!(
        "{} is 1x2 but its ground truth {} is 2x1",
        p.display(),
        g.display()
    );
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn semseg_16_bit_reduce_zero_label_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let (gt, pred) = (dir.path().join("gt"), dir.path().join("pred"));
    grey16(&gt.join("x.png"), 4, 1, &[0, 1, 2, 2]);
    grey8(&pred.join("x.png"), 4, 1, &[0, 0, 1, 0]);
    let names = write(&dir.path().join("names.txt"), "road\nsky\n");
    let mut args = semseg_args(&pred, &gt);
    args.extend(["--reduce-zero-label", "--class-names", &names]);
    let report = eval_json(&args);
    assert_eq!(report["ignored_pixels"], 1);
    close(&report["classes"][0]["IoU"], 0.5);
    close(&report["classes"][1]["IoU"], 0.5);
    assert_eq!(report["classes"][1]["name"], "sky");
    assert!(eval_ok(&args).contains("1 sky"));
}

#[test]
fn semseg_broken_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, gt) = semseg_folders(dir.path());
    let mut args = semseg_args(&pred, &gt);
    args[6] = "0";
    assert!(eval_err(&args).contains("at least one class"));
    let names = write(&dir.path().join("names.txt"), "one\n");
    let mut args = semseg_args(&pred, &gt);
    args.extend(["--class-names", &names]);
    assert!(eval_err(&args).contains("names.txt: 1 class names"));
    let rgb = image::RgbImage::new(2, 1);
    rgb.save(pred.join("sub/b.png")).unwrap();
    let err = eval_err(&semseg_args(&pred, &gt));
    assert!(err.contains("b.png") && err.contains("greyscale"), "{err}");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = eval_err(&semseg_args(&pred, &empty));
    assert!(err.contains("no PNG masks found"), "{err}");
}

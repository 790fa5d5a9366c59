//! End-to-end tests of `assay quality` and `assay issues` on a project.

use std::path::Path;

use serde_json::{json, Value};

mod common;
use common::images::{jpeg, png, texture};
use common::{assay, assay_fails};

#[test]
fn annotation_issues_are_found_stored_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    assay(p, &["init", p.to_str().unwrap()]);
    let gt = json!({
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 100, "height": 100},
            {"id": 2, "file_name": "b.jpg", "width": 100, "height": 100}
        ],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 40, 40], "area": 1600, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [10, 10, 40, 39], "area": 1560, "iscrowd": 0},
            {"id": 3, "image_id": 2, "category_id": 1, "bbox": [5, 5, 2, 20], "area": 40, "iscrowd": 0},
            {"id": 4, "image_id": 2, "category_id": 1, "bbox": [80, 80, 40, 40], "area": 1600, "iscrowd": 0}
        ]
    });
    let file = p.join("gt.json");
    std::fs::write(&file, gt.to_string()).unwrap();
    assay(
        p,
        &["import", "coco", "--annotations", file.to_str().unwrap()],
    );
    let computed: Value = serde_json::from_str(&assay(p, &["quality", "--json"])).unwrap();
    assert_eq!(computed["annotations"], 4);
    assert_eq!(computed["issues"]["duplicate_label"], 2);
    assert_eq!(computed["issues"]["tiny_box"], 1);
    assert_eq!(computed["issues"]["box_out_of_image"], 1);
    let listed: Value = serde_json::from_str(&assay(
        p,
        &["issues", "--type", "box_out_of_image", "--json"],
    ))
    .unwrap();
    let examples = &listed["examples"][0][1];
    assert_eq!(examples[0]["file_name"], "b.jpg");
    assert_eq!(examples[0]["annotation_id"], 4);
    assert!((examples[0]["score"].as_f64().unwrap() - 0.25).abs() < 1e-12);
    // Computing again replaces, never adds.
    let again: Value = serde_json::from_str(&assay(p, &["quality", "--json"])).unwrap();
    assert_eq!(again["issues"], computed["issues"]);
    let text = assay(p, &["issues"]);
    assert!(
        text.contains("duplicate_label") && text.contains("a.jpg"),
        "{text}"
    );
}

#[test]
fn label_issues_on_cifar10_match_cleanlabs_count() {
    let c = common::data().join("cifar10_test_cleanlab/cleanlab");
    let probs = c.join("cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy");
    let labels = c.join("original_test_labels_cifar10_test_set_original_labels.npy");
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "label-issues",
        "--pred-probs",
        probs.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--json",
    ];
    let out: Value = serde_json::from_str(&assay(dir.path(), &args)).unwrap();
    assert_eq!(out["examples"], 10000);
    assert_eq!(out["tie_order"], "avx2");
    let issues = out["issues"].as_array().unwrap();
    // cleanlab 2.9.0 flags 284 with its default filter (see the parity test).
    assert_eq!(issues.len(), 284);
    let scores: Vec<f64> = issues
        .iter()
        .map(|i| i["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "worst first");
    // A tie decides between examples 4302 and 4546: NumPy's AVX2 sort flags
    // 4546, its portable sort 4302 (cleanlab_parity.rs checks both).
    let portable_args = [&args[..], &["--tie-order", "portable"]].concat();
    let portable: Value = serde_json::from_str(&assay(dir.path(), &portable_args)).unwrap();
    assert_eq!(portable["tie_order"], "portable");
    let flagged = |out: &Value, i: u64| {
        let issues = out["issues"].as_array().unwrap();
        issues.iter().any(|issue| issue["index"] == i)
    };
    assert!(flagged(&out, 4546) && !flagged(&out, 4302));
    assert!(flagged(&portable, 4302) && !flagged(&portable, 4546));
    let unknown = [&args[..], &["--tie-order", "avx512"]].concat();
    let err = assay_fails(dir.path(), &unknown);
    assert!(
        err.contains("avx512") && err.contains("avx2, portable"),
        "{err}"
    );
}

/// A project whose images have known problems: `dark.png` (train), an
/// exact copy of `good_1.jpg` in val (`leak.jpg`), a corrupt file and a
/// sample whose file does not exist. Returns the project folder.
fn image_project(root: &Path) -> std::path::PathBuf {
    let (p, images) = (root.join("project"), root.join("images"));
    std::fs::create_dir_all(&images).unwrap();
    let (w, h) = (160u32, 120u32);
    for i in 0..10 {
        let name = images.join(format!("good_{i}.jpg"));
        jpeg(&name, w, h, &texture(w, h, i + 1), 90);
    }
    let dark = vec![8u8; (w * h * 3) as usize];
    png(
        &images.join("dark.png"),
        w,
        h,
        image::ExtendedColorType::Rgb8,
        &dark,
    );
    std::fs::copy(images.join("good_1.jpg"), images.join("leak.jpg")).unwrap();
    std::fs::write(
        images.join("corrupt.jpg"),
        b"\xff\xd8\xff not a jpeg at all",
    )
    .unwrap();
    let image =
        |id: usize, name: &str| json!({"id": id, "file_name": name, "width": w, "height": h});
    let mut train: Vec<Value> = (0..10)
        .map(|i| image(i + 1, &format!("good_{i}.jpg")))
        .collect();
    train.extend([
        image(11, "dark.png"),
        image(12, "corrupt.jpg"),
        image(13, "missing.jpg"),
    ]);
    let val = vec![image(14, "leak.jpg")];
    assay(root, &["init", p.to_str().unwrap()]);
    for (split, list) in [("train", train), ("val", val)] {
        let gt = json!({
            "images": list,
            "categories": [{"id": 1, "name": "thing"}],
            "annotations": []
        });
        let file = root.join(format!("{split}.json"));
        std::fs::write(&file, gt.to_string()).unwrap();
        let args = [
            "import",
            "coco",
            "--annotations",
            file.to_str().unwrap(),
            "--images",
            images.to_str().unwrap(),
            "--dataset",
            "d",
            "--split",
            split,
        ];
        assay(&p, &args);
    }
    p
}

fn listed(p: &Path, args: &[&str]) -> Value {
    let mut all = vec!["issues", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&assay(p, &all)).unwrap()
}

/// The examples `assay issues --json` lists for its first type.
fn examples(v: &Value) -> &Vec<Value> {
    v["examples"][0][1].as_array().unwrap()
}

fn stored(p: &Path, sql: &str, file: &str) -> Vec<rusqlite::types::Value> {
    let db = rusqlite::Connection::open(p.join(".assay/project.db")).unwrap();
    let mut stmt = db.prepare(sql).unwrap();
    let rows = stmt.query_map([file], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn image_issues_of_a_project_are_found_stored_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let p = image_project(dir.path());
    let out = assay(&p, &["quality"]);
    assert!(
        out.contains("1 samples have no image file") && out.contains("missing.jpg"),
        "{out}"
    );
    let computed: Value = serde_json::from_str(&assay(&p, &["quality", "--json"])).unwrap();
    let unreadable = listed(&p, &["--type", "unreadable"]);
    assert_eq!(
        computed["images"],
        json!({"measured": 13, "unreadable": 1, "missing": 1}),
        "{unreadable}"
    );
    let issues = &computed["issues"];
    assert_eq!(issues["unreadable"], 1, "{issues}");
    assert_eq!(issues["dark"], 1, "{issues}");
    assert_eq!(issues["exact_duplicates"], 2, "{issues}");
    assert_eq!(issues["split_leak"], 1, "{issues}");

    let leak = listed(&p, &["--type", "split_leak"]);
    let leak = &examples(&leak)[0];
    assert_eq!(leak["file_name"], "leak.jpg");
    assert_eq!(leak["split"], "val");
    assert_eq!(leak["score"], 0.0);
    assert_eq!(leak["explanation"], "same pixels as train image good_1.jpg");
    assert!(leak["path"].as_str().unwrap().ends_with("leak.jpg"));
    assert!(leak["group"].is_string());
    let dup = listed(&p, &["--type", "exact_duplicates"]);
    let groups: Vec<&Value> = examples(&dup).iter().map(|e| &e["group"]).collect();
    assert_eq!(groups[0], groups[1], "one group of two");
    let corrupt = listed(&p, &["--type", "unreadable"]);
    assert_eq!(examples(&corrupt)[0]["file_name"], "corrupt.jpg");
    let dark = listed(&p, &["--type", "dark"]);
    assert_eq!(examples(&dark)[0]["file_name"], "dark.png");

    let val = listed(&p, &["--split", "val"]);
    let counts = val["counts"].as_array().unwrap();
    assert!(counts.contains(&json!(["split_leak", 1])), "{val}");
    assert!(counts.contains(&json!(["exact_duplicates", 1])), "{val}");
    assert!(
        !counts
            .iter()
            .any(|c| c[0] == "unreadable" || c[0] == "dark"),
        "{val}"
    );
    let text = assay(&p, &["issues", "--type", "split_leak"]);
    assert!(
        text.contains("leak.jpg") && text.contains("good_1.jpg"),
        "{text}"
    );

    let brightness = stored(
        &p,
        "SELECT m.value FROM sample_metrics m JOIN samples s ON s.id = m.sample_id
         WHERE s.file_name = ?1 AND m.name = 'brightness'",
        "dark.png",
    );
    assert!(matches!(brightness[..], [rusqlite::types::Value::Real(b)] if b < 0.05));
    let hash = |file| {
        stored(
            &p,
            "SELECT v.value FROM sample_properties v JOIN samples s ON s.id = v.sample_id
             WHERE s.file_name = ?1 AND v.name = 'pixel_hash'",
            file,
        )
    };
    assert_eq!(hash("leak.jpg"), hash("good_1.jpg"));
    assert_eq!(hash("leak.jpg").len(), 1);
    assert!(hash("corrupt.jpg").is_empty() && hash("missing.jpg").is_empty());
}

/// Every stored quality result of the project, as text (floats in their
/// shortest round-trip form, so equal text is equal bits).
fn quality_dump(p: &Path) -> Vec<String> {
    let queries = [
        "SELECT sample_id, name, value FROM sample_metrics ORDER BY 1, 2",
        "SELECT sample_id, name, value FROM sample_properties ORDER BY 1, 2",
        "SELECT sample_id, annotation_source_id, name, value FROM annotation_metrics ORDER BY 1, 2, 3",
        "SELECT sample_id, annotation_source_id, kind, score, explanation, group_key FROM issues
         ORDER BY kind, sample_id, annotation_source_id, explanation",
    ];
    common::stored_rows(p, &queries)
}

#[test]
fn sharded_quality_stores_exactly_the_unsharded_results() {
    let dir = tempfile::tempdir().unwrap();
    let p = image_project(dir.path());
    let whole: Value = serde_json::from_str(&assay(&p, &["quality", "--json"])).unwrap();
    let expected = quality_dump(&p);
    assert!(expected.iter().any(|r| r.contains("exact_duplicates")));
    assert!(expected.iter().any(|r| r.contains("split_leak")));
    for n in [1, 2, 7] {
        // Clear the results, so the merge must store them all again.
        let db = rusqlite::Connection::open(p.join(".assay/project.db")).unwrap();
        db.execute_batch(
            "DELETE FROM issues; DELETE FROM sample_metrics; DELETE FROM sample_properties;",
        )
        .unwrap();
        drop(db);
        assert_ne!(quality_dump(&p), expected);
        let mut parts = Vec::new();
        for k in 1..=n {
            let part = dir.path().join(format!("quality-{k}-of-{n}.json"));
            let shard = format!("{k}/{n}");
            let out = assay(
                &p,
                &[
                    "quality",
                    "--shard",
                    &shard,
                    "--partial-out",
                    part.to_str().unwrap(),
                ],
            );
            assert!(out.contains(&format!("shard {k}/{n}")), "{out}");
            parts.push(part.to_str().unwrap().to_string());
        }
        parts.reverse();
        let mut args = vec!["quality", "--json", "--merge"];
        args.extend(parts.iter().map(String::as_str));
        let merged: Value = serde_json::from_str(&assay(&p, &args)).unwrap();
        assert_eq!(merged, whole, "{n} shards");
        assert_eq!(quality_dump(&p), expected, "{n} shards");
    }
    // A shard missing, or given twice, is refused and changes nothing.
    let one = dir.path().join("quality-1-of-2.json");
    let one = one.to_str().unwrap();
    let err = assay_fails(&p, &["quality", "--merge", one]);
    assert!(
        err.contains("shard 2/2 is missing") || err.contains("1 of 2 shards"),
        "{err}"
    );
    let err = assay_fails(&p, &["quality", "--merge", one, one]);
    assert!(err.contains("given twice"), "{err}");
    // Parts of the dataset as it was with another number of samples.
    let whole_part = dir.path().join("quality-1-of-1.json");
    let text = std::fs::read_to_string(&whole_part).unwrap();
    let part: Value = serde_json::from_str(&text).unwrap();
    let files = part["scan"]["files"].as_u64().unwrap();
    let other = dir.path().join("other.json");
    let changed = text.replace(
        &format!("\"files\":{files}"),
        &format!("\"files\":{}", files + 1),
    );
    std::fs::write(&other, changed).unwrap();
    let err = assay_fails(&p, &["quality", "--merge", other.to_str().unwrap()]);
    assert!(err.contains("measure the shards again"), "{err}");
    // `assay merge` names the command that merges project parts.
    let err = assay_fails(&p, &["merge", whole_part.to_str().unwrap()]);
    assert!(err.contains("assay quality --merge"), "{err}");
    assert_eq!(quality_dump(&p), expected);
}

#[test]
fn a_failed_quality_run_leaves_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let p = image_project(dir.path());
    assay(&p, &["quality"]);
    let before = assay(&p, &["issues", "--json", "--limit", "100"]);
    let err = assay_fails(
        &p,
        &["quality", "--outlier-metrics", "brightness,sharpness"],
    );
    assert!(err.contains("sharpness"), "{err}");
    let err = assay_fails(&p, &["quality", "--outlier-k=-1"]);
    assert!(err.contains("--outlier-k"), "{err}");
    std::fs::remove_file(dir.path().join("images/dark.png")).unwrap();
    let err = assay_fails(&p, &["quality", "--model", "no-such-model"]);
    assert!(err.contains("no-such-model"), "{err}");
    assert_eq!(assay(&p, &["issues", "--json", "--limit", "100"]), before);
    // A good run with custom outlier settings replaces the results; the
    // deleted file now counts as missing.
    let again: Value = serde_json::from_str(&assay(
        &p,
        &[
            "quality",
            "--outlier-metrics",
            "brightness,noise",
            "--outlier-k",
            "1.5",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(again["images"]["missing"], 2);
    assert!(again["issues"].get("dark").is_none());
}

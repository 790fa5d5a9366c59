//! End-to-end tests of `assay embed`, `assay search` and `assay embeddings`
//! on a small project of generated images with boxes.

use std::path::Path;

use serde_json::{json, Value};

mod common;
use common::images::{jpeg, texture};
use common::{assay, assay_fails};

/// A project of 12 textures (image 12 a brighter copy of image 1), two
/// boxes each, and one unreadable file.
fn project(p: &Path) {
    assay(p, &["init", p.to_str().unwrap()]);
    let images = p.join("images");
    std::fs::create_dir_all(&images).unwrap();
    let mut entries = Vec::new();
    let mut boxes = Vec::new();
    for id in 1..=12u64 {
        let mut pixels = texture(80, 60, if id == 12 { 1 } else { id });
        if id == 12 {
            pixels.iter_mut().for_each(|v| *v = v.saturating_add(10));
        }
        jpeg(&images.join(format!("{id}.jpg")), 80, 60, &pixels, 90);
        entries
            .push(json!({"id": id, "file_name": format!("{id}.jpg"), "width": 80, "height": 60}));
        for (k, x) in [(0, 5.5), (1, 40.0)] {
            boxes.push(json!({"id": id * 10 + k, "image_id": id, "category_id": 1 + k, "bbox": [x, 10, 30, 30], "area": 900, "iscrowd": 0}));
        }
    }
    std::fs::write(images.join("13.jpg"), b"not a jpeg").unwrap();
    entries.push(json!({"id": 13, "file_name": "13.jpg", "width": 80, "height": 60}));
    let gt = json!({"images": entries, "annotations": boxes,
                    "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]});
    let file = p.join("gt.json");
    std::fs::write(&file, gt.to_string()).unwrap();
    let images = images.to_str().unwrap().to_string();
    assay(
        p,
        &[
            "import",
            "coco",
            "--annotations",
            file.to_str().unwrap(),
            "--images",
            &images,
        ],
    );
}

fn embed(p: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["embed", "--json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&assay(p, &args)).unwrap()
}

#[test]
fn embed_is_stored_resumable_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    project(p);
    let first = embed(p, &["--batch", "5"]);
    assert_eq!(
        (first["computed"].as_u64(), first["unreadable"].as_u64()),
        (Some(12), Some(1))
    );
    assert_eq!(first["comparable"], false);
    let again = embed(p, &[]);
    assert_eq!(
        (again["computed"].as_u64(), again["already_stored"].as_u64()),
        (Some(0), Some(12))
    );
    assert_eq!(first["neighbours"]["near_duplicate_groups"], 1, "{first}");
    let objects = embed(p, &["--objects"]);
    assert_eq!(objects["computed"].as_u64(), Some(24));
    // The brighter copy is a near-duplicate by embedding, and stays one
    // after `assay quality` replaces its own results.
    assay(p, &["quality"]);
    let issues: Value = serde_json::from_str(&assay(
        p,
        &["issues", "--type", "embedding_near_duplicates", "--json"],
    ))
    .unwrap();
    let flagged: Vec<&str> = issues["examples"][0][1]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file_name"].as_str().unwrap())
        .collect();
    assert!(
        flagged.contains(&"1.jpg") && flagged.contains(&"12.jpg"),
        "{issues}"
    );

    let found: Value = serde_json::from_str(&assay(
        p,
        &["search", "--sample", "1.jpg", "-k", "3", "--json"],
    ))
    .unwrap();
    assert_eq!(found[0]["file_name"], "12.jpg", "{found}");
    assert_eq!(found.as_array().unwrap().len(), 3);
    let image = p.join("images").join("12.jpg");
    let found: Value = serde_json::from_str(&assay(
        p,
        &[
            "search",
            "--image",
            image.to_str().unwrap(),
            "-k",
            "2",
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
    assert_eq!(names, ["12.jpg", "1.jpg"]);
    let euclid: Value = serde_json::from_str(&assay(
        p,
        &[
            "search",
            "--sample",
            "1",
            "--metric",
            "euclidean",
            "-k",
            "1",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(euclid[0]["file_name"], "12.jpg");
}

#[test]
fn npy_export_and_import_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    project(p);
    embed(p, &[]);
    let npy = p.join("feats.npy");
    assay(p, &["embeddings", "export", "--out", npy.to_str().unwrap()]);
    let csv = std::fs::read_to_string(p.join("feats.csv")).unwrap();
    let rows: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(rows.len(), 12);
    let list = p.join("rows.txt");
    std::fs::write(&list, rows.join("\n")).unwrap();
    assay(
        p,
        &[
            "embeddings",
            "import",
            "--npy",
            npy.to_str().unwrap(),
            "--rows",
            list.to_str().unwrap(),
            "--name",
            "copy",
        ],
    );
    let sets: Value = serde_json::from_str(&assay(p, &["embeddings", "list", "--json"])).unwrap();
    assert_eq!(sets.as_array().unwrap().len(), 2);
    let ours: Value =
        serde_json::from_str(&assay(p, &["search", "--sample", "3.jpg", "--json"])).unwrap();
    let theirs: Value = serde_json::from_str(&assay(
        p,
        &[
            "search",
            "--sample",
            "3.jpg",
            "--embeddings",
            "copy",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(ours, theirs);
    // Imported vectors have no model to embed a new query with.
    let err = assay_fails(
        p,
        &[
            "search",
            "--image",
            p.join("images/1.jpg").to_str().unwrap(),
            "--embeddings",
            "copy",
        ],
    );
    assert!(err.contains("--sample"), "{err}");
    // Rows that name nothing, and a row count that does not match, change nothing.
    std::fs::write(&list, "nope.jpg\n").unwrap();
    let err = assay_fails(
        p,
        &[
            "embeddings",
            "import",
            "--npy",
            npy.to_str().unwrap(),
            "--rows",
            list.to_str().unwrap(),
            "--name",
            "bad",
        ],
    );
    assert!(err.contains("names 1 rows but"), "{err}");
    let sets: Value = serde_json::from_str(&assay(p, &["embeddings", "list", "--json"])).unwrap();
    assert_eq!(sets.as_array().unwrap().len(), 2);
}

#[test]
fn missing_weights_say_where_assay_looked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    project(p);
    let empty = p.join("no-model");
    std::fs::create_dir_all(&empty).unwrap();
    let err = assay_fails(p, &["embed", "--model", empty.to_str().unwrap()]);
    assert!(
        err.contains("looked for")
            && err.contains("model.safetensors")
            && err.contains("never downloads"),
        "{err}"
    );
    let not_weights = p.join("weights.bin");
    std::fs::write(&not_weights, b"junk").unwrap();
    let err = assay_fails(p, &["embed", "--model", not_weights.to_str().unwrap()]);
    assert!(err.contains(".safetensors"), "{err}");
    let fake = p.join("fake.safetensors");
    std::fs::write(&fake, b"\x05\0\0\0\0\0\0\0{}").unwrap();
    let err = assay_fails(p, &["embed", "--model", fake.to_str().unwrap()]);
    assert!(err.contains("fake.safetensors"), "{err}");
    let err = assay_fails(p, &["search", "--text", "a cat"]);
    assert!(err.contains("assay embed"), "{err}");
    embed(p, &[]);
    let err = assay_fails(p, &["search", "--text", "a cat"]);
    assert!(err.contains("CLIP") && !err.contains("panicked"), "{err}");
}

/// Every stored embedding result, as text (floats in their shortest
/// round-trip form): vectors, the map, and what the neighbours found.
fn embedding_dump(p: &Path) -> Vec<String> {
    let queries = [
        "SELECT s.extractor, s.level, s.weights_hash, s.dim, e.sample_id, e.annotation_source_id, e.vector
         FROM embeddings e JOIN embedding_sets s ON s.id = e.set_id ORDER BY 1, 2, 5, 6",
        "SELECT m.method, m.sample_id, m.annotation_source_id, m.x, m.y, m.cluster
         FROM embedding_maps m ORDER BY 1, 2, 3",
        "SELECT sample_id, annotation_source_id, kind, score, explanation, group_key FROM issues
         WHERE kind LIKE 'embedding%' ORDER BY kind, sample_id, annotation_source_id, explanation",
        "SELECT sample_id, name, value FROM sample_metrics WHERE name LIKE 'embedding%' ORDER BY 1, 2",
    ];
    common::stored_rows(p, &queries)
}

fn clear_embeddings(p: &Path) {
    let db = rusqlite::Connection::open(p.join(".assay/project.db")).unwrap();
    db.execute_batch(
        "DELETE FROM embedding_maps; DELETE FROM embeddings; DELETE FROM embedding_sets;
         DELETE FROM issues WHERE kind LIKE 'embedding%';
         DELETE FROM sample_metrics WHERE name LIKE 'embedding%';",
    )
    .unwrap();
}

#[test]
fn sharded_embeddings_merge_into_the_unsharded_project() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    project(p);
    for level in [&[][..], &["--objects"][..]] {
        let mut base = vec!["--batch", "3"];
        base.extend_from_slice(level);
        clear_embeddings(p);
        let whole = embed(p, &base);
        let expected = embedding_dump(p);
        assert!(expected.len() > 12, "{expected:?}");
        for n in [1, 2, 7] {
            clear_embeddings(p);
            assert!(embedding_dump(p).is_empty());
            let mut parts = Vec::new();
            for k in 1..=n {
                let part = p.join(format!("embed-{k}-of-{n}.part"));
                let shard = format!("{k}/{n}");
                let mut args = vec![
                    "embed",
                    "--shard",
                    &shard,
                    "--partial-out",
                    part.to_str().unwrap(),
                ];
                args.extend_from_slice(&base);
                let out = assay(p, &args);
                assert!(out.contains(&format!("shard {k}/{n}")), "{out}");
                parts.push(part.to_str().unwrap().to_string());
            }
            parts.reverse();
            let mut args = vec!["embed", "--json"];
            args.extend_from_slice(&base);
            args.push("--merge");
            args.extend(parts.iter().map(String::as_str));
            let merged: Value = serde_json::from_str(&assay(p, &args)).unwrap();
            assert_eq!(embedding_dump(p), expected, "{n} shards, {level:?}");
            for key in [
                "stored",
                "dim",
                "clusters",
                "neighbours",
                "unreadable",
                "computed",
                "already_stored",
                "without_file",
            ] {
                assert_eq!(merged[key], whole[key], "{key}: {n} shards, {level:?}");
            }
            // Merged again: every vector is already there and kept.
            let again: Value = serde_json::from_str(&assay(p, &args)).unwrap();
            assert_eq!(again["computed"], 0);
            assert_eq!(again["already_stored"], merged["stored"]);
            assert_eq!(
                embedding_dump(p),
                expected,
                "{n} shards merged twice, {level:?}"
            );
        }
    }
    // Parts of one run only, each once; a refused merge stores nothing.
    clear_embeddings(p);
    let part = |k: u32, n: u32, batch: &str| {
        let file = p.join(format!("check-{k}-{n}-{batch}.part"));
        let shard = format!("{k}/{n}");
        assay(
            p,
            &[
                "embed",
                "--shard",
                &shard,
                "--batch",
                batch,
                "--partial-out",
                file.to_str().unwrap(),
            ],
        );
        file.to_str().unwrap().to_string()
    };
    let (a, b, other) = (part(1, 2, "3"), part(2, 2, "3"), part(2, 2, "4"));
    let err = assay_fails(p, &["embed", "--merge", &a]);
    assert!(
        err.contains("1 of 2 shards") || err.contains("missing"),
        "{err}"
    );
    let err = assay_fails(p, &["embed", "--merge", &a, &a, &b]);
    assert!(err.contains("given twice"), "{err}");
    let err = assay_fails(p, &["embed", "--merge", &a, &other]);
    assert!(err.contains("does not belong"), "{err}");
    let cut = p.join("cut.part");
    let bytes = std::fs::read(&b).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 3]).unwrap();
    let err = assay_fails(p, &["embed", "--merge", &a, cut.to_str().unwrap()]);
    assert!(
        err.contains("cut.part") && err.contains("bytes of vectors"),
        "{err}"
    );
    // A crafted header: vectors of no floats.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let line = text.find('\n').unwrap();
    let header: Value = serde_json::from_str(&text[..line]).unwrap();
    let dim = header["dim"].as_u64().unwrap();
    let zero = p.join("zero.part");
    let crafted = text[..line].replace(&format!("\"dim\":{dim}"), "\"dim\":0");
    std::fs::write(&zero, format!("{crafted}\n")).unwrap();
    let err = assay_fails(p, &["embed", "--merge", &a, zero.to_str().unwrap()]);
    assert!(err.contains("vectors of 0 floats"), "{err}");
    // `assay merge` names the command that merges project parts.
    let err = assay_fails(p, &["merge", &a, &b]);
    assert!(err.contains("assay embed --merge"), "{err}");
    assert!(embedding_dump(p).is_empty());
}

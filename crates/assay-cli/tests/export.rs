//! Exports of a dataset merged from two imports whose ids repeat: the CLI
//! and the server renumber them the same way (one renumbering, in
//! `assay_app::export`), and every annotation keeps its image and class.

use std::path::Path;

use serde_json::{json, Value};

mod common;
use common::server::Server;
use common::{assay, path};

/// A COCO file with one image `file` holding one `class` box, every id 1.
fn coco_file(dir: &Path, name: &str, file: &str, class: &str, x: f64) -> std::path::PathBuf {
    let doc = json!({
        "images": [{"id": 1, "file_name": file, "width": 100, "height": 80}],
        "categories": [{"id": 1, "name": class}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [x, 5.0, 20.0, 10.0],
                          "area": 200.0, "iscrowd": 0}],
    });
    let p = dir.join(name);
    std::fs::write(&p, doc.to_string()).unwrap();
    p
}

/// File name of the image each annotation of a COCO document sits on,
/// with its class name and box.
fn placed(coco: &Value) -> Vec<(String, String, Value)> {
    let image = |id: &Value| {
        coco["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| &i["id"] == id)
            .unwrap()["file_name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let class = |id: &Value| {
        coco["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| &c["id"] == id)
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut out: Vec<_> = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                image(&a["image_id"]),
                class(&a["category_id"]),
                a["bbox"].clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_merged_dataset_is_renumbered_alike_by_the_cli_and_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    assay(p, &["init", path(p)]);
    for (name, file, class, x) in [
        ("a.json", "a.png", "cat", 1.0),
        ("b.json", "b.png", "dog", 7.0),
    ] {
        let f = coco_file(p, name, file, class, x);
        assay(
            p,
            &[
                "import",
                "coco",
                "--annotations",
                path(&f),
                "--dataset",
                "merged",
            ],
        );
    }
    let out = p.join("out.json");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_assay"))
        .current_dir(p)
        .args(["export", "coco", "--dataset", "merged", "--out", path(&out)])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("renumbered from 1"));
    let cli: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ids = |key: &str| -> Vec<i64> {
        let mut v: Vec<i64> = cli[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_i64().unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("images"), [1, 2]);
    assert_eq!(ids("annotations"), [1, 2]);
    assert_eq!(ids("categories"), [1, 2]);
    let expected = vec![
        (
            "a.png".to_string(),
            "cat".to_string(),
            json!([1.0, 5.0, 20.0, 10.0]),
        ),
        (
            "b.png".to_string(),
            "dog".to_string(),
            json!([7.0, 5.0, 20.0, 10.0]),
        ),
    ];
    assert_eq!(placed(&cli), expected);

    let server = Server::start(p, &[]);
    let page = server.post("/api/query", &json!({"dataset": "merged", "limit": 10}));
    let sample_ids: Vec<Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(sample_ids.len(), 2);
    let served = server.post(
        "/api/export",
        &json!({"format": "coco", "dataset": "merged", "sample_ids": sample_ids}),
    );
    assert_eq!(served, cli, "the server's COCO export is the CLI's");
}

//! A crafted dataset must not reach outside the project: exports write
//! only under `--out` and never into a source file, imports record only
//! image files inside the image folder, and `assay serve` serves only
//! those, answers only loopback host names, and drops clients that send
//! nothing. The explorer reloads what a command changes while it serves,
//! and the server's own writes wait for a command's instead of failing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::images::write_png;
use common::server::{http, Server};
use common::{assay, assay_fails, info_json, init_and_import_coco, path};

/// A COCO file whose images are `names`, each with one box.
fn coco_with(names: &[&str]) -> Value {
    let images: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"id": i + 1, "file_name": n, "width": 40, "height": 30}))
        .collect();
    let annotations: Vec<Value> = (0..names.len())
        .map(|i| json!({"id": i + 1, "image_id": i + 1, "category_id": 1, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 0}))
        .collect();
    json!({"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "thing"}]})
}

/// Every file under `dir` with its length, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out: Vec<(PathBuf, u64)> = walk(dir)
        .into_iter()
        .map(|p| {
            let len = std::fs::symlink_metadata(&p).unwrap().len();
            (p, len)
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn crafted_file_names_are_not_followed_at_import() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let images = root.join("images");
    write_png(&images.join("ok.png"), 1);
    write_png(&root.join("secret.png"), 2);
    // A link inside the image folder to a file outside it.
    std::os::unix::fs::symlink(root.join("secret.png"), images.join("link.png")).unwrap();
    let absolute = root.join("secret.png");
    let coco = coco_with(&["ok.png", "../secret.png", path(&absolute), "link.png"]);
    std::fs::write(root.join("gt.json"), coco.to_string()).unwrap();
    let project = root.join("project");
    assay(&project, &["init"]);
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["--project", path(&project), "import", "coco"])
        .args(["--annotations", path(&root.join("gt.json"))])
        .args(["--images", path(&images)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("3 unsafe_image_path"), "{stderr}");
    assert!(stderr.contains("--allow-absolute-paths"), "{stderr}");
    let info = info_json(&project);
    assert_eq!(info["datasets"][0]["images"], 4, "{info}");
    assert_eq!(info["datasets"][0]["images_with_files"], 1, "{info}");

    // Allowed explicitly, absolute paths and links are followed.
    let project2 = root.join("project2");
    let gt = root.join("gt.json");
    init_and_import_coco(&project2, &gt, &images, &["--allow-absolute-paths"]);
    let info = info_json(&project2);
    assert_eq!(info["datasets"][0]["images_with_files"], 4, "{info}");
}

#[test]
fn yolo_export_writes_only_under_out_and_never_into_a_source() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Images already laid out as a YOLO export would lay them out.
    let data = root.join("data");
    write_png(&data.join("images/train/a.png"), 3);
    write_png(&data.join("images/train/b.png"), 4);
    let coco = coco_with(&["a.png", "b.png"]);
    std::fs::write(root.join("gt.json"), coco.to_string()).unwrap();
    // Annotations only: file names that lead outside any output folder.
    let victim = root.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let crafted = coco_with(&[
        "../../victim.png",
        "/tmp/assay-absolute-escape.png",
        "x/../../../escape.png",
    ]);
    std::fs::write(root.join("crafted.json"), crafted.to_string()).unwrap();
    let project = root.join("project");
    assay(&project, &["init"]);
    let train = data.join("images/train");
    assay(
        &project,
        &[
            "import",
            "coco",
            "--annotations",
            path(&root.join("gt.json")),
            "--images",
            path(&train),
            "--split",
            "train",
            "--dataset",
            "shapes",
        ],
    );
    assay(
        &project,
        &[
            "import",
            "coco",
            "--annotations",
            path(&root.join("crafted.json")),
            "--dataset",
            "crafted",
            "--split",
            "../..",
        ],
    );
    let before_outside = snapshot(root);

    // Exporting onto the source folder itself copies nothing onto itself.
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "--project",
            path(&project),
            "export",
            "yolo",
            "--dataset",
            "shapes",
        ])
        .args(["--out", path(&data), "--copy-images"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["a.png", "b.png"] {
        let bytes = std::fs::read(train.join(name)).unwrap();
        assert!(
            bytes.len() > 100,
            "{name} was truncated to {} bytes",
            bytes.len()
        );
        assert!(
            image::load_from_memory(&bytes).is_ok(),
            "{name} no longer decodes"
        );
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("is the source image itself"));

    // Crafted names and split: nothing is written outside --out.
    let out_dir = root.join("export");
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "--project",
            path(&project),
            "export",
            "yolo",
            "--dataset",
            "crafted",
        ])
        .args(["--out", path(&out_dir), "--copy-images"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("unsafe_file_name"), "{stderr}");
    assert!(!Path::new("/tmp/assay-absolute-escape.txt").exists());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let after: Vec<_> = snapshot(root)
        .into_iter()
        .filter(|(p, _)| {
            !p.starts_with(&out_dir) && !p.starts_with(&project) && !p.starts_with(&data)
        })
        .collect();
    let before: Vec<_> = before_outside
        .into_iter()
        .filter(|(p, _)| !p.starts_with(&project) && !p.starts_with(&data))
        .collect();
    assert_eq!(after, before, "files outside --out changed");

    // A link inside --out that leads outside it is not written through.
    let linked = root.join("linked");
    std::fs::create_dir_all(linked.join("labels")).unwrap();
    let elsewhere = root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, linked.join("labels/train")).unwrap();
    let err = assay_fails(
        &project,
        &[
            "export",
            "yolo",
            "--dataset",
            "shapes",
            "--out",
            path(&linked),
        ],
    );
    assert!(err.contains("leads outside the output folder"), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn the_server_serves_only_recorded_images_to_loopback_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let images = root.join("images");
    write_png(&images.join("ok.png"), 5);
    std::fs::write(root.join("secret.txt"), "not for the browser").unwrap();
    let coco = coco_with(&["ok.png", "../secret.txt", path(&root.join("secret.txt"))]);
    std::fs::write(root.join("gt.json"), coco.to_string()).unwrap();
    let project = root.join("project");
    init_and_import_coco(&project, &root.join("gt.json"), &images, &[]);
    // A store written by an older assay may record any path: plant one.
    let db = rusqlite::Connection::open(project.join(".assay/project.db")).unwrap();
    db.execute(
        "UPDATE samples SET path = ?1 WHERE file_name = '../secret.txt'",
        [path(&root.join("secret.txt"))],
    )
    .unwrap();
    drop(db);
    let server = Server::start(&project, &[]);
    let hp = server.host_port().to_string();
    let ids: Vec<(String, i64)> = {
        let (_, body) = http(
            &hp,
            "POST",
            "/api/query",
            &[],
            Some(r#"{"dataset":"gt","limit":10}"#),
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["file_name"].as_str().unwrap().to_string(),
                    i["id"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(ids.len(), 3, "{ids:?}");
    for (name, id) in &ids {
        for what in ["image", "thumbnail"] {
            let (status, body) = http(&hp, "GET", &format!("/api/samples/{id}/{what}"), &[], None);
            if name == "ok.png" {
                assert!(status.contains(" 200"), "{name} {what}: {status}");
            } else {
                assert!(status.contains(" 404"), "{name} {what}: {status} {body}");
                assert!(!body.contains("not for the browser"));
                let v: Value = serde_json::from_str(&body).expect("a JSON error");
                assert!(v["error"].is_string(), "{body}");
            }
        }
    }

    // Host names that only start like loopback are refused.
    let port = hp.rsplit(':').next().unwrap();
    let ok_id = ids.iter().find(|(n, _)| n == "ok.png").unwrap().1;
    let image_path = format!("/api/samples/{ok_id}/image");
    for host in [
        format!("127.0.0.1.evil.example:{port}"),
        "localhost.evil.example".into(),
        "127.evil".into(),
    ] {
        let (status, body) = http(&hp, "GET", &image_path, &[("Host", &host)], None);
        assert!(status.contains(" 403"), "{host}: {status}");
        assert!(serde_json::from_str::<Value>(&body).is_ok(), "{body}");
    }
    for host in [format!("LOCALHOST:{port}"), format!("127.0.0.2:{port}")] {
        let (status, _) = http(&hp, "GET", &image_path, &[("Host", &host)], None);
        assert!(status.contains(" 200"), "{host}: {status}");
    }
}

#[test]
fn every_error_answer_is_json_and_oversized_bodies_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    assay(&project, &["init"]);
    let server = Server::start(&project, &[]);
    let hp = server.host_port().to_string();
    let cases = [
        ("POST", "/api/query", Some("{not json"), " 400"),
        ("DELETE", "/api/overview", None, " 405"),
        ("POST", "/api/tags", Some(r#"{"tag": 3}"#), " 422"),
        ("GET", "/api/samples/abc", None, " 400"),
        ("GET", "/api/nothing", None, " 404"),
    ];
    for (method, p, body, want) in cases {
        let (status, text) = http(&hp, method, p, &[], body);
        assert!(status.contains(want), "{method} {p}: {status} {text}");
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {p}: not JSON ({e}): {text:?}"));
        assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{text}");
    }
    // Wrong content type.
    let mut s = TcpStream::connect(&hp).unwrap();
    write!(s, "POST /api/query HTTP/1.1\r\nHost: {hp}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{{}}").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    assert!(answer.contains("{\"error\":"), "{answer}");

    // A declared 2 GiB body is refused before any of it is sent.
    let mut s = TcpStream::connect(&hp).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "POST /api/query HTTP/1.1\r\nHost: {hp}\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n").unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).expect("an answer before the body");
    assert_eq!(&head, b"HTTP/1.1 413");
}

#[test]
fn a_client_that_sends_no_headers_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    assay(&project, &["init"]);
    let server = Server::start(&project, &[]);
    let hp = server.host_port().to_string();
    let start = Instant::now();
    let mut slow = TcpStream::connect(&hp).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(40)))
        .unwrap();
    slow.write_all(b"GET /api/overview HTTP/1.1\r\nHost: ")
        .unwrap();
    let mut buf = Vec::new();
    // The server closes the connection (read returns 0 or a reset).
    let _ = slow.read_to_end(&mut buf);
    let waited = start.elapsed();
    assert!(
        waited < Duration::from_secs(15),
        "the half-sent request was held for {waited:?}"
    );
    // The server still answers others.
    let (status, _) = http(&hp, "GET", "/api/overview", &[], None);
    assert!(status.contains(" 200"), "{status}");
}

#[test]
fn the_explorer_reflects_commands_run_while_serving_and_tags_never_fail() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let images = root.join("images");
    let names: Vec<String> = (0..40).map(|i| format!("img_{i:03}.png")).collect();
    for (i, n) in names.iter().enumerate() {
        write_png(&images.join(n), i as u64);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    std::fs::write(root.join("gt.json"), coco_with(&refs).to_string()).unwrap();
    let project = root.join("project");
    assay(&project, &["init"]);
    let gt = root.join("gt.json");
    let import = [
        "import",
        "coco",
        "--annotations",
        path(&gt),
        "--images",
        path(&images),
    ];
    assay(&project, &import);
    let server = Server::start(&project, &[]);
    let hp = server.host_port().to_string();
    let query = |body: &str| -> Value {
        let (status, text) = http(&hp, "POST", "/api/query", &[], Some(body));
        assert!(status.contains(" 200"), "{status} {text}");
        serde_json::from_str(&text).unwrap()
    };
    let facets = || -> Value {
        let (_, text) = http(&hp, "GET", "/api/datasets/gt/facets", &[], None);
        serde_json::from_str(&text).unwrap()
    };
    let before = facets();
    assert!(
        before["metrics"].as_array().is_none_or(|m| m.is_empty()),
        "no metrics before quality: {before}"
    );
    // `assay quality` while serving: the explorer sees its metrics.
    assay(&project, &["quality"]);
    let after = facets();
    let metrics = after["metrics"].as_array().expect("metrics after quality");
    assert!(metrics.iter().any(|m| m["name"] == "brightness"), "{after}");
    let sorted =
        query(r#"{"dataset":"gt","sort":{"by":"metric:brightness","desc":true},"limit":5}"#);
    assert_eq!(sorted["items"].as_array().unwrap().len(), 5, "{sorted}");
    assert!(sorted["items"][0]["value"].is_number(), "{sorted}");

    // Tags posted while imports write the same project all succeed.
    let ids: Vec<i64> = query(r#"{"dataset":"gt","limit":40}"#)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let importer = {
        let project = project.clone();
        let import: Vec<String> = import.iter().map(|s| s.to_string()).collect();
        std::thread::spawn(move || {
            for _ in 0..3 {
                let args: Vec<&str> = import.iter().map(String::as_str).collect();
                assay(&project, &args);
            }
        })
    };
    let mut posted = 0;
    while !importer.is_finished() || posted < 10 {
        let body =
            json!({"sample_ids": [ids[posted % ids.len()]], "tag": "during-import"}).to_string();
        let (status, text) = http(&hp, "POST", "/api/tags", &[], Some(&body));
        assert!(
            status.contains(" 200"),
            "POST /api/tags during an import: {status} {text}"
        );
        posted += 1;
    }
    importer.join().unwrap();
    let tagged = query(r#"{"dataset":"gt","tags":["during-import"],"limit":100}"#);
    assert!(tagged["total"].as_u64().unwrap() > 0, "{tagged}");
}

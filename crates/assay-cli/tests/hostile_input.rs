//! Mistakes a new user makes and files a careless tool writes: each is a
//! clear message or a working import, never a panic.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::images::write_png;
use common::{assay, assay_fails, info_json, init_and_import_coco, path};

/// A project with one small COCO dataset (`gt`) whose files exist.
fn small_project(root: &Path) -> std::path::PathBuf {
    let images = root.join("images");
    write_png(&images.join("a.png"), 1);
    write_png(&images.join("b.png"), 2);
    let coco = json!({
        "images": [{"id": 1, "file_name": "a.png", "width": 40, "height": 30},
                   {"id": 2, "file_name": "b.png", "width": 40, "height": 30}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 0}],
        "categories": [{"id": 1, "name": "thing"}]
    });
    std::fs::write(root.join("gt.json"), coco.to_string()).unwrap();
    let project = root.join("project");
    init_and_import_coco(&project, &root.join("gt.json"), &images, &[]);
    project
}

/// Runs `assay <args>` with its standard output already closed.
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn closed_output_ends_commands_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let project = small_project(dir.path());
    let data = common::data().join("faster_coco_eval_tests/tests/dataset/cocoapi");
    let gt = data.join("instances_val2014_100.json");
    let dt = data.join("instances_val2014_fakebbox100_results.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--project", path(&project), "info"],
        vec!["--project", path(&project), "info", "--json"],
        vec!["eval", "coco", "--gt", path(&gt), "--dt", path(&dt)],
        vec!["--project", path(&project), "quality"],
        vec!["--project", path(&project), "issues"],
        vec!["--help"],
    ];
    for args in cases {
        let out = with_closed_stdout(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
    }
}

#[test]
fn an_error_quotes_a_short_prefix_of_a_huge_value() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "A".repeat(20 << 20);
    let file = dir.path().join("huge.json");
    std::fs::write(
        &file,
        format!(r#"{{"images": [{{"id": "{huge}", "file_name": "a.jpg"}}], "annotations": [], "categories": []}}"#),
    )
    .unwrap();
    let project = dir.path().join("project");
    assay(&project, &["init"]);
    let err = assay_fails(&project, &["import", "coco", "--annotations", path(&file)]);
    assert!(err.len() < 1000, "{} bytes of error", err.len());
    assert!(err.contains("$.images[0].id"), "{err}");
    assert!(err.contains("AAAA") && err.contains("more bytes"), "{err}");
}

#[test]
fn class_lists_are_recognised_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let images = root.join("images");
    write_png(&images.join("a.png"), 3);
    std::fs::create_dir_all(root.join("labels")).unwrap();
    std::fs::write(root.join("labels/a.txt"), "1 0.5 0.5 0.2 0.2\n").unwrap();
    for (name, text) in [
        ("obj.names", "person\nbicycle\n"),
        ("classes", "person\nbicycle\n"),
        ("classes.list", "names:\n  - person\n  - bicycle\n"),
    ] {
        std::fs::write(root.join(name), text).unwrap();
        let project = root.join(format!("project-{name}"));
        assay(&project, &["init"]);
        assay(
            &project,
            &[
                "import",
                "yolo",
                "--images",
                path(&images),
                "--classes",
                path(&root.join(name)),
            ],
        );
        let info = info_json(&project);
        let classes = info["datasets"][0]["classes"].to_string();
        assert!(
            classes.contains("bicycle") && classes.contains("person"),
            "{name}: {info}"
        );
        assert_eq!(info["datasets"][0]["annotations"], 1, "{name}: {info}");
    }
}

#[test]
fn a_file_name_that_is_not_utf8_imports_and_is_measured() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let odd = images.join(std::ffi::OsStr::from_bytes(b"caf\xe9.png"));
    write_png(&odd, 4);
    write_png(&images.join("plain.png"), 5);
    let project = dir.path().join("project");
    assay(&project, &["init"]);
    assay(&project, &["import", "folder", "--images", path(&images)]);
    let info = info_json(&project);
    assert_eq!(info["datasets"][0]["images_with_files"], 2, "{info}");
    let out = assay(&project, &["quality"]);
    assert!(!out.contains("missing"), "{out}");
    let db = rusqlite::Connection::open(project.join(".assay/project.db")).unwrap();
    let measured: i64 = db
        .query_row(
            "SELECT COUNT(DISTINCT sample_id) FROM sample_metrics",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(measured, 2, "both images measured");
}

const VOC: &str = r#"<annotation>
  <filename>a.png</filename>
  SIZE
  <object><name>thing</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>10</ymax></bndbox></object>
</annotation>"#;

#[test]
fn a_voc_file_without_size_warns_and_keeps_a_known_size() {
    let dir = tempfile::tempdir().unwrap();
    let with_size = dir.path().join("with");
    let without = dir.path().join("without");
    std::fs::create_dir_all(&with_size).unwrap();
    std::fs::create_dir_all(&without).unwrap();
    let size = "<size><width>640</width><height>480</height><depth>3</depth></size>";
    std::fs::write(with_size.join("a.xml"), VOC.replace("SIZE", size)).unwrap();
    std::fs::write(without.join("a.xml"), VOC.replace("SIZE", "")).unwrap();
    let project = dir.path().join("project");
    assay(&project, &["init"]);
    let import = |folder: &Path| {
        Command::new(env!("CARGO_BIN_EXE_assay"))
            .args([
                "--project",
                path(&project),
                "import",
                "voc",
                "--dataset",
                "voc",
            ])
            .args(["--annotations", path(folder)])
            .output()
            .unwrap()
    };
    assert!(import(&with_size).status.success());
    let out = import(&without);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("missing_image_size"), "{stderr}");
    let coco: Value = {
        let file = dir.path().join("out.json");
        assay(
            &project,
            &["export", "coco", "--dataset", "voc", "--out", path(&file)],
        );
        serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
    };
    assert_eq!(coco["images"][0]["width"], 640, "{coco}");
    assert_eq!(coco["images"][0]["height"], 480, "{coco}");
}

#[test]
fn an_empty_results_list_says_there_are_no_detections() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::data().join("faster_coco_eval_tests/tests/dataset/cocoapi");
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "[]").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["eval", "coco", "--gt"])
        .arg(data.join("instances_val2014_100.json"))
        .arg("--dt")
        .arg(&empty)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("no detections"), "{stderr}");
}

#[test]
fn two_imports_into_one_project_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let project = small_project(dir.path());
    let gt = dir.path().join("gt.json");
    let images = dir.path().join("images");
    let runs: Vec<_> = (0..2)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_assay"))
                .args(["--project", path(&project), "import", "coco"])
                .args(["--annotations", path(&gt), "--images", path(&images)])
                .args(["--dataset", &format!("copy{i}")])
                .stderr(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
    }
    let info = info_json(&project);
    assert_eq!(info["datasets"].as_array().unwrap().len(), 3, "{info}");
}

#[test]
fn a_writer_waits_for_another_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let project = small_project(dir.path());
    // Hold the write lock from outside for two seconds.
    let db = rusqlite::Connection::open(project.join(".assay/project.db")).unwrap();
    db.execute_batch("BEGIN IMMEDIATE; INSERT INTO tags (sample_id, tag) SELECT id, 'held' FROM samples LIMIT 1;")
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "--project",
            path(&project),
            "import",
            "coco",
            "--dataset",
            "other",
        ])
        .args(["--annotations", path(&dir.path().join("gt.json"))])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    db.execute_batch("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("waiting for another assay process"),
        "{stderr}"
    );
}

#[test]
fn a_long_yolo_class_list_and_a_crowded_voc_file_import_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // 50,000 class names.
    let images = root.join("images");
    write_png(&images.join("a.png"), 6);
    std::fs::create_dir_all(root.join("labels")).unwrap();
    std::fs::write(root.join("labels/a.txt"), "49999 0.5 0.5 0.2 0.2\n").unwrap();
    let names: String = (0..50_000).map(|i| format!("class_{i}\n")).collect();
    std::fs::write(root.join("classes.txt"), names).unwrap();
    let project = root.join("project");
    assay(&project, &["init"]);
    let start = Instant::now();
    assay(
        &project,
        &[
            "import",
            "yolo",
            "--images",
            path(&images),
            "--classes",
            path(&root.join("classes.txt")),
        ],
    );
    let yolo = start.elapsed();
    // One VOC file with 10,000 objects.
    let voc = root.join("voc");
    std::fs::create_dir_all(&voc).unwrap();
    let mut xml = String::from("<annotation>\n<filename>a.png</filename>\n<size><width>4000</width><height>4000</height></size>\n");
    for i in 0..10_000 {
        let x = i % 3000;
        xml += &format!(
            "<object>\n<name>c{}</name>\n<bndbox>\n<xmin>{x}</xmin>\n<ymin>{x}</ymin>\n<xmax>{}</xmax>\n<ymax>{}</ymax>\n</bndbox>\n</object>\n",
            i % 20,
            x + 10,
            x + 10
        );
    }
    xml += "</annotation>\n";
    std::fs::write(voc.join("a.xml"), xml).unwrap();
    let start = Instant::now();
    assay(&project, &["import", "voc", "--annotations", path(&voc)]);
    let voc_time = start.elapsed();
    let info = info_json(&project);
    let annotations: Vec<i64> = info["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["annotations"].as_i64().unwrap())
        .collect();
    assert!(annotations.contains(&10_000), "{info}");
    assert!(
        yolo < Duration::from_secs(2),
        "50,000 YOLO classes took {yolo:?}"
    );
    assert!(
        voc_time < Duration::from_secs(2),
        "10,000 VOC objects took {voc_time:?}"
    );
}

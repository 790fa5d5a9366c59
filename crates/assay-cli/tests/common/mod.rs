//! Helpers shared by the end-to-end tests: where the real data is, and
//! running the `assay` binary on a project.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod images;
pub mod server;

use std::path::{Path, PathBuf};

/// A path as a command-line argument (test paths are UTF-8).
pub fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `assay --project <project> info --json`, parsed.
pub fn info_json(project: &Path) -> serde_json::Value {
    serde_json::from_str(&assay(project, &["info", "--json"])).expect("info --json is JSON")
}

/// `assay init` in `project`, then `assay import coco --annotations
/// <annotations> --images <images> <extra>`; asserts both succeed.
pub fn init_and_import_coco(project: &Path, annotations: &Path, images: &Path, extra: &[&str]) {
    assay(project, &["init"]);
    let mut args = vec![
        "import",
        "coco",
        "--annotations",
        path(annotations),
        "--images",
        path(images),
    ];
    args.extend_from_slice(extra);
    assay(project, &args);
}

/// `../shared/data`, which must exist.
pub fn data() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.is_dir(),
        "the shared test data is missing: expected {}",
        dir.display()
    );
    dir
}

/// The binary under test.
pub fn binary() -> assay_test_support::binary::Binary {
    assay_test_support::binary::Binary::new(env!("CARGO_BIN_EXE_assay"))
}

/// Runs `assay --project <project> <args>`, asserts success, returns stdout.
pub fn assay(project: &Path, args: &[&str]) -> String {
    binary().ok(Some(project), args)
}

/// Builds the demo project (`--images 60`, quick but with every kind of
/// problem) in `dir`, asserts success, returns what it printed.
pub fn build_demo(dir: &Path) -> String {
    let dir = dir.to_str().expect("a UTF-8 path");
    binary().ok(None, &["demo", dir, "--images", "60"])
}

/// Runs `assay --project <project> <args>`, asserts that it fails, returns
/// stderr.
pub fn assay_fails(project: &Path, args: &[&str]) -> String {
    binary().fails(Some(project), args)
}

/// The rows the queries return from the project's database, as text (a
/// row's values in their `Debug` form, floats shortest round-trip, so
/// equal text is equal bits).
pub fn stored_rows(project: &Path, queries: &[&str]) -> Vec<String> {
    let db = rusqlite::Connection::open(project.join(".assay/project.db")).unwrap();
    let mut out = Vec::new();
    for sql in queries {
        let mut stmt = db.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        out.extend(rows.map(|r| format!("{:?}", r.unwrap())));
    }
    out
}

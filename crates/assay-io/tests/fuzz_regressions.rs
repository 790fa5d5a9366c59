//! Replays the fuzzing corpora (`fuzz/corpus/<target>/`) and the saved
//! crash inputs (`fuzz/artifacts/<target>/`) through the harness the
//! cargo-fuzz targets use, so that every input once found stays handled
//! on stable Rust in `cargo test`. See `fuzz/README.md`.

mod fuzz_harness;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use fuzz_harness::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("cannot list a fuzz folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every corpus and artifact file of `target`; fails naming each
/// input that panics, and when the corpus is empty.
fn replay(target: &str) {
    let (_, run) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no harness for target {target}"));
    let corpus = files_in(&fuzz_dir().join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target}/ is empty or missing"
    );
    let artifacts = files_in(&fuzz_dir().join("artifacts").join(target));
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&artifacts) {
        let data = std::fs::read(path).expect("cannot read a fuzz input");
        if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} inputs of target {target} panic:\n{}",
        failed.len(),
        corpus.len() + artifacts.len(),
        failed.join("\n")
    );
}

#[test]
fn every_corpus_folder_has_a_harness() {
    let mut names: Vec<String> = Vec::new();
    for kind in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            assert_ne!(kind, "corpus", "fuzz/corpus/ is missing");
            continue;
        };
        for entry in entries {
            let entry = entry.expect("cannot list a fuzz folder");
            if entry.path().is_dir() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    for name in &names {
        assert!(
            TARGETS.iter().any(|(t, _)| t == name),
            "fuzz/{name}/ has no harness in tests/fuzz_harness"
        );
    }
    for (target, _) in TARGETS {
        assert!(names.iter().any(|n| n == target), "no corpus for {target}");
    }
}

#[test]
fn coco() {
    replay("coco");
}

#[test]
fn coco_results() {
    replay("coco_results");
}

#[test]
fn yolo() {
    replay("yolo");
}

#[test]
fn voc() {
    replay("voc");
}

#[test]
fn manifest() {
    replay("manifest");
}

#[test]
fn image_header() {
    replay("image_header");
}

#[test]
fn npy() {
    replay("npy");
}

#[test]
fn npz() {
    replay("npz");
}

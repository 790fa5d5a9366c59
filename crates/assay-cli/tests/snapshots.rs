//! Snapshot tests of the human-readable output of the main commands
//! (`eval coco`, `info`, `evaluate`, `runs`, `quality`, `issues`,
//! `gen eval`), on real COCO files from `../shared/data` and seeded
//! features, so that a change to what users read is reviewed, not
//! accidental. Snapshots live in `tests/snapshots/`; after an intended
//! change, review and accept them with `cargo insta review` (or rerun
//! with `INSTA_UPDATE=always` and read the diff).
//!
//! Temporary paths and run times are replaced by placeholders.

use std::path::Path;
use std::process::Command;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;
use common::path;

/// Runs `assay <args>` in `dir`, asserts success, returns stdout.
fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the assay binary runs");
    assert!(
        out.status.success(),
        "assay {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Snapshot settings: temporary folders and timestamps masked.
fn settings(dir: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(&regex_escape(&dir.display().to_string()), "[TMP]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIME]");
    settings.add_filter(r"in \d+(\.\d+)? ?(ms|s)\b", "in [DURATION]");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[test]
fn coco_evaluation_and_project_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::data().join("faster_coco_eval_tests/tests/dataset/cocoapi");
    let gt = data.join("instances_val2014_100.json");
    let dt = data.join("instances_val2014_fakebbox100_results.json");
    let d = dir.path();
    let _guard = settings(d).bind_to_scope();

    insta::assert_snapshot!(
        "eval_coco",
        run(d, &["eval", "coco", "--gt", path(&gt), "--dt", path(&dt)])
    );

    run(d, &["init"]);
    run(
        d,
        &[
            "import",
            "coco",
            "--annotations",
            path(&gt),
            "--dataset",
            "val",
        ],
    );
    run(
        d,
        &[
            "predictions",
            "add",
            "--model",
            "fake",
            "--coco",
            path(&dt),
            "--dataset",
            "val",
        ],
    );
    insta::assert_snapshot!("info", run(d, &["info"]));
    insta::assert_snapshot!("evaluate", run(d, &["evaluate", "--model", "fake"]));
    insta::assert_snapshot!("runs", run(d, &["runs"]));
    insta::assert_snapshot!("quality", run(d, &["quality"]));
    insta::assert_snapshot!("issues", run(d, &["issues"]));
}

#[test]
fn generative_evaluation_of_features() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _guard = settings(d).bind_to_scope();
    // Seeded Gaussian-like features; the generated set is shifted and has
    // a few exact copies of real rows (memorised) and of each other.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut rows = |shift: f64| -> Vec<f64> {
        (0..400 * 16)
            .map(|i| {
                (0..4).map(|_| rng.random::<f64>() - 0.5).sum::<f64>() + shift * (i % 3) as f64
            })
            .collect()
    };
    let real = rows(0.0);
    let mut fake = rows(0.3);
    fake[..16].copy_from_slice(&real[..16]);
    let copy = fake[16..32].to_vec();
    fake[32..48].copy_from_slice(&copy);
    assay_io::npy::write_npy_f64(&d.join("real.npy"), &[400, 16], &real).unwrap();
    assay_io::npy::write_npy_f64(&d.join("fake.npy"), &[400, 16], &fake).unwrap();
    insta::assert_snapshot!(
        "gen_eval",
        run(
            d,
            &[
                "gen",
                "eval",
                "--real",
                "real.npy",
                "--fake",
                "fake.npy",
                "--metrics",
                "fid,kid,prdc",
                "--kid-subsets",
                "10",
                "--kid-subset-size",
                "100",
                "--interval-draws",
                "20",
            ],
        )
    );
}

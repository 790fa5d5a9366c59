//! `assay gen` end to end: real generated images against real photos, FID
//! from features and from saved statistics, and helpful failures.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{assay, assay_fails, data};
use serde_json::Value;

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn metric(report: &Value, name: &str) -> f64 {
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))["value"]
        .as_f64()
        .unwrap()
}

/// The same-seed groups of `ai_generated/prompts.csv`: rows with the same
/// prompt, seed and model (the compute unit aside), read from the manifest.
fn same_seed_groups(manifest: &Path) -> BTreeSet<BTreeSet<String>> {
    let mut reader = csv::Reader::from_path(manifest).unwrap();
    let mut groups: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let (file, prompt, model, seed) = (&row[0], &row[1], &row[2], &row[3]);
        if seed.trim().is_empty() {
            continue;
        }
        let base_model = model.split(" (").next().unwrap().to_string();
        groups
            .entry((prompt.to_string(), seed.to_string(), base_model))
            .or_default()
            .insert(file.to_string());
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

#[test]
fn generated_images_against_real_photos_find_the_same_seed_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = data().join("ai_generated/prompts.csv");
    let out = assay(
        dir.path(),
        &[
            "gen",
            "eval",
            "--real",
            path(&data().join("dreambooth_real_photos_subset")),
            "--fake",
            path(&manifest),
            "--interval-draws",
            "5",
            "--json",
        ],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["fake"]["count"], 24);
    assert_eq!(report["real"]["count"], 111);
    for name in ["fid", "kid", "precision", "recall", "density", "coverage"] {
        assert!(metric(&report, name).is_finite(), "{name}");
    }
    // Every interval holds its value and names its method.
    for m in report["metrics"].as_array().unwrap() {
        let (value, i) = (m["value"].as_f64().unwrap(), &m["interval"]);
        let (low, high) = (i["low"].as_f64().unwrap(), i["high"].as_f64().unwrap());
        assert!(low <= value && value <= high, "{m}");
        let method = i["method"].as_str().unwrap();
        assert!(
            method.starts_with("subsampling without replacement"),
            "{method}"
        );
    }
    // Every same-seed group of the manifest is found, and nothing else.
    let found: BTreeSet<BTreeSet<String>> = report["diagnostics"]["near_duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|set| {
            set.as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    let expected = same_seed_groups(&manifest);
    assert!(expected.len() >= 5, "the manifest has same-seed groups");
    assert_eq!(found, expected);
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("comparable only")),
        "the built-in extractor is flagged: {warnings:?}"
    );
    assert!(warnings
        .iter()
        .any(|w| w.as_str().unwrap().contains("rank-deficient")));
}

#[test]
fn coco_images_as_reference_and_a_leaderboard_by_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = assay(
        dir.path(),
        &[
            "gen",
            "compare",
            "--real",
            path(&data().join("coco128_lightly/images")),
            "--fake",
            path(&data().join("ai_generated/prompts.csv")),
            "--by-model",
            "--interval-draws",
            "0",
            "--json",
        ],
    );
    let board: Value = serde_json::from_str(&out).unwrap();
    let entries = board["entries"].as_array().unwrap();
    assert!(entries.len() >= 8, "one entry per generator");
    assert!(board["ranked_by"].as_str().unwrap().starts_with("fid"));
    // Generators with a single image get no FID (and say why); the others
    // are ranked by it.
    let fids: Vec<f64> = entries
        .iter()
        .map(|e| &e["report"])
        .filter(|r| r["fake"]["count"].as_u64().unwrap() >= 2)
        .map(|r| metric(r, "fid"))
        .collect();
    assert!(fids.len() >= 5);
    assert!(
        fids.windows(2).all(|w| w[0] <= w[1]),
        "ranked by FID: {fids:?}"
    );
    let single = entries
        .iter()
        .find(|e| e["report"]["fake"]["count"] == 1)
        .unwrap();
    let why = single["report"]["warnings"].to_string();
    assert!(why.contains("fid not computed"), "{why}");
    // Generators of one prompt set are compared prompt by prompt.
    assert!(!board["head_to_head"].as_array().unwrap().is_empty());
}

#[test]
fn fid_from_features_equals_fid_from_saved_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.npy");
    let fake = dir.path().join("fake.npy");
    let rows = |shift: f64| -> Vec<f64> {
        (0..300 * 12)
            .map(|i| ((i * 7919 % 1000) as f64 / 1000.0 + shift * (i % 12) as f64).sin())
            .collect()
    };
    assay_io::npy::write_npy_f64(&real, &[300, 12], &rows(0.0)).unwrap();
    assay_io::npy::write_npy_f64(&fake, &[300, 12], &rows(0.05)).unwrap();
    let eval = |real: &Path| -> Value {
        let out = assay(
            dir.path(),
            &[
                "gen",
                "eval",
                "--real",
                path(real),
                "--fake",
                path(&fake),
                "--metrics",
                "fid",
                "--interval-draws",
                "0",
                "--json",
            ],
        );
        serde_json::from_str(&out).unwrap()
    };
    let report = eval(&real);
    let direct = metric(&report, "fid");
    // Features read from files are named as such, not as an extractor's.
    assert_eq!(
        report["extractor"]["name"], "precomputed features",
        "{report}"
    );
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("precomputed features"), "{warnings}");
    assert!(!warnings.contains("built-in"), "{warnings}");
    // KID's warning names the subset size it used, not the set size.
    let kid: Value = serde_json::from_str(&assay(
        dir.path(),
        &[
            "gen",
            "eval",
            "--real",
            path(&real),
            "--fake",
            path(&fake),
            "--metrics",
            "kid",
            "--kid-subset-size",
            "50",
            "--kid-subsets",
            "5",
            "--interval-draws",
            "0",
            "--json",
        ],
    ))
    .unwrap();
    let warnings = kid["warnings"].to_string();
    assert!(warnings.contains("KID subsets of 50 samples"), "{warnings}");
    let stats = dir.path().join("real_stats.npz");
    assay(
        dir.path(),
        &[
            "gen",
            "stats",
            "--images",
            path(&real),
            "--out",
            path(&stats),
        ],
    );
    let from_stats = eval(&stats);
    assert!((metric(&from_stats, "fid") - direct).abs() <= 1e-9 * direct.abs());
    assert_eq!(
        from_stats["real"]["count"], 300,
        "the sample count travels in the npz"
    );
    // KID needs the features themselves.
    let err = assay_fails(
        dir.path(),
        &[
            "gen",
            "eval",
            "--real",
            path(&stats),
            "--fake",
            path(&fake),
            "--metrics",
            "kid",
        ],
    );
    assert!(err.contains("only FID statistics"), "{err}");
}

#[test]
fn bad_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let err = assay_fails(
        dir.path(),
        &[
            "gen",
            "eval",
            "--real",
            path(&missing),
            "--fake",
            path(&missing),
        ],
    );
    assert!(err.contains("nowhere"), "{err}");
    let manifest = dir.path().join("bad.csv");
    std::fs::write(&manifest, "file,prompt\na.png,a cat\n").unwrap();
    let err = assay_fails(
        dir.path(),
        &[
            "gen",
            "eval",
            "--real",
            path(&data().join("dreambooth_real_photos_subset")),
            "--fake",
            path(&manifest),
        ],
    );
    assert!(err.contains("bad.csv") && err.contains("model"), "{err}");
    let stats = dir.path().join("broken.npz");
    std::fs::write(&stats, b"PK\x03\x04 not really").unwrap();
    let err = assay_fails(
        dir.path(),
        &[
            "gen",
            "eval",
            "--real",
            path(&stats),
            "--fake",
            path(&manifest),
        ],
    );
    assert!(err.contains("broken.npz"), "{err}");
}

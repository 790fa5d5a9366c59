//! Sharded runs merge into exactly the unsharded result: `assay eval coco
//! --shard K/N --partial-out` on every shard, then `assay eval merge`,
//! gives the same stats, per-category metrics and precision, recall and
//! score arrays as one `assay eval coco`, bit for bit (floats compared
//! through their shortest round-trip text), for N = 1, 2 and 7, on the
//! cocoapi files of `../shared/data` and on random cases with scores tied
//! across images.

mod common;

use std::path::{Path, PathBuf};

use assay_test_support::binary::Binary;
use assay_test_support::oracle::shared_data;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

fn binary() -> Binary {
    Binary::new(env!("CARGO_BIN_EXE_assay"))
}

fn data(p: &str) -> PathBuf {
    let path = shared_data().join("faster_coco_eval_tests/tests").join(p);
    assert!(path.is_file(), "test data {} not found", path.display());
    path
}

/// The report and the arrays of one `assay eval coco` or `assay eval
/// merge` run.
fn report(args: &[&str], dir: &Path, name: &str) -> (Value, Value) {
    let arrays = dir.join(format!("{name}-arrays.json"));
    let mut all = args.to_vec();
    all.extend(["--json", "--precision-out", common::path(&arrays)]);
    let out = binary().ok(None, &all);
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    let arrays: Value = serde_json::from_slice(&std::fs::read(&arrays).unwrap()).unwrap();
    (report, arrays)
}

fn check_shards(gt: &Path, dt: &Path, iou_type: &str, dir: &Path) {
    let (gt, dt) = (common::path(gt), common::path(dt));
    let base = [
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        iou_type,
    ];
    let (whole, arrays) = report(&[&base[..], &[]].concat(), dir, "whole");
    for n in [1, 2, 7] {
        let mut parts = Vec::new();
        for k in 1..=n {
            let part = dir.join(format!("part-{k}-of-{n}.json"));
            let shard = format!("{k}/{n}");
            let args = [
                &base[..],
                &["--shard", &shard, "--partial-out", common::path(&part)],
            ]
            .concat();
            binary().ok(None, &args);
            parts.push(part);
        }
        let mut merge = vec!["eval", "merge"];
        merge.extend(parts.iter().map(|p| common::path(p)));
        let (merged, merged_arrays) = report(&merge, dir, &format!("merged-{n}"));
        assert_eq!(merged, whole, "{iou_type} {gt}: report of {n} shards");
        assert_eq!(
            merged_arrays, arrays,
            "{iou_type} {gt}: arrays of {n} shards"
        );
        // `assay merge` tells the kind of part by itself.
        let mut merge = vec!["merge"];
        merge.extend(parts.iter().rev().map(|p| common::path(p)));
        let (merged, merged_arrays) = report(&merge, dir, &format!("any-merged-{n}"));
        assert_eq!((merged, merged_arrays), (whole.clone(), arrays.clone()));
    }
}

#[test]
fn sharded_coco_evaluation_is_the_unsharded_one_on_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let coco = data("dataset/cocoapi/instances_val2014_100.json");
    let cases = [
        (
            coco.clone(),
            data("dataset/cocoapi/instances_val2014_fakebbox100_results.json"),
            "bbox",
        ),
        (
            coco,
            data("dataset/cocoapi/instances_val2014_fakesegm100_results.json"),
            "segm",
        ),
        (
            data("keypoints_dataset/gt_dataset.json"),
            data("keypoints_dataset/dt_dataset.json"),
            "keypoints",
        ),
        (
            data("dataset/gt_dataset.json"),
            data("dataset/dt_dataset.json"),
            "segm",
        ),
    ];
    for (gt, dt, iou_type) in &cases {
        check_shards(gt, dt, iou_type, dir.path());
    }
}

/// Random ground truth and detections: images listed out of id order,
/// crowd regions, scores on a coarse grid (so detections of different
/// images tie), categories without ground truth.
fn random_case(rng: &mut ChaCha8Rng, dir: &Path, index: usize) -> (PathBuf, PathBuf) {
    let n_images = rng.random_range(1..40);
    let mut ids: Vec<i64> = (0..n_images)
        .map(|i| i * 7 + rng.random_range(0..5))
        .collect();
    ids.dedup();
    let mut images: Vec<Value> = ids
        .iter()
        .map(|&id| json!({"id": id, "width": 200, "height": 150, "file_name": format!("{id}.jpg")}))
        .collect();
    images.reverse();
    let categories: Vec<Value> = (1..=4)
        .map(|c| json!({"id": c, "name": format!("c{c}")}))
        .collect();
    let (mut gts, mut dts) = (Vec::new(), Vec::new());
    for &image in &ids {
        for _ in 0..rng.random_range(0..6) {
            let (x, y) = (rng.random_range(0.0..150.0), rng.random_range(0.0..100.0));
            let (w, h) = (rng.random_range(4.0..60.0), rng.random_range(4.0..60.0));
            let category = rng.random_range(1..4);
            gts.push(
                json!({"id": gts.len() + 1, "image_id": image, "category_id": category,
                "bbox": [x, y, w, h], "area": w * h, "iscrowd": i32::from(rng.random_bool(0.1))}),
            );
            for _ in 0..rng.random_range(0..3) {
                let (dx, dy) = (rng.random_range(-8.0..8.0), rng.random_range(-8.0..8.0));
                let class = if rng.random_bool(0.8) { category } else { 4 };
                let score = f64::from(rng.random_range(1..10u8)) / 10.0;
                dts.push(json!({"image_id": image, "category_id": class,
                    "bbox": [x + dx, y + dy, w, h], "score": score}));
            }
        }
        for _ in 0..rng.random_range(0..3) {
            dts.push(
                json!({"image_id": image, "category_id": rng.random_range(1..5),
                "bbox": [rng.random_range(0.0..150.0), rng.random_range(0.0..100.0), 20.0, 20.0],
                "score": f64::from(rng.random_range(1..10u8)) / 10.0}),
            );
        }
    }
    if dts.is_empty() {
        dts.push(json!({"image_id": ids[0], "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}));
    }
    let gt = dir.join(format!("gt-{index}.json"));
    let dt = dir.join(format!("dt-{index}.json"));
    let gt_json = json!({"images": images, "annotations": gts, "categories": categories});
    std::fs::write(&gt, gt_json.to_string()).unwrap();
    std::fs::write(&dt, Value::Array(dts).to_string()).unwrap();
    (gt, dt)
}

#[test]
fn sharded_coco_evaluation_is_the_unsharded_one_on_random_cases() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    for index in 0..12 {
        let (gt, dt) = random_case(&mut rng, dir.path(), index);
        check_shards(&gt, &dt, "bbox", dir.path());
    }
}

#[test]
fn partial_evaluations_that_do_not_fit_together_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (gt, dt) = random_case(&mut rng, d, 0);
    let args = |shard: &str, iou: &str, out: &Path| -> Vec<String> {
        let (gt, dt, out) = (common::path(&gt), common::path(&dt), common::path(out));
        [
            "eval",
            "coco",
            "--gt",
            gt,
            "--dt",
            dt,
            "--iou-type",
            iou,
            "--shard",
            shard,
        ]
        .into_iter()
        .chain(["--partial-out", out])
        .map(str::to_string)
        .collect()
    };
    let part = |shard: &str, iou: &str, name: &str| {
        let path = d.join(name);
        let args = args(shard, iou, &path);
        binary().ok(None, &args.iter().map(String::as_str).collect::<Vec<_>>());
        path
    };
    let a = part("1/2", "bbox", "a.json");
    let again = part("1/2", "bbox", "again.json");
    let err = binary().fails(
        None,
        &["eval", "merge", common::path(&a), common::path(&again)],
    );
    assert!(err.contains("shards must not overlap"), "{err}");
    let b = part("2/2", "segm", "b.json");
    let err = binary().fails(None, &["eval", "merge", common::path(&a), common::path(&b)]);
    assert!(err.contains("part 2: its parameters differ"), "{err}");
    let junk = d.join("junk.json");
    std::fs::write(&junk, "{\"format\": 3}").unwrap();
    let err = binary().fails(None, &["eval", "merge", common::path(&junk)]);
    assert!(err.contains("junk.json: not a partial evaluation"), "{err}");
    let bad = args("3/2", "bbox", &d.join("x.json"));
    let err = binary().fails(None, &bad.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("expected K/N with 1 <= K <= N"), "{err}");
}

/// A folder whose issues span shards: exact and near duplicates far apart
/// in listing order, an unreadable file, an odd size, dark and flat images.
fn scan_folder(dir: &Path) {
    for i in 0..30u64 {
        common::images::write_png(&dir.join(format!("img/{i:02}.png")), i);
    }
    for (from, to) in [
        ("00", "z/copy-of-00"),
        ("01", "z/copy-of-01"),
        ("05", "m/copy-of-05"),
    ] {
        std::fs::create_dir_all(dir.join(to).parent().unwrap()).unwrap();
        std::fs::copy(
            dir.join(format!("img/{from}.png")),
            dir.join(format!("{to}.png")),
        )
        .unwrap();
    }
    std::fs::write(dir.join("m/broken.jpg"), b"not a jpeg").unwrap();
    std::fs::create_dir_all(dir.join("a")).unwrap();
    let dark = vec![3u8; 40 * 30 * 3];
    common::images::png(
        &dir.join("a/dark.png"),
        40,
        30,
        image::ExtendedColorType::Rgb8,
        &dark,
    );
    common::images::png(
        &dir.join("z/dark-too.png"),
        40,
        30,
        image::ExtendedColorType::Rgb8,
        &dark,
    );
    let wide = common::images::texture(400, 20, 99);
    common::images::png(
        &dir.join("a/wide.png"),
        400,
        20,
        image::ExtendedColorType::Rgb8,
        &wide,
    );
}

#[test]
fn a_sharded_scan_merges_into_the_unsharded_scan() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    scan_folder(&images);
    let whole: Value = serde_json::from_str(
        binary()
            .ok(None, &["scan", common::path(&images), "--json"])
            .trim(),
    )
    .unwrap();
    let counts = &whole["counts"];
    assert!(
        counts["exact_duplicates"].as_u64().unwrap() >= 6,
        "{counts}"
    );
    assert_eq!(counts["unreadable"], 1, "{counts}");
    for n in [1usize, 2, 7] {
        let mut merge = vec!["scan".to_string(), "--json".into(), "--merge".into()];
        for k in 1..=n {
            let part = dir.path().join(format!("scan-{k}-of-{n}.json"));
            let shard = format!("{k}/{n}");
            binary().ok(
                None,
                &[
                    "scan",
                    common::path(&images),
                    "--shard",
                    &shard,
                    "--partial-out",
                    common::path(&part),
                ],
            );
            merge.push(common::path(&part).to_string());
        }
        // Given in any order.
        merge[3..].reverse();
        let args: Vec<&str> = merge.iter().map(String::as_str).collect();
        let merged: Value = serde_json::from_str(binary().ok(None, &args).trim()).unwrap();
        assert_eq!(merged, whole, "{n} shards");
        let mut any = vec!["merge", "--json"];
        any.extend(&args[3..]);
        let merged: Value = serde_json::from_str(binary().ok(None, &any).trim()).unwrap();
        assert_eq!(merged, whole, "assay merge of {n} shards");
    }
    // Every shard once.
    let part = |k: usize| dir.path().join(format!("scan-{k}-of-7.json"));
    let err = binary().fails(
        None,
        &[
            "scan",
            "--merge",
            common::path(&part(1)),
            common::path(&part(2)),
        ],
    );
    assert!(
        err.contains("2 of 7 shards given") || err.contains("is missing"),
        "{err}"
    );
    let err = binary().fails(
        None,
        &[
            "scan",
            "--merge",
            common::path(&part(1)),
            common::path(&part(1)),
        ],
    );
    assert!(err.contains("shard 1/7 is given twice"), "{err}");
    let other = dir.path().join("scan-1-of-2.json");
    let err = binary().fails(
        None,
        &[
            "scan",
            "--merge",
            common::path(&part(1)),
            common::path(&other),
        ],
    );
    assert!(err.contains("does not belong with"), "{err}");
}

/// `assay gen stats --shard K/N --partial-out` on every shard, then
/// `assay gen stats --merge`, writes exactly the unsharded statistics: the
/// same `mu`, `sigma` and `n`, bit for bit, for N = 1, 2 and 7 (3,000 rows,
/// so shards cut the 1,024-row blocks of the summation tree), and so the
/// same FID.
#[test]
fn sharded_fid_statistics_are_the_unsharded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let (rows, dim) = (3000, 24);
    let values: Vec<f64> = (0..rows * dim)
        .map(|i| 40.0 + (i % dim) as f64 + rng.random::<f64>() * 3.0)
        .collect();
    let features = dir.path().join("features.npy");
    assay_io::npy::write_npy_f64(&features, &[rows, dim], &values).unwrap();
    let feats = common::path(&features);
    let fake = dir.path().join("fake.npy");
    let shifted: Vec<f64> = values
        .iter()
        .enumerate()
        .map(|(i, v)| v + (i % 3) as f64 * 0.4)
        .collect();
    assay_io::npy::write_npy_f64(&fake, &[rows, dim], &shifted).unwrap();
    let whole = dir.path().join("whole.npz");
    binary().ok(
        None,
        &[
            "gen",
            "stats",
            "--images",
            feats,
            "--out",
            common::path(&whole),
        ],
    );
    let read = |p: &Path| assay_io::npz::read_npz(p).unwrap();
    let expected = read(&whole);
    assert_eq!(expected.len(), 3);
    let fid = |real: &Path| -> Value {
        let out = binary().ok(
            None,
            &[
                "gen",
                "eval",
                "--real",
                common::path(real),
                "--fake",
                common::path(&fake),
                "--metrics",
                "fid",
                "--interval-draws",
                "0",
                "--json",
            ],
        );
        let report: Value = serde_json::from_str(out.trim()).unwrap();
        let metrics = report["metrics"].as_array().unwrap();
        let fid = metrics.iter().find(|m| m["name"] == "fid").unwrap();
        assert!(fid["value"].as_f64().unwrap() > 0.0, "{fid}");
        fid["value"].clone()
    };
    let whole_fid = fid(&whole);
    assert!(whole_fid.is_number());
    for n in [1usize, 2, 7] {
        let merged = dir.path().join(format!("merged-{n}.npz"));
        let mut merge = vec![
            "gen".to_string(),
            "stats".into(),
            "--out".into(),
            common::path(&merged).into(),
            "--merge".into(),
        ];
        for k in (1..=n).rev() {
            let part = dir.path().join(format!("moments-{k}-of-{n}"));
            let shard = format!("{k}/{n}");
            binary().ok(
                None,
                &[
                    "gen",
                    "stats",
                    "--images",
                    feats,
                    "--shard",
                    &shard,
                    "--partial-out",
                    common::path(&part),
                ],
            );
            merge.push(common::path(&part).into());
        }
        let args: Vec<&str> = merge.iter().map(String::as_str).collect();
        binary().ok(None, &args);
        assert_eq!(read(&merged), expected, "{n} shards");
        let mut any = vec!["merge", "--out", common::path(&merged)];
        any.extend(&args[5..]);
        binary().ok(None, &any);
        assert_eq!(read(&merged), expected, "assay merge of {n} shards");
        assert_eq!(fid(&merged), whole_fid, "{n} shards");
    }
    // A missing shard, and a folder of images, are refused.
    let part = |k: usize| dir.path().join(format!("moments-{k}-of-7"));
    let err = binary().fails(
        None,
        &[
            "gen",
            "stats",
            "--out",
            "x.npz",
            "--merge",
            common::path(&part(1)),
            common::path(&part(3)),
        ],
    );
    assert!(err.contains("are in no part"), "{err}");
    let err = binary().fails(
        None,
        &[
            "gen",
            "stats",
            "--images",
            common::path(dir.path()),
            "--shard",
            "1/2",
            "--partial-out",
            "p",
        ],
    );
    assert!(err.contains("sharded statistics take features"), "{err}");
    // Parts of different runs, and files that are no parts, are refused.
    let scan_part = dir.path().join("not-a-part.json");
    std::fs::write(&scan_part, "{\"format\": 1}").unwrap();
    let err = binary().fails(
        None,
        &["merge", common::path(&part(1)), common::path(&scan_part)],
    );
    assert!(err.contains("not a partial result"), "{err}");
    let whole_npz = common::path(&whole);
    let err = binary().fails(None, &["merge", whole_npz]);
    assert!(err.contains("not a partial result"), "{err}");
}

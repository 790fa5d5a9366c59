//! Custom image metrics without recompiling: imported from a CSV file,
//! defined by an expression, returned by a program; stored like the
//! built-in ones (kept by `assay quality`, ranked by importance, checked by
//! `assay check`), with errors that say what is wrong.

mod common;

use std::path::Path;

use serde_json::Value;

use common::{assay, assay_fails, build_demo, path};

fn metric_values(project: &Path, name: &str) -> Vec<f64> {
    let store = assay_store::Store::open(project).unwrap();
    store
        .sample_metric_values("shapes")
        .unwrap()
        .into_iter()
        .filter(|(_, n, _)| n == name)
        .map(|v| v.2)
        .collect()
}

#[test]
fn csv_expression_and_program_metrics_behave_like_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    build_demo(p);
    let dataset = ["--dataset", "shapes"];
    // A CSV keyed by file name (a path ending in it counts too).
    let csv = p.join("scores.csv");
    std::fs::write(
        &csv,
        "file_name,reviewer_score\nimg_00000.jpg,0.5\nelsewhere/img_00001.jpg,0.75\nnot_there.jpg,1\n",
    )
    .unwrap();
    let out = assay(
        p,
        &[&["metrics", "import", "--csv", path(&csv)][..], &dataset].concat(),
    );
    assert!(out.contains("reviewer_score for 2 images"), "{out}");
    assert!(out.contains("1 rows named no image"), "{out}");
    let mut got = metric_values(p, "reviewer_score");
    got.sort_by(f64::total_cmp);
    assert_eq!(got, [0.5, 0.75]);

    // An expression over stored metrics, equal to computing it by hand.
    assay(
        p,
        &[
            &[
                "metrics",
                "define",
                "exposure",
                "--expr",
                "brightness * contrast",
            ][..],
            &dataset,
        ]
        .concat(),
    );
    let (b, c, e) = (
        metric_values(p, "brightness"),
        metric_values(p, "contrast"),
        metric_values(p, "exposure"),
    );
    assert_eq!(e.len(), b.len());
    let mut expected: Vec<f64> = b.iter().zip(&c).map(|(b, c)| b * c).collect();
    let mut e_sorted = e.clone();
    expected.sort_by(f64::total_cmp);
    e_sorted.sort_by(f64::total_cmp);
    for (x, y) in e_sorted.iter().zip(&expected) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }

    // A program reading JSON lines and answering scores.
    let script = p.join("score.py");
    std::fs::write(
        &script,
        "import json, sys\nfor line in sys.stdin:\n    r = json.loads(line)\n    print(json.dumps({\"id\": r[\"id\"], \"twice_id\": 2 * r[\"id\"]}), flush=True)\n",
    )
    .unwrap();
    let out = assay(
        p,
        &[
            &[
                "metrics",
                "run",
                "--command",
                &format!("python3 {}", path(&script)),
            ][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(out.contains("Stored twice_id"), "{out}");
    assert!(!metric_values(p, "twice_id").is_empty());

    // The explorer offers them as filters and filters by them.
    {
        let server = common::server::Server::start(p, &[]);
        let facets = server.get("/api/datasets/shapes/facets");
        let offered: Vec<&str> = facets["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        for name in ["reviewer_score", "exposure", "twice_id"] {
            assert!(offered.contains(&name), "{name} not in {offered:?}");
        }
        let page = server.post(
            "/api/query",
            &serde_json::json!({"dataset": "shapes", "ranges": [{"metric": "reviewer_score", "min": 0.6}]}),
        );
        assert_eq!(page["total"], 1, "{page}");
    }

    // assay quality keeps them; importance ranks them among image metrics.
    assay(p, &[&["quality"][..], &dataset].concat());
    assert_eq!(metric_values(p, "exposure").len(), e.len());
    let importance: Value = serde_json::from_str(&assay(
        p,
        &["analyze", "importance", "--run", "1", "--json"],
    ))
    .unwrap();
    let ranked = importance["groups"][0]["image_metrics"].as_array().unwrap();
    assert!(
        ranked.iter().any(|m| m["metric"] == "exposure"),
        "{importance}"
    );

    // Checks on a custom metric, and on one the configuration defines.
    let config = p.join("gate.toml");
    std::fs::write(
        &config,
        "[check]\ndataset = \"shapes\"\n\n[[metric]]\nname = \"half_brightness\"\nexpr = \"brightness / 2\"\n\n[[condition]]\nkind = \"image_metric\"\nmetric = \"reviewer_score\"\nstatistic = \"max\"\nmax = 0.7\n\n[[condition]]\nkind = \"image_metric\"\nmetric = \"half_brightness\"\nmax = 0.5\n",
    )
    .unwrap();
    let out = common::binary().output(Some(p), &["check", "--config", path(&config), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["results"][0]["value"], 0.75, "{report}");
    assert_eq!(report["results"][0]["status"], "FAIL", "{report}");
    assert_eq!(report["results"][1]["status"], "PASS", "{report}");
    let mean_brightness = b.iter().sum::<f64>() / b.len() as f64;
    let half = report["results"][1]["value"].as_f64().unwrap();
    assert!(
        (half - mean_brightness / 2.0).abs() < 1e-12,
        "{half} vs {mean_brightness}"
    );
}

#[test]
fn bad_custom_metrics_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    build_demo(p);
    let dataset = ["--dataset", "shapes"];
    let bad = p.join("bad.csv");
    std::fs::write(&bad, "file_name,score\nimg_00000.jpg,high\n").unwrap();
    let err = assay_fails(
        p,
        &[&["metrics", "import", "--csv", path(&bad)][..], &dataset].concat(),
    );
    assert!(
        err.contains("line 2, column \"score\": expected a number"),
        "{err}"
    );
    let err = assay_fails(
        p,
        &[
            &["metrics", "define", "x", "--expr", "brightnes * 2"][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(
        err.contains("\"brightnes\"") && err.contains("did you mean"),
        "{err}"
    );
    let err = assay_fails(
        p,
        &[
            &["metrics", "define", "brightness", "--expr", "2 * contrast"][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(err.contains("built-in image metric"), "{err}");
    let err = assay_fails(
        p,
        &[&["metrics", "run", "--command", "echo hello"][..], &dataset].concat(),
    );
    assert!(err.contains("line 1") && err.contains("JSON"), "{err}");
    let err = assay_fails(
        p,
        &[
            &["metrics", "run", "--command", "sleep 5", "--timeout", "1"][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(err.contains("did not finish within 1 s"), "{err}");
    // One that answers, then hangs: stopped, and nothing it answered kept.
    let before = assay(p, &[&["metrics", "list", "--json"][..], &dataset].concat());
    let hangs = p.join("hangs.py");
    std::fs::write(
        &hangs,
        "import json, sys, time
print(json.dumps({\"id\": 1, \"partial\": 1.0}), flush=True)
time.sleep(30)
",
    )
    .unwrap();
    let command = format!("python3 {}", path(&hangs));
    let err = assay_fails(
        p,
        &[
            &["metrics", "run", "--command", &command, "--timeout", "1"][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(err.contains("did not finish within 1 s"), "{err}");
    assert!(metric_values(p, "partial").is_empty());
    assert_eq!(
        assay(p, &[&["metrics", "list", "--json"][..], &dataset].concat()),
        before
    );
    // A metric defined in the check's configuration, with a misspelt
    // column: exit 2 at the line of the expression, naming the column.
    let config = p.join("gate.toml");
    std::fs::write(
        &config,
        "[check]\ndataset = \"shapes\"\n\n[[metric]]\nname = \"exp2\"\nexpr = \"brightness * contrat\"\n",
    )
    .unwrap();
    let out = common::binary().output(Some(p), &["check", "--config", path(&config)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("gate.toml:6: expr:") && err.contains("\"contrat\""),
        "{err}"
    );
    // Nothing was stored by the failures.
    let list: Value = serde_json::from_str(&assay(
        p,
        &[&["metrics", "list", "--json"][..], &dataset].concat(),
    ))
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
}

/// Every stored value of object metric `name`: (sample row, annotation id)
/// -> value.
fn object_values(project: &Path, name: &str) -> std::collections::HashMap<(i64, i64), f64> {
    let store = assay_store::Store::open(project).unwrap();
    store
        .annotation_metric_values("shapes")
        .unwrap()
        .into_iter()
        .filter(|(_, _, n, _)| n == name)
        .map(|(s, o, _, v)| ((s, o), v))
        .collect()
}

#[test]
fn object_expressions_over_columns_and_outcomes_behave_like_built_in_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    build_demo(p);
    let dataset = ["--dataset", "shapes"];
    let define = |args: &[&str]| {
        assay(
            p,
            &[&["metrics", "define"][..], args, &dataset[..]].concat(),
        )
    };
    // Over an object metric and its image's brightness: as by hand.
    define(&[
        "small_dark",
        "--objects",
        "--expr",
        "object_relative_area * brightness",
    ]);
    let brightness: std::collections::HashMap<i64, f64> = {
        let store = assay_store::Store::open(p).unwrap();
        store
            .sample_metric_values("shapes")
            .unwrap()
            .into_iter()
            .filter(|(_, n, _)| n == "brightness")
            .map(|(s, _, v)| (s, v))
            .collect()
    };
    let area = object_values(p, "relative_area");
    let got = object_values(p, "small_dark");
    let expected: Vec<((i64, i64), f64)> = area
        .iter()
        .filter_map(|(k, a)| Some((*k, a * brightness.get(&k.0)?)))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got.len(), expected.len());
    for (k, v) in &expected {
        assert!((got[k] - v).abs() < 1e-12, "{k:?}: {} vs {v}", got[k]);
    }

    // With a run's outcome: found * iou is the match's IoU, 0 when missed.
    define(&[
        "hit_iou",
        "--objects",
        "--run",
        "sim-detector",
        "--expr",
        "found * iou",
    ]);
    let hits = object_values(p, "hit_iou");
    let store = assay_store::Store::open(p).unwrap();
    let run = store
        .runs(None)
        .unwrap()
        .into_iter()
        .find(|r| r.model == "sim-detector")
        .unwrap();
    let outcomes: Vec<_> = store
        .run_objects(run.id)
        .unwrap()
        .into_iter()
        .filter(|o| !o.prediction && (o.outcome == "tp" || o.outcome == "fn"))
        .collect();
    drop(store);
    assert_eq!(hits.len(), outcomes.len());
    for o in &outcomes {
        let want = if o.outcome == "tp" { o.iou } else { 0.0 };
        assert_eq!(hits[&(o.sample, o.object_id)], want, "{o:?}");
    }
    let listed: Value = serde_json::from_str(&assay(
        p,
        &[&["metrics", "list", "--json"][..], &dataset].concat(),
    ))
    .unwrap();
    let hit = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "hit_iou")
        .unwrap();
    assert_eq!(
        (hit["level"].as_str(), hit["run"].as_i64()),
        (Some("object"), Some(run.id))
    );

    // assay quality keeps them; analyses use the one about the data and
    // leave out the one that describes the model's outcome.
    assay(p, &[&["quality"][..], &dataset].concat());
    assert_eq!(object_values(p, "small_dark").len(), got.len());
    let slices: Value = serde_json::from_str(&assay(
        p,
        &["analyze", "slices", "--run", &run.id.to_string(), "--json"],
    ))
    .unwrap();
    let columns: Vec<&str> = slices["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(columns.contains(&"object_small_dark"), "{columns:?}");
    assert!(!columns.contains(&"object_hit_iou"), "{columns:?}");
    let importance: Value = serde_json::from_str(&assay(
        p,
        &[
            "analyze",
            "importance",
            "--run",
            &run.id.to_string(),
            "--json",
        ],
    ))
    .unwrap();
    let ranked = importance["groups"][0]["metrics"].as_array().unwrap();
    assert!(
        ranked.iter().any(|m| m["metric"] == "object_small_dark"),
        "{importance}"
    );

    // A check defines one in its configuration and slices by it.
    let config = p.join("gate.toml");
    std::fs::write(
        &config,
        "[check]\ndataset = \"shapes\"\nrun = \"sim-detector\"\n\n[[metric]]\nname = \"hit\"\nexpr = \"found\"\nobjects = true\nrun = \"sim-detector\"\n\n[[condition]]\nkind = \"slice\"\nwhere = [\"object_hit >= 1\"]\nmetric = \"recall\"\nmin = 1\n\n[[condition]]\nkind = \"slice\"\nwhere = [\"object_hit < 1\"]\nmetric = \"recall\"\nmax = 0\n",
    )
    .unwrap();
    let out = common::binary().output(Some(p), &["check", "--config", path(&config), "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["passed"], 2, "{report}");

    // Outcomes need a run; a built-in object metric's name is taken.
    let err = assay_fails(
        p,
        &[
            &["metrics", "define", "x", "--objects", "--expr", "found * 2"][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(err.contains("\"found\"") && err.contains("--run"), "{err}");
    let err = assay_fails(
        p,
        &[
            &[
                "metrics",
                "define",
                "area",
                "--objects",
                "--expr",
                "box_area",
            ][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(err.contains("built-in object metric"), "{err}");
    // Defining a metric computes: it is a tracked command run.
    let tracked: Value = serde_json::from_str(&assay(
        p,
        &["runs", "--command", "metrics define", "--json"],
    ))
    .unwrap();
    let codes: Vec<i64> = tracked
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["exit_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [1, 1, 0, 0], "newest first: {tracked}");
}

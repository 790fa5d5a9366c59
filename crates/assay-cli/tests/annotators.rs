//! Labels from several annotators of the demo's images: imported from a
//! COCO file with an annotator per file, one with an `annotator` field per
//! annotation, LabelMe and CVAT; their agreement on boxes per pair and per
//! class; errors that name the file, the JSON path or the image.

mod common;

use serde_json::{json, Value};

use common::{assay, assay_fails, build_demo, path};

#[test]
fn annotators_import_and_their_agreement_is_measured() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    build_demo(p);
    let gt_path = p.join("gt.json");
    assay(
        p,
        &[
            "export",
            "coco",
            "--dataset",
            "shapes",
            "--out",
            path(&gt_path),
        ],
    );
    let gt: Value = serde_json::from_str(&std::fs::read_to_string(&gt_path).unwrap()).unwrap();
    let dataset = ["--dataset", "shapes"];
    let import = |args: &[&str]| {
        assay(
            p,
            &[&["review", "import-annotators"][..], args, &dataset[..]].concat(),
        )
    };

    // ana: the ground truth, as one annotator's COCO file.
    let out = import(&["--coco", path(&gt_path), "--annotator", "ana"]);
    assert!(out.contains("labels of ana"), "{out}");
    // ben and cal in one file, each annotation naming its annotator: ben
    // shifts every box 2 px, cal leaves out every third box.
    let mut mixed = gt.clone();
    let mut annotations = Vec::new();
    for (k, a) in gt["annotations"].as_array().unwrap().iter().enumerate() {
        let mut ben = a.clone();
        ben["bbox"][0] = json!(a["bbox"][0].as_f64().unwrap() + 2.0);
        ben["annotator"] = json!("ben");
        annotations.push(ben);
        if k % 3 != 0 {
            let mut cal = a.clone();
            cal["annotator"] = json!("cal");
            annotations.push(cal);
        }
    }
    mixed["annotations"] = Value::from(annotations);
    let mixed_path = p.join("mixed.json");
    std::fs::write(&mixed_path, mixed.to_string()).unwrap();
    let out = import(&["--coco", path(&mixed_path)]);
    assert!(
        out.contains("labels of ben") && out.contains("labels of cal"),
        "{out}"
    );
    // dan through LabelMe and eve through CVAT: the ground truth again.
    let labelme = p.join("labelme");
    assay(
        p,
        &[
            "export",
            "labelme",
            "--dataset",
            "shapes",
            "--out",
            path(&labelme),
        ],
    );
    import(&["--labelme", path(&labelme), "--annotator", "dan"]);
    let cvat = p.join("eve.xml");
    assay(
        p,
        &[
            "export",
            "cvat",
            "--dataset",
            "shapes",
            "--out",
            path(&cvat),
        ],
    );
    import(&["--cvat", path(&cvat), "--annotator", "eve"]);

    let a: Value = serde_json::from_str(&assay(
        p,
        &["review", "agreement", "--dataset", "shapes", "--json"],
    ))
    .unwrap();
    assert_eq!(a["annotators"], json!(["ana", "ben", "cal", "dan", "eve"]));
    assert_eq!(
        a["images"].as_u64(),
        Some(gt["images"].as_array().unwrap().len() as u64)
    );
    let overall = a["box_alpha"].as_f64().unwrap();
    assert!(overall > 0.3 && overall < 1.0, "{a}");
    let pair = |x: &str, y: &str| {
        a["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["a"] == x && p["b"] == y)
            .unwrap()["box_alpha"]
            .as_f64()
            .unwrap()
    };
    // COCO, LabelMe and CVAT carry the same objects; the shifted and the
    // incomplete annotator agree less
    // (the demo plants loose boxes on some polygons; LabelMe and CVAT
    // keep the polygon's bounds, so ana differs there, dan and eve not).
    assert!(pair("ana", "dan") > 0.95, "{a}");
    assert_eq!(pair("dan", "eve"), 1.0, "{a}");
    assert!(pair("ana", "ben") < pair("ana", "dan"), "{a}");
    assert!(
        pair("ana", "cal") < pair("ana", "ben"),
        "missing boxes cost more than a 2 px shift: {a}"
    );
    assert!(
        a["per_class"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c[1].as_f64().is_some()),
        "{a}"
    );
    // Boxes only (some objects have no polygon): no mask alpha overall.
    assert!(a["mask_alpha"].is_null(), "{a}");
    let table = assay(p, &["review", "agreement", "--dataset", "shapes"]);
    assert!(table.contains("ana / ben"), "{table}");

    // Two annotators who drew only polygons: fay as the stored polygons,
    // gus with every polygon moved 3 px right. Their boxes agree more than
    // their masks (the objects are smaller than their boxes).
    let polygons: Vec<Value> = gt["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["segmentation"].as_array().is_some_and(|s| !s.is_empty()))
        .cloned()
        .collect();
    let shifted: Vec<Value> = polygons
        .iter()
        .map(|a| {
            let mut m = a.clone();
            let poly: Vec<f64> = a["segmentation"][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let moved: Vec<f64> = poly
                .iter()
                .enumerate()
                .map(|(i, v)| if i % 2 == 0 { v + 3.0 } else { *v })
                .collect();
            m["segmentation"] = json!([moved]);
            m["bbox"][0] = json!(a["bbox"][0].as_f64().unwrap() + 3.0);
            m
        })
        .collect();
    for (who, annotations) in [("fay", polygons), ("gus", shifted)] {
        let mut f = gt.clone();
        f["annotations"] = Value::from(annotations);
        let fp = p.join(format!("{who}.json"));
        std::fs::write(&fp, f.to_string()).unwrap();
        import(&["--coco", path(&fp), "--annotator", who]);
    }
    let a: Value = serde_json::from_str(&assay(
        p,
        &["review", "agreement", "--dataset", "shapes", "--json"],
    ))
    .unwrap();
    let fg = a["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["a"] == "fay" && p["b"] == "gus")
        .unwrap();
    let (boxes, masks) = (
        fg["box_alpha"].as_f64().unwrap(),
        fg["mask_alpha"].as_f64().unwrap(),
    );
    assert!(masks < boxes && masks > 0.0, "{fg}");

    // Errors name what is wrong.
    let err = assay_fails(
        p,
        &[
            &["review", "import-annotators", "--coco", path(&gt_path)][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(
        err.contains("$.annotations[0]") && err.contains("--annotator"),
        "{err}"
    );
    let mut stranger = gt.clone();
    stranger["images"][0]["file_name"] = json!("nowhere.jpg");
    let stranger_path = p.join("stranger.json");
    std::fs::write(&stranger_path, stranger.to_string()).unwrap();
    let err = assay_fails(
        p,
        &[
            &[
                "review",
                "import-annotators",
                "--coco",
                path(&stranger_path),
                "--annotator",
                "x",
            ][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(err.contains("\"nowhere.jpg\" is not in dataset"), "{err}");
}

#[test]
fn crowdlab_consensus_ranks_the_annotators_of_image_classes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    build_demo(p);
    let dataset = ["--dataset", "shapes-main"];
    let gt_path = p.join("main.json");
    assay(
        p,
        &[&["export", "coco", "--out", path(&gt_path)][..], &dataset].concat(),
    );
    let gt: Value = serde_json::from_str(&std::fs::read_to_string(&gt_path).unwrap()).unwrap();
    let classes: Vec<i64> = gt["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    // ana labels as the stored labels; ben changes every fourth label to
    // the next class; cal labels every other image only.
    let mut annotations = Vec::new();
    for (k, a) in gt["annotations"].as_array().unwrap().iter().enumerate() {
        for who in ["ana", "ben", "cal"] {
            let mut l = a.clone();
            l["annotator"] = json!(who);
            if who == "ben" && k % 4 == 0 {
                let c = classes
                    .iter()
                    .position(|&c| Some(c) == a["category_id"].as_i64())
                    .unwrap();
                l["category_id"] = json!(classes[(c + 1) % classes.len()]);
            }
            if who != "cal" || k % 2 == 0 {
                annotations.push(l);
            }
        }
    }
    let mut file = gt.clone();
    file["annotations"] = Value::from(annotations);
    let file_path = p.join("three.json");
    std::fs::write(&file_path, file.to_string()).unwrap();
    assay(
        p,
        &[
            &["review", "import-annotators", "--coco", path(&file_path)][..],
            &dataset,
        ]
        .concat(),
    );
    let c: Value = serde_json::from_str(&assay(
        p,
        &[
            &["review", "consensus", "--model", "sim-classifier", "--json"][..],
            &dataset,
        ]
        .concat(),
    ))
    .unwrap();
    let order: Vec<&str> = c["annotators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["annotator"].as_str().unwrap())
        .collect();
    assert_eq!(
        order.last(),
        Some(&"ben"),
        "the annotator who changed labels is last: {c}"
    );
    let ana = c["annotators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["annotator"] == "ana")
        .unwrap();
    assert!(
        ana["agreement_with_consensus"].as_f64().unwrap() > 0.9,
        "{c}"
    );
    assert!(c["images"].as_u64().unwrap() > 50, "{c}");
    // Two annotators of three keep the stored label, so the consensus
    // rarely departs from it.
    let differs = c["differs_from_label"].as_array().unwrap().len() as u64;
    assert!(differs * 10 < c["images"].as_u64().unwrap(), "{c}");
    let shown = assay(
        p,
        &[
            &["review", "consensus", "--model", "sim-classifier"][..],
            &dataset,
        ]
        .concat(),
    );
    assert!(shown.contains("CROWDLAB"), "{shown}");
    // Images the classifier's run flagged as label issues, against the
    // consensus (two of three annotators keep the stored labels, so it
    // seldom confirms them).
    let confirmed = &c["flagged_confirmed"];
    let (flagged, confirmed) = (
        confirmed[0].as_u64().unwrap(),
        confirmed[1].as_u64().unwrap(),
    );
    assert!(flagged > 0 && confirmed <= flagged, "{c}");
    assert!(shown.contains("the consensus confirms"), "{shown}");

    // Uncertainty needs the classifier's probabilities; with them, margin
    // picks images.
    assay(p, &[&["embed"][..], &dataset].concat());
    let chosen: Value = serde_json::from_str(&assay(
        p,
        &[
            &[
                "select",
                "--budget",
                "5",
                "--strategy",
                "margin",
                "--model",
                "sim-classifier",
                "--all",
                "--json",
            ][..],
            &dataset,
        ]
        .concat(),
    ))
    .unwrap();
    assert_eq!(chosen["images"].as_array().unwrap().len(), 5, "{chosen}");
}
